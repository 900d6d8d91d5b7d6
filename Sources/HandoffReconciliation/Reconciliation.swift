import Foundation
import HandoffCSV
import HandoffDomain
import HandoffLayout
import HandoffPartners
import HandoffStore

/// Applies what agencies returned to the AR record, exactly once and in the order it arrived:
/// every received file or event not yet applied is mapped to ``AgencyEvent``s by its partner
/// file, and each event is applied in the same transaction that records it under its key, so
/// applying a file twice changes nothing the second time. A reversal that arrives before its
/// payment waits and is applied when the payment arrives; an event for an unknown account, or
/// one not with that agency, is held for a person with its reason.
public struct Reconciliation {
    public let store: any ReconciliationStore
    public let partners: [Partner]
    /// Used when an event carries no date.
    public let today: CalendarDate

    public init(store: any ReconciliationStore, partners: [Partner], today: CalendarDate) {
        self.store = store
        self.partners = partners
        self.today = today
    }

    /// An event with where it came from.
    struct Sourced: Codable {
        var event: AgencyEvent
        var source: EntrySource
    }

    public struct Line: Sendable {
        public var partnerID: String
        public var key: String
        public var account: String?
        /// `applied`, `held`, `waiting` or `duplicate`.
        public var outcome: String
        public var reason: String?
    }

    /// How many events each outcome had in a run.
    public struct Tally: Sendable, Hashable {
        public var applied = 0, held = 0, waiting = 0, duplicate = 0
        public var total: Int { applied + held + waiting + duplicate }
        mutating func count(_ outcome: String) {
            switch outcome {
            case "applied": applied += 1
            case "held": held += 1
            case "waiting": waiting += 1
            default: duplicate += 1
            }
        }
    }

    /// Applies everything received and not yet applied, then whatever was waiting, handing
    /// each event's line to `each` as it is decided, so that memory does not grow with the
    /// number of events.
    @discardableResult
    public func run(each: (Line) throws -> Void) throws -> Tally {
        var tally = Tally()
        func emit(_ line: Line) throws { tally.count(line.outcome); try each(line) }
        let received = try store.readInbox { try $0.inbox() }.filter { $0.state == "received" }
        for record in received {
            guard let partner = partners.first(where: { $0.id == record.partnerID }), let spec = returnSpec(record, partner),
                  let mapping = spec.events else { continue }
            // Two passes over the file, so that memory does not grow with its size: the first
            // maps every record (a file that cannot be mapped is quarantined whole, before
            // anything is applied) and keeps only the remittance lines, matched as one
            // statement; the second applies the other events one by one, in one transaction.
            var statement: [Sourced] = []
            do {
                try forEachEvent(record, spec: spec, mapping: mapping, partner: partner) { e in
                    if Self.isRemittance(e.event.kind) { statement.append(e) }
                }
            } catch {
                try store.writeReconciliation { try $0.setInboxState(id: record.id, "quarantined", reason: "cannot be applied: \(error)") }
                try emit(Line(partnerID: partner.id, key: record.remoteName, account: nil, outcome: "held", reason: "\(error)"))
                continue
            }
            try store.writeReconciliation { w in
                if !statement.isEmpty {
                    try emit(try match(statement, key: "remittance:" + record.sha256, partner: partner, w))
                }
                try forEachEvent(record, spec: spec, mapping: mapping, partner: partner) { e in
                    if !Self.isRemittance(e.event.kind) { try emit(try apply(e, inboxID: record.id, partner: partner, w)) }
                }
                try w.setInboxState(id: record.id, "applied", reason: nil)
            }
            // A reversal waiting for this payment is applied now, before anything that arrives after it.
            try retryWaiting(emit)
        }
        try retryWaiting(emit)
        return tally
    }

