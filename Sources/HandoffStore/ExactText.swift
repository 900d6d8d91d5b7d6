/// Text compared and hashed byte for byte, as the database compares it. Swift's `String`
/// treats canonically equivalent text as equal (`É` as one scalar and `E` with a combining
/// accent), which SQLite and PostgreSQL do not: a key read from a file and looked up in memory
/// must match exactly what a query would have matched.
public struct ExactText: Hashable, Sendable, CustomStringConvertible {
    public let text: String

    public init(_ text: String) { self.text = text }

    public static func == (a: ExactText, b: ExactText) -> Bool { a.text.utf8.elementsEqual(b.text.utf8) }

    public func hash(into hasher: inout Hasher) {
        for byte in text.utf8 { hasher.combine(byte) }
        hasher.combine(0xFF as UInt8)
    }

    public var description: String { text }

    /// The texts, each once (byte for byte), in their first order.
    public static func distinct(_ texts: [String]) -> [String] {
        var seen: Set<ExactText> = []
        return texts.filter { seen.insert(ExactText($0)).inserted }
    }
}
