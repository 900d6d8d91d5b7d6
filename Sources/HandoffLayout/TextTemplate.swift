public import HandoffDomain

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
                guard let close = text[index...].firstIndex(of: "}") else {
                    throw TemplateError(message: "'{' without '}' in \(text)")
                }
                if !literal.isEmpty { pieces.append(.literal(literal)); literal = "" }
                let inner = text[text.index(after: index)..<close]
                let parts = inner.split(separator: ":", maxSplits: 1)
                guard let path = parts.first, !path.isEmpty else {
                    throw TemplateError(message: "empty placeholder in \(text)")
                }
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

    /// The placeholders, each with its format when it has one (`batch.date` with `yyyyMMdd`).
    public var placeholders: [(path: String, format: String?)] {
        pieces.compactMap { if case .placeholder(let p, let f) = $0 { return (p, f) } else { return nil } }
    }

    /// Fills a file name's placeholders and refuses a name that would not stay one name
    /// inside its folder (see ``StagedFileName``), whatever a value turned out to hold.
    public func renderFileName(_ lookup: ValueLookup) throws(TemplateError) -> String {
        let name = try render(lookup)
        if let problem = StagedFileName.problem(name) {
            throw TemplateError(message: "the file name '\(name)' from \(source) \(problem)")
        }
        return name
    }

    /// Fills the placeholders. An unknown path is an error; an absent value is empty text.
    public func render(_ lookup: ValueLookup) throws(TemplateError) -> String {
        var out = ""
        for piece in pieces {
            switch piece {
            case .literal(let s): out += s
            case .placeholder(let path, let format):
                guard let value = lookup(path) else {
                    throw TemplateError(message: "unknown value '\(path)' in \(source)")
                }
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
            guard format.allSatisfy({ $0 == "0" }) else {
                throw TemplateError(message: "'\(format)' is not a number format (write 000)")
            }
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

/// What a name Handoff writes into a staging folder may be: one file name, never a path.
public enum StagedFileName {
    /// Why `name` cannot be a file's name inside its folder, or `nil` when it can.
    public static func problem(_ name: String) -> String? {
        if name.isEmpty { return "is empty" }
        if name.contains("/") || name.contains("\\") {
            return "must not hold / or \\: a file name stays inside the staging folder"
        }
        if name.contains("..") { return "must not hold ..: a file name stays inside the staging folder" }
        if name.hasPrefix(".") { return "must not start with . (a hidden file)" }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "must not hold control characters"
        }
        return nil
    }
}

/// Date patterns of layouts: `yyyy`, `yy`, `MM`, `dd` and literal characters.
public enum DatePattern {
    /// Why `pattern` is not a date pattern, or `nil`. Letters are tokens, and only `yyyy`,
    /// `yy`, `MM` and `dd` are known (`qqqq`, `mm` or `DD` is a mistake, never literal
    /// text); other characters (`-`, `/`, `.`, spaces, digits) are written as they are. A
    /// pattern for `reading` an agency's dates needs `yyyy`, `MM` and `dd`, once each; one
    /// for writing needs at least one token.
    public static func problem(_ pattern: String, reading: Bool) -> String? {
        let known = reading ? ["yyyy", "MM", "dd"] : ["yyyy", "yy", "MM", "dd"]
        let list = known.joined(separator: ", ")
        var rest = Substring(pattern)
        var seen: [String] = []
        while let c = rest.first {
            if let token = known.first(where: { rest.hasPrefix($0) }) {
                seen.append(token)
                rest = rest.dropFirst(token.count)
            } else if c.isLetter {
                let run = rest.prefix { $0 == c }
                return
                    "'\(pattern)' is not a date format: '\(run)' is not one of \(list) "
                        + "(other characters, such as - / . or a space, are written as they are)"
            } else {
                rest = rest.dropFirst()
            }
        }
        if reading {
            for token in known where seen.filter({ $0 == token }).count != 1 {
                return "'\(pattern)' is not a date format dates can be read with: it needs yyyy, MM and dd, once each"
            }
        } else if seen.isEmpty {
            return "'\(pattern)' is not a date format: it holds none of \(list)"
        }
        return nil
    }

    public static func format(_ date: CalendarDate, pattern: String) -> String {
        // Byte by byte: a placement run formats a few dates per invoice, millions in all.
        let (y, m, d) = date.components
        var out: [UInt8] = []
        out.reserveCapacity(pattern.utf8.count + 2)
        func put(_ value: Int, _ width: Int) {
            var digits: [UInt8] = []
            var v = value
            repeat { digits.append(UInt8(ascii: "0") + UInt8(v % 10)); v /= 10 } while v > 0
            if digits.count < width {
                out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - digits.count))
            }
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
    /// Byte by byte: a reconciliation parses a date or two for every activity line.
    public static func parse(_ text: String, pattern: String) -> CalendarDate? {
        var text = text, pattern = pattern
        return text.withUTF8 { t in
            pattern.withUTF8 { p in
                var y: Int?, m: Int?, d: Int?
                var i = 0, j = 0
                func take(_ n: Int) -> Int? {
                    guard i + n <= t.count else { return nil }
                    var v = 0
                    for k in i..<(i + n) {
                        let b = t[k]
                        guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { return nil }
                        v = v * 10 + Int(b - UInt8(ascii: "0"))
                    }
                    i += n
                    return v
                }
                func at(_ token: StaticString) -> Bool {
                    let n = token.utf8CodeUnitCount
                    guard j + n <= p.count else { return false }
                    for k in 0..<n where p[j + k] != token.utf8Start[k] { return false }
                    return true
                }
                while j < p.count {
                    if at("yyyy") { y = take(4); j += 4 }
                    else if at("MM") { m = take(2); j += 2 }
                    else if at("dd") { d = take(2); j += 2 }
                    else {
                        guard i < t.count, t[i] == p[j] else { return nil }
                        i += 1; j += 1
                    }
                }
                guard i == t.count, let y, let m, let d else { return nil }
                return CalendarDate(year: y, month: m, day: d)
            }
        }
    }
}
