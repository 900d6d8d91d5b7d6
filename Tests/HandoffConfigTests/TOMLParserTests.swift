import Foundation
import HandoffConfig
import HandoffDomain
import Testing

/// What Handoff's own TOML parser promises beyond conformance (TOMLConformanceTests): errors in
/// the words callers show, bounded nesting, 64-bit integers, the values partner files rely on,
/// and no memory kept from one parse to the next.
@Suite("TOML parser")
struct TOMLParserTests {
    func refusal(_ text: String) throws -> String {
        let error = try #require(throws: ConfigError.self) { try TOMLNode.parse(text, file: "p.toml") }
        return error.description
    }

    @Test("A syntax error names the file, line and column in plain words")
    func errorWords() throws {
        #expect(
            try refusal("a = 1\n[b]\nc = 0x\n")
                == "p.toml: not valid TOML at line 3, column 5: 0x must be followed by a digit")
        #expect(
            try refusal("[fruit]\n[fruit]\n")
                == "p.toml: not valid TOML at line 2, column 2: the table [fruit] is defined twice")
        #expect(
            try refusal("name = \"Tom\"\nname = \"Pradyun\"\n")
                == "p.toml: not valid TOML at line 2, column 1: the key name is defined twice")
        #expect(try refusal("a = \"unterminated\nb = 1\n")
                == """
                    p.toml: not valid TOML at line 1, column 18: a string must end on the line it starts on \
                    (a multi-line string is written between \"\"\")
                    """
        )
        // Columns count characters, not bytes; CRLF ends a line like LF.
        #expect(
            try refusal("k = \"é\" x\n").hasPrefix(
                "p.toml: not valid TOML at line 1, column 9: expected the end of the line, saw 'x'"))
        #expect(try refusal("a = 1\r\nb = 2\r\nc = @\r\n").hasPrefix("p.toml: not valid TOML at line 3, column 5:"))
        // An unclosed array or string is reported where it opens.
        #expect(
            try refusal("x = 1\ny = [1,\n2,\n").hasPrefix(
                "p.toml: not valid TOML at line 2, column 5: an array opened here is never closed"))
        #expect(
            try refusal("x = \"\"\"\nabc\n").hasPrefix(
                "p.toml: not valid TOML at line 1, column 5: a multi-line string opened here is never closed"))
    }

    /// Text nested beyond the bound in each way it can nest: arrays, inline tables, both,
    /// a header's key, a dotted key, one inside an inline table, a header and a dotted key together.
    static let tooDeep: [String] = {
        var texts: [String] = []
        texts.append("a = " + String(repeating: "[", count: 100_000))
        texts.append("a = " + String(repeating: "{b = ", count: 50_000))
        texts.append("a = " + String(repeating: "[{b = ", count: 50_000))
        texts.append("[" + Array(repeating: "a", count: 10_000).joined(separator: ".") + "]\n")
        texts.append(Array(repeating: "a", count: 10_000).joined(separator: ".") + " = 1\n")
        texts.append("a = { " + Array(repeating: "b", count: 10_000).joined(separator: ".") + " = 1 }\n")
        let header = "[" + Array(repeating: "a", count: 60).joined(separator: ".") + "]\n"
        texts.append(header + Array(repeating: "b", count: 60).joined(separator: ".") + " = 1\n")
        texts.append("a = " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "\n")
        return texts
    }()

    @Test("Nesting deeper than 100 levels is refused, however deep, never a stack overflow", arguments: tooDeep)
    func depthBounded(_ text: String) throws {
        let error = try refusal(text)
        #expect(error.hasPrefix("p.toml: not valid TOML at line "))
        #expect(error.contains("nested more than 100 levels deep"), "\(error)")
        #expect(
            try refusal(String(repeating: "[", count: 100_000)).hasPrefix(
                "p.toml: not valid TOML at line 1, column 3: expected a key"))
    }

    @Test("Nesting up to 100 levels reads")
    func depthAllowed() throws {
        let arrays = try TOMLNode.parse(
            "a = " + String(repeating: "[", count: 99) + String(repeating: "]", count: 99) + "\n", file: "p.toml")
        var node = try #require(arrays["a"])
        var depth = 0
        while case .array(let items) = node, let first = items.first { node = first; depth += 1 }
        #expect(depth == 98)
        let header = Array(repeating: "a", count: 99).joined(separator: ".")
        let tables = try TOMLNode.parse("[\(header)]\nb = 1\n", file: "p.toml")
        #expect(tables["a"] != nil)
    }

    @Test("Integers are 64-bit: the bounds read, one beyond them is refused")
    func integerBounds() throws {
        let doc = try TOMLNode.parse(
            "max = 9223372036854775807\nmin = -9223372036854775808\nhex = 0x7FFF_FFFF_FFFF_FFFF\n"
                + "bin = 0b1010\noct = 0o777\n",
            file: "p.toml")
        #expect(doc["max"] == .integer(.max) && doc["min"] == .integer(.min) && doc["hex"] == .integer(.max))
        #expect(doc["bin"] == .integer(10) && doc["oct"] == .integer(511))
        for text in [
            "x = 9223372036854775808", "x = -9223372036854775809", "x = 0x8000000000000000",
            "x = 0o1777777777777777777777",
            "x = " + String(repeating: "9", count: 5_000)] {
            #expect(try refusal(text).contains("does not fit in 64 bits"), "\(text.prefix(40))")
        }
    }

    @Test("A local date is a CalendarDate; times and date-times keep their text")
    func datesAndTimes() throws {
        let doc = try TOMLNode.parse(
            "d = 2026-11-15\nt = 07:32:00.5\nl = 1979-05-27 07:32:00\n"
                + "o = 1979-05-27T00:32:00-07:00\nz = 1979-05-27t07:32:00z\n",
            file: "p.toml")
        #expect(doc["d"] == .date(CalendarDate(iso: "2026-11-15")!))
        #expect(doc["t"] == .dateTime("07:32:00.5"))
        #expect(doc["l"] == .dateTime("1979-05-27 07:32:00"))
        #expect(doc["o"] == .dateTime("1979-05-27T00:32:00-07:00"))
        #expect(doc["z"] == .dateTime("1979-05-27t07:32:00z"))
        #expect(try refusal("d = 2026-02-29\n").contains("2026-02-29 is not a date on the calendar"))
    }

    @Test("A byte order mark at the start is skipped; CRLF line ends are read as LF, also in multi-line strings")
    func bomAndCRLF() throws {
        let doc = try TOMLNode.parse(
            "\u{FEFF}a = 1\r\ns = \"\"\"\r\nx\r\ny\"\"\"\r\n[t]\r\nb = 'z'\r\n", file: "p.toml")
        #expect(doc == ["a": .integer(1), "s": .string("x\ny"), "t": .table(["b": .string("z")])])
        #expect(try refusal("a = 1\rb = 2\n").contains("a carriage return (U+000D) must be followed by a line feed"))
    }

    @Test("Inline tables and arrays written as values cannot be added to; an array of tables can")
    func immutability() throws {
        #expect(try refusal("[product]\ntype = { name = \"Nail\" }\ntype.edible = false\n").contains("line 3"))
        #expect(try refusal("a = { b = 1 }\n[a.c]\n").contains("line 2"))
        #expect(try refusal("fruits = []\n[[fruits]]\n").contains("[[fruits]] cannot add to it"))
        let doc = try TOMLNode.parse("[[f]]\nn = 1\n[f.p]\nc = 2\n[[f]]\nn = 3\n[f.p]\nc = 4\n", file: "p.toml")
        #expect(doc["f"] == .array([.table(["n": .integer(1), "p": .table(["c": .integer(2)])]),
                                    .table(["n": .integer(3), "p": .table(["c": .integer(4)])])]))
    }

    @Test("Dotted keys and headers: a table is defined once")
    func redefinition() throws {
        #expect(
            try refusal("[fruit]\napple.color = \"red\"\n[fruit.apple]\n").contains(
                "was already defined by dotted keys"))
        #expect(try refusal("[a.b]\nx = 1\n[a]\nb.y = 2\n").contains("line 4"))
        let doc = try TOMLNode.parse(
            "[fruit]\napple.color = \"red\"\n[fruit.apple.texture]\nsmooth = true\n[x.y.z]\n[x]\n", file: "p.toml")
        #expect(
            doc["fruit"]
                == .table(["apple": .table(["color": .string("red"), "texture": .table(["smooth": .bool(true)])])]))
        #expect(doc["x"] == .table(["y": .table(["z": .table([:])])]))
    }

    @Test("The shipped partner files read")
    func shippedPartners() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        for name in ["keystone-recovery", "local-folder", "meridian-commercial"] {
            let text = try String(contentsOf: root.appendingPathComponent("partners/\(name).toml"), encoding: .utf8)
            let doc = try TOMLNode.parse(text, file: "\(name).toml")
            #expect(doc["id"] == .string(name))
        }
    }

    /// TOMLKit 0.6.0 never freed a parsed document (LebJe/TOMLKit#26): about 58 KB per parse of
    /// this file, 566 MiB over 10,000 parses. Other suites run in the same process at the same
    /// time, so the bound is far above noise and far below that leak.
    @Test("Parsing a partner file 10,000 times does not grow resident memory")
    func noMemoryKept() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("partners/local-folder.toml"), encoding: .utf8)
        for _ in 0..<200 { _ = try TOMLNode.parse(text, file: "local-folder.toml") }
        let before = try #require(Self.residentBytes())
        for _ in 0..<10_000 { _ = try TOMLNode.parse(text, file: "local-folder.toml") }
        let after = try #require(Self.residentBytes())
        #expect(after - before < 100 << 20, "resident memory grew by \((after - before) >> 10) KiB over 10,000 parses")
    }

    /// Resident memory of this process (Linux: the second field of /proc/self/statm, in pages).
    static func residentBytes() -> Int? {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = statm.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
