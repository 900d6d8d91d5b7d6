/// How long an agency may keep an account (`[terms]` in its partner file). Every limit is
/// optional; an agency with none keeps accounts until it closes them or a person recalls them.
public struct PlacementTerms: Hashable, Sendable {
    /// Days after placement at which the account is recalled.
    public var placementDays: Int?
    /// Days without a payment or a payment plan after which the account is recalled.
    public var noActivityDays: Int?
    /// Days after placement at which the account is recalled whatever else holds (a payment
    /// plan, an earlier objection): the last word.
    public var finalRecallDays: Int?
    /// The agency's status codes that mean a payment plan or a promise to pay (`PPA`,
    /// `promise_to_pay`): they pause the no-activity clock; another status after one breaks the plan.
    public var paymentPlanStatuses: Set<String>
    /// How many objections to a recall the agency is entitled to on one placement (Keystone
    /// objects once, to a first recall, when a payment plan is in place).
    public var objectionsAllowed: Int
    /// Whether an objection is allowed only while a payment plan is in place (Keystone §8: "KRP
    /// objects to a first recall request because a payment plan is in place"); one made
    /// without a plan is not one the agency is entitled to.
    public var objectionsNeedPaymentPlan: Bool

    public init(
        placementDays: Int? = nil, noActivityDays: Int? = nil, finalRecallDays: Int? = nil,
        paymentPlanStatuses: Set<String> = [],
        objectionsAllowed: Int = 0, objectionsNeedPaymentPlan: Bool = false) {
        self.placementDays = placementDays
        self.noActivityDays = noActivityDays
        self.finalRecallDays = finalRecallDays
        self.paymentPlanStatuses = paymentPlanStatuses
        self.objectionsAllowed = objectionsAllowed
        self.objectionsNeedPaymentPlan = objectionsNeedPaymentPlan
    }

    /// Whether any limit is set.
    public var isEmpty: Bool { placementDays == nil && noActivityDays == nil && finalRecallDays == nil }
}

/// Which limit of the terms ran out. Stored and printed as its raw value.
public enum TermLimit: String, Hashable, Sendable, CaseIterable {
    case placementDays = "placement_days"
    case noActivityDays = "no_activity_days"
    case finalRecallDays = "final_recall_days"
}

/// One status the agency reported for a placement, on a day.
public struct DatedStatus: Hashable, Sendable {
    public var date: CalendarDate
    /// The agency's own code (`PPA`).
    public var code: String
    public var meaning: StatusMeaning
    public init(date: CalendarDate, code: String, meaning: StatusMeaning) {
        self.date = date
        self.code = code
        self.meaning = meaning
    }
}

/// What the term clock needs to know of one placement.
public struct TermFacts: Hashable, Sendable {
    public var state: PlacementLifecycle.State
    public var placedOn: CalendarDate
    /// Dates of the payments this agency collected on the placement.
    public var payments: [CalendarDate]
    /// The statuses it reported, in the order reported.
    public var statuses: [DatedStatus]
    public init(
        state: PlacementLifecycle.State, placedOn: CalendarDate, payments: [CalendarDate] = [],
        statuses: [DatedStatus] = []
    ) {
        self.state = state
        self.placedOn = placedOn
        self.payments = payments
        self.statuses = statuses
    }
}

/// The term clock of one placement: a pure decision of whether its term has run out, and when
/// it will. The daily terms job performs what it says.
public enum PlacementTermClock {
    /// What the clock says of a placement on a day.
    public enum Decision: Hashable, Sendable {
        /// Recall it now: `limit` ran out on `dueOn`.
        case recall(TermLimit, dueOn: CalendarDate)
        /// Keep it; it is due for recall on `dueOn` by `limit` unless something happens first
        /// (`nil`: no limit applies now, e.g. a payment plan pauses the only one).
        case keep(next: (limit: TermLimit, dueOn: CalendarDate)?)
        /// A recall is out; the agency has not answered.
        case recallPending
        /// The agency objected to a recall it was entitled to object to; the account stays
        /// until the next limit (`next`), if any.
        case objectionRespected(next: (limit: TermLimit, dueOn: CalendarDate)?)
        /// The agency has objected more often than its terms entitle it to, or (`withoutPlanOn`)
        /// objected on a day no payment plan was in place when its terms require one: a person
        /// must take it up.
        case objectionNotEntitled(objections: Int, allowed: Int, withoutPlanOn: CalendarDate? = nil)
        /// The placement is not one a term applies to (not yet accepted, or closed).
        case notApplicable

