import Foundation
import GRDB
import HandoffDomain
import HandoffStore

// MARK: - What a chunk of one agency's events touches, one statement each

extension SQLiteSession {
    /// Runs a query read directly (``DirectStatement``, prepared once per access): `bind`
    /// binds its parameters, `row` reads each row.
    private func query(_ sql: String, bind: (DirectStatement) -> Void, row: (DirectStatement) throws -> Void) throws {
        let statement = try direct(sql)
        bind(statement)
        defer { statement.reset() }
        while try statement.step() { try row(statement) }
    }

    private func text(_ statement: DirectStatement, _ column: Int32) throws -> String {
        guard let text = statement.text(column) else {
            throw StoreError.corrupt("an empty value where text is required")
        }
        return text
    }

    func customers(accountNumbers: [String]) throws -> [CustomerRecord] {
        guard !accountNumbers.isEmpty else { return [] }
        var out: [CustomerRecord] = []
        out.reserveCapacity(accountNumbers.count)
        try query(
            "SELECT \(Self.customerColumns) FROM customers WHERE account_number IN (SELECT value FROM json_each(?1))",
            bind: { $0.bind(1, JSONList.strings(accountNumbers)) }, row: { out.append(try decodeCustomer($0)) })
        return out
    }

    func latestPlacements(customerIDs: [Int64], partnerID: String) throws -> [Int64: PlacementSnapshot] {
        guard !customerIDs.isEmpty else { return [:] }
        var out: [Int64: PlacementSnapshot] = [:]
        out.reserveCapacity(customerIDs.count)
        try query("""
            SELECT p.id, p.customer_id, p.state, p.batch_id, p.agency_reference, p.state_reason, \
            p.placed_on, p.oldest_due_date, p.agency_status
            FROM placements p WHERE p.id IN (
                SELECT MAX(id) FROM placements WHERE partner_id = ?1 \
            AND customer_id IN (SELECT value FROM json_each(?2)) GROUP BY customer_id)
            """, bind: { $0.bind(1, partnerID); $0.bind(2, JSONList.integers(customerIDs)) }) { r in
            let name = try text(r, 2)
            let batchID: Int64? = r.isNull(3) ? nil : r.int64(3)
            guard
                let state = PlacementLifecycle.State(
                    restoring: name, batchID: batchID, agencyReference: r.text(4), reason: r.text(5))
            else {
                throw StoreError.corrupt("placement \(r.int64(0)) has state \(name)")
            }
            out[r.int64(1)] = PlacementSnapshot(id: r.int64(0), state: state, placedOn: try date(try text(r, 6)),
                                                oldestDueDate: try date(try text(r, 7)), agencyStatus: r.text(8))
        }
        return out
    }

    func placedInvoices(placementIDs: [Int64]) throws -> [Int64: [OpenItem]] {
        guard !placementIDs.isEmpty else { return [:] }
        var out: [Int64: [OpenItem]] = [:]
        out.reserveCapacity(placementIDs.count)
        try query("""
            SELECT pi.placement_id, i.id, i.invoice_number, i.invoice_date, i.due_date, i.balance, i.disputed
            FROM placement_invoices pi JOIN invoices i ON i.id = pi.invoice_id
            WHERE pi.placement_id IN (SELECT value FROM json_each(?1))
            ORDER BY pi.placement_id, i.due_date, i.invoice_date, i.invoice_number
            """, bind: { $0.bind(1, JSONList.integers(placementIDs)) }) { r in
            let item = OpenItem(
                invoiceID: r.int64(1), invoiceNumber: try text(r, 2), invoiceDate: try date(try text(r, 3)),
                dueDate: try date(try text(r, 4)), balance: r.int64(5), disputed: r.int64(6) != 0)
            out[r.int64(0), default: []].append(item)
        }
        return out
    }

    private func decodeEvent(_ r: DirectStatement) throws -> EventRecord {
        EventRecord(
            id: r.int64(0), partnerID: try text(r, 1), key: try text(r, 2), inboxID: r.isNull(3) ? nil : r.int64(3),
            accountNumber: r.text(4), kind: try text(r, 5), payload: try text(r, 6),
            state: try eventState(try text(r, 7), id: r.int64(0)), reason: r.text(8))
    }

