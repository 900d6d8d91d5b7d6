import HandoffDomain
import HandoffStore

extension PostgresSession: ReportReading {
    func collectedByCurrency() throws -> [String: Int64] {
        var collected: [String: Int64] = [:]
        for row in try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT c.currency, SUM(CASE t.kind WHEN 'payment' THEN t.amount ELSE -t.amount END) FROM transactions t
            JOIN customers c ON c.id = t.customer_id
            WHERE t.source_kind = 'agency' AND t.kind IN ('payment', 'payment_reversal') GROUP BY c.currency
            """)) {
            collected[row[0]] = row[1]
        }
        return collected
    }

    func agencyTransactions(from: CalendarDate, to: CalendarDate) throws -> [AgencyTransaction] {
        try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT t.reference, c.account_number, c.currency FROM transactions t JOIN customers c \
            ON c.id = t.customer_id
            WHERE t.source_kind = 'agency' AND t.date BETWEEN ? AND ? ORDER BY t.date, t.id
            """), arguments: [from.iso, to.iso]).compactMap { r in
            let reference: String = r[0]
            let code: String = r[2]
            guard let txn = try transaction(reference: reference), let currency = Currency(code: code) else {
                return nil
            }
            return AgencyTransaction(transaction: txn, accountNumber: r[1], currency: currency)
        }
    }

    func vintages() throws -> [VintageFigures] {
        try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT p.partner_id, to_char(p.placed_on, 'YYYY-MM'), p.currency, COUNT(*), SUM(CASE \
            WHEN p.state != 'rejected' THEN p.balance ELSE 0 END),
                SUM((SELECT COALESCE(SUM(CASE t.kind WHEN 'payment' THEN t.amount ELSE -t.amount END), 0) \
            FROM transactions t
                     WHERE t.customer_id = p.customer_id AND t.source_kind = 'agency' \
            AND t.kind IN ('payment', 'payment_reversal')
                       AND t.reference LIKE p.partner_id || ':%')),
                SUM((SELECT COALESCE(SUM(c.expected), 0) FROM commissions c
                     WHERE c.customer_id = p.customer_id AND c.partner_id = p.partner_id \
            AND c.kind IN ('collection', 'reversal'))),
                AVG((SELECT MIN(t.date) - p.placed_on FROM transactions t
                     WHERE t.customer_id = p.customer_id AND t.source_kind = 'agency' AND t.kind = 'payment' \
            AND t.reference LIKE p.partner_id || ':%')),
                SUM(CASE WHEN p.state = 'closed' AND p.state_reason = 'returned_uncollectable' THEN 1 ELSE 0 END),
                SUM(CASE WHEN p.state = 'rejected' THEN 1 ELSE 0 END),
                SUM(CASE WHEN p.state IN ('selected', 'batched', 'sent', 'accepted', 'active', 'recall_pending') \
            THEN 1 ELSE 0 END)
            FROM placements p
            GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            """)).map { r in
            // A rejected account brought nothing: the sums over it are zero, and the rates are over the accepted ones.
            VintageFigures(
                partner: r[0], vintage: r[1], currency: r[2], placed: r[3], rejected: r[9], open: r[10], returned: r[8],
                acceptedAmount: r[4],
                collected: r[5], commission: r[6], average_days_to_first_payment: r[7])
        }
    }

    func agencyFigures(from: CalendarDate, to: CalendarDate) throws -> [AgencyMonthFigures] {
        var rows: [String: AgencyMonthFigures] = [:]
        func row(_ partner: String, _ currency: String) -> String {
            let key = partner + "|" + currency
            if rows[key] == nil { rows[key] = AgencyMonthFigures(partner: partner, currency: currency) }
            return key
        }
        let range: StatementArguments = [from.iso, to.iso]
        for r in try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT partner_id, currency, COUNT(*), SUM(balance), SUM(CASE WHEN state = 'rejected' THEN 1 ELSE 0 END) \
            FROM placements
            WHERE placed_on BETWEEN ? AND ? GROUP BY partner_id, currency
            """), arguments: range) {
            let k = row(r[0], r[1]); rows[k]!.placed_accounts = r[2]; rows[k]!.placed_amount = r[3];
            rows[k]!.rejected_accounts = r[4]
        }
        for r in try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT split_part(t.reference, ':', 1), c.currency,
                   SUM(CASE t.kind WHEN 'payment' THEN t.amount ELSE -t.amount END)
            FROM transactions t JOIN customers c ON c.id = t.customer_id
            WHERE t.source_kind = 'agency' AND t.kind IN ('payment', 'payment_reversal') AND t.date BETWEEN ? AND ?
            GROUP BY 1, 2
            """), arguments: range) {
            let k = row(r[0], r[1]); rows[k]!.collected_gross = r[2]
        }
        for r in try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT partner_id, currency, kind, COUNT(*), SUM(base), SUM(expected) FROM commissions \
            WHERE date BETWEEN ? AND ? GROUP BY 1, 2, 3
            """), arguments: range) {
            let k = row(r[0], r[1])
            let kind: String = r[2]
            if kind == "direct_payment" {
                rows[k]!.direct_payments = r[3]; rows[k]!.direct_payment_amount = r[4];
                rows[k]!.direct_payment_fees = r[5]
            } else {
                rows[k]!.commission += r[5] as Int64
            }
        }
        return rows.values.sorted { ($0.partner, $0.currency) < ($1.partner, $1.currency) }
    }

    func remitted(from: CalendarDate, to: CalendarDate) throws -> [String: [String: Int64]] {
        var out: [String: [String: Int64]] = [:]
        for r in try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT partner_id, COALESCE(currency, ''), SUM(CASE model WHEN 'net' THEN net ELSE amount END) \
            FROM remittances
            WHERE state != 'refused' AND COALESCE(period, substr(date, 1, 7)) = ? GROUP BY partner_id, 2
            """), arguments: [String(from.iso.prefix(7))]) {
            out[r[0], default: [:]][r[1]] = r[2]
        }
        return out
    }
}
