public import Foundation
public import HandoffDomain

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

    /// Parses TOML 1.0.0 text (`TOMLParser`). Any text is either read or refused with a
    /// `ConfigError` naming the line and column: "not valid TOML at line L, column C: …".
    public static func parse(_ text: String, file: String) throws(ConfigError) -> [String: TOMLNode] {
        do {
            return try TOMLParser.parse(text)
        } catch {
            throw ConfigError(
                file: file, key: nil,
                problem: "not valid TOML at line \(error.line), column \(error.column): \(error.problem)")
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
    public func add(_ key: String?, _ problem: String) {
        errors.append(ConfigError(file: file, key: key, problem: problem))
    }
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

    /// Marks a key as dealt with (reported by the caller in its own words), so that
    /// ``rejectUnknownKeys()`` does not report it again.
    public func markUsed(_ key: String) { used.insert(key) }

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

    /// A date, written as a TOML date (`2027-06-30`) or a string of one (`"2027-06-30"`).
    public func date(_ key: String) -> CalendarDate? {
        guard let n = node(key) else { return nil }
        switch n {
        case .date(let d): return d
        case .string(let s):
            if let d = CalendarDate(iso: s) { return d }
            problems.add(keyPath(key), "'\(s)' is not a date written YYYY-MM-DD")
            return nil
        default:
            wrongType(key, "a date (YYYY-MM-DD)", n)
            return nil
        }
    }

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
            problems.add(
                keyPath(key), "must be an amount written as a string, such as \"50.00\" (never a floating-point number)"
            )
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
    public func string(_ key: String) -> String? {
        if case .string(let v)? = self[key] { return v } else { return nil }
    }
    public func int(_ key: String) -> Int? { if case .integer(let v)? = self[key] { return v } else { return nil } }
    public func bool(_ key: String) -> Bool? { if case .bool(let v)? = self[key] { return v } else { return nil } }
    public func table(_ key: String) -> [String: TOMLNode]? {
        if case .table(let v)? = self[key] { return v } else { return nil }
    }
    public func strings(_ key: String) -> [String]? {
        guard case .array(let items)? = self[key] else { return nil }
        return items.compactMap { if case .string(let s) = $0 { return s } else { return nil } }
    }
}
