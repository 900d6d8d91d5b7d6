import Foundation
import HandoffConfig
import HandoffPostgres
import HandoffTestSupport
import Testing

/// The tamper-evident chains of the ledger and the audit log (issue 16, docs/audit.md), after a
/// real round trip: an import, a placement, a send, and Keystone's returns reconciled. Every
/// change made behind Handoff's back, with the database's own client, is found and named by
/// `handoff audit verify`; each is undone before the next, so one installation serves them all.
/// Runs on SQLite and on PostgreSQL (`HANDOFF_TEST_ENGINE`).
@Suite("The audit chains", .serialized)
struct AuditChainTests {
    /// The sample business through a round trip with Keystone, by local folders.
    func roundTrip() throws -> Installation {
        let install = try ReconcileTests().keystoneByFolder()
        try ReconcileTests().drop(ReconcileTests.files, into: install)
        let fetched = try install.handoff(["fetch"])
        try #require(fetched.status == 0, "\(fetched.stderr)")
        return install
    }

    /// Runs SQL behind Handoff's back: the sqlite3 shell on the SQLite file, or libpq on PostgreSQL.
    func behindHandoffsBack(_ install: Installation, sqlite: String, postgresql: String) throws {
        let config = try HandoffConfig.load(path: install.configPath)
        switch config.storage {
        case .sqlite(let path):
            let r = try Handoff.runTool("/usr/bin/sqlite3", [path, sqlite])
            try #require(r.status == 0, "sqlite3: \(r.output)")
        case .postgresql(let settings):
            try PostgresARStore(settings: settings).withConnection { try $0.execute(postgresql) }
        }
    }

    func verify(_ install: Installation, _ extra: [String] = []) throws -> Handoff.Result {
        try install.handoff(["audit", "verify"] + extra)
    }

