import Foundation
import HandoffDomain
import HandoffStore

extension PostgresSession {
    static let eventColumns =
        "id, partner_id, event_key, inbox_id, account_number, kind, payload, state, reason"

    func decodeEvent(_ r: Row) throws -> EventRecord {
        EventRecord(id: r[0], partnerID: r[1], key: r[2], inboxID: r[3], accountNumber: r[4], kind: r[5], payload: r[6],
                    state: try eventState(r[7], id: r[0]), reason: r[8])
    }

    /// A stored event state as its enum (the schema allows no other value).
    func eventState(_ name: String, id: Int64) throws -> AgencyEventState {
        guard let state = AgencyEventState(rawValue: name) else {
            throw PostgresError.unexpected("agency event #\(id) has state \(name)")
        }
        return state
    }

    /// A stored request state as its enum (the schema allows no other value).
    func requestState(_ name: String, id: Int64) throws -> AgencyRequestState {
        guard let state = AgencyRequestState(rawValue: name) else {
            throw PostgresError.unexpected("request #\(id) has state \(name)")
        }
        return state
    }

    func agencyEvent(id: Int64) throws -> EventRecord? {
        try Row.fetchOne(
            try db.cachedStatement(sql: "SELECT \(Self.eventColumns) FROM agency_events WHERE id = ?"), arguments: [id]
        ).map(decodeEvent)
    }

    func setEventState(id: Int64, _ state: AgencyEventState, reason: String?) throws {
        try db.cachedStatement(sql: "UPDATE agency_events SET state = ?, reason = ?, updated_at = ? WHERE id = ?")
            .execute(arguments: [state.rawValue, reason, now, id])
        guard db.changesCount == 1 else { throw PostgresError.unexpected("no agency event #\(id)") }
    }

    func agencyEvent(partnerID: String, key: String) throws -> EventRecord? {
        try Row.fetchOne(
            try db.cachedStatement(
                sql: "SELECT \(Self.eventColumns) FROM agency_events WHERE partner_id = ? AND event_key = ?"),
                         arguments: [partnerID, key]).map(decodeEvent)
    }

    func recordAgencyEvent(
        partnerID: String, key: String, inboxID: Int64?, accountNumber: String?, kind: String, payload: String,
        state: AgencyEventState, reason: String?) throws {
        try db.cachedStatement(sql: """
            INSERT INTO agency_events (partner_id, event_key, inbox_id, account_number, kind, payload, \
            state, reason, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (partner_id, event_key) DO UPDATE SET state = excluded.state, reason = excluded.reason, \
            updated_at = excluded.updated_at
            WHERE agency_events.state = 'waiting'
            """).execute(arguments: [partnerID, key, inboxID, accountNumber, kind, payload,
                state.rawValue, reason, now, now])
    }

    func waitingEvents() throws -> [EventRecord] {
        try Row.fetchAll(
            try db.cachedStatement(
                sql: "SELECT \(Self.eventColumns) FROM agency_events WHERE state = 'waiting' ORDER BY id")
        ).map(decodeEvent)
    }

    func claimReceivedFile(id: Int64) throws -> Bool {
        try Int64.fetchOne(
            try db.cachedStatement(
                sql: "SELECT id FROM inbox WHERE id = ? AND state = 'received' FOR UPDATE SKIP LOCKED"),
                           arguments: [id]) != nil
    }

    func claimWaitingEvent(id: Int64) throws -> Bool {
        try Int64.fetchOne(
            try db.cachedStatement(
                sql: "SELECT id FROM agency_events WHERE id = ? AND state = 'waiting' FOR UPDATE SKIP LOCKED"),
                           arguments: [id]) != nil
    }

    func agencyEvents() throws -> [EventRecord] {
        try Row.fetchAll(try db.cachedStatement(sql: "SELECT \(Self.eventColumns) FROM agency_events ORDER BY id")).map(
            decodeEvent)
    }

    func agencyEvents(notIn states: Set<String>, limit: Int) throws -> [EventRecord] {
        let marks = Array(repeating: "?", count: states.count).joined(separator: ", ")
        let filter = states.isEmpty ? "" : "WHERE state NOT IN (\(marks))"
        return try Row.fetchAll(
            try db.cachedStatement(
                sql: "SELECT \(Self.eventColumns) FROM agency_events \(filter) ORDER BY id DESC LIMIT ?"),
            arguments: StatementArguments(states.sorted().map { $0 as any PGBindable } + [limit])
        ).map(decodeEvent)
    }

