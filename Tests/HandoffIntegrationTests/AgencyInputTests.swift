import Foundation
import Testing

/// What an agency sends that is wrong: each line is applied, held with its file, line and
/// reason, or its file refused whole; nothing stops reconciliation, and nothing books money
/// where it does not belong. The sample business with the example local-folder agency, as
/// the quick start sets it up.
@Suite("Bad agency input never stops reconciliation nor misbooks money", .serialized)
struct AgencyInputTests {
    static let header =
        "type,account_number,date,invoice_number,amount,commission,net,status,transaction_id,"
            + "original_transaction_id,note"

    /// The sample business placed with the local-folder agency as of 2026-11-15, sent, and acknowledged.
    func placed() throws -> Installation {
        let install = try Installation(timezone: "America/Toronto", currency: "CAD")
        try install.usePartners(["local-folder"])
        try install.importSampleData()
        let placed = try install.handoff(["place", "--as-of", "2026-11-15", "--quiet"])
        try #require(placed.status == 0, "\(placed.stderr)")
        try #require(try install.handoff(["send"]).status == 0)
        try drop("LFC_ACK_DEMO01_20261116.csv", try String(contentsOf: Handoff.repositoryRoot
                    .appendingPathComponent("sample-data/agency-returns/LFC_ACK_DEMO01_20261116.csv"), encoding: .utf8),
            into: install)
        let fetched = try install.handoff(["fetch"])
        try #require(fetched.status == 0, "\(fetched.stderr)")
        return install
    }

    func drop(_ name: String, _ text: String, into install: Installation) throws {
        let outbound = install.root.appendingPathComponent("var/agencies/local-folder/outbound")
        try FileManager.default.createDirectory(at: outbound, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: outbound.appendingPathComponent(name))
    }

    /// Drops an activity file of these lines and fetches it.
    @discardableResult
    func activity(_ install: Installation, _ name: String, _ lines: [String]) throws -> Handoff.Result {
        try drop(name, ([Self.header] + lines).joined(separator: "\n") + "\n", into: install)
        return try install.handoff(["fetch"])
    }

    func balance(_ install: Installation, _ account: String) throws -> Int64 {
        try install.sqlInt(
            "SELECT SUM(i.balance) FROM invoices i JOIN customers c ON c.id = i.customer_id WHERE "
                + "c.account_number = \(account.sqlLiteral)"
        ) ?? 0
    }

    func invoiceBalance(_ install: Installation, _ number: String) throws -> Int64 {
        try install.sqlInt("SELECT balance FROM invoices WHERE invoice_number = \(number.sqlLiteral)") ?? -1
    }

    /// Every agency event as `key state reason`.
    func events(_ install: Installation) throws -> [String: (state: String, reason: String)] {
        var out: [String: (String, String)] = [:]
        for row in try install.sqlRows("SELECT event_key, state, COALESCE(reason, '') FROM agency_events") {
            out[row[0] ?? ""] = (row[1] ?? "", row[2] ?? "")
        }
        return out
    }

    @Test(
        """
        A payment or reversal of 0.00, -100.00 or -0 is held with its file and line, \
        and a good file after it is still applied
        """,
        arguments: ["0.00", "-100.00", "-0"])
    func poisonAmounts(amount: String) throws {
        let install = try placed()
        let before = try balance(install, "B-2003")
        let bad = try activity(install, "LFC_ACT_DEMO01_20261120.csv", [
            "PAYMENT,B-2003,2026-11-20,,\(amount),0.00,0.00,,LF-X001,,",
            "PAYMENT,B-2003,2026-11-20,INV-7050,\(amount),0.00,0.00,,LF-X002,,",
            "REVERSAL,B-2003,2026-11-21,,\(amount),0.00,,,LF-X003,LF-X009,",
        ])
        #expect(bad.stderr.isEmpty || !bad.stderr.contains("Precondition"), "\(bad.stderr)")
        #expect(!bad.stderr.contains("SQLite error"), "\(bad.stderr)")
        let held = try events(install)
        for (key, line) in [("payment:LF-X001", 2), ("payment:LF-X002", 3), ("reversal:LF-X003", 4)] {
            #expect(held[key]?.state == "held", "\(key): \(held)")
            #expect(
                held[key]?.reason.contains("LFC_ACT_DEMO01_20261120.csv:\(line)") == true,
                "\(key): \(held[key]?.reason ?? "")")
            #expect(held[key]?.reason.contains("more than zero") == true, "\(key): \(held[key]?.reason ?? "")")
        }
        #expect(try balance(install, "B-2003") == before)
        // The file did not block anything: the next one is applied.
        let good = try activity(
            install, "LFC_ACT_DEMO01_20261121.csv", ["PAYMENT,B-2003,2026-11-21,,100.00,33.00,67.00,,LF-X004,,"])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(try events(install)["payment:LF-X004"]?.state == "applied")
        #expect(try balance(install, "B-2003") == before - 10_000)
        // A second fetch changes nothing (the daemon starting over held events is checked by DashboardTests).
        let again = try install.handoff(["fetch"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try balance(install, "B-2003") == before - 10_000)
    }

