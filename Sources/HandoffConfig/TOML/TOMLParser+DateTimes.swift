import HandoffDomain

/// TOML's dates and times (RFC 3339): offset date-times, local date-times, local dates and
/// local times. A local date becomes a `CalendarDate`; the others keep their text.
extension TOMLParser {
    /// Whether `HH:` starts at `offset` (a local time).
    func startsTime(at offset: Int) -> Bool {
        guard offset + 2 < bytes.count else { return false }
        return Byte.isDigit(bytes[offset]) && Byte.isDigit(bytes[offset + 1]) && bytes[offset + 2] == Byte.colon
    }

    /// Whether `YYYY-` starts at `offset` (a date).
    func startsDate(at offset: Int) -> Bool {
        guard offset + 4 < bytes.count else { return false }
        return Byte.isDigit(bytes[offset]) && Byte.isDigit(bytes[offset + 1]) && Byte.isDigit(bytes[offset + 2])
            && Byte.isDigit(bytes[offset + 3]) && bytes[offset + 4] == UInt8(ascii: "-")
    }

    /// `HH:MM:SS` with optional fractional seconds: a local time, kept as its text.
    mutating func localTime() throws(Failure) -> TOMLNode {
        let start = position
        try time()
        return .dateTime(String(decoding: bytes[start..<position], as: UTF8.self))
    }

    /// `YYYY-MM-DD`, then optionally `T` (or `t`, or a space) and a time, then optionally `Z`
    /// or an offset `±HH:MM`.
    mutating func dateOrDateTime() throws(Failure) -> TOMLNode {
        let start = position
        let year = try twoOrFourDigits(4)
        try expect(UInt8(ascii: "-"), in: "date")
        let month = try twoOrFourDigits(2)
        try expect(UInt8(ascii: "-"), in: "date")
        let day = try twoOrFourDigits(2)
        guard (1...12).contains(month), day >= 1, day <= Self.days(inMonth: month, year: year) else {
            throw Failure(
                offset: start,
                problem: "\(String(decoding: bytes[start..<position], as: UTF8.self)) is not a date on the calendar")
        }
        // A time follows a T, or a space when a time (HH:) stands after it.
        if let separator = byte(),
            separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t")
                || (separator == Byte.space && startsTime(at: position + 1))
        {
            position += 1
            try time()
            if let c = byte() {
                if c == UInt8(ascii: "Z") || c == UInt8(ascii: "z") {
                    position += 1
                } else if c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                    position += 1
                    let hours = try twoOrFourDigits(2)
                    try expect(Byte.colon, in: "time offset")
                    let minutes = try twoOrFourDigits(2)
                    guard hours < 24, minutes < 60 else {
                        throw Failure(
                            offset: start,
                            problem:
                                "the time offset of \(String(decoding: bytes[start..<position], as: UTF8.self)) "
                                    + "is not ±HH:MM with HH below 24 and MM below 60"
                        )
                    }
                }
            }
            return .dateTime(String(decoding: bytes[start..<position], as: UTF8.self))
        }
        if let date = CalendarDate(year: year, month: month, day: day) { return .date(date) }
        return .dateTime(String(decoding: bytes[start..<position], as: UTF8.self))
    }

    /// `HH:MM:SS` and optional fractional seconds (`.` and at least one digit).
    private mutating func time() throws(Failure) {
        let start = position
        let hour = try twoOrFourDigits(2)
        try expect(Byte.colon, in: "time")
        let minute = try twoOrFourDigits(2)
        try expect(Byte.colon, in: "time (HH:MM:SS: the seconds are required)")
        let second = try twoOrFourDigits(2)
        guard hour < 24, minute < 60, second < 60 else {
            throw Failure(
                offset: start,
                problem:
                    "\(String(decoding: bytes[start..<position], as: UTF8.self)) is not a time of day "
                        + "(HH:MM:SS, from 00:00:00 to 23:59:59)"
            )
        }
        if byte() == Byte.dot, let digit = byte(at: position + 1), Byte.isDigit(digit) {
            position += 1
            while let c = byte(), Byte.isDigit(c) { position += 1 }
        }
    }

    /// Exactly `count` decimal digits, as a number.
    private mutating func twoOrFourDigits(_ count: Int) throws(Failure) -> Int {
        var value = 0
        for _ in 0..<count {
            guard let c = byte(), Byte.isDigit(c) else {
                throw fail("expected a digit of a date or time, saw \(describe())")
            }
            value = value * 10 + Int(c - UInt8(ascii: "0"))
            position += 1
        }
        return value
    }

    private mutating func expect(_ separator: UInt8, in what: String) throws(Failure) {
        guard byte() == separator else {
            throw fail("expected '\(Character(Unicode.Scalar(separator)))' in a \(what), saw \(describe())")
        }
        position += 1
    }

    /// Days in a month of the proleptic Gregorian calendar.
    static func days(inMonth month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
