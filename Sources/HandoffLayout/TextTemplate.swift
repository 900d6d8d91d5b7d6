import HandoffDomain

/// Text with `{path}` and `{path:format}` placeholders: file names
/// (`KRP_PLC_{partner.client_id}_{batch.date:yyyyMMdd}_{batch.sequence:000}.csv`) and
/// control-file lines (`records={count.rows};…;sha256={file.sha256}`).
///
/// Formats: a date pattern of `yyyy`, `yy`, `MM` and `dd` for dates; `000` (zero-padded
/// to that width) for whole numbers; `decimal` or `minor_units` for money.
public struct TextTemplate: Sendable, Equatable {
    enum Piece: Sendable, Equatable {
        case literal(String)
        case placeholder(path: String, format: String?)
    }
    let pieces: [Piece]
    /// The template as written.
    public let source: String

    /// Parses a template; an unclosed `{` is an error.
    public init(_ text: String) throws(TemplateError) {
        source = text
        var pieces: [Piece] = []
        var literal = ""
        var index = text.startIndex
        while index < text.endIndex {
            let ch = text[index]
            if ch == "{" {
                guard let close = text[index...].firstIndex(of: "}") else { throw TemplateError(message: "'{' without '}' in \(text)") }
                if !literal.isEmpty { pieces.append(.literal(literal)); literal = "" }
                let inner = text[text.index(after: index)..<close]
                let parts = inner.split(separator: ":", maxSplits: 1)
                guard let path = parts.first, !path.isEmpty else { throw TemplateError(message: "empty placeholder in \(text)") }
                pieces.append(.placeholder(path: String(path), format: parts.count > 1 ? String(parts[1]) : nil))
                index = text.index(after: close)
            } else {
                literal.append(ch)
                index = text.index(after: index)
            }
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        self.pieces = pieces
    }

    /// The paths the template uses.
    public var paths: [String] {
        pieces.compactMap { if case .placeholder(let p, _) = $0 { return p } else { return nil } }
    }

    /// Fills the placeholders. An unknown path is an error; an absent value is empty text.
    public func render(_ lookup: ValueLookup) throws(TemplateError) -> String {
        var out = ""
        for piece in pieces {
            switch piece {
            case .literal(let s): out += s
            case .placeholder(let path, let format):
                guard let value = lookup(path) else { throw TemplateError(message: "unknown value '\(path)' in \(source)") }
                out += try Self.format(value, format)
            }
        }
        return out
    }

    /// Formats one value as a template or a layout field writes it.
    static func format(_ value: FieldValue, _ format: String?) throws(TemplateError) -> String {
        switch value {
        case .absent: return ""
        case .text(let t): return t
        case .date(let d): return DatePattern.format(d, pattern: format ?? "yyyy-MM-dd")
        case .integer(let i):
            guard let format else { return String(i) }
            guard format.allSatisfy({ $0 == "0" }) else { throw TemplateError(message: "'\(format)' is not a number format (write 000)") }
            let s = String(i)
            let width = format.utf8.count, count = s.utf8.count
            return count >= width ? s : String(repeating: "0", count: width - count) + s
        case .money(let m):
            switch format ?? "decimal" {
            case "decimal": return m.decimalText
            case "minor_units", "cents": return String(m.minorUnits)
            default: throw TemplateError(message: "'\(format!)' is not a money format (decimal or minor_units)")
            }
        }
    }
}

/// A template that cannot be parsed or filled.
public struct TemplateError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Date patterns of layouts: `yyyy`, `yy`, `MM`, `dd` and literal characters.
public enum DatePattern {
    public static func format(_ date: CalendarDate, pattern: String) -> String {
        // Byte by byte: a placement run formats a few dates per invoice, millions in all.
        let (y, m, d) = date.components
        var out: [UInt8] = []
        out.reserveCapacity(pattern.utf8.count + 2)
        func put(_ value: Int, _ width: Int) {
            var digits: [UInt8] = []
            var v = value
            repeat { digits.append(UInt8(ascii: "0") + UInt8(v % 10)); v /= 10 } while v > 0
            if digits.count < width { out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - digits.count)) }
            out.append(contentsOf: digits.reversed())
        }
        let p = Array(pattern.utf8)
        var i = 0
        func at(_ j: Int, _ text: StaticString) -> Bool {
            let n = text.utf8CodeUnitCount
            guard j + n <= p.count else { return false }
            for k in 0..<n where p[j + k] != text.utf8Start[k] { return false }
            return true
        }
        while i < p.count {
            if at(i, "yyyy") { put(y, 4); i += 4 }
            else if at(i, "yy") { put(y % 100, 2); i += 2 }
            else if at(i, "MM") { put(m, 2); i += 2 }
            else if at(i, "dd") { put(d, 2); i += 2 }
            else { out.append(p[i]); i += 1 }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses text written in `pattern` (only `yyyy`, `MM`, `dd` and literals), or `nil`.
    public static func parse(_ text: String, pattern: String) -> CalendarDate? {
        var y: Int?, m: Int?, d: Int?
        var t = Substring(text), p = Substring(pattern)
        func take(_ n: Int) -> Int? {
            guard t.count >= n, t.prefix(n).allSatisfy(\.isASCII), let v = Int(t.prefix(n)) else { return nil }
            t = t.dropFirst(n)
            return v
        }
        while !p.isEmpty {
            if p.hasPrefix("yyyy") { y = take(4); p = p.dropFirst(4) }
            else if p.hasPrefix("MM") { m = take(2); p = p.dropFirst(2) }
            else if p.hasPrefix("dd") { d = take(2); p = p.dropFirst(2) }
            else {
                guard t.first == p.first else { return nil }
                t = t.dropFirst(); p = p.dropFirst()
            }
        }
        guard t.isEmpty, let y, let m, let d else { return nil }
        return CalendarDate(year: y, month: m, day: d)
    }
}
