/// TOML's four kinds of string: basic (`"…"`, with escapes), multi-line basic (`"""…"""`),
/// literal (`'…'`, as written) and multi-line literal (`'''…'''`).
extension TOMLParser {
    /// `"…"` on one line. The position is at the opening quote.
    mutating func basicString() throws(Failure) -> String {
        let start = position
        position += 1
        var escaped: [UInt8] = []
        var hasEscapes = false
        var run = position
        while true {
            guard let c = byte() else {
                throw Failure(offset: start, problem: "a string opened here is never closed with '\"'")
            }
            switch c {
            case Byte.quote:
                let text = hasEscapes ? String(decoding: escaped + bytes[run..<position], as: UTF8.self)
                                      : String(decoding: bytes[run..<position], as: UTF8.self)
                position += 1
                return text
            case Byte.backslash:
                escaped.append(contentsOf: bytes[run..<position])
                hasEscapes = true
                try escape(into: &escaped, multiline: false)
                run = position
            case Byte.lineFeed, Byte.carriageReturn:
                throw fail("a string must end on the line it starts on (a multi-line string is written between \"\"\")")
            default:
                if Byte.isControl(c) { throw controlInString(c) }
                position += 1
            }
        }
    }

    /// `"""…"""`: a line end right after the opening quotes is dropped; escapes as in a basic
    /// string, and a backslash at the end of a line drops the line end and the blanks after it.
    mutating func multilineBasicString() throws(Failure) -> String {
        let start = position
        position += 3
        try dropFirstLineEnd()
        var out: [UInt8] = []
        var run = position
        while true {
            guard let c = byte() else {
                throw Failure(offset: start, problem: "a multi-line string opened here is never closed with '\"\"\"'")
            }
            switch c {
            case Byte.quote:
                if let end = closingQuotes(Byte.quote) {
                    out.append(contentsOf: bytes[run..<end])
                    return String(decoding: out, as: UTF8.self)
                }
            case Byte.backslash:
                out.append(contentsOf: bytes[run..<position])
                try escape(into: &out, multiline: true)
                run = position
            case Byte.carriageReturn:
                guard byte(at: position + 1) == Byte.lineFeed else {
                    throw fail("a carriage return (U+000D) must be followed by a line feed")
                }
                out.append(contentsOf: bytes[run..<position])
                position += 1                           // the line feed is kept, the carriage return dropped
                run = position
            case Byte.lineFeed:
                position += 1
            default:
                if Byte.isControl(c) { throw controlInString(c) }
                position += 1
            }
        }
    }

    /// `'…'` on one line, exactly as written.
    mutating func literalString() throws(Failure) -> String {
        let start = position
        position += 1
        let run = position
        while true {
            guard let c = byte() else {
                throw Failure(offset: start, problem: "a literal string opened here is never closed with \"'\"")
            }
            switch c {
            case Byte.apostrophe:
                let text = String(decoding: bytes[run..<position], as: UTF8.self)
                position += 1
                return text
            case Byte.lineFeed, Byte.carriageReturn:
                throw fail(
                    "a literal string must end on the line it starts on (a multi-line one is written between ''')")
            default:
                if Byte.isControl(c) { throw controlInString(c) }
                position += 1
            }
        }
    }

    /// `'''…'''`, exactly as written but for a line end right after the opening quotes.
    mutating func multilineLiteralString() throws(Failure) -> String {
        let start = position
        position += 3
        try dropFirstLineEnd()
        var out: [UInt8] = []
        var run = position
        while true {
            guard let c = byte() else {
                throw Failure(
                    offset: start, problem: "a multi-line literal string opened here is never closed with \"'''\"")
            }
            switch c {
            case Byte.apostrophe:
                if let end = closingQuotes(Byte.apostrophe) {
                    out.append(contentsOf: bytes[run..<end])
                    return String(decoding: out, as: UTF8.self)
                }
            case Byte.carriageReturn:
                guard byte(at: position + 1) == Byte.lineFeed else {
                    throw fail("a carriage return (U+000D) must be followed by a line feed")
                }
                out.append(contentsOf: bytes[run..<position])
                position += 1
                run = position
            case Byte.lineFeed:
                position += 1
            default:
                if Byte.isControl(c) { throw controlInString(c) }
                position += 1
            }
        }
    }

