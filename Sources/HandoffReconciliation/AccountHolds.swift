public import HandoffDomain
public import HandoffStore
public import HandoffPartners

/// A person sets or lifts a hold on an account (`handoff hold add|remove`): the profile
/// changes, the change is audited with its note, and a hold set on an account an agency
/// already holds is pushed to that agency as a request (in its updates file or over its API,
/// as its partner file says; `handoff send` delivers it).
public enum AccountHolds {
    /// What `add` did.
    public struct Outcome: Sendable, Equatable {
        /// What to tell the person.
        public var message: String
        /// The request id queued for the agency, if one was.
        public var requestID: String?
    }

    /// The request kind a hold is pushed to an agency as, and its request ids' prefix.
    static func request(for hold: Hold) -> (kind: String, prefix: String)? { hold.agencyRequest }

    /// Sets `hold` on `account`. An `attorney_represented` hold needs the attorney's contact
    /// (given now, or recorded before). Refused when the account already has the hold.
    /// `partners`, when given, lets it say at once that the agency holding the account has no way
    /// to be told (its partner file carries no such request): the person tells it another way.
    public static func add(
        account: String, hold: Hold, note: String, attorney: AttorneyContact?, actor: String, today: CalendarDate,
        partners: [Partner] = [], in w: any ComplianceWriting) throws -> Outcome {
        guard let customer = try w.customer(accountNumber: account) else {
            throw AccountRequests.Refusal("no account '\(account)'")
        }
        guard !customer.profile.holds.contains(hold) else {
            throw AccountRequests.Refusal("\(account) already has the hold \(hold.rawValue)")
        }
        var compliance = try w.accountCompliance(customerID: customer.id)
        if hold == .attorney {
            if let attorney { compliance.attorney = attorney }
            guard compliance.attorney != nil else {
                throw AccountRequests.Refusal(
                    "an attorney_represented hold needs the attorney's name (--attorney-name), so that the "
                                              + "agency contacts the attorney and not the debtor; nothing was changed")
            }
            try w.setAccountCompliance(customerID: customer.id, compliance)
        }
        var profile = customer.profile
        profile.holds.insert(hold)
        try w.updateCustomer(id: customer.id, profile)
        try w.appendAudit(
            AuditEntry(
                actor: actor, action: "customer.hold_added", subject: account, detail: "\(hold.rawValue): \(note)"))
        let message = "hold \(hold.rawValue) set on \(account): no placement run will offer it to an agency"
        return try tellAgency(
            customer: customer, hold: hold, note: note, attorney: compliance.attorney, message: message, actor: actor,
            today: today, partners: partners, in: w)
    }

    /// A hold an import added to an account already recorded: the agency that holds the account,
    /// if any, is told as `add` tells it (the import itself audited the change).
    public static func imported(
        account: String, hold: Hold, source: String, actor: String, today: CalendarDate, partners: [Partner],
        in w: any ComplianceWriting) throws -> Outcome? {
        guard let customer = try w.customer(accountNumber: account), customer.profile.holds.contains(hold),
              try w.placements(customerID: customer.id).contains(where: { $0.state.isOpen })
        else { return nil }
        let attorney = try w.accountCompliance(customerID: customer.id).attorney
        return try tellAgency(
            customer: customer, hold: hold, note: "hold \(hold.rawValue) imported (\(source))", attorney: attorney,
            message: "hold \(hold.rawValue) imported for \(account)", actor: actor, today: today, partners: partners,
            in: w)
    }

    /// Queues the request that tells the agency holding the account of a hold, when one does.
    private static func tellAgency(
        customer: CustomerRecord, hold: Hold, note: String, attorney: AttorneyContact?, message: String,
        actor: String, today: CalendarDate, partners: [Partner], in w: any ComplianceWriting
    ) throws -> Outcome {
        let account = customer.profile.accountNumber
        var message = message
        guard let placement = try w.placements(customerID: customer.id).last(where: { $0.state.isOpen }) else {
            return Outcome(message: message, requestID: nil)
        }
        guard let request = request(for: hold) else {
            message +=
                "; \(placement.partnerID) still holds it: "
                + "recall it (`handoff recall \(account) --reason ...`) if it must come back"
            return Outcome(message: message, requestID: nil)
        }
        let text = hold == .attorney ? [note, attorney?.noteText].compactMap { $0 }.joined(separator: "; ") : note
        let n = try w.requests(customerID: customer.id).filter { $0.kind == request.kind }.count + 1
        let requestID = "\(request.prefix)-\(placement.id)-\(n)"
        try w.queueRequest(
            partnerID: placement.partnerID, customerID: customer.id, placementID: placement.id, kind: request.kind,
            requestID: requestID, amount: nil, date: today, reason: text, note: text)
        try w.appendAudit(AuditEntry(actor: actor, action: "agency.notify", subject: account,
                                     detail: "\(request.kind) to \(placement.partnerID): \(note)"))
        message +=
            "; \(placement.partnerID) holds it: \(request.kind) \(requestID) queued for it, `handoff send` delivers it"
        if let partner = partners.first(where: { $0.id == placement.partnerID }),
            !partner.carries(requestKind: request.kind)
        {
            message +=
                ". WARNING: \(partner.id)'s partner file has no way to carry a \(request.kind) request "
                + "(no [transport.requests] "
                + "entry, no updates file mapping it): the request will fail at `handoff send`; "
                + "tell \(partner.id) yourself, or recall the account"
        }
        return Outcome(message: message, requestID: requestID)
    }

    /// Lifts `hold` from `account`, audited with the note. The agency is not told: a lifted hold
    /// lets the next placement run consider the account again.
    public static func remove(account: String, hold: Hold, note: String, actor: String, in w: any ComplianceWriting)
        throws -> String
    {
        guard let customer = try w.customer(accountNumber: account) else {
            throw AccountRequests.Refusal("no account '\(account)'")
        }
        guard customer.profile.holds.contains(hold) else {
            throw AccountRequests.Refusal("\(account) has no hold \(hold.rawValue)"
                    + (customer.profile.holds.isEmpty ? "" : " (it has \(Hold.listText(customer.profile.holds)))"))
        }
        var profile = customer.profile
        profile.holds.remove(hold)
        try w.updateCustomer(id: customer.id, profile)
        try w.appendAudit(
            AuditEntry(
                actor: actor, action: "customer.hold_removed", subject: account, detail: "\(hold.rawValue): \(note)"))
        return "hold \(hold.rawValue) lifted from \(account)"
            + (profile.holds.isEmpty
                ? ": the next placement run may consider it" : "; it still has \(Hold.listText(profile.holds))")
    }
}
