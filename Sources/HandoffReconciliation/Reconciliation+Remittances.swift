import Foundation
import HandoffDomain
import HandoffPartners
import HandoffStore

extension Reconciliation {
    /// Matches a remittance statement against what Handoff recorded for the agency, under its
    /// remittance model: `net` (the agency keeps its commission: each line's amount and
    /// commission must equal the recorded payment, reversal or direct payment and the
    /// commission the schedule gives), or `gross` (it wires every cent collected and invoices
    /// its fee: the wired gross and the fee must equal what the listed payments bring since
    /// the statements before — a payment remitted earlier and reversed since counts negative —
    /// and the fees on them and on direct payments reported since). A statement whose own
    /// total disagrees with its lines is refused whole. Each currency the lines name is matched
    /// and stored on its own; a statement that spans currencies is flagged for a person.
    func match(_ statement: [Sourced], key: String, partner: Partner, _ w: any ReconciliationWriting) throws -> [Line] {
        // The agency's commissions, read once and indexed, so that a statement is matched in time linear in its lines.
        let commissions = try w.commissions(partnerID: partner.id)
        let byEventKey = Dictionary(commissions.map { ($0.eventKey, $0) }, uniquingKeysWith: { first, _ in first })
        /// One currency's share of the statement.
        struct Part {
            var amount: Int64 = 0, commission: Int64 = 0, net: Int64 = 0
            var differences: [RemittanceRecord.Difference] = []
            var items: [RemittanceRecord.Item] = []
            var latest: CalendarDate?
            mutating func covers(_ d: CalendarDate?) { if let d, latest.map({ d > $0 }) ?? true { latest = d } }
        }
        var parts: [String: Part] = [:]          // by currency code; "" for lines naming nothing Handoff knows
        func currency(of transaction: TransactionRecord, eventKey: String) throws -> String {
            try byEventKey[eventKey]?.currency ?? w.customer(id: transaction.customerID)?.profile.currency.code ?? ""
        }
        var statementAmounts: (amount: Int64, commission: Int64, net: Int64)?
        var refusal: String?
        var reference: String?
        var date: CalendarDate?
        var statementKey = key
        var wholeStatement = false // one event with the statement's own gross and fee (an API's remittance notice)

        if let single = statement.first,
            case .remittanceStatement(let id, let gross, let fee, let paymentIDs, let ref) = single.event.kind
        {
            statementKey = "remittance:" + id
            wholeStatement = true
            reference = ref
            date = single.event.date
            statementAmounts = (gross, fee, gross)
            var reversalFees: [Int64: Int64] = [:]      // by the id of the payment reversed
            var reversalDates: [Int64: CalendarDate] = [:]  // the latest reversal of each payment
            for c in commissions where c.kind == "reversal" {
                if let tid = c.transactionID, let reversal = try w.transaction(id: tid),
                    let reversed = reversal.reversesID
                {
                    reversalFees[reversed, default: 0] += c.expected
                    reversalDates[reversed] = max(reversalDates[reversed] ?? reversal.date, reversal.date)
                }
            }
            let earlier = try w.remittedItems(partnerID: partner.id, transactionIDs: paymentIDs)
            for pid in paymentIDs {
                guard let payment = try w.transaction(reference: "\(partner.id):\(pid)") else {
                    parts["", default: Part()].differences.append(
                        .init(transactionID: pid, field: "unknown", statement: nil, recorded: nil))
                    continue
                }
                let code = try currency(of: payment, eventKey: "payment:" + pid)
                let reversed = try w.reversedShares(ofPayment: payment.id).values.reduce(0, +)
                let before = earlier[pid]
                // What this payment brings now: what stands of it, less what earlier statements remitted.
                let amount = payment.amount - reversed - (before?.amount ?? 0)
                let fee =
                    (byEventKey["payment:" + pid]?.expected ?? 0) + (reversalFees[payment.id] ?? 0)
                    - (before?.commission ?? 0)
                if let before, amount == 0, fee == 0 {
                    parts[code, default: Part()].differences.append(
                        .init(transactionID: pid, field: "already_remitted", statement: nil, recorded: before.amount))
                }
                parts[code, default: Part()].amount += amount
                parts[code, default: Part()].commission += fee
                parts[code, default: Part()].items.append(.init(transactionID: pid, amount: amount, commission: fee))
                // Listed again, it stands for what changed since: its reversal.
                parts[code, default: Part()].covers(
                    before != nil ? (reversalDates[payment.id] ?? payment.date) : payment.date)
            }
            // Plus the fees on direct payments reported since the agency's previous statement.
            let statementDate = single.event.date ?? today
            let previous = try w.remittances().filter { $0.partnerID == partner.id }.compactMap {
                $0.date.flatMap { CalendarDate(iso: $0) }
            }
                .filter { $0 < statementDate }.max()
            for c in commissions where c.kind == "direct_payment" {
                guard let d = c.date, d <= statementDate, previous.map({ d > $0 }) ?? true else { continue }
                parts[c.currency, default: Part()].commission += c.expected
                parts[c.currency, default: Part()].items.append(
                    .init(
                        transactionID: String(c.eventKey.dropFirst("direct:".count)), amount: 0, commission: c.expected)
                )
            }
            for code in parts.keys { parts[code]!.net = parts[code]!.amount }
        } else {
            var sums: (Int64, Int64, Int64) = (0, 0, 0)
            let ids = statement.compactMap { s -> String? in
                if case .remittanceLine(let id, _, _, _) = s.event.kind { return id }; return nil
            }
            let earlier = try w.remittedItems(partnerID: partner.id, transactionIDs: ids)
            for s in statement {
                switch s.event.kind {
                case .remittanceLine(let id, let amount, let commissionAmount, let net):
                    sums.0 += amount; sums.1 += commissionAmount; sums.2 += net
                    if amount - commissionAmount != net {
                        refusal = "line \(id): net \(net) is not amount \(amount) less commission \(commissionAmount)"
                    }
                    var code = ""
                    var differences: [RemittanceRecord.Difference] = []
                    var covered: CalendarDate?
                    if let txn = try w.transaction(reference: "\(partner.id):\(id)") {
                        let eventKey = (txn.kind == .paymentReversal ? "reversal:" : "payment:") + id
                        code = try currency(of: txn, eventKey: eventKey)
                        covered = txn.date
                        let recordedAmount = txn.kind == .paymentReversal ? -txn.amount : txn.amount
                        if amount != recordedAmount {
                            differences.append(
                                .init(transactionID: id, field: "amount", statement: amount, recorded: recordedAmount))
                        }
                        let expected = byEventKey[eventKey]?.expected
                        if commissionAmount != expected {
                            differences.append(
                                .init(
                                    transactionID: id, field: "commission", statement: commissionAmount,
                                    recorded: expected))
                        }
                    } else if let direct = byEventKey["direct:" + id] {
                        code = direct.currency
                        covered = direct.date
                        if amount != 0 {
                            differences.append(
                                .init(transactionID: id, field: "amount", statement: amount, recorded: 0))
                        }
                        if commissionAmount != direct.expected {
                            differences.append(
                                .init(
                                    transactionID: id, field: "commission", statement: commissionAmount,
                                    recorded: direct.expected))
                        }
                    } else {
                        differences.append(.init(transactionID: id, field: "unknown", statement: amount, recorded: nil))
                    }
                    if let before = earlier[id] {
                        differences.append(
                            .init(
                                transactionID: id, field: "already_remitted", statement: amount, recorded: before.amount
                            ))
                    }
                    parts[code, default: Part()].amount += amount
                    parts[code, default: Part()].commission += commissionAmount
                    parts[code, default: Part()].net += net
                    parts[code, default: Part()].differences += differences
                    parts[code, default: Part()].items.append(
                        .init(transactionID: id, amount: amount, commission: commissionAmount))
                    parts[code, default: Part()].covers(covered)
                case .remittanceTotal(let amount, let commissionAmount, let net, let ref):
                    statementAmounts = (amount, commissionAmount, net)
                    reference = ref
                    date = s.event.date
                default: break
                }
            }
            if let t = statementAmounts, (t.amount, t.commission, t.net) != sums {
                refusal =
                    "its total line (\(t.amount), \(t.commission), \(t.net)) "
                    + "is not the sum of its lines (\(sums.0), \(sums.1), \(sums.2))"
            }
            if statementAmounts == nil { refusal = "it has no total line" }
            if statementAmounts == nil { statementAmounts = sums }
        }

        // Lines that name nothing Handoff knows go with the statement's one currency, if it has one.
        let known = parts.keys.filter { !$0.isEmpty }.sorted()
        if known.count == 1, let unknown = parts.removeValue(forKey: "") {
            parts[known[0]]!.differences += unknown.differences
            parts[known[0]]!.items += unknown.items
            parts[known[0]]!.amount += unknown.amount; parts[known[0]]!.commission += unknown.commission;
            parts[known[0]]!.net += unknown.net
        }
        if parts.isEmpty { parts[""] = Part() }
        let spans = parts.count > 1
        let totals = statementAmounts ?? (0, 0, 0)
        var lines: [Line] = []
        for code in parts.keys.sorted() {
            var part = parts[code]!
            let currency = Currency(code: code)
            func money(_ m: Int64?) -> String {
                guard let m else { return "-" }
                return currency.map { Money(minorUnits: m, currency: $0).description } ?? Amount.format(m, digits: 2)
            }
            var note: String?
            if spans {
                part.differences.append(
                    .init(transactionID: "(statement)", field: "currency", statement: nil, recorded: nil))
                note =
                    "the statement lists transactions in "
                    + "\(parts.keys.filter { !$0.isEmpty }.sorted().joined(separator: " and ")): "
                    + "one transfer carries one currency, so each part is matched on its own; "
                    + "ask the agency to send one statement per currency"
            } else if wholeStatement {
                // The statement's own gross and fee, against what the listed payments bring.
                if totals.amount != part.amount {
                    part.differences.append(
                        .init(
                            transactionID: "(gross)", field: "amount", statement: totals.amount, recorded: part.amount))
                }
                if totals.commission != part.commission {
                    part.differences.append(
                        .init(
                            transactionID: "(fee)", field: "commission", statement: totals.commission,
                            recorded: part.commission))
                }
            }
            if let refusal { note = "applied not at all: \(refusal)" }
            // A statement in one currency is stored with its own figures; a part of one that spans currencies
            // with its lines'.
            let figures = spans ? (part.amount, part.commission, part.net) : totals
            var record = RemittanceRecord(
                partnerID: partner.id, key: spans ? "\(statementKey) \(code.isEmpty ? "unknown" : code)" : statementKey,
                model: partner.terms.remittance.rawValue, amount: figures.0, commission: figures.1, net: figures.2,
                reference: reference, date: date?.iso,
                state: refusal != nil ? "refused" : (part.differences.isEmpty ? "matched" : "mismatch"),
                differences: refusal != nil ? [] : part.differences, note: note,
                period: part.latest.map { String($0.iso.prefix(7)) }, currency: code.isEmpty ? nil : code)
            record.items = refusal != nil ? [] : part.items
            try w.recordRemittance(record)
            let detail = record.differences.map { d in
                switch d.field {
                case "currency": return "spans currencies"
                case "already_remitted":
                    return
                        "\(d.transactionID) was already remitted (\(money(d.recorded))) by an earlier statement, "
                        + "and nothing changed since"
                default:
                    return
                        "\(d.transactionID) \(d.field): statement \(money(d.statement)), recorded \(money(d.recorded))"
                }
            }.joined(separator: "; ")
            lines.append(
                Line(
                    partnerID: partner.id, key: record.key, account: nil,
                    outcome: record.state == "matched" ? "applied" : "held",
                    reason: record.state == "matched"
                        ? "remittance matched"
                        : (record.note.map { "\($0)" + (detail.isEmpty ? "" : "; \(detail)") }
                            ?? "remittance mismatch: \(detail)")))
        }
        return lines
    }
}
