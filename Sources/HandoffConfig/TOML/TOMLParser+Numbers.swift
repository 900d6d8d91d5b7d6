/// TOML's numbers: integers (decimal with an optional sign; `0x`, `0o`, `0b` without one),
/// 64-bit and checked, and floats (a fraction, an exponent or both; `inf` and `nan`), with
/// underscores allowed only between two digits.
extension TOMLParser {
    /// An integer or a float, at its first character (a sign, a digit, `i` or `n`).
    mutating func number() throws(Failure) -> TOMLNode {
        let start = position
        var negative = false
        if let c = byte(), c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
            negative = c == UInt8(ascii: "-")
            position += 1
        }
        if let special = specialFloat() { return .float(negative ? -special : special) }
        guard let first = byte(), Byte.isDigit(first) else {
            throw Failure(offset: start, problem: "expected a value, saw \(describe(at: start))")
        }
        if first == UInt8(ascii: "0"), let prefix = byte(at: position + 1) {
            let radix: Int? = switch prefix {
            case UInt8(ascii: "x"): 16
            case UInt8(ascii: "o"): 8
            case UInt8(ascii: "b"): 2
            default: nil
            }
            if let radix {
                guard position == start else {
                    throw Failure(offset: start, problem: "a hexadecimal, octal or binary integer cannot have a sign")
                }
                position += 2
                return .integer(try digits(radix: radix, from: start))
            }
        }
        let integerStart = position
        try skipDigits(what: "number")
        if first == UInt8(ascii: "0"), position - integerStart > 1 {
            throw Failure(offset: start, problem: "a number cannot start with a zero (leading zeros are not allowed)")
        }
        var isFloat = false
        if byte() == Byte.dot {
            isFloat = true
            position += 1
            guard let c = byte(), Byte.isDigit(c) else {
                throw fail("a decimal point must be followed by a digit")
            }
            try skipDigits(what: "number")
        }
        if let c = byte(), c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
            isFloat = true
            position += 1
            if let s = byte(), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { position += 1 }
            guard let c = byte(), Byte.isDigit(c) else {
                throw fail("an exponent must be followed by a digit")
            }
            try skipDigits(what: "exponent")
        }
        if isFloat {
            let text = String(decoding: bytes[start..<position].lazy.filter { $0 != Byte.underscore }, as: UTF8.self)
            guard let value = Double(text) else { throw Failure(offset: start, problem: "\(text) is not a number") }
            return .float(value)
        }
        // A decimal integer, summed towards its sign so that the most negative one fits too.
        var value = 0
        for c in bytes[integerStart..<position] where c != Byte.underscore {
            let digit = Int(c &- UInt8(ascii: "0"))
            let (shifted, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) =
                negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            if o1 || o2 { throw tooLarge(from: start) }
            value = next
        }
        return .integer(value)
    }

    /// `inf` or `nan` at the position (after any sign).
    private mutating func specialFloat() -> Double? {
        guard position + 3 <= bytes.count else { return nil }
        let word = bytes[position..<(position + 3)]
        if word.elementsEqual("inf".utf8) { position += 3; return .infinity }
        if word.elementsEqual("nan".utf8) { position += 3; return .nan }
        return nil
    }

    /// Digits 0–9, an underscore allowed between two of them. At least one digit is there.
    private mutating func skipDigits(what: String) throws(Failure) {
        while let c = byte() {
            if Byte.isDigit(c) {
                position += 1
            } else if c == Byte.underscore {
                guard let next = byte(at: position + 1), Byte.isDigit(next), Byte.isDigit(bytes[position - 1]) else {
                    throw fail("an underscore in a \(what) must stand between two digits")
                }
                position += 1
            } else {
                return
            }
        }
    }

    /// The digits of a hexadecimal, octal or binary integer (after its prefix), checked against 64 bits.
    private mutating func digits(radix: Int, from start: Int) throws(Failure) -> Int {
        var value = 0
        var count = 0
        var lastWasDigit = false
        while let c = byte() {
            if c == Byte.underscore {
                guard lastWasDigit, let next = byte(at: position + 1), let d = Self.hexValue(next), Int(d) < radix
                else {
                    throw fail("an underscore in a number must stand between two digits")
                }
                lastWasDigit = false
                position += 1
                continue
            }
            guard let d = Self.hexValue(c), Int(d) < radix else { break }
            let (shifted, o1) = value.multipliedReportingOverflow(by: radix)
            let (next, o2) = shifted.addingReportingOverflow(Int(d))
            if o1 || o2 { throw tooLarge(from: start) }
            value = next
            count += 1
            lastWasDigit = true
            position += 1
        }
        guard count > 0 else {
            throw Failure(
                offset: start,
                problem: "\(["0x", "0o", "0b"][radix == 16 ? 0 : radix == 8 ? 1 : 2]) must be followed by a digit")
        }
        return value
    }

    private func tooLarge(from start: Int) -> Failure {
        Failure(
            offset: start,
            problem: "the integer does not fit in 64 bits (from -9223372036854775808 to 9223372036854775807)")
    }
}
