/// The ageing buckets of an accounts-receivable ageing report, by days past due.
public enum AgingBucket: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    /// Not yet due (or due today).
    case current
    case days1to30 = "1-30"
    case days31to60 = "31-60"
    case days61to90 = "61-90"
    case days91to120 = "91-120"
    case days121Plus = "121+"

    /// The bucket of an amount that is `daysPastDue` days past due (0 or less: current).
    public init(daysPastDue: Int) {
        switch daysPastDue {
        case ...0: self = .current
        case 1...30: self = .days1to30
        case 31...60: self = .days31to60
        case 61...90: self = .days61to90
        case 91...120: self = .days91to120
        default: self = .days121Plus
        }
    }

    public static func < (a: AgingBucket, b: AgingBucket) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// How far past due something is on a given day.
public struct PastDue: Hashable, Sendable {
    /// The due date measured from, or `nil` when nothing is past due.
    public var oldestDueDate: CalendarDate?
    /// Days from that due date to the "as of" date; 0 when nothing is past due.
    public var days: Int
    public var bucket: AgingBucket

    /// Ageing of an amount (or account) whose oldest open due date is `dueDate`, on `asOf`.
    /// Something due on `asOf` itself is not yet past due.
    public init(oldestOpenDueDate dueDate: CalendarDate?, asOf: CalendarDate) {
        if let dueDate, dueDate < asOf {
            self.oldestDueDate = dueDate
            self.days = asOf.days(since: dueDate)
        } else {
            self.oldestDueDate = nil
            self.days = 0
        }
        self.bucket = AgingBucket(daysPastDue: days)
    }
}
