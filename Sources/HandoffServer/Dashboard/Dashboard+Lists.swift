import Foundation
import HandoffDomain
import HandoffReconciliation
import HandoffStore

/// The accounts list (filtered, sorted and paged by the store), the remittance statements and
/// the requests to agencies.
extension DashboardPages {
    /// How many statements and requests their pages list (the newest).
    static let listLimit = 300

    /// A stored RFC 3339 time (`2026-11-26T14:03:09Z`) as the pages show times: `2026-11-26 14:03 UTC`.
    static func stamp(_ rfc3339: String?) -> String {
        guard let s = rfc3339, s.count >= 16 else { return rfc3339 ?? "—" }
        let chars = Array(s)
        guard chars[10] == "T" else { return s }
        return String(chars[0..<10]) + " " + String(chars[11..<16]) + (s.hasSuffix("Z") ? " UTC" : "")
    }

    // MARK: Accounts

    /// The accounts list's query from `?q=&hold=1&placed=yes|no&bucket=31-60&sort=balance|days|account&page=`.
    static func accountQuery(_ parameters: [String: String], asOf: CalendarDate) -> AccountListQuery {
        let placed: Bool? = switch parameters["placed"] {
        case "yes": true
        case "no": false
        default: nil
        }
        return AccountListQuery(
            search: parameters["q"]?.trimmingCharacters(in: .whitespaces), hasHold: parameters["hold"] == "1",
            placed: placed,
            bucket: parameters["bucket"].flatMap(AgingBucket.init(rawValue:)),
            order: parameters["sort"].flatMap(AccountListQuery.Order.init(rawValue:)) ?? .account, asOf: asOf)
    }

    /// The query's parameters, in a fixed order, for links that keep it (paging).
    static func parameters(_ q: AccountListQuery) -> [URLQueryItem] {
        var items: [URLQueryItem] = []
        if let s = q.search, !s.isEmpty { items.append(URLQueryItem(name: "q", value: s)) }
        if q.hasHold { items.append(URLQueryItem(name: "hold", value: "1")) }
        if let p = q.placed { items.append(URLQueryItem(name: "placed", value: p ? "yes" : "no")) }
        if let b = q.bucket { items.append(URLQueryItem(name: "bucket", value: b.rawValue)) }
        if q.order != .account { items.append(URLQueryItem(name: "sort", value: q.order.rawValue)) }
        return items
    }

    func accounts(_ query: AccountListQuery, page: Int) throws -> Context {
        let (matched, found) = try store.readReconciliation { r in
            try r.accountList(query, offset: (max(page, 1) - 1) * Self.pageSize, limit: Self.pageSize)
        }
        let rows: [Context] = found.map { row in
            let s = row.summary
            let pastDue = PastDue(oldestOpenDueDate: s.oldestOpenDueDate, asOf: query.asOf)
            var out: Context = [
                "number": s.profile.accountNumber, "number_path": Self.pathSegment(s.profile.accountNumber),
                "name": s.profile.displayName,
                "balance": Self.money(s.balance.minorUnits, s.balance.currency), "days": max(pastDue.days, 0),
                "bucket": pastDue.bucket == .current ? "current" : pastDue.bucket.rawValue,
                "agency": row.agency.map { "\($0) (\(OwnerWords.placement(named: row.placementState ?? "")))" } ?? "—",
            ]
            if !s.profile.holds.isEmpty {
                out["holds"] = s.profile.holds.sorted().map(OwnerWords.hold).joined(separator: ", ")
            }
            if row.disputedInvoices > 0 {
                out["disputed"] =
                    row.disputedInvoices == 1 ? "1 invoice disputed" : "\(row.disputedInvoices) invoices disputed"
            }
            return out
        }
        let pages = max((matched + Self.pageSize - 1) / Self.pageSize, 1)
        let current = min(max(page, 1), pages)
        func link(_ p: Int) -> String {
            var c = URLComponents(); c.path = "/accounts";
            c.queryItems = Self.parameters(query) + [URLQueryItem(name: "page", value: String(p))]
            return c.string ?? "/accounts"
        }
        func options(_ values: [(String, String)], selected: String) -> [Context] {
            values.map { value, label in
                var o: Context = ["value": value, "label": label]
                if value == selected { o["selected"] = true }
                return o
            }
        }
        var context: Context = [
            "nav_accounts": true, "rows": rows, "total": matched, "page": current, "pages": pages,
            "sorts": options(
                [
                    ("account", "account number"), ("balance", "balance, largest first (by currency)"),
                    ("days", "days past due, most first"),
                ],
                             selected: query.order.rawValue),
            "placed_options": options([("", "placed or not"), ("yes", "with an agency"), ("no", "not with an agency")],
                                      selected: query.placed.map { $0 ? "yes" : "no" } ?? ""),
            "buckets": options(
                [("", "any age")]
                    + AgingBucket.allCases.map {
                        ($0.rawValue, $0 == .current ? "current" : "\($0.rawValue) days past due")
                    },
                               selected: query.bucket?.rawValue ?? ""),
        ]
        if query.hasHold { context["hold"] = true }
        if let q = query.search, !q.isEmpty { context["q"] = q }
        if query.hasHold || query.placed != nil || query.bucket != nil { context["filtered"] = true }
        if current > 1 { context["prev"] = link(current - 1) }
        if current < pages { context["next"] = link(current + 1) }
        return context
    }

