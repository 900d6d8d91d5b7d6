// swift-tools-version: 6.1
// libFuzzer targets for what Handoff reads from outside: CSV, agency layouts, partner files,
// JSON feed events and control files. A package of its own, so that neither `swift build` nor
// `swift test` of Handoff ever sees it: `scripts/fuzz TARGET SECONDS` builds it with
// `--sanitize fuzzer` in .build-fuzz and runs one target. See docs/reliability.md.
import PackageDescription

let handoff: [Target.Dependency] = [.product(name: "HandoffFuzzable", package: "Handoff"), "FuzzSupport"]

let package = Package(
    name: "HandoffFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "Handoff", path: "..")],
    targets: [
        // The shipped partner files and the checks every target shares.
        .target(name: "FuzzSupport", dependencies: [.product(name: "HandoffFuzzable", package: "Handoff")]),
        // Each target defines LLVMFuzzerTestOneInput; libFuzzer supplies main.
        .executableTarget(name: "fuzz-csv", dependencies: handoff),
        .executableTarget(name: "fuzz-layout", dependencies: handoff),
        .executableTarget(name: "fuzz-partners", dependencies: handoff),
        .executableTarget(name: "fuzz-events", dependencies: handoff),
        .executableTarget(name: "fuzz-control", dependencies: handoff),
    ]
)
