import Foundation
import HandoffDomain

/// Printing for people and for programs.
enum Output {
    /// Encodes a value as JSON: keys sorted, money already as integers.
    static func json<T: Encodable>(_ value: T, pretty: Bool = true) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Pads or cuts text to a display width (for fixed-width tables).
    static func cell(_ text: String, _ width: Int, right: Bool = false) -> String {
        // ASCII (every line of a reconciliation): one byte a character, no grapheme walk.
        let bytes = text.utf8.count
        if bytes <= width, text.utf8.allSatisfy({ $0 < 0x80 }) {
            let pad = String(repeating: " ", count: width - bytes)
            return right ? pad + text : text + pad
        }
        var t = text
        if t.count > width { t = String(t.prefix(max(width - 1, 0))) + "…" }
        let pad = String(repeating: " ", count: width - t.count)
        return right ? pad + t : t + pad
    }

    /// Writes a line to standard error.
    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Whether standard error is a terminal (progress bars go there).
    static var stderrIsTerminal: Bool { isatty(2) == 1 }
}

/// A progress bar on standard error, redrawn at most ten times a second.
final class ProgressBar: @unchecked Sendable {
    private let label: String
    private let lock = NSLock()
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(label: String) { self.label = label }

    func update(_ done: Int, _ total: Int?) {
        lock.lock(); defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.1 || (total != nil && done >= total!) else { return }
        lastDraw = now
        drawn = true
        let width = 30
        var line = "\r\(label) "
        if let total, total > 0 {
            let filled = min(width, done * width / total)
            line += "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
            line += "\(done * 100 / total)% "
        }
        line += Self.megabytes(done) + (total.map { " / " + Self.megabytes($0) } ?? "")
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Ends the bar's line.
    func finish() {
        lock.lock(); defer { lock.unlock() }
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    private static func megabytes(_ bytes: Int) -> String {
        let tenths = bytes * 10 / 1_048_576
        return "\(tenths / 10).\(tenths % 10) MB"
    }
}

/// Money in JSON: an integer count of the currency's minor unit, beside a `currency` field.
extension Money {
    var jsonMinorUnits: Int64 { minorUnits }
}
