import Foundation
import Testing

/// Bad input at the entrance (issue 12): what the configuration, an import file or a partner
/// file holds is checked where it comes in, and refused in words that name the file, the
/// line or key, and the problem, before it can do harm further in.
@Suite("Entrance validation", .serialized)
struct EntranceValidationTests {
    // MARK: - A missing database is never created behind the user's back

    /// The installation's configuration with `[storage] database` pointing at a misspelt file.
    func misspeltDatabase(_ install: Installation) throws -> String {
        let text = try String(contentsOfFile: install.configPath, encoding: .utf8)
        try text.replacingOccurrences(of: "database = \"var/handoff.sqlite\"", with: "database = \"var/handofff.sqlite\"")
            .write(toFile: install.configPath, atomically: true, encoding: .utf8)
        return install.root.appendingPathComponent("var/handofff.sqlite").path
    }

    @Test("A misspelt [storage] database is refused by every command but init, naming the path; nothing is created")
    func missingDatabase() throws {
        let install = try Installation()
        let typo = try misspeltDatabase(install)
        let expected = "Error: the database \(typo) does not exist (nothing was done): run `handoff init` to set up a new installation, "
            + "or fix [storage] database in \(install.configPath)\n"
        for command in [["fetch"], ["accounts", "--as-of", "2026-11-15"], ["aging"], ["place", "--dry-run"], ["send"], ["reconcile"],
                        ["import", "customers", Handoff.repositoryRoot.appendingPathComponent("sample-data/customers.csv").path]] {
            let r = try install.handoff(command)
            #expect(r.status == 1, "\(command)")
            #expect(r.stderr == expected, "\(command): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: typo), "\(command) created \(typo)")
        }
        // The daemon too: it stops at once rather than serve an empty record.
        let serve = try install.handoff(["serve", "--port", "1"], environment: ["HANDOFF_API_TOKEN": "test-token-0123456789abcdef"])
        #expect(serve.status == 1)
        #expect(serve.stderr == expected, "\(serve.stderr)")
        #expect(!FileManager.default.fileExists(atPath: typo))
        // The real database, set up by init, still opens.
        let text = try String(contentsOfFile: install.configPath, encoding: .utf8)
        try text.replacingOccurrences(of: "handofff.sqlite", with: "handoff.sqlite").write(toFile: install.configPath, atomically: true, encoding: .utf8)
        #expect(try install.handoff(["accounts"]).status == 0)
    }

    // MARK: - A configuration that is not UTF-8

    @Test("A configuration saved as Latin-1 is refused as not UTF-8, naming the path and the bad byte's offset")
    func configNotUTF8() throws {
        let install = try Installation()
        var bytes = Array(try String(contentsOfFile: install.configPath, encoding: .utf8).utf8)
        let name = Array("name = \"Test Co.\"".utf8)
        let at = try #require((0...(bytes.count - name.count)).first { Array(bytes[$0..<($0 + name.count)]) == name })
        // "Café Co." as an editor set to Latin-1 writes it: é is the single byte 0xE9.
        bytes.replaceSubrange(at..<(at + name.count), with: Array("name = \"Caf".utf8) + [0xE9] + Array(" Co.\"".utf8))
        try Data(bytes).write(to: URL(fileURLWithPath: install.configPath))
        let offset = at + "name = \"Caf".utf8.count
        for command in [["accounts"], ["partners", "check"]] {
            let r = try install.handoff(command)
            #expect(r.status == 1)
            #expect(r.stderr == "Error: \(install.configPath): is not valid UTF-8 text (the first bad byte is at offset \(offset)): save it as UTF-8\n",
                    "\(r.stderr)")
        }
    }
}
