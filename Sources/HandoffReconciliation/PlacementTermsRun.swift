public import HandoffDomain
public import HandoffPartners
public import HandoffStore

/// The daily terms job (`handoff terms`, and `handoff serve`'s `terms` job): runs every open
/// placement through its agency's term clock (``PlacementTermClock``) and performs what it
/// says: a placement whose term ran out is recalled through the agency's own recall procedure
/// (the `recall` request its partner file describes, which `handoff send` delivers). Once the
/// agency confirms, the placement is closed `recalled` and the next placement run offers the
/// account to the next tier, without a person.
public struct PlacementTermsRun {
    /// One open placement and what the clock said of it.
    public struct Line: Sendable, Hashable {
        public var accountNumber: String
        public var partnerID: String
        public var placedOn: CalendarDate
        public var decision: PlacementTermClock.Decision
        /// What was done (or, in a dry run, would be).
        public var action: String
        /// The recall request id queued, if one was.
        public var requestID: String?
    }

    public let partners: [Partner]
    public let asOf: CalendarDate
    public let dryRun: Bool

    public init(partners: [Partner], asOf: CalendarDate, dryRun: Bool) {
        self.partners = partners
        self.asOf = asOf
        self.dryRun = dryRun
    }

    /// What the clock says of every open placement with an agency that has terms.
    public func evaluate(_ r: any ComplianceReading) throws -> [(
        record: PlacementTermRecord, decision: PlacementTermClock.Decision
    )] {
        let terms = Dictionary(partners.map { ($0.id, $0.placementTerms) }, uniquingKeysWith: { a, _ in a })
        return try r.openPlacementTerms().compactMap { record in
            guard let t = terms[record.placement.partnerID], !t.isEmpty else { return nil }
            return (record, PlacementTermClock.decide(record.facts, terms: t, asOf: asOf))
        }
    }

    /// Runs the job in one write transaction (or, dry, in a read): returns a line per placement.
    public func run(store: any ComplianceStore) throws -> [Line] {
        if dryRun { return try store.readCompliance { r in try perform(r, writer: nil) } }
        return try store.writeCompliance { w in try perform(w, writer: w) }
    }

    private func perform(_ r: any ComplianceReading, writer: (any ComplianceWriting)?) throws -> [Line] {
        var lines: [Line] = []
        for (record, decision) in try evaluate(r) {
            let p = record.placement
            var line = Line(
                accountNumber: p.accountNumber, partnerID: p.partnerID, placedOn: p.placedOn, decision: decision,
                action: "", requestID: nil)
            switch decision {
            case .recall(let limit, let due):
                let reason = "placement term: \(limit.rawValue) ran out on \(due.iso)"
                if let writer {
                    _ = try AccountRequests.recall(
                        account: p.accountNumber, reason: reason, actor: "terms", today: asOf, in: writer)
                    line.requestID = try writer.requests(customerID: p.customerID).last { $0.kind == "recall" }?
                        .requestID
                    line.action = "recall queued (\(reason))"
                } else {
                    line.action = "would recall (\(reason))"
                }
            case .keep(let next):
                line.action =
                    next.map { "kept; \($0.limit.rawValue) runs out on \($0.dueOn.iso)" }
                    ?? "kept; a payment plan pauses its clock"
            case .recallPending:
                line.action = "recall sent; waiting for \(p.partnerID)'s answer"
            case .objectionRespected(let next):
                line.action = "\(p.partnerID) objected to the recall, as its terms allow; kept"
                    + (next.map { " until \($0.limit.rawValue) runs out on \($0.dueOn.iso)" }
                        ?? " while its payment plan holds")
            case .objectionNotEntitled(_, _, let unplanned?):
                line.action =
                    "\(p.partnerID) objected on \(unplanned.iso) with no payment plan in place, "
                    + "which its terms require: "
                    + "take it up with the agency"
            case .objectionNotEntitled(let objections, let allowed, nil):
                line.action =
                    "\(p.partnerID) objected \(objections) times, its terms allow \(allowed): "
                    + "take it up with the agency"
            case .notApplicable:
                continue
            }
            lines.append(line)
        }
        return lines
    }

    /// The placements whose term runs out within `days` days of `asOf` (the dashboard's
    /// "to be recalled" list), soonest first.
    public func upcoming(_ r: any ComplianceReading, within days: Int = 14)
        -> [(accountNumber: String, partnerID: String, limit: TermLimit, dueOn: CalendarDate)] {
        let horizon = asOf.adding(days: days)
        let all = (try? evaluate(r)) ?? []
        return all.compactMap { record, decision in
            let next: (limit: TermLimit, dueOn: CalendarDate)?
            switch decision {
            case .recall(let limit, let due): next = (limit, due)
            case .keep(let n), .objectionRespected(let n): next = n
            case .recallPending, .objectionNotEntitled, .notApplicable: next = nil
            }
            guard let next, next.dueOn <= horizon else { return nil }
            return (record.placement.accountNumber, record.placement.partnerID, next.limit, next.dueOn)
        }.sorted { ($0.dueOn, $0.accountNumber) < ($1.dueOn, $1.accountNumber) }
    }
}