    /// At a quote inside a multi-line string: when three or more stand here, the string ends
    /// (up to two more quotes before the last three belong to it), the position moves past them
    /// and the content's end offset is returned. Fewer than three are content: the position moves past them.
    private mutating func closingQuotes(_ quote: UInt8) -> Int? {
        var count = 0
        while byte(at: position + count) == quote, count < 5 { count += 1 }
        guard count >= 3 else {
            position += count
            return nil
        }
        let end = position + count - 3
        position += count
        return end
    }

    /// A line end right after the opening quotes of a multi-line string is not part of it.
    private mutating func dropFirstLineEnd() throws(Failure) {
        if byte() == Byte.lineFeed || byte() == Byte.carriageReturn { try newline() }
    }

    /// A backslash and what follows it, at the position of the backslash, appended as UTF-8.
    mutating func escape(into out: inout [UInt8], multiline: Bool) throws(Failure) {
        let start = position
        guard let c = byte(at: position + 1) else { throw fail("a backslash at the end of the text") }
        position += 2
        switch c {
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "r"): out.append(0x0D)
        case Byte.quote: out.append(Byte.quote)
        case Byte.backslash: out.append(Byte.backslash)
        case UInt8(ascii: "u"): try unicodeEscape(digits: 4, from: start, into: &out)
        case UInt8(ascii: "U"): try unicodeEscape(digits: 8, from: start, into: &out)
        case Byte.space, Byte.tab, Byte.lineFeed, Byte.carriageReturn:
            guard multiline else {
                throw Failure(offset: start, problem: "\(describeEscape(c)) is not an escape of TOML")
            }
            // A line-ending backslash: blanks up to the line's end, then every blank and line end after it.
            position -= 1
            skipSpaces()
            guard byte() == Byte.lineFeed || byte() == Byte.carriageReturn else {
                throw Failure(
                    offset: start,
                    problem: "a backslash followed by a space must end its line (only blanks may follow it)")
            }
            while let b = byte(), b == Byte.space || b == Byte.tab || b == Byte.lineFeed || b == Byte.carriageReturn {
                if b == Byte.space || b == Byte.tab { position += 1 } else { try newline() }
            }
        default:
            throw Failure(
                offset: start,
                problem:
                    "\(describeEscape(c)) is not an escape of TOML (\\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX)")
        }
    }

    private func describeEscape(_ c: UInt8) -> String {
        if c == Byte.lineFeed || c == Byte.carriageReturn {
            return "a backslash at the end of a line (allowed only in a multi-line string)"
        }
        if c >= 0x21 && c < 0x7F { return "'\\\(Character(Unicode.Scalar(c)))'" }
        return "a backslash followed by \(describe(at: position - 1))"
    }

    /// `\uXXXX` or `\UXXXXXXXX`: exactly that many hexadecimal digits naming a Unicode scalar value.
    private mutating func unicodeEscape(digits: Int, from start: Int, into out: inout [UInt8]) throws(Failure) {
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard let c = byte(), let digit = Self.hexValue(c) else {
                throw Failure(
                    offset: start,
                    problem: "a \\\(digits == 4 ? "u" : "U") escape needs exactly \(digits) hexadecimal digits")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        guard let scalar = Unicode.Scalar(value) else {
            throw Failure(
                offset: start,
                problem:
                    "\\\(digits == 4 ? "u" : "U")"
                        + "\(String(bytes[(start + 2)..<position].map { Character(Unicode.Scalar($0)) })) "
                        + "is not a Unicode scalar value (a surrogate, or beyond U+10FFFF)"
            )
        }
        UTF8.encode(scalar) { out.append($0) }
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    private func controlInString(_ c: UInt8) -> Failure {
        fail(
            "a control character (\(Byte.unicodeName(c))) is not allowed in a string: "
                + "write it as an escape, such as \\u\(Byte.unicodeName(c).dropFirst(2))"
        )
    }
}
