/// How the work list weighs the amount and the age of what is past due (`[worklist]`), in
/// percent; they add up to 100.
public struct WorklistWeights: Hashable, Sendable {
    public var amountPercent = 60
    public var agePercent = 40
    public init() {}
}

/// What happens next to a past-due account, and when.
public enum WorklistNextStep: Hashable, Sendable {
    /// A dunning step (a reminder or the final notice by e-mail) on this day.
    case dunning(DunningStep, on: CalendarDate)
    /// A final notice recorded by the next placement run (no e-mail step for it).
    case finalNotice(on: CalendarDate)
    /// Placement with an agency, at the first placement run on or after this day.
    case placement(on: CalendarDate)
    /// Nothing, and why (a hold, below the minimum…).
    case nothing(reason: String)

    /// The step as a code: `reminder`, `final_notice`, `placement` or `none`.
    public var code: String {
        switch self {
        case .dunning(let step, _): return step.kind.rawValue
        case .finalNotice: return "final_notice"
        case .placement: return "placement"
        case .nothing: return "none"
        }
    }

    /// The day of the step, if there is one.
    public var date: CalendarDate? {
        switch self {
        case .dunning(_, let on), .finalNotice(let on), .placement(let on): return on
        case .nothing: return nil
        }
    }

    /// The step in words.
    public var text: String {
        switch self {
        case .dunning(let step, let on):
            return "\(step.kind == .finalNotice ? "final notice" : "reminder") (\(step.name)) on \(on)"
        case .finalNotice(let on): return "final notice (placement run) on \(on)"
        case .placement(let on): return "placement on \(on)"
        case .nothing(let reason): return "nothing: \(reason)"
        }
    }
}

/// One past-due account on the work list.
public struct WorklistEntry: Hashable, Sendable {
    public var customerID: Int64
    public var profile: DebtorProfile
    /// The past-due balance, in the account's currency.
    public var pastDue: Money
    public var daysPastDue: Int
    /// 0…1000: the weighted share of the largest past-due balance in the same currency and of the oldest age.
    public var score: Int
    public var next: WorklistNextStep
}

/// Ranks past-due accounts not with an agency. Pure. Amounts are compared only with amounts of
/// the same currency (as a share of the largest past-due balance in that currency); ages with
/// every age. Nothing is converted or added across currencies.
public enum Worklist {
    public static func rank(
        _ candidates: [PlacementCandidate], weights: WorklistWeights, schedule: DunningSchedule,
        recorded: [Int64: Set<RecordedDunningStep>], rules: PlacementRules,
        asOf: CalendarDate
    ) -> [WorklistEntry] {
        var rows: [(PlacementCandidate, Money, Int)] = []
        for c in candidates where c.openPlacement == nil {
            let pastDue = c.openInvoices.filter { $0.balance > 0 && $0.dueDate < asOf }
            guard let oldest = pastDue.min(by: OpenItem.oldestFirst),
                let total = try? Amount.sum(pastDue.lazy.map(\.balance), what: "past due")
            else { continue }
            rows.append((c, Money(minorUnits: total, currency: c.profile.currency), asOf.days(since: oldest.dueDate)))
        }
        var largest: [Currency: Int64] = [:]
        for (_, money, _) in rows { largest[money.currency] = max(largest[money.currency] ?? 0, money.minorUnits) }
        let oldestAge = rows.map(\.2).max() ?? 0
        let entries = rows.map { c, money, days -> WorklistEntry in
            let amountShare =
                (largest[money.currency] ?? 0) > 0 ? money.minorUnits * 1000 / largest[money.currency]! : 0
            let ageShare = oldestAge > 0 ? Int64(days) * 1000 / Int64(oldestAge) : 0
            let score = (Int64(weights.amountPercent) * amountShare + Int64(weights.agePercent) * ageShare) / 100
            let next = nextStep(c, schedule: schedule, recorded: recorded[c.customerID] ?? [], rules: rules, asOf: asOf)
            return WorklistEntry(
                customerID: c.customerID, profile: c.profile, pastDue: money, daysPastDue: days, score: Int(score),
                next: next)
        }
        return entries.sorted {
            ($0.score, $0.daysPastDue, $1.profile.accountNumber) > ($1.score, $1.daysPastDue, $0.profile.accountNumber)
        }
    }

