import Foundation
import HandoffDomain
import TOMLKit

/// A parsed TOML document as plain Swift values, so that configuration and partner files
/// can be read, checked and passed between threads without holding the parser's objects.
public indirect enum TOMLNode: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case float(Double)
    case bool(Bool)
    case date(CalendarDate)
    /// A time or date-time, kept as its TOML text.
    case dateTime(String)
    case array([TOMLNode])
    case table([String: TOMLNode])

    /// The TOML type's name, for error messages.
    public var typeName: String {
        switch self {
        case .string: return "a string"
        case .integer: return "a whole number"
        case .float: return "a decimal number"
        case .bool: return "true or false"
        case .date: return "a date"
        case .dateTime: return "a date and time"
        case .array: return "an array"
        case .table: return "a table"
        }
    }

    /// Parses TOML text. Syntax errors name the file, line and column.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> [String: TOMLNode] {
        if let bad = syntaxTheParserStopsOn(text) {
            throw ConfigError(file: file, key: nil, problem: "not valid TOML at line \(bad.line), column \(bad.column): \(bad.problem)")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(file: file, key: nil,
                              problem: "not valid TOML at line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)")
        } catch {
            throw ConfigError(file: file, key: nil, problem: "not valid TOML: \(error)")
        }
        guard case .table(let root) = convert(table) else { return [:] }
        return root
    }

    /// The TOML parser inside TOMLKit (toml++ 3.4.0) stops the process on some malformed
    /// text, through an assertion where assertions are compiled in and undefined behaviour where
    /// they are not (marzer/tomlplusplus#294, #301). Such text is found here first, outside
    /// strings and comments, and refused like any syntax error:
    /// - a table header whose key starts with a character no key starts with (`[*]`,
    ///   `[[[a]]]`, `[` at the end of a line), where a statement starts;
    /// - in an array, a `}` (`r = [}`) or a line separator U+0085, U+2028 or U+2029 where a value belongs;
    /// - a date followed by a space and a single digit (`a = 1979-05-27 1`).
    static func syntaxTheParserStopsOn(_ text: String) -> (line: Int, column: Int, problem: String)? {
        let b = Array(text.utf8)
        var i = 0, line = 1, lineStart = 0
        var open: [UInt8] = []                              // the brackets and braces not yet closed
        var atStatement = true
        if b.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }     // a byte order mark, which the parser skips
        func isKeyStart(_ c: UInt8) -> Bool {
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == 0x2D || c == 0x22 || c == 0x27
        }
        func at(_ j: Int) -> (line: Int, column: Int) { (line, String(decoding: b[lineStart..<j], as: UTF8.self).count + 1) }
        while i < b.count {
            let c = b[i]
            switch c {
            case 0x0A:
                line += 1; lineStart = i + 1; i += 1
                if open.isEmpty { atStatement = true }
                continue
            case 0x20, 0x09, 0x0D:
                i += 1
                continue
            case UInt8(ascii: "#"):
                while i < b.count, b[i] != 0x0A { i += 1 }
                continue
            case UInt8(ascii: "[") where atStatement && open.isEmpty:
                var j = i + 1
                var spaced = false
                while j < b.count, b[j] == 0x20 || b[j] == 0x09 { j += 1; spaced = true }
                if !spaced, j < b.count, b[j] == UInt8(ascii: "[") {
                    j += 1
                    while j < b.count, b[j] == 0x20 || b[j] == 0x09 { j += 1 }
                }
                if j < b.count, !isKeyStart(b[j]), b[j] != UInt8(ascii: "]"), !(spaced && b[j] == UInt8(ascii: "[")) {
                    let found = b[j] == 0x0A || b[j] == 0x0D ? "the end of the line" : "'\(String(decoding: b[j...].prefix(4), as: UTF8.self).prefix(1))'"
                    let (l, col) = at(j)
                    return (l, col, "a table header needs a key after '[' (a letter, digit, _, - or a quoted key), saw \(found)")
                }
                while i < b.count, b[i] != 0x0A { i += 1 }      // the rest of the header's line
                continue
            case 0x22, 0x27:                                    // a string: basic or literal, single- or multi-line
                let triple = i + 2 < b.count && b[i + 1] == c && b[i + 2] == c
                i += triple ? 3 : 1
                while i < b.count {
                    if c == 0x22, b[i] == 0x5C, i + 1 < b.count, b[i + 1] != 0x0A { i += 2; continue }
                    if b[i] == 0x0A {
                        if !triple { break }
                        line += 1; lineStart = i + 1
                    }
                    if b[i] == c, !triple || (i + 2 < b.count && b[i + 1] == c && b[i + 2] == c) { i += triple ? 3 : 1; break }
                    i += 1
                }
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                open.append(c); i += 1
            case UInt8(ascii: "}") where open.last == UInt8(ascii: "["):
                let (l, col) = at(i)
                return (l, col, "'}' inside an array, where a value or ']' belongs")
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                _ = open.popLast(); i += 1
            case 0xC2 where i + 1 < b.count && b[i + 1] == 0x85,
                 0xE2 where i + 2 < b.count && b[i + 1] == 0x80 && (b[i + 2] == 0xA8 || b[i + 2] == 0xA9):
                let (l, col) = at(i)
                return (l, col, "a line separator (U+0085, U+2028 or U+2029) outside a string or comment")
            default:
                if c >= 0x30 && c <= 0x39, i == 0 || [0x20, 0x09, 0x0A, 0x0D, 0x3D, 0x5B, 0x2C, 0x7B].contains(b[i - 1]),
                   let digit = dateThenOneDigit(b, from: i) {
                    let (l, col) = at(digit)
                    return (l, col, "a date followed by a space and a single digit (a time is HH:MM:SS)")
                }
                if c >= 0x30 && c <= 0x39, i > 0, let t = dateTimeWithoutTime(b, from: i) {
                    let (l, col) = at(t)
                    return (l, col, "a date and time needs a time (HH:MM:SS) after its T")
                }
                i += 1
            }
            atStatement = false
        }
        return nil
    }

    /// Where a value (after `=`, `[` or `,`) starts like a date and time (`YYYY-MM-DDT`) but no
    /// digit follows its T: the parser, reading the time, fails an assertion.
    static func dateTimeWithoutTime(_ b: [UInt8], from start: Int) -> Int? {
        var p = start - 1
        while p >= 0, b[p] == 0x20 || b[p] == 0x09 { p -= 1 }
        guard p >= 0, b[p] == 0x3D || b[p] == 0x5B || b[p] == 0x2C else { return nil }
        var chars: [(byte: UInt8, at: Int)] = []
        var j = start
        while j < b.count, chars.count < 12 {
            let c = b[j]
            if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == 0x5D || c == 0x7D || c == 0x2C || c == 0x23 { break }
            if c != 0x5F { chars.append((c, j)) }
            j += 1
        }
        guard chars.count >= 11, chars[4].byte == 0x2D, chars[7].byte == 0x2D, chars[10].byte == 0x54 || chars[10].byte == 0x74 else { return nil }
        if chars.count == 12, chars[11].byte >= 0x30 && chars[11].byte <= 0x39 { return nil }
        return chars[10].at
    }

    /// Where a value shaped like a date (ten characters, `-` fifth and eighth, digits and
    /// dashes only, as the parser sees it) is followed by a space, one digit and the end of
    /// the value: `1979-05-27 1`, where the parser, looking for a time, fails an assertion.
    static func dateThenOneDigit(_ b: [UInt8], from start: Int) -> Int? {
        // Where a value ends for the parser: whitespace, ] } , # (the non-ASCII spaces too).
        func endsValue(_ j: Int) -> Bool {
            guard j < b.count else { return false }
            switch b[j] {
            case 0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x5D, 0x7D, 0x2C, 0x23: return true
            case 0xC2: return j + 1 < b.count && (b[j + 1] == 0x85 || b[j + 1] == 0xA0)
            case 0xE1: return j + 2 < b.count && b[j + 1] == 0x9A && b[j + 2] == 0x80
            case 0xE2: return j + 2 < b.count && ((b[j + 1] == 0x80 && (b[j + 2] <= 0x8A || b[j + 2] == 0xA8 || b[j + 2] == 0xA9 || b[j + 2] == 0xAF))
                                                  || (b[j + 1] == 0x81 && b[j + 2] == 0x9F))
            case 0xE3: return j + 2 < b.count && b[j + 1] == 0x80 && b[j + 2] == 0x80
            case 0xEF: return j + 2 < b.count && b[j + 1] == 0xBB && b[j + 2] == 0xBF
            default: return false
            }
        }
        var j = start
        while j < b.count, !endsValue(j) { j += 1 }
        // The parser's traits of the value: only digits and minus signs may count.
        let chars = Array(String(decoding: b[start..<j], as: UTF8.self).unicodeScalars.filter { $0 != "_" })
        guard chars.count == 10, chars[4] == "-", chars[7] == "-" else { return nil }
        var hasX = false, hasOther = false, hasMinus = false
        for (k, ch) in chars.enumerated() {
            let n = k + 1
            switch ch {
            case "0"..."9": break
            case "-": hasMinus = true
            case "+", ".", ":": hasOther = true
            case "b", "B", "o", "O": if n == 2 && chars[0] == "0" { hasOther = true }
            case "x", "X": if n == 2 && chars[0] == "0" { hasOther = true; hasX = true }
            case "p", "P": if hasX { hasOther = true }
            case "t", "T", "z", "Z": hasOther = true
            case "e", "E": if n > 1 && !hasOther && !hasMinus { hasOther = true }
            default: break
            }
        }
        guard hasMinus, !hasOther else { return nil }
        // A space, one digit, then the end of the value (not the end of the text).
        guard j + 2 < b.count, b[j] == 0x20, b[j + 1] >= 0x30 && b[j + 1] <= 0x39, endsValue(j + 2) else { return nil }
        return j + 1
    }

    private static func convert(_ value: any TOMLValueConvertible) -> TOMLNode {
        switch value.type {
        case .string: return .string(value.string ?? "")
        case .int: return .integer(value.int ?? 0)
        case .double: return .float(value.double ?? 0)
        case .bool: return .bool(value.bool ?? false)
        case .date:
            if let d = value.date, let date = CalendarDate(year: d.year, month: d.month, day: d.day) { return .date(date) }
            return .dateTime(value.tomlValue.debugDescription)
        case .time, .dateTime: return .dateTime(value.tomlValue.debugDescription)
        case .array:
            return .array((value.array.map { Array($0) } ?? []).map { convert($0) })
        case .table:
            var out: [String: TOMLNode] = [:]
            if let t = value.table {
                for key in t.keys { if let v = t[key] { out[key] = convert(v) } }
            }
            return .table(out)
        }
    }
}

