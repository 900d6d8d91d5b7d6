import Foundation
import HandoffTestSupport
import Testing

/// The README's two commands on a machine that lacks something: they install it, or stop before
/// building with one line that says what to run; and the demo never removes a folder it did
/// not make. The machine is simulated with stand-ins on `PATH` (no package is removed here).
@Suite("The two commands on a fresh machine")
struct SetUpScriptTests {
    /// A folder of stand-in programs: `dpkg-query` that finds no package, `id` that says this is
    /// not root, `sudo` that needs a password, and (unless `withSwift` is false) a `swift` that
    /// records that it was called.
    func standIns(withSwift: Bool = true) throws -> (bin: URL, swiftCalled: URL) {
        let bin = FileManager.default.temporaryDirectory.appendingPathComponent("handoff-standins-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let called = bin.appendingPathComponent("swift-was-called")
        var programs = [
            "dpkg-query": "exit 1",
            "id": "[ \"$1\" = -u ] && echo 1000 || /usr/bin/id \"$@\"",
            "sudo": "exit 1",
        ]
        if withSwift { programs["swift"] = "touch '\(called.path)'" }
        for (name, body) in programs {
            let path = bin.appendingPathComponent(name).path
            try "#!/bin/sh\n\(body)\n".write(toFile: path, atomically: true, encoding: .utf8)
            chmod(path, 0o755)
        }
        return (bin, called)
    }

    func script(_ name: String) -> String { Handoff.repositoryRoot.appendingPathComponent("scripts/\(name)").path }

    @Test("A missing package stops scripts/demo before building, with one line naming the command to run")
    func demoWithoutPackages() throws {
        let (bin, called) = try standIns()
        defer { try? FileManager.default.removeItem(at: bin) }
        let r = try shell(
            "/bin/bash", [script("demo")],
            environment: [
                "PATH": bin.path + ":/usr/bin:/bin", "HANDOFF_DEMO_DIR": bin.appendingPathComponent("demo").path,
            ])
        #expect(r.status == 1)
        let lines = r.output.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains("libcurl4-openssl-dev") && lines[0].contains("sudo ")
                    && lines[0].contains("install-system-packages --for demo"), "\(r.output)")
        #expect(!FileManager.default.fileExists(atPath: called.path), "swift build ran before the packages were there")
    }

    @Test("A missing package makes scripts/test stop before building and end with its summary line")
    func testsWithoutPackages() throws {
        let (bin, called) = try standIns()
        defer { try? FileManager.default.removeItem(at: bin) }
        let r = try shell("/bin/bash", [script("test")], environment: ["PATH": bin.path + ":/usr/bin:/bin"])
        #expect(r.status == 1)
        #expect(
            r.output.contains("install-system-packages --for test") && r.output.contains("openssh-server"),
            "\(r.output)")
        #expect(r.output.split(separator: "\n").last == "0 passed, 1 failed", "\(r.output)")
        #expect(!FileManager.default.fileExists(atPath: called.path))
    }

    @Test("No Swift toolchain: one line that says so, before anything else")
    func withoutSwift() throws {
        let (bin, _) = try standIns(withSwift: false)
        defer { try? FileManager.default.removeItem(at: bin) }
        let r = try shell("/bin/bash", [script("demo")], environment: ["PATH": bin.path + ":/usr/bin:/bin"])
        #expect(r.status == 1)
        #expect(
            r.output.split(separator: "\n").count == 1 && r.output.contains("Swift") && r.output.contains("swift.org"),
            "\(r.output)")
    }

    @Test("scripts/demo leaves alone a folder it did not make, and the root of the file system")
    func demoFolderRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "handoff-not-a-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let precious = folder.appendingPathComponent("ledger.xlsx")
        try "the owner's own file".write(to: precious, atomically: true, encoding: .utf8)
        for dir in [folder.path, "/"] {
            let r = try shell("/bin/bash", [script("demo")], environment: ["HANDOFF_DEMO_DIR": dir])
            #expect(
                r.status == 1 && r.output.contains("is not a demo installation made by scripts/demo"), "\(r.output)")
        }
        #expect(FileManager.default.fileExists(atPath: precious.path))
    }
}
