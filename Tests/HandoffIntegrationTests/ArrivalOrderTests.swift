import Foundation
import HandoffAgencyLink
import HandoffConfig
import HandoffDomain
import HandoffIntake
import HandoffOutbox
import HandoffPartners
import HandoffReconciliation
import HandoffTestSupport
import Testing

/// The end state never depends on the order agency events arrive in, nor on how often.
///
/// One set of Meridian events about B-2001 (acknowledged, paid 1,000.00 on INV-7042, a
/// promise to pay, paid 500.00 oldest first, the first payment reversed, a remittance of the
/// second, paid 250.00 on INV-7043, settled) is delivered in many random ways: a random prefix
/// of the feed first, then random events pushed in random order and some more than once, with
/// `handoff reconcile` run at random moments in between, then the whole feed. Every delivery
/// must end in the same account, the same remittance, the same reports and the same journal
/// as reading the feed once in order.
@Suite("Arrival order", .serialized)
struct ArrivalOrderTests {
    static func events() -> [[String: Any]] {
        func event(_ id: String, _ type: String, _ at: String, _ fields: [String: Any]) -> [String: Any] {
            ["id": id, "type": type, "occurred_at": at, "account_number": "B-2001"].merging(fields) { a, _ in a }
        }
        let list: [[String: Any]] = [
            event("e-ack", "account.acknowledged", "2026-11-15T14:02:11Z",
                ["batch_id": "HO-20261115-001", "mcc_file_number": "M100500", "result": "accepted",
                 "reason": NSNull()]),
            event("e-pay1", "payment.collected", "2026-11-18T09:00:00Z",
                  ["payment_id": "P1", "amount_cents": 100_000, "fee_cents": 18_000, "paid_at": "2026-11-18",
                   "invoices": [["invoice_number": "INV-7042", "amount_cents": 100_000]]]),
            event(
                "e-ptp", "account.status_changed", "2026-11-19T10:00:00Z",
                ["status": "promise_to_pay", "note": "balance by 2026-12-15"]),
            event("e-pay2", "payment.collected", "2026-11-20T09:00:00Z",
                [
                    "payment_id": "P2", "amount_cents": 50_000, "fee_cents": 9_000, "paid_at": "2026-11-20",
                    "invoices": [],
                ]),
            event("e-rev1", "payment.reversed", "2026-11-22T09:00:00Z",
                  ["payment_id": "P1", "amount_cents": 100_000, "fee_cents": 18_000, "reason": "charge-back"]),
            [
                "id": "e-rem", "type": "remittance.sent", "occurred_at": "2026-12-01T12:00:00Z",
                "account_number": NSNull(),
                "remittance_id": "R1", "period_start": "2026-11-01", "period_end": "2026-11-30", "gross_cents": 50_000,
                "fee_cents": 9_000,
             "payment_ids": ["P2"], "wire_reference": "W1"],
            event("e-pay3", "payment.collected", "2026-12-03T09:00:00Z",
                  ["payment_id": "P3", "amount_cents": 25_000, "fee_cents": 4_500, "paid_at": "2026-12-03",
                   "invoices": [["invoice_number": "INV-7043", "amount_cents": 25_000]]]),
            event(
                "e-sif", "account.status_changed", "2026-12-04T09:00:00Z",
                ["status": "settled", "note": "settled by agreement"]),
        ]
        return list.enumerated().map { i, e in e.merging(["seq": 300 + i]) { a, _ in a } }
    }

