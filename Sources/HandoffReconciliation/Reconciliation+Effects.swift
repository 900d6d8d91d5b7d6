import Foundation
import HandoffDomain
import HandoffPartners
import HandoffStore

/// Writes what the decision decided for a chunk of one agency's events, in the order decided,
/// citing each event's source on every ledger row, transaction and audit line; the event is
/// recorded as its machine says. Transactions, placements, profiles, requests and audit lines
/// are written at once (a reversal and a commission find their transaction by reference);
/// ledger rows, balances, commissions and event records wait in order for ``flush()``, which
/// writes each kind with a few multi-row statements.
struct EffectWriter {
    let partner: Partner
    /// The received file or feed event the events being written came from (a group of feed
    /// events sets it before each event's record).
    var inboxID: Int64?
    let w: any ReconciliationWriting
    /// Transaction ids by reference: those the snapshot named, and those written since.
    var ids: [String: Int64]
    private var ledger: [NewLedgerEntry] = []
    private var commissions: [CommissionRecord] = []
    private var events: [NewAgencyEvent] = []

    init(partner: Partner, inboxID: Int64?, ids: [String: Int64], _ w: any ReconciliationWriting) {
        self.partner = partner
        self.inboxID = inboxID
        self.ids = ids
        self.w = w
    }

    mutating func write(_ d: EventDecision, of s: Reconciliation.Sourced) throws {
        for effect in d.effects {
            switch effect {
            case .placement(let id, let state, let reference, let status):
                try w.updatePlacement(id: id, state: state, agencyReference: reference, agencyStatus: status)
                if status != nil, case .statusChanged(let code, let meaning) = s.event.kind, let date = s.event.date {
                    // The term clock reads payment plans, broken plans and objections from these.
                    try w.recordPlacementStatus(
                        placementID: id, date: date, code: code, meaning: meaning, eventKey: s.event.key)
                }
            case .booking(let b):
                let reverses = try b.reverses.map { ref -> Int64 in
                    guard let id = try ids[ref] ?? w.transaction(reference: ref)?.id else {
                        throw ReconciliationError("no transaction \(ref) to reverse")
                    }
                    return id
                }
                let id = try w.insertTransaction(
                    reference: b.reference, customerID: b.customerID, invoiceNumber: nil, date: b.date, kind: b.kind,
                    amount: b.amount, reversesID: reverses, source: s.source)
                ids[b.reference] = id
                for entry in b.entries {
                    ledger.append(
                        NewLedgerEntry(
                            customerID: b.customerID, invoiceID: entry.invoiceID, transactionID: id, kind: b.kind,
                            amount: entry.amount, currency: b.currency, effectiveDate: b.date, source: s.source))
                }
            case .commission(let c):
                let transactionID = try c.transactionReference.flatMap { ref in
                    try ids[ref] ?? w.transaction(reference: ref)?.id
                }
                commissions.append(
                    CommissionRecord(
                        partnerID: partner.id, customerID: c.customerID, transactionID: transactionID,
                        eventKey: c.eventKey,
                        kind: c.kind.rawValue, base: c.base, ratePPM: c.ratePPM, expected: c.expected,
                        reported: c.reported,
                        currency: c.currency.code, date: c.date))
            case .validationNotice(let customerID, let date):
                // The first notice date counts; one recorded before (imported, or from this or
                // another agency) stays.
                guard let compliance = w as? any ComplianceWriting else { break }
                var facts = try compliance.accountCompliance(customerID: customerID)
                guard facts.validationNoticeDate == nil else { break }
                facts.validationNoticeDate = date
                facts.validationNoticeSource = partner.id
                try compliance.setAccountCompliance(customerID: customerID, facts)
                try w.appendAudit(
                    AuditEntry(
                        actor: "reconcile", action: "customer.validation_notice", subject: s.event.accountNumber ?? "",
                        detail: "validation notice sent on \(date.iso), reported by \(partner.id)", source: s.source))
            case .holdAdded(let customerID, let profile, _, let detail):
                try w.updateCustomer(id: customerID, profile)
                try w.appendAudit(
                    AuditEntry(
                        actor: "reconcile", action: "customer.hold_added", subject: profile.accountNumber,
                        detail: detail, source: s.source))
            case .request(let requestID, let state, let error):
                guard try w.setRequestState(partnerID: partner.id, requestID: requestID, to: state, error: error) != nil
                else {
                    throw ReconciliationError("no request \(requestID) to \(partner.id)")
                }
            case .overpayment(let key, let number, let reason):
                events.append(
                    NewAgencyEvent(
                        partnerID: partner.id, key: key, inboxID: inboxID, accountNumber: number, kind: "overpayment",
                        payload: s.payload, state: .held, reason: reason))
            case .settlementAudited(let number, let detail):
                try w.appendAudit(
                    AuditEntry(
                        actor: "reconcile", action: "settlement.allowance", subject: number, detail: detail,
                        source: s.source))
            }
        }
        switch d.record {
        case .record(let state, let reason), .update(let state, let reason):
            events.append(
                NewAgencyEvent(
                    partnerID: partner.id, key: d.key, inboxID: inboxID, accountNumber: s.event.accountNumber,
                    kind: d.kind,
                    payload: s.payload, state: state, reason: reason))
        case .none:
            break
        case .invalid(let why):
            throw ReconciliationError("event \(d.key) from \(partner.id): \(why)")
        }
    }

    /// Writes what waits: the ledger rows and the balances they move, the commissions, the event records.
    mutating func flush() throws {
        try w.appendLedgerEntries(ledger)
        try w.recordCommissions(commissions)
        try w.recordAgencyEvents(events)
        ledger.removeAll(keepingCapacity: true)
        commissions.removeAll(keepingCapacity: true)
        events.removeAll(keepingCapacity: true)
    }
}
