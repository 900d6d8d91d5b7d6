import Foundation
import HandoffPostgres
import HandoffTestSupport
import Testing

/// `handoff migrate --to`: the sample installation copied from SQLite into an empty PostgreSQL
/// database, checked, refused a second time, and then read the same from PostgreSQL, its audit chains
/// checking there through the anchors taken on SQLite.
@Suite("handoff migrate", .serialized)
struct MigrateTests {
    @Test(
        """
        The sample installation moves to PostgreSQL with every count and sum checked; a second copy is refused; \
        ageing reads the same
        """
    )
    func sampleInstallation() throws {
        let install = try Installation(timezone: "America/Toronto", currency: "USD")
        guard install.engine == .sqlite else { return }
        try install.usePartners(["local-folder"])
        try install.importSampleData()
        try #require(try install.handoff(["place", "--as-of", "2026-11-15", "--quiet"]).status == 0)
        let added = try install.handoff(["people", "add", "ana", "--role", "admin"])
        try #require(added.status == 0, "\(added.stderr)")
        try #require(try install.handoff(["people", "revoke", "ana"]).status == 0)
        try #require(try install.handoff(["people", "add", "ana", "--role", "viewer"]).status == 0)
        let people = try install.handoff(["people", "list"])
        let before = try install.handoff(["aging", "--as-of", "2026-11-15", "--json"])
        let anchors = try install.handoff(["audit", "anchor"]).stdout.split(separator: "\n").map(String.init)
        #expect(anchors.count == 2)
        let server = try TestPostgresServer.shared
        let url = server.url(database: try server.createDatabase("migrate"))

        let copied = try install.handoff(["migrate", "--to", url, "--sslmode", "disable"])
        #expect(copied.status == 0, "\(copied.stderr)")
        #expect(
            copied.stdout.contains("ledger CAD: 49 entries, sum 10722703 minor units, the same in both"),
            "\(copied.stdout)")
        #expect(
            copied.stdout.contains("ledger USD: 100 entries, sum 17732954 minor units, the same in both"),
            "\(copied.stdout)")
        #expect(copied.stdout.contains("placements             16 rows"), "\(copied.stdout)")

        let again = try install.handoff(["migrate", "--to", url, "--sslmode", "disable"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("is not empty") && again.stderr.contains("nothing was copied"), "\(again.stderr)")

        let config = try String(contentsOfFile: install.configPath, encoding: .utf8)
            .replacingOccurrences(
                of: "database = \"var/handoff.sqlite\"", with: "url = \"\(url)\"\nsslmode = \"disable\"")
        try config.write(toFile: install.configPath, atomically: true, encoding: .utf8)
        let after = try install.handoff(["aging", "--as-of", "2026-11-15", "--json"])
        #expect(after.status == 0, "\(after.stderr)")
        #expect(after.stdout == before.stdout)
        // The people and their tokens came along (a token is kept as its hash only).
        #expect(try install.handoff(["people", "list"]).stdout == people.stdout)
        #expect(people.stdout.contains("ana"), "\(people.stdout)")
        // The audit chains came along and still check, through the anchors taken on SQLite.
        let verified = try install.handoff(["audit", "verify"] + anchors.flatMap { ["--anchor", $0] })
        #expect(
            verified.status == 0 && verified.stdout.contains("ledger: intact, 149 rows"),
            "\(verified.stdout)\(verified.stderr)")
        #expect(
            try server.psql(
                database: url.split(separator: "/").last.map(String.init) ?? "", "SELECT count(*) FROM placements"
            ).output
            .trimmingCharacters(in: .whitespacesAndNewlines) == "16")
        #expect(copied.stdout.contains("people                 2 rows"), "\(copied.stdout)")
    }

    @Test(
        "handoff migrate copies every table of SQLite's schema: a table added without its place in the copy fails here")
    func everyTableIsCopied() throws {
        let install = try Installation(engine: .sqlite)
        let tables = try install.sqlRows(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
                + "AND name NOT IN ('grdb_migrations', 'sqlite_sequence') ORDER BY name"
        )
            .compactMap { $0.first ?? nil }
        #expect(tables.count > 20, "\(tables)")
        #expect(tables == PostgresCopyTarget.tables.sorted())
    }
}
