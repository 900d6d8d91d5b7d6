/// Where TOML text breaks a rule of TOML 1.0.0: the line and column (both from 1, the column
/// counted in Unicode scalars) and the rule in plain words.
struct TOMLSyntaxError: Error, Equatable, Sendable {
    var line: Int
    var column: Int
    var problem: String
}

/// A TOML 1.0.0 parser over UTF-8 bytes, written for text from outside: every input either
/// parses or is refused with a `TOMLSyntaxError`, never a trap. Nesting is bounded
/// (`maximumDepth`) so that no input can exhaust the stack, and every integer is checked.
///
/// The parser reads statements (key/value pairs and table headers) and values; `TOMLTree`
/// keeps what has been defined and enforces the rules about defining a key or table twice.
/// Strings, numbers and dates are read in `TOMLParser+Strings.swift`, `TOMLParser+Numbers.swift`
/// and `TOMLParser+DateTimes.swift`.
struct TOMLParser {
    /// The deepest a value may sit below the document: the parts of its table header and
    /// dotted key, plus each array and inline table around it.
    static let maximumDepth = 100

    /// A problem found at a byte offset; turned into a line and column once, when thrown out.
    struct Failure: Error {
        var offset: Int
        var problem: String
    }

    let bytes: [UInt8]
    var position = 0
    var tree = TOMLTree()

    init(_ text: String) {
        bytes = Array(text.utf8)
    }

    /// Parses a whole document into its root table.
    static func parse(_ text: String) throws(TOMLSyntaxError) -> [String: TOMLNode] {
        var parser = TOMLParser(text)
        do {
            try parser.document()
        } catch {
            let (line, column) = parser.location(of: error.offset)
            throw TOMLSyntaxError(line: line, column: column, problem: error.problem)
        }
        return parser.tree.rootTable()
    }

    // MARK: Statements

    /// The document: lines that are empty, a comment, a key/value pair or a table header.
    mutating func document() throws(Failure) {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { position = 3 }
        var table = TOMLTree.root
        var tableDepth = 0
        while true {
            skipSpaces()
            guard let c = byte() else { return }
            switch c {
            case Byte.lineFeed, Byte.carriageReturn:
                try newline()
                continue
            case Byte.hash:
                try comment()
                continue
            case Byte.openBracket:
                (table, tableDepth) = try tableHeader()
            default:
                try keyValue(in: table, depth: tableDepth, section: tree.section)
            }
            try endOfLine()
        }
    }

    /// `[key]` or `[[key]]`: the table that the following pairs go into, and its depth.
    mutating func tableHeader() throws(Failure) -> (table: Int, depth: Int) {
        position += 1
        let isArray = byte() == Byte.openBracket
        if isArray { position += 1 }
        skipSpaces()
        let key = try self.key(what: "a table header")
        skipSpaces()
        guard byte() == Byte.closeBracket else {
            throw fail("expected ']' to close the table header [\(TOMLTree.dotted(key))], saw \(describe())")
        }
        position += 1
        if isArray {
            guard byte() == Byte.closeBracket else {
                throw fail(
                    "expected ']]' to close the array-of-tables header [[\(TOMLTree.dotted(key))]], saw \(describe())")
            }
            position += 1
        }
        tree.beginSection()
        let table = isArray ? try tree.appendTable(at: key) : try tree.defineTable(at: key)
        return (table, key.count)
    }

    /// `key = value`, the key relative to `table` (whose own depth is `depth`).
    mutating func keyValue(in table: Int, depth: Int, section: Int) throws(Failure) {
        let key = try self.key(what: "a key/value pair")
        skipSpaces()
        guard byte() == Byte.equals else {
            throw fail("expected '=' after the key \(TOMLTree.dotted(key)), saw \(describe())")
        }
        position += 1
        skipSpaces()
        let valueDepth = depth + key.count
        if valueDepth > Self.maximumDepth { throw tooDeep(at: key[0].offset) }
        let value = try self.value(depth: valueDepth)
        try tree.insert(value, at: key, in: table, section: section)
    }

    /// What may follow a statement on its line: spaces, a comment, then the line's end or the text's.
    mutating func endOfLine() throws(Failure) {
        skipSpaces()
        guard let c = byte() else { return }
        switch c {
        case Byte.hash:
            try comment()
            if byte() != nil { try newline() }
        case Byte.lineFeed, Byte.carriageReturn:
            try newline()
        default:
            throw fail("expected the end of the line, saw \(describe())")
        }
    }

    // MARK: Keys

