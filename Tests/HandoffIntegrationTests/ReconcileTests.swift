import Foundation
import GRDB
import HandoffConfig
import HandoffDomain
import HandoffPartners
import HandoffReconciliation
import HandoffSQLite
import HandoffTestSupport
import Testing

/// Keystone's sample returns applied to the sample business, through a copy of Keystone's
/// partner file that exchanges plain files through local folders (so no server is needed here;
/// SendTests covers the SFTP and OpenPGP path).
@Suite("Reconciling what agencies return", .serialized)
struct ReconcileTests {
    static let samples = Handoff.repositoryRoot.appendingPathComponent("Tests/HandoffLayoutTests/Fixtures")

    func keystoneByFolder(engine: TestEngine = .current) throws -> Installation {
        let install = try Installation(timezone: "America/Toronto", currency: "CAD", engine: engine)
        try install.usePartners(["keystone-recovery"])
        let path = install.root.appendingPathComponent("partners/keystone-recovery.toml").path
        var text = try String(contentsOfFile: path, encoding: .utf8)
        let transport =
            text.range(of: "[transport]")!
            .lowerBound..<text.range(
                of: """
                    # ---------------------------------------------------------------------------------------\n\
                    # Placement file
                    """
            )!.lowerBound
        text.replaceSubrange(
            transport,
            with: "[transport]\nkind = \"local\"\noutbox = \"var/krp/inbound\"\ninbox = \"var/krp/outbound\"\n\n")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try install.importSampleData()
        let placed = try install.handoff(["place", "--as-of", "2026-11-15", "--quiet"])
        try #require(placed.status == 0, "\(placed.stderr)")
        try #require(try install.handoff(["send"]).status == 0)
        return install
    }

    func drop(_ names: [String], into install: Installation) throws {
        let outbound = install.root.appendingPathComponent("var/krp/outbound")
        try FileManager.default.createDirectory(at: outbound, withIntermediateDirectories: true)
        for name in names {
            try FileManager.default.copyItem(
                at: Self.samples.appendingPathComponent(name), to: outbound.appendingPathComponent(name))
        }
    }

    struct Figures: Equatable {
        var balance: Int
        var placementState: String
        var ledger: [String]
        var commissions: [String]
    }

