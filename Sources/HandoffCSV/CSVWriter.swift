/// Writes RFC 4180 CSV: fields that hold the delimiter, a quote, CR or LF are quoted, and
/// quotes inside them doubled.
public struct CSVWriter: Sendable {
    /// How a line ends.
    public enum LineEnding: String, Sendable {
        case crlf, lf
        public var bytes: [UInt8] { self == .crlf ? [0x0D, 0x0A] : [0x0A] }
    }

    public var delimiter: UInt8
    public var lineEnding: LineEnding
    /// Escape cells that a spreadsheet would run as a formula (text beginning with `=`, `+`,
    /// `-`, `@`, tab or CR gets a leading `'`). For files people open in a spreadsheet,
    /// never for files a machine reads.
    public var neutraliseFormulas: Bool

    public init(delimiter: UInt8 = UInt8(ascii: ","), lineEnding: LineEnding = .crlf, neutraliseFormulas: Bool = false)
    {
        self.delimiter = delimiter
        self.lineEnding = lineEnding
        self.neutraliseFormulas = neutraliseFormulas
    }

    /// Appends one record to `out`.
    public func append(_ fields: [String], to out: inout [UInt8]) {
        for (i, value) in fields.enumerated() {
            if i > 0 { out.append(delimiter) }
            appendField(value, to: &out)
        }
        out.append(contentsOf: lineEnding.bytes)
    }

    /// One record as a string, line ending included.
    public func line(_ fields: [String]) -> String {
        var out: [UInt8] = []
        append(fields, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `-293.75`: a number a spreadsheet reads as a number, never as a formula.
    static func isPlainNumber(_ bytes: [UInt8]) -> Bool {
        var rest = bytes[...]
        if rest.first == UInt8(ascii: "-") { rest = rest.dropFirst() }
        guard let firstDigit = rest.first, firstDigit >= 0x30 && firstDigit <= 0x39 else { return false }
        var dot = false
        for b in rest {
            if b == UInt8(ascii: ".") { if dot { return false }; dot = true; continue }
            guard b >= 0x30 && b <= 0x39 else { return false }
        }
        return rest.last != UInt8(ascii: ".")
    }

    private func appendField(_ value: String, to out: inout [UInt8]) {
        var utf8 = Array(value.utf8)
        if neutraliseFormulas, let first = utf8.first,
           first == UInt8(ascii: "=") || first == UInt8(ascii: "+") || first == UInt8(ascii: "-")
            || first == UInt8(ascii: "@") || first == 0x09 || first == 0x0D, !Self.isPlainNumber(utf8) {
            utf8.insert(UInt8(ascii: "'"), at: 0)
        }
        let needsQuotes = utf8.contains { $0 == delimiter || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
        guard needsQuotes else {
            out.append(contentsOf: utf8)
            return
        }
        out.append(0x22)
        for b in utf8 {
            if b == 0x22 { out.append(0x22) }
            out.append(b)
        }
        out.append(0x22)
    }
}
