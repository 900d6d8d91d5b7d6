import Foundation
import HandoffDomain
import HandoffStore

extension PostgresSession: DashboardReading {
    func accountList(_ query: AccountListQuery, offset: Int, limit: Int) throws -> (total: Int, rows: [AccountListRow])
    {
        var inner: [String] = []
        var outer: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let search = query.search, !search.isEmpty {
            // Every character literal: LIKE's wildcards in the search are escaped.
            let escaped = search.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_")
            inner.append("""
                (c.account_number ILIKE ? ESCAPE '\\' OR c.business_name ILIKE ? ESCAPE '\\' \
                OR c.contact_name ILIKE ? ESCAPE '\\'
                 OR (COALESCE(c.first_name, '') || ' ' || COALESCE(c.last_name, '')) ILIKE ? ESCAPE '\\')
                """)
            arguments += Array(repeating: "%\(escaped)%", count: 4)
        }
        if query.hasHold { inner.append("c.holds != ''") }
        if let placed = query.placed { outer.append(placed ? "is_placed" : "NOT is_placed") }
        if let bucket = query.bucket {
            // Days past due counted from the oldest open due date to asOf, as PastDue counts them.
            func day(_ n: Int) -> String { query.asOf.adding(days: -n).iso }
            switch bucket {
            case .current: outer.append("(oldest IS NULL OR oldest >= ?)"); arguments.append(query.asOf.iso)
            case .days1to30: outer.append("(oldest <= ? AND oldest >= ?)"); arguments += [day(1), day(30)]
            case .days31to60: outer.append("(oldest <= ? AND oldest >= ?)"); arguments += [day(31), day(60)]
            case .days61to90: outer.append("(oldest <= ? AND oldest >= ?)"); arguments += [day(61), day(90)]
            case .days91to120: outer.append("(oldest <= ? AND oldest >= ?)"); arguments += [day(91), day(120)]
            case .days121Plus: outer.append("oldest <= ?"); arguments.append(day(121))
            }
        }
        let whereInner = inner.isEmpty ? "" : "WHERE " + inner.joined(separator: " AND ")
        let whereOuter = outer.isEmpty ? "" : "WHERE " + outer.joined(separator: " AND ")
        let listed = """
            SELECT \(Self.qualifiedCustomerColumns),
                   COALESCE((SELECT SUM(balance) FROM invoices i WHERE i.customer_id = c.id), 0) AS open_balance,
                   (SELECT MIN(due_date) FROM invoices i WHERE i.customer_id = c.id AND i.balance > 0) AS oldest,
                   (SELECT COUNT(*) FROM invoices i WHERE i.customer_id = c.id AND i.balance > 0) AS open_invoices,
                   (SELECT COUNT(*) FROM invoices i WHERE i.customer_id = c.id AND i.balance > 0 \
            AND i.disputed) AS disputed,
                   (SELECT p.partner_id FROM placements p WHERE p.customer_id = c.id \
            ORDER BY p.id DESC LIMIT 1) AS agency,
                   (SELECT p.state FROM placements p WHERE p.customer_id = c.id \
            ORDER BY p.id DESC LIMIT 1) AS placement_state,
                   EXISTS (SELECT 1 FROM placements p WHERE p.customer_id = c.id \
            AND p.state NOT IN ('rejected', 'closed')) AS is_placed
            FROM customers c \(whereInner)
            """
        let order = switch query.order {
        case .account: "account_number"
        // Largest first within each currency: amounts in different currencies are never compared.
        case .balance: "currency, open_balance DESC, account_number"
        case .daysPastDue: "oldest IS NULL, oldest, account_number"
        }
        let total = try Int.fetchOne(try db.cachedStatement(sql: "SELECT COUNT(*) FROM (\(listed)) l \(whereOuter)"),
                                     arguments: StatementArguments(arguments)) ?? 0
        let rows = try Row.fetchAll(
            try db.cachedStatement(sql: "SELECT * FROM (\(listed)) l \(whereOuter) ORDER BY \(order) LIMIT ? OFFSET ?"),
            arguments: StatementArguments(arguments + [max(limit, 0), max(offset, 0)]))
        return (total, try rows.map { row in
            let customer = try decodeCustomer(row)
            let oldest: String? = row[20]
            let summary = AccountSummary(customerID: customer.id, profile: customer.profile,
                                         balance: Money(minorUnits: row[19], currency: customer.profile.currency),
                                         oldestOpenDueDate: try oldest.map(date), openInvoices: row[21])
            return AccountListRow(summary: summary, disputedInvoices: row[22], agency: row[23], placementState: row[24])
        })
    }