    /// Applies waiting events (reversals that arrived before their payments) whose wait is over.
    private func retryWaiting(_ emit: (Line) throws -> Void) throws {
        var progress = true
        while progress {
            progress = false
            let waiting = try store.writeReconciliation { try $0.waitingEvents() }
            for record in waiting {
                guard let partner = partners.first(where: { $0.id == record.partnerID }),
                      let sourced = try? JSONDecoder().decode(Sourced.self, from: Data(record.payload.utf8)) else { continue }
                let line = try store.writeReconciliation { w in try apply(sourced, inboxID: record.inboxID, partner: partner, w) }
                if line.outcome == "applied" { progress = true; try emit(line) }
            }
        }
    }

    /// Applies again an event held for a person, once its cause is fixed (the account
    /// imported, a rejection cleared, the balance corrected): the same event, from the same
    /// file line or feed event, in one transaction. It stays held, with the new reason, when
    /// the cause is still there. Audited as `event.retried`.
    public func retryHeld(id: Int64, actor: String) throws -> Line {
        try store.writeReconciliation { w in
            let (record, partner, sourced) = try held(id, w)
            let (state, reason) = try perform(sourced, partner: partner, w)
            try w.setEventState(id: id, state, reason: reason)
            try w.appendAudit(AuditEntry(actor: actor, action: "event.retried", subject: record.accountNumber ?? record.key,
                                         detail: "\(record.kind) \(record.key) from \(partner.id): \(state)\(reason.map { ": \($0)" } ?? "")",
                                         source: sourced.source))
            return Line(partnerID: partner.id, key: record.key, account: record.accountNumber, outcome: state, reason: reason)
        }
    }

    /// Sets a held event aside for good, with the reason a person gives: nothing is booked,
    /// and it no longer counts as waiting for a decision. Audited as `event.dismissed`.
    public func dismissHeld(id: Int64, reason: String, actor: String) throws -> Line {
        try store.writeReconciliation { w in
            let (record, partner, sourced) = try held(id, w)
            let text = "dismissed: \(reason)"
            try w.setEventState(id: id, "dismissed", reason: text)
            try w.appendAudit(AuditEntry(actor: actor, action: "event.dismissed", subject: record.accountNumber ?? record.key,
                                         detail: "\(record.kind) \(record.key) from \(partner.id) (was: \(record.reason ?? "held")): \(reason)",
                                         source: sourced.source))
            return Line(partnerID: partner.id, key: record.key, account: record.accountNumber, outcome: "dismissed", reason: text)
        }
    }

    /// A held event with its partner and what it said, or why a person cannot act on it.
    private func held(_ id: Int64, _ w: any ReconciliationWriting) throws -> (EventRecord, Partner, Sourced) {
        guard let record = try w.agencyEvent(id: id) else { throw ReconciliationError("there is no agency event #\(id) (see `handoff events`)") }
        guard record.state == "held" else { throw ReconciliationError("event #\(id) is \(record.state), not held: only a held event waits for a person") }
        guard let partner = partners.first(where: { $0.id == record.partnerID }) else {
            throw ReconciliationError("event #\(id) is from \(record.partnerID), which has no partner file now")
        }
        guard let sourced = try? JSONDecoder().decode(Sourced.self, from: Data(record.payload.utf8)) else {
            throw ReconciliationError("event #\(id) has no readable payload")
        }
        if Self.isRemittance(sourced.event.kind) {
            throw ReconciliationError("event #\(id) is a line of a remittance statement: it is matched with its whole statement, not alone")
        }
        return (record, partner, sourced)
    }

    private func returnSpec(_ record: InboxRecord, _ partner: Partner) -> ReturnSpec? {
        if record.remoteName.hasPrefix("event:") { return partner.returns.values.first { $0.layout == nil && $0.events != nil } }
        return partner.returns[record.kind]
    }