    func batchTotals() throws -> [Int64: [String: Int64]] {
        var totals: [Int64: [String: Int64]] = [:]
        for row in try Row.fetchAll(
            try db.cachedStatement(
                sql:
                    "SELECT batch_id, currency, SUM(balance) FROM placements "
                        + "WHERE batch_id IS NOT NULL GROUP BY batch_id, currency"
            ))
        {
            totals[row[0] as Int64, default: [:]][row[1] as String] = row[2] as Int64
        }
        return totals
    }

    func agencyEventCounts() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try Row.fetchAll(
            try db.cachedStatement(sql: "SELECT state, COUNT(*) FROM agency_events GROUP BY state"))
        { counts[row[0] as String] = row[1] as Int }
        return counts
    }

    func agencyEvents(accountNumber: String) throws -> [EventRecord] {
        try Row.fetchAll(
            try db.cachedStatement(
                sql: "SELECT \(Self.eventColumns) FROM agency_events WHERE account_number = ? ORDER BY id"),
                         arguments: [accountNumber]).map(decodeEvent)
    }

    func placement(customerID: Int64, partnerID: String) throws -> PlacementRecord? {
        try placements(customerID: customerID).filter { $0.partnerID == partnerID }.last
    }

    func updatePlacement(id: Int64, state: PlacementLifecycle.State, agencyReference: String?, agencyStatus: String?)
        throws
    {
        let fields = state.storedFields
        try db.cachedStatement(sql: """
            UPDATE placements SET state = ?, state_reason = COALESCE(?, state_reason), \
            agency_reference = COALESCE(?, agency_reference),
                agency_status = COALESCE(?, agency_status), updated_at = ?
            WHERE id = ?
            """).execute(arguments: [fields.name, fields.reason, agencyReference ?? fields.agencyReference,
                agencyStatus, now, id])
    }

    func agencyStatus(placementID: Int64) throws -> String? {
        try String.fetchOne(
            try db.cachedStatement(sql: "SELECT agency_status FROM placements WHERE id = ?"), arguments: [placementID])
    }

    func recordCommission(_ c: CommissionRecord) throws {
        try db.cachedStatement(sql: """
            INSERT INTO commissions (partner_id, customer_id, transaction_id, event_key, kind, base, \
            rate_ppm, expected, reported, currency, date, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [c.partnerID, c.customerID, c.transactionID, c.eventKey, c.kind, c.base, c.ratePPM,
                             c.expected, c.reported, c.currency,
                             c.date?.iso, now])
    }

    static let commissionColumns =
        "partner_id, customer_id, transaction_id, event_key, kind, base, rate_ppm, expected, reported, currency, date"

    func decodeCommission(_ r: Row) -> CommissionRecord {
        let d: String? = r[10]
        return CommissionRecord(
            partnerID: r[0], customerID: r[1], transactionID: r[2], eventKey: r[3], kind: r[4], base: r[5],
            ratePPM: r[6],
            expected: r[7], reported: r[8], currency: r[9], date: d.flatMap { CalendarDate(iso: $0) })
    }

    func commissions() throws -> [CommissionRecord] {
        try Row.fetchAll(try db.cachedStatement(sql: "SELECT \(Self.commissionColumns) FROM commissions ORDER BY id"))
            .map(decodeCommission)
    }

    func commission(partnerID: String, eventKey: String) throws -> CommissionRecord? {
        try Row.fetchOne(
            db.cachedStatement(
                sql: "SELECT \(Self.commissionColumns) FROM commissions WHERE partner_id = ? AND event_key = ?"),
                         arguments: [partnerID, eventKey]).map(decodeCommission)
    }

    func commissions(partnerID: String) throws -> [CommissionRecord] {
        try Row.fetchAll(
            try db.cachedStatement(
                sql: "SELECT \(Self.commissionColumns) FROM commissions WHERE partner_id = ? ORDER BY id"),
            arguments: [partnerID]
        ).map(decodeCommission)
    }

    func recordRemittance(_ r: RemittanceRecord) throws {
        let differences = String(decoding: try JSONEncoder().encode(r.differences), as: UTF8.self)
        try db.cachedStatement(sql: """
            INSERT INTO remittances (partner_id, statement_key, model, amount, commission, net, reference, date, \
            state, differences, note, period,
                currency, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (partner_id, statement_key) DO NOTHING
            """).execute(arguments: [r.partnerID, r.key, r.model, r.amount, r.commission,
                             r.net, r.reference, r.date, r.state,
                             differences, r.note, r.period,
                             r.currency, now])
        guard db.changesCount == 1 else { return }
        for item in r.items {
            try db.cachedStatement(sql: """
                INSERT INTO remittance_items (partner_id, statement_key, transaction_id, amount, commission, currency) \
                VALUES (?, ?, ?, ?, ?, ?)
                """).execute(arguments: [r.partnerID, r.key, item.transactionID, item.amount,
                    item.commission, r.currency])
        }
    }

    func remittances() throws -> [RemittanceRecord] {
        try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT partner_id, statement_key, model, amount, commission, net, reference, date, state, \
            differences, note, period, currency
            FROM remittances ORDER BY id
            """)).map { r in
            let text: String = r[9]
            let differences = (try? JSONDecoder().decode([RemittanceRecord.Difference].self, from: Data(text.utf8)))
                ?? ((try? JSONDecoder().decode([StoredDifference].self, from: Data(text.utf8))) ?? []).map(\.difference)
            return RemittanceRecord(
                partnerID: r[0], key: r[1], model: r[2], amount: r[3], commission: r[4], net: r[5], reference: r[6],
                date: r[7],
                state: r[8], differences: differences, note: r[10], period: r[11], currency: r[12])
        }
    }

    /// A difference as stored before its keys were snake_case.
    private struct StoredDifference: Decodable {
        var transactionID: String, field: String, statement: Int64?, recorded: Int64?
        var difference: RemittanceRecord.Difference {
            .init(transactionID: transactionID, field: field, statement: statement, recorded: recorded)
        }
    }

    func remittedItems(partnerID: String, transactionIDs: [String]) throws -> [String: RemittanceRecord.Item] {
        var out: [String: RemittanceRecord.Item] = [:]
        let statement = try db.cachedStatement(sql: """
            SELECT SUM(i.amount), SUM(i.commission) FROM remittance_items i
            JOIN remittances r ON r.partner_id = i.partner_id AND r.statement_key = i.statement_key \
            AND r.state != 'refused'
            WHERE i.partner_id = ? AND i.transaction_id = ? HAVING COUNT(*) > 0
            """)
        for id in Set(transactionIDs) {
            if let row = try Row.fetchOne(statement, arguments: [partnerID, id]) {
                out[id] = RemittanceRecord.Item(transactionID: id, amount: row[0], commission: row[1])
            }
        }
        return out
    }

    func queueRequest(
        partnerID: String, customerID: Int64, placementID: Int64?, kind: String, requestID: String, amount: Money?,
        date: CalendarDate, reason: String?, note: String?) throws {
        try db.cachedStatement(sql: """
            INSERT INTO agency_requests (partner_id, customer_id, placement_id, kind, request_id, amount, \
            currency, date, reason, note, state,
                created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?) ON CONFLICT (partner_id, request_id) DO NOTHING
            """).execute(arguments: [partnerID, customerID, placementID, kind, requestID,
                amount?.minorUnits, amount?.currency.code, date.iso, reason, note, now, now])
    }

    func requests(state: AgencyRequestState?) throws -> [AgencyRequestRecord] {
        try requestRows(where: "?::text IS NULL OR r.state = ?", [state?.rawValue, state?.rawValue])
    }

    private func requestRows(where filter: String, _ arguments: StatementArguments) throws -> [AgencyRequestRecord] {
        try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT r.id, r.partner_id, r.customer_id, c.account_number, p.agency_reference, \
            r.kind, r.request_id, r.amount, r.currency, r.date,
                   r.reason, r.note, r.state, r.last_error
            FROM agency_requests r JOIN customers c ON c.id = r.customer_id \
            LEFT JOIN placements p ON p.id = r.placement_id
            WHERE \(filter) ORDER BY r.id
            """), arguments: arguments).map { r in
            let amount: Int64? = r[7]
            let code: String? = r[8]
            return AgencyRequestRecord(
                id: r[0], partnerID: r[1], customerID: r[2], accountNumber: r[3], agencyReference: r[4], kind: r[5],
                requestID: r[6],
                amount: amount.flatMap { a in
                    code.flatMap { Currency(code: $0) }.map { Money(minorUnits: a, currency: $0) }
                },
                date: try date(r[9]), reason: r[10], note: r[11], state: try requestState(r[12], id: r[0]),
                lastError: r[13])
        }
    }

    func setRequestState(id: Int64, _ state: AgencyRequestState, error: String?, batchID: Int64?) throws {
        try db.cachedStatement(
            sql:
                "UPDATE agency_requests SET state = ?, last_error = ?, batch_id = COALESCE(?, batch_id), "
                    + "updated_at = ? WHERE id = ?"
        )
            .execute(arguments: [state.rawValue, error, batchID, now, id])
        if state == .failed || state == .rejected { try resumeAfterFailedRecall(requestRowID: id) }
    }

    func unreportedDirectPayments() throws -> [(placement: PlacementRecord, transaction: TransactionRecord)] {
        let rows = try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT p.customer_id, p.partner_id, t.reference FROM transactions t
            JOIN placements p ON p.customer_id = t.customer_id \
            AND p.state IN ('sent', 'accepted', 'active', 'recall_pending')
            WHERE t.kind = 'payment' AND t.source_kind != 'agency' AND t.date >= p.placed_on
              AND NOT EXISTS (SELECT 1 FROM agency_requests r WHERE r.partner_id = p.partner_id \
            AND r.request_id = t.reference)
            ORDER BY t.id
            """))
        var out: [(PlacementRecord, TransactionRecord)] = []
        for r in rows {
            let reference: String = r[2]
            guard let placement = try placement(customerID: r[0], partnerID: r[1]),
                let txn = try transaction(reference: reference)
            else { continue }
            out.append((placement, txn))
        }
        return out
    }

    func requests(customerID: Int64) throws -> [AgencyRequestRecord] {
        try requestRows(where: "r.customer_id = ?", [customerID])
    }

    func requests(partnerID: String, requestID: String) throws -> AgencyRequestRecord? {
        try requestRows(where: "r.partner_id = ? AND r.request_id = ?", [partnerID, requestID]).first
    }

    func setRequestState(partnerID: String, requestID: String, to state: AgencyRequestState, error: String?) throws
        -> AgencyRequestRecord?
    {
        guard let before = try requests(partnerID: partnerID, requestID: requestID) else { return nil }
        try db.cachedStatement(
            sql:
                "UPDATE agency_requests SET state = ?, last_error = COALESCE(?, last_error), updated_at = ? "
                    + "WHERE id = ?"
        )
            .execute(arguments: [state.rawValue, error, now, before.id])
        if state == .failed || state == .rejected { try resumeAfterFailedRecall(requestRowID: before.id) }
        return before
    }

    func undoable<T>(_ body: () throws -> T) throws -> T {
        // The ledger entries held back are written on the side of the savepoint they were
        // appended on: those from before it are kept, those from inside it are undone with it.
        try flushLedger()
        try db.connection.execute("SAVEPOINT handoff_undoable")
        do {
            let result = try body()
            try flushLedger()
            try db.connection.execute("RELEASE SAVEPOINT handoff_undoable")
            return result
        } catch {
            try db.connection.execute("ROLLBACK TO SAVEPOINT handoff_undoable; RELEASE SAVEPOINT handoff_undoable")
            forgetHeldBackLedger()
            throw error
        }
    }

    func isRefusal(_ error: any Error) -> Bool {
        (error as? PostgresError)?.isRefusal ?? false
    }

    func unreportedAdjustments() throws -> [(placement: PlacementRecord, transaction: TransactionRecord)] {
        let rows = try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT p.customer_id, p.partner_id, t.reference FROM transactions t
            JOIN placements p ON p.customer_id = t.customer_id \
            AND p.state IN ('sent', 'accepted', 'active', 'recall_pending')
            WHERE t.kind IN ('credit', 'writeoff') AND t.source_kind != 'agency' AND t.date >= p.placed_on
              AND NOT EXISTS (SELECT 1 FROM agency_requests r WHERE r.partner_id = p.partner_id \
            AND r.request_id = t.reference)
            ORDER BY t.id
            """))
        var out: [(PlacementRecord, TransactionRecord)] = []
        for r in rows {
            let reference: String = r[2]
            guard let placement = try placement(customerID: r[0], partnerID: r[1]),
                let txn = try transaction(reference: reference)
            else { continue }
            out.append((placement, txn))
        }
        return out
    }

    func clearRejection(customerID: Int64, partnerID: String) throws -> Bool {
        try db.cachedStatement(sql: """
            UPDATE placements SET cleared_at = ?, updated_at = ? WHERE customer_id = ? AND partner_id = ? \
            AND state = 'rejected' AND cleared_at IS NULL
            """).execute(arguments: [now, now, customerID, partnerID])
        return db.changesCount > 0
    }

    func placedInvoiceIDs(placementID: Int64) throws -> Set<Int64> {
        Set(
            try Int64.fetchAll(
                try db.cachedStatement(sql: "SELECT invoice_id FROM placement_invoices WHERE placement_id = ?"),
                arguments: [placementID]))
    }

    func setBatchKind(id: Int64, _ kind: String) throws {
        try db.cachedStatement(sql: "UPDATE placement_batches SET kind = ? WHERE id = ?").execute(arguments: [kind, id])
    }

    func batchKind(id: Int64) throws -> String {
        try String.fetchOne(
            try db.cachedStatement(sql: "SELECT kind FROM placement_batches WHERE id = ?"), arguments: [id])
            ?? "placement"
    }
}