    /// A small deterministic generator (SplitMix64), so that a failing delivery can be replayed from its seed.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D4_9BB1_3311_14EB
            return z ^ (z >> 31)
        }
    }

    /// Delivers the events as `seed` says (nil: the whole feed once, in order) and returns
    /// what a person and an accountant see.
    func deliver(seed: UInt64?) throws -> [String: String] {
        let all = Self.events()
        let meridian = try MeridianSetup()
        let install = meridian.install
        let env = meridian.environment
        func serve(_ events: [[String: Any]]) throws { try meridian.publish(events) }

        if var rng = seed.map({ Seeded(state: $0) }) {
            // A prefix of the feed (perhaps none), read and applied in order.
            let prefix = Int.random(in: 0...4, using: &rng)
            try serve(Array(all.prefix(prefix)))
            try #require(try install.handoff(["fetch"], environment: env).status == 0)
            // Then pushes: each event zero, one or two times, shuffled; reconcile now and then.
            let config = try HandoffConfig.load(path: install.configPath)
            let partner = try #require(
                PartnerLoader.loadAll(directory: config.partnersDirectory).0.first { $0.id == "meridian-commercial" })
            let feed = EventFeed(
                store: try install.anyStore(), factory: TransportFactory(root: config.root),
                dataDirectory: config.dataDirectory)
            var pushes = all.flatMap { e in Array(repeating: e, count: Int.random(in: 0...2, using: &rng)) }
            pushes.shuffle(using: &rng)
            for event in pushes {
                _ = try feed.receive(Array(try JSONSerialization.data(withJSONObject: event)), partner: partner)
                if Int.random(in: 0..<3, using: &rng) == 0 {
                    try #require(try install.handoff(["reconcile"]).status == 0)
                }
            }
        }
        // Last, the whole feed.
        try serve(all)
        let fetched = try meridian.fetch()
        try #require(fetched.status == 0, "\(fetched.stderr)")

        let journal = install.root.appendingPathComponent("journal.ledger").path
        try #require(
            try install.handoff([
                "export", "journal", "--from", "2026-11-01", "--to", "2026-12-31", "--output", journal,
            ]).status == 0)
        // When a row was recorded, and the inbox's own numbering, follow arrival; nothing else may.
        func arrivalFree(_ text: String) -> String {
            text.replacingOccurrences(
                of: #""(recorded_at|inbox_id|id)" : [^,\n]+"#, with: "", options: .regularExpression)
        }
        return [
            "account": arrivalFree(try install.handoff(["account", "show", "B-2001", "--json"]).stdout),
            "events": arrivalFree(try install.handoff(["events", "--json"]).stdout),
            "remittances": try install.handoff(["remittances", "--json"]).stdout,
            "november": try install.handoff(["report", "reconciliation", "--month", "2026-11", "--json"]).stdout,
            "december": try install.handoff(["report", "reconciliation", "--month", "2026-12", "--json"]).stdout,
            "scorecard": try install.handoff(["report", "scorecard", "--json"]).stdout,
            "journal": try String(contentsOfFile: journal, encoding: .utf8),
        ]
    }

    @Test("Random pushes, duplicates and feed prefixes all end where reading the feed once in order ends")
    func sameEndState() throws {
        let expected = try deliver(seed: nil)
        #expect(
            expected["account"]?.contains("\"closed\"") == true || expected["account"]?.contains("settled") == true,
            "\(expected["account"] ?? "")")
        #expect(expected["remittances"]?.contains("matched") == true, "\(expected["remittances"] ?? "")")
        for seed: UInt64 in [1, 2, 3, 4, 5, 6] {
            let got = try deliver(seed: seed)
            for key in expected.keys.sorted() {
                #expect(
                    got[key] == expected[key],
                    "seed \(seed): \(key) differs:\n\(got[key] ?? "")\n--- expected ---\n\(expected[key] ?? "")")
            }
        }
    }
}

/// Feed events are applied up to `eventsTogether` in one transaction. That must end exactly as
/// applying them one by one does, also when one of them has to wait: an agency that does not
/// number its events has them applied in the order they arrived, so a reversal pushed before
/// its payment waits, and is applied right after the payment, before anything that came later.
@Suite("Feed events applied together", .serialized)
struct EventsTogetherTests {
    /// Pushes the events, in this order, to a Meridian whose partner file does not number its
    /// events, then applies them with at most `together` in a transaction; the lines and the account.
    func apply(together: Int) throws -> (lines: [String], account: String) {
        let meridian = try MeridianSetup()
        let install = meridian.install
        let partnerFile = install.root.appendingPathComponent("partners/meridian-commercial.toml").path
        let text = try String(contentsOfFile: partnerFile, encoding: .utf8)
        try #require(text.contains(#", order = "seq" }"#))
        try text.replacingOccurrences(of: #", order = "seq" }"#, with: " }").write(
            toFile: partnerFile, atomically: true, encoding: .utf8)
        let config = try HandoffConfig.load(path: install.configPath)
        let (partners, problems) = PartnerLoader.loadAll(
            directory: config.partnersDirectory, maxAmount: config.maxAmount)
        try #require(problems.isEmpty)
        let partner = try #require(partners.first { $0.id == "meridian-commercial" })
        let store = try install.anyStore()
        let feed = EventFeed(
            store: store, factory: TransportFactory(root: config.root), dataDirectory: config.dataDirectory)
        let byID = Dictionary(uniqueKeysWithValues: ArrivalOrderTests.events().map { ($0["id"] as! String, $0) })
        for id in ["e-ack", "e-rev1", "e-pay1", "e-ptp", "e-pay2", "e-pay3"] {
            try #require(
                try feed.receive(
                    Array(try JSONSerialization.data(withJSONObject: try #require(byID[id]))), partner: partner))
        }
        var reconciliation = Reconciliation(store: store, partners: partners, today: CalendarDate(iso: "2026-12-04")!)
        reconciliation.eventsTogether = together
        var lines: [String] = []
        _ = try reconciliation.run { lines.append("\($0.key) \($0.outcome)") }
        func arrivalFree(_ text: String) -> String {
            text.replacingOccurrences(
                of: #""(recorded_at|inbox_id|id)" : [^,\n]+"#, with: "", options: .regularExpression)
        }
        return (lines, arrivalFree(try install.handoff(["account", "show", "B-2001", "--json"]).stdout))
    }

    @Test("A reversal pushed before its payment: applied right after it, together as one by one")
    func waitingReversal() throws {
        let together = try apply(together: 256)
        let oneByOne = try apply(together: 1)
        #expect(
            together.lines == [
                "event:e-ack applied", "reversal:e-rev1 waiting", "payment:P1 applied", "reversal:e-rev1 applied",
                "event:e-ptp applied", "payment:P2 applied", "payment:P3 applied",
            ], "\(together.lines)")
        #expect(together.lines == oneByOne.lines)
        #expect(together.account == oneByOne.account)
        #expect(together.account.contains("INV-7043"), "\(together.account)")
    }
}
