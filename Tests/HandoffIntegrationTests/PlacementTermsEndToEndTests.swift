import Foundation
import HandoffTestSupport
import Testing

/// Placement terms over a simulated half-year (issue 16), with Keystone (tier 1, by folder) and
/// Meridian (tier 2, over its HTTPS API) as the agencies, and the clock set by `--as-of`.
///
/// Keystone's terms: 90 days placed, 60 days without activity, 300 days at most; `PPA` is its
/// payment plan; it may object once. Placed on 2026-11-15:
/// - A-1001 (consumer) and B-2010 (business): no activity; recalled on 2027-01-14, 60 days on;
///   Keystone confirms. B-2010 goes to Meridian at tier 2; A-1001 does not (Meridian takes no
///   consumer accounts: the gate says `debtor_type_not_taken`).
/// - B-2006: a payment plan from 2026-12-01 pauses the no-activity clock; the placement term
///   recalls it on 2027-02-13; Keystone objects (as it may, a plan being in place); the plan
///   breaks on 2027-03-01, so the no-activity clock recalls it again on 2027-04-30; Keystone
///   acknowledges and confirms; on 2027-05-05 it is placed with Meridian, which collects it all
///   on 2027-05-20 (18%).
@Suite("Placement terms end to end", .serialized)
struct PlacementTermsEndToEndTests {
    static let activityHeader = KeystoneEndToEndTests.activityHeader

