import Foundation
import GRDB
import HandoffDomain
@testable import HandoffSQLite
import HandoffStore
import Testing

/// What reconciliation writes and reads for a chunk of events, bound directly with SQLite's C
/// API (`DirectStatement`), on a real database file made by the migrations: transactions,
/// ledger rows and the balances they move, commissions, event records (a waiting one replaced,
/// an applied one kept), placements, requests. A balance below zero, or a sum of entries that
/// overflows, is refused as the AR record's refusal and leaves nothing.
@Suite("Reconciliation's reads and writes")
struct ReconciliationWritesTests {
    static let day = CalendarDate(iso: "2026-11-15")!
    static let line = EntrySource(kind: .agency, name: "KRP_ACT_1.csv", line: 3)

    static func entry(_ customerID: Int64, _ invoiceID: Int64, _ transactionID: Int64?, _ amount: Int64)
        -> NewLedgerEntry
    {
        NewLedgerEntry(customerID: customerID, invoiceID: invoiceID, transactionID: transactionID, kind: .payment,
                       amount: amount, currency: .usd, effectiveDate: day, source: line)
    }

    /// A database with one account (whose number needs escaping in JSON) and two invoices of 100.00 and 50.00.
    static func account(_ store: SQLiteARStore) throws -> (customer: Int64, first: Int64, second: Int64) {
        try store.writeReconciliation { w in
            let s = try #require(w as? SQLiteSession)
            let file = EntrySource(kind: .file, name: "import.csv", line: 2)
            let customer = try s.insertCustomer(
                DebtorProfile(accountNumber: "A-\"1\"", type: .consumer, lastName: "X", currency: .usd),
                source: file)
            func invoice(_ number: String, _ cents: Int64, due: Int) throws -> Int64 {
                try s.insertInvoice(customerID: customer,
                                    terms: InvoiceTerms(invoiceNumber: number, invoiceDate: day.adding(days: due - 30),
                        dueDate: day.adding(days: due), amount: Money(minorUnits: cents, currency: .usd),
                        disputed: false),
                                    source: file)
            }
            return (customer, try invoice("I1", 10_000, due: -70), try invoice("I2", 5_000, due: -60))
        }
    }

    static func store() throws -> (SQLiteARStore, String) {
        let dir = NSTemporaryDirectory() + "reconciliation-writes-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return (try SQLiteARStore(path: dir + "/handoff.sqlite", creating: true), dir)
    }