    func figures(_ install: Installation, _ account: String) throws -> Figures {
        // The same SQL on both engines (HANDOFF_TEST_ENGINE): CAST, not SQLite's loose typing.
        let quoted = "'" + account.replacingOccurrences(of: "'", with: "''") + "'"
        let id = try #require(
            try install.sqlRows("SELECT id FROM customers WHERE account_number = \(quoted)").first?.first ?? nil)
        func column(_ sql: String) throws -> [String] { try install.sqlRows(sql).map { $0.first.flatMap { $0 } ?? "" } }
        return Figures(
            balance: Int(try column("SELECT SUM(balance) FROM invoices WHERE customer_id = \(id)").first ?? "") ?? 0,
            placementState: try column("""
                SELECT state || ':' || COALESCE(state_reason, '') || ':' || COALESCE(agency_reference, '') \
                FROM placements
                WHERE customer_id = \(id) ORDER BY id DESC
                """).first ?? "",
            ledger: try column("""
                SELECT l.kind || ' ' || l.amount || ' ' || COALESCE(t.reference, '') || ' ' || l.source_name || ':'
                       || COALESCE(CAST(l.source_line AS TEXT), '')
                FROM ledger_entries l LEFT JOIN transactions t ON t.id = l.transaction_id
                WHERE l.customer_id = \(id) AND l.kind != 'invoice' AND l.source_kind = 'agency' ORDER BY l.id
                """),
            commissions: try column("""
                SELECT kind || ' ' || base || ' ' || expected || ' ' || COALESCE(CAST(reported AS TEXT), '') \
                FROM commissions
                WHERE customer_id = \(id) ORDER BY id
                """))
    }

    static let files = [
        "KRP_ACK_C10442_KRP_PLC_C10442_20261115_001.csv", "KRP_ACT_C10442_20261120.csv", "KRP_ACT_C10442_20261121.csv",
    ]

    @Test(
        """
        Acknowledgement, payment with its commission, direct-payment echo, reversal and closure: exact to the \
        cent, and applying twice changes nothing
        """
    )
    func keystoneSamples() throws {
        let install = try keystoneByFolder()
        let before = try figures(install, "A-1001")
        try drop(Self.files, into: install)
        let fetched = try install.handoff(["fetch"])
        #expect(fetched.status == 0, "\(fetched.stderr)")
        #expect(fetched.stdout.contains("applied 7, held 0, waiting 0"), "\(fetched.stdout)")

        let after = try figures(install, "A-1001")
        // 293.75 collected then reversed: the balance is back where it was.
        #expect(after.balance == before.balance)
        #expect(after.ledger == ["payment -29375 keystone-recovery:T000000900001 KRP_ACT_C10442_20261120.csv:3",
                "payment_reversal 29375 keystone-recovery:T000000900003 KRP_ACT_C10442_20261121.csv:2",
            ])
        // 25% (placed 136 days after its oldest due date, status PPA), half up: 73.4375 → 73.44; the echo owes
        // 25.00 on 100.00.
        #expect(
            after.commissions == [
                "collection 29375 7344 7344", "direct_payment 10000 2500 2500", "reversal -29375 -7344 -7344",
            ])
        #expect(after.placementState == "closed:returned_uncollectable:K000481516")
        // account show tells the story: the placement, the agency's events, the ledger with each row's source.
        let shown = try install.handoff(["account", "show", "A-1001", "--as-of", "2026-11-30"])
        #expect(
            shown.stdout.contains("Placements") && shown.stdout.contains("closed")
                && shown.stdout.contains("ref K000481516"), "\(shown.stdout)")
        #expect(shown.stdout.contains("payment:T000000900001") && shown.stdout.contains("direct_payment_echo"))
        #expect(shown.stdout.contains("KRP_ACT_C10442_20261120.csv:3"))
        // KRP rejected B-2002: it goes back to the business with the agency's reason, and KRP is not offered it again.
        #expect(
            try figures(install, "B-2002").placementState
                == "rejected:DUPLICATE: account already placed with KRP and not closed:")
        let replaced = try install.handoff(["place", "--as-of", "2026-12-15", "--dry-run", "--json"]).stdout
        #expect(
            replaced.contains("\"account_number\":\"B-2002\"") && replaced.contains("rejected it before"), "\(replaced)"
        )
        // Once a person clears the rejection, KRP may be offered B-2002 again.
        #expect(try install.handoff(["clear", "B-2002", "--partner", "keystone-recovery"]).status == 0)
        #expect(try install.handoff(["clear", "B-2002", "--partner", "keystone-recovery"]).status != 0)
        let cleared = try install.handoff(["place", "--as-of", "2026-12-15", "--dry-run", "--json"]).stdout
        #expect(!cleared.contains("rejected it before"), "\(cleared)")

        // The same files again: nothing changes.
        try drop(Self.files.map { $0 }, into: install)
        let again = try install.handoff(["fetch"])
        #expect(again.stdout.contains("already received"), "\(again.stdout)")
        #expect(try figures(install, "A-1001") == after)
        #expect(try install.handoff(["reconcile"]).stdout.contains("nothing to apply"))
    }

    @Test(
        """
        A write the AR record refuses, in a file of three chunks: only its event is held, every other line \
        applied once and printed once
        """
    )
    func refusedWriteHoldsOnlyItsEvent() throws {
        let install = try keystoneByFolder()
        try drop([Self.files[0]], into: install)
        try #require(try install.handoff(["fetch"]).status == 0)
        // The database refuses the transaction of one payment in the second chunk of 1,024
        // (a trigger stands for whatever constraint the decision did not foresee).
        let refused = "T700001500"
        switch install.engine {
        case .sqlite:
            try install.store().pool.write { db in
                try db.execute(sql: """
                    CREATE TRIGGER test_refusal BEFORE INSERT ON transactions WHEN NEW.reference LIKE '%\(refused)'
                    BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
                    """)
            }
        case .postgresql:
            _ = try install.sqlRows("""
                CREATE FUNCTION test_refusal() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN IF NEW.reference LIKE '%\(refused)' THEN \
                RAISE EXCEPTION 'refused by the test' USING ERRCODE = '23514'; END IF;
                RETURN NEW; END $$
                """)
            _ = try install.sqlRows(
                "CREATE TRIGGER test_refusal BEFORE INSERT ON transactions FOR EACH ROW EXECUTE FUNCTION test_refusal()"
            )
        }
        let before = try figures(install, "A-1001")
        var text =
            "record_type,account_number,krp_reference,activity_date,invoice_number,amount,commission,net,status_code,"
                + "transaction_id,original_transaction_id,note\n"
        for n in 1...3_000 { text += "PMT,A-1001,K000481516,2026-11-20,,0.01,0.00,0.01,,T\(700_000_000 + n),,\n" }
        let outbound = install.root.appendingPathComponent("var/krp/outbound")
        try Data(text.utf8).write(to: outbound.appendingPathComponent("KRP_ACT_C10442_20261120.csv"))

        let fetched = try install.handoff(["fetch"])
        #expect(fetched.status == 0, "\(fetched.stderr)")
        #expect(fetched.stdout.contains("applied 2999, held 1, waiting 0"), "\(fetched.stdout.suffix(500))")
        // One line per event, none printed twice although the file was applied a second time.
        let paymentLines = fetched.stdout.split(separator: "\n").filter { $0.contains("payment:T7") }
        #expect(paymentLines.count == 3_000, "\(paymentLines.count) lines")
        #expect(Set(paymentLines).count == 3_000)
        #expect(
            paymentLines.filter { $0.contains("held") }.count == 1
                && paymentLines.first { $0.contains("held") }?.contains(refused) == true)
        let after = try figures(install, "A-1001")
        #expect(after.ledger.count == before.ledger.count + 2_999)
        #expect(!after.ledger.contains { $0.contains(refused) })
        #expect(after.balance == before.balance - 2_999)
        let held = try install.sqlRows("SELECT state, reason FROM agency_events WHERE event_key = 'payment:\(refused)'")
        #expect(held.count == 1 && held[0][0] == "held" && (held[0][1] ?? "").contains("refused"), "\(held)")
        // Applying the file again changes nothing.
        #expect(try install.handoff(["reconcile"]).stdout.contains("nothing to apply"))
        #expect(try figures(install, "A-1001") == after)
    }

    @Test(
        """
        A file too large to keep between the two passes is read again: the same lines and the same record as \
        a file kept
        """,
        arguments: [1_000, 40_000])
    func fileReadTwiceOrKept(keptEvents: Int) throws {
        let install = try keystoneByFolder()
        try drop([Self.files[0]], into: install)
        try #require(try install.handoff(["fetch"]).status == 0)
        var text =
            "record_type,account_number,krp_reference,activity_date,invoice_number,amount,commission,net,status_code,"
                + "transaction_id,original_transaction_id,note\n"
        for n in 1...2_500 { text += "PMT,A-1001,K000481516,2026-11-20,,0.01,0.00,0.01,,T\(700_000_000 + n),,\n" }
        text += "STS,A-1001,K000481516,2026-11-21,,,,,PPA,,,payment plan\n"
        let outbound = install.root.appendingPathComponent("var/krp/outbound")
        try Data(text.utf8).write(to: outbound.appendingPathComponent("KRP_ACT_C10442_20261120.csv"))
        try #require(try install.handoff(["fetch", "--no-apply"]).status == 0)
        let before = try figures(install, "A-1001")

        let config = try HandoffConfig.load(path: install.configPath)
        let (partners, problems) = PartnerLoader.loadAll(
            directory: config.partnersDirectory, maxAmount: config.maxAmount)
        try #require(problems.isEmpty)
        var reconciliation = Reconciliation(
            store: try install.anyStore(), partners: partners, today: CalendarDate(iso: "2026-11-22")!)
        reconciliation.keptEvents = keptEvents
        var lines: [String] = []
        let tally = try reconciliation.run { lines.append("\($0.key) \($0.outcome)") }
        #expect(tally.applied == 2_501 && tally.total == 2_501, "\(tally)")
        #expect(lines.count == 2_501 && Set(lines).count == 2_501)
        #expect(
            lines.first == "payment:T700000001 applied" && lines.last?.hasSuffix("applied") == true,
            "\(lines.prefix(2)) \(lines.suffix(2))")
        let after = try figures(install, "A-1001")
        #expect(after.ledger.count == before.ledger.count + 2_500)
        #expect(after.balance == before.balance - 2_500)
        #expect(
            try install.sqlValue(
                "SELECT count(*) FROM agency_events WHERE event_key LIKE 'payment:T7%' AND state = 'applied'") == "2500"
        )
    }

    @Test(
        "Out of order: a reversal that arrives before its payment waits, then applies; the end is the same as in order")
    func reversalFirst() throws {
        let ordered = try keystoneByFolder()
        try drop(Self.files, into: ordered)
        _ = try ordered.handoff(["fetch"])

        // The second day's file split in two: its reversal line arrives before the first day's
        // file, its closure after it.
        let install = try keystoneByFolder()
        let day2 = try String(contentsOf: Self.samples.appendingPathComponent(Self.files[2]), encoding: .utf8)
            .components(separatedBy: "\r\n")
        let outbound = install.root.appendingPathComponent("var/krp/outbound")
        try FileManager.default.createDirectory(at: outbound, withIntermediateDirectories: true)
        try drop([Self.files[0]], into: install)
        try ([day2[0], day2[1], ""].joined(separator: "\r\n")).write(
            to: outbound.appendingPathComponent("KRP_ACT_C10442_20261119.csv"), atomically: true, encoding: .utf8)
        let first = try install.handoff(["fetch"])
        #expect(first.stdout.contains("waiting: reverses payment T000000900001"), "\(first.stdout)")
        try drop([Self.files[1]], into: install)
        try ([day2[0], day2[2], ""].joined(separator: "\r\n")).write(
            to: outbound.appendingPathComponent("KRP_ACT_C10442_20261122.csv"), atomically: true, encoding: .utf8)
        let second = try install.handoff(["fetch"])
        #expect(
            second.stdout.contains("reversal:T000000900003") && second.stdout.contains("waiting 0"), "\(second.stdout)")

        let a = try figures(install, "A-1001"), b = try figures(ordered, "A-1001")
        func strip(_ ledger: [String]) -> [String] {
            ledger.map { String($0.split(separator: " ").prefix(3).joined(separator: " ")) }.sorted()
        }
        #expect(a.balance == b.balance)
        #expect(strip(a.ledger) == strip(b.ledger))
        #expect(a.commissions.sorted() == b.commissions.sorted())
        #expect(a.placementState == b.placementState)
    }

    struct Statement: Codable {
        struct Difference: Codable, Equatable {
            var transaction_id: String; var field: String; var statement: Int64?; var recorded: Int64?
        }
        var partner: String
        var currency: String?
        var key: String
        var state: String
        var amount: Int64
        var commission: Int64
        var net: Int64
        var differences: [Difference]
        var note: String?
    }

    func statements(_ install: Installation) throws -> [Statement] {
        try JSONDecoder().decode(
            [Statement].self, from: Data(try install.handoff(["remittances", "--json"]).stdout.utf8))
    }

    @Test("Keystone's remittance statement matches the payment, the direct payment's commission and the reversal")
    func remittanceMatches() throws {
        let install = try keystoneByFolder()
        try drop(Self.files + ["KRP_REM_C10442_202611.csv"], into: install)
        let fetched = try install.handoff(["fetch"])
        #expect(fetched.stdout.contains("remittance matched"), "\(fetched.stdout)")
        let s = try statements(install)
        #expect(
            s.count == 1 && s[0].state == "matched" && s[0].amount == 0 && s[0].commission == 2500 && s[0].net == -2500)

        // The month's reconciliation report ties: nothing kept (293.75 collected, then reversed), 25.00 owed on the
        // direct payment, which KRP deducted from its November transfer (remitted on 2026-12-05): no difference.
        struct Report: Codable {
            struct Row: Codable {
                var partner: String; var currency: String; var placed_accounts: Int; var placed_amount: Int64;
                var collected_gross: Int64
                var commission: Int64; var direct_payments: Int; var direct_payment_fees: Int64; var net_due: Int64
                                  var remitted: Int64; var difference: Int64 }
            var agencies: [Row]
        }
        let report = try JSONDecoder().decode(
            Report.self,
            from: Data(try install.handoff(["report", "reconciliation", "--month", "2026-11", "--json"]).stdout.utf8))
        let placeable = try JSONDecoder().decode(
            [PlaceableFixture].self,
            from: Data(
                contentsOf: SampleDataTests.fixtures
            .appendingPathComponent("sample-placeable-2026-11-15.json")))
        let cad = try #require(report.agencies.first { $0.currency == "CAD" })
        #expect(cad.placed_accounts == placeable.filter { $0.currency == "CAD" }.count)
        #expect(cad.placed_amount == placeable.filter { $0.currency == "CAD" }.reduce(0) { $0 + $1.balance })
        #expect(
            cad.collected_gross == 0 && cad.commission == 0 && cad.direct_payments == 1
                && cad.direct_payment_fees == 2500 && cad.net_due == -2500)
        #expect(cad.remitted == -2500 && cad.difference == 0)
        // Keystone also holds USD accounts: that row has its own figures, and nothing of the CAD statement.
        #expect(
            report.agencies.filter { $0.currency != "CAD" }.allSatisfy { $0.remitted == 0 && $0.collected_gross == 0 },
            "\(report.agencies)")
    }

    @Test(
        """
        A statement one cent off is a mismatch naming the transaction; a statement whose total disagrees with \
        its lines is refused
        """
    )
    func remittanceMismatch() throws {
        let install = try keystoneByFolder()
        try drop(Self.files, into: install)
        let outbound = install.root.appendingPathComponent("var/krp/outbound")
        let original = try String(
            contentsOf: Self.samples.appendingPathComponent("KRP_REM_C10442_202611.csv"), encoding: .utf8)
        let oneCent = original.replacingOccurrences(
            of: "T000000900001,A-1001,293.75,73.44,220.31", with: "T000000900001,A-1001,293.75,73.43,220.32"
        )
            .replacingOccurrences(of: "TOT,,,0.00,25.00,-25.00", with: "TOT,,,0.00,24.99,-24.99")
        try oneCent.write(
            to: outbound.appendingPathComponent("KRP_REM_C10442_202611.csv"), atomically: true, encoding: .utf8)
        let broken = original.replacingOccurrences(of: "TOT,,,0.00,25.00,-25.00", with: "TOT,,,0.00,25.01,-25.01")
        try broken.write(
            to: outbound.appendingPathComponent("KRP_REM_C10442_202612.csv"), atomically: true, encoding: .utf8)
        let fetched = try install.handoff(["fetch"])
        #expect(
            fetched.stdout.contains(
                "remittance mismatch: T000000900001 commission: statement 73.43 CAD, recorded 73.44 CAD"),
            "\(fetched.stdout)")
        let s = try statements(install)
        #expect(s.map(\.state) == ["mismatch", "refused"])
        #expect(
            s[0].differences == [
                .init(transaction_id: "T000000900001", field: "commission", statement: 7343, recorded: 7344)
            ])
        #expect(s[0].currency == "CAD" && s[0].partner == "keystone-recovery")
        #expect(s[1].note?.contains("is not the sum of its lines") == true)
        let text = try install.handoff(["remittances"]).stdout
        #expect(text.contains("T000000900001: commission on the statement 73.43 CAD, recorded 73.44 CAD"), "\(text)")
    }

    @Test("The scorecard: collected, liquidation, commission and days to first payment per agency and vintage")
    func scorecard() throws {
        let install = try keystoneByFolder()
        try drop(Array(Self.files.prefix(2)), into: install)      // accepted, then 293.75 collected on 2026-11-20
        #expect(try install.handoff(["fetch"]).status == 0)
        struct Row: Codable {
            var partner: String; var vintage: String; var currency: String; var placed_accounts: Int;
            var rejected_accounts: Int
            var accepted_accounts: Int; var open_accounts: Int; var returned_accounts: Int; var accepted_amount: Int64
            var collected: Int64; var liquidation_bp: Int64; var commission: Int64;
            var average_days_to_first_payment: Double?
                              var returned_bp: Int64 }
        let rows = try JSONDecoder().decode(
            [Row].self, from: Data(try install.handoff(["report", "scorecard", "--json"]).stdout.utf8))
        let cad = try #require(rows.first { $0.currency == "CAD" })
        #expect(cad.partner == "keystone-recovery" && cad.vintage == "2026-11")
        #expect(cad.collected == 29375 && cad.commission == 7344)
        #expect(cad.liquidation_bp == 29375 * 10_000 / cad.accepted_amount)
        #expect(cad.average_days_to_first_payment == 5)
        #expect(cad.returned_bp == 0)
        // B-2002 was rejected: placed, but not accepted, and its balance is not what the liquidation is over.
        #expect(cad.placed_accounts == (try dbCount(install, "SELECT COUNT(*) FROM placements WHERE currency = 'CAD'")))
        #expect(cad.rejected_accounts == 1 && cad.accepted_accounts == cad.placed_accounts - 1)
        #expect(
            cad.accepted_amount
                == Int64(
                    try dbCount(
                        install, "SELECT SUM(balance) FROM placements WHERE currency = 'CAD' AND state != 'rejected'")))
        #expect(
            cad.open_accounts
                == (try dbCount(
                    install,
                    "SELECT COUNT(*) FROM placements WHERE currency = 'CAD' AND state IN ('sent', 'accepted', 'active')"
                )))
    }

    @Test(
        """
        The hledger journal of the end-to-end run passes hledger check, and its agency balances equal the \
        reconciliation report's
        """
    )
    func hledgerJournal() throws {
        let install = try keystoneByFolder()
        try drop(Self.files + ["KRP_REM_C10442_202611.csv"], into: install)
        #expect(try install.handoff(["fetch"]).status == 0)
        // A settlement on another account too, so that every kind of entry is in the journal.
        let journal = install.root.appendingPathComponent("journal.ledger").path
        let export = try install.handoff([
            "export", "journal", "--from", "2026-11-01", "--to", "2026-12-31", "--format", "hledger", "--output",
            journal,
        ])
        #expect(export.status == 0, "\(export.stderr)")
        let text = try String(contentsOfFile: journal, encoding: .utf8)
        #expect(text.contains("expenses:collection fees") && text.contains("= 0.00 CAD"), "\(text)")
        let check = try Handoff.runTool("/usr/bin/hledger", ["-f", journal, "check", "--strict"])
        #expect(check.status == 0, "\(check.output)\n\(text)")
        let clearing = try Handoff.runTool(
            "/usr/bin/hledger", ["-f", journal, "balance", "assets:agency clearing", "--flat", "-N", "-E"])
        #expect(
            clearing.output.contains("assets:agency clearing:keystone-recovery")
                && clearing.output.split(separator: " ").first { !$0.isEmpty }.map(String.init) == "0",
            "\(clearing.output)")

        // A journal one cent away from the report fails the check.
        let tampered = text.replacingOccurrences(of: "220.31 CAD", with: "220.30 CAD").replacingOccurrences(
            of: "    expenses:collection fees                    73.44 CAD",
            with: "    expenses:collection fees                    73.45 CAD")
        #expect(tampered != text)
        try tampered.write(toFile: journal + ".bad", atomically: true, encoding: .utf8)
        #expect(try Handoff.runTool("/usr/bin/hledger", ["-f", journal + ".bad", "check"]).status != 0)

        // CSV and IIF render the same entries by name, Xero by the business's codes; spreadsheet cells are safe.
        try install.appendConfig(
            "\n[journal.codes]\nbank = \"090\"\nreceivable = \"610\"\nagency_clearing = \"615\"\n"
                + "collection_fees = \"404\"\n"
                + "fees_payable = \"825\"\nsettlement_allowance = \"463\"\n")
        for format in ["csv", "iif", "xero"] {
            let r = try install.handoff([
                "export", "journal", "--from", "2026-11-01", "--to", "2026-12-31", "--format", format,
            ])
            #expect(
                r.status == 0 && r.stdout.contains(format == "xero" ? ",404," : "expenses:collection fees"),
                "\(format): \(r.stderr)")
        }
        let csv = try install.handoff([
            "export", "journal", "--from", "2026-11-01", "--to", "2026-12-31", "--format", "csv",
        ]).stdout
        #expect(csv.hasPrefix("date,entry,description,account,account_code,debit,credit,currency\r\n"))
        #expect(
            !csv.split(separator: "\r\n").contains { line in
                line.split(separator: ",").contains { $0.hasPrefix("=") || $0.hasPrefix("@") }
            })
    }

    @Test("A commission that differs from the schedule by one cent is flagged")
    func commissionMismatch() throws {
        let install = try keystoneByFolder()
        try drop([Self.files[0]], into: install)
        let outbound = install.root.appendingPathComponent("var/krp/outbound")
        let text = try String(contentsOf: Self.samples.appendingPathComponent(Self.files[1]), encoding: .utf8)
            .replacingOccurrences(of: "293.75,73.44,220.31", with: "293.75,73.43,220.32")
        try text.write(
            to: outbound.appendingPathComponent("KRP_ACT_C10442_20261122.csv"), atomically: true, encoding: .utf8)
        let fetched = try install.handoff(["fetch"])
        #expect(fetched.stdout.contains("commission reported 73.43 CAD, schedule gives 73.44 CAD"), "\(fetched.stdout)")
        #expect(try figures(install, "A-1001").commissions.first == "collection 29375 7344 7343")
    }
}

