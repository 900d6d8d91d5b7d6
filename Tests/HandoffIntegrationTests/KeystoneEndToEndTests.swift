import Foundation
import HandoffTestSupport
import Testing

/// Keystone from placement to remittance, on the sample business, with values worked out by hand.
///
/// A-1001 (CAD, placed 136 days after its oldest due date: 25%): 293.75 collected (73.44
/// commission), then reversed; the business reports a 100.00 direct payment, KRP echoes it with
/// 25.00 owed; KRP closes the account as uncollectable.
/// B-2006 (CAD, placed 380 days after: 35%): 1,000.00 collected (350.00), then settled: the rest
/// of its placed invoices is written off.
/// B-2010 (CAD): recalled by the business; KRP confirms.
/// November's statement: 1,000.00 collected, 375.00 commission (350.00 + 25.00, the reversal
/// cancelling 73.44), 625.00 remitted.
@Suite("Keystone end to end", .serialized)
struct KeystoneEndToEndTests {
    func write(_ install: Installation, _ name: String, _ lines: [String]) throws {
        let outbound = install.root.appendingPathComponent("var/krp/outbound")
        try FileManager.default.createDirectory(at: outbound, withIntermediateDirectories: true)
        try (lines.joined(separator: "\r\n") + "\r\n").write(
            to: outbound.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    /// KRP accepts A-1001, B-2006 and B-2010; the business receives 100.00 from A-1001 directly and recalls B-2010.
    func acceptAndRequest(_ install: Installation) throws {
        try write(install, "KRP_ACK_C10442_KRP_PLC_C10442_20261115_001.csv", [
            "account_number,reference,result,krp_reference,reason_code,reason_text",
            "A-1001,,ACCEPTED,K000000001,,", "B-2006,,ACCEPTED,K000000002,,", "B-2010,,ACCEPTED,K000000003,,",
        ])
        #expect(try install.handoff(["fetch"]).status == 0)
        let direct = try install.write(
            "direct.csv",
            "reference,account_number,date,type,amount\nUPD-20261119-0001,A-1001,2026-11-19,payment,100.00\n")
        #expect(try install.handoff(["import", "transactions", direct]).status == 0)
        #expect(try install.handoff(["recall", "B-2010", "--reason", "settling with the owner"]).status == 0)
    }

    static let activityHeader =
        "record_type,account_number,krp_reference,activity_date,invoice_number,amount,commission,net,status_code,"
            + "transaction_id,original_transaction_id,note"

    func run(twice: Bool) throws -> (Installation, [String: Int]) {
        let install = try ReconcileTests().keystoneByFolder()
        let before = try Dictionary(
            uniqueKeysWithValues: ["A-1001", "B-2006", "B-2010"].map {
                ($0, try ReconcileTests().figures(install, $0).balance)
            })
        try acceptAndRequest(install)
        #expect(try install.handoff(["send"]).status == 0)

        try write(install, "KRP_ACT_C10442_20261120.csv", [Self.activityHeader,
            "STS,A-1001,K000000001,2026-11-18,,,,,PPA,,,payment plan",
            "PMT,A-1001,K000000001,2026-11-20,,293.75,73.44,220.31,,T000000000001,,",
            "DIR,A-1001,K000000001,2026-11-20,,100.00,25.00,-25.00,,T000000000002,UPD-20261119-0001,"
                + "direct payment reported by client",
            "PMT,B-2006,K000000002,2026-11-20,,1000.00,350.00,650.00,,T000000000004,,",
        ])
        try write(install, "KRP_ACT_C10442_20261121.csv", [Self.activityHeader,
            "REV,A-1001,K000000001,2026-11-21,,293.75,73.44,220.31,,T000000000003,T000000000001,returned cheque",
            "CLS,A-1001,K000000001,2026-11-21,,,,,CLS,,,cannot be located",
            "STS,B-2006,K000000002,2026-11-21,,,,,SIF,,,settled by agreement",
            "STS,B-2010,K000000003,2026-11-21,,,,,RCL,,,recall confirmed",
        ])
        try write(install, "KRP_REM_C10442_202611.csv", [
            "record_type,transaction_id,account_number,amount,commission,net,remit_date,ach_trace",
            "TXN,T000000000001,A-1001,293.75,73.44,220.31,,", "TXN,T000000000002,A-1001,0.00,25.00,-25.00,,",
            "TXN,T000000000003,A-1001,-293.75,-73.44,-220.31,,", "TXN,T000000000004,B-2006,1000.00,350.00,650.00,,",
            "TOT,,,1000.00,375.00,625.00,2026-12-05,091000019384757",
        ])
        let fetched = try install.handoff(["fetch"])
        #expect(
            fetched.status == 0 && fetched.stdout.contains("remittance matched"), "\(fetched.stdout)\(fetched.stderr)")
        if twice {
            // Every file again: nothing changes.
            for name in ["KRP_ACT_C10442_20261120.csv", "KRP_ACT_C10442_20261121.csv", "KRP_REM_C10442_202611.csv"] {
                let archived = try install.sqlValue(
                    "SELECT archive_path FROM inbox WHERE remote_name = \(name.sqlLiteral)")
                try FileManager.default.copyItem(
                    atPath: try #require(archived),
                    toPath: install.root.appendingPathComponent("var/krp/outbound/" + name).path)
            }
            #expect(try install.handoff(["fetch"]).stdout.contains("already received"))
            #expect(try install.handoff(["reconcile"]).stdout.contains("nothing to apply"))
        }
        return (install, before)
    }

    @Test(
        """
        Balances, statuses and commissions exact to the cent; the remittance matches; the report ties; \
        the journal passes hledger check
        """,
        arguments: [false, true])
    func roundTrip(twice: Bool) throws {
        let (install, before) = try run(twice: twice)
        let t = ReconcileTests()
        let a = try t.figures(install, "A-1001"), b = try t.figures(install, "B-2006"),
            c = try t.figures(install, "B-2010")
        #expect(a.balance == before["A-1001"]! - 10_000)                 // only the direct payment lowers it
        #expect(a.placementState == "closed:returned_uncollectable:K000000001")
        #expect(
            a.commissions == [
                "collection 29375 7344 7344", "direct_payment 10000 2500 2500", "reversal -29375 -7344 -7344",
            ])
        let placedB = Int(
            try #require(
                try install.sqlInt(
                    """
                    SELECT balance FROM placements WHERE customer_id = \
                    (SELECT id FROM customers WHERE account_number = 'B-2006')
                    """
                )))
        #expect(b.balance == before["B-2006"]! - placedB) // 1,000.00 collected, the rest of the placed
                                                          // invoices written off
        #expect(b.placementState == "closed:settled:K000000002")
        #expect(b.commissions == ["collection 100000 35000 35000"])
        #expect(b.ledger.contains { $0.hasPrefix("writeoff -") })
        #expect(c.balance == before["B-2010"]!)
        #expect(c.placementState == "closed:recalled:K000000003")
        // KRP's RCL confirms the recall, and its DIR echo the direct payment.
        struct Request: Codable { var kind: String; var state: String }
        let requests = try JSONDecoder().decode(
            [Request].self, from: Data(try install.handoff(["requests", "--json"]).stdout.utf8))
        #expect(requests.map { "\($0.kind) \($0.state)" }.sorted() == ["direct_payment confirmed", "recall confirmed"])

