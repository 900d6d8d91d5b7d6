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
        let (received, waiting) = try inAgencyOrder(try store.readInbox { try $0.inbox() }.filter { $0.state == .received })
        for (record, seq) in waiting {
            try emit(Line(partnerID: record.partnerID, key: record.remoteName, account: nil, outcome: "waiting",
                          reason: "the agency numbered it \(seq); it waits for the events before it, which the next fetch of the agency's feed brings"))
        }
        for (record, seq) in received {
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
                try store.writeReconciliation { try $0.setInboxState(id: record.id, .quarantined, reason: "cannot be applied: \(error)") }
                try emit(Line(partnerID: partner.id, key: record.remoteName, account: nil, outcome: "held", reason: "\(error)"))
                continue
            }
            try store.writeReconciliation { w in
                if !statement.isEmpty {
                    for line in try match(statement, key: "remittance:" + record.sha256, partner: partner, w) { try emit(line) }
                }
                try forEachEvent(record, spec: spec, mapping: mapping, partner: partner) { e in
                    if !Self.isRemittance(e.event.kind) { try emit(try apply(e, inboxID: record.id, partner: partner, w)) }
                }
                try w.setInboxState(id: record.id, .applied, reason: nil)
                if let seq { try w.setFeedCursor(partnerID: Self.appliedKey(partner.id), String(seq)) }
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
            if record.kind == "conflict" || record.kind == "overpayment" {
                let what = record.kind == "conflict" ? "a conflict between two versions of one agency event" : "money beyond what was placed with the agency"
                throw ReconciliationError("event #\(id) is \(what): a person settles it with the agency, then dismisses it with the reason "
                                          + "(`handoff events dismiss \(id) --reason …`)")
            }
            let (state, reason) = try performGuarded(sourced, inboxID: record.inboxID, partner: partner, w)
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
                let events: [AgencyEvent]
                do {
                    events = try mapping.events({ row[$0] }, partnerID: partner.id, origin: "\(record.sha256):\(row.line)")
                } catch {
                    throw ReconciliationError("\(record.remoteName) line \(row.line): \(error)")
                }
                for event in events {
                    try body(Sourced(event: event, source: EntrySource(kind: .agency, name: record.remoteName, line: row.line)))
                }
            }
            return
        }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any] ?? [:]
        let id = String(record.remoteName.dropFirst("event:".count))
        let events: [AgencyEvent]
        do {
            events = try mapping.events({ json[$0].flatMap { $0 is NSNull ? nil : $0 } }, partnerID: partner.id, origin: record.remoteName)
        } catch {
            throw ReconciliationError("\(partner.id) event \(id): \(error)")
        }
        for event in events {
            try body(Sourced(event: event, source: EntrySource(kind: .agency, name: partner.id, eventID: id)))
        }
    }

    /// Applies one event once: records it under its key with the outcome. The same key seen
    /// again with the same content is a duplicate; with other content it is a conflict, held
    /// for a person with both versions, and nothing of the second is booked.
    private func apply(_ s: Sourced, inboxID: Int64?, partner: Partner, _ w: any ReconciliationWriting) throws -> Line {
        let e = s.event
        if let seen = try w.agencyEvent(partnerID: partner.id, key: e.key), seen.state != "waiting" {
            let earlier = try? JSONDecoder().decode(Sourced.self, from: Data(seen.payload.utf8))
            guard let earlier, earlier.event != e else {
                return Line(partnerID: partner.id, key: e.key, account: e.accountNumber, outcome: "duplicate", reason: nil)
            }
            let key = "\(e.key) again from \(s.source.label)"
            if try w.agencyEvent(partnerID: partner.id, key: key) != nil {
                return Line(partnerID: partner.id, key: key, account: e.accountNumber, outcome: "duplicate", reason: nil)
            }
            let reason = "\(describe(e, w)) (\(s.source.label)) conflicts with what the agency sent before under the same id: "
                + "\(describe(earlier.event, w)) (\(earlier.source.label), \(seen.state)); nothing of the second was booked: ask the agency which is right"
            try w.recordAgencyEvent(partnerID: partner.id, key: key, inboxID: inboxID, accountNumber: e.accountNumber, kind: "conflict",
                                    payload: String(decoding: try JSONEncoder().encode(s), as: UTF8.self), state: "held", reason: reason)
            return Line(partnerID: partner.id, key: key, account: e.accountNumber, outcome: "held", reason: reason)
        }
        let (state, reason) = try performGuarded(s, inboxID: inboxID, partner: partner, w)
        let payload = String(decoding: try JSONEncoder().encode(s), as: UTF8.self)
        try w.recordAgencyEvent(partnerID: partner.id, key: e.key, inboxID: inboxID, accountNumber: e.accountNumber, kind: Self.name(e.kind),
                                payload: payload, state: state, reason: reason)
        return Line(partnerID: partner.id, key: e.key, account: e.accountNumber, outcome: state, reason: reason)
    }

    /// Decides and books one event so that nothing the agency sent can stop reconciliation:
    /// whatever the AR record refuses to store (a constraint, an overflow) is undone and the
    /// event held with its source and reason.
    private func performGuarded(_ s: Sourced, inboxID: Int64?, partner: Partner, _ w: any ReconciliationWriting) throws -> (String, String?) {
        do {
            return try w.undoable { try perform(s, inboxID: inboxID, partner: partner, w) }
        } catch let error where w.isRefusal(error) {
            return ("held", "\(describe(s.event, w)) from \(s.source.label) could not be booked: the AR record refused it (\(error)); nothing of it was booked")
        }
    }

    static func name(_ kind: AgencyEvent.Kind) -> String {
        switch kind {
        case .accepted: return "accepted"
        case .rejected: return "rejected"
        case .updateAccepted: return "update_accepted"
        case .updateRejected: return "update_rejected"
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

    private func perform(_ s: Sourced, inboxID: Int64?, partner: Partner, _ w: any ReconciliationWriting) throws -> (String, String?) {
        let e = s.event
        switch e.kind {
        case .fileRejected(let reason):
            return ("held", "the agency rejected the whole file (\(reason))\(e.note.map { ": \($0)" } ?? ""); no account is affected")
        case .updateAccepted(let requestID), .updateRejected(let requestID, _):
            return try acknowledgeUpdate(e, requestID: requestID, partner: partner, w)
        default:
            break
        }
        guard let number = e.accountNumber, let customer = try w.customer(accountNumber: number) else {
            return ("held", "no account '\(e.accountNumber ?? "")' in the AR record")
        }
        guard let placement = try w.placement(customerID: customer.id, partnerID: partner.id) else {
            return ("held", "account \(number) was never placed with \(partner.id)")
        }
        var lifecycle = PlacementLifecycle(state: placement.state)
        let currency = customer.profile.currency
        func money(_ m: Int64) -> String { Money(minorUnits: m, currency: currency).description }
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
        case .fileRejected, .updateAccepted, .updateRejected:
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
                if meaning == .disputed {
                    // The agency reports the account disputed: a dispute the business notified has reached it.
                    for from in ["sent", "accepted"] { try w.setRequestStates(placementID: placement.id, kind: "dispute", from: from, to: "confirmed") }
                }
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
            guard gross > 0 else {
                return ("held", "payment \(paymentID) of \(money(gross)) from \(s.source.label): an agency payment must be more than zero; nothing was booked")
            }
            // A payment the agency collected before it closed the account is applied, whenever it is reported.
            if !placement.state.isOpen {
                guard let closedOn = try closureDate(number, partner: partner, w), date <= closedOn else {
                    return ("held", "payment \(paymentID) of \(money(gross)) dated \(date.iso) from \(s.source.label): \(number) is no longer with \(partner.id) "
                            + "(\(placement.state.name)), and the payment is dated after it left")
                }
            }
            let reference = "\(partner.id):\(paymentID)"
            if try w.transaction(reference: reference) != nil { return ("applied", "already recorded as \(reference)") }
            // The agency's money lands only on the invoices placed with it; what exceeds them is
            // held for a person, and commission is due only on what was applied.
            let placed = try w.placedInvoiceIDs(placementID: placement.id)
            let items = try w.invoices(customerID: customer.id).filter { placed.contains($0.id) }
            var shares: [Allocation.Share] = []
            if invoices.isEmpty {
                let open = items.reduce(Int64(0)) { $0 + max(0, $1.balance) }
                if open > 0, case .success(let sh) = Allocation.lowering(min(gross, open), across: items.map(\.openItem)) { shares = sh }
            } else {
                var listed: Int64 = 0
                for part in invoices {
                    guard part.amount > 0 else {
                        return ("held", "payment \(paymentID) from \(s.source.label): its part on invoice \(part.invoiceNumber) is \(money(part.amount)), not more than zero; nothing was booked")
                    }
                    let (sum, overflow) = listed.addingReportingOverflow(part.amount)
                    guard !overflow else {
                        return ("held", "payment \(paymentID) from \(s.source.label): its invoice amounts add up to more than Handoff can hold; nothing was booked")
                    }
                    listed = sum
                    guard let invoice = items.first(where: { $0.terms.invoiceNumber == part.invoiceNumber }) else {
                        return ("held", "payment \(paymentID) from \(s.source.label): invoice \(part.invoiceNumber) was not placed with \(partner.id); nothing was booked")
                    }
                    let taken = shares.filter { $0.invoiceID == invoice.id }.reduce(Int64(0)) { $0 + $1.amount }
                    let take = min(part.amount, invoice.balance - taken)
                    if take > 0 { shares.append(Allocation.Share(invoiceID: invoice.id, amount: take)) }
                }
                guard listed == gross else {
                    return ("held", "payment \(paymentID) from \(s.source.label): its invoices add up to \(money(listed)), not the payment's \(money(gross)); nothing was booked")
                }
            }
            let applied = shares.reduce(Int64(0)) { $0 + $1.amount }
            guard applied > 0 else {
                return ("held", "payment \(paymentID) of \(money(gross)) from \(s.source.label): nothing placed with \(partner.id) is open on \(number); "
                        + "held for a person (refund it, or import it as a payment on the right invoice)")
            }
            if placement.state.isOpen {
                _ = lifecycle.agencyActivity()      // the first payment makes an accepted (or unacknowledged) account active
                try w.updatePlacement(id: placement.id, state: lifecycle.state, agencyReference: nil, agencyStatus: nil)
            }
            let id = try w.insertTransaction(reference: reference, customerID: customer.id, invoiceNumber: nil, date: date, kind: .payment,
                                             amount: applied, reversesID: nil, source: s.source)
            for share in shares {
                try w.appendLedgerEntry(NewLedgerEntry(customerID: customer.id, invoiceID: share.invoiceID, transactionID: id, kind: .payment,
                                                       amount: -share.amount, currency: currency, effectiveDate: date, source: s.source))
            }
            let status = try w.agencyStatus(placementID: placement.id)
            let rate = partner.terms.commission.rate(ageDays: placement.placedOn.days(since: placement.oldestDueDate), status: status)
            let expected = rate.map { partner.terms.commission.commission(on: applied, rate: $0) } ?? 0
            try w.recordCommission(CommissionRecord(partnerID: partner.id, customerID: customer.id, transactionID: id, eventKey: e.key, kind: "collection",
                                                    base: applied, ratePPM: rate?.partsPerMillion ?? 0, expected: expected, reported: commission,
                                                    currency: currency.code, date: date))
            var notes: [String] = []
            if applied < gross {
                let over = gross - applied
                let reason = "payment \(paymentID) of \(money(gross)) from \(s.source.label): \(money(applied)) applied to what was placed with \(partner.id); "
                    + "\(money(over)) more than those invoices owed is held as an overpayment for a person (refund it, or import it on the right invoice)"
                try w.recordAgencyEvent(partnerID: partner.id, key: "overpayment:" + paymentID, inboxID: inboxID, accountNumber: number, kind: "overpayment",
                                        payload: String(decoding: try JSONEncoder().encode(s), as: UTF8.self), state: "held", reason: reason)
                notes.append("\(money(over)) over what was placed held as an overpayment")
            }
            if let commission, commission != expected { notes.append("commission reported \(money(commission)), schedule gives \(money(expected))") }
            return ("applied", notes.isEmpty ? nil : notes.joined(separator: "; "))
        case .paymentReversed(let reversalID, let paymentID, let amount, let commission):
            guard amount > 0 else {
                return ("held", "reversal \(reversalID) of \(money(amount)) from \(s.source.label): the amount reversed must be more than zero; nothing was booked")
            }
            guard let payment = try w.transaction(reference: "\(partner.id):\(paymentID)") else {
                return ("waiting", "reverses payment \(paymentID), which has not arrived yet")
            }
            guard payment.customerID == customer.id else {
                let owner = try w.customer(id: payment.customerID)?.profile.accountNumber ?? "another account"
                return ("held", "reversal \(reversalID) from \(s.source.label) is on \(number), but payment \(paymentID) it reverses was on \(owner); nothing was booked")
            }
            let reference = "\(partner.id):\(reversalID)"
            if try w.transaction(reference: reference) != nil { return ("applied", "already recorded as \(reference)") }
            let shares: [Allocation.Share]
            switch Allocation.reversing(amount, of: try w.shares(ofTransaction: payment.id), alreadyReversed: try w.reversedShares(ofPayment: payment.id)) {
            case .success(let sh): shares = sh
            case .failure: return ("held", "reversal \(reversalID) of \(money(amount)) from \(s.source.label) exceeds what is left of payment \(paymentID)")
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
        case .directPaymentEcho(let echoID, let clientReference, let amount, let commission):
            guard amount > 0 else {
                return ("held", "direct-payment echo \(echoID) of \(money(amount)) from \(s.source.label): the amount must be more than zero; nothing was booked")
            }
            // The business already recorded this payment; the agency only earns its commission on it.
            if let clientReference { try confirmRequest(partnerID: partner.id, requestID: clientReference, w) }
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
}

/// Why a person's request about an agency event cannot be carried out.
public struct ReconciliationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