/// Meridian's feed applied to the sample business: B-2001 is placed with Meridian, and the
/// feed acknowledges it, collects 1,000.00 on INV-7042, reverses it, and reports a settlement.
@Suite("Reconciling Meridian's event feed", .serialized)
struct MeridianReconcileTests {
    static func events(reversalFirst: Bool) -> [[String: Any]] {
        let ack: [String: Any] = [
            "id": "e-ack", "type": "account.acknowledged", "occurred_at": "2026-11-15T14:02:11Z",
            "account_number": "B-2001",
            "batch_id": "HO-20261115-001", "mcc_file_number": "M100500", "result": "accepted", "reason": NSNull(),
        ]
        let pay: [String: Any] = [
            "id": "e-pay", "type": "payment.collected", "occurred_at": "2026-11-20T09:00:00Z",
            "account_number": "B-2001",
            "payment_id": "P1", "amount_cents": 100_000, "fee_cents": 18_000, "paid_at": "2026-11-20",
            "invoices": [["invoice_number": "INV-7042", "amount_cents": 100_000]]]
        let rev: [String: Any] = [
            "id": "e-rev", "type": "payment.reversed", "occurred_at": "2026-11-22T09:00:00Z",
            "account_number": "B-2001",
            "payment_id": "P1", "amount_cents": 100_000, "fee_cents": 18_000, "reason": "charge-back",
        ]
        let settled: [String: Any] = [
            "id": "e-sif", "type": "account.status_changed", "occurred_at": "2026-11-25T09:00:00Z",
            "account_number": "B-2001",
            "status": "settled", "note": "settled by agreement"]
        let ordered = reversalFirst ? [ack, rev, pay, settled] : [ack, pay, rev, settled]
        return ordered.enumerated().map { i, e in e.merging(["seq": 200 + i]) { a, _ in a } }
    }

