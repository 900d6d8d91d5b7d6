import Foundation
import HandoffTestSupport
import Testing

/// Meridian from placement to remittance, over its HTTPS API and event feed, with values worked
/// out by hand (18% on everything, rounded half up per payment).
///
/// B-2001: 1,000.00 collected on INV-7042 (180.00 fee) and reversed; 500.00 collected (90.00);
/// then settled: the rest of its placed invoices written off.
/// B-2003: the business receives 500.00 directly and reports it (Meridian's 90.00 fee goes on
/// its invoice); the business recalls the account; Meridian confirms.
/// December's remittance: 500.00 wired (the reversed payment is not in it), 180.00 fee invoiced
/// (90.00 on the payment, 90.00 on the direct payment).
@Suite("Meridian end to end", .serialized)
struct MeridianEndToEndTests {
    func event(_ seq: Int, _ type: String, _ account: Any, _ extra: [String: Any]) -> [String: Any] {
        [
            "id": "e-\(seq)", "seq": seq, "type": type, "occurred_at": "2026-11-\(10 + seq % 20)T10:00:00Z",
            "account_number": account,
        ].merging(extra) { a, _ in a }
    }

    @Test(
        """
        Balances, statuses and fees exact to the cent; the remittance matches; the report ties; \
        the journal passes hledger check
        """
    )
    func roundTrip() throws {
        let certificates = try TestCertificates()
        let eventsFile = certificates.directory.appendingPathComponent("events.json").path
        func publish(_ events: [[String: Any]]) throws {
            try JSONSerialization.data(withJSONObject: ["events": events]).write(to: URL(fileURLWithPath: eventsFile))
        }
        try publish([])
        let server = try TestHTTPSServer(certificates: certificates, eventsFile: eventsFile)
        let install = try Installation(timezone: "America/Toronto", currency: "CAD")
        try install.useMeridian(server: server, certificates: certificates)
        try install.importSampleData()
        let env = ["HANDOFF_MERIDIAN_SECRET": server.secret]
        let t = ReconcileTests()
        let before = try Dictionary(
            uniqueKeysWithValues: ["B-2001", "B-2003"].map { ($0, try t.figures(install, $0).balance) })
        #expect(try install.handoff(["place", "--as-of", "2026-11-15", "--quiet"]).status == 0)
        #expect(try install.handoff(["send"], environment: env).status == 0)

        var events = [
            event(
                1, "account.acknowledged", "B-2001",
                ["batch_id": "HO-20261115-001", "mcc_file_number": "M1", "result": "accepted", "reason": NSNull()]),
            event(
                2, "account.acknowledged", "B-2003",
                ["batch_id": "HO-20261115-001", "mcc_file_number": "M2", "result": "accepted", "reason": NSNull()]),
        ]
        try publish(events)
        #expect(try install.handoff(["fetch"], environment: env).status == 0)

        // The business receives 500.00 from B-2003 directly and recalls the account.
        let direct = try install.write(
            "direct.csv", "reference,account_number,date,type,amount\nDP-1,B-2003,2026-11-19,payment,500.00\n")
        #expect(try install.handoff(["import", "transactions", direct]).status == 0)
        #expect(try install.handoff(["recall", "B-2003", "--reason", "paid us in full"]).status == 0)
        let sent = try install.handoff(["send"], environment: env)
        #expect(
            sent.status == 0 && sent.stdout.contains("direct_payment DP-1") && sent.stdout.contains("recall RCL-"),
            "\(sent.stdout)\(sent.stderr)")
        let posts = server.requests().filter { $0["method"] as? String == "POST" }.compactMap { $0["path"] as? String }
        #expect(posts.sorted() == ["/v2/accounts/B-2003/direct-payments", "/v2/accounts/B-2003/recall"], "\(posts)")

