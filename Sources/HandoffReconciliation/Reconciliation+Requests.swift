import HandoffDomain
import HandoffPartners
import HandoffStore

/// Requests to agencies as agencies answer them, and events put in words for people.
extension Reconciliation {
    /// An acknowledgement of an update the business sent: the request moves, never the
    /// placement. A direct payment, an adjustment or a notice is `confirmed` once accepted; a
    /// recall or a dispute is `accepted` until the agency's status confirms it; a refusal is
    /// `rejected` with the agency's reason.
    func acknowledgeUpdate(_ e: AgencyEvent, requestID: String, partner: Partner, _ w: any ReconciliationWriting) throws -> (String, String?) {
        let rejected: String?
        if case .updateRejected(_, let reason) = e.kind { rejected = reason + (e.note.map { ": \($0)" } ?? "") } else { rejected = nil }
        guard let request = try w.requests(partnerID: partner.id, requestID: requestID) else {
            return ("held", "\(partner.id) acknowledged update \(requestID), which Handoff never sent to it")
        }
        switch request.state {
        case "confirmed", "objected", "rejected":
            return ("applied", "update \(requestID) was already \(request.state)")
        default:
            break
        }
        if let rejected {
            _ = try w.setRequestState(partnerID: partner.id, requestID: requestID, to: "rejected", error: "rejected by \(partner.id): \(rejected)")
            return ("applied", "\(request.kind) \(requestID) rejected by \(partner.id): \(rejected)")
        }
        let state = request.kind == "recall" || request.kind == "dispute" ? "accepted" : "confirmed"
        _ = try w.setRequestState(partnerID: partner.id, requestID: requestID, to: state, error: nil)
        return ("applied", "\(request.kind) \(requestID) \(state) by \(partner.id)")
    }

    /// The agency echoed a direct payment the business reported: that request is confirmed.
    func confirmRequest(partnerID: String, requestID: String, _ w: any ReconciliationWriting) throws {
        guard let request = try w.requests(partnerID: partnerID, requestID: requestID), ["sent", "accepted"].contains(request.state) else { return }
        _ = try w.setRequestState(partnerID: partnerID, requestID: requestID, to: "confirmed", error: nil)
    }

    /// An event in words, with money in its account's currency: `payment T1 of 100.00 USD on A-1001`.
    func describe(_ e: AgencyEvent, _ w: any ReconciliationWriting) -> String {
        let currency = e.accountNumber.flatMap { try? w.customer(accountNumber: $0) }?.profile.currency
        func money(_ m: Int64) -> String { currency.map { Money(minorUnits: m, currency: $0).description } ?? Amount.format(m, digits: 2) }
        let on = e.accountNumber.map { " on \($0)" } ?? ""
        switch e.kind {
        case .paymentCollected(let id, let gross, _, _, _): return "payment \(id) of \(money(gross))\(on)"
        case .paymentReversed(let id, let payment, let amount, _): return "reversal \(id) of \(money(amount)) of payment \(payment)\(on)"
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
}
