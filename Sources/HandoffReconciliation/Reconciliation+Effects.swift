import HandoffDomain
import HandoffPartners
import HandoffStore

extension Reconciliation {
    /// Writes what the decision decided for one event, in the order decided, citing the
    /// event's source on every ledger row, transaction and audit line; then records the event
    /// as its machine says. `ids` maps the references of transactions already written (or
    /// loaded) to their ids, so that a reversal and a commission find theirs.
    func write(_ d: EventDecision, of s: Sourced, inboxID: Int64?, partner: Partner, ids: inout [String: Int64],
               _ w: any ReconciliationWriting) throws {
        for effect in d.effects {
            switch effect {
            case .placement(let id, let state, let reference, let status):
                try w.updatePlacement(id: id, state: state, agencyReference: reference, agencyStatus: status)
            case .booking(let b):
                let reverses = try b.reverses.map { ref -> Int64 in
                    guard let id = try ids[ref] ?? w.transaction(reference: ref)?.id else { throw ReconciliationError("no transaction \(ref) to reverse") }
                    return id
                }
                let id = try w.insertTransaction(reference: b.reference, customerID: b.customerID, invoiceNumber: nil, date: b.date, kind: b.kind,
                                                 amount: b.amount, reversesID: reverses, source: s.source)
                ids[b.reference] = id
                for entry in b.entries {
                    try w.appendLedgerEntry(NewLedgerEntry(customerID: b.customerID, invoiceID: entry.invoiceID, transactionID: id, kind: b.kind,
                                                           amount: entry.amount, currency: b.currency, effectiveDate: b.date, source: s.source))
                }
            case .commission(let c):
                let transactionID = try c.transactionReference.flatMap { ref in try ids[ref] ?? w.transaction(reference: ref)?.id }
                try w.recordCommission(CommissionRecord(partnerID: partner.id, customerID: c.customerID, transactionID: transactionID, eventKey: c.eventKey,
                                                        kind: c.kind.rawValue, base: c.base, ratePPM: c.ratePPM, expected: c.expected, reported: c.reported,
                                                        currency: c.currency.code, date: c.date))
            case .holdAdded(let customerID, let profile, _, let detail):
                try w.updateCustomer(id: customerID, profile)
                try w.appendAudit(AuditEntry(actor: "reconcile", action: "customer.hold_added", subject: profile.accountNumber, detail: detail, source: s.source))
            case .request(let requestID, let state, let error):
                guard try w.setRequestState(partnerID: partner.id, requestID: requestID, to: state, error: error) != nil else {
                    throw ReconciliationError("no request \(requestID) to \(partner.id)")
                }
            case .overpayment(let key, let number, let reason):
                try w.recordAgencyEvent(partnerID: partner.id, key: key, inboxID: inboxID, accountNumber: number, kind: "overpayment",
                                        payload: try Self.encode(s), state: .held, reason: reason)
            case .settlementAudited(let number, let detail):
                try w.appendAudit(AuditEntry(actor: "reconcile", action: "settlement.allowance", subject: number, detail: detail, source: s.source))
            }
        }
        switch d.record {
        case .record(let state, let reason), .update(let state, let reason):
            try w.recordAgencyEvent(partnerID: partner.id, key: d.key, inboxID: inboxID, accountNumber: s.event.accountNumber, kind: d.kind,
                                    payload: try Self.encode(s), state: state, reason: reason)
        case .none:
            break
        case .invalid(let why):
            throw ReconciliationError("event \(d.key) from \(partner.id): \(why)")
        }
    }
}
