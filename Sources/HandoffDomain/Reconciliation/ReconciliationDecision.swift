/// What reconciliation decided for one event: its outcome, the key and kind it is recorded
/// under, and the effects the runner writes.
public struct EventDecision: Sendable, Hashable {
    public var outcome: EventOutcome
    /// The key the event is recorded under: its own, or `KEY again from SOURCE` for a conflict.
    public var key: String
    /// The kind it is recorded as (``AgencyEvent/Kind/storedName``, or `conflict`).
    public var kind: String
    /// The event's record, as its machine says to write it (`.none` for a duplicate).
    public var record: AgencyEventProgress.Action
    public var effects: [ReconciliationEffect]

    public init(
        outcome: EventOutcome, key: String, kind: String, record: AgencyEventProgress.Action,
        effects: [ReconciliationEffect]
    ) {
        self.outcome = outcome
        self.key = key
        self.kind = kind
        self.record = record
        self.effects = effects
    }
}

extension AgencyEvent.Kind {
    /// The kind's stored name: `accepted`, `payment_collected`, `remittance_line`…
    public var storedName: String {
        switch self {
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

    /// Whether it is part of a remittance statement (matched with its whole statement, not alone).
    public var isRemittance: Bool {
        switch self {
        case .remittanceLine, .remittanceTotal, .remittanceStatement: return true
        case .accepted, .rejected, .updateAccepted, .updateRejected, .fileRejected, .statusChanged, .paymentCollected,
            .paymentReversed,
            .directPaymentEcho:
            return false
        }
    }
}

extension ReconciliationSnapshot {
    /// Decides one event exactly once: the same key seen again with the same content is a
    /// duplicate; with other content it is a conflict, held for a person with both versions,
    /// and nothing of the second is booked. Otherwise the event is decided on its merits
    /// (``effects(of:from:)``). The snapshot then holds what the event changed.
    public mutating func decide(_ e: AgencyEvent, from source: String) -> EventDecision {
        if let seen = seen[e.key], seen.state != .waiting {
            guard seen.event != e else {
                return EventDecision(
                    outcome: .duplicate, key: e.key, kind: e.kind.storedName, record: .none, effects: [])
            }
            let key = "\(e.key) again from \(source)"
            if self.seen[key] != nil {
                return EventDecision(outcome: .duplicate, key: key, kind: "conflict", record: .none, effects: [])
            }
            let reason = "\(describe(e)) (\(source)) conflicts with what the agency sent before under the same id: "
                + "\(describe(seen.event)) (\(seen.sourceLabel), \(seen.state.rawValue)); "
                + "nothing of the second was booked: ask the agency which is right"
            var progress = AgencyEventProgress()
            let record = progress.decided(.held(reason: reason))
            self.seen[key] = SeenEvent(event: e, sourceLabel: source, state: .held)
            return EventDecision(
                outcome: .held(reason: reason), key: key, kind: "conflict", record: record, effects: [])
        }
        var progress = AgencyEventProgress(state: seen[e.key]?.state)
        let (outcome, effects) = self.effects(of: e, from: source)
        let record = progress.decided(outcome)
        if let state = progress.state { seen[e.key] = SeenEvent(event: e, sourceLabel: source, state: state) }
        return EventDecision(outcome: outcome, key: e.key, kind: e.kind.storedName, record: record, effects: effects)
    }

    /// Decides what one event does, whether or not it was seen before (a held event a person
    /// retries is decided again this way): its outcome and its effects, which the snapshot
    /// now holds. Nothing the agency sends can stop reconciliation: an event that cannot be
    /// booked is held with its reason and has no effect.
    public mutating func effects(of e: AgencyEvent, from source: String) -> (EventOutcome, [ReconciliationEffect]) {
        var effects: [ReconciliationEffect] = []
        let outcome = decideOn(e, from: source, &effects)
        switch outcome {
        case .applied: return (outcome, effects)
        case .held, .waiting, .duplicate: return (outcome, [])
        }
    }

    /// An event in words, with money in its account's currency: `payment T1 of 100.00 USD on A-1001`.
    public func describe(_ e: AgencyEvent) -> String {
        let currency = e.accountNumber.flatMap { accounts[$0] }?.currency
        func money(_ m: Int64) -> String {
            currency.map { Money(minorUnits: m, currency: $0).description } ?? Amount.format(m, digits: 2)
        }
        let on = e.accountNumber.map { " on \($0)" } ?? ""
        switch e.kind {
        case .paymentCollected(let id, let gross, _, _, _): return "payment \(id) of \(money(gross))\(on)"
        case .paymentReversed(let id, let payment, let amount, _):
            return "reversal \(id) of \(money(amount)) of payment \(payment)\(on)"
        case .directPaymentEcho(let id, _, let amount, _): return "direct-payment echo \(id) of \(money(amount))\(on)"
        case .statusChanged(let code, _): return "status \(code)\(on)"
        case .accepted: return "acceptance\(on)"
        case .rejected(let reason): return "rejection (\(reason))\(on)"
        case .updateAccepted(let id): return "acceptance of update \(id)\(on)"
        case .updateRejected(let id, let reason): return "rejection of update \(id) (\(reason))\(on)"
        case .fileRejected(let reason): return "rejection of the whole file (\(reason))"
        case .remittanceLine(let id, let amount, _, _): return "remittance line \(id) of \(money(amount))"
        case .remittanceTotal(let amount, _, _, _): return "remittance total of \(money(amount))"
        case .remittanceStatement(let id, let gross, _, _, _): return "remittance statement \(id) of \(money(gross))"
        }
    }

    // MARK: - The decision

    private mutating func decideOn(_ e: AgencyEvent, from source: String, _ effects: inout [ReconciliationEffect])
        -> EventOutcome
    {
        switch e.kind {
        case .fileRejected(let reason):
            return .held(
                reason:
                    "the agency rejected the whole file (\(reason))\(e.note.map { ": \($0)" } ?? ""); "
                        + "no account is affected"
            )
        case .updateAccepted(let requestID):
            return acknowledge(requestID: requestID, refusal: nil, &effects)
        case .updateRejected(let requestID, let reason):
            return acknowledge(requestID: requestID, refusal: reason + (e.note.map { ": \($0)" } ?? ""), &effects)
        case .remittanceLine, .remittanceTotal, .remittanceStatement, .accepted, .rejected, .statusChanged,
            .paymentCollected, .paymentReversed,
            .directPaymentEcho:
            break
        }
        guard let number = e.accountNumber, var account = accounts[number] else {
            return .held(reason: "no account '\(e.accountNumber ?? "")' in the AR record")
        }
        guard account.placement != nil else {
            return .held(reason: "account \(number) was never placed with \(partnerID)")
        }
        var decision = AccountDecision(
            partnerID: partnerID, commission: commission, date: e.date ?? today, account: account)
        let outcome = decision.decide(e, source: source, snapshot: &self)
        switch outcome {
        case .applied:
            account = decision.account
            accounts[number] = account
            effects += decision.effects
        case .held, .waiting, .duplicate:
            break
        }
        return outcome
    }

    /// An acknowledgement of an update the business sent: the request moves, never the placement.
    private mutating func acknowledge(requestID: String, refusal: String?, _ effects: inout [ReconciliationEffect])
        -> EventOutcome
    {
        guard var request = requests[requestID] else {
            return .held(reason: "\(partnerID) acknowledged update \(requestID), which Handoff never sent to it")
        }
        let action =
            refusal.map { request.progress.refused(reason: "rejected by \(partnerID): \($0)") }
            ?? request.progress.acknowledged()
        switch action {
        case .alreadySettled(let state):
            return .applied(note: "update \(requestID) was already \(state.rawValue)")
        case .invalid(let why):
            return .held(reason: "\(partnerID) acknowledged update \(requestID): \(why)")
        case .store(let state, let error):
            effects.append(.request(requestID: requestID, state: state, error: error))
        case .none:
            break
        }
        requests[requestID] = request
        if let refusal { return .applied(note: "\(request.kind) \(requestID) rejected by \(partnerID): \(refusal)") }
        return .applied(note: "\(request.kind) \(requestID) \(request.progress.state.rawValue) by \(partnerID)")
    }
}

/// One event's decision on one account placed with the agency: works on a copy of the
/// account, which the snapshot takes back only when the event is applied.
private struct AccountDecision {
    let partnerID: String
    let commission: CommissionSchedule
    let date: CalendarDate
    var account: AccountSnapshot
    var effects: [ReconciliationEffect] = []
    /// Requests moved by this event, taken back by the snapshot when it is applied.
    var requestMoves: [String: RequestSnapshot] = [:]

    init(partnerID: String, commission: CommissionSchedule, date: CalendarDate, account: AccountSnapshot) {
        self.partnerID = partnerID
        self.commission = commission
        self.date = date
        self.account = account
    }

    var placement: PlacementSnapshot { account.placement! }
    var number: String { account.accountNumber }
    func money(_ m: Int64) -> String { Money(minorUnits: m, currency: account.currency).description }

    /// Moves the placement's lifecycle: `nil` when the move is valid (the new state is among
    /// the effects), the held outcome when it is not.
    mutating func move(
        _ step: (inout PlacementLifecycle) -> PlacementLifecycle.Action, reference: String? = nil, status: String? = nil
    ) -> EventOutcome? {
        var lifecycle = PlacementLifecycle(state: placement.state)
        let action = step(&lifecycle)
        switch action {
        case .invalid(let why):
            return .held(reason: "\(number) with \(partnerID): \(why)")
        case .none:
            if let status { setPlacement(lifecycle.state, reference: nil, status: status) }
            return nil
        case .recordBatch, .markSent, .recordAcceptance, .recordImplicitAcceptance, .returnToBusiness, .markActive,
            .sendRecall,
            .recordRecallObjection, .resumeAfterFailedRecall, .close:
            setPlacement(lifecycle.state, reference: reference, status: status)
            return nil
        }
    }

    mutating func setPlacement(_ state: PlacementLifecycle.State, reference: String?, status: String?) {
        account.placement!.state = state
        if let status { account.placement!.agencyStatus = status }
        effects.append(.placement(id: placement.id, state: state, agencyReference: reference, agencyStatus: status))
    }

    /// Moves the placement's requests of a kind by the agency's status.
    mutating func answerRequests(
        kind: String, snapshot: ReconciliationSnapshot,
        _ step: (inout AgencyRequestProgress) -> AgencyRequestProgress.Action
    ) {
        let mine = snapshot.requests.values.filter { $0.placementID == placement.id && $0.kind == kind }.sorted {
            $0.order < $1.order
        }
        for var request in mine {
            switch step(&request.progress) {
            case .store(let state, let error):
                effects.append(.request(requestID: request.requestID, state: state, error: error))
                requestMoves[request.requestID] = request
            case .none, .alreadySettled, .invalid:
                break
            }
        }
    }

    mutating func decide(_ e: AgencyEvent, source: String, snapshot: inout ReconciliationSnapshot) -> EventOutcome {
        let outcome = decideOn(e, source: source, snapshot: &snapshot)
        if case .applied = outcome { snapshot.requests.merge(requestMoves) { $1 } }
        return outcome
    }

    private mutating func decideOn(_ e: AgencyEvent, source: String, snapshot: inout ReconciliationSnapshot)
        -> EventOutcome
    {
        switch e.kind {
        case .fileRejected, .updateAccepted, .updateRejected:
            return .held(reason: "an acknowledgement of a file or an update outside its place")
        case .remittanceLine, .remittanceTotal, .remittanceStatement:
            return .held(reason: "a remittance line outside its statement")
        case .accepted(let reference):
            return move({ $0.acknowledged(accepted: reference) }, reference: reference) ?? .applied(note: nil)
        case .rejected(let reason):
            let text = reason + (e.note.map { ": \($0)" } ?? "")
            return move({ $0.rejected(reason: text) }) ?? .applied(note: "returned to the business: \(text)")
        case .statusChanged(let code, let meaning):
            return status(code, meaning, key: e.key, snapshot: snapshot)
        case .paymentCollected(let paymentID, let gross, let reported, _, let invoices):
            return payment(
                paymentID, gross: gross, reported: reported, invoices: invoices, key: e.key, source: source,
                snapshot: &snapshot)
        case .paymentReversed(let reversalID, let paymentID, let amount, let reported):
            return reversal(
                reversalID, of: paymentID, amount: amount, reported: reported, key: e.key, source: source,
                snapshot: &snapshot)
        case .directPaymentEcho(let echoID, let clientReference, let amount, let reported):
            guard amount > 0 else {
                return .held(
                    reason:
                        "direct-payment echo \(echoID) of \(money(amount)) from \(source): "
                            + "the amount must be more than zero; nothing was booked"
                )
            }
            // The business already recorded this payment; the agency only earns its commission on it.
            if let clientReference { answerRequests(requestID: clientReference, snapshot: snapshot) { $0.echoed() } }
            let due = commission.due(
                on: amount, placedOn: placement.placedOn, oldestDueDate: placement.oldestDueDate,
                status: placement.agencyStatus)
            effects.append(
                .commission(
                    CommissionDue(
                        customerID: account.customerID, transactionReference: clientReference, eventKey: e.key,
                        kind: .directPayment, base: amount, ratePPM: due.ratePPM, expected: due.expected,
                        reported: reported, currency: account.currency, date: date)))
            return .applied(note: "direct payment echo: commission owed, not a payment")
        }
    }

    mutating func answerRequests(
        requestID: String, snapshot: ReconciliationSnapshot,
        _ step: (inout AgencyRequestProgress) -> AgencyRequestProgress.Action
    ) {
        guard var request = snapshot.requests[requestID] else { return }
        switch step(&request.progress) {
        case .store(let state, let error):
            effects.append(.request(requestID: requestID, state: state, error: error))
            requestMoves[requestID] = request
        case .none, .alreadySettled, .invalid:
            break
        }
    }

    private mutating func status(
        _ code: String, _ meaning: StatusMeaning, key: String, snapshot: ReconciliationSnapshot
    ) -> EventOutcome {
        switch meaning {
        case .recallObjected:
            if let held = move({ $0.recallObjected() }, status: code) { return held }
            answerRequests(kind: "recall", snapshot: snapshot) { $0.statusObjected() }
            return .applied(note: nil)
        case .active, .disputed, .stopped, .bankruptcy, .deceased, .ceaseContact:
            if let held = move({ $0.agencyActivity() }, status: code) { return held }
            if meaning == .disputed {
                // The agency reports the account disputed: a dispute the business notified has reached it.
                answerRequests(kind: "dispute", snapshot: snapshot) { $0.statusConfirmed() }
            }
            if let hold = meaning.hold, !account.profile.holds.contains(hold) {
                // The agency learned of it: the business must not place the account again.
                account.profile.holds.insert(hold)
                effects.append(.holdAdded(customerID: account.customerID, profile: account.profile, hold: hold,
                                          detail: "hold \(hold.rawValue) from \(partnerID) status \(code)"))
                return .applied(note: "hold \(hold.rawValue) added")
            }
            return .applied(note: nil)
        case .validationNoticeSent:
            // News about the account, not about the placement: its status stays the agency's last one.
            if let held = move({ $0.agencyActivity() }) { return held }
            effects.append(.validationNotice(customerID: account.customerID, date: date))
            return .applied(note: "validation notice sent on \(date.iso)")
        case .paidInFull, .settled, .returnedUncollectable, .recallConfirmed:
            let closure = meaning.closure!
            if closure == .recalled { answerRequests(kind: "recall", snapshot: snapshot) { $0.statusConfirmed() } }
            if case .recallPending = placement.state, closure == .recalled {
                if let held = move({ $0.recallConfirmed() }, status: code) { return held }
            } else if let held = move({ $0.closed(closure) }, status: code) {
                return held
            }
            if closure == .settled { writeOffSettlement(key: key) }
            account.closedOn = max(account.closedOn ?? date, date)
            return .applied(note: nil)
        }
    }

    /// A settlement: the agency accepted less, and the rest of the invoices it was placed with
    /// is written off as a settlement allowance (other invoices of the account are untouched).
    mutating func writeOffSettlement(key: String) {
        let open = account.placedInvoices.filter { $0.balance > 0 }
        var total: Int64 = 0
        for invoice in open {
            let (sum, overflow) = total.addingReportingOverflow(invoice.balance)
            if overflow { return }
            total = sum
        }
        guard total > 0 else { return }
        book(
            Booking(
                reference: "\(partnerID):settlement:\(key)", customerID: account.customerID, date: date,
                kind: .writeoff, amount: total,
                currency: account.currency, reverses: nil,
                entries: open.map { Allocation.Share(invoiceID: $0.invoiceID, amount: -$0.balance) }))
        effects.append(
            .settlementAudited(accountNumber: number, detail: "settled with \(partnerID): \(money(total)) written off"))
    }

    private mutating func payment(
        _ paymentID: String, gross: Int64, reported: Int64?, invoices: [InvoiceAmount], key: String, source: String,
        snapshot: inout ReconciliationSnapshot) -> EventOutcome {
        guard gross > 0 else {
            return .held(
                reason:
                    "payment \(paymentID) of \(money(gross)) from \(source): "
                        + "an agency payment must be more than zero; nothing was booked"
            )
        }
        // A payment the agency collected before it closed the account is applied, whenever it is reported.
        if !placement.state.isOpen {
            guard let closedOn = account.closedOn, date <= closedOn else {
                return .held(
                    reason:
                        "payment \(paymentID) of \(money(gross)) dated \(date.iso) from \(source): "
                            + "\(number) is no longer with \(partnerID) "
                            + "(\(placement.state.name)), and the payment is dated after it left")
            }
        }
        let reference = "\(partnerID):\(paymentID)"
        if snapshot.recorded.contains(reference) { return .applied(note: "already recorded as \(reference)") }
        // The agency's money lands only on the invoices placed with it; what exceeds them is
        // held for a person, and commission is due only on what was applied.
        let items = account.placedInvoices
        var shares: [Allocation.Share] = []
        if invoices.isEmpty {
            var open: Int64 = 0
            for item in items where item.balance > 0 {
                let (sum, overflow) = open.addingReportingOverflow(item.balance)
                guard !overflow else {
                    return .held(
                        reason:
                            "payment \(paymentID) from \(source): "
                                + "the balances of \(number) add up to more than Handoff can hold"
                    )
                }
                open = sum
            }
            if open > 0, case .success(let sh) = Allocation.lowering(min(gross, open), across: items) { shares = sh }
        } else {
            var listed: Int64 = 0
            for part in invoices {
                guard part.amount > 0 else {
                    return .held(
                        reason:
                            "payment \(paymentID) from \(source): its part on invoice \(part.invoiceNumber) "
                                + "is \(money(part.amount)), not more than zero; nothing was booked"
                    )
                }
                let (sum, overflow) = listed.addingReportingOverflow(part.amount)
                guard !overflow else {
                    return .held(
                        reason:
                            "payment \(paymentID) from \(source): "
                                + "its invoice amounts add up to more than Handoff can hold; nothing was booked"
                    )
                }
                listed = sum
                guard let invoice = items.first(where: { $0.invoiceNumber == part.invoiceNumber }) else {
                    return .held(
                        reason:
                            "payment \(paymentID) from \(source): "
                                + "invoice \(part.invoiceNumber) was not placed with \(partnerID); nothing was booked"
                    )
                }
                let taken = shares.filter { $0.invoiceID == invoice.invoiceID }.reduce(Int64(0)) { $0 + $1.amount }
                let take = min(part.amount, invoice.balance - taken)
                if take > 0 { shares.append(Allocation.Share(invoiceID: invoice.invoiceID, amount: take)) }
            }
            guard listed == gross else {
                return .held(
                    reason:
                        "payment \(paymentID) from \(source): "
                            + "its invoices add up to \(money(listed)), "
                            + "not the payment's \(money(gross)); nothing was booked"
                )
            }
        }
        let applied = shares.reduce(Int64(0)) { $0 + $1.amount }
        guard applied > 0 else {
            return .held(
                reason:
                    "payment \(paymentID) of \(money(gross)) from \(source): "
                        + "nothing placed with \(partnerID) is open on \(number); "
                        + "held for a person (refund it, or import it as a payment on the right invoice)")
        }
        if placement.state.isOpen {
            // The first payment makes an accepted (or unacknowledged) account active.
            // Stored only when it moves: more activity on an active account changes nothing.
            var lifecycle = PlacementLifecycle(state: placement.state)
            switch lifecycle.agencyActivity() {
            case .invalid, .none:
                break
            case .recordBatch, .markSent, .recordAcceptance, .recordImplicitAcceptance, .returnToBusiness, .markActive,
                .sendRecall,
                .recordRecallObjection, .resumeAfterFailedRecall, .close:
                account.placement!.state = lifecycle.state
                effects.append(
                    .placement(id: placement.id, state: lifecycle.state, agencyReference: nil, agencyStatus: nil))
            }
        }
        book(
            Booking(
                reference: reference, customerID: account.customerID, date: date, kind: .payment, amount: applied,
                currency: account.currency,
                reverses: nil, entries: shares.map { Allocation.Share(invoiceID: $0.invoiceID, amount: -$0.amount) }))
        let due = commission.due(
            on: applied, placedOn: placement.placedOn, oldestDueDate: placement.oldestDueDate,
            status: placement.agencyStatus)
        effects.append(
            .commission(
                CommissionDue(
                    customerID: account.customerID, transactionReference: reference, eventKey: key, kind: .collection,
                    base: applied, ratePPM: due.ratePPM, expected: due.expected, reported: reported,
                    currency: account.currency, date: date)))
        snapshot.recorded.insert(reference)
        snapshot.payments[paymentID] = RecordedPayment(
            reference: reference, customerID: account.customerID, accountNumber: number, shares: shares,
            reversed: [:], ratePPM: due.ratePPM)
        var notes: [String] = []
        if applied < gross {
            let over = gross - applied
            let reason =
                "payment \(paymentID) of \(money(gross)) from \(source): "
                + "\(money(applied)) applied to what was placed with \(partnerID); "
                + "\(money(over)) more than those invoices owed is held as an overpayment "
                + "for a person (refund it, or import it on the right invoice)"
            effects.append(.overpayment(key: "overpayment:" + paymentID, accountNumber: number, reason: reason))
            notes.append("\(money(over)) over what was placed held as an overpayment")
        }
        if let reported, reported != due.expected {
            notes.append("commission reported \(money(reported)), schedule gives \(money(due.expected))")
        }
        return .applied(note: notes.isEmpty ? nil : notes.joined(separator: "; "))
    }

    private mutating func reversal(
        _ reversalID: String, of paymentID: String, amount: Int64, reported: Int64?, key: String, source: String,
        snapshot: inout ReconciliationSnapshot) -> EventOutcome {
        guard amount > 0 else {
            return .held(
                reason:
                    "reversal \(reversalID) of \(money(amount)) from \(source): "
                        + "the amount reversed must be more than zero; nothing was booked"
            )
        }
        guard var payment = snapshot.payments[paymentID] else {
            return .waiting(reason: "reverses payment \(paymentID), which has not arrived yet")
        }
        guard payment.customerID == account.customerID else {
            return .held(
                reason:
                    "reversal \(reversalID) from \(source) is on \(number), "
                        + "but payment \(paymentID) it reverses was on \(payment.accountNumber); nothing was booked"
            )
        }
        let reference = "\(partnerID):\(reversalID)"
        if snapshot.recorded.contains(reference) { return .applied(note: "already recorded as \(reference)") }
        let shares: [Allocation.Share]
        switch Allocation.reversing(amount, of: payment.shares, alreadyReversed: payment.reversed) {
        case .success(let sh): shares = sh
        case .failure:
            return .held(
                reason:
                    "reversal \(reversalID) of \(money(amount)) from \(source) "
                        + "exceeds what is left of payment \(paymentID)"
            )
        }
        book(
            Booking(
                reference: reference, customerID: account.customerID, date: date, kind: .paymentReversal,
                amount: amount, currency: account.currency,
                reverses: payment.reference, entries: shares))
        effects.append(
            .commission(
                CommissionDue(
                    customerID: account.customerID, transactionReference: reference, eventKey: key, kind: .reversal,
                    base: -amount, ratePPM: payment.ratePPM,
                    expected: commission.givenBack(on: amount, ratePPM: payment.ratePPM),
                    reported: reported.map { -$0 }, currency: account.currency, date: date)))
        for share in shares { payment.reversed[share.invoiceID, default: 0] += share.amount }
        snapshot.payments[paymentID] = payment
        snapshot.recorded.insert(reference)
        return .applied(note: nil)
    }

    /// Adds a booking, and moves the placed invoices' balances by its entries.
    mutating func book(_ booking: Booking) {
        for entry in booking.entries {
            if let i = account.placedInvoices.firstIndex(where: { $0.invoiceID == entry.invoiceID }) {
                account.placedInvoices[i].balance += entry.amount
            }
        }
        effects.append(.booking(booking))
    }
}
