/// Exact conversion between decimal text and integer minor units.
///
/// Every amount in Handoff is an `Int64` count of a currency's minor unit. Text is parsed
/// digit by digit, never through a floating-point number: `"1,234.50"` in a currency of
/// two digits is `123450`, and `"12.345"` is an error rather than a rounded guess.
public enum Amount {
    /// Why a piece of text is not an amount.
    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        case empty
        case notANumber(String)
        case tooManyDecimals(String, allowed: Int)
        case badGrouping(String)
        case outOfRange(String)

        public var description: String {
            switch self {
            case .empty: return "is empty"
            case .notANumber(let t): return "'\(t)' is not an amount"
            case .tooManyDecimals(let t, 0): return "'\(t)' has decimals, but the currency has no minor unit"
            case .tooManyDecimals(let t, let n): return "'\(t)' has more than \(n) decimal places"
            case .badGrouping(let t): return "'\(t)' has misplaced thousands separators"
            case .outOfRange(let t): return "'\(t)' is too large"
            }
        }
    }

    /// Parses decimal text into minor units of a currency with `digits` decimal places.
    ///
    /// Accepted: an optional leading `-`, digits with optional `,` thousands separators in
    /// groups of three, and an optional `.` followed by one to `digits` digits. Surrounding
    /// spaces are ignored. `"1234.5"`, `"1,234.50"`, `"-0.01"` and `"7"` parse.
    public static func parseMinorUnits(_ text: some StringProtocol, digits: Int) throws(ParseError) -> Int64 {
        var bytes = Array(text.utf8)[...]
        while let f = bytes.first, f == 0x20 || f == 0x09 { bytes = bytes.dropFirst() }
        while let l = bytes.last, l == 0x20 || l == 0x09 { bytes = bytes.dropLast() }
        guard !bytes.isEmpty else { throw .empty }
        let shown = String(decoding: bytes, as: UTF8.self)

        var negative = false
        if bytes.first == UInt8(ascii: "-") { negative = true; bytes = bytes.dropFirst() }

        var whole: Int64 = 0
        var wholeDigits = 0
        var groupDigits = 0          // digits since the last comma
        var sawComma = false
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let b = bytes[index]
            if b >= 0x30 && b <= 0x39 {
                let (m, o1) = whole.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(Int64(b - 0x30))
                if o1 || o2 { throw .outOfRange(shown) }
                whole = s
                wholeDigits += 1
                groupDigits += 1
            } else if b == UInt8(ascii: ",") {
                // The first group has one to three digits, every later one exactly three.
                if wholeDigits == 0 || (sawComma ? groupDigits != 3 : groupDigits > 3) { throw .badGrouping(shown) }
                sawComma = true
                groupDigits = 0
            } else if b == UInt8(ascii: ".") {
                break
            } else {
                throw .notANumber(shown)
            }
            index += 1
        }
        guard wholeDigits > 0 else { throw .notANumber(shown) }
        if sawComma && groupDigits != 3 { throw .badGrouping(shown) }

        var fraction: Int64 = 0
        var fractionDigits = 0
        if index < bytes.endIndex {                 // at the '.'
            index += 1
            guard index < bytes.endIndex else { throw .notANumber(shown) }
            while index < bytes.endIndex {
                let b = bytes[index]
                guard b >= 0x30 && b <= 0x39 else { throw .notANumber(shown) }
                fractionDigits += 1
                if fractionDigits > digits { throw .tooManyDecimals(shown, allowed: digits) }
                fraction = fraction * 10 + Int64(b - 0x30)
                index += 1
            }
        }
        for _ in fractionDigits..<digits { fraction *= 10 }

        let (scaled, o1) = whole.multipliedReportingOverflow(by: power(of: digits))
        let (total, o2) = scaled.addingReportingOverflow(fraction)
        if o1 || o2 { throw .outOfRange(shown) }
        return negative ? -total : total
    }

    /// Parses a count of minor units written as digits alone (implied decimals), as
    /// fixed-width files carry them: `"000000123456"` is `123456`. A leading `-` is allowed.
    public static func parseImpliedDecimal(_ text: some StringProtocol) throws(ParseError) -> Int64 {
        var rest = Substring(text)
        while rest.first == " " { rest = rest.dropFirst() }
        guard !rest.isEmpty else { throw .empty }
        let shown = String(text)
        var negative = false
        if rest.first == "-" { negative = true; rest = rest.dropFirst() }
        guard !rest.isEmpty, rest.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { throw .notANumber(shown) }
        guard let value = Int64(rest) else { throw .outOfRange(shown) }
        return negative ? -value : value
    }

    /// Prints minor units as plain decimal text with exactly `digits` decimal places:
    /// `-1` with 2 digits is `"-0.01"`, `123450` is `"1234.50"`. With `grouping`, thousands
    /// are separated by commas (`"1,234.50"`), for people rather than files.
    public static func format(_ minorUnits: Int64, digits: Int, grouping: Bool = false) -> String {
        let negative = minorUnits < 0
        let magnitude = minorUnits.magnitude
        let scale = UInt64(power(of: digits))
        let whole = magnitude / scale
        var text = String(whole)
        if grouping && text.utf8.count > 3 {
            var grouped = ""
            for (i, ch) in text.enumerated() {
                if i > 0 && (text.count - i) % 3 == 0 { grouped.append(",") }
                grouped.append(ch)
            }
            text = grouped
        }
        if digits > 0 {
            let fraction = String(magnitude % scale)
            text += "." + String(repeating: "0", count: digits - fraction.count) + fraction
        }
        return negative ? "-" + text : text
    }

    /// 10 to the power `digits` (0...18).
    public static func power(of digits: Int) -> Int64 {
        precondition(digits >= 0 && digits <= 18, "unsupported number of decimal digits")
        var p: Int64 = 1
        for _ in 0..<digits { p *= 10 }
        return p
    }
}
