import Foundation
import Testing

/// `--as-of D` means the receivables as they stood on D: only invoices issued on or before D,
/// and only ledger entries (payments, credits, fees, write-offs, reversals, the agency's
/// payments…) whose effective date is on or before D, whenever they were recorded.
@Suite("As of a day", .serialized)
struct AsOfTests {
    struct Bucketed: Codable, Equatable {
        var currency: String
        var buckets: [String: Int64]
        var invoices: Int
        var total: Int64
    }

    func aging(_ install: Installation, _ day: String) throws -> [Bucketed] {
        let r = try install.handoff(["aging", "--as-of", day, "--json"])
        try #require(r.status == 0, "\(r.stderr)")
        struct Report: Codable { var as_of: String; var currencies: [Bucketed] }
        let report = try JSONDecoder().decode(Report.self, from: Data(r.stdout.utf8))
        #expect(report.as_of == day)
        return report.currencies
    }

    // The sample data between 2026-10-31 and 2026-11-15 (sample-data/*.csv):
    //   issued: INV-7015 (A-1006, USD) 897.00 on 11-02, INV-7045 (B-2001, USD) 4,373.75 on 11-05,
    //           INV-7100 (B-2017, USD) 4,725.84 on 11-06, INV-7056 (B-2004, CAD) 886.21 on 11-10,
    //           INV-7095 (B-2015, CAD) 4,636.50 on 11-12;
    //   paid:   PMT-0025 (A-1006) 829.74 on 11-03, PMT-0026 (B-2017) 4,981.91 on 11-10.
    // CAD: 107,227.03 − 886.21 − 4,636.50 = 101,704.32.
    // USD: 177,329.54 − 897.00 − 4,373.75 − 4,725.84 + 829.74 + 4,981.91 = 173,144.60.
    // Each bucket also checked by an independent script that applies transactions.csv with the
    // documented allocation and ages as of each day; on 2026-10-31 every due date is 15 days
    // nearer, so amounts move to younger buckets as well.
    static let october31 = [
        Bucketed(
            currency: "CAD",
            buckets: [
                "current": 2_035_500, "1-30": 722_800, "31-60": 1_638_768, "61-90": 2_286_252,
                "91-120": 550_763, "121+": 2_936_349], invoices: 30, total: 10_170_432),
        Bucketed(currency: "USD", buckets: ["current": 2_982_343, "1-30": 1_402_271, "31-60": 340_079, "61-90": 914_031,
                                            "91-120": 950_348, "121+": 10_725_388], invoices: 51, total: 17_314_460),
    ]
    static let november15 = [
        Bucketed(
            currency: "CAD",
            buckets: [
                "current": 2_352_771, "1-30": 412_500, "31-60": 1_166_703, "61-90": 3_303_617,
                "91-120": 550_763, "121+": 2_936_349], invoices: 32, total: 10_722_703),
        Bucketed(currency: "USD", buckets: ["current": 2_619_289, "1-30": 2_103_405, "31-60": 383_771, "61-90": 787_512,
                                            "91-120": 608_715, "121+": 11_230_262], invoices: 53, total: 17_732_954),
    ]

    @Test("aging --as-of 2026-10-31 leaves out the invoices issued and the payments made after it")
    func agingBeforeLaterInvoices() throws {
        let install = try Installation(timezone: "America/Toronto", currency: "CAD")
        try install.importSampleData()
        #expect(try aging(install, "2026-10-31") == Self.october31)
        #expect(try aging(install, "2026-11-15") == Self.november15)
        let text = try install.handoff(["aging", "--as-of", "2026-10-31"]).stdout
        #expect(text.contains("101,704.32"), "\(text)")
        #expect(text.contains("173,144.60"), "\(text)")
    }

