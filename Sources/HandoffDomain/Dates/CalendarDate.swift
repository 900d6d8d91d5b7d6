/// A day on the calendar, without a time or a time zone: an invoice date, a due date, the
/// "as of" date of a report.
///
/// Stored as a count of days since 1970-01-01 in the proleptic Gregorian calendar, so that
/// the difference between two dates is an exact number of days. Which day "today" is
/// depends on the business's time zone, which is the caller's concern, not this type's.
public struct CalendarDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Days since 1970-01-01 (negative before it).
    public let daysSinceEpoch: Int

    public init(daysSinceEpoch: Int) { self.daysSinceEpoch = daysSinceEpoch }

    /// The date with this year, month (1–12) and day (1–31), or `nil` when there is no such day.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              day >= 1, day <= CalendarDate.daysIn(month: month, year: year) else { return nil }
        self.daysSinceEpoch = CalendarDate.days(fromCivil: year, month, day)
    }

    /// Parses `YYYY-MM-DD` exactly (ten characters, a real day), or returns `nil`.
    public init?(iso text: some StringProtocol) {
        let u = Array(text.utf8)
        guard u.count == 10, u[4] == 0x2D, u[7] == 0x2D,
              let y = CalendarDate.number(u[0..<4]), let m = CalendarDate.number(u[5..<7]),
              let d = CalendarDate.number(u[8..<10]) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// Parses `YYYYMMDD` exactly, or returns `nil`.
    public init?(compact text: some StringProtocol) {
        let u = Array(text.utf8)
        guard u.count == 8, let y = CalendarDate.number(u[0..<4]), let m = CalendarDate.number(u[4..<6]),
              let d = CalendarDate.number(u[6..<8]) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// Year, month and day.
    public var components: (year: Int, month: Int, day: Int) { CalendarDate.civil(fromDays: daysSinceEpoch) }
    public var year: Int { components.year }
    public var month: Int { components.month }
    public var day: Int { components.day }

    /// `YYYY-MM-DD`.
    public var iso: String {
        let (y, m, d) = components
        return CalendarDate.pad(y, 4) + "-" + CalendarDate.pad(m, 2) + "-" + CalendarDate.pad(d, 2)
    }

    /// `YYYYMMDD`.
    public var compact: String {
        let (y, m, d) = components
        return CalendarDate.pad(y, 4) + CalendarDate.pad(m, 2) + CalendarDate.pad(d, 2)
    }

    public var description: String { iso }

    /// The date `n` days later (earlier for a negative `n`).
    public func adding(days n: Int) -> CalendarDate { CalendarDate(daysSinceEpoch: daysSinceEpoch + n) }

    /// The same day `n` years later; 29 February becomes 28 February in a year without it.
    public func adding(years n: Int) -> CalendarDate {
        let c = components
        let day = min(c.day, CalendarDate.daysIn(month: c.month, year: c.year + n))
        return CalendarDate(year: c.year + n, month: c.month, day: day) ?? adding(days: 365 * n)
    }

    /// Whole days from `other` to `self`: positive when `self` is later.
    public func days(since other: CalendarDate) -> Int { daysSinceEpoch - other.daysSinceEpoch }

    public static func < (a: CalendarDate, b: CalendarDate) -> Bool { a.daysSinceEpoch < b.daysSinceEpoch }

    // MARK: - Civil calendar arithmetic (H. Hinnant's algorithms)

    static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civil(fromDays z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// Days in a month of a year.
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func number(_ bytes: ArraySlice<UInt8>) -> Int? {
        var v = 0
        for b in bytes {
            guard b >= 0x30 && b <= 0x39 else { return nil }
            v = v * 10 + Int(b - 0x30)
        }
        return v
    }

    private static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}

extension CalendarDate: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let date = CalendarDate(iso: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not YYYY-MM-DD"))
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(iso)
    }
}
