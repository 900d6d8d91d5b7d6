import Foundation
import HandoffTestSupport
import Testing

/// Money in two currencies with one agency, and one statement that covers both: every figure
/// stays in its own currency, worked out by hand below, and the report, the remittance match
/// and the journal agree over two months.
@Suite("Two currencies with one agency", .serialized)
struct TwoCurrencyTests {
    struct Report: Codable {
        struct Row: Codable {
            var partner: String; var currency: String; var collected_gross: Int64; var commission: Int64;
            var direct_payment_fees: Int64
            var net_due: Int64; var remitted: Int64; var difference: Int64
        }
        var agencies: [Row]
    }

    func report(_ install: Installation, _ month: String) throws -> [String: Report.Row] {
        let r = try JSONDecoder().decode(
            Report.self,
            from: Data(try install.handoff(["report", "reconciliation", "--month", month, "--json"]).stdout.utf8))
        return Dictionary(uniqueKeysWithValues: r.agencies.map { ($0.currency, $0) })
    }

    struct Statement: Codable {
        var key: String; var state: String; var currency: String?; var amount: Int64; var commission: Int64;
        var net: Int64; var note: String?
    }

    func journal(_ install: Installation) throws -> (check: (status: Int32, output: String), bank: String, text: String)
    {
        let path = install.root.appendingPathComponent("journal.ledger").path
        let exported = try install.handoff([
            "export", "journal", "--from", "2026-11-01", "--to", "2026-12-31", "--output", path,
        ])
        #expect(exported.status == 0, "\(exported.stderr)")
        // --strict: every account and commodity the journal uses is declared.
        let check = try Handoff.runTool("/usr/bin/hledger", ["-f", path, "check", "--strict"])
        let bank = try Handoff.runTool("/usr/bin/hledger", ["-f", path, "balance", "assets:bank", "-N", "--flat"])
            .output
        return (check, bank, (try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
    }

    /// Keystone (net, 25% under 365 days, 35% from 365): A-1001 (CAD, placed 136 days after its
    /// oldest due date) pays 100.00 (25.00); B-2003 (USD, 406 days) pays 200.00 (70.00) in
    /// November and 50.00 (17.50) in December. November's statement lists both November
    /// payments with one total line, as if one currency: it is split into 75.00 CAD and
    /// 130.00 USD, each flagged; November ties in each currency; December owes 32.50 USD.
    @Test(
        """
        Keystone: a statement over CAD and USD is split and flagged; November ties per currency; the journal \
        passes hledger check --strict
        """
    )
    func keystone() throws {
        let install = try keystoneInTwoCurrencies()
        let fetched = try install.handoff(["fetch"])
        #expect(fetched.status == 0, "\(fetched.stderr)")
        #expect(fetched.stdout.contains("spans currencies"), "\(fetched.stdout)")
        try checkKeystone(install)
    }

    /// Keystone's files of the test above, dropped and not yet fetched.
    func keystoneInTwoCurrencies() throws -> Installation {
        let test = ReconcileTests()
        let install = try test.keystoneByFolder()
        let header = KeystoneEndToEndTests.activityHeader
        try KeystoneEndToEndTests().write(install, "KRP_ACK_C10442_KRP_PLC_C10442_20261115_001.csv", [
                "account_number,reference,result,krp_reference,reason_code,reason_text",
                "A-1001,,ACCEPTED,K000000001,,", "B-2003,,ACCEPTED,K000000002,,",
        ])
        try KeystoneEndToEndTests().write(install, "KRP_ACT_C10442_20261120.csv", [header,
            "PMT,A-1001,K000000001,2026-11-20,,100.00,25.00,75.00,,T000000000001,,",
            "PMT,B-2003,K000000002,2026-11-20,,200.00,70.00,130.00,,T000000000002,,",
        ])
        try KeystoneEndToEndTests().write(install, "KRP_ACT_C10442_20261203.csv", [header,
            "PMT,B-2003,K000000002,2026-12-03,,50.00,17.50,32.50,,T000000000003,,",
        ])
        try KeystoneEndToEndTests().write(install, "KRP_REM_C10442_202611.csv", [
            "record_type,transaction_id,account_number,amount,commission,net,remit_date,ach_trace",
            "TXN,T000000000001,A-1001,100.00,25.00,75.00,,", "TXN,T000000000002,B-2003,200.00,70.00,130.00,,",
            "TOT,,,300.00,95.00,205.00,2026-12-05,091000019384757",
        ])
        return install
    }

    func checkKeystone(_ install: Installation) throws {
        let statements = try JSONDecoder().decode(
            [Statement].self, from: Data(try install.handoff(["remittances", "--json"]).stdout.utf8))
        #expect(statements.map { "\($0.currency ?? "-") \($0.amount) \($0.commission) \($0.net) \($0.state)" }.sorted()
                == ["CAD 10000 2500 7500 mismatch", "USD 20000 7000 13000 mismatch"], "\(statements)")
        #expect(statements.allSatisfy { $0.note?.contains("one transfer carries one currency") == true })
        let text = try install.handoff(["remittances"]).stdout
        #expect(text.contains("net 75.00 CAD") && text.contains("net 130.00 USD"), "\(text)")

        let november = try report(install, "2026-11")
        #expect(
            november["CAD"].map { [$0.collected_gross, $0.commission, $0.net_due, $0.remitted, $0.difference] } == [
                10_000, 2_500, 7_500, 7_500, 0,
            ])
        #expect(
            november["USD"].map { [$0.collected_gross, $0.commission, $0.net_due, $0.remitted, $0.difference] } == [
                20_000, 7_000, 13_000, 13_000, 0,
            ])
        let december = try report(install, "2026-12")
        #expect(
            december["USD"].map { [$0.collected_gross, $0.commission, $0.net_due, $0.remitted, $0.difference] } == [
                5_000, 1_750, 3_250, 0, 3_250,
            ])
        #expect(december["CAD"] == nil)
        let reportText = try install.handoff(["report", "reconciliation", "--month", "2026-11"]).stdout
        #expect(
            reportText.contains("keystone-recovery CAD: net due 75.00 CAD, remitted 75.00 CAD, difference 0.00 CAD"),
            "\(reportText)")

        let j = try journal(install)
        #expect(j.check.status == 0, "\(j.check.output)\n\(j.text)")
        #expect(j.bank.contains("75.00 CAD") && j.bank.contains("130.00 USD"), "\(j.bank)")
        #expect(j.text.contains("agency clearing:keystone-recovery") && j.text.contains("= 32.50 USD"), "\(j.text)")
    }

    /// Meridian (gross, 18%): B-2001 (USD) pays 1,000.00 (180.00) and B-2002 (CAD) 400.00
    /// (72.00) in November; R1 (2026-12-01) lists both with one gross of 1,400.00: it is split
    /// into 1,000.00 USD and 400.00 CAD, each flagged. Then B-2001's payment is reversed
    /// (2026-12-02), and R2 (2026-12-10) lists it again, counting negative: -1,000.00 USD
    /// gross, -180.00 fee, matched.
    @Test(
        """
        Meridian: a gross statement over USD and CAD is split and flagged; a payment remitted and then reversed \
        is matched negative in the next statement
        """
    )
    func meridian() throws {
        func event(_ seq: Int, _ type: String, _ account: Any, _ at: String, _ extra: [String: Any]) -> [String: Any] {
            ["id": "e-\(seq)", "seq": seq, "type": type, "occurred_at": at, "account_number": account].merging(extra) {
                a, _ in a
            }
        }
        let meridian = try MeridianSetup()
        let install = meridian.install
        func publish(_ events: [[String: Any]]) throws { try meridian.publish(events) }
        let placed = try install.handoff(["placements", "--json"]).stdout
        try #require(
            placed.contains("B-2001") && placed.contains("B-2002"), "both accounts are placed with Meridian: \(placed)")
        var events = [
            event(
                1, "account.acknowledged", "B-2001", "2026-11-15T14:00:00Z",
                ["batch_id": "HO-20261115-001", "mcc_file_number": "M1", "result": "accepted", "reason": NSNull()]),
            event(
                2, "account.acknowledged", "B-2002", "2026-11-15T14:00:01Z",
                ["batch_id": "HO-20261115-001", "mcc_file_number": "M2", "result": "accepted", "reason": NSNull()]),
            event(
                3, "payment.collected", "B-2001", "2026-11-20T10:00:00Z",
                [
                    "payment_id": "P1", "amount_cents": 100_000, "fee_cents": 18_000, "paid_at": "2026-11-20",
                    "invoices": [],
                ]),
            event(
                4, "payment.collected", "B-2002", "2026-11-21T10:00:00Z",
                [
                    "payment_id": "P2", "amount_cents": 40_000, "fee_cents": 7_200, "paid_at": "2026-11-21",
                    "invoices": [],
                ]),
            event(
                5, "remittance.sent", NSNull(), "2026-12-01T12:00:00Z",
                [
                    "remittance_id": "R1", "period_start": "2026-11-01", "period_end": "2026-11-30",
                    "gross_cents": 140_000, "fee_cents": 25_200, "payment_ids": ["P1", "P2"], "wire_reference": "W1",
                ]),
        ]
        try publish(events)
        let first = try meridian.fetch()
        #expect(first.status == 0 && first.stdout.contains("spans currencies"), "\(first.stdout)\(first.stderr)")
        events += [
            event(
                6, "payment.reversed", "B-2001", "2026-12-02T10:00:00Z",
                ["payment_id": "P1", "amount_cents": 100_000, "fee_cents": 18_000, "reason": "charge-back"]),
            event(
                7, "remittance.sent", NSNull(), "2026-12-10T12:00:00Z",
                [
                    "remittance_id": "R2", "period_start": "2026-12-01", "period_end": "2026-12-31",
                    "gross_cents": -100_000, "fee_cents": -18_000, "payment_ids": ["P1"], "wire_reference": "W2",
                ]),
        ]
        try publish(events)
        let second = try meridian.fetch()
        #expect(second.status == 0, "\(second.stderr)")

        let statements = try JSONDecoder().decode(
            [Statement].self, from: Data(try install.handoff(["remittances", "--json"]).stdout.utf8))
        #expect(statements.map { "\($0.key) \($0.currency ?? "-") \($0.amount) \($0.commission) \($0.state)" }
                == [
                    "remittance:R1 CAD CAD 40000 7200 mismatch", "remittance:R1 USD USD 100000 18000 mismatch",
                    "remittance:R2 USD -100000 -18000 matched",
                ],
                "\(statements)")

        // November: USD collected 1,000.00 and CAD 400.00, each remitted gross in its own currency.
        let november = try report(install, "2026-11")
        #expect(
            november["USD"].map { [$0.collected_gross, $0.commission, $0.net_due, $0.remitted, $0.difference] } == [
                100_000, 18_000, 100_000, 100_000, 0,
            ])
        #expect(
            november["CAD"].map { [$0.collected_gross, $0.commission, $0.net_due, $0.remitted, $0.difference] } == [
                40_000, 7_200, 40_000, 40_000, 0,
            ])
        // December: the reversal takes 1,000.00 USD back, and R2 takes it back from what was remitted.
        let december = try report(install, "2026-12")
        #expect(
            december["USD"].map { [$0.collected_gross, $0.commission, $0.remitted, $0.difference] } == [
                -100_000, -18_000, -100_000, 0,
            ])

        let j = try journal(install)
        #expect(j.check.status == 0, "\(j.check.output)\n\(j.text)")
        #expect(j.bank.contains("400.00 CAD") && !j.bank.contains("USD") || j.bank.contains("0 USD"), "\(j.bank)")
    }

    @Test(
        """
        Xero and QuickBooks files carry one currency and the business's account codes; a missing code or a \
        second currency is refused and nothing is written
        """
    )
    func accountantsSoftware() throws {
        let install = try keystoneInTwoCurrencies()
        #expect(try install.handoff(["fetch"]).status == 0)
        let xero = install.root.appendingPathComponent("nov.xero.csv").path
        func export(_ extra: [String]) throws -> Handoff.Result {
            try install.handoff(
                ["export", "journal", "--from", "2026-11-01", "--to", "2026-11-30", "--output", xero] + extra)
        }
        // No codes yet: refused, naming what is missing, and no file.
        let noCodes = try export(["--format", "xero", "--currency", "CAD"])
        #expect(
            noCodes.status != 0 && noCodes.stderr.contains("[journal.codes]")
                && noCodes.stderr.contains("agency_clearing (keystone-recovery)"), "\(noCodes.stderr)")
        #expect(!FileManager.default.fileExists(atPath: xero))

        try install.appendConfig("""

            [journal.codes]
            bank = "090"
            receivable = "610"
            agency_clearing = { keystone-recovery = "615" }
            collection_fees = "404"
            fees_payable = "825"
            settlement_allowance = "463"

            [journal.xero]
            tax_rate = "BAS Excluded"
            """)
        // Two currencies in the period and none chosen: refused, naming both.
        let two = try export(["--format", "xero"])
        #expect(
            two.status != 0 && two.stderr.contains("CAD and USD") && two.stderr.contains("--currency"), "\(two.stderr)")
        #expect(!FileManager.default.fileExists(atPath: xero))

        let cad = try export(["--format", "xero", "--currency", "CAD"])
        #expect(cad.status == 0, "\(cad.stderr)")
        let rows = try String(contentsOfFile: xero, encoding: .utf8).components(separatedBy: "\r\n").filter {
            !$0.isEmpty
        }
        #expect(rows.first == "*Narration,*Date,Description,*AccountCode,*TaxRate,*Amount")
        // A-1001's 100.00 CAD: 75.00 to the agency's clearing, 25.00 commission, the receivable lowered by 100.00.
        #expect(rows.dropFirst().map { $0.split(separator: ",").suffix(3).joined(separator: ",") }.sorted()
                == ["404,BAS Excluded,25.00", "610,BAS Excluded,-100.00", "615,BAS Excluded,75.00"], "\(rows)")
        #expect(rows.allSatisfy { !$0.contains("USD") && !$0.contains("200.00") })

        let iif = install.root.appendingPathComponent("nov.iif").path
        let usd = try install.handoff([
            "export", "journal", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "iif", "--currency", "USD",
            "--output", iif,
        ])
        #expect(usd.status == 0, "\(usd.stderr)")
        let text = try String(contentsOfFile: iif, encoding: .utf8)
        #expect(text.hasPrefix("!ACCNT\tNAME\tACCNTTYPE\tACCNUM\n"), "\(text)")
        #expect(
            text.contains("ACCNT\tassets:accounts receivable\tAR\t610\n")
                && text.contains("ACCNT\tassets:agency clearing:keystone-recovery\tOCASSET\t615\n"), "\(text)")
        // B-2003's 200.00 USD, with the debtor's name on the receivable split.
        #expect(
            text.contains(
                "SPL\tGENERAL JOURNAL\t11/20/2026\tassets:accounts receivable\tNorthwind Hardware LLC\t-200.00\t"),
            "\(text)")
        #expect(!text.contains("100.00\t"), "the CAD payment stays out of the USD file: \(text)")
    }
}