    /// Maps a received file (or feed event) to events, one record at a time, handing each to `body`.
    private func forEachEvent(_ record: InboxRecord, spec: ReturnSpec, mapping: EventMapping, partner: Partner,
                              _ body: (Sourced) throws -> Void) throws {
        guard let path = record.plainPath else { return }
        if let layout = spec.layout {
            let reader = LayoutReader(layout: layout, source: try ByteSource(path: path))
            while let row = try reader.next() {
                for event in try mapping.events({ row[$0] }, partnerID: partner.id, origin: "\(record.sha256):\(row.line)") {
                    try body(Sourced(event: event, source: EntrySource(kind: .agency, name: record.remoteName, line: row.line)))
                }
            }
            return
        }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any] ?? [:]
        let id = String(record.remoteName.dropFirst("event:".count))
        for event in try mapping.events({ json[$0].flatMap { $0 is NSNull ? nil : $0 } }, partnerID: partner.id, origin: record.remoteName) {
            try body(Sourced(event: event, source: EntrySource(kind: .agency, name: partner.id, eventID: id)))
        }
    }

    /// Applies one event once: records it under its key with the outcome.
    private func apply(_ s: Sourced, inboxID: Int64?, partner: Partner, _ w: any ReconciliationWriting) throws -> Line {
        let e = s.event
        if let seen = try w.agencyEvent(partnerID: partner.id, key: e.key), seen.state != "waiting" {
            return Line(partnerID: partner.id, key: e.key, account: e.accountNumber, outcome: "duplicate", reason: nil)
        }
        let (state, reason) = try perform(s, partner: partner, w)
        let payload = String(decoding: try JSONEncoder().encode(s), as: UTF8.self)
        try w.recordAgencyEvent(partnerID: partner.id, key: e.key, inboxID: inboxID, accountNumber: e.accountNumber, kind: Self.name(e.kind),
                                payload: payload, state: state, reason: reason)
        return Line(partnerID: partner.id, key: e.key, account: e.accountNumber, outcome: state, reason: reason)
    }

    static func name(_ kind: AgencyEvent.Kind) -> String {
        switch kind {
        case .accepted: return "accepted"
        case .rejected: return "rejected"
        case .fileRejected: return "file_rejected"
        case .statusChanged: return "status_changed"
        case .paymentCollected: return "payment_collected"
        case .paymentReversed: return "payment_reversed"
        case .directPaymentEcho: return "direct_payment_echo"
        case .remittanceLine: return "remittance_line"
        case .remittanceTotal: return "remittance_total"
        case .remittanceStatement: return "remittance_statement"
        }
    }

    static func isRemittance(_ kind: AgencyEvent.Kind) -> Bool {
        switch kind {
        case .remittanceLine, .remittanceTotal, .remittanceStatement: return true
        default: return false
        }
    }

    private func perform(_ s: Sourced, partner: Partner, _ w: any ReconciliationWriting) throws -> (String, String?) {
        let e = s.event
        if case .fileRejected(let reason) = e.kind {
            return ("held", "the agency rejected the whole file (\(reason))\(e.note.map { ": \($0)" } ?? ""); no account is affected")
        }
        guard let number = e.accountNumber, let customer = try w.customer(accountNumber: number) else {
            return ("held", "no account '\(e.accountNumber ?? "")' in the AR record")
        }
        guard let placement = try w.placement(customerID: customer.id, partnerID: partner.id) else {
            return ("held", "account \(number) was never placed with \(partner.id)")
        }
        var lifecycle = PlacementLifecycle(state: placement.state)
        let currency = customer.profile.currency
        let date = e.date ?? today
        func update(_ action: PlacementLifecycle.Action, reference: String? = nil, status: String? = nil) throws -> (String, String?)? {
            switch action {
            case .invalid(let why): return ("held", "\(number) with \(partner.id): \(why)")
            case .none:
                if let status { try w.updatePlacement(id: placement.id, state: lifecycle.state, agencyReference: nil, agencyStatus: status) }
                return nil
            default:
                try w.updatePlacement(id: placement.id, state: lifecycle.state, agencyReference: reference, agencyStatus: status)
                return nil
            }
        }

        switch e.kind {
        case .fileRejected:
            return ("held", nil)
        case .remittanceLine, .remittanceTotal, .remittanceStatement:
            return ("held", "a remittance line outside its statement")
        case .accepted(let reference):
            return try update(lifecycle.acknowledged(accepted: reference), reference: reference) ?? ("applied", nil)
        case .rejected(let reason):
            let text = reason + (e.note.map { ": \($0)" } ?? "")
            return try update(lifecycle.rejected(reason: text)) ?? ("applied", "returned to the business: \(text)")
        case .statusChanged(let code, let meaning):
            switch meaning {
            case .recallObjected:
                let result = try update(lifecycle.recallObjected(), status: code) ?? ("applied", nil)
                try w.setRequestStates(placementID: placement.id, kind: "recall", from: "sent", to: "objected")
                return result
            case .active, .disputed, .stopped, .bankruptcy, .deceased, .ceaseContact:
                if let held = try update(lifecycle.agencyActivity(), status: code) { return held }
                if let hold = meaning.hold, !customer.profile.holds.contains(hold) {
                    // The agency learned of it: the business must not place the account again.
                    var profile = customer.profile
                    profile.holds.insert(hold)
                    try w.updateCustomer(id: customer.id, profile)
                    try w.appendAudit(AuditEntry(actor: "reconcile", action: "customer.hold_added", subject: number,
                                                 detail: "hold \(hold.rawValue) from \(partner.id) status \(code)", source: s.source))
                    return ("applied", "hold \(hold.rawValue) added")
                }
                return ("applied", nil)
            case .paidInFull, .settled, .returnedUncollectable, .recallConfirmed:
                let closure = meaning.closure!
                if closure == .recalled { try w.setRequestStates(placementID: placement.id, kind: "recall", from: "sent", to: "confirmed") }
                if case .recallPending = lifecycle.state, closure == .recalled {
                    if let held = try update(lifecycle.recallConfirmed(), status: code) { return held }
                } else if let held = try update(lifecycle.closed(closure), status: code) { return held }
                if closure == .settled { try writeOffSettlement(customer: customer, placement: placement, partner: partner, key: e.key, date: date, source: s.source, w) }
                return ("applied", nil)
            }
        case .paymentCollected(let paymentID, let gross, let commission, _, let invoices):
            guard placement.state.isOpen else { return ("held", "\(number) is no longer with \(partner.id) (\(placement.state.name))") }
            let reference = "\(partner.id):\(paymentID)"
            if try w.transaction(reference: reference) != nil { return ("applied", "already recorded as \(reference)") }
            let items = try w.invoices(customerID: customer.id)
            var shares: [Allocation.Share] = []
            if invoices.isEmpty {
                switch Allocation.lowering(gross, across: items.map(\.openItem)) {
                case .success(let sh): shares = sh
                case .failure: return ("held", "payment \(paymentID) of \(Money(minorUnits: gross, currency: currency)) exceeds \(number)'s open balance")
                }
            } else {
                for part in invoices {
                    guard let invoice = items.first(where: { $0.terms.invoiceNumber == part.invoiceNumber }), invoice.balance >= part.amount else {
                        return ("held", "payment \(paymentID): invoice \(part.invoiceNumber) is unknown or has less open than \(part.amount)")
                    }
                    shares.append(Allocation.Share(invoiceID: invoice.id, amount: part.amount))
                }
            }
            _ = lifecycle.agencyActivity()      // the first payment makes an accepted (or unacknowledged) account active
            try w.updatePlacement(id: placement.id, state: lifecycle.state, agencyReference: nil, agencyStatus: nil)
            let id = try w.insertTransaction(reference: reference, customerID: customer.id, invoiceNumber: nil, date: date, kind: .payment,
                                             amount: gross, reversesID: nil, source: s.source)
            for share in shares {
                try w.appendLedgerEntry(NewLedgerEntry(customerID: customer.id, invoiceID: share.invoiceID, transactionID: id, kind: .payment,
                                                       amount: -share.amount, currency: currency, effectiveDate: date, source: s.source))
            }
            let status = try w.agencyStatus(placementID: placement.id)
            let rate = partner.terms.commission.rate(ageDays: placement.placedOn.days(since: placement.oldestDueDate), status: status)
            let expected = rate.map { partner.terms.commission.commission(on: gross, rate: $0) } ?? 0
            try w.recordCommission(CommissionRecord(partnerID: partner.id, customerID: customer.id, transactionID: id, eventKey: e.key, kind: "collection",
                                                    base: gross, ratePPM: rate?.partsPerMillion ?? 0, expected: expected, reported: commission,
                                                    currency: currency.code, date: date))
            return ("applied", commission.map { $0 != expected ? "commission reported \($0), schedule gives \(expected)" : nil } ?? nil)
        case .paymentReversed(let reversalID, let paymentID, let amount, let commission):
            guard let payment = try w.transaction(reference: "\(partner.id):\(paymentID)") else {
                return ("waiting", "reverses payment \(paymentID), which has not arrived yet")
            }
            let reference = "\(partner.id):\(reversalID)"
            if try w.transaction(reference: reference) != nil { return ("applied", "already recorded as \(reference)") }
            let shares: [Allocation.Share]
            switch Allocation.reversing(amount, of: try w.shares(ofTransaction: payment.id), alreadyReversed: try w.reversedShares(ofPayment: payment.id)) {
            case .success(let sh): shares = sh
            case .failure: return ("held", "reversal \(reversalID) exceeds what is left of payment \(paymentID)")
            }
            let id = try w.insertTransaction(reference: reference, customerID: customer.id, invoiceNumber: nil, date: date, kind: .paymentReversal,
                                             amount: amount, reversesID: payment.id, source: s.source)
            for share in shares {
                try w.appendLedgerEntry(NewLedgerEntry(customerID: customer.id, invoiceID: share.invoiceID, transactionID: id, kind: .paymentReversal,
                                                       amount: share.amount, currency: currency, effectiveDate: date, source: s.source))
            }
            let original = try w.commission(partnerID: partner.id, eventKey: "payment:" + paymentID)
            let rate = CommissionSchedule.Rate(partsPerMillion: original?.ratePPM ?? 0)
            let expected = partner.terms.commission.commission(on: -amount, rate: rate)
            try w.recordCommission(CommissionRecord(partnerID: partner.id, customerID: customer.id, transactionID: id, eventKey: e.key, kind: "reversal",
                                                    base: -amount, ratePPM: rate.partsPerMillion, expected: expected, reported: commission.map { -$0 },
                                                    currency: currency.code, date: date))
            return ("applied", nil)
        case .directPaymentEcho(_, let clientReference, let amount, let commission):
            // The business already recorded this payment; the agency only earns its commission on it.
            let status = try w.agencyStatus(placementID: placement.id)
            let rate = partner.terms.commission.rate(ageDays: placement.placedOn.days(since: placement.oldestDueDate), status: status)
            let expected = rate.map { partner.terms.commission.commission(on: amount, rate: $0) } ?? 0
            let ours = try clientReference.flatMap { try w.transaction(reference: $0) }
            try w.recordCommission(CommissionRecord(partnerID: partner.id, customerID: customer.id, transactionID: ours?.id, eventKey: e.key,
                                                    kind: "direct_payment", base: amount, ratePPM: rate?.partsPerMillion ?? 0, expected: expected,
                                                    reported: commission, currency: currency.code, date: date))
            return ("applied", "direct payment echo: commission owed, not a payment")
        }
    }

    /// A settlement: the agency accepted less, and the rest of the invoices it was placed with
    /// is written off as a settlement allowance (other invoices of the account are untouched).
    private func writeOffSettlement(customer: CustomerRecord, placement: PlacementRecord, partner: Partner, key: String, date: CalendarDate,
                                    source: EntrySource, _ w: any ReconciliationWriting) throws {
        let placed = try w.placedInvoiceIDs(placementID: placement.id)
        let open = try w.invoices(customerID: customer.id).filter { $0.balance > 0 && placed.contains($0.id) }
        let total = open.reduce(0) { $0 + $1.balance }
        guard total > 0 else { return }
        let id = try w.insertTransaction(reference: "\(partner.id):settlement:\(key)", customerID: customer.id, invoiceNumber: nil, date: date,
                                         kind: .writeoff, amount: total, reversesID: nil, source: source)
        for invoice in open {
            try w.appendLedgerEntry(NewLedgerEntry(customerID: customer.id, invoiceID: invoice.id, transactionID: id, kind: .writeoff,
                                                   amount: -invoice.balance, currency: customer.profile.currency, effectiveDate: date, source: source))
        }
        try w.appendAudit(AuditEntry(actor: "reconcile", action: "settlement.allowance", subject: customer.profile.accountNumber,
                                     detail: "settled with \(partner.id): \(Money(minorUnits: total, currency: customer.profile.currency)) written off", source: source))
    }

    // MARK: - Remittance statements

    /// Matches a remittance statement against what Handoff recorded for the agency, under its
    /// remittance model: `net` (the agency keeps its commission: each line's amount and
    /// commission must equal the recorded payment, reversal or direct payment and the
    /// commission the schedule gives), or `gross` (it wires every cent collected and invoices
    /// its fee: the wired gross and the fee must equal the listed payments less their
    /// reversals, and their commissions). A statement whose own total disagrees with its lines
    /// is refused whole.
    private func match(_ statement: [Sourced], key: String, partner: Partner, _ w: any ReconciliationWriting) throws -> Line {
        // The agency's commissions, read once and indexed, so that a statement is matched in time linear in its lines.
        let commissions = try w.commissions(partnerID: partner.id)
        let byEventKey = Dictionary(commissions.map { ($0.eventKey, $0) }, uniquingKeysWith: { first, _ in first })
        func commission(_ eventKey: String) -> CommissionRecord? { byEventKey[eventKey] }
        /// Reversal commissions by the id of the payment they reverse (read only for a gross statement).
        func reversalCommissionsByPayment() throws -> [Int64: Int64] {
            var out: [Int64: Int64] = [:]
            for c in commissions where c.kind == "reversal" {
                if let id = c.transactionID, let reversed = try w.transaction(id: id)?.reversesID { out[reversed, default: 0] += c.expected }
            }
            return out
        }
        var differences: [RemittanceRecord.Difference] = []
        var record: RemittanceRecord
        var latest: CalendarDate?
        func covers(_ d: CalendarDate?) { if let d, latest.map({ d > $0 }) ?? true { latest = d } }
        if let single = statement.first, case .remittanceStatement(let id, let gross, let fee, let paymentIDs, let reference) = single.event.kind {
            var expectedGross: Int64 = 0, expectedFee: Int64 = 0
            let reversalFees = try reversalCommissionsByPayment()
            for pid in paymentIDs {
                guard let payment = try w.transaction(reference: "\(partner.id):\(pid)") else {
                    differences.append(.init(transactionID: pid, field: "unknown", statement: nil, recorded: nil))
                    continue
                }
                covers(payment.date)
                let reversed = try w.reversedShares(ofPayment: payment.id).values.reduce(0, +)
                expectedGross += payment.amount - reversed
                expectedFee += (commission("payment:" + pid)?.expected ?? 0) + (reversalFees[payment.id] ?? 0)
            }
            // Plus the fees on direct payments reported since the agency's previous statement.
            let statementDate = single.event.date ?? today
            let previous = try w.remittances().filter { $0.partnerID == partner.id }.compactMap { $0.date.flatMap { CalendarDate(iso: $0) } }
                .filter { $0 < statementDate }.max()
            expectedFee += commissions.filter { c in
                c.kind == "direct_payment" && (c.date.map { d in d <= statementDate && previous.map { d > $0 } ?? true } ?? false)
            }.reduce(0) { $0 + $1.expected }
            if gross != expectedGross { differences.append(.init(transactionID: "(gross)", field: "amount", statement: gross, recorded: expectedGross)) }
            if fee != expectedFee { differences.append(.init(transactionID: "(fee)", field: "commission", statement: fee, recorded: expectedFee)) }
            record = RemittanceRecord(partnerID: partner.id, key: "remittance:" + id, model: partner.terms.remittance.rawValue, amount: gross,
                                      commission: fee, net: gross, reference: reference, date: single.event.date?.iso,
                                      state: differences.isEmpty ? "matched" : "mismatch", differences: differences, note: nil)
        } else {
            var total: (amount: Int64, commission: Int64, net: Int64, reference: String?, date: CalendarDate?)?
            var sums: (Int64, Int64, Int64) = (0, 0, 0)
            var refusal: String?
            for s in statement {
                switch s.event.kind {
                case .remittanceLine(let id, let amount, let commissionAmount, let net):
                    sums.0 += amount; sums.1 += commissionAmount; sums.2 += net
                    if amount - commissionAmount != net { refusal = "line \(id): net \(net) is not amount \(amount) less commission \(commissionAmount)" }
                    if let txn = try w.transaction(reference: "\(partner.id):\(id)") {
                        covers(txn.date)
                        let recordedAmount = txn.kind == .paymentReversal ? -txn.amount : txn.amount
                        let eventKey = (txn.kind == .paymentReversal ? "reversal:" : "payment:") + id
                        if amount != recordedAmount { differences.append(.init(transactionID: id, field: "amount", statement: amount, recorded: recordedAmount)) }
                        let expected = commission(eventKey)?.expected
                        if commissionAmount != expected { differences.append(.init(transactionID: id, field: "commission", statement: commissionAmount, recorded: expected)) }
                    } else if let direct = commission("direct:" + id) {
                        covers(direct.date)
                        if amount != 0 { differences.append(.init(transactionID: id, field: "amount", statement: amount, recorded: 0)) }
                        if commissionAmount != direct.expected {
                            differences.append(.init(transactionID: id, field: "commission", statement: commissionAmount, recorded: direct.expected))
                        }
                    } else {
                        differences.append(.init(transactionID: id, field: "unknown", statement: amount, recorded: nil))
                    }
                case .remittanceTotal(let amount, let commissionAmount, let net, let reference):
                    total = (amount, commissionAmount, net, reference, s.event.date)
                default: break
                }
            }
            if let t = total, (t.amount, t.commission, t.net) != sums {
                refusal = "its total line (\(t.amount), \(t.commission), \(t.net)) is not the sum of its lines (\(sums.0), \(sums.1), \(sums.2))"
            }
            if total == nil { refusal = "it has no total line" }
            record = RemittanceRecord(partnerID: partner.id, key: key, model: partner.terms.remittance.rawValue, amount: total?.amount ?? sums.0,
                                      commission: total?.commission ?? sums.1, net: total?.net ?? sums.2, reference: total?.reference,
                                      date: total?.date?.iso, state: refusal != nil ? "refused" : (differences.isEmpty ? "matched" : "mismatch"),
                                      differences: refusal != nil ? [] : differences, note: refusal.map { "applied not at all: \($0)" })
        }
        record.period = latest.map { String($0.iso.prefix(7)) }
        try w.recordRemittance(record)
        let detail = record.differences.map { d in
            "\(d.transactionID) \(d.field): statement \(d.statement.map(String.init) ?? "-"), recorded \(d.recorded.map(String.init) ?? "-")"
        }.joined(separator: "; ")
        return Line(partnerID: partner.id, key: record.key, account: nil, outcome: record.state == "matched" ? "applied" : "held",
                    reason: record.state == "matched" ? "remittance matched" : (record.note ?? "remittance mismatch: \(detail)"))
    }
}

/// Why a person's request about an agency event cannot be carried out.
public struct ReconciliationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