    func agencyEventTimes(ids: [Int64]) throws -> [Int64: String] {
        var out: [Int64: String] = [:]
        // In slices, so that no statement has too many parameters.
        var start = 0
        while start < ids.count {
            let slice = Array(ids[start..<min(start + 500, ids.count)])
            let marks = Array(repeating: "?", count: slice.count).joined(separator: ", ")
            for row in try Row.fetchAll(
                db, sql: "SELECT id, handoff_time(created_at) FROM agency_events WHERE id IN (\(marks))",
                arguments: StatementArguments(slice))
            {
                out[row[0]] = row[1]
            }
            start += 500
        }
        return out
    }

    func latestRemittances(limit: Int) throws -> [RemittanceListRow] {
        try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT partner_id, statement_key, model, amount, commission, net, reference, date, state, differences, \
            note, period, currency, handoff_time(created_at)
            FROM remittances ORDER BY id DESC LIMIT ?
            """), arguments: [max(limit, 0)]).map { r in
            let text: String = r[9]
            let differences =
                (try? JSONDecoder().decode([RemittanceRecord.Difference].self, from: Data(text.utf8)))
                ?? Self.olderDifferences(text)
            let record = RemittanceRecord(
                partnerID: r[0], key: r[1], model: r[2], amount: r[3], commission: r[4], net: r[5], reference: r[6],
                date: r[7],
                state: r[8], differences: differences, note: r[10], period: r[11], currency: r[12])
            return RemittanceListRow(record: record, recordedAt: r[13])
        }
    }

    /// Differences stored before their keys were snake_case.
    private static func olderDifferences(_ text: String) -> [RemittanceRecord.Difference] {
        struct Stored: Decodable { var transactionID: String, field: String, statement: Int64?, recorded: Int64? }
        return ((try? JSONDecoder().decode([Stored].self, from: Data(text.utf8))) ?? []).map {
            .init(transactionID: $0.transactionID, field: $0.field, statement: $0.statement, recorded: $0.recorded)
        }
    }

    func latestRequests(limit: Int) throws -> [RequestListRow] {
        try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT r.id, r.partner_id, r.customer_id, c.account_number, p.agency_reference, \
            r.kind, r.request_id, r.amount, r.currency, r.date,
                   r.reason, r.note, r.state, r.last_error, handoff_time(r.updated_at)
            FROM agency_requests r JOIN customers c ON c.id = r.customer_id \
            LEFT JOIN placements p ON p.id = r.placement_id
            ORDER BY r.id DESC LIMIT ?
            """), arguments: [max(limit, 0)]).map { r in
            let amount: Int64? = r[7]
            let code: String? = r[8]
            let record = AgencyRequestRecord(
                id: r[0], partnerID: r[1], customerID: r[2], accountNumber: r[3], agencyReference: r[4], kind: r[5],
                requestID: r[6],
                amount: amount.flatMap { a in
                    code.flatMap { Currency(code: $0) }.map { Money(minorUnits: a, currency: $0) }
                },
                date: try date(r[9]), reason: r[10], note: r[11], state: try requestState(r[12], id: r[0]),
                lastError: r[13])
            return RequestListRow(record: record, updatedAt: r[14])
        }
    }
}
