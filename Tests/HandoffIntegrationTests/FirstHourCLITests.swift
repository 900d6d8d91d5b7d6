import Foundation
import HandoffTestSupport
import Testing

/// The CLI as a new user meets it: a typo, an empty installation, a bad port, an unknown agency,
/// an account's story in date order, and exports that follow the umask.
@Suite("The CLI in the first hour")
struct FirstHourCLITests {
    @Test("A mistyped command names the nearest ones and exits 64; a bad option prints that subcommand's usage")
    func typo() throws {
        let install = try Installation()
        let r = try install.handoff(["acounts"])
        #expect(
            r.status == 64 && r.stderr.contains("'acounts' is not a handoff command. Did you mean 'accounts'"),
            "\(r.stderr)")
        let option = try install.handoff(["place", "--bogus"])
        #expect(option.status == 64 && option.stderr.contains("Usage: handoff place"), "\(option.stderr)")
    }

    @Test("An empty installation says what to do next: accounts, place and partners check")
    func emptyInstallation() throws {
        let install = try Installation()
        let accounts = try install.handoff(["accounts"])
        #expect(accounts.status == 0 && accounts.stderr.contains("handoff import customers"), "\(accounts.stderr)")
        let check = try install.handoff(["partners", "check"])
        #expect(
            check.status == 1 && check.stderr.contains("no partner files") && check.stderr.contains("docs/partners.md"),
            "\(check.stderr)")
        try install.importSampleData()
        let place = try install.handoff(["place", "--as-of", "2026-11-15"])
        #expect(
            place.status == 1 && place.stderr.contains("there is no agency to place with")
                && place.stderr.contains("nothing was placed"),
                "\(place.stdout)\(place.stderr)")
    }

    @Test("serve refuses a port that is not one, and clear names an agency that does not exist")
    func badArguments() throws {
        let install = try Installation()
        try install.importSampleData()
        let serve = try install.handoff(
            ["serve", "--port", "99999"], environment: ["HANDOFF_API_TOKEN": "a-token-of-enough-length-0123"])
        #expect(serve.status == 1 && serve.stderr.contains("--port 99999 is not a TCP port"), "\(serve.stderr)")
        let clear = try install.handoff(["clear", "A-1001", "--partner", "nobody"])
        #expect(clear.status == 1 && clear.stderr.contains("there is no agency 'nobody'"), "\(clear.stderr)")
    }

    @Test("An account's ledger reads in date order, in text and JSON")
    func ledgerInDateOrder() throws {
        let install = try Installation()
        try install.importSampleData()
        let show = try install.handoff(["account", "show", "B-2001", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        let dates = try #require(object["ledger"] as? [[String: Any]]).compactMap { $0["date"] as? String }
        #expect(dates.count > 3 && dates == dates.sorted(), "\(dates)")
        let text = try install.handoff(["account", "show", "B-2001"]).stdout
        let textDates = text.split(separator: "\n").compactMap { line -> String? in
            let t = line.trimmingCharacters(in: .whitespaces)
            return t.range(of: #"^\d{4}-\d{2}-\d{2}  "#, options: .regularExpression) != nil
                ? String(t.prefix(10)) : nil
        }
        #expect(!textDates.isEmpty && textDates == textDates.sorted(), "\(text)")
    }

    @Test("An export follows the umask, as any other program's output does")
    func exportFollowsUmask() throws {
        let install = try Installation()
        try install.importSampleData()
        let out = install.root.appendingPathComponent("nov.journal").path
        let r = try shell(
            "/bin/sh",
            [
                "-c", "umask 022; exec \"$0\" \"$@\"", Handoff.binary.path, "--config", install.configPath,
                "export", "journal", "--from", "2026-11-01", "--to", "2026-11-30", "--output", out,
            ])
        #expect(r.status == 0, "\(r.output)")
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: out)[.posixPermissions] as? Int)
        #expect(mode == 0o644, "mode \(String(mode, radix: 8))")
    }

    @Test(
        """
        Shell completions come from the parser and know every command \
        (scripts/install installs them with the manual page)
        """
    )
    func completions() throws {
        let install = try Installation()
        for shell in ["bash", "zsh", "fish"] {
            let r = try install.handoff(["--generate-completion-script", shell])
            #expect(
                r.status == 0 && ["accounts", "place", "reconcile", "export"].allSatisfy(r.stdout.contains),
                "\(shell): \(r.stderr)")
        }
    }
}
