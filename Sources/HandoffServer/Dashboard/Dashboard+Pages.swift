import Foundation
import HandoffConfig
import HandoffDomain
import HandoffPartners
import HandoffPlacement
import HandoffReconciliation
import HandoffReports
import HandoffStore

/// What each dashboard page shows, read from the store and shaped for its template: money
/// already formatted exactly (grouped, with its currency), dates in ISO form. Blocking reads;
/// the routes call these off Swift's cooperative pool.
struct DashboardPages {
    let config: HandoffConfig
    let store: any CompleteStore

    typealias Context = [String: Any]

    static func money(_ minorUnits: Int64, _ currency: Currency) -> String {
        "\(Money(minorUnits: minorUnits, currency: currency).groupedText) \(currency.code)"
    }

    static func money(_ minorUnits: Int64, code: String) -> String {
        money(minorUnits, Currency(code: code) ?? .usd)
    }

    /// Why a placement ended, in words (`paid in full`, `returned uncollectable`…), or nil while open.
    static func closure(_ p: PlacementRecord) -> String? {
        p.closureReason.map { $0.rawValue.replacingOccurrences(of: "_", with: " ") }
    }

    /// An agency event's reason with its money as money. Reconciliation before issue 12 wrote
    /// two reasons with bare minor units ("commission reported 1000, schedule gives 2500", "…
    /// has less open than 5000"); such stored rows are shown in the account's currency
    /// ("commission reported 10.00 CAD, schedule gives 25.00 CAD"). Any other reason, and one
    /// already in money, is shown as it is.
    static func readableReason(_ reason: String?, currency: Currency?) -> String {
        guard let reason else { return "" }
        guard let currency else { return reason }
        // A bare integer: not followed by a digit or a decimal point, so "10.00 CAD" is left alone.
        let commission = try! Regex(#"commission reported (-?[0-9]+), schedule gives (-?[0-9]+)(?![0-9.])"#)
        let lessOpen = try! Regex(#"has less open than (-?[0-9]+)(?![0-9.])"#)
        func units(_ m: Regex<AnyRegexOutput>.Match, _ i: Int) -> String? {
            m.output[i].substring.flatMap { Int64($0) }.map { money($0, currency) }
        }
        return reason
            .replacing(commission) { m in
                guard let reported = units(m, 1), let expected = units(m, 2) else {
                    return String(m.output[0].substring ?? "")
                }
                return "commission reported \(reported), schedule gives \(expected)"
            }
            .replacing(lessOpen) { m in
                units(m, 1).map { "has less open than \($0)" } ?? String(m.output[0].substring ?? "")
            }
    }

    static func bytes(_ n: Int64) -> String {
        if n < 10_000 { return "\(n) B" }
        if n < 10_000_000 { return "\(n / 1000) kB" }
        return "\(n / 1_000_000) MB"
    }

    /// The path segment for an account number (percent-encoded).
    static func pathSegment(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#")))
            ?? s
    }

    // MARK: Overview

    /// The overview: receivables aged today, and what the agencies collected in `month`
    /// (YYYY-MM; the current month when `nil`).
    func overview(jobs: [Context], month chosen: String? = nil) throws -> Context {
        let asOf = config.today()
        let aging = AgingReport(try store.read { try $0.openBalancesByDueDate() }, asOf: asOf)
        let month = chosen ?? String(asOf.iso.prefix(7))
        let (from, to) = ReconciliationReport.days(ofMonth: month)!
        let partners = PartnerLoader.loadAll(directory: config.partnersDirectory).0
        let models = Dictionary(partners.map { ($0.id, $0.terms.remittance) }, uniquingKeysWith: { a, _ in a })
        let report = try store.readReconciliation {
            try ReconciliationReport(month: month, from: from, to: to, models: models, reader: $0)
        }

        // Open placements per agency and currency: the balance each held when placed.
        let open = try store.readPlacements { try $0.openPlacementTotals() }
        var keys = Set<[String]>()
        for o in open { keys.insert([o.partnerID, o.currency]) }
        for row in report.agencies { keys.insert([row.figures.partner, row.figures.currency]) }
        let placed: [Context] = keys.sorted { $0.lexicographicallyPrecedes($1) }.map { key in
            let (partner, code) = (key[0], key[1])
            let o = open.first { $0.partnerID == partner && $0.currency == code }
            let row = report.agencies.first { $0.figures.partner == partner && $0.figures.currency == code }
            return [
                "partner": partner, "currency": code, "accounts": o?.accounts ?? 0,
                "balance": Self.money(o?.balance ?? 0, code: code),
                "collected": Self.money(row?.figures.collected_gross ?? 0, code: code),
                "commission": Self.money(
                    (row?.figures.commission ?? 0) + (row?.figures.direct_payment_fees ?? 0), code: code),
                    "net_due": Self.money(row?.net_due ?? 0, code: code)]
        }

        let outbox = try store.readOutbox { try $0.outbox() }
        let waiting = outbox.filter { ["staged", "sending", "sent", "retry_later"].contains($0.transfer.state.name) }
            .count
        let failing = outbox.filter { $0.transfer.state.name == "failed" }.count
        let problems = try store.readInbox { try $0.inboxCounts() }.values.reduce(0) {
            $0 + ($1["quarantined"] ?? 0) + ($1["held"] ?? 0)
        }
        let heldEvents = try store.readReconciliation { try $0.agencyEventCounts() }.filter {
            $0.key != "applied" && $0.key != "dismissed"
        }.values.reduce(0, +)

        var tiles: [Context] = []
        for c in aging.currencies {
            let currency = Currency(code: c.currency) ?? .usd
            let over90 = (c.buckets["91-120"] ?? 0) + (c.buckets["121+"] ?? 0)
            tiles.append([
                "label": "Receivables \(c.currency)", "value": Self.money(c.total, currency),
                "sub": "\(Self.money(over90, currency)) over 90 days", "tone": "",
            ])
        }
        var collectedByCurrency: [String: Int64] = [:], netByCurrency: [String: Int64] = [:]
        for row in report.agencies {
            collectedByCurrency[row.figures.currency, default: 0] += row.figures.collected_gross
            netByCurrency[row.figures.currency, default: 0] += row.net_due
        }
        let placedAccounts = open.reduce(0) { $0 + $1.accounts }
        tiles.append([
            "label": "With agencies", "value": "\(placedAccounts) accounts",
            "sub": Set(open.map(\.partnerID)).count == 1 ? "1 agency" : "\(Set(open.map(\.partnerID)).count) agencies",
            "tone": "",
        ])
        let collectedText =
            collectedByCurrency.isEmpty
            ? "—"
            : collectedByCurrency.keys.sorted().map { Self.money(collectedByCurrency[$0]!, code: $0) }.joined(
                separator: " · ")
        let netText =
            netByCurrency.isEmpty
            ? "nothing due yet"
            : netByCurrency.keys.sorted().map { Self.money(netByCurrency[$0]!, code: $0) }.joined(separator: " · ")
                + " net due"
        tiles.append([
            "label": "Collected \(month)", "value": collectedText, "sub": netText,
            "tone": collectedByCurrency.isEmpty ? "" : "good",
        ])
        tiles.append(["label": "Files", "value": "\(waiting) waiting · \(failing) failing · \(problems) to look at",
            "sub":
                "\(failing) to send failed · \(problems) received files held or quarantined · "
                    + "\(heldEvents) events not applied",
                    "tone": failing + problems + heldEvents > 0 ? "bad" : (waiting > 0 ? "warn" : "good")])

        let agingRows: [Context] = aging.currencies.map { c in
            let currency = Currency(code: c.currency) ?? .usd
            return ["currency": c.currency, "total": Self.money(c.total, currency), "invoices": c.invoices,
                    "buckets": AgingBucket.allCases.map { b -> Context in
                        let v = c.buckets[b.rawValue] ?? 0
                        let bp = c.total > 0 ? v * 10_000 / c.total : 0
                        return ["name": b == .current ? "current" : b.rawValue, "amount": Self.money(v, currency),
                                "share": Amount.format(bp, digits: 2) + "%", "percent": Amount.format(bp, digits: 2)]
                    }]
        }
        // What needs a person: held events and files, failed transfers, commission and remittance
        // differences, requests that did not go through, and accounts rejected, returned or put on
        // hold in the last 30 days.
        var items = try store.readReconciliation { try $0.needsAttention(since: asOf.adding(days: -30), limit: 50) }
        // Licences that expire within 30 days, from the partner files (issue 16).
        for partner in partners.sorted(by: { $0.id < $1.id }) {
            for licence in partner.compliance.licencesExpiring(within: 30, asOf: asOf) {
                items.append(
                    AttentionItem(
                        kind: .licenceExpiring, id: 0, partnerID: partner.id, accountNumber: nil,
                        subject: licence.region,
                        detail: "expires on \(licence.expires.iso)", when: asOf.iso))
            }
        }
        // The placement terms: objections beyond what an agency is entitled to, and what the
        // terms job will recall in the next 14 days.
        let terms = PlacementTermsRun(partners: partners, asOf: asOf, dryRun: true)
        let (evaluated, upcoming) = try store.readCompliance { r in
            (try terms.evaluate(r), terms.upcoming(r, within: 14))
        }
        for (record, decision) in evaluated {
            guard case .objectionNotEntitled(let objections, let allowed, let unplanned) = decision else { continue }
            items.append(
                AttentionItem(
                    kind: .recallObjection, id: record.placement.id, partnerID: record.placement.partnerID,
                    accountNumber: record.placement.accountNumber, subject: record.placement.accountNumber,
                    detail: unplanned.map { "objected on \($0.iso) with no payment plan in place" }
                                           ?? "\(objections) objections, \(allowed) allowed", when: asOf.iso))
        }
        let attention = Self.attention(items)
        let recalls: [Context] = upcoming.map { u in
            [
                "number": u.accountNumber, "partner": u.partnerID,
                "limit": u.limit.rawValue.replacingOccurrences(of: "_", with: " "),
             "date": u.dueOn.iso]
        }
        return [
            "nav_overview": true, "tiles": tiles, "aging": agingRows, "placed": placed, "has_placed": !placed.isEmpty,
            "month": month, "jobs": jobs,
            "attention": attention, "has_attention": !attention.isEmpty, "attention_count": attention.count,
            "recalls": recalls, "has_recalls": !recalls.isEmpty]
    }

    // MARK: Accounts

    static let pageSize = 50
    /// How many of the latest received files the files page lists (besides those that need a look).
    static let recentFiles = 200

    func account(number: String) throws -> Context? {
        let asOf = config.today()
        let messages = try store.readDunning { r in
            try r.customer(accountNumber: number).map { try r.dunningMessages(customerID: $0.id) } ?? []
        }
        return try store.readReconciliation { r -> Context? in
            guard let customer = try r.customer(accountNumber: number) else { return nil }
            let p = customer.profile
            let currency = p.currency
            let invoices = try r.invoices(customerID: customer.id)
            let transactions = try r.transactions(customerID: customer.id)
            let placements = try r.placements(customerID: customer.id)
            let events = try r.agencyEvents(accountNumber: number)
            let requests = try r.requests(customerID: customer.id)
            let eventTimes = try r.agencyEventTimes(ids: events.map(\.id))
            let openInvoices = invoices.filter { $0.balance > 0 }
            let balance = openInvoices.reduce(Int64(0)) { $0 + $1.balance }
            let pastDue = PastDue(oldestOpenDueDate: openInvoices.map(\.terms.dueDate).min(), asOf: asOf)

            // The story: invoices issued, everything booked against them, and each placement, by date.
            var story: [(CalendarDate, Int, Context)] = []
            for i in invoices {
                story.append(
                    (
                        i.terms.invoiceDate, 0,
                        [
                            "date": i.terms.invoiceDate.iso, "what": "Invoice \(i.terms.invoiceNumber)",
                            "detail": "issued, due \(i.terms.dueDate.iso)\(i.terms.disputed ? " (disputed)" : "")",
                            "amount": Self.money(i.terms.amount.minorUnits, currency), "source": i.source.label,
                            "tone": "",
                        ]
                    ))
            }
            for t in transactions where t.kind != .invoice {
                let tone: String = switch t.kind {
                case .payment, .credit: "good"
                case .paymentReversal, .writeoff: "bad"
                default: "warn"
                }
                let what: String = switch t.kind {
                case .payment: "Payment"
                case .credit: "Credit"
                case .interest: "Interest"
                case .fee: "Fee"
                case .writeoff: "Written off"
                case .paymentReversal: "Payment reversed"
                case .invoice: "Invoice"
                }
                story.append(
                    (
                        t.date, 1,
                        [
                            "date": t.date.iso, "what": what,
                            "detail": t.invoiceNumber.map { "on \($0) · \(t.reference)" } ?? t.reference,
                            "amount": Self.money(t.amount, currency), "source": t.source.label, "tone": tone,
                        ]
                    ))
            }
            for pl in placements {
                story.append((pl.placedOn, 2, ["date": pl.placedOn.iso, "what": "Placed with \(pl.partnerID)",
                            "detail":
                            "tier \(pl.tier), \(pl.daysPastDue) days past due; now \(OwnerWords.placement(pl.state))"
                                                   + (Self.closure(pl).map { " (\($0))" } ?? "")
                                                   + (pl.agencyStatus.map { ", agency status \($0)" } ?? "")
                                                   + (pl.agencyReference.map { ", agency reference \($0)" } ?? ""),
                            "amount": Self.money(pl.balance.minorUnits, pl.balance.currency), "source": "placement run",
                            "tone": "warn",
                        ]
                    ))
            }
            story += Self.dunningStory(messages)
            story.sort { ($0.0, $0.1) < ($1.0, $1.1) }

            let latest = placements.last
            var context: Context = [
                "nav_accounts": true, "number": p.accountNumber, "name": p.displayName,
                "balance": Self.money(balance, currency), "open_invoices": openInvoices.count,
                "days": max(pastDue.days, 0), "bucket": pastDue.bucket.rawValue,
                "agency": latest?.partnerID ?? "not placed",
                "agency_state": latest.map { pl in
                    [
                        OwnerWords.placement(pl.state) + (Self.closure(pl).map { ": \($0)" } ?? ""),
                        pl.agencyStatus.map { "agency status \($0)" },
                    ]
                        .compactMap { $0 }.joined(separator: " · ")
                } ?? "—",
                "kind": p.type.rawValue,
                "place": [p.city, p.region, p.country].compactMap { $0 }.joined(separator: ", "),
                "story": story.map(\.2),
                "invoices": invoices.map { i -> Context in
                    var row: Context = [
                        "number": i.terms.invoiceNumber, "issued": i.terms.invoiceDate.iso, "due": i.terms.dueDate.iso,
                        "amount": Self.money(i.terms.amount.minorUnits, currency),
                        "balance": Self.money(i.balance, currency),
                    ]
                    if i.terms.disputed { row["disputed"] = true }
                    return row
                },
                "placements": placements.map { pl -> Context in
                    [
                        "partner": pl.partnerID, "tier": pl.tier, "placed_on": pl.placedOn.iso,
                        "balance": Self.money(pl.balance.minorUnits, pl.balance.currency),
                        "reference": pl.agencyReference ?? "—", "state": OwnerWords.placement(pl.state),
                        "closure": Self.closure(pl) ?? "—",
                     "agency_status": pl.agencyStatus ?? "—"]
                },
                "has_placements": !placements.isEmpty,
                "events": events.map { e -> Context in
                    var row: Context = [
                        "partner": e.partnerID, "kind": OwnerWords.event(kind: e.kind),
                        "state": OwnerWords.event(e.state),
                        "date": Self.stamp(eventTimes[e.id]),
                        "reason": Self.readableReason(e.reason, currency: currency)]
                    if e.state == .held { row["held"] = true }
                    return row
                },
                "has_events": !events.isEmpty,
                "requests": requests.map { q -> Context in
                    var row: Context = [
                        "partner": q.partnerID, "kind": q.kind.replacingOccurrences(of: "_", with: " "),
                        "request_id": q.requestID,
                        "date": q.date.iso, "amount": q.amount.map { Self.money($0.minorUnits, $0.currency) } ?? "—",
                        "state": OwnerWords.request(q.state),
                        "error": q.lastError ?? ""]
                    if [.rejected, .failed, .objected].contains(q.state) { row["bad"] = true }
                    return row
                },
                "has_requests": !requests.isEmpty,
            ]
            if !p.holds.isEmpty { context["holds"] = p.holds.sorted().map(OwnerWords.hold).joined(separator: ", ") }
            // What the owner can ask of the agency from here (each a form; the route decides and audits).
            context["number_path"] = Self.pathSegment(p.accountNumber)
            if let open = placements.last(where: { $0.state.isOpen }) {
                context["open_agency"] = open.partnerID
                if open.state.name == "recall_pending" { context["recall_pending"] = true }
                context["notices"] = Self.noticeOptions
            }
            let rejected = Array(Set(placements.filter { $0.state.name == "rejected" }.map(\.partnerID))).sorted()
            if !rejected.isEmpty { context["rejected_by"] = rejected.map { ["partner": $0] as Context } }
            return context
        }
    }

    // MARK: Agencies

    func agencies(jobs: [Context]) throws -> Context {
        let (partners, problems) = PartnerLoader.loadAll(directory: config.partnersDirectory)
        let vintages = try store.readReconciliation { try $0.vintages() }
        let outbox = try store.readOutbox { try $0.outbox() }
        let inboxCounts = try store.readInbox { try $0.inboxCounts() }
        let fetch = jobs.first { ($0["name"] as? String) == "fetch" }
        let send = jobs.first { ($0["name"] as? String) == "send" }
        let rows: [Context] = partners.sorted { $0.id < $1.id }.map { partner in
            let mine = vintages.filter { $0.partner == partner.id }
            let byCurrency = Dictionary(grouping: mine, by: \.currency)
            let charts: [Context] = byCurrency.keys.sorted().map { code in
                [
                    "svg": ScorecardChart.svg(
                        partner: partner.id, currency: Currency(code: code) ?? .usd, vintages: byCurrency[code]!)
                ]
            }
            let out = outbox.filter { $0.partnerID == partner.id }
            let failed = out.filter { $0.transfer.state.name == "failed" }
            let received = inboxCounts[partner.id] ?? [:]
            let bad = (received["quarantined"] ?? 0) + (received["held"] ?? 0)
            var health = "Healthy."
            var tone = "good"
            if let e = failed.last?.lastError { health = "Sending failed: \(e)"; tone = "bad" }
            else if bad > 0 { health = "\(bad) received file(s) need a look on the Files page."; tone = "bad" }
            else if let f = fetch, f["failed"] != nil {
                health = "The last fetch failed: \(f["summary"] ?? "")"; tone = "bad"
            }
            else if let s = send, s["failed"] != nil {
                health = "The last send failed: \(s["summary"] ?? "")"; tone = "bad"
            }
            if let last = out.last?.remoteName, tone == "good" { health += " Last file sent: \(last)." }
            let kind = partner.transport.kind.rawValue
            return [
                "id": partner.id, "name": partner.name, "health": health, "health_tone": tone,
                "transport": kind + (partner.encryption != nil ? ", encrypted with OpenPGP" : ""),
                "remittance": partner.terms.remittance == .net
                    ? "net (agency keeps its commission)" : "gross (agency invoices its commission)",
                "outbox": "\(out.count) files, \(failed.count) failed",
                "inbox": "\(received.values.reduce(0, +)) files, \(bad) need a look",
                "charts": charts,
                "vintages": mine.map { v -> Context in
                    let cur = Currency(code: v.currency) ?? .usd
                    return [
                        "vintage": v.vintage, "currency": v.currency, "accounts": v.accepted_accounts,
                        "placed": Self.money(v.accepted_amount, cur),
                        "collected": Self.money(v.collected, cur),
                        "liquidation": Amount.format(v.liquidation_bp, digits: 2) + "%",
                        "commission": Self.money(v.commission, cur),
                        "days": v.average_days_to_first_payment.map { String(Int($0.rounded())) } ?? "—",
                        "returned": Amount.format(v.returned_bp, digits: 2) + "%"]
                },
                "has_vintages": !mine.isEmpty,
            ]
        }
        var context: Context = ["nav_agencies": true, "agencies": rows]
        if !problems.isEmpty {
            context["flash"] = [
                "kind": "bad",
                "text": "Some partner files have problems: " + problems.map { "\($0)" }.joined(separator: "; "),
            ]
        }
        return context
    }

    // MARK: Files

    func files() throws -> Context {
        let outbox = try store.readOutbox { try $0.outbox() }
        // An agency that pushes events has one inbox record per event: the page shows the
        // latest, and every one that needs a look.
        let inbox = try store.readInbox { try $0.recentInbox(limit: Self.recentFiles) }
        // Each with its account's currency (when the account is known), to show money in its reason as money.
        let (events, eventTimes) = try store.readReconciliation { r in
            let events = try r.agencyEvents(notIn: ["applied", "dismissed"], limit: 200).map { e in
                (e, try e.accountNumber.flatMap { try r.customer(accountNumber: $0) }?.profile.currency)
            }
            return (events, try r.agencyEventTimes(ids: events.map(\.0.id)))
        }
        return [
            "nav_files": true,
            "outbox": outbox.reversed().map { o -> Context in
                let state = o.transfer.state.name
                var notBefore: Int64?
                if case .retryLater(let at, _) = o.transfer.state { notBefore = at }
                var row: Context = [
                    "id": o.id, "partner": o.partnerID, "name": o.remoteName, "size": Self.bytes(o.size),
                    "state": OwnerWords.outbox(named: state),
                    "attempts": o.transfer.attempts, "date": Self.stamp(o.confirmedAt ?? o.updatedAt),
                    "advice": Advice.outbox(
                        id: o.id, partner: o.partnerID, state: state, error: o.lastError, notBefore: notBefore),
                                    "tone": state == "failed" ? "bad" : (state == "retry_later" ? "warn" : "")]
                if let e = o.lastError, !e.isEmpty, state != "confirmed" { row["error"] = e }
                // A delivered file needs nothing: its row stays one line.
                if state == "confirmed" { row["advice"] = nil }
                if state == "failed" { row["retry"] = true }
                return row
            },
            "recent_files": Self.recentFiles,
            "inbox": inbox.map { i -> Context in
                var row: Context = [
                    "id": i.id, "partner": i.partnerID, "name": i.remoteName, "kind": OwnerWords.inbox(kind: i.kind),
                    "state": OwnerWords.inbox(i.state),
                    "date": Self.stamp(i.receivedAt),
                    "tone": (i.state == .quarantined || i.state == .held) ? "bad" : "",
                ]
                if let r = i.reason, !r.isEmpty { row["reason"] = r }
                if let a = Advice.inbox(
                    partner: i.partnerID, name: i.remoteName, state: i.state.rawValue, reason: i.reason)
                {
                    row["advice"] = a
                }
                return row
            },
            "events": events.map { e, currency -> Context in
                var row: Context = [
                    "id": e.id, "partner": e.partnerID, "kind": OwnerWords.event(kind: e.kind),
                    "state": OwnerWords.event(e.state),
                    "date": Self.stamp(eventTimes[e.id]),
                    "reason": Self.readableReason(e.reason, currency: currency),
                    "advice": Advice.event(
                        partner: e.partnerID, state: e.state.rawValue, reason: e.reason, kind: e.kind),
                ]
                if e.state == .held { row["held"] = true }
                if e.state == .held && !Advice.settledByAPerson(e.kind) { row["retryable"] = true }
                if let a = e.accountNumber { row["account"] = a; row["account_path"] = Self.pathSegment(a) }
                return row
            },
        ]
    }

    // MARK: Placements

    func placements() throws -> Context {
        let (batches, totals) = try store.readReconciliation { r in
            (try r.batches().map { b in (b, try r.batchKind(id: b.id)) }, try r.batchTotals())
        }
        return [
            "nav_placements": true,
            "batches": batches.reversed().map { (b, kind) -> Context in
                // A batch can hold accounts in several currencies: one total for each.
                let byCurrency = totals[b.id] ?? [:]
                let total =
                    byCurrency.isEmpty
                    ? "—"
                    : byCurrency.keys.sorted().map { Self.money(byCurrency[$0]!, code: $0) }.joined(separator: " · ")
                return [
                    "id": b.id, "partner": b.partnerID, "file": b.fileName, "kind": kind, "date": b.runDate.iso,
                    "accounts": b.accounts,
                    "invoices": b.invoices, "total": total, "state": OwnerWords.batch(named: b.state.rawValue)]
            },
        ]
    }

    /// What a placement run today would do, for the placements page.
    static func preview(_ preview: Jobs.Preview) -> Context {
        let summary = preview.summary
        var reasons = summary.notPlaced.sorted { ($0.value, $1.key.rawValue) > ($1.value, $0.key.rawValue) }
            .map { ["reason": $0.key.rawValue.replacingOccurrences(of: "_", with: " "), "count": $0.value] as Context }
        if summary.refused > 0 {
            reasons.append([
                "reason": "refused by the agency's layout (see `handoff place --dry-run`)", "count": summary.refused,
            ])
        }
        var context: Context = [
            "heading": "Preview: what a run today would do",
            "placed": summary.placed == 1 ? "1 account" : "\(summary.placed) accounts",
            "verb": "would be placed",
            "lines": preview.lines.map { l -> Context in
                [
                    "partner": l.partnerID, "currency": l.currency.code, "accounts": l.accounts,
                    "balance": Self.money(l.balance, l.currency),
                ]
            },
            "reasons": reasons,
            "has_reasons": !reasons.isEmpty,
            // Which accounts would go to which agency: the first 200 here, all of them in `place --dry-run`.
            "accounts": preview.accounts.prefix(200).map { a -> Context in
                [
                    "number": a.accountNumber, "name": a.name, "partner": a.partnerID,
                    "balance": Self.money(a.balance.minorUnits, a.balance.currency),
                ]
            },
            "has_accounts": !preview.accounts.isEmpty,
            "expected": summary.placed,
            // The compliance gate's codes (docs/compliance.md), with how many accounts each kept back.
            "compliance": preview.compliance.sorted { ($0.value, $1.key.rawValue) > ($1.value, $0.key.rawValue) }.map {
                c -> Context in
                ["code": c.key.rawValue, "meaning": c.key.explanation, "count": c.value]
            },
            "has_compliance": !preview.compliance.isEmpty,
        ]
        if preview.accounts.count > 200 { context["more_accounts"] = preview.accounts.count - 200 }
        if summary.noticesRecorded > 0 {
            context["notices"] =
                summary.noticesRecorded == 1 ? "1 final notice" : "\(summary.noticesRecorded) final notices"
            context["notices_verb"] = "would be recorded"
        }
        return context
    }
}