    @Test(
        "Transactions, ledger rows and balances, commissions and events land with their values; refusals leave nothing")
    func writes() throws {
        let (store, dir) = try Self.store()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (cid, inv1, inv2) = try Self.account(store)
        try store.writeReconciliation { w in
            let found = try w.customers(accountNumbers: ["A-\"1\"", "nobody", "a\\b\n"])
            #expect(found.map(\.id) == [cid])
            let t1 = try w.insertTransaction(
                reference: "k:T1", customerID: cid, invoiceNumber: nil, date: Self.day, kind: .payment,
                amount: 3_000, reversesID: nil, source: Self.line)
            let t2 = try w.insertTransaction(
                reference: "k:T2", customerID: cid, invoiceNumber: "I2", date: Self.day, kind: .payment,
                amount: 1_000, reversesID: t1, source: EntrySource(kind: .agency, name: "feed", eventID: "e1"))
            let ids = try w.transactionIDs(references: ["k:T1", "k:T2", "k:T3"])
            #expect(ids.count == 2 && ids["k:T1"]?.id == t1 && ids["k:T2"]?.id == t2 && ids["k:T2"]?.customerID == cid)
            #expect(
                try w.transaction(reference: "k:T2")?.source == EntrySource(kind: .agency, name: "feed", eventID: "e1"))

            try w.appendLedgerEntries([
                Self.entry(cid, inv1, t1, -2_000), Self.entry(cid, inv2, t1, -1_000), Self.entry(cid, inv1, t2, -500),
            ])
            var balances = Dictionary(uniqueKeysWithValues: try w.invoices(customerID: cid).map { ($0.id, $0.balance) })
            #expect(balances == [inv1: 7_500, inv2: 4_000])
            #expect(try w.shares(ofTransactions: [t1])[t1]?.map(\.amount) == [2_000, 1_000])

            // Refused: a balance below zero; a sum of entries beyond Int64 (it trapped before).
            for refused in [
                [Self.entry(cid, inv2, t1, -9_000)],
                [Self.entry(cid, inv2, t1, .max), Self.entry(cid, inv2, t1, .max)],
            ] {
                do {
                    try w.undoable { try w.appendLedgerEntries(refused) }
                    Issue.record("not refused: \(refused.map(\.amount))")
                } catch {
                    #expect(w.isRefusal(error), "\(error)")
                }
            }
            balances = Dictionary(uniqueKeysWithValues: try w.invoices(customerID: cid).map { ($0.id, $0.balance) })
            #expect(balances == [inv1: 7_500, inv2: 4_000])

            try w.recordCommissions([
                CommissionRecord(
                    partnerID: "k", customerID: cid, transactionID: t1, eventKey: "payment:T1", kind: "collection",
                    base: 3_000, ratePPM: 250_000, expected: 750, reported: nil, currency: "USD", date: Self.day),
                CommissionRecord(
                    partnerID: "k", customerID: cid, transactionID: nil, eventKey: "payment:T2", kind: "collection",
                    base: 1_000, ratePPM: 250_000, expected: 250, reported: 300, currency: "USD"),
            ])
            let commissions = try w.commissions(partnerID: "k")
            #expect(commissions.map(\.date) == [Self.day, nil] && commissions.map(\.reported) == [nil, 300])
            #expect(commissions.map(\.transactionID) == [t1, nil])
            #expect(try w.commissionRates(partnerID: "k", eventKeys: ["payment:T1"]) == ["payment:T1": 250_000])

            func event(_ key: String, _ state: AgencyEventState, payload: String, reason: String?) -> NewAgencyEvent {
                NewAgencyEvent(
                    partnerID: "k", key: key, inboxID: nil, accountNumber: key.hasPrefix("payment") ? "A-\"1\"" : nil,
                    kind: "payment", payload: payload, state: state, reason: reason)
            }
            try w.recordAgencyEvents([event("payment:T1", .applied, payload: "{\"a\":1}", reason: nil),
                                      event("reversal:V1", .waiting, payload: "{}", reason: "waits")])
            try w.recordAgencyEvents([event("payment:T1", .held, payload: "{}", reason: "again"),
                                      event("reversal:V1", .applied, payload: "{}", reason: nil)])
            let events = try w.agencyEvents(partnerID: "k", keys: ["payment:T1", "reversal:V1", "none"])
            #expect(events.map(\.state) == [.applied, .applied] && events.map(\.reason) == [nil, nil])
            #expect(events.first?.payload == "{\"a\":1}" && events.first?.accountNumber == "A-\"1\"")

            try w.appendAudit(
                AuditEntry(
                    actor: "reconcile", action: "customer.hold_added", subject: "A", detail: "d", source: Self.line))
            try w.appendAudit(AuditEntry(actor: "reconcile", action: "settlement.allowance", subject: "A", detail: "d"))
            #expect(try w.requestSnapshots(partnerID: "k", requestIDs: ["r1"], placementIDs: [1, 2]).isEmpty)
            #expect(try w.latestPlacements(customerIDs: [cid], partnerID: "k").isEmpty)
            #expect(try w.placedInvoices(placementIDs: [1]).isEmpty)
        }
    }

    @Test("A placement's state and status move; its invoices and requests read back")
    func placements() throws {
        let (store, dir) = try Self.store()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (cid, inv1, inv2) = try Self.account(store)
        try store.writeReconciliation { w in
            let s = try #require(w as? SQLiteSession)
            try s.db.execute(sql: """
                INSERT INTO placement_batches (id, partner_id, batch_key, file_name, run_date, sequence, state, \
                accounts, invoices, total,
                    sha256, size, created_at)
                VALUES (7, 'k', 'b', 'f', '2026-11-15', 1, 'sent', 1, 2, 1, 'x', 1, 'now')
                """)
            let pid = try #require(
                try s.insertPlacements([
                    NewPlacement(
                        customerID: cid, partnerID: "k", tier: 1, batchID: 7, placedOn: Self.day,
                        balance: Money(minorUnits: 15_000, currency: .usd),
                        oldestDueDate: Self.day.adding(days: -70), daysPastDue: 70,
                        invoices: [(inv1, 10_000), (inv2, 5_000)])
                ]).first)
            try w.updatePlacement(
                id: pid, state: .accepted(agencyReference: "KREF"), agencyReference: nil, agencyStatus: "ACT")
            let placed = try w.latestPlacements(customerIDs: [cid, 999], partnerID: "k")
            #expect(placed.count == 1 && placed[cid]?.id == pid && placed[cid]?.agencyStatus == "ACT")
            #expect(
                placed[cid]?.state == .accepted(agencyReference: "KREF")
                    && placed[cid]?.oldestDueDate == Self.day.adding(days: -70))
            try w.updatePlacement(id: pid, state: .closed(.paidInFull), agencyReference: nil, agencyStatus: nil)
            let closed = try w.latestPlacements(customerIDs: [cid], partnerID: "k")[cid]
            #expect(closed?.state == .closed(.paidInFull) && closed?.agencyStatus == "ACT")

            let items = try w.placedInvoices(placementIDs: [pid])[pid] ?? []
            #expect(items.map(\.invoiceNumber) == ["I1", "I2"] && items.map(\.balance) == [10_000, 5_000])
            #expect(items.first?.dueDate == Self.day.adding(days: -70) && items.first?.disputed == false)

            try w.queueRequest(
                partnerID: "k", customerID: cid, placementID: pid, kind: "recall", requestID: "R-1", amount: nil,
                date: Self.day, reason: nil, note: nil)
            let requests = try w.requestSnapshots(partnerID: "k", requestIDs: [], placementIDs: [pid])
            #expect(
                requests.map(\.requestID) == ["R-1"] && requests.first?.placementID == pid
                    && requests.first?.kind == "recall")
            #expect(try w.requestSnapshots(partnerID: "k", requestIDs: ["R-1"], placementIDs: []).count == 1)
        }
    }

    @Test("A placement's changes in a chunk collapse to the row writing them one by one leaves")
    func placementChangesCollapse() {
        let changes = [
            PlacementChange(placementID: 1, state: .rejected(reason: "DUP"), agencyReference: nil, agencyStatus: nil),
            PlacementChange(placementID: 2, state: .accepted(agencyReference: "R2"), agencyReference: nil,
                            agencyStatus: "NEW"),
            PlacementChange(placementID: 1, state: .accepted(agencyReference: "R1"), agencyReference: nil,
                            agencyStatus: "ACT"),
            PlacementChange(placementID: 1, state: .active, agencyReference: nil, agencyStatus: nil),
            PlacementChange(placementID: 2, state: .closed(.paidInFull), agencyReference: "R2b", agencyStatus: nil),
        ]
        #expect(
            PlacementChange.stored(changes) == [
                PlacementChange.Stored(
                    placementID: 1, state: "active", reason: "DUP", agencyReference: "R1", agencyStatus: "ACT"),
                PlacementChange.Stored(
                    placementID: 2, state: "closed", reason: ClosureReason.paidInFull.rawValue,
                    agencyReference: "R2b", agencyStatus: "NEW"),
            ])
        #expect(PlacementChange.stored([]).isEmpty)
    }
}
