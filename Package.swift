// swift-tools-version: 6.1
// Handoff: hands a small business's old receivables to collection agencies and brings the
// money back into its books. See docs/architecture.md for the modules and the flow of data.
import PackageDescription

/// Every target compiles with the upcoming features Swift 7 turns on, as Hummingbird does.
let swiftSettings: [SwiftSetting] = [
    // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0335-existential-any.md
    .enableUpcomingFeature("ExistentialAny"),
    // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0444-member-import-visibility.md
    .enableUpcomingFeature("MemberImportVisibility"),
    // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0409-access-level-on-imports.md
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Handoff",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "handoff", targets: ["handoff"]),
        .library(name: "HandoffDomain", targets: ["HandoffDomain"]),
        .library(name: "HandoffCLI", targets: ["HandoffCLI"]),
        // What the libFuzzer targets in Fuzz/ (a package of their own, built by scripts/fuzz) read
        // and parse; nothing in this package uses it.
        .library(name: "HandoffFuzzable", targets: ["HandoffCSV", "HandoffLayout", "HandoffPartners", "HandoffPlacement"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // Pure domain: money, dates, the AR model, ageing, allocation. No I/O.
        .target(name: "HandoffDomain", swiftSettings: swiftSettings),
        // Streaming RFC 4180 CSV reading and writing in constant memory.
        .target(name: "HandoffCSV", swiftSettings: swiftSettings),
        // The storage seam: what the rest of Handoff asks of a database.
        .target(name: "HandoffStore", dependencies: [
            "HandoffDomain",
            // SHA-256 for the tamper-evident chains of the ledger and the audit log.
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: swiftSettings),
        // The embedded default: SQLite through GRDB, named migrations.
        .target(name: "HandoffSQLite", dependencies: [
            "HandoffDomain", "HandoffStore",
            .product(name: "GRDB", package: "GRDB.swift"),
            // SQLite's C API, for the import's inserts bound directly (SQLiteSession+DirectStatements).
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
        ], swiftSettings: swiftSettings),
        // libpq, PostgreSQL's synchronous C client (Debian libpq-dev).
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // The AR record in PostgreSQL through libpq: the same store protocols, twin migrations.
        .target(name: "HandoffPostgres", dependencies: ["CLibPQ", "HandoffConfig", "HandoffDomain", "HandoffStore"], swiftSettings: swiftSettings),
        // config/handoff.toml and partner files: TOML 1.0.0, parsed by a parser of its own.
        .target(name: "HandoffConfig", dependencies: ["HandoffDomain"], swiftSettings: swiftSettings),
        // Agency file formats described as data: writing placement files, reading returns.
        .target(name: "HandoffLayout", dependencies: ["HandoffDomain", "HandoffCSV", "HandoffConfig"], swiftSettings: swiftSettings),
        // Collection agencies as their partner files describe them.
        .target(
            name: "HandoffPartners", dependencies: ["HandoffDomain", "HandoffCSV", "HandoffConfig", "HandoffLayout"],
            swiftSettings: swiftSettings),
        // Deliberate crash points for tests of crash safety (placement, outbox, intake mark theirs).
        .target(name: "HandoffCrashPoints", swiftSettings: swiftSettings),
        // Placement runs: selecting, allocating and writing each agency's batch.
        .target(name: "HandoffPlacement", dependencies: [
            "HandoffDomain", "HandoffCSV", "HandoffCrashPoints", "HandoffLayout", "HandoffPartners", "HandoffStore",
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: swiftSettings),
        // libcurl, through a typed C shim for its variadic functions.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // Moving files to and from agencies: SFTP and HTTPS (libcurl), OpenPGP (GnuPG), local folders.
        .target(name: "HandoffTransport", dependencies: [
            "CCurl", "HandoffDomain",
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: swiftSettings),
        // The agency link: what talks to agencies, built from partner files: transports and
        // sources, requests and reads over their APIs, OpenPGP sealing and opening, secrets,
        // and the archive of what they send.
        .target(name: "HandoffAgencyLink", dependencies: ["HandoffCrashPoints", "HandoffDomain", "HandoffLayout", "HandoffPartners", "HandoffTransport"],
                swiftSettings: swiftSettings),
        // The outbox: queueing staged batches, sending them exactly once, and their receipts.
        .target(name: "HandoffOutbox", dependencies: [
            "HandoffDomain", "HandoffCSV", "HandoffStore", "HandoffLayout", "HandoffPartners", "HandoffTransport",
            "HandoffAgencyLink", "HandoffCrashPoints",
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: swiftSettings),
        // Intake: what agencies send back, verified, archived and deduplicated.
        .target(name: "HandoffIntake", dependencies: [
            "HandoffDomain", "HandoffCSV", "HandoffStore", "HandoffLayout", "HandoffPartners", "HandoffTransport",
            "HandoffAgencyLink", "HandoffCrashPoints",
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: swiftSettings),
        // Reminders and final notices by e-mail, the credit-hold list and the work list.
        .target(name: "HandoffDunning", dependencies: [
            "HandoffDomain", "HandoffConfig", "HandoffStore", "HandoffTransport", "HandoffCrashPoints",
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: swiftSettings),
        // Reconciliation: agency events applied to the AR record exactly once.
        .target(name: "HandoffReconciliation", dependencies: ["HandoffDomain", "HandoffCSV", "HandoffStore", "HandoffLayout", "HandoffPartners"], swiftSettings: swiftSettings),
        // Reports and journal exports for the accountant.
        .target(name: "HandoffReports", dependencies: ["HandoffDomain", "HandoffCSV", "HandoffConfig", "HandoffStore", "HandoffPartners", "HandoffLayout"], swiftSettings: swiftSettings),
        // The daemon: jobs on schedules, the HTTP API, agency webhooks, the dashboard. It holds
        // the AR record through the store protocols only; the CLI opens the engine.
        .target(name: "HandoffServer", dependencies: [
            "HandoffDomain", "HandoffConfig", "HandoffStore", "HandoffPartners", "HandoffPlacement", "HandoffOutbox",
            "HandoffIntake", "HandoffReconciliation", "HandoffTransport", "HandoffAgencyLink", "HandoffReports", "HandoffDunning",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], swiftSettings: swiftSettings),
        // Getting a business's receivables into the AR record.
        .target(name: "HandoffImport", dependencies: [
            "HandoffDomain", "HandoffCSV", "HandoffStore",
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: swiftSettings),
        // The commands; the executable is a thin shell over them.
        .target(name: "HandoffCLI", dependencies: [
            "HandoffDomain", "HandoffCSV", "HandoffStore", "HandoffSQLite", "HandoffPostgres", "HandoffConfig", "HandoffImport",
            "HandoffLayout", "HandoffPartners", "HandoffPlacement", "HandoffOutbox", "HandoffTransport", "HandoffAgencyLink",
            "HandoffIntake", "HandoffReconciliation", "HandoffReports", "HandoffServer", "HandoffDunning",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: swiftSettings),
        .executableTarget(name: "handoff", dependencies: ["HandoffCLI"], swiftSettings: swiftSettings),
        .testTarget(name: "HandoffDomainTests", dependencies: ["HandoffDomain"], swiftSettings: swiftSettings),
        .testTarget(name: "HandoffDunningTests", dependencies: ["HandoffDunning", "HandoffDomain", "HandoffConfig", "HandoffStore"], swiftSettings: swiftSettings),
        .testTarget(name: "HandoffCSVTests", dependencies: ["HandoffCSV"], swiftSettings: swiftSettings),
        .testTarget(name: "HandoffConfigTests", dependencies: ["HandoffConfig", "HandoffDomain"], exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(name: "HandoffServerTests", dependencies: ["HandoffServer", "HandoffDomain", "HandoffStore"], swiftSettings: swiftSettings),
        .testTarget(name: "HandoffLayoutTests", dependencies: [
            "HandoffLayout", "HandoffDomain", "HandoffCSV", "HandoffConfig", "HandoffPartners", "HandoffPlacement",
        ], swiftSettings: swiftSettings),
        // Real servers for tests: a private sshd, GnuPG parties, processes spawned without Foundation.Process.
        .target(name: "HandoffTestSupport", path: "Tests/HandoffTestSupport", exclude: ["mcc_test_server.py", "smtp_test_server.py"], swiftSettings: swiftSettings),
        .testTarget(name: "HandoffTransportTests", dependencies: ["HandoffTransport", "HandoffDomain", "HandoffCSV", "HandoffTestSupport"], swiftSettings: swiftSettings),
        // PostgreSQL: twin migrations, the append-only triggers, the store, against a private server the tests start.
        .testTarget(name: "HandoffPostgresTests", dependencies: [
            "HandoffPostgres", "HandoffSQLite", "HandoffStore", "HandoffDomain", "HandoffConfig", "HandoffTestSupport",
        ], swiftSettings: swiftSettings),
        .testTarget(name: "HandoffIntegrationTests", dependencies: [
            "HandoffDomain", "HandoffCSV", "HandoffStore", "HandoffSQLite", "HandoffPostgres", "HandoffConfig", "HandoffImport",
            "HandoffCLI", "HandoffLayout", "HandoffPartners", "HandoffPlacement", "HandoffTestSupport", "HandoffOutbox",
            "HandoffTransport", "HandoffAgencyLink", "HandoffIntake", "HandoffReconciliation", "HandoffDunning",
            .product(name: "GRDB", package: "GRDB.swift"),
        ], swiftSettings: swiftSettings),
    ]
)