    func number(_ install: Installation, _ sql: String) throws -> Int {
        Int(try #require(try install.sqlRows(sql).first?.first ?? nil))!
    }

    @Test("a round trip leaves both chains intact, every row sealed in order, on both engines")
    func intact() throws {
        let install = try roundTrip()
        let ledgerRows = try number(install, "SELECT COUNT(*) FROM ledger_entries")
        let auditRows = try number(install, "SELECT COUNT(*) FROM audit_log")
        #expect(ledgerRows > 40 && auditRows > 0)
        #expect(try number(install, "SELECT COUNT(*) FROM ledger_entries WHERE chain_hash IS NULL") == 0)
        let result = try verify(install)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("ledger: intact, \(ledgerRows) rows"), "\(result.stdout)")
        #expect(result.stdout.contains("audit: intact, \(auditRows) rows"), "\(result.stdout)")
        // The anchor names the same heads, and verify accepts it back.
        let anchor = try install.handoff(["audit", "anchor"])
        let lines = anchor.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines.count == 2 && lines[0].hasPrefix("ledger:\(ledgerRows):")
                && lines[1].hasPrefix("audit:\(auditRows):"), "\(anchor.stdout)")
        #expect(try verify(install, lines.flatMap { ["--anchor", $0] }).status == 0)
        #expect(try verify(install, ["--anchor", "ledger:12:nothex"]).status != 0)
    }

    @Test("editing, deleting or inserting a ledger or audit row is found and named")
    func tampering() throws {
        let install = try roundTrip()
        let sqlite = TestEngine.current == .sqlite
        let payment = try number(install, "SELECT MIN(id) FROM ledger_entries WHERE source_kind = 'agency'")
        let audit = try number(install, "SELECT MIN(id) FROM audit_log WHERE id > 1")

        // The database itself refuses an edit, and a second seal.
        if sqlite {
            let config = try HandoffConfig.load(path: install.configPath)
            let edit = try Handoff.runTool(
                "/usr/bin/sqlite3", [config.databasePath, "UPDATE ledger_entries SET amount = 1 WHERE id = \(payment)"])
            #expect(edit.status != 0 && edit.output.contains("append-only"), "\(edit.output)")
            let reseal = try Handoff.runTool(
                "/usr/bin/sqlite3", [config.databasePath, "UPDATE audit_log SET chain_hash = 'x' WHERE id = \(audit)"])
            #expect(reseal.status != 0 && reseal.output.contains("sealed once"), "\(reseal.output)")
        }
        let unlockLedger =
            sqlite
            ? "DROP TRIGGER IF EXISTS ledger_entries_no_update; DROP TRIGGER IF EXISTS ledger_entries_no_delete;"
            : "ALTER TABLE ledger_entries DISABLE TRIGGER USER;"
        let unlockAudit =
            sqlite
            ? "DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;"
            : "ALTER TABLE audit_log DISABLE TRIGGER USER;"
        func tamper(_ sql: String, _ unlock: String) throws {
            try behindHandoffsBack(install, sqlite: unlock + sql, postgresql: unlock + sql)
        }

        // A payment's amount changed.
        try tamper("UPDATE ledger_entries SET amount = amount + 100 WHERE id = \(payment);", unlockLedger)
        var found = try verify(install)
        #expect(found.status == 1)
        #expect(found.stdout.contains("ledger: TAMPERED: ledger_entries row \(payment) "), "\(found.stdout)")
        #expect(found.stdout.contains("was changed after it was written"), "\(found.stdout)")
        #expect(found.stdout.contains("audit: intact"), "\(found.stdout)")
        try tamper("UPDATE ledger_entries SET amount = amount - 100 WHERE id = \(payment);", unlockLedger)
        #expect(try verify(install).status == 0)

        // A row deleted: named by the rows on either side of the hole.
        try tamper(
            "CREATE TABLE saved AS SELECT * FROM ledger_entries WHERE id = \(payment); "
                + "DELETE FROM ledger_entries WHERE id = \(payment);",
                unlockLedger)
        found = try verify(install)
        #expect(found.status == 1)
        let before = try number(install, "SELECT MAX(id) FROM ledger_entries WHERE id < \(payment)")
        let after = try number(install, "SELECT MIN(id) FROM ledger_entries WHERE id > \(payment)")
        #expect(
            found.stdout.contains("1 ledger_entries row was deleted between row \(before) and row \(after)"),
            "\(found.stdout)")
        try tamper("INSERT INTO ledger_entries SELECT * FROM saved; DROP TABLE saved;", unlockLedger)
        #expect(try verify(install).status == 0)

        // A row inserted, a payment that never came.
        try tamper("""
            INSERT INTO ledger_entries (customer_id, invoice_id, kind, amount, currency, effective_date, \
            source_kind, source_name, recorded_at)
            SELECT customer_id, invoice_id, kind, amount, currency, effective_date, \
            source_kind, 'forged.csv', recorded_at
            FROM ledger_entries WHERE id = \(payment);
            """, "")
        let forged = try number(install, "SELECT MAX(id) FROM ledger_entries")
        found = try verify(install)
        #expect(found.status == 1)
        #expect(
            found.stdout.contains("ledger_entries row \(forged) was inserted from outside Handoff"), "\(found.stdout)")
        // Handoff's next write does not take the forged row into the chain.
        #expect(try install.handoff(["hold", "add", "A-1001", "minor", "--note", "a test"]).status >= 0)
        #expect(try verify(install).stdout.contains("ledger_entries row \(forged) was inserted from outside Handoff"))
        try tamper("DELETE FROM ledger_entries WHERE id = \(forged);", unlockLedger)
        #expect(try verify(install).status == 0)

        // An audit row's words changed.
        try tamper("UPDATE audit_log SET detail = detail || ' (amended)' WHERE id = \(audit);", unlockAudit)
        found = try verify(install)
        #expect(found.status == 1)
        #expect(found.stdout.contains("audit: TAMPERED: audit_log row \(audit) "), "\(found.stdout)")
        #expect(found.stdout.contains("ledger: intact"), "\(found.stdout)")
        try tamper(
            "UPDATE audit_log SET detail = substr(detail, 1, length(detail) - 10) WHERE id = \(audit);", unlockAudit)
        #expect(try verify(install).status == 0)

        // The last rows deleted: only an anchor taken before shows it.
        let anchors = try install.handoff(["audit", "anchor"]).stdout.split(separator: "\n").map(String.init)
        let last = try number(install, "SELECT MAX(id) FROM ledger_entries")
        try tamper("DELETE FROM ledger_entries WHERE id = \(last);", unlockLedger)
        #expect(try verify(install).status == 0, "without an anchor, a chain cut short still reads as intact")
        found = try verify(install, anchors.flatMap { ["--anchor", $0] })
        #expect(found.status == 1)
        #expect(found.stdout.contains("rows at its end were deleted"), "\(found.stdout)")
    }

    @Test("an export checks with the script in the docs, without Handoff, and a changed line does not")
    func export() throws {
        let install = try roundTrip()
        let file = install.root.appendingPathComponent("audit.jsonl").path
        let exported = try install.handoff([
            "audit", "export", "--from", "2000-01-01", "--to", "2100-12-31", "--output", file,
        ])
        #expect(exported.status == 0, "\(exported.stderr)")
        let script = Handoff.repositoryRoot.appendingPathComponent("docs/audit-verify.py").path
        let anchors = try install.handoff(["audit", "anchor"]).stdout.split(separator: "\n").map(String.init)
        let checked = try Handoff.runTool("/usr/bin/python3", [script, file] + anchors.flatMap { ["--anchor", $0] })
        #expect(checked.status == 0, "\(checked.output)")
        #expect(
            checked.output.contains("ledger: ok through place") && checked.output.contains("audit: ok through place"),
            "\(checked.output)")
        // Accents and quotes in the rows hash the same in Python as in Handoff: the audit log
        // holds the business's name and notes; a note with both is added and exported again.
        #expect(
            try install.handoff(["hold", "add", "A-1001", "minor", "--note", "Mère d'« Élodie » \"née\" \\ 5\t€"])
                .status == 0)
        #expect(
            try install.handoff(["audit", "export", "--from", "2000-01-01", "--to", "2100-12-31", "--output", file])
                .status == 0)
        #expect(try Handoff.runTool("/usr/bin/python3", [script, file]).status == 0)
        // One amount changed in the file.
        var text = try String(contentsOfFile: file, encoding: .utf8)
        let range = try #require(text.range(of: "\"amount\":"))
        text.insert("1", at: range.upperBound)
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let broken = try Handoff.runTool("/usr/bin/python3", [script, file])
        #expect(broken.status == 1 && broken.output.contains("does not match its hash"), "\(broken.output)")
        // Nothing outside the dates.
        #expect(try install.handoff(["audit", "export", "--from", "2000-01-01", "--to", "2000-01-02"]).stdout.isEmpty)
    }

    @Test("The daemon writes each chain's anchor to its log and to /metrics as it starts, then daily")
    func anchorJob() throws {
        let install = try roundTrip()
        try install.jobsOnDemandOnly()
        let config = try String(contentsOfFile: install.configPath, encoding: .utf8)
            .replacingOccurrences(of: "anchor_every_minutes = 0", with: "anchor_every_minutes = 1440")
        try config.write(toFile: install.configPath, atomically: true, encoding: .utf8)
        let anchors = try install.handoff(["audit", "anchor"]).stdout.split(separator: "\n").map(String.init)
        let ledger = try #require(anchors.first.flatMap(ChainAnchorText.init))
        let serve = try RunningServe(install, token: "anchor-test-token-0123456789")
        defer { serve.stop() }
        var metrics = ""
        for _ in 0 ..< 100 where !metrics.contains("handoff_audit_chain_rows") {
            usleep(100_000)
            metrics = try curlRequest([serve.base + "/metrics"]).body
        }
        #expect(metrics.contains("handoff_audit_chain_rows{chain=\"ledger\"} \(ledger.rows)"), "\(metrics)")
        #expect(
            metrics.contains("handoff_audit_chain_head_info{chain=\"ledger\",hash=\"\(ledger.hash)\"} 1"), "\(metrics)")
        serve.stop()
        let log = try String(contentsOfFile: install.root.appendingPathComponent("serve.log").path, encoding: .utf8)
        #expect(
            log.contains(#""message":"audit chain anchor""#) && log.contains(#""anchor":"\#(anchors[0])""#), "\(log)")
    }
}

/// An anchor line as `handoff audit anchor` prints it: CHAIN:ROWS:HASH.
struct ChainAnchorText {
    var chain: String
    var rows: Int
    var hash: String
    init?(_ text: String) {
        let parts = text.split(separator: ":").map(String.init)
        guard parts.count == 3, let rows = Int(parts[1]) else { return nil }
        (chain, self.rows, hash) = (parts[0], rows, parts[2])
    }
}