        events += [
            event(
                3, "payment.collected", "B-2001",
                [
                    "payment_id": "P1", "amount_cents": 100_000, "fee_cents": 18_000, "paid_at": "2026-11-20",
                    "invoices": [["invoice_number": "INV-7042", "amount_cents": 100_000]],
                ]),
            event(
                4, "payment.reversed", "B-2001",
                ["payment_id": "P1", "amount_cents": 100_000, "fee_cents": 18_000, "reason": "charge-back"]),
            event(
                5, "payment.collected", "B-2001",
                [
                    "payment_id": "P2", "amount_cents": 50_000, "fee_cents": 9_000, "paid_at": "2026-11-22",
                    "invoices": [],
                ]),
            event(6, "account.status_changed", "B-2001", ["status": "settled", "note": "settled by agreement"]),
            event(7, "account.status_changed", "B-2003", ["status": "recalled", "note": NSNull()]),
            [
                "id": "e-8", "seq": 8, "type": "remittance.sent", "occurred_at": "2026-12-01T12:00:00Z",
                "account_number": NSNull(), "remittance_id": "R1",
                "period_start": "2026-11-01", "period_end": "2026-11-30", "gross_cents": 50_000, "fee_cents": 18_000,
                "payment_ids": ["P2"],
             "wire_reference": "W1"],
        ]
        try publish(events)
        let fetched = try install.handoff(["fetch"], environment: env)
        #expect(
            fetched.status == 0 && fetched.stdout.contains("remittance matched"), "\(fetched.stdout)\(fetched.stderr)")

        let a = try t.figures(install, "B-2001"), b = try t.figures(install, "B-2003")
        let placedA = Int(
            try #require(
                try install.sqlInt(
                    """
                    SELECT balance FROM placements WHERE customer_id = \
                    (SELECT id FROM customers WHERE account_number = 'B-2001')
                    """
                )))
        #expect(a.balance == before["B-2001"]! - placedA)
        #expect(a.placementState == "closed:settled:M1")
        #expect(
            a.commissions == [
                "collection 100000 18000 18000", "reversal -100000 -18000 -18000", "collection 50000 9000 9000",
            ])
        #expect(b.balance == before["B-2003"]! - 50_000)
        #expect(b.placementState == "closed:recalled:M2")
        #expect(b.commissions == ["direct_payment 50000 9000 "])
        let requests = try install.handoff(["requests"]).stdout
        #expect(requests.contains("recall") && requests.contains("confirmed"), "\(requests)")

        struct Report: Codable {
            struct Row: Codable {
                var currency: String; var collected_gross: Int64; var commission: Int64; var direct_payment_fees: Int64
                var net_due: Int64; var fees_owed: Int64; var remitted: Int64; var difference: Int64
            }
                                 var agencies: [Row] }
        let report = try JSONDecoder().decode(
            Report.self,
            from: Data(try install.handoff(["report", "reconciliation", "--month", "2026-11", "--json"]).stdout.utf8))
        let usd = try #require(report.agencies.first { $0.currency == "USD" })
        #expect(
            usd.collected_gross == 50_000 && usd.commission == 9_000 && usd.direct_payment_fees == 9_000
                && usd.net_due == 50_000 && usd.fees_owed == 18_000)
        #expect(report.agencies.allSatisfy { $0.difference == 0 }, "\(report.agencies)")

        let journal = install.root.appendingPathComponent("journal.ledger").path
        #expect(
            try install.handoff([
                "export", "journal", "--from", "2026-11-01", "--to", "2026-12-31", "--output", journal,
            ]).status == 0)
        let check = try Handoff.runTool("/usr/bin/hledger", ["-f", journal, "check"])
        let journalText = (try? String(contentsOfFile: journal, encoding: .utf8)) ?? ""
        #expect(check.status == 0, "\(check.output)\n\(journalText)")
        let payable = try Handoff.runTool("/usr/bin/hledger", ["-f", journal, "balance", "liabilities", "-N", "--flat"])
        #expect(payable.output.contains("-180.00 USD"), "\(payable.output)")
        withExtendedLifetime((certificates, server)) {}
    }
}
