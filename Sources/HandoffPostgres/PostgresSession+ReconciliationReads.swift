import Foundation
import HandoffDomain
import HandoffStore

// MARK: - What a chunk of one agency's events touches, one statement each

extension PostgresSession {
    /// A list bound as one argument, read in SQL as `= ANY(?::text[])`. A text holding a NUL
    /// is left out: PostgreSQL's text cannot hold one, so it matches nothing, and sent it would
    /// end the argument (a C string) in the middle of the literal.
    func list(_ values: [String]) throws -> String { pgArray(values.filter { !$0.holdsNUL }) }

    /// A list of ids bound as one argument, read in SQL as `= ANY(?::bigint[])`.
    private func list(_ values: [Int64]) throws -> String { pgArray(values) }

    func customers(accountNumbers: [String]) throws -> [CustomerRecord] {
        guard !accountNumbers.isEmpty else { return [] }
        return try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT \(Self.customerColumns) FROM customers WHERE account_number = ANY(?::text[])
            """), arguments: [try list(accountNumbers)]).map { try decodeCustomer($0) }
    }

    func latestPlacements(customerIDs: [Int64], partnerID: String) throws -> [Int64: PlacementSnapshot] {
        guard !customerIDs.isEmpty else { return [:] }
        var out: [Int64: PlacementSnapshot] = [:]
        for r in try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT p.id, p.customer_id, p.state, p.batch_id, p.agency_reference, p.state_reason, \
            p.placed_on, p.oldest_due_date, p.agency_status
            FROM placements p WHERE p.id IN (
                SELECT MAX(id) FROM placements WHERE partner_id = ? AND customer_id = ANY(?::bigint[]) \
            GROUP BY customer_id)
            """), arguments: [partnerID, try list(customerIDs)]) {
            let name: String = r[2]
            guard
                let state = PlacementLifecycle.State(
                    restoring: name, batchID: r[3], agencyReference: r[4], reason: r[5])
            else {
                throw PostgresError.unexpected("placement \(r[0] as Int64) has state \(name)")
            }
            out[r[1]] = PlacementSnapshot(
                id: r[0], state: state, placedOn: try date(r[6]), oldestDueDate: try date(r[7]), agencyStatus: r[8])
        }
        return out
    }

    func placedInvoices(placementIDs: [Int64]) throws -> [Int64: [OpenItem]] {
        guard !placementIDs.isEmpty else { return [:] }
        var out: [Int64: [OpenItem]] = [:]
        for r in try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT pi.placement_id, i.id, i.invoice_number, i.invoice_date, i.due_date, i.balance, i.disputed
            FROM placement_invoices pi JOIN invoices i ON i.id = pi.invoice_id
            WHERE pi.placement_id = ANY(?::bigint[])
            ORDER BY pi.placement_id, i.due_date, i.invoice_date, i.invoice_number
            """), arguments: [try list(placementIDs)]) {
            out[r[0], default: []].append(
                OpenItem(
                    invoiceID: r[1], invoiceNumber: r[2], invoiceDate: try date(r[3]), dueDate: try date(r[4]),
                    balance: r[5], disputed: r[6]))
        }
        return out
    }

    func agencyEvents(partnerID: String, keys: [String]) throws -> [EventRecord] {
        guard !keys.isEmpty else { return [] }
        return try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT \(Self.eventColumns) FROM agency_events \
            WHERE partner_id = ? AND event_key = ANY(?::text[]) ORDER BY id
            """), arguments: [partnerID, try list(keys)]).map(decodeEvent)
    }

    func appliedStatusEvents(partnerID: String, accountNumbers: [String]) throws -> [EventRecord] {
        guard !accountNumbers.isEmpty else { return [] }
        return try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT \(Self.eventColumns) FROM agency_events
            WHERE account_number = ANY(?::text[]) AND partner_id = ? AND state = 'applied' \
            AND kind = 'status_changed' ORDER BY id
            """), arguments: [try list(accountNumbers), partnerID]).map(decodeEvent)
    }

    func transactionIDs(references: [String]) throws -> [String: (id: Int64, customerID: Int64)] {
        guard !references.isEmpty else { return [:] }
        var out: [String: (id: Int64, customerID: Int64)] = [:]
        for r in try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT reference, id, customer_id FROM transactions WHERE reference = ANY(?::text[])
            """), arguments: [try list(references)]) {
            out[r[0]] = (r[1], r[2])
        }
        return out
    }

    func shares(ofTransactions ids: [Int64]) throws -> [Int64: [Allocation.Share]] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: [Allocation.Share]] = [:]
        for r in try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT transaction_id, invoice_id, amount FROM ledger_entries \
            WHERE transaction_id = ANY(?::bigint[]) ORDER BY id
            """), arguments: [try list(ids)]) {
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
            WHERE t.reverses_id = ANY(?::bigint[]) GROUP BY t.reverses_id, l.invoice_id
            """), arguments: [try list(ids)]) {
            out[r[0], default: [:]][r[1]] = r[2]
        }
        return out
    }

    func commissionRates(partnerID: String, eventKeys: [String]) throws -> [String: Int64] {
        guard !eventKeys.isEmpty else { return [:] }
        var out: [String: Int64] = [:]
        for r in try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT event_key, rate_ppm FROM commissions WHERE partner_id = ? AND event_key = ANY(?::text[])
            """), arguments: [partnerID, try list(eventKeys)]) {
            out[r[0]] = r[1]
        }
        return out
    }

    func requestSnapshots(partnerID: String, requestIDs: [String], placementIDs: [Int64]) throws -> [RequestSnapshot] {
        guard !requestIDs.isEmpty || !placementIDs.isEmpty else { return [] }
        return try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT id, request_id, placement_id, kind, state FROM agency_requests
            WHERE partner_id = ? AND (request_id = ANY(?::text[]) OR placement_id = ANY(?::bigint[]))
            ORDER BY id
            """), arguments: [partnerID, try list(requestIDs), try list(placementIDs)]).map { r in
            let name: String = r[4]
            guard let state = AgencyRequestState(rawValue: name) else {
                throw PostgresError.unexpected("request \(r[1] as String) has state \(name)")
            }
            return RequestSnapshot(requestID: r[1], placementID: r[2], kind: r[3], state: state, order: r[0])
        }
    }
}