    func run(reversalFirst: Bool) throws -> (Installation, String) {
        let certificates = try TestCertificates()
        let eventsFile = certificates.directory.appendingPathComponent("events.json").path
        try JSONSerialization.data(withJSONObject: ["events": Self.events(reversalFirst: reversalFirst)]).write(
            to: URL(fileURLWithPath: eventsFile))
        let server = try TestHTTPSServer(certificates: certificates, eventsFile: eventsFile)
        let install = try Installation(timezone: "America/Toronto", currency: "CAD")
        try install.useMeridian(server: server, certificates: certificates)
        try install.importSampleData()
        try #require(try install.handoff(["place", "--as-of", "2026-11-15", "--quiet"]).status == 0)
        let env = ["HANDOFF_MERIDIAN_SECRET": server.secret]
        try #require(try install.handoff(["send"], environment: env).status == 0)
        let fetched = try install.handoff(["fetch"], environment: env)
        try #require(fetched.status == 0, "\(fetched.stderr)")
        // Keep the certificates and server alive until the fetch is done.
        withExtendedLifetime((certificates, server)) {}
        return (install, fetched.stdout)
    }

    func state(_ install: Installation) throws -> [String] {
        func column(_ sql: String) throws -> [String] { try install.sqlRows(sql).map { $0.first.flatMap { $0 } ?? "" } }
        return [
            "balance "
                + (try column(
                    """
                    SELECT SUM(balance) FROM invoices WHERE customer_id = \
                    (SELECT id FROM customers WHERE account_number = 'B-2001')
                    """
                )
                .first.flatMap { $0.isEmpty ? nil : $0 } ?? "-1"),
            "placement " + (try column("""
                SELECT state || ':' || COALESCE(state_reason, '') || ':' || COALESCE(agency_reference, '') \
                FROM placements
                WHERE customer_id = (SELECT id FROM customers WHERE account_number = 'B-2001')
                """).first ?? ""),
        ]
            + (try column(
                """
                SELECT kind || ' ' || base || ' ' || expected || ' ' || COALESCE(CAST(reported AS TEXT), '') \
                FROM commissions ORDER BY kind
                """
            ))
          + (try column("SELECT kind || ' ' || amount FROM transactions WHERE source_kind = 'agency' ORDER BY kind"))
    }

