public import HandoffDomain

/// A value a layout field is filled from: what an account, invoice or batch knows.
public enum FieldValue: Sendable, Equatable {
    case text(String)
    case date(CalendarDate)
    case money(Money)
    case integer(Int64)
    /// Known, but empty for this record (an account without a phone number).
    case absent

    public var isAbsent: Bool {
        switch self {
        case .absent: return true
        case .text(let t): return t.isEmpty
        default: return false
        }
    }
}

/// Finds the value of a source path (`account.number`) for one record; `nil` means the
/// path is not known at all (a mistake in the layout, caught by `handoff partners check`).
public typealias ValueLookup = (String) -> FieldValue?

/// Why an account (or a whole file) cannot be written in an agency's layout. `reason` is
/// the agency's own code where it has one (`MISSING_DATA`, `REGION`, `BALANCE`…).
public struct Refusal: Error, Equatable, Sendable, CustomStringConvertible {
    public var reason: String
    public var field: String
    public var message: String

    public init(reason: String, field: String, message: String) {
        self.reason = reason
        self.field = field
        self.message = message
    }

    public var description: String { "\(reason): \(field): \(message)" }
}
