import GRDB
import HandoffDomain
import HandoffStore
import Foundation

/// What the compliance gate and the placement terms read and write (issue 16):
/// `account_compliance` (v17-compliance) and `placement_statuses` (v18-terms).
extension SQLiteSession: ComplianceWriting {
    func accountCompliance(customerID: Int64) throws -> AccountCompliance {
        guard let r = try Row.fetchOne(try db.cachedStatement(sql: """
            SELECT debt_kind, validation_notice_date, validation_notice_source, attorney_name, attorney_phone, \
            attorney_email,
                attorney_address
            FROM account_compliance WHERE customer_id = ?
            """), arguments: [customerID]) else { return AccountCompliance() }
        let notice: String? = r[1]
        let attorneyName: String? = r[3]
        return AccountCompliance(
            debtKind: r[0], validationNoticeDate: try notice.map(date), validationNoticeSource: r[2],
            attorney: attorneyName.map { AttorneyContact(name: $0, phone: r[4], email: r[5], address: r[6]) })
    }

    func setAccountCompliance(customerID: Int64, _ c: AccountCompliance) throws {
        try db.cachedStatement(sql: """
            INSERT INTO account_compliance (customer_id, debt_kind, validation_notice_date, validation_notice_source, \
            attorney_name,
                attorney_phone, attorney_email, attorney_address, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (customer_id) DO UPDATE SET debt_kind = excluded.debt_kind,
                validation_notice_date = excluded.validation_notice_date, \
            validation_notice_source = excluded.validation_notice_source,
                attorney_name = excluded.attorney_name, attorney_phone = excluded.attorney_phone, \
            attorney_email = excluded.attorney_email,
                attorney_address = excluded.attorney_address, updated_at = excluded.updated_at
            """).execute(arguments: [customerID, c.debtKind, c.validationNoticeDate?.iso, c.validationNoticeSource,
                                     c.attorney?.name, c.attorney?.phone, c.attorney?.email, c.attorney?.address, now])
    }

    func openPlacementTerms() throws -> [PlacementTermRecord] {
        let placements = try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT \(Self.placementColumns) FROM placements p JOIN customers c ON c.id = p.customer_id
            WHERE p.state IN ('accepted', 'active', 'recall_pending') ORDER BY p.id
            """)).map(decodePlacement)
        let payments = try db.cachedStatement(sql: """
            SELECT t.date FROM transactions t
            WHERE t.customer_id = ? AND t.kind = 'payment' AND t.source_kind = 'agency' \
            AND t.reference LIKE ? ESCAPE '\\' AND t.date >= ?
              AND t.amount > COALESCE((SELECT SUM(r.amount) FROM transactions r WHERE r.reverses_id = t.id), 0)
            ORDER BY t.date
            """)
        let statuses = try db.cachedStatement(
            sql: "SELECT date, code, meaning FROM placement_statuses WHERE placement_id = ? ORDER BY id")
        return try placements.map { p in
            let escaped = p.partnerID.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
                of: "%", with: "\\%"
            )
                .replacingOccurrences(of: "_", with: "\\_")
            let paid = try String.fetchAll(payments, arguments: [p.customerID, escaped + ":%", p.placedOn.iso]).map(
                date)
            let reported = try Row.fetchAll(statuses, arguments: [p.id]).map { r -> DatedStatus in
                let meaningText: String = r[2]
                guard let meaning = StatusMeaning(rawValue: meaningText) else {
                    throw StoreError.corrupt("placement status meaning \(meaningText)")
                }
                return DatedStatus(date: try date(r[0]), code: r[1], meaning: meaning)
            }
            return PlacementTermRecord(
                placement: p, facts: TermFacts(state: p.state, placedOn: p.placedOn, payments: paid, statuses: reported)
            )
        }
    }

    func recordPlacementStatus(
        placementID: Int64, date: CalendarDate, code: String, meaning: StatusMeaning, eventKey: String
    ) throws {
        try db.cachedStatement(sql: """
            INSERT INTO placement_statuses (placement_id, date, code, meaning, event_key, created_at) \
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (placement_id, event_key) DO NOTHING
            """).execute(arguments: [placementID, date.iso, code, meaning.rawValue, eventKey, now])
    }

    /// A recall that failed to send or that the agency refused leaves its placement
    /// `recall_pending` no longer: it goes back to the agency's work, where the next recall
    /// (a person's, or the terms job's) may be requested.
    func resumeAfterFailedRecall(requestRowID: Int64) throws {
        guard let row = try Row.fetchOne(try db.cachedStatement(sql: """
            SELECT r.kind, r.placement_id FROM agency_requests r WHERE r.id = ?
            """), arguments: [requestRowID]) else { return }
        let kind: String = row[0]
        guard kind == "recall", let placementID: Int64 = row[1] else { return }
        guard let placement = try Row.fetchOne(try db.cachedStatement(sql: """
            SELECT \(Self.placementColumns) FROM placements p JOIN customers c ON c.id = p.customer_id WHERE p.id = ?
            """), arguments: [placementID]).map(decodePlacement) else { return }
        var lifecycle = PlacementLifecycle(state: placement.state)
        switch lifecycle.recallFailed() {
        case .resumeAfterFailedRecall:
            try updatePlacement(id: placementID, state: lifecycle.state, agencyReference: nil, agencyStatus: nil)
        case .none, .invalid, .recordBatch, .markSent, .recordAcceptance, .recordImplicitAcceptance, .returnToBusiness,
            .markActive,
            .sendRecall, .recordRecallObjection, .close:
            return
        }
    }
}