        public static func == (a: Self, b: Self) -> Bool {
            switch (a, b) {
            case let (.recall(l1, d1), .recall(l2, d2)): return l1 == l2 && d1 == d2
            case let (.keep(n1), .keep(n2)), let (.objectionRespected(n1), .objectionRespected(n2)):
                return n1?.limit == n2?.limit && n1?.dueOn == n2?.dueOn
            case (.recallPending, .recallPending), (.notApplicable, .notApplicable): return true
            case let (.objectionNotEntitled(o1, a1, p1), .objectionNotEntitled(o2, a2, p2)):
                return o1 == o2 && a1 == a2 && p1 == p2
            default: return false
            }
        }

        public func hash(into h: inout Hasher) { h.combine(String(describing: self)) }
    }

    /// Whether a payment plan was in place on `date`: the clock as the statuses up to that day left it.
    public static func planInPlace(_ facts: TermFacts, terms: PlacementTerms, on date: CalendarDate) -> Bool {
        var before = facts
        before.payments = facts.payments.filter { $0 <= date }
        before.statuses = facts.statuses.filter { $0.date <= date }
        return activityClock(before, terms: terms).paused
    }

    /// Where the no-activity clock stands: when it last started, and whether a plan pauses it.
    public static func activityClock(_ facts: TermFacts, terms: PlacementTerms) -> (since: CalendarDate, paused: Bool) {
        var since = facts.placedOn
        var paused = false
        var events: [(CalendarDate, Int, DatedStatus?)] = facts.payments.map { ($0, 0, nil) }
        for (i, s) in facts.statuses.enumerated() { events.append((s.date, i + 1, s)) }
        events.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        for (date, _, status) in events {
            guard let status else {
                since = max(since, date)
                continue
            }
            switch status.meaning {
            case .recallObjected:
                // The objection does not end a plan; it restarts nothing by itself.
                continue
            case .recallConfirmed, .paidInFull, .settled, .returnedUncollectable, .validationNoticeSent:
                continue
            case .active, .disputed, .stopped, .bankruptcy, .deceased, .ceaseContact:
                if terms.paymentPlanStatuses.contains(status.code) {
                    paused = true
                    since = max(since, status.date)
                } else if paused {
                    // A broken plan restarts the clock from the day it broke.
                    paused = false
                    since = max(since, status.date)
                }
            }
        }
        return (since, paused)
    }

    /// What to do with a placement on `asOf`.
    public static func decide(_ facts: TermFacts, terms: PlacementTerms, asOf: CalendarDate) -> Decision {
        switch facts.state {
        case .recallPending:
            return .recallPending
        case .selected, .batched, .sent, .rejected, .closed:
            return .notApplicable
        case .accepted, .active:
            break
        }
        guard !terms.isEmpty else { return .keep(next: nil) }
        let objections = facts.statuses.filter { $0.meaning == .recallObjected }
        let lastObjection = objections.map(\.date).max()
        var clock = activityClock(facts, terms: terms)
        if let lastObjection { clock.since = max(clock.since, lastObjection) }

        var limits: [(limit: TermLimit, dueOn: CalendarDate)] = []
        if let days = terms.finalRecallDays { limits.append((.finalRecallDays, facts.placedOn.adding(days: days))) }
        // After an objection the placement term is spent: only the no-activity clock (restarted
        // by the objection, paused by a plan) and the final recall remain.
        if objections.isEmpty, let days = terms.placementDays {
            limits.append((.placementDays, facts.placedOn.adding(days: days)))
        }
        if let days = terms.noActivityDays, !clock.paused {
            limits.append((.noActivityDays, clock.since.adding(days: days)))
        }
        let next = limits.min { ($0.dueOn, $0.limit.rawValue) < ($1.dueOn, $1.limit.rawValue) }

        if objections.count > terms.objectionsAllowed {
            return .objectionNotEntitled(objections: objections.count, allowed: terms.objectionsAllowed)
        }
        if terms.objectionsNeedPaymentPlan,
           let unplanned = objections.first(where: { !planInPlace(facts, terms: terms, on: $0.date) }) {
            return .objectionNotEntitled(
                objections: objections.count, allowed: terms.objectionsAllowed, withoutPlanOn: unplanned.date)
        }
        if let next, next.dueOn <= asOf {
            // A final recall after an objection is due once more only if none was made since it fell due.
            if next.limit == .finalRecallDays, let lastObjection, lastObjection >= next.dueOn {
                return .objectionRespected(next: nil)
            }
            return .recall(next.limit, dueOn: next.dueOn)
        }
        if !objections.isEmpty { return .objectionRespected(next: next) }
        return .keep(next: next)
    }
}
