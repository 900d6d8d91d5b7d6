public import HandoffDomain
public import HandoffStore

/// What a person asks of the agency that holds an account — a recall, a notice of a dispute,
/// bankruptcy, death or cease-contact request — and the lifting of an agency's rejection.
///
/// Each decides inside one write transaction, queues the request
/// (``ReconciliationWriting/queueRequest(partnerID:customerID:placementID:kind:requestID:amount:date:reason:note:)``;
/// the next send delivers it) and writes one audit entry naming who asked. The CLI
/// (`handoff recall`, `notify`, `clear`) and the dashboard's account page both call these, so
/// that both decide and audit alike.
public enum AccountRequests {
    /// Why a request was not queued, in words for the person who asked.
    public struct Refusal: Error, CustomStringConvertible, Equatable {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// What the business tells an agency about an account it holds.
    public enum Notice: String, Sendable, CaseIterable {
        case dispute, bankruptcy, deceased, cease_contact

        /// The first letters of its request ids (`DSP-12-1`).
        var prefix: String {
            switch self {
            case .dispute: "DSP"
            case .bankruptcy: "BKR"
            case .deceased: "DEC"
            case .cease_contact: "CND"
            }
        }
    }

    /// Asks the agency that holds `account` to give it back: the placement becomes
    /// `recall_pending` and a `recall` request is queued. Refused when the account is not with
    /// an agency, is not yet sent, or a recall is already pending. Returns what was done.
    public static func recall(account: String, reason: String, actor: String, today: CalendarDate,
                              in w: any ReconciliationWriting) throws -> String {
        guard let customer = try w.customer(accountNumber: account) else { throw Refusal("no account '\(account)'") }
        guard let placement = try w.placements(customerID: customer.id).last(where: { $0.state.isOpen }) else {
            throw Refusal("\(account) is not with an agency")
        }
        var lifecycle = PlacementLifecycle(state: placement.state)
        switch lifecycle.recallRequested() {
        case .invalid(let why): throw Refusal("\(account) with \(placement.partnerID): \(why)")
        case .none: throw Refusal("\(account) with \(placement.partnerID): a recall is already pending")
        default: break
        }
        try w.updatePlacement(id: placement.id, state: lifecycle.state, agencyReference: nil, agencyStatus: nil)
        let attempt =
            try w.requests(customerID: customer.id).filter {
                $0.partnerID == placement.partnerID && $0.kind == "recall"
            }.count + 1
        try w.queueRequest(
            partnerID: placement.partnerID, customerID: customer.id, placementID: placement.id, kind: "recall",
            requestID: "RCL-\(placement.id)-\(attempt)", amount: nil, date: today, reason: reason, note: reason)
        try w.appendAudit(
            AuditEntry(
                actor: actor, action: "placement.recall_requested", subject: account,
                detail: "\(placement.partnerID): \(reason)"))
        return "recall of \(account) from \(placement.partnerID) queued; `handoff send` delivers it"
    }

    /// Tells the agency that holds `account` about a notice the business received: a request
    /// of that kind is queued. Refused when the account is not with an agency.
    public static func notify(account: String, notice: Notice, note: String, actor: String, today: CalendarDate,
                              in w: any ReconciliationWriting) throws -> String {
        guard let customer = try w.customer(accountNumber: account) else { throw Refusal("no account '\(account)'") }
        guard let placement = try w.placements(customerID: customer.id).last(where: { $0.state.isOpen }) else {
            throw Refusal("\(account) is not with an agency")
        }
        let n = try w.requests(customerID: customer.id).filter { $0.kind == notice.rawValue }.count + 1
        try w.queueRequest(
            partnerID: placement.partnerID, customerID: customer.id, placementID: placement.id, kind: notice.rawValue,
            requestID: "\(notice.prefix)-\(placement.id)-\(n)", amount: nil, date: today, reason: note, note: note)
        try w.appendAudit(
            AuditEntry(
                actor: actor, action: "agency.notify", subject: account,
                detail: "\(notice.rawValue) to \(placement.partnerID): \(note)"))
        return "\(notice.rawValue) notice for \(account) queued for \(placement.partnerID); `handoff send` delivers it"
    }

    /// Lifts `partner`'s rejection of `account`, so that a placement run may offer it to that
    /// agency again. `agencies` are the partner files' ids, to name a mistyped agency.
    public static func clear(account: String, partner: String, agencies: [String], actor: String,
                             in w: any ReconciliationWriting) throws -> String {
        guard let customer = try w.customer(accountNumber: account) else { throw Refusal("no account '\(account)'") }
        guard try w.clearRejection(customerID: customer.id, partnerID: partner) else {
            if !agencies.contains(partner) {
                let known = agencies.sorted()
                throw Refusal(
                    "there is no agency '\(partner)' "
                        + "(the partner files name \(known.isEmpty ? "none" : known.joined(separator: ", ")))"
                )
            }
            throw Refusal("\(partner) has no uncleared rejection of \(account)")
        }
        try w.appendAudit(
            AuditEntry(actor: actor, action: "placement.rejection_cleared", subject: account, detail: partner))
        return "\(partner)'s rejection of \(account) is cleared: the next placement run may offer it again"
    }
}
