import GRDB
import HandoffDomain
import HandoffStore

extension SQLiteSession {
    func needsAttention(since: CalendarDate, limit: Int) throws -> [AttentionItem] {
        // (kind, SQL giving id, partner, account, subject, detail, amount, currency, when)
        let queries: [(AttentionItem.Kind, String)] = [
            (.heldEvent, """
                SELECT id, partner_id, account_number, event_key, reason, NULL, kind, updated_at FROM agency_events
                WHERE state = 'held' ORDER BY id DESC LIMIT ?
                """),
            (.quarantinedFile, """
                SELECT id, partner_id, NULL, remote_name, reason, NULL, NULL, received_at FROM inbox
                WHERE state = 'quarantined' ORDER BY id DESC LIMIT ?
                """),
            (.heldFile, """
                SELECT id, partner_id, NULL, remote_name, reason, NULL, NULL, received_at FROM inbox
                WHERE state = 'held' ORDER BY id DESC LIMIT ?
                """),
            (.failedTransfer, """
                SELECT id, partner_id, NULL, remote_name, last_error, NULL, NULL, updated_at FROM outbox
                WHERE state = 'failed' ORDER BY id DESC LIMIT ?
                """),
            (.commissionDifference, """
                SELECT m.id, m.partner_id, c.account_number, m.event_key, NULL, m.reported - m.expected, m.currency, \
                COALESCE(m.date, m.created_at)
                FROM commissions m JOIN customers c ON c.id = m.customer_id
                WHERE m.reported IS NOT NULL AND m.reported != m.expected ORDER BY m.id DESC LIMIT ?
                """),
            (.remittanceDifference, """
                SELECT id, partner_id, NULL, statement_key, CASE WHEN state = 'refused' THEN note \
                ELSE differences END, NULL, currency, created_at
                FROM remittances WHERE state IN ('mismatch', 'refused') ORDER BY id DESC LIMIT ?
                """),
            (.rejectedPlacement, """
                SELECT p.id, p.partner_id, c.account_number, c.account_number, p.state_reason, p.balance, p.currency, \
                p.updated_at
                FROM placements p JOIN customers c ON c.id = p.customer_id
                WHERE p.state = 'rejected' AND p.cleared_at IS NULL AND p.updated_at >= ? ORDER BY p.id DESC LIMIT ?
                """),
            (.returnedAccount, """
                SELECT p.id, p.partner_id, c.account_number, c.account_number, p.agency_status, p.balance, p.currency, \
                p.updated_at
                FROM placements p JOIN customers c ON c.id = p.customer_id
                WHERE p.state = 'closed' AND p.state_reason = 'returned_uncollectable' AND p.updated_at >= ? \
                ORDER BY p.id DESC LIMIT ?
                """),
            (.newHold, """
                SELECT id, NULL, subject, subject, detail, NULL, NULL, at FROM audit_log
                WHERE action = 'customer.hold_added' AND at >= ? ORDER BY id DESC LIMIT ?
                """),
            (.failedRequest, """
                SELECT r.id, r.partner_id, c.account_number, r.request_id, COALESCE(r.last_error, r.state), NULL, \
                NULL, r.updated_at
                FROM agency_requests r JOIN customers c ON c.id = r.customer_id
                WHERE r.state IN ('rejected', 'failed') ORDER BY r.id DESC LIMIT ?
                """),
            (.failedMessage, """
                SELECT m.id, NULL, c.account_number, m.step, m.last_error, m.balance, m.currency, m.updated_at
                FROM dunning_messages m JOIN customers c ON c.id = m.customer_id
                WHERE m.state = 'failed' ORDER BY m.id DESC LIMIT ?
                """),
            (.unconfirmedMessage, """
                SELECT m.id, NULL, c.account_number, m.step, m.message_id, m.balance, m.currency, m.updated_at
                FROM dunning_messages m JOIN customers c ON c.id = m.customer_id
                WHERE m.state = 'unconfirmed' ORDER BY m.id DESC LIMIT ?
                """),
        ]
        var items: [AttentionItem] = []
        for (kind, sql) in queries {
            let dated = [.rejectedPlacement, .returnedAccount, .newHold].contains(kind)
            let arguments: StatementArguments = dated ? [since.iso, limit] : [limit]
            for row in try Row.fetchAll(try db.cachedStatement(sql: sql), arguments: arguments) {
                items.append(
                    AttentionItem(
                        kind: kind, id: row[0], partnerID: row[1], accountNumber: row[2], subject: row[3] ?? "",
                        detail: row[4], amount: row[5], currency: kind == .heldEvent ? nil : row[6], when: row[7] ?? "",
                        eventKind: kind == .heldEvent ? row[6] : nil))
            }
        }
        return items.sorted { ($0.when, $0.id) > ($1.when, $1.id) }
    }
}