/// A problem in a configuration or partner file: which file, which key, what is wrong.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    /// Dotted key path (`placement.min_days_past_due`), or `nil` for the file as a whole.
    public var key: String?
    public var problem: String

    public init(file: String, key: String?, problem: String) {
        self.file = file
        self.key = key
        self.problem = problem
    }

    public var description: String {
        if let key { return "\(file): \(key): \(problem)" }
        return "\(file): \(problem)"
    }

    /// The bytes of a configuration or partner file as text. A file that is not UTF-8 (saved
    /// as Latin-1 or UTF-16 by an editor) is refused with the offset of its first bad byte,
    /// counted from 0, rather than read with replacement characters or taken for a missing file.
    public static func utf8Text(_ data: Data, file: String) throws(ConfigError) -> String {
        var parser = Unicode.UTF8.ForwardParser()
        var bytes = data.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &bytes) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput: return String(decoding: data, as: UTF8.self)
            case .error:
                throw ConfigError(file: file, key: nil,
                                  problem: "is not valid UTF-8 text (the first bad byte is at offset \(offset)): save it as UTF-8")
            }
        }
    }
}

/// Several configuration problems at once: a check reports all of them, not the first.
public struct ConfigErrors: Error, CustomStringConvertible, Sendable {
    public var errors: [ConfigError]
    public init(_ errors: [ConfigError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// Collects problems while a file is read.
public final class ConfigProblems {
    public private(set) var errors: [ConfigError] = []
    public let file: String
    public init(file: String) { self.file = file }
    public func add(_ key: String?, _ problem: String) { errors.append(ConfigError(file: file, key: key, problem: problem)) }
    /// Throws every problem collected, if there are any.
    public func check() throws(ConfigErrors) {
        if !errors.isEmpty { throw ConfigErrors(errors) }
    }
}

/// Reads one table of a TOML document with typed accessors. A wrong type, a missing
/// required key or a key nobody asked for (a typo) becomes a problem that names the key.
public final class TableReader {
    public let table: [String: TOMLNode]
    public let path: String
    public let problems: ConfigProblems
    private var used = Set<String>()

    public init(_ table: [String: TOMLNode], path: String = "", problems: ConfigProblems) {
        self.table = table
        self.path = path
        self.problems = problems
    }

    /// The dotted path of a key in this table.
    public func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private func node(_ key: String) -> TOMLNode? {
        used.insert(key)
        return table[key]
    }

    private func wrongType(_ key: String, _ expected: String, _ got: TOMLNode) {
        problems.add(keyPath(key), "must be \(expected), not \(got.typeName)")
    }

    /// Whether the table has this key.
    public func has(_ key: String) -> Bool { table[key] != nil }

    public func string(_ key: String) -> String? {
        guard let n = node(key) else { return nil }
        if case .string(let s) = n { return s }
        wrongType(key, "a string", n)
        return nil
    }

    public func string(_ key: String, default value: String) -> String { string(key) ?? value }

    public func requiredString(_ key: String) -> String? {
        if table[key] == nil { problems.add(keyPath(key), "is required"); used.insert(key); return nil }
        guard let s = string(key) else { return nil }
        if s.isEmpty { problems.add(keyPath(key), "must not be empty"); return nil }
        return s
    }

    public func int(_ key: String) -> Int? {
        guard let n = node(key) else { return nil }
        if case .integer(let i) = n { return i }
        wrongType(key, "a whole number", n)
        return nil
    }

    public func int(_ key: String, default value: Int, range: ClosedRange<Int>? = nil) -> Int {
        guard let v = int(key) else { return value }
        if let range, !range.contains(v) {
            problems.add(keyPath(key), "must be between \(range.lowerBound) and \(range.upperBound), not \(v)")
            return value
        }
        return v
    }

    public func bool(_ key: String) -> Bool? {
        guard let n = node(key) else { return nil }
        if case .bool(let b) = n { return b }
        wrongType(key, "true or false", n)
        return nil
    }

    public func bool(_ key: String, default value: Bool) -> Bool { bool(key) ?? value }

    public func stringArray(_ key: String) -> [String]? {
        guard let n = node(key) else { return nil }
        guard case .array(let items) = n else { wrongType(key, "an array of strings", n); return nil }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard case .string(let s) = item else {
                problems.add("\(keyPath(key))[\(i)]", "must be a string, not \(item.typeName)")
                return nil
            }
            out.append(s)
        }
        return out
    }

    /// Money written as a decimal string (`"50.00"`) in `currency`.
    public func money(_ key: String, currency: Currency) -> Money? {
        guard let n = node(key) else { return nil }
        guard case .string(let s) = n else {
            problems.add(keyPath(key), "must be an amount written as a string, such as \"50.00\" (never a floating-point number)")
            return nil
        }
        do { return try Money(parsing: s, currency: currency) } catch {
            problems.add(keyPath(key), "\(error)")
            return nil
        }
    }

    /// A sub-table, or `nil` when absent (a non-table value is a problem).
    public func table(_ key: String) -> TableReader? {
        guard let n = node(key) else { return nil }
        guard case .table(let t) = n else { wrongType(key, "a table", n); return nil }
        return TableReader(t, path: keyPath(key), problems: problems)
    }

    /// An array of tables (`[[key]]`), empty when absent.
    public func tables(_ key: String) -> [TableReader] {
        guard let n = node(key) else { return [] }
        guard case .array(let items) = n else { wrongType(key, "an array of tables", n); return [] }
        var out: [TableReader] = []
        for (i, item) in items.enumerated() {
            guard case .table(let t) = item else {
                problems.add("\(keyPath(key))[\(i)]", "must be a table, not \(item.typeName)")
                continue
            }
            out.append(TableReader(t, path: "\(keyPath(key))[\(i)]", problems: problems))
        }
        return out
    }

    /// Reports every key of this table that no accessor asked for: a misspelt or unknown key.
    public func rejectUnknownKeys() {
        for key in table.keys.sorted() where !used.contains(key) {
            problems.add(keyPath(key), "is not a known key")
        }
    }
}

/// Typed reads of a table's values, for settings already checked by a loader.
extension Dictionary where Key == String, Value == TOMLNode {
    public func string(_ key: String) -> String? { if case .string(let v)? = self[key] { return v } else { return nil } }
    public func int(_ key: String) -> Int? { if case .integer(let v)? = self[key] { return v } else { return nil } }
    public func bool(_ key: String) -> Bool? { if case .bool(let v)? = self[key] { return v } else { return nil } }
    public func table(_ key: String) -> [String: TOMLNode]? { if case .table(let v)? = self[key] { return v } else { return nil } }
    public func strings(_ key: String) -> [String]? {
        guard case .array(let items)? = self[key] else { return nil }
        return items.compactMap { if case .string(let s) = $0 { return s } else { return nil } }
    }
}
