import Foundation
import HandoffDomain
import HandoffPartners
import HandoffStore

extension Reconciliation {
    /// Loads what a chunk of one agency's events touches, in one statement per kind of record
    /// (customers, placements, placed invoices, events under the chunk's keys, closing
    /// statuses, transactions, payment shares and reversals, commission rates, requests):
    /// the snapshot the decision works on, and the ids of the transactions it names by reference.
    func snapshot(for events: [Sourced], partner: Partner, _ w: any ReconciliationWriting) throws -> (
        ReconciliationSnapshot, [String: Int64]
    ) {
        var numbers = Set<String>(), keys = Set<String>(), references = Set<String>(), reversed = Set<String>(),
            requestIDs = Set<String>()
        for s in events {
            let e = s.event
            if let n = e.accountNumber { numbers.insert(n) }
            keys.insert(e.key)
            keys.insert("\(e.key) again from \(s.source.label)")
            switch e.kind {
            case .paymentCollected(let paymentID, _, _, _, _):
                references.insert("\(partner.id):\(paymentID)")
            case .paymentReversed(let reversalID, let paymentID, _, _):
                references.insert("\(partner.id):\(reversalID)")
                references.insert("\(partner.id):\(paymentID)")
                reversed.insert(paymentID)
            case .directPaymentEcho(_, let clientReference, _, _):
                if let clientReference { references.insert(clientReference); requestIDs.insert(clientReference) }
            case .updateAccepted(let requestID), .updateRejected(let requestID, _):
                requestIDs.insert(requestID)
            case .accepted, .rejected, .fileRejected, .statusChanged, .remittanceLine, .remittanceTotal,
                .remittanceStatement:
                break
            }
        }
        var snapshot = ReconciliationSnapshot(partnerID: partner.id, commission: partner.terms.commission, today: today)
        let customers = try w.customers(accountNumbers: Array(numbers))
        let placements = try w.latestPlacements(customerIDs: customers.map(\.id), partnerID: partner.id)
        let invoices = try w.placedInvoices(placementIDs: placements.values.map(\.id))
        // The day the agency closed an account matters only once its placement is closed (a
        // payment dated after it is held); one the chunk closes, the decision dates itself.
        let closed = customers.filter { placements[$0.id].map { !$0.state.isOpen } ?? false }.map(
            \.profile.accountNumber)
        var closedOn: [String: CalendarDate] = [:]
        for record in try w.appliedStatusEvents(partnerID: partner.id, accountNumbers: closed.sorted()) {
            guard let number = record.accountNumber, let sourced = Self.decode(record.payload),
                  case .statusChanged(_, let meaning) = sourced.event.kind, meaning.closure != nil else { continue }
            let day = sourced.event.date ?? today
            closedOn[number] = max(closedOn[number] ?? day, day)
        }
        for customer in customers {
            let placement = placements[customer.id]
            snapshot.accounts[customer.profile.accountNumber] = AccountSnapshot(
                customerID: customer.id, profile: customer.profile, placement: placement,
                placedInvoices: placement.flatMap { invoices[$0.id] } ?? [],
                closedOn: closedOn[customer.profile.accountNumber])
        }
        for record in try w.agencyEvents(partnerID: partner.id, keys: keys.sorted()) {
            let state = record.state
            // A payload no longer readable counts as the same event: a duplicate, as before.
            let sourced = Self.decode(record.payload)
                ?? events.first { $0.event.key == record.key }.map { Sourced(event: $0.event, source: $0.source) }
            guard let sourced else { continue }
            snapshot.seen[record.key] = SeenEvent(event: sourced.event, sourceLabel: sourced.source.label, state: state)
        }
        let transactions = try w.transactionIDs(references: Array(references))
        snapshot.recorded = Set(transactions.keys)
        var ids: [String: Int64] = [:]
        for (reference, t) in transactions { ids[reference] = t.id }
        let paymentIDs = reversed.compactMap { pid in transactions["\(partner.id):\(pid)"].map { (pid, $0) } }
        if !paymentIDs.isEmpty {
            let shares = try w.shares(ofTransactions: paymentIDs.map(\.1.id))
            let restored = try w.reversedShares(ofPayments: paymentIDs.map(\.1.id))
            let rates = try w.commissionRates(partnerID: partner.id, eventKeys: paymentIDs.map { "payment:" + $0.0 })
            let owners = Dictionary(
                customers.map { ($0.id, $0.profile.accountNumber) }, uniquingKeysWith: { a, _ in a })
            for (pid, t) in paymentIDs {
                let owner =
                    try owners[t.customerID] ?? w.customer(id: t.customerID)?.profile.accountNumber ?? "another account"
                snapshot.payments[pid] = RecordedPayment(
                    reference: "\(partner.id):\(pid)", customerID: t.customerID, accountNumber: owner,
                    shares: shares[t.id] ?? [], reversed: restored[t.id] ?? [:], ratePPM: rates["payment:" + pid] ?? 0)
            }
        }
        for request in try w.requestSnapshots(
            partnerID: partner.id, requestIDs: Array(requestIDs), placementIDs: placements.values.map(\.id))
        {
            snapshot.requests[request.requestID] = request
        }
        return (snapshot, ids)
    }

    static func decode(_ payload: String) -> Sourced? {
        try? JSONDecoder().decode(Sourced.self, from: Data(payload.utf8))
    }
}