    @Test("Acknowledged, paid, reversed, settled: exact to the cent, with the settlement written off")
    func inOrder() throws {
        let (install, output) = try run(reversalFirst: false)
        #expect(output.contains("applied"), "\(output)")
        #expect(try state(install) == [
            "balance 437375",                                    // only INV-7045, not yet due when placed, stays
            "placement closed:settled:M100500",
            "collection 100000 18000 18000", "reversal -100000 -18000 -18000",
            "payment 100000", "payment_reversal 100000", "writeoff 666431",
        ])
    }

    @Test("Meridian's remittance notice: the gross wired and the fee invoiced match the payments it lists")
    func remittance() throws {
        let certificates = try TestCertificates()
        let eventsFile = certificates.directory.appendingPathComponent("events.json").path
        var events = Self.events(reversalFirst: false)
        events.removeLast(2)      // acknowledged and paid; no reversal, no settlement
        events.append([
            "id": "e-rem", "seq": 299, "type": "remittance.sent", "occurred_at": "2026-12-01T12:00:00Z",
            "account_number": NSNull(),
            "remittance_id": "R1", "period_start": "2026-11-01", "period_end": "2026-11-30", "gross_cents": 100_000,
            "fee_cents": 18_000,
            "payment_ids": ["P1"], "wire_reference": "W1"])
        events.append([
            "id": "e-rem2", "seq": 300, "type": "remittance.sent", "occurred_at": "2026-12-01T12:00:00Z",
            "account_number": NSNull(),
            "remittance_id": "R2", "period_start": "2026-11-01", "period_end": "2026-11-30", "gross_cents": 100_000,
            "fee_cents": 17_999,
            "payment_ids": ["P1"], "wire_reference": "W2"])
        try JSONSerialization.data(withJSONObject: ["events": events]).write(to: URL(fileURLWithPath: eventsFile))
        let server = try TestHTTPSServer(certificates: certificates, eventsFile: eventsFile)
        let install = try Installation(timezone: "America/Toronto", currency: "CAD")
        try install.useMeridian(server: server, certificates: certificates)
        try install.importSampleData()
        _ = try install.handoff(["place", "--as-of", "2026-11-15", "--quiet"])
        let env = ["HANDOFF_MERIDIAN_SECRET": server.secret]
        _ = try install.handoff(["send"], environment: env)
        let fetched = try install.handoff(["fetch"], environment: env)
        #expect(
            fetched.stdout.contains("remittance:R1") && fetched.stdout.contains("remittance matched"),
            "\(fetched.stdout)")
        // R2 lists P1 again with nothing changed since R1 remitted it: flagged, not matched a second time.
        #expect(
            fetched.stdout.contains("P1 was already remitted (1000.00 USD) by an earlier statement"),
            "\(fetched.stdout)")
        #expect(
            fetched.stdout.contains("(fee) commission: statement 179.99 USD, recorded 0.00 USD"), "\(fetched.stdout)")
    }

    @Test("The reversal pushed before its payment: it waits, and the end is the same")
    func reversalFirst() throws {
        let (a, output) = try run(reversalFirst: true)
        #expect(output.contains("waiting: reverses payment P1"), "\(output)")
        let (b, _) = try run(reversalFirst: false)
        #expect(try state(a) == (try state(b)))
    }
}