    func writeKRP(_ install: Installation, _ name: String, _ lines: [String]) throws {
        let outbound = install.root.appendingPathComponent("var/krp/outbound")
        try FileManager.default.createDirectory(at: outbound, withIntermediateDirectories: true)
        try (lines.joined(separator: "\r\n") + "\r\n").write(
            to: outbound.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    struct TermLine: Codable {
        var account_number: String; var partner: String; var decision: String; var action: String;
        var request_id: String?
    }

    func terms(_ install: Installation, _ day: String, dryRun: Bool = false) throws -> [String: TermLine] {
        let result = try install.handoff(["terms", "--as-of", day, "--json"] + (dryRun ? ["--dry-run"] : []))
        try #require(result.status == 0, "\(result.stdout)\(result.stderr)")
        let lines = try JSONDecoder().decode([TermLine].self, from: Data(result.stdout.utf8))
        return Dictionary(uniqueKeysWithValues: lines.map { ($0.account_number, $0) })
    }

    struct Request: Codable { var kind: String; var request_id: String; var account_number: String; var state: String }
    func requests(_ install: Installation) throws -> [String: Request] {
        let list = try JSONDecoder().decode(
            [Request].self, from: Data(try install.handoff(["requests", "--json"]).stdout.utf8))
        return Dictionary(uniqueKeysWithValues: list.map { ($0.request_id, $0) })
    }

    func state(_ install: Installation, _ account: String) throws -> String {
        try ReconcileTests().figures(install, account).placementState
    }

    @Test(
        """
        Placed, no activity, recalled, objected once, confirmed, placed at tier 2, collected; the ledger and \
        the report right throughout
        """
    )
    func halfYear() throws {
        let certificates = try TestCertificates()
        let eventsFile = certificates.directory.appendingPathComponent("events.json").path
        func publish(_ events: [[String: Any]]) throws {
            try JSONSerialization.data(withJSONObject: ["events": events]).write(to: URL(fileURLWithPath: eventsFile))
        }
        try publish([])
        let server = try TestHTTPSServer(certificates: certificates, eventsFile: eventsFile)
        let env = ["HANDOFF_MERIDIAN_SECRET": server.secret]

        let install = try Installation(timezone: "America/Toronto", currency: "CAD")
        try install.usePartners(["keystone-recovery"])
        let keystone = install.root.appendingPathComponent("partners/keystone-recovery.toml").path
        var text = try String(contentsOfFile: keystone, encoding: .utf8)
        let transport =
            text.range(of: "[transport]")!
            .lowerBound..<text.range(
                of: """
                    # ---------------------------------------------------------------------------------------\n\
                    # Placement file
                    """
            )!.lowerBound
        text.replaceSubrange(transport, with: """
            [transport]
            kind = "local"
            outbox = "var/krp/inbound"
            inbox = "var/krp/outbound"

            [terms]
            placement_days = 90
            no_activity_days = 60
            final_recall_days = 300
            payment_plan_statuses = ["PPA"]
            objections_allowed = 1
            objections_need_payment_plan = true


            """)
        try text.write(toFile: keystone, atomically: true, encoding: .utf8)
        try Installation.meridianPartnerText(server: server, certificates: certificates)
            .replacingOccurrences(of: "tier = 1\nshare = 30", with: "tier = 2\nshare = 30")
            .write(
                toFile: install.root.appendingPathComponent("partners/meridian-commercial.toml").path, atomically: true,
                encoding: .utf8)
        #expect(try install.handoff(["partners", "check"]).status == 0)
        try install.importSampleData()
        let t = ReconcileTests()
        let accounts = ["A-1001", "B-2006", "B-2010"]
        let before = try Dictionary(uniqueKeysWithValues: accounts.map { ($0, try t.figures(install, $0).balance) })
        func unchanged(_ when: String) throws {
            for a in accounts where a != "B-2006" || when != "end" {
                let f = try t.figures(install, a)
                #expect(f.balance == before[a]! && f.ledger.isEmpty && f.commissions.isEmpty, "\(a) at \(when): \(f)")
            }
        }

        // 2026-11-15: placed with Keystone, tier 1; Keystone accepts all three.
        #expect(try install.handoff(["place", "--as-of", "2026-11-15", "--quiet"]).status == 0)
        #expect(try install.handoff(["send"], environment: env).status == 0)
        try writeKRP(install, "KRP_ACK_C10442_KRP_PLC_C10442_20261115_001.csv", [
            "account_number,reference,result,krp_reference,reason_code,reason_text",
            "A-1001,,ACCEPTED,K000000001,,", "B-2006,,ACCEPTED,K000000002,,", "B-2010,,ACCEPTED,K000000003,,",
        ])
        // 2026-12-01: B-2006 agrees a payment plan.
        try writeKRP(
            install, "KRP_ACT_C10442_20261201.csv",
            [Self.activityHeader, "STS,B-2006,K000000002,2026-12-01,,,,,PPA,,,payment plan"])
        #expect(try install.handoff(["fetch"], environment: env).status == 0)
        try unchanged("placement")

        // 2027-01-13: nothing ran out yet; A-1001 and B-2010 run out tomorrow, B-2006's plan pauses its
        // no-activity clock.
        var day = try terms(install, "2027-01-13")
        #expect(
            day["A-1001"]?.decision == "keep"
                && day["A-1001"]?.action == "kept; no_activity_days runs out on 2027-01-14")
        #expect(day["B-2006"]?.action == "kept; placement_days runs out on 2027-02-13")
        // A dry run the next day says what it would do, and does nothing.
        day = try terms(install, "2027-01-14", dryRun: true)
        #expect(
            day["A-1001"]?.decision == "recall" && day["B-2010"]?.decision == "recall"
                && day["B-2006"]?.decision == "keep")
        #expect(try requests(install).isEmpty)
        // 2027-01-14: 60 days without activity; the terms job recalls A-1001 and B-2010, through Keystone's RCL.
        day = try terms(install, "2027-01-14")
        #expect(day["A-1001"]?.action == "recall queued (placement term: no_activity_days ran out on 2027-01-14)")
        #expect(
            try state(install, "A-1001").hasPrefix("recall_pending")
                && state(install, "B-2010").hasPrefix("recall_pending"))
        // Again the same day: nothing more is queued.
        day = try terms(install, "2027-01-14")
        #expect(day["A-1001"]?.decision == "recall_pending")
        #expect(try requests(install).count == 2)
        let sent = try install.handoff(["send"], environment: env)
        #expect(sent.status == 0, "\(sent.stdout)\(sent.stderr)")
        let upd = try FileManager.default.contentsOfDirectory(
            atPath: install.root.appendingPathComponent("var/krp/inbound").path
        )
            .filter { $0.hasPrefix("KRP_UPD_") && $0.hasSuffix(".csv") }
        #expect(upd.count == 1, "\(upd)")
        let updText = try String(
            contentsOfFile: install.root.appendingPathComponent("var/krp/inbound/" + upd[0]).path, encoding: .utf8)
        #expect(
            updText.contains("RCL,A-1001,K000000001,2027-01-14")
                && updText.contains("RCL,B-2010,K000000003,2027-01-14"), "\(updText)")
        try writeKRP(install, "KRP_ACT_C10442_20270116.csv", [Self.activityHeader,
                "STS,A-1001,K000000001,2027-01-16,,,,,RCL,,,recall confirmed",
                "STS,B-2010,K000000003,2027-01-16,,,,,RCL,,,recall confirmed",
            ])
        #expect(try install.handoff(["fetch"], environment: env).status == 0)
        #expect(try state(install, "A-1001") == "closed:recalled:K000000001")
        #expect(try requests(install).values.filter { $0.kind == "recall" }.allSatisfy { $0.state == "confirmed" })
        try unchanged("first recall")

        // 2027-01-20: the next run offers B-2010 to tier 2 (Meridian) without a person; A-1001 is a
        // consumer account, which Meridian does not take: the gate names why.
        struct Decision: Codable { var account_number: String; var outcome: String; var partner: String?; var tier: Int?
                                   var reason_code: String?; var compliance_codes: [String]? }
        struct Run: Codable { var decisions: [Decision] }
        let run = try JSONDecoder().decode(
            Run.self, from: Data(try install.handoff(["place", "--as-of", "2027-01-20", "--json"]).stdout.utf8))
        let decisions = Dictionary(uniqueKeysWithValues: run.decisions.map { ($0.account_number, $0) })
        #expect(
            decisions["B-2010"]?.outcome == "placed" && decisions["B-2010"]?.partner == "meridian-commercial"
                && decisions["B-2010"]?.tier == 2)
        #expect(
            decisions["A-1001"]?.reason_code == "no_eligible_agency"
                && decisions["A-1001"]?.compliance_codes == ["debtor_type_not_taken"])
        #expect(decisions["B-2006"]?.reason_code == "with_agency")
        #expect(try install.handoff(["send"], environment: env).status == 0)

        // 2027-02-13: 90 days placed; the plan does not stop the placement term. Keystone objects, as it may.
        day = try terms(install, "2027-02-12")
        #expect(day["B-2006"]?.decision == "keep")
        day = try terms(install, "2027-02-13")
        #expect(day["B-2006"]?.action == "recall queued (placement term: placement_days ran out on 2027-02-13)")
        #expect(try install.handoff(["send"], environment: env).status == 0)
        try writeKRP(install, "KRP_ACT_C10442_20270215.csv", [Self.activityHeader,
            "STS,B-2006,K000000002,2027-02-15,,,,,OBJ,,,payment plan in place"])
        #expect(try install.handoff(["fetch"], environment: env).status == 0)
        #expect(try state(install, "B-2006").hasPrefix("active"))
        let objected = try requests(install).values.filter { $0.account_number == "B-2006" }
        #expect(objected.map { "\($0.kind) \($0.state)" } == ["recall objected"])
        day = try terms(install, "2027-02-20")
        #expect(day["B-2006"]?.decision == "objection_respected")
        #expect(
            day["B-2006"]?.action
                == """
                keystone-recovery objected to the recall, as its terms allow; kept until final_recall_days runs \
                out on 2027-09-11
                """
        )

        // 2027-03-01: the plan breaks; the no-activity clock starts again and runs out on 2027-04-30.
        try writeKRP(
            install, "KRP_ACT_C10442_20270301.csv",
            [Self.activityHeader, "STS,B-2006,K000000002,2027-03-01,,,,,ACT,,,plan broken"])
        #expect(try install.handoff(["fetch"], environment: env).status == 0)
        day = try terms(install, "2027-04-29")
        #expect(
            day["B-2006"]?.action
                == """
                keystone-recovery objected to the recall, as its terms allow; kept until no_activity_days runs \
                out on 2027-04-30
                """
        )
        day = try terms(install, "2027-04-30")
        #expect(day["B-2006"]?.action == "recall queued (placement term: no_activity_days ran out on 2027-04-30)")
        let second = try #require(day["B-2006"]?.request_id)
        #expect(second.hasSuffix("-2"))
        #expect(try install.handoff(["send"], environment: env).status == 0)
        // Keystone acknowledges the second recall, then confirms it: the acknowledged recall is confirmed.
        let updName = try install.sqlValue(
            "SELECT file_name FROM placement_batches WHERE file_name LIKE 'KRP_UPD_%' ORDER BY id DESC LIMIT 1")
        let ackName = "KRP_ACK_C10442_" + (try #require(updName))
        try writeKRP(
            install, ackName,
            [
                "account_number,reference,result,krp_reference,reason_code,reason_text",
                "B-2006,\(second),ACCEPTED,K000000002,,",
            ])
        #expect(try install.handoff(["fetch"], environment: env).status == 0)
        #expect(try requests(install)[second]?.state == "accepted")
        try writeKRP(
            install, "KRP_ACT_C10442_20270503.csv",
            [Self.activityHeader, "STS,B-2006,K000000002,2027-05-03,,,,,RCL,,,recall confirmed"])
        #expect(try install.handoff(["fetch"], environment: env).status == 0)
        #expect(try requests(install)[second]?.state == "confirmed")
        #expect(try state(install, "B-2006") == "closed:recalled:K000000002")
        try unchanged("second recall")

        // 2027-05-05: placed with Meridian at tier 2; Meridian accepts and collects it all on 2027-05-20.
        let may = try JSONDecoder().decode(
            Run.self, from: Data(try install.handoff(["place", "--as-of", "2027-05-05", "--json"]).stdout.utf8))
        #expect(
            may.decisions.first { $0.account_number == "B-2006" }.map {
                "\($0.outcome) \($0.partner ?? "") \($0.tier ?? 0)"
            } == "placed meridian-commercial 2")
        #expect(try install.handoff(["send"], environment: env).status == 0)
        let placedBalance = try #require(try install.sqlInt("""
                SELECT balance FROM placements WHERE partner_id = 'meridian-commercial'
                  AND customer_id = (SELECT id FROM customers WHERE account_number = 'B-2006')
                """))
        #expect(placedBalance == before["B-2006"]!)
        let fee = (placedBalance * 18 + 50) / 100
        try publish([
            [
                "id": "e-1", "seq": 1, "type": "account.acknowledged", "occurred_at": "2027-05-06T10:00:00Z",
                "account_number": "B-2006",
             "batch_id": "HO-20270505-001", "mcc_file_number": "M1", "result": "accepted", "reason": NSNull()],
            [
                "id": "e-2", "seq": 2, "type": "payment.collected", "occurred_at": "2027-05-20T10:00:00Z",
                "account_number": "B-2006",
                "payment_id": "P1", "amount_cents": placedBalance, "fee_cents": fee, "paid_at": "2027-05-20",
                "invoices": [] as [Any],
            ],
            [
                "id": "e-3", "seq": 3, "type": "account.status_changed", "occurred_at": "2027-05-20T11:00:00Z",
                "account_number": "B-2006",
             "status": "paid_in_full", "note": NSNull()],
        ])
        let fetched = try install.handoff(["fetch"], environment: env)
        #expect(fetched.status == 0 && fetched.stdout.contains("held 0"), "\(fetched.stdout)\(fetched.stderr)")
        let b = try t.figures(install, "B-2006")
        #expect(b.balance == 0)
        #expect(b.placementState == "closed:paid_in_full:M1")
        #expect(b.commissions == ["collection \(placedBalance) \(fee) \(fee)"])
        #expect(
            b.ledger.count >= 1
                && b.ledger.allSatisfy { $0.hasPrefix("payment -") && $0.contains("meridian-commercial:P1") })
        try unchanged("end")

        // The report: nothing collected until May, then Meridian's collection, to the cent.
        struct Report: Codable {
            struct Row: Codable {
                var partner: String; var currency: String; var collected_gross: Int64; var commission: Int64
            }
                                 var agencies: [Row] }
        for month in ["2026-11", "2027-01", "2027-02", "2027-04"] {
            let r = try JSONDecoder().decode(
                Report.self,
                from: Data(try install.handoff(["report", "reconciliation", "--month", month, "--json"]).stdout.utf8))
            #expect(r.agencies.allSatisfy { $0.collected_gross == 0 && $0.commission == 0 }, "\(month): \(r.agencies)")
        }
        let mayReport = try JSONDecoder().decode(
            Report.self,
            from: Data(try install.handoff(["report", "reconciliation", "--month", "2027-05", "--json"]).stdout.utf8))
        let meridian = try #require(
            mayReport.agencies.first { $0.partner == "meridian-commercial" && $0.currency == "CAD" })
        #expect(meridian.collected_gross == Int64(placedBalance) && meridian.commission == Int64(fee))
        // Every recall is in the audit log as the terms job's.
        let audited = try #require(
            try install.sqlInt(
                "SELECT COUNT(*) FROM audit_log WHERE actor = 'terms' AND action = 'placement.recall_requested'"))
        #expect(audited == 4)
        withExtendedLifetime((certificates, server)) {}
    }
    @Test(
        """
        Meridian's own terms: the daily job recalls a placement with no activity through Meridian's recall \
        request, a promise to pay keeps another, and Meridian's recalled status closes it
        """
    )
    func meridianTerms() throws {
        let certificates = try TestCertificates()
        let eventsFile = certificates.directory.appendingPathComponent("events.json").path
        func publish(_ events: [[String: Any]]) throws {
            try JSONSerialization.data(withJSONObject: ["events": events]).write(to: URL(fileURLWithPath: eventsFile))
        }
        func event(_ seq: Int, _ type: String, _ account: String, _ at: String, _ extra: [String: Any]) -> [String: Any]
        {
            ["id": "e-\(seq)", "seq": seq, "type": type, "occurred_at": at, "account_number": account].merging(extra) {
                a, _ in a
            }
        }
        try publish([])
        let server = try TestHTTPSServer(certificates: certificates, eventsFile: eventsFile)
        let install = try Installation(timezone: "America/Toronto", currency: "CAD")
        // The shipped partner file's [terms], as a business that agreed them with MCC turns them on.
        let text = try Installation.meridianPartnerText(server: server, certificates: certificates)
            .replacingOccurrences(
                of: """
                    # [terms]\n# placement_days = 180\n# no_activity_days = 90\n\
                    # payment_plan_statuses = [\"promise_to_pay\"]
                    """,
                with:
                    "[terms]\nplacement_days = 180\nno_activity_days = 90\npayment_plan_statuses = [\"promise_to_pay\"]"
            )
        try #require(
            text.contains("\n[terms]\nplacement_days = 180"), "the shipped partner file's [terms] example moved")
        try text.write(
            toFile: install.root.appendingPathComponent("partners/meridian-commercial.toml").path, atomically: true,
            encoding: .utf8)
        try install.importSampleData()
        let env = ["HANDOFF_MERIDIAN_SECRET": server.secret]
        let t = ReconcileTests()
        let before = try Dictionary(
            uniqueKeysWithValues: ["B-2001", "B-2003"].map { ($0, try t.figures(install, $0).balance) })
        #expect(try install.handoff(["place", "--as-of", "2026-11-15", "--quiet"]).status == 0)
        #expect(try install.handoff(["send"], environment: env).status == 0)
        var events = [
            event(
                1, "account.acknowledged", "B-2001", "2026-11-15T14:00:00Z",
                ["batch_id": "HO-20261115-001", "mcc_file_number": "M1", "result": "accepted", "reason": NSNull()]),
            event(
                2, "account.acknowledged", "B-2003", "2026-11-15T14:00:00Z",
                ["batch_id": "HO-20261115-001", "mcc_file_number": "M2", "result": "accepted", "reason": NSNull()]),
            event(
                3, "account.status_changed", "B-2003", "2026-12-20T10:00:00Z",
                ["status": "promise_to_pay", "note": "balance by June"]),
        ]
        try publish(events)
        #expect(try install.handoff(["fetch"], environment: env).status == 0)

        // 2027-02-14: 91 days placed with nothing from B-2001; B-2003's promise pauses its clock.
        let dry = try terms(install, "2027-02-14", dryRun: true)
        #expect(dry["B-2001"]?.decision == "recall" && dry["B-2003"]?.decision == "keep", "\(dry)")
        #expect(server.requests().filter { $0["method"] as? String == "POST" }.isEmpty)
        let day = try terms(install, "2027-02-14")
        #expect(day["B-2001"]?.decision == "recall" && day["B-2001"]?.request_id != nil, "\(day)")
        #expect(day["B-2003"]?.decision == "keep", "\(day)")
        #expect(
            try terms(install, "2027-02-15")["B-2001"]?.decision == "recall_pending",
            "a second run recalls nothing twice")
        let sent = try install.handoff(["send"], environment: env)
        #expect(sent.status == 0, "\(sent.stdout)\(sent.stderr)")
        let posts = server.requests().filter { $0["method"] as? String == "POST" }.compactMap { $0["path"] as? String }
        #expect(posts == ["/v2/accounts/B-2001/recall"], "\(posts)")
        #expect(try install.handoff(["send"], environment: env).status == 0)
        #expect(
            server.requests().filter { $0["method"] as? String == "POST" }.count == 1, "the recall request went once")

        // MCC confirms with a recalled status: the placement closes, recalled; nothing moves in the ledger.
        events.append(
            event(
                4, "account.status_changed", "B-2001", "2027-02-16T10:00:00Z", ["status": "recalled", "note": NSNull()])
        )
        try publish(events)
        #expect(try install.handoff(["fetch"], environment: env).status == 0)
        #expect(try t.figures(install, "B-2001").placementState == "closed:recalled:M1")
        #expect(try t.figures(install, "B-2003").placementState != "closed:recalled:M2")
        #expect(try t.figures(install, "B-2001").balance == before["B-2001"]!)
        #expect(try t.figures(install, "B-2003").balance == before["B-2003"]!)
    }
}