        let statement = try install.handoff(["remittances", "--json"]).stdout
        #expect(statement.contains("\"state\" : \"matched\"") && statement.contains("\"net\" : 62500"), "\(statement)")

        struct Report: Codable {
            struct Row: Codable {
                var currency: String; var collected_gross: Int64; var commission: Int64; var direct_payment_fees: Int64;
                var net_due: Int64
                                                       var remitted: Int64; var difference: Int64 }
                                 var agencies: [Row] }
        let report = try JSONDecoder().decode(
            Report.self,
            from: Data(try install.handoff(["report", "reconciliation", "--month", "2026-11", "--json"]).stdout.utf8))
        let cad = try #require(report.agencies.first { $0.currency == "CAD" })
        #expect(
            cad.collected_gross == 100_000 && cad.commission == 35_000 && cad.direct_payment_fees == 2_500
                && cad.net_due == 62_500)
        #expect(cad.remitted == 62_500 && cad.difference == 0)

        let journal = install.root.appendingPathComponent("journal.ledger").path
        #expect(
            try install.handoff([
                "export", "journal", "--from", "2026-11-01", "--to", "2026-12-31", "--output", journal,
            ]).status == 0)
        let check = try Handoff.runTool("/usr/bin/hledger", ["-f", journal, "check"])
        #expect(check.status == 0, "\(check.output)")
        let bank = try Handoff.runTool("/usr/bin/hledger", ["-f", journal, "balance", "assets:bank", "-N", "--flat"])
        #expect(bank.output.contains("625.00 CAD"), "\(bank.output)")
    }

    @Test(
        """
        KRP's acknowledgement of an updates file moves the requests it names: an accepted recall waits for \
        KRP's RCL, a rejected direct payment is rejected with KRP's reason; no placement moves and nothing \
        is held
        """
    )
    func updatesAcknowledged() throws {
        let install = try ReconcileTests().keystoneByFolder()
        try acceptAndRequest(install)
        #expect(
            try install.handoff(["notify", "B-2006", "--kind", "dispute", "--note", "customer disputes invoice 1042"])
                .status == 0)
        #expect(try install.handoff(["send"]).status == 0)
        struct Request: Codable { var kind: String; var request_id: String; var state: String; var last_error: String? }
        func requests() throws -> [String: Request] {
            let list = try JSONDecoder().decode(
                [Request].self, from: Data(try install.handoff(["requests", "--json"]).stdout.utf8))
            return Dictionary(uniqueKeysWithValues: list.map { ($0.kind, $0) })
        }
        let sent = try requests()
        let recall = try #require(sent["recall"]), payment = try #require(sent["direct_payment"])
        #expect(recall.state == "sent" && payment.state == "sent")
        try write(install, "KRP_ACK_C10442_KRP_UPD_C10442_20261120_001.csv", [
            "account_number,reference,result,krp_reference,reason_code,reason_text",
            "B-2010,\(recall.request_id),ACCEPTED,K000000003,,",
            "A-1001,UPD-20261119-0001,REJECTED,,MISSING_DATA,effective_date is empty",
        ])
        let fetched = try install.handoff(["fetch"])
        #expect(
            fetched.status == 0 && fetched.stdout.contains("applied 2, held 0"), "\(fetched.stdout)\(fetched.stderr)")
        let after = try requests()
        #expect(after["recall"]?.state == "accepted")
        #expect(after["direct_payment"]?.state == "rejected")
        #expect(
            after["direct_payment"]?.last_error
                == "rejected by keystone-recovery: MISSING_DATA: effective_date is empty")
        #expect(after["dispute"]?.state == "sent")
        // The account shows its requests and where they stand.
        struct Account: Codable { var requests: [Request] }
        let account = try JSONDecoder().decode(
            Account.self, from: Data(try install.handoff(["account", "show", "A-1001", "--json"]).stdout.utf8))
        #expect(account.requests.map { "\($0.kind) \($0.state)" } == ["direct_payment rejected"])
        #expect(
            try install.handoff(["account", "show", "A-1001"]).stdout.contains(
                "rejected: rejected by keystone-recovery: MISSING_DATA"))
        // KRP reports B-2006 disputed: the dispute the business notified has reached it.
        try write(
            install, "KRP_ACT_C10442_20261121.csv",
            [Self.activityHeader, "STS,B-2006,K000000002,2026-11-21,,,,,DSP,,,debtor disputes"])
        #expect(try install.handoff(["fetch"]).status == 0)
        #expect(try requests()["dispute"]?.state == "confirmed")
        #expect(try ReconcileTests().figures(install, "B-2010").placementState.hasPrefix("recall_pending"))
        #expect(try ReconcileTests().figures(install, "A-1001").placementState.hasPrefix("accepted"))
    }
}
