public import HandoffCSV
import HandoffDomain

/// One record read from an agency's file: its kind, its fields by name, its line.
public struct ParsedRecord: Sendable, Equatable {
    public var kind: RecordKind
    public var line: Int
    /// The layout's field names and this record's values, in the layout's order: a CSV row
    /// keeps the array of names its reader shares with every row instead of building a
    /// dictionary per row (a reconciliation reads millions).
    private var names: [String]
    private var values: [String]

    public init(kind: RecordKind, fields: [String: String], line: Int) {
        self.init(kind: kind, names: Array(fields.keys), values: Array(fields.values), line: line)
    }

    init(kind: RecordKind, names: [String], values: [String], line: Int) {
        self.kind = kind
        self.names = names
        self.values = values
        self.line = line
    }

    /// The values by field name (the first, when a layout names a field twice).
    public var fields: [String: String] { Dictionary(zip(names, values), uniquingKeysWith: { a, _ in a }) }

    public subscript(_ name: String) -> String? {
        for i in names.indices where names[i] == name { return values[i] }
        return nil
    }

    public static func == (a: ParsedRecord, b: ParsedRecord) -> Bool {
        a.kind == b.kind && a.line == b.line && a.fields == b.fields
    }
}

/// A file that does not follow its layout. `code` says how, in the words agencies use
/// (`HEADER`, `FIELD_COUNT`, `RECORD_LENGTH`, `UNKNOWN_RECORD`, `ENCODING`, `SYNTAX`).
public struct LayoutReadError: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var code: String
    public var message: String

    public init(file: String, line: Int, code: String, message: String) {
        self.file = file
        self.line = line
        self.code = code
        self.message = message
    }

    public var description: String { "\(file):\(line): \(code): \(message)" }
}

/// Reads a file written in a ``Layout``, one record at a time, in constant memory.
public final class LayoutReader {
    private let layout: Layout
    private let fileName: String
    private var csv: CSVReader?
    private var lines: LineReader?
    private var headerChecked = false
    private let rowLayout: RecordLayout?
    /// The CSV row's field names, shared by every record read.
    private let csvNames: [String]

    public init(layout: Layout, source: ByteSource) {
        self.layout = layout
        fileName = source.name
        rowLayout = layout.records.first { $0.kind == .row } ?? layout.records.first
        csvNames = rowLayout?.fields.map(\.name) ?? []
        switch layout.format {
        case .csv(let delimiter, _): csv = CSVReader(source: source, delimiter: delimiter)
        case .fixedWidth: lines = LineReader(source: source)
        }
    }

    /// The next record, or `nil` at the end of the file.
    public func next() throws(LayoutReadError) -> ParsedRecord? {
        switch layout.format {
        case .csv(_, let header): return try nextCSV(header: header)
        case .fixedWidth(let length): return try nextFixed(length: length)
        }
    }

    private func nextCSV(header: Bool) throws(LayoutReadError) -> ParsedRecord? {
        guard let rowLayout else { return nil }
        let names = csvNames
        let record: CSVRecord?
        do { record = try csv!.next() } catch let e as CSVSyntaxError {
            throw LayoutReadError(file: fileName, line: e.line, code: "SYNTAX", message: e.message)
        } catch {
            throw LayoutReadError(file: fileName, line: 0, code: "IO", message: "\(error)")
        }
        guard var record else {
            if header && !headerChecked {
                throw LayoutReadError(file: fileName, line: 1, code: "HEADER", message: "the file is empty")
            }
            return nil
        }
        if header && !headerChecked {
            headerChecked = true
            guard record.fields == names else {
                throw LayoutReadError(file: fileName, line: record.line, code: "HEADER",
                    message:
                        "the header is \(record.fields.joined(separator: ",")), "
                            + "expected \(names.joined(separator: ","))"
                )
            }
            do { guard let next = try csv!.next() else { return nil }; record = next } catch let e as CSVSyntaxError {
                throw LayoutReadError(file: fileName, line: e.line, code: "SYNTAX", message: e.message)
            } catch {
                throw LayoutReadError(file: fileName, line: 0, code: "IO", message: "\(error)")
            }
        }
        guard record.fields.count == names.count else {
            throw LayoutReadError(file: fileName, line: record.line, code: "FIELD_COUNT",
                                  message: "\(record.fields.count) fields, the layout has \(names.count)")
        }
        return ParsedRecord(kind: rowLayout.kind, names: names, values: record.fields, line: record.line)
    }

    private func nextFixed(length: Int) throws(LayoutReadError) -> ParsedRecord? {
        let bytes: [UInt8]?
        do { bytes = try lines!.next() } catch {
            throw LayoutReadError(file: fileName, line: lines!.line, code: "IO", message: "\(error)")
        }
        guard let bytes else { return nil }
        let line = lines!.line
        if layout.charset == .ascii, bytes.contains(where: { $0 > 127 }) {
            throw LayoutReadError(
                file: fileName, line: line, code: "ENCODING", message: "a byte above 127 in an ASCII file")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw LayoutReadError(file: fileName, line: line, code: "ENCODING", message: "bytes that are not UTF-8")
        }
        let chars = Array(text)
        guard chars.count == length else {
            throw LayoutReadError(
                file: fileName, line: line, code: "RECORD_LENGTH",
                message: "\(chars.count) characters, every record has \(length)")
        }
        func slice(_ f: FieldLayout) -> String? {
            guard let start = f.start, let len = f.length else { return nil }
            return String(chars[(start - 1)..<(start - 1 + len)])
        }
        for record in layout.records {
            let matches = record.fields.allSatisfy { f in
                guard let constant = f.constant else { return true }
                guard let s = slice(f) else { return true }
                return s.trimmingSpaces == constant
            }
            guard matches else { continue }
            var fields: [String: String] = [:]
            for f in record.fields {
                guard let raw = slice(f) else { continue }
                fields[f.name] = f.alignRight ? raw : String(raw.reversed().drop(while: { $0 == f.pad }).reversed())
            }
            return ParsedRecord(kind: record.kind, fields: fields, line: line)
        }
        throw LayoutReadError(
            file: fileName, line: line, code: "UNKNOWN_RECORD", message: "the line matches no record of the layout")
    }
}
