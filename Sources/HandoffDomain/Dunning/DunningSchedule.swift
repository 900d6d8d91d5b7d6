/// What a dunning step is: a reminder, or the final notice that names the day the account
/// goes to an agency.
public enum DunningStepKind: String, Hashable, Sendable, CaseIterable {
    case reminder
    case finalNotice = "final_notice"
}

/// One step of the business's own collection before an agency: a message sent to a customer
/// when its oldest past-due invoice is this many days past due (`[[dunning.steps]]`).
public struct DunningStep: Hashable, Sendable {
    /// The step's name, as configured and recorded (`first-reminder`).
    public var name: String
    public var kind: DunningStepKind
    /// Days past due of the account's oldest past-due invoice from which the step is due.
    public var daysPastDue: Int

    public init(name: String, kind: DunningStepKind, daysPastDue: Int) {
        self.name = name
        self.kind = kind
        self.daysPastDue = daysPastDue
    }
}

/// The dunning steps, in the order they are due (fewest days past due first).
public struct DunningSchedule: Hashable, Sendable {
    public let steps: [DunningStep]

    public init(steps: [DunningStep]) {
        self.steps = steps.sorted { ($0.daysPastDue, $0.name) < ($1.daysPastDue, $1.name) }
    }

    /// The step of this name.
    public func step(named name: String) -> DunningStep? { steps.first { $0.name == name } }

    /// The latest step due at `days` past due, if any.
    public func latestDue(atDaysPastDue days: Int) -> DunningStep? { steps.last { $0.daysPastDue <= days } }

    /// The first step not yet due at `days` past due.
    public func next(afterDaysPastDue days: Int) -> DunningStep? { steps.first { $0.daysPastDue > days } }
}