    /// A key: bare or quoted parts joined by dots, each with the offset it starts at.
    mutating func key(what: String) throws(Failure) -> [TOMLTree.KeyPart] {
        var parts: [TOMLTree.KeyPart] = []
        while true {
            let start = position
            parts.append(TOMLTree.KeyPart(name: try simpleKey(what: what), offset: start))
            if parts.count > Self.maximumDepth { throw tooDeep(at: start) }
            skipSpaces()
            guard byte() == Byte.dot else { return parts }
            position += 1
            skipSpaces()
        }
    }

    /// One part of a key: letters, digits, `_` and `-`, or a basic or literal string on one line.
    mutating func simpleKey(what: String) throws(Failure) -> String {
        guard let c = byte() else { throw fail("expected a key for \(what), saw the end of the text") }
        if c == Byte.quote { return try basicString() }
        if c == Byte.apostrophe { return try literalString() }
        let start = position
        while let b = byte(), Byte.isBareKey(b) { position += 1 }
        guard position > start else {
            throw fail("expected a key for \(what) (letters, digits, _ and -, or a quoted key), saw \(describe())")
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    // MARK: Values

    /// A value, at `depth` below the document.
    mutating func value(depth: Int) throws(Failure) -> TOMLNode {
        guard let c = byte() else { throw fail("expected a value, saw the end of the text") }
        switch c {
        case Byte.quote:
            return .string(isTriple(c) ? try multilineBasicString() : try basicString())
        case Byte.apostrophe:
            return .string(isTriple(c) ? try multilineLiteralString() : try literalString())
        case UInt8(ascii: "t"):
            try word("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try word("false")
            return .bool(false)
        case Byte.openBracket:
            return try array(depth: depth + 1)
        case Byte.openBrace:
            return try inlineTable(depth: depth + 1)
        case UInt8(ascii: "i"), UInt8(ascii: "n"), UInt8(ascii: "+"), UInt8(ascii: "-"):
            return try number()
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            if startsTime(at: position) { return try localTime() }
            if startsDate(at: position) { return try dateOrDateTime() }
            return try number()
        default:
            throw fail(
                "expected a value (a string, number, true or false, date, array or inline table), saw \(describe())")
        }
    }

    /// `[ value, … ]`: values of any types, across lines, comments between them, a trailing comma allowed.
    mutating func array(depth: Int) throws(Failure) -> TOMLNode {
        if depth > Self.maximumDepth { throw tooDeep(at: position) }
        let start = position
        position += 1
        var items: [TOMLNode] = []
        while true {
            try skipBlank()
            guard let c = byte() else {
                throw Failure(offset: start, problem: "an array opened here is never closed with ']'")
            }
            if c == Byte.closeBracket { position += 1; return .array(items) }
            items.append(try value(depth: depth))
            try skipBlank()
            switch byte() {
            case Byte.comma?: position += 1
            case Byte.closeBracket?: position += 1; return .array(items)
            case nil: throw Failure(offset: start, problem: "an array opened here is never closed with ']'")
            default: throw fail("expected ',' or ']' after a value in an array, saw \(describe())")
            }
        }
    }

    /// `{ key = value, … }` on one line: complete once closed, it cannot be added to later.
    mutating func inlineTable(depth: Int) throws(Failure) -> TOMLNode {
        if depth > Self.maximumDepth { throw tooDeep(at: position) }
        let start = position
        position += 1
        let (table, section) = tree.beginInlineTable()
        skipSpaces()
        if byte() == Byte.closeBrace {
            position += 1
            return tree.takeInlineTable(table)
        }
        while true {
            skipSpaces()
            if byte() == Byte.closeBrace { throw fail("a trailing comma is not allowed in an inline table") }
            try keyValue(in: table, depth: depth, section: section)
            skipSpaces()
            switch byte() {
            case Byte.comma?: position += 1
            case Byte.closeBrace?: position += 1; return tree.takeInlineTable(table)
            case nil: throw Failure(offset: start, problem: "an inline table opened here is never closed with '}'")
            case Byte.lineFeed?, Byte.carriageReturn?:
                throw fail("an inline table must be on one line: expected ',' or '}', saw the end of the line")
            default: throw fail("expected ',' or '}' after a value in an inline table, saw \(describe())")
            }
        }
    }

    /// `true` or `false`, exactly.
    mutating func word(_ text: StaticString) throws(Failure) {
        let count = text.utf8CodeUnitCount
        let matches = text.withUTF8Buffer { expected in
            position + count <= bytes.count && bytes[position..<(position + count)].elementsEqual(expected)
        }
        guard matches else {
            throw fail("expected a value (true and false are written in lower case), saw \(describe())")
        }
        position += count
    }

    // MARK: Blanks and comments

    /// Spaces and tabs.
    mutating func skipSpaces() {
        while position < bytes.count, bytes[position] == Byte.space || bytes[position] == Byte.tab { position += 1 }
    }

    /// Spaces, tabs, line ends and comments: what may stand between the values of an array.
    mutating func skipBlank() throws(Failure) {
        while let c = byte() {
            switch c {
            case Byte.space, Byte.tab: position += 1
            case Byte.lineFeed, Byte.carriageReturn: try newline()
            case Byte.hash: try comment()
            default: return
            }
        }
    }

    /// A line feed, or a carriage return and a line feed.
    mutating func newline() throws(Failure) {
        if byte() == Byte.carriageReturn {
            guard byte(at: position + 1) == Byte.lineFeed else {
                throw fail("a carriage return (U+000D) must be followed by a line feed")
            }
            position += 2
        } else {
            position += 1
        }
    }

    /// `#` to the end of the line (left for the caller), where a control character other than a tab is refused.
    mutating func comment() throws(Failure) {
        position += 1
        while let c = byte() {
            if c == Byte.lineFeed { return }
            if c == Byte.carriageReturn, byte(at: position + 1) == Byte.lineFeed { return }
            if Byte.isControl(c) {
                throw fail("a control character (\(Byte.unicodeName(c))) is not allowed in a comment")
            }
            position += 1
        }
    }

    // MARK: Bytes and places

    /// The byte at the current position, or `nil` at the end of the text.
    @inline(__always)
    func byte() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    @inline(__always)
    func byte(at offset: Int) -> UInt8? { offset >= 0 && offset < bytes.count ? bytes[offset] : nil }

    /// Whether three of `quote` start here (a multi-line string).
    func isTriple(_ quote: UInt8) -> Bool {
        byte(at: position + 1) == quote && byte(at: position + 2) == quote
    }

    /// What stands at the current position, for an error message.
    func describe() -> String { describe(at: position) }

    func describe(at offset: Int) -> String {
        guard let c = byte(at: offset) else { return "the end of the text" }
        if c == Byte.lineFeed || c == Byte.carriageReturn { return "the end of the line" }
        if c < 0x80 {
            if Byte.isControl(c) { return "a control character (\(Byte.unicodeName(c)))" }
            return "'\(Character(Unicode.Scalar(c)))'"
        }
        var end = offset + 1
        while end < bytes.count, end < offset + 4, bytes[end] & 0xC0 == 0x80 { end += 1 }
        let text = String(decoding: bytes[offset..<end], as: UTF8.self)
        guard let scalar = text.unicodeScalars.first else { return "a byte that is not text" }
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "'\(text)' (U+\(String(repeating: "0", count: max(0, 4 - hex.count)) + hex))"
    }

    /// A failure at the current position.
    func fail(_ problem: String) -> Failure { Failure(offset: position, problem: problem) }

    func tooDeep(at offset: Int) -> Failure {
        Failure(
            offset: offset,
            problem: "nested more than \(Self.maximumDepth) levels deep (tables, arrays and inline tables together)")
    }

    /// The line and column (from 1; the column in Unicode scalars) of a byte offset.
    func location(of offset: Int) -> (line: Int, column: Int) {
        let end = min(max(offset, 0), bytes.count)
        var line = 1
        var lineStart = 0
        for i in 0..<end where bytes[i] == Byte.lineFeed {
            line += 1
            lineStart = i + 1
        }
        var column = 1
        for i in lineStart..<end where bytes[i] & 0xC0 != 0x80 { column += 1 }
        return (line, column)
    }
}

/// The bytes TOML gives a meaning to.
enum Byte {
    static let tab: UInt8 = 0x09
    static let lineFeed: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let quote = UInt8(ascii: "\"")
    static let hash = UInt8(ascii: "#")
    static let apostrophe = UInt8(ascii: "'")
    static let comma = UInt8(ascii: ",")
    static let dot = UInt8(ascii: ".")
    static let colon = UInt8(ascii: ":")
    static let equals = UInt8(ascii: "=")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let backslash = UInt8(ascii: "\\")
    static let underscore = UInt8(ascii: "_")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")

    /// A character of a bare key: A–Z, a–z, 0–9, `_` and `-`.
    @inline(__always)
    static func isBareKey(_ c: UInt8) -> Bool {
        (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x5F || c == 0x2D
    }

    @inline(__always)
    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    /// U+0000–U+001F but the tab, and U+007F: refused in comments and strings.
    @inline(__always)
    static func isControl(_ c: UInt8) -> Bool { (c < 0x20 && c != tab) || c == 0x7F }

    static func unicodeName(_ c: UInt8) -> String {
        let hex = String(c, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: 4 - hex.count) + hex
    }
}
