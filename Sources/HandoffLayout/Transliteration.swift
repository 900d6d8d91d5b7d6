import Foundation

/// Turning text into plain ASCII for agencies whose files allow nothing else:
/// `Müller` → `Muller`, `Côté` → `Cote`, `Œuvre` → `OEuvre`, `straße` → `strasse`.
public enum Transliteration {
    private static let special: [Character: String] = [
        "ß": "ss", "Æ": "AE", "æ": "ae", "Ø": "O", "ø": "o", "Œ": "OE", "œ": "oe", "Ł": "L", "ł": "l",
        "Đ": "D", "đ": "d", "Ð": "D", "ð": "d", "Þ": "TH", "þ": "th", "ı": "i", "’": "'", "‘": "'",
        "“": "\"", "”": "\"", "–": "-", "—": "-", "\u{00A0}": " ",
    ]

    /// The ASCII form of `text`, or `nil` when a character has none (a Chinese name, an emoji).
    public static func ascii(_ text: String) -> String? {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text }
        var out = ""
        for ch in text {
            if ch.isASCII { out.append(ch); continue }
            if let s = special[ch] { out += s; continue }
            let stripped = String(ch).decomposedStringWithCanonicalMapping.unicodeScalars
                .filter { $0.properties.generalCategory != .nonspacingMark }
            guard !stripped.isEmpty, stripped.allSatisfy(\.isASCII) else { return nil }
            out.unicodeScalars.append(contentsOf: stripped)
        }
        return out
    }
}