    /// The notices an account's page can send to the agency that holds it.
    static var noticeOptions: [Context] { AccountRequests.Notice.allCases.map { n in
        let label = switch n {
        case .dispute: "the customer disputes the debt"
        case .bankruptcy: "the customer filed for bankruptcy"
        case .deceased: "the customer has died"
        case .cease_contact: "the customer asked not to be contacted"
        }
        return ["value": n.rawValue, "label": label]
    } }

    // MARK: Remittances

    /// Each statement (each currency's part on its own), newest first, with its differences in words.
    func remittances() throws -> Context {
        let rows = try store.readReconciliation { try $0.latestRemittances(limit: Self.listLimit) }
        return [
            "nav_remittances": true, "limit": Self.listLimit,
            "statements": rows.map { row -> Context in
                let r = row.record
                func money(_ n: Int64?) -> String {
                    guard let n else { return "—" }
                    return r.currency.map { Self.money(n, code: $0) } ?? "\(n) (currency unknown)"
                }
                let state: String = switch r.state {
                case "matched": "matched"
                case "mismatch": "differs from Handoff’s records"
                case "refused": "refused: its own totals disagree, nothing was applied"
                default: r.state
                }
                var out: Context = [
                    "recorded": Self.stamp(row.recordedAt), "partner": r.partnerID, "statement": r.key,
                    "reference": r.reference ?? "—",
                    "date": r.date ?? "—", "period": r.period ?? "—", "currency": r.currency ?? "—",
                    "model": r.model == "net" ? "net" : "gross", "amount": money(r.amount),
                    "commission": money(r.commission), "net": money(r.net),
                    "state": state, "tone": r.state == "matched" ? "" : "bad",
                    "differences": r.differences.map { ["text": Self.difference($0, money: money)] as Context },
                    "has_differences": !r.differences.isEmpty,
                ]
                if let note = r.note, !note.isEmpty { out["note"] = note }
                return out
            },
        ]
    }

    /// One difference between a statement and Handoff's records, in words.
    static func difference(_ d: RemittanceRecord.Difference, money: (Int64?) -> String) -> String {
        let t = d.transactionID
        switch d.field {
        case "amount": return "\(t): the statement says \(money(d.statement)), Handoff recorded \(money(d.recorded))"
        case "commission":
            return
                "\(t): commission \(money(d.statement)) on the statement, \(money(d.recorded)) by the agency’s schedule"
        case "unknown": return "\(t): on the statement (\(money(d.statement))) but never recorded by Handoff"
        case "missing": return "\(t): recorded by Handoff (\(money(d.recorded))) but not on the statement"
        case "already_remitted":
            return "\(t): an earlier statement already remitted it (\(money(d.statement)) again here)"
        case "currency":
            return "the statement lists transactions in more than one currency; each part is matched on its own"
        default: return "\(t): \(d.field) \(money(d.statement)) on the statement, \(money(d.recorded)) recorded"
        }
    }

    // MARK: Requests

    /// Every request to an agency, newest first: account, kind, id, amount, date, state and the agency's answer.
    func requests() throws -> Context {
        let rows = try store.readReconciliation { try $0.latestRequests(limit: Self.listLimit) }
        return [
            "nav_requests": true, "limit": Self.listLimit,
            "requests": rows.map { row -> Context in
                let q = row.record
                var out: Context = [
                    "account": q.accountNumber, "account_path": Self.pathSegment(q.accountNumber),
                    "partner": q.partnerID,
                    "kind": q.kind.replacingOccurrences(of: "_", with: " "), "request_id": q.requestID,
                    "amount": q.amount.map { Self.money($0.minorUnits, $0.currency) } ?? "—", "date": q.date.iso,
                    "state": OwnerWords.request(q.state), "updated": Self.stamp(row.updatedAt),
                    "error": q.lastError ?? "",
                ]
                if [.rejected, .failed, .objected].contains(q.state) { out["bad"] = true }
                return out
            },
        ]
    }
}