    func agencyEvents(partnerID: String, keys: [String]) throws -> [EventRecord] {
        guard !keys.isEmpty else { return [] }
        var out: [EventRecord] = []
        try query("""
            SELECT \(Self.eventColumns) FROM agency_events \
            WHERE partner_id = ?1 AND event_key IN (SELECT value FROM json_each(?2)) ORDER BY id
            """, bind: { $0.bind(1, partnerID); $0.bind(2, JSONList.strings(keys)) },
            row: { out.append(try decodeEvent($0)) })
        return out
    }

    func appliedStatusEvents(partnerID: String, accountNumbers: [String]) throws -> [EventRecord] {
        guard !accountNumbers.isEmpty else { return [] }
        return try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT \(Self.eventColumns) FROM agency_events
            WHERE account_number IN (SELECT value FROM json_each(?)) AND partner_id = ? \
            AND state = 'applied' AND kind = 'status_changed' ORDER BY id
            """), arguments: [JSONList.strings(accountNumbers), partnerID]).map(decodeEvent)
    }

    func transactionIDs(references: [String]) throws -> [String: (id: Int64, customerID: Int64)] {
        guard !references.isEmpty else { return [:] }
        var out: [String: (id: Int64, customerID: Int64)] = [:]
        try query(
            "SELECT reference, id, customer_id FROM transactions WHERE reference IN (SELECT value FROM json_each(?1))",
            bind: { $0.bind(1, JSONList.strings(references)) }) { r in
            let reference = try text(r, 0)
            out[reference] = (r.int64(1), r.int64(2))
        }
        return out
    }

    func shares(ofTransactions ids: [Int64]) throws -> [Int64: [Allocation.Share]] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: [Allocation.Share]] = [:]
        for r in try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT transaction_id, invoice_id, amount FROM ledger_entries \
            WHERE transaction_id IN (SELECT value FROM json_each(?)) ORDER BY id
            """), arguments: [JSONList.integers(ids)]) {
            let amount: Int64 = r[2]
            out[r[0], default: []].append(Allocation.Share(invoiceID: r[1], amount: abs(amount)))
        }
        return out
    }

    func reversedShares(ofPayments ids: [Int64]) throws -> [Int64: [Int64: Int64]] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: [Int64: Int64]] = [:]
        for r in try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT t.reverses_id, l.invoice_id, SUM(l.amount) FROM ledger_entries l \
            JOIN transactions t ON t.id = l.transaction_id
            WHERE t.reverses_id IN (SELECT value FROM json_each(?)) GROUP BY t.reverses_id, l.invoice_id
            """), arguments: [JSONList.integers(ids)]) {
            out[r[0], default: [:]][r[1]] = r[2]
        }
        return out
    }

    func commissionRates(partnerID: String, eventKeys: [String]) throws -> [String: Int64] {
        guard !eventKeys.isEmpty else { return [:] }
        var out: [String: Int64] = [:]
        for r in try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT event_key, rate_ppm FROM commissions \
            WHERE partner_id = ? AND event_key IN (SELECT value FROM json_each(?))
            """), arguments: [partnerID, JSONList.strings(eventKeys)]) {
            out[r[0]] = r[1]
        }
        return out
    }

    func requestSnapshots(partnerID: String, requestIDs: [String], placementIDs: [Int64]) throws -> [RequestSnapshot] {
        guard !requestIDs.isEmpty || !placementIDs.isEmpty else { return [] }
        var out: [RequestSnapshot] = []
        try query("""
            SELECT id, request_id, placement_id, kind, state FROM agency_requests
            WHERE partner_id = ?1 AND (request_id IN (SELECT value FROM json_each(?2)) \
            OR placement_id IN (SELECT value FROM json_each(?3)))
            ORDER BY id
            """, bind: {
                $0.bind(1, partnerID); $0.bind(2, JSONList.strings(requestIDs));
                $0.bind(3, JSONList.integers(placementIDs))
            }) { r in
            let name = try text(r, 4)
            let requestID = try text(r, 1)
            guard let state = AgencyRequestState(rawValue: name) else {
                throw StoreError.corrupt("request \(requestID) has state \(name)")
            }
            out.append(
                RequestSnapshot(
                    requestID: requestID, placementID: r.isNull(2) ? nil : r.int64(2), kind: try text(r, 3),
                    state: state,
                    order: r.int64(0)))
        }
        return out
    }
}