    @Test("accounts --as-of counts what was issued and booked by then: the hand book on 2026-02-13 and 2026-03-15")
    func accountsOnEarlierDays() throws {
        let install = try Installation()
        try HandBook.load(install)
        // 2026-02-13: A-1001 has INV-7001 (700.00, due 2026-02-14: not yet past due); P1 (02-14),
        // INV-7044 (issued 03-01) and F1 (04-01) come later. B-2002: 8,430.10 − 430.10 − 1,000.00
        // + 400.00 = 7,400.00, due 2025-10-05: 131 days. B-2003 and A-1004 have no invoice yet.
        #expect(try accountFigures(install, asOf: "2026-02-13") == [
                .init(
                    account_number: "A-1001", balance: 70000, currency: "CAD", oldest_past_due_date: nil,
                    days_past_due: 0, aging_bucket: "current", open_invoices: 1),
                .init(
                    account_number: "A-1004", balance: 0, currency: "USD", oldest_past_due_date: nil, days_past_due: 0,
                    aging_bucket: "current", open_invoices: 0),
                .init(
                    account_number: "B-2002", balance: 740000, currency: "USD", oldest_past_due_date: "2025-10-05",
                    days_past_due: 131, aging_bucket: "121+", open_invoices: 1),
                .init(
                    account_number: "B-2003", balance: 0, currency: "USD", oldest_past_due_date: nil, days_past_due: 0,
                    aging_bucket: "current", open_invoices: 0),
        ])
        // 2026-03-15: A-1001 is 700.00 − 100.00 (P1 on 02-14, oldest first) + 550.00 (INV-7044,
        // issued 03-01) = 1,150.00; F1's 25.00 (04-01) not yet; 29 days past 2026-02-14.
        // B-2002: 161 days past 2025-10-05.
        #expect(try accountFigures(install, asOf: "2026-03-15") == [
                .init(
                    account_number: "A-1001", balance: 115000, currency: "CAD", oldest_past_due_date: "2026-02-14",
                    days_past_due: 29, aging_bucket: "1-30", open_invoices: 2),
                .init(
                    account_number: "A-1004", balance: 0, currency: "USD", oldest_past_due_date: nil, days_past_due: 0,
                    aging_bucket: "current", open_invoices: 0),
                .init(
                    account_number: "B-2002", balance: 740000, currency: "USD", oldest_past_due_date: "2025-10-05",
                    days_past_due: 161, aging_bucket: "121+", open_invoices: 1),
                .init(
                    account_number: "B-2003", balance: 0, currency: "USD", oldest_past_due_date: nil, days_past_due: 0,
                    aging_bucket: "current", open_invoices: 0),
        ])
        // On 2026-11-15 everything has happened: the hand book's own figures.
        #expect(try accountFigures(install) == HandBook.expected)
    }

    @Test(
        """
        account show --as-of the day before a payment: the payment is neither counted nor listed, \
        and the later rows are counted
        """
    )
    func accountShowBeforePayment() throws {
        let install = try Installation()
        try HandBook.load(install)
        let r = try install.handoff(["account", "show", "A-1001", "--as-of", "2026-02-13", "--json"])
        try #require(r.status == 0, "\(r.stderr)")
        let view = try #require(try decodeJSON(r.stdout) as? [String: Any])
        #expect(view["as_of"] as? String == "2026-02-13")
        #expect(view["balance"] as? Int == 70000)
        #expect(view["oldest_past_due_date"] == nil)
        #expect(view["days_past_due"] as? Int == 0)
        let invoices = try #require(view["invoices"] as? [[String: Any]])
        #expect(invoices.map { "\($0["invoice_number"]!) \($0["balance"]!)" } == ["INV-7001 70000"])
        let ledger = try #require(view["ledger"] as? [[String: Any]])
        #expect(ledger.map { "\($0["date"]!) \($0["kind"]!) \($0["amount"]!)" } == ["2026-01-15 invoice 70000"])
        // P1 (02-14), INV-7044's own row (03-01) and F1 (04-01).
        #expect(view["ledger_rows_after_as_of"] as? Int == 3)

        let text = try install.handoff(["account", "show", "A-1001", "--as-of", "2026-02-13"]).stdout
        #expect(text.contains("balance 700.00 CAD as of 2026-02-13; nothing past due"), "\(text)")
        #expect(text.contains("Ledger up to 2026-02-13 (3 later rows not shown)"), "\(text)")
        #expect(!text.contains("P1"), "\(text)")

        // On the payment's own day it counts: 600.00 on INV-7001, due that day, so not yet past due.
        let onTheDay = try #require(
            try decodeJSON(install.handoff(["account", "show", "A-1001", "--as-of", "2026-02-14", "--json"]).stdout)
                as? [String: Any])
        #expect(onTheDay["balance"] as? Int == 60000)
        #expect((onTheDay["ledger"] as? [[String: Any]])?.compactMap { $0["reference"] as? String } == ["P1"])
        #expect(onTheDay["ledger_rows_after_as_of"] as? Int == 2)
    }

    @Test(
        """
        After the quick start's round trip, A-1001 as of 2026-11-15 owes what it owed then: \
        the agency's payment of 2026-11-18 comes later
        """
    )
    func agencyPaymentAfterTheDay() throws {
        let install = try DashboardTests.roundTrip()

        // A-1001: INV-7001 833.00 due 2026-07-02 (136 days on 2026-11-15) and INV-7002 465.00 due
        // 2026-11-19; the agency's LF-T0001 of 833.00 is dated 2026-11-18.
        let r = try install.handoff(["account", "show", "A-1001", "--as-of", "2026-11-15", "--json"])
        try #require(r.status == 0, "\(r.stderr)")
        let view = try #require(try decodeJSON(r.stdout) as? [String: Any])
        #expect(view["balance"] as? Int == 129800)
        #expect(view["oldest_past_due_date"] as? String == "2026-07-02")
        #expect(view["days_past_due"] as? Int == 136)
        #expect(view["aging_bucket"] as? String == "121+")
        let invoices = try #require(view["invoices"] as? [[String: Any]])
        #expect(
            invoices.map { "\($0["invoice_number"]!) \($0["balance"]!) \($0["days_past_due"]!)" } == [
                "INV-7001 83300 136", "INV-7002 46500 0",
            ])
        let ledger = try #require(view["ledger"] as? [[String: Any]])
        #expect(ledger.map { "\($0["kind"]!) \($0["amount"]!)" } == ["invoice 83300", "invoice 46500"])
        #expect(view["ledger_rows_after_as_of"] as? Int == 1)
        let text = try install.handoff(["account", "show", "A-1001", "--as-of", "2026-11-15"]).stdout
        #expect(
            text.contains("balance 1,298.00 CAD as of 2026-11-15; oldest past due 2026-07-02, 136 days (121+)"),
            "\(text)")

        // On 2026-11-30 the payment has been made: 465.00 left, 11 days past 2026-11-19.
        let later = try accountFigures(install, asOf: "2026-11-30").first { $0.account_number == "A-1001" }
        #expect(
            later
                == .init(
                    account_number: "A-1001", balance: 46500, currency: "CAD", oldest_past_due_date: "2026-11-19",
                    days_past_due: 11, aging_bucket: "1-30", open_invoices: 1))
        #expect(
            try accountFigures(install, asOf: "2026-11-15").first { $0.account_number == "A-1001" }?.balance == 129800)

        // Every payment the agency collected is dated after 2026-11-15: the ageing of that day is
        // the one before the round trip.
        #expect(try aging(install, "2026-11-15") == Self.november15)
    }
}
