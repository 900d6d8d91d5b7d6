import HandoffCSV
public import HandoffConfig
import HandoffDomain

extension Layout {
    /// Reads a layout from a partner file's table, recording every problem with its key.
    /// See `docs/partners.md` for the keys.
    /// A layout that is only `reading` (an agency's return file) may have fields with a name alone.
    public static func read(_ t: TableReader, reading: Bool = false) -> Layout? {
        let formatName = t.string("format", default: "csv")
        let lineEnding: CSVWriter.LineEnding
        switch t.string("line_ending", default: "crlf") {
        case "crlf": lineEnding = .crlf
        case "lf": lineEnding = .lf
        case let other:
            t.problems.add(t.keyPath("line_ending"), "'\(other)' is not crlf or lf")
            lineEnding = .crlf
        }
        let charsetName = t.string("charset", default: "utf-8")
        let charset = Charset(rawValue: charsetName) ?? {
            t.problems.add(t.keyPath("charset"), "'\(charsetName)' is not utf-8 or ascii")
            return .utf8
        }()
        var format: Format
        switch formatName {
        case "csv":
            let delimiterText = t.string("delimiter", default: ",")
            if delimiterText.utf8.count != 1 { t.problems.add(t.keyPath("delimiter"), "must be one character") }
            format = .csv(
                delimiter: delimiterText.utf8.first ?? UInt8(ascii: ","), header: t.bool("header", default: true))
        case "fixed":
            let length = t.int("record_length", default: 0)
            if length <= 0 {
                t.problems.add(t.keyPath("record_length"), "is required for a fixed-width layout, and above zero")
            }
            format = .fixedWidth(recordLength: max(length, 1))
        default:
            t.problems.add(t.keyPath("format"), "'\(formatName)' is not csv or fixed")
            format = .csv(delimiter: UInt8(ascii: ","), header: true)
        }

        var records: [RecordLayout] = []
        for r in t.tables("records") {
            let kindName = r.string("kind", default: "")
            guard let kind = RecordKind(rawValue: kindName) else {
                r.problems.add(
                    r.keyPath("kind"),
                    "'\(kindName)' is not one of \(RecordKind.allCases.map(\.rawValue).joined(separator: ", "))")
                continue
            }
            if records.contains(where: { $0.kind == kind }) {
                r.problems.add(r.keyPath("kind"), "a second '\(kindName)' record")
            }
            var fields: [FieldLayout] = []
            for f in r.tables("fields") {
                if let field = readField(f, fixed: formatName == "fixed", reading: reading) { fields.append(field) }
            }
            r.rejectUnknownKeys()
            if case .fixedWidth(let length) = format { checkPositions(fields, recordLength: length, r) }
            records.append(RecordLayout(kind: kind, fields: fields))
        }
        if records.isEmpty { t.problems.add(t.keyPath("records"), "a layout needs at least one record") }

        var checks: [AccountCheck] = []
        for c in t.tables("checks") {
            guard let reason = c.requiredString("reason"), let left = c.requiredString("left"),
                let right = c.requiredString("right")
            else { continue }
            do { checks.append(AccountCheck(reason: reason, left: try .init(left), right: try .init(right))) } catch {
                c.problems.add(c.path, error.message)
            }
            c.rejectUnknownKeys()
        }
        return Layout(format: format, lineEnding: lineEnding, charset: charset, records: records, checks: checks)
    }

    /// The keys a layout table uses (a partner file's layout table may hold others of its own).
    public static let keys: Set<String> = [
        "format", "line_ending", "charset", "delimiter", "header", "record_length", "records", "checks",
    ]

