import Foundation
import HandoffTestSupport
import Testing

/// An agency event held for a person: retried after its cause is fixed (applied once, its
/// ledger rows citing the agency's file and line), or dismissed with a reason.
@Suite("Held agency events", .serialized)
struct HeldEventTests {
    @Test(
        """
        A payment for an account not yet in the AR record is held; retried while the cause remains it stays held; \
        once the account is imported and placed, retry applies it once; dismiss sets another aside
        """
    )
    func retryAndDismiss() throws {
        let install = try DashboardTests.roundTrip()
        let outbound = install.root.appendingPathComponent("var/agencies/local-folder/outbound")
        let activity = """
            type,account_number,date,invoice_number,amount,commission,net,status,transaction_id,\
            original_transaction_id,note
            PAYMENT,C-3001,2026-11-26,,150.00,37.50,112.50,,LF-T0100,,
            PAYMENT,C-3002,2026-11-26,,80.00,20.00,60.00,,LF-T0101,,
            """
        try activity.write(
            to: outbound.appendingPathComponent("LFC_ACT_DEMO01_20261126.csv"), atomically: true, encoding: .utf8)
        let fetch = try install.handoff(["fetch"])
        #expect(fetch.stdout.contains("applied 0, held 2"), "\(fetch.stdout)")

        let events = try #require(try decodeJSON(try install.handoff(["events", "--json"]).stdout) as? [[String: Any]])
        let held = events.filter { ($0["state"] as? String) == "held" }
        let first = try #require(held.first { ($0["account_number"] as? String) == "C-3001" }?["id"] as? Int)
        let second = try #require(held.first { ($0["account_number"] as? String) == "C-3002" }?["id"] as? Int)

        // Still no such account: it stays held, and nothing is booked.
        let early = try install.handoff(["events", "retry", String(first)])
        #expect(
            early.status == 0 && early.stdout.contains("held: no account 'C-3001'")
                && early.stdout.contains("applied 0, still held 1"), "\(early.stdout)")
        #expect(try install.handoff(["events", "retry", "99999"]).stderr.contains("no agency event #99999"))

        // The business imports the account, and it is placed with the agency; the retry applies the payment once.
        let customers = install.root.appendingPathComponent("c3001.csv")
        try """
            account_number,type,business_name,first_name,last_name,contact_name,address1,address2,city,region,\
            postal_code,country,phone,email,tax_id,date_of_birth,currency,holds
            C-3001,business,Cedar Point Bakery,,,Ann Lee,12 Main St,,Kingston,ON,K7L 1A1,CA,\
            +1 613-555-0100,ap@cedar.example,,,CAD,
            """.write(to: customers, atomically: true, encoding: .utf8)
        let invoices = install.root.appendingPathComponent("c3001-invoices.csv")
        try """
            account_number,invoice_number,invoice_date,due_date,amount,disputed
            C-3001,INV-9001,2026-04-01,2026-05-01,400.00,false
            """.write(to: invoices, atomically: true, encoding: .utf8)
        #expect(try install.handoff(["import", "customers", customers.path]).status == 0)
        #expect(try install.handoff(["import", "invoices", invoices.path]).status == 0)
        #expect(try install.handoff(["place", "--as-of", "2026-11-15", "--quiet"]).status == 0)
        let retried = try install.handoff(["events", "retry", "--all"])
        #expect(
            retried.stdout.contains("#\(first)") && retried.stdout.contains("C-3001")
                && retried.stdout.contains("applied 1, still held 1"), "\(retried.stdout)")
        let account = try #require(
            try decodeJSON(
                try install.handoff(["account", "show", "C-3001", "--as-of", "2026-11-30", "--json"]).stdout)
                as? [String: Any])
        #expect(account["balance"] as? Int == 25_000, "400.00 less the agency's 150.00: \(account)")
        let ledger = try #require(account["ledger"] as? [[String: Any]])
        #expect(ledger.contains { row in
            let source = row["source"] as? [String: Any]
                return source?["name"] as? String == "LFC_ACT_DEMO01_20261126.csv" && source?["line"] as? Int == 2
                    && row["amount"] as? Int == -15_000
        }, "the payment's ledger row cites the agency's file and line: \(ledger)")
        // Applied means applied once: a second retry refuses, the balance is unchanged.
        #expect(try install.handoff(["events", "retry", String(first)]).stderr.contains("is applied, not held"))

        // The other is dismissed with its reason, audited, and no longer waits for anyone.
        let dismissed = try install.handoff([
            "events", "dismiss", String(second), "--reason", "sent to us by mistake; the agency confirmed",
        ])
        #expect(dismissed.status == 0, "\(dismissed.stderr)")
        let after = try #require(try decodeJSON(try install.handoff(["events", "--json"]).stdout) as? [[String: Any]])
        let record = try #require(after.first { ($0["id"] as? Int) == second })
        #expect(
            record["state"] as? String == "dismissed"
                && (record["reason"] as? String)?.contains("sent to us by mistake") == true)
        #expect(try install.handoff(["events", "retry", "--all"]).stdout.contains("applied 0, still held 0"))
        #expect(
            try dbCount(install, "SELECT COUNT(*) FROM audit_log WHERE action IN ('event.retried', 'event.dismissed')")
                == 4, "three retries (one still held, then both) and a dismissal")
    }
}