@Suite("Requests to agencies by file", .serialized)
struct UpdatesFileSendTests {
    @Test(
        """
        A recall and a direct payment go to Keystone in one updates file with its control file; its RCL status \
        confirms the recall
        """
    )
    func recallAndDirectPayment() throws {
        let test = ReconcileTests()
        let install = try test.keystoneByFolder()
        try test.drop([ReconcileTests.files[0]], into: install)       // KRP accepts A-1001
        #expect(try install.handoff(["fetch"]).status == 0)

        // The business received 100.00 directly on 2026-11-19 and recalls the account.
        let payment = try install.write(
            "direct.csv",
            "reference,account_number,date,type,amount\nUPD-20261119-0001,A-1001,2026-11-19,payment,100.00\n")
        #expect(try install.handoff(["import", "transactions", payment]).status == 0)
        let recall = try install.handoff(["recall", "A-1001", "--reason", "paid the business directly"])
        #expect(recall.status == 0, "\(recall.stderr)")
        #expect(
            try install.handoff(["recall", "A-1001", "--reason", "again"]).stderr.contains(
                "A-1001 with keystone-recovery"))

        let sent = try install.handoff(["send"])
        #expect(sent.status == 0, "\(sent.stdout)\(sent.stderr)")
        let inbound = install.root.appendingPathComponent("var/krp/inbound")
        let names = try FileManager.default.contentsOfDirectory(atPath: inbound.path).filter {
            $0.hasPrefix("KRP_UPD_")
        }.sorted()
        #expect(names.count == 2 && names[0].hasSuffix("_001.csv") && names[1].hasSuffix("_001.ctl"), "\(names)")
        let rows = try String(contentsOf: inbound.appendingPathComponent(names[0]), encoding: .utf8).components(
            separatedBy: "\r\n")
        #expect(rows[0] == "client_id,record_type,account_number,krp_reference,effective_date,amount,reference,note")
        #expect(
            rows.contains(
                """
                C10442,DIR,A-1001,K000481516,2026-11-19,100.00,UPD-20261119-0001,\
                direct payment received by the business
                """
            ), "\(rows)")
        #expect(
            rows.contains {
                $0.hasPrefix("C10442,RCL,A-1001,K000481516,") && $0.hasSuffix(",,RCL-1-1,paid the business directly")
            }, "\(rows)")
        let control = try String(contentsOf: inbound.appendingPathComponent(names[1]), encoding: .utf8)
        #expect(control.hasPrefix("records=2;accounts=1;total_balance=100.00;sha256="), "\(control)")
        #expect(try install.handoff(["send"]).stdout.contains("nothing to send"))

        // A dispute and a death notice: KRP's layout takes disputes (DSP) but has no code for a death,
        // so that one fails alone with the reason and the dispute still goes.
        #expect(
            try install.handoff(["notify", "A-1001", "--kind", "dispute", "--note", "debtor disputes INV-7001"]).status
                == 0)
        #expect(
            try install.handoff(["notify", "A-1001", "--kind", "deceased", "--note", "estate notified us"]).status == 0)
        let second = try install.handoff(["send"])
        #expect(second.stdout.contains("failed: INVALID_DATA: record_type: 'deceased' has no code"), "\(second.stdout)")
        #expect(
            second.stdout.contains("KRP_UPD_") && second.stdout.contains("staged with 1 update"), "\(second.stdout)")
        let requests = try install.handoff(["requests"]).stdout
        #expect(
            requests.contains("recall") && requests.contains("dispute") && requests.contains("failed"), "\(requests)")

        // KRP confirms the recall in its activity file.
        let outbound = install.root.appendingPathComponent("var/krp/outbound")
        try
            """
            record_type,account_number,krp_reference,activity_date,invoice_number,amount,commission,net,\
            status_code,transaction_id,original_transaction_id,note\r\n\
            STS,A-1001,K000481516,2026-11-30,,,,,RCL,,,recall confirmed\r\n
            """
            .write(
                to: outbound.appendingPathComponent("KRP_ACT_C10442_20261130.csv"), atomically: true, encoding: .utf8)
        #expect(try install.handoff(["fetch"]).status == 0)
        #expect(try test.figures(install, "A-1001").placementState == "closed:recalled:K000481516")
        #expect(try install.handoff(["requests", "--json"]).stdout.contains("\"state\" : \"confirmed\""))
    }
}