    private static func readField(_ f: TableReader, fixed: Bool, reading: Bool) -> FieldLayout? {
        let source: FieldLayout.Source
        if let value = f.string("value") {
            source = .constant(value)
            if f.has("source") { f.problems.add(f.keyPath("source"), "a field has a source or a value, not both") }
        } else if let path = f.string("source") {
            source = .path(path)
        } else if reading {
            source = .none
        } else {
            f.problems.add(f.path, "a field needs a source (such as account.number) or a constant value")
            return nil
        }
        let defaultName: String
        switch source {
        case .path(let p): defaultName = p
        case .constant(let c): defaultName = "'\(c)'"
        case .none: defaultName = ""
        }
        if reading && defaultName.isEmpty && !f.has("name") { f.problems.add(f.keyPath("name"), "is required") }
        let name = fixed ? f.string("name", default: defaultName) : (f.requiredString("name") ?? defaultName)
        var required = FieldLayout.Requirement.optional
        if f.has("required") {
            if case .bool(let b)? = f.table["required"] {
                _ = f.bool("required")
                required = b ? .always : .optional
            } else if let t = f.string("required") {
                if let type = DebtorType(rawValue: t) { required = .forDebtorType(type) }
                else { f.problems.add(f.keyPath("required"), "must be true, false, \"consumer\" or \"business\"") }
            }
        }
        var transforms: [FieldLayout.Transform] = []
        for name in f.stringArray("transforms") ?? [] {
            if let t = FieldLayout.Transform(rawValue: name) { transforms.append(t) }
            else {
                f.problems.add(
                    f.keyPath("transforms"),
                    "'\(name)' is not one of \(FieldLayout.Transform.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        var map: [String: String] = [:]
        if let m = f.table("map") {
            for (key, node) in m.table {
                if case .string(let v) = node {
                    map[key] = v
                } else {
                    f.problems.add(m.keyPath(key), "must be a string")
                }
            }
        }
        var check: FieldLayout.Check?
        if let c = f.string("check") {
            check = FieldLayout.Check(rawValue: c)
            if check == nil { f.problems.add(f.keyPath("check"), "'\(c)' is not a known check (region)") }
        }
        let overflowName = f.string("overflow", default: "cut")
        let overflow = FieldLayout.Overflow(rawValue: overflowName) ?? {
            f.problems.add(f.keyPath("overflow"), "'\(overflowName)' is not cut or refuse")
            return .cut
        }()
        let numeric = f.bool("numeric", default: false)
        let align = f.string("align", default: numeric ? "right" : "left")
        if align != "left" && align != "right" { f.problems.add(f.keyPath("align"), "must be left or right") }
        let padText = f.string("pad", default: numeric ? "0" : " ")
        if padText.count != 1 { f.problems.add(f.keyPath("pad"), "must be one character") }
        let start = f.int("start")
        let length = f.int("length")
        if fixed && (start == nil || length == nil) {
            f.problems.add(f.path, "a fixed-width field needs start and length")
        }
        let field = FieldLayout(
            name: name, source: source, format: f.string("format"), map: map, transforms: transforms,
            required: required,
            allowed: f.stringArray("allowed"), check: check,
            missingReason: f.string("missing_reason", default: "MISSING_DATA"),
            invalidReason: f.string("invalid_reason", default: "INVALID_DATA"), maxLength: f.int("max_length"),
            overflow: overflow,
            start: start, length: length, alignRight: align == "right", pad: padText.first ?? " ")
        f.rejectUnknownKeys()
        return field
    }

    private static func checkPositions(_ fields: [FieldLayout], recordLength: Int, _ r: TableReader) {
        // Fields as ranges of positions (0-based, end excluded), compared with each other: no
        // table of record_length entries, and no sum that can pass Int.max.
        var used: [(start: Int, end: Int, name: String)] = []
        for field in fields {
            guard let start = field.start, let length = field.length else { continue }
            guard start >= 1, length >= 1, length <= recordLength, start - 1 <= recordLength - length else {
                r.problems.add(
                    r.keyPath("fields"),
                    "\(field.name) at \(start) for \(length) does not fit in \(recordLength) characters")
                continue
            }
            let range = (start: start - 1, end: start - 1 + length, name: field.name)
            if let other = used.filter({ $0.start < range.end && range.start < $0.end }).min(by: {
                max($0.start, range.start) < max($1.start, range.start)
            }) {
                r.problems.add(
                    r.keyPath("fields"),
                    "\(field.name) overlaps \(other.name) at position \(max(other.start, range.start) + 1)")
                continue
            }
            used.append(range)
        }
    }
}


