import Foundation
import HandoffConfig
import HandoffDomain
import Testing

/// TOML 1.0.0 conformance: every case in Fixtures/valid reads as the value Python's tomllib
/// reads (its .json, in toml-test's form), and every case in Fixtures/invalid is refused with a
/// `ConfigError` naming its line, never a crash. The cases and how they were made: Fixtures/README.md.
@Suite("TOML 1.0.0 conformance")
struct TOMLConformanceTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func cases(_ kind: String) -> [String] {
        let names =
            (try? FileManager.default.contentsOfDirectory(atPath: fixtures.appendingPathComponent(kind).path)) ?? []
        return names.filter { $0.hasSuffix(".toml") }.map { String($0.dropLast(5)) }.sorted()
    }

    static func text(_ kind: String, _ name: String) throws -> String {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("\(kind)/\(name).toml"))
        return try ConfigError.utf8Text(data, file: "\(name).toml")
    }

    @Test("The fixtures are there: a test of nothing would pass")
    func fixturesPresent() {
        #expect(Self.cases("valid").count >= 100)
        #expect(Self.cases("invalid").count >= 160)
    }

    @Test("A valid document reads as tomllib reads it", arguments: cases("valid"))
    func valid(_ name: String) throws {
        let doc = try TOMLNode.parse(try Self.text("valid", name), file: "\(name).toml")
        let json = try JSONSerialization.jsonObject(
            with: Data(contentsOf: Self.fixtures.appendingPathComponent("valid/\(name).json")))
        var differences: [String] = []
        Self.compare(.table(doc), json, path: "", into: &differences)
        #expect(differences.isEmpty, "\(name): \(differences.prefix(5).joined(separator: "; "))")
    }

    @Test("An invalid document is refused with its line, never a crash", arguments: cases("invalid"))
    func invalid(_ name: String) throws {
        let text = try Self.text("invalid", name)
        let error = try #require(throws: ConfigError.self) { try TOMLNode.parse(text, file: "\(name).toml") }
        #expect(error.description.hasPrefix("\(name).toml: not valid TOML at line "), "\(error)")
        #expect(error.key == nil)
    }

    // MARK: Comparing with toml-test's JSON

    static func compare(_ node: TOMLNode, _ json: Any, path: String, into differences: inout [String]) {
        func differ(_ what: String) { differences.append("\(path.isEmpty ? "(root)" : path): \(what)") }
        switch node {
        case .table(let table):
            guard let object = json as? [String: Any], !Self.isTagged(object) else {
                return differ("a table where \(json) belongs")
            }
            if Set(table.keys) != Set(object.keys) {
                differ("keys \(table.keys.sorted()) where \(object.keys.sorted()) belong")
            }
            for (key, value) in table {
                if let expected = object[key] { compare(value, expected, path: path + "." + key, into: &differences) }
            }
        case .array(let items):
            guard let list = json as? [Any] else { return differ("an array where \(json) belongs") }
            if items.count != list.count { return differ("\(items.count) items where \(list.count) belong") }
            for (i, (item, expected)) in zip(items, list).enumerated() {
                compare(item, expected, path: path + "[\(i)]", into: &differences)
            }
        default:
            guard let object = json as? [String: Any], Self.isTagged(object),
                  let type = object["type"] as? String, let value = object["value"] as? String else {
                return differ("\(node) where \(json) belongs")
            }
            if !Self.matches(node, type: type, value: value) { differ("\(node) where \(type) \(value) belongs") }
        }
    }

    static func isTagged(_ object: [String: Any]) -> Bool {
        object.count == 2 && object["type"] is String && object["value"] is String
    }

    static func matches(_ node: TOMLNode, type: String, value: String) -> Bool {
        switch (node, type) {
        case (.string(let s), "string"): return s == value
        case (.integer(let i), "integer"): return Int(value) == i
        case (.bool(let b), "bool"): return (b ? "true" : "false") == value
        case (.float(let f), "float"):
            if value == "nan" { return f.isNaN }
            guard let expected = Double(value) else { return false }
            return f.bitPattern == expected.bitPattern
        case (.date(let d), "date-local"): return d == CalendarDate(iso: value)
        case (.dateTime(let text), "datetime"), (.dateTime(let text), "datetime-local"),
            (.dateTime(let text), "time-local"):
            return isoFormat(text) == value
        default: return false
        }
    }

    /// A TOML date-time or time as Python's `isoformat()` writes it: `T` between date and time,
    /// `Z` as +00:00, fractional seconds as microseconds (six digits, none when zero).
    static func isoFormat(_ text: String) -> String {
        var s = Array(text.uppercased())
        if s.count > 10, s[4] == "-", s[10] == " " { s[10] = "T" }
        var out = String(s)
        if out.hasSuffix("Z") { out = String(out.dropLast()) + "+00:00" }
        guard let dot = out.firstIndex(of: ".") else { return out }
        let digitsEnd = out[out.index(after: dot)...].firstIndex { !$0.isNumber } ?? out.endIndex
        let digits = out[out.index(after: dot)..<digitsEnd]
        let micro = String((digits.prefix(6) + String(repeating: "0", count: 6)).prefix(6))
        let fraction = Int(micro) == 0 ? "" : "." + micro
        return String(out[..<dot]) + fraction + String(out[digitsEnd...])
    }
}