    @Test("A reversal on another account than its payment's is held, and moves no invoice of either")
    func reversalOnWrongAccount() throws {
        let install = try placed()
        try activity(
            install, "LFC_ACT_DEMO01_20261120.csv", ["PAYMENT,B-2003,2026-11-20,,100.00,33.00,67.00,,LF-X001,,"])
        let b2003 = try balance(install, "B-2003"), b2001 = try balance(install, "B-2001"),
            inv7050 = try invoiceBalance(install, "INV-7050")
        try activity(
            install, "LFC_ACT_DEMO01_20261121.csv", ["REVERSAL,B-2001,2026-11-21,,100.00,33.00,,,LF-R001,LF-X001,"])
        let event = try events(install)["reversal:LF-R001"]
        #expect(event?.state == "held")
        #expect(event?.reason.contains("payment LF-X001 it reverses was on B-2003") == true, "\(event?.reason ?? "")")
        #expect(try balance(install, "B-2003") == b2003)
        #expect(try balance(install, "B-2001") == b2001)
        #expect(try invoiceBalance(install, "INV-7050") == inv7050)
    }

    @Test(
        """
        The same agency transaction id with other content is held as a conflict showing both versions; \
        the same content again is a duplicate
        """
    )
    func conflictingDuplicate() throws {
        let install = try placed()
        let before = try balance(install, "B-2003")
        let fetched = try activity(install, "LFC_ACT_DEMO01_20261120.csv", [
            "PAYMENT,B-2003,2026-11-20,,100.00,33.00,67.00,,LF-X001,,",
            "PAYMENT,B-2003,2026-11-20,,900.00,297.00,603.00,,LF-X001,,",
        ])
        #expect(fetched.status == 0, "\(fetched.stderr)")
        let all = try events(install)
        #expect(all["payment:LF-X001"]?.state == "applied")
        let conflict = all.first { $0.key.hasPrefix("payment:LF-X001 again") }
        #expect(conflict?.value.state == "held", "\(all)")
        #expect(
            conflict?.value.reason.contains("payment LF-X001 of 900.00 USD on B-2003 (LFC_ACT_DEMO01_20261120.csv:3)")
                == true, "\(String(describing: conflict))")
        #expect(
            conflict?.value.reason.contains("payment LF-X001 of 100.00 USD on B-2003 (LFC_ACT_DEMO01_20261120.csv:2")
                == true, "\(conflict?.value.reason ?? "")")
        #expect(try balance(install, "B-2003") == before - 10_000)
        // The same content under the same id, in another file, is a duplicate and changes nothing.
        let dup = try activity(
            install, "LFC_ACT_DEMO01_20261121.csv", ["PAYMENT,B-2003,2026-11-20,,100.00,33.00,67.00,,LF-X001,,"])
        #expect(dup.stdout.contains("duplicate") || dup.stdout.contains("already applied"), "\(dup.stdout)")
        #expect(try events(install).filter { $0.key.hasPrefix("payment:LF-X001") }.count == 2)
        #expect(try balance(install, "B-2003") == before - 10_000)
    }

    @Test(
        """
        Money beyond the invoices placed with the agency is held as an overpayment, \
        and commission is due only on what was applied
        """
    )
    func overpayment() throws {
        let install = try placed()
        let inv7002 = try invoiceBalance(install, "INV-7002")
        try activity(
            install, "LFC_ACT_DEMO01_20261120.csv", ["PAYMENT,A-1001,2026-11-20,,1000.00,250.00,750.00,,LF-X001,,"])
        #expect(try invoiceBalance(install, "INV-7001") == 0)
        #expect(
            try invoiceBalance(install, "INV-7002") == inv7002,
            "INV-7002 was never placed: the agency's money must not reach it")
        let commission = try install.sqlRows(
            "SELECT base, expected, reported FROM commissions WHERE event_key = 'payment:LF-X001'"
        ).first
        #expect(commission?[0].flatMap { Int64($0) } == 83_300)
        // The local-folder schedule's rate on 833.00, not on 1,000.00.
        #expect(commission?[1].flatMap { Int64($0) }.map { $0 < 25_000 } == true, "\(String(describing: commission))")
        let over = try events(install)["overpayment:LF-X001"]
        #expect(over?.state == "held")
        #expect(over?.reason.contains("167.00 CAD more than those invoices owed") == true, "\(over?.reason ?? "")")
        // A person settles it by dismissing it; retrying it is refused, since nothing can book it.
        let id = try #require(
            try install.sqlInt("SELECT id FROM agency_events WHERE event_key = 'overpayment:LF-X001'"))
        let retried = try install.handoff(["events", "retry", "\(id)"])
        #expect(retried.status != 0 && retried.stderr.contains("dismiss"), "\(retried.stdout) \(retried.stderr)")
        #expect(try install.handoff(["events", "dismiss", "\(id)", "--reason", "refunded to the customer"]).status == 0)
    }

    @Test("A line that cannot be read names its file and line, and money in reasons reads as money")
    func errorsNameFileAndLine() throws {
        let install = try placed()
        let fetched = try activity(install, "LFC_ACT_DEMO01_20261120.csv", [
            "PAYMENT,B-2003,2026-11-20,,10.00,3.30,6.70,,LF-X001,,",
            "PAYMENT,B-2003,2026-11-20,,12.345,0.00,0.00,,LF-X002,,",
        ])
        #expect(fetched.status == 0 || fetched.status == 75, "\(fetched.stderr)")
        let inbox = try install.handoff(["inbox"])
        #expect(inbox.stdout.contains("LFC_ACT_DEMO01_20261120.csv line 3"), "\(inbox.stdout)")
        #expect(inbox.stdout.contains("more than 2 decimal places"), "\(inbox.stdout)")
        // Nothing of a refused file is applied.
        #expect(try events(install)["payment:LF-X001"] == nil)
        // An invoice with less open than the agency says: the amount in decimals with its currency.
        try activity(
            install, "LFC_ACT_DEMO01_20261121.csv", ["PAYMENT,B-2003,2026-11-21,INV-7050,99999.00,0.00,0.00,,LF-X003,,"]
        )
        let held = try events(install)["payment:LF-X003"]
        #expect(held?.state == "applied" || held?.state == "held")
        #expect(held?.reason.contains("9999900") == false, "\(held?.reason ?? "")")
    }

    @Test("A NUL in an agency's id or account number refuses its file on both engines, naming the line")
    func nulInAgencyFields() throws {
        let install = try placed()
        let before = try balance(install, "B-2003")
        // On PostgreSQL the first id used to be cut at the NUL, to LF-X, and the real LF-X after
        // it was held as a conflicting repeat.
        let fetched = try activity(install, "LFC_ACT_DEMO01_20261120.csv", [
            "PAYMENT,B-2003,2026-11-20,,10.00,3.30,6.70,,LF-X\u{0}1,,",
            "PAYMENT,B-2003,2026-11-20,,20.00,6.60,13.40,,LF-X,,",
        ])
        #expect(fetched.status == 0 || fetched.status == 75, "\(fetched.stderr)")
        let inbox = try install.handoff(["inbox"])
        #expect(inbox.stdout.contains("LFC_ACT_DEMO01_20261120.csv line 2"), "\(inbox.stdout)")
        #expect(inbox.stdout.contains("transaction_id holds a NUL character"), "\(inbox.stdout)")
        #expect(try events(install)["payment:LF-X"] == nil)
        #expect(try balance(install, "B-2003") == before)
        // The agency's next file is applied.
        let good = try activity(
            install, "LFC_ACT_DEMO01_20261121.csv", ["PAYMENT,B-2003,2026-11-21,,20.00,6.60,13.40,,LF-X,,"])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(try events(install)["payment:LF-X"]?.state == "applied")
        #expect(try balance(install, "B-2003") == before - 2_000)
    }

    @Test(
        "A feed event whose id or type holds a NUL is quarantined with its reason on both engines; the feed goes on")
    func nulInFeedEventIDs() throws {
        let meridian = try MeridianSetup()
        let install = meridian.install
        let all = ArrivalOrderTests.events()
        // The first payment under an id holding a NUL, a status change whose type holds one,
        // then the same payment under its own id. On PostgreSQL the first used to stop the
        // page's transaction (a text parameter may not hold a NUL): every fetch failed there,
        // and nothing after it was ever taken in.
        var badID = all[1]
        badID["id"] = "e-pay1\u{0}x"
        var badType = all[2]
        badType["id"] = "e-ptp-x"
        badType["type"] = "account.status_changed\u{0}"
        try meridian.publish([all[0], badID, badType, all[1]])
        let fetched = try meridian.fetch()
        #expect(fetched.status == 0, "\(fetched.stderr)")
        let inbox = try install.handoff(["inbox"])
        #expect(inbox.stdout.contains("event:e-pay1\u{2400}x"), "\(inbox.stdout)")
        #expect(inbox.stdout.contains("its id holds a NUL character"), "\(inbox.stdout)")
        #expect(inbox.stdout.contains("its type holds a NUL character"), "\(inbox.stdout)")
        let quarantined = try install.sqlInt("SELECT COUNT(*) FROM inbox WHERE state = 'quarantined'")
        #expect(quarantined == 2)
        #expect(try events(install)["payment:P1"]?.state == "applied")
        // Fetched again, nothing changes and nothing fails.
        let again = try meridian.fetch()
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try install.sqlInt("SELECT COUNT(*) FROM inbox WHERE state = 'quarantined'") == 2)
    }

    @Test("handoff placements counts with the words of docs/accounting.md: placed, open, rejected, closed")
    func placementCounts() throws {
        let install = try placed()
        #expect(try install.handoff(["placements"]).stdout.contains("16 placed: 15 open, 1 rejected, 0 closed\n"))
        try activity(install, "LFC_ACT_DEMO01_20261120.csv", ["STATUS,B-2016,2026-11-25,,,,,UNCOLLECTABLE,,,"])
        #expect(
            try install.handoff(["placements"]).stdout.contains(
                "16 placed: 14 open, 1 rejected, 1 closed (1 returned uncollectable)\n"))
    }

    @Test(
        """
        A payment the agency collected before it closed the account is applied when it is reported after the closure; \
        one dated after it is held
        """
    )
    func paymentReportedAfterClosure() throws {
        let install = try placed()
        let before = try balance(install, "B-2003")
        try activity(install, "LFC_ACT_DEMO01_20261120.csv", ["STATUS,B-2003,2026-11-20,,,,,UNCOLLECTABLE,,,"])
        try activity(install, "LFC_ACT_DEMO01_20261121.csv", [
            "PAYMENT,B-2003,2026-11-19,,100.00,33.00,67.00,,LF-X001,,collected the day before the closure",
            "PAYMENT,B-2003,2026-11-21,,50.00,16.50,33.50,,LF-X002,,",
        ])
        let all = try events(install)
        #expect(all["payment:LF-X001"]?.state == "applied", "\(all)")
        #expect(
            all["payment:LF-X002"]?.state == "held"
                && all["payment:LF-X002"]?.reason.contains("dated after it left") == true, "\(all)")
        #expect(try balance(install, "B-2003") == before - 10_000)
        #expect(try install.handoff(["placements"]).stdout.contains("1 returned uncollectable"))
    }
}