    /// The next step for one account on `asOf`: the earliest of its next dunning step and its placement.
    public static func nextStep(
        _ c: PlacementCandidate, schedule: DunningSchedule, recorded: Set<RecordedDunningStep>,
        rules: PlacementRules, asOf: CalendarDate
    ) -> WorklistNextStep {
        let stopping = DunningPlan.stoppingHolds(c.profile.holds)
        if !stopping.isEmpty { return .nothing(reason: "hold: \(Hold.listText(stopping))") }
        let verdict = DunningPlan.evaluate(
            c, schedule: schedule, recorded: recorded, finalNoticeDays: rules.finalNoticeDays,
            asOf: asOf)
        if case .send(let letter) = verdict { return .dunning(letter.step, on: asOf) }
        // A dispute stops every dunning step, the final notice too: with e-mailed final notices,
        // placement waits for the dispute to be settled.
        if !schedule.steps.isEmpty, case .skip(let skip) = verdict, skip.code == .disputed {
            return .nothing(reason: skip.detail + ": no reminder or final notice while the dispute stands")
        }
        var dunning: WorklistNextStep?
        let pastDue = c.openInvoices.filter { $0.balance > 0 && $0.dueDate < asOf }
        if case .skip(let skip) = verdict, skip.code == .notYetDue, let oldest = pastDue.min(by: OpenItem.oldestFirst),
            let step = schedule.next(afterDaysPastDue: asOf.days(since: oldest.dueDate)),
            step.kind == .reminder || c.finalNoticeDate == nil
        {
            dunning = .dunning(step, on: oldest.dueDate.adding(days: step.daysPastDue))
        }
        let emailFinal = schedule.steps.first { $0.kind == .finalNotice }
        var placement: WorklistNextStep?
        var reason = "nothing due"
        switch Selection.evaluate(c, rules: rules, asOf: asOf) {
        case .placeable:
            placement = .placement(on: asOf)
        case .needsFinalNotice(let p):
            if let step = emailFinal, case .skip(let skip) = verdict, skip.code != .noEmail, skip.code != .badEmail {
                placement = .dunning(step, on: max(asOf, p.oldestDueDate.adding(days: step.daysPastDue)))
            } else {
                placement = .finalNotice(on: asOf)
            }
        case .notPlaced(let why):
            switch why.code {
            case .finalNoticeWaiting:
                if let notice = c.finalNoticeDate {
                    placement = .placement(on: notice.adding(days: rules.finalNoticeDays ?? 0))
                }
            case .tooRecent:
                if let oldest = pastDue.filter({ !$0.disputed }).min(by: OpenItem.oldestFirst) {
                    let day = oldest.dueDate.adding(days: rules.minDaysPastDue)
                    if rules.finalNoticeDays != nil && c.finalNoticeDate == nil {
                        if let step = emailFinal, EmailAddress.isSendable((c.profile.email ?? "").trimmingSpaces) {
                            placement = .dunning(step, on: max(day, oldest.dueDate.adding(days: step.daysPastDue)))
                        } else {
                            placement = .finalNotice(on: day)
                        }
                    } else {
                        placement = .placement(on: day)
                    }
                }
            default:
                reason = why.detail
            }
        }
        switch (dunning, placement) {
        case (let d?, let p?): return (d.date ?? asOf) <= (p.date ?? asOf) ? d : p
        case (let d?, nil): return d
        case (nil, let p?): return p
        case (nil, nil): return .nothing(reason: reason)
        }
    }
}
