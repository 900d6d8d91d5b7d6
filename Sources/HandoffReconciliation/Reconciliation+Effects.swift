import Foundation
import HandoffDomain
import HandoffPartners
import HandoffStore

/// Writes what the decision decided for a chunk of one agency's events, in the order decided,
/// citing each event's source on every ledger row, transaction and audit line; the event is
/// recorded as its machine says. Profiles, requests and audit lines are written at once;
/// placements' changes and statuses, transactions, ledger rows, balances, commissions and event
/// records wait in order for ``flush()``, which writes each kind as a set (a reversal, a ledger
/// row and a commission name a transaction of the chunk by its place in the list until its id
/// is known). A request's state is written after the placements' changes before it, since a
/// refused recall moves its placement again.
struct EffectWriter {
    let partner: Partner
    /// The received file or feed event the events being written came from (a group of feed
    /// events sets it before each event's record).
    var inboxID: Int64?
    let w: any ReconciliationWriting
    /// A transaction by reference: recorded before this chunk (the snapshot named it, or it was
    /// looked up), or waiting in ``transactions`` at this place.
    private var ids: [String: NewTransaction.Reversed]
    private var transactions: [NewTransaction] = []
    /// Each row with the place of its transaction in ``transactions`` when it waits there.
    private var ledger: [(entry: NewLedgerEntry, listed: Int?)] = []
    private var commissions: [(record: CommissionRecord, listed: Int?)] = []
    private var events: [NewAgencyEvent] = []
    private var placementChanges: [PlacementChange] = []
    private var statuses: [ReportedStatus] = []

    init(partner: Partner, inboxID: Int64?, ids: [String: Int64], _ w: any ReconciliationWriting) {
        self.partner = partner
        self.inboxID = inboxID
        self.ids = ids.mapValues { .recorded(id: $0) }
        self.w = w
    }

    /// The transaction of a reference: recorded, waiting in this chunk, or none.
    private mutating func transaction(_ reference: String) throws -> NewTransaction.Reversed? {
        if let known = ids[reference] { return known }
        guard let id = try w.transaction(reference: reference)?.id else { return nil }
        ids[reference] = .recorded(id: id)
        return .recorded(id: id)
    }

    mutating func write(_ d: EventDecision, of s: Reconciliation.Sourced) throws {
        for effect in d.effects {
            switch effect {
            case .placement(let id, let state, let reference, let status):
                placementChanges.append(
                    PlacementChange(placementID: id, state: state, agencyReference: reference, agencyStatus: status))
                if status != nil, case .statusChanged(let code, let meaning) = s.event.kind, let date = s.event.date {
                    // The term clock reads payment plans, broken plans and objections from these.
                    statuses.append(
                        ReportedStatus(
                            placementID: id, date: date, code: code, meaning: meaning, eventKey: s.event.key))
                }
            case .booking(let b):
                let reverses = try b.reverses.map { ref -> NewTransaction.Reversed in
                    guard let known = try transaction(ref) else {
                        throw ReconciliationError("no transaction \(ref) to reverse")
                    }
                    return known
                }
                let place = transactions.count
                transactions.append(
                    NewTransaction(
                        reference: b.reference, customerID: b.customerID, invoiceNumber: nil, date: b.date,
                        kind: b.kind, amount: b.amount, reverses: reverses, source: s.source))
                ids[b.reference] = .listed(index: place)
                for entry in b.entries {
                    ledger.append(
                        (NewLedgerEntry(
                            customerID: b.customerID, invoiceID: entry.invoiceID, transactionID: nil, kind: b.kind,
                            amount: entry.amount, currency: b.currency, effectiveDate: b.date, source: s.source),
                         place))
                }
            case .commission(let c):
                let known = try c.transactionReference.flatMap { try transaction($0) }
                var listed: Int?
                var transactionID: Int64?
                switch known {
                case .recorded(let id): transactionID = id
                case .listed(let index): listed = index
                case nil: break
                }
                commissions.append(
                    (CommissionRecord(
                        partnerID: partner.id, customerID: c.customerID, transactionID: transactionID,
                        eventKey: c.eventKey,
                        kind: c.kind.rawValue, base: c.base, ratePPM: c.ratePPM, expected: c.expected,
                        reported: c.reported,
                        currency: c.currency.code, date: c.date),
                     listed))
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
                try writePlacements()
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

    /// Writes the placements' changes and statuses waiting.
    private mutating func writePlacements() throws {
        try w.updatePlacements(placementChanges)
        try w.recordPlacementStatuses(statuses)
        placementChanges.removeAll(keepingCapacity: true)
        statuses.removeAll(keepingCapacity: true)
    }

    /// Writes what waits: the placements' changes and statuses, the transactions, the ledger
    /// rows and the balances they move, the commissions, the event records, each kind as a set,
    /// in the order decided.
    mutating func flush() throws {
        try writePlacements()
        let written = try w.insertTransactions(transactions)
        guard written.count == transactions.count else {
            throw ReconciliationError("\(written.count) transactions written of \(transactions.count)")
        }
        try w.appendLedgerEntries(
            ledger.map { row in
                var entry = row.entry
                if let place = row.listed { entry.transactionID = written[place] }
                return entry
            })
        try w.recordCommissions(
            commissions.map { row in
                var record = row.record
                if let place = row.listed { record.transactionID = written[place] }
                return record
            })
        try w.recordAgencyEvents(events)
        for (reference, known) in ids {
            if case .listed(let place) = known { ids[reference] = .recorded(id: written[place]) }
        }
        transactions.removeAll(keepingCapacity: true)
        ledger.removeAll(keepingCapacity: true)
        commissions.removeAll(keepingCapacity: true)
        events.removeAll(keepingCapacity: true)
    }
}
