/// One record of a CSV file: its fields and the line it starts on (1-based, counting
/// physical lines, so a quoted field with line breaks in it advances the count).
public struct CSVRecord: Sendable, Equatable {
    public var fields: [String]
    public var line: Int
    public init(fields: [String], line: Int) {
        self.fields = fields
        self.line = line
    }
}

/// Malformed CSV text: where, and what is wrong.
public struct CSVSyntaxError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    public var line: Int
    /// 1-based field number within the record.
    public var field: Int
    public var message: String

    public var description: String { "\(file):\(line): field \(field): \(message)" }
}

/// Reads RFC 4180 CSV one record at a time, in constant memory.
///
/// Accepts UTF-8 with or without a byte order mark, and CRLF, LF or CR line endings.
/// Fields may be quoted with `"`, a doubled `""` standing for one quote, and may then
/// hold the delimiter and line breaks. Strict where RFC 4180 is: a quote inside an
/// unquoted field, text after a closing quote, an unterminated quote and bytes that are
/// not UTF-8 are errors with the line they are on. Empty lines are skipped.
public final class CSVReader {
    private let source: ByteSource
    private let delimiter: UInt8
    private let chunkSize: Int
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    private var line = 1
    private var startedFile = false
    private var field: [UInt8] = []

    /// The name used in errors (the path).
    public var fileName: String { source.name }
    /// Bytes consumed so far, and the total when known: for a progress bar.
    public var bytesRead: Int { source.bytesRead }
    public var totalBytes: Int? { source.totalBytes }

    public init(source: ByteSource, delimiter: UInt8 = UInt8(ascii: ","), chunkSize: Int = 1 << 16) {
        self.source = source
        self.delimiter = delimiter
        self.chunkSize = chunkSize
        field.reserveCapacity(256)
    }

    /// A reader over a file.
    public convenience init(path: String, delimiter: UInt8 = UInt8(ascii: ",")) throws {
        self.init(source: try ByteSource(path: path), delimiter: delimiter)
    }

    /// A reader over text in memory.
    public convenience init(text: String, name: String = "<memory>") {
        self.init(source: ByteSource(bytes: Array(text.utf8), name: name))
    }

    @inline(__always)
    private func peek() throws -> UInt8? {
        if position < buffer.count { return buffer[position] }
        if atEnd { return nil }
        try source.read(into: &buffer, capacity: chunkSize)
        position = 0
        if buffer.isEmpty { atEnd = true; return nil }
        return buffer[0]
    }

    /// The next record, or `nil` at the end of the input.
    public func next() throws -> CSVRecord? {
        if !startedFile {
            startedFile = true
            // Skip a UTF-8 byte order mark, byte by byte, so that any chunking works. Bytes
            // that only begin like one (EF BB 80 is a character) start the first field.
            let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
            while field.count < 3, let b = try peek(), b == bom[field.count] {
                field.append(b)
                position += 1
            }
            if field.count == 3 { field.removeAll(keepingCapacity: true) }
        }
        // Skip empty lines.
        while field.isEmpty, let b = try peek(), b == 0x0A || b == 0x0D {
            position += 1
            if b == 0x0D, try peek() == 0x0A { position += 1 }
            line += 1
        }
        guard try !field.isEmpty || peek() != nil else { return nil }

        let startLine = line
        var fields: [String] = []
        while true {
            let (ended, value) = try readField(recordLine: startLine, fieldNumber: fields.count + 1)
            fields.append(value)
            if ended { return CSVRecord(fields: fields, line: startLine) }
        }
    }

    /// Reads one field; returns whether it ended the record.
    private func readField(recordLine: Int, fieldNumber: Int) throws -> (Bool, String) {
        defer { field.removeAll(keepingCapacity: true) }
        if field.isEmpty, try peek() == UInt8(ascii: "\"") {
            position += 1
            return try readQuoted(recordLine: recordLine, fieldNumber: fieldNumber)
        }
        while true {
            // Fast scan of the plain bytes in the buffer.
            let start = position
            while position < buffer.count {
                let b = buffer[position]
                if b == delimiter || b == 0x0A || b == 0x0D || b == 0x22 { break }
                position += 1
            }
            if position > start { field.append(contentsOf: buffer[start..<position]) }
            guard let b = try peek() else { return (true, try text(fieldNumber)) }
            switch b {
            case delimiter:
                position += 1
                return (false, try text(fieldNumber))
            case 0x0A, 0x0D:
                try consumeLineEnd()
                return (true, try text(fieldNumber))
            case 0x22:
                throw CSVSyntaxError(file: source.name, line: line, field: fieldNumber,
                    message: "a double quote inside an unquoted field (quote the whole field and double the quote)")
            default:
                continue
            }
        }
    }

    private func readQuoted(recordLine: Int, fieldNumber: Int) throws -> (Bool, String) {
        while true {
            let start = position
            while position < buffer.count, buffer[position] != 0x22 {
                if buffer[position] == 0x0A { line += 1 }
                position += 1
            }
            if position > start { field.append(contentsOf: buffer[start..<position]) }
            guard let b = try peek() else {
                throw CSVSyntaxError(
                    file: source.name, line: recordLine, field: fieldNumber, message: "a quoted field is never closed")
            }
            guard b == 0x22 else { continue }
            position += 1
            let after = try peek()
            switch after {
            case 0x22:
                field.append(0x22)
                position += 1
            case nil:
                return (true, try text(fieldNumber))
            case delimiter:
                position += 1
                return (false, try text(fieldNumber))
            case 0x0A, 0x0D:
                try consumeLineEnd()
                return (true, try text(fieldNumber))
            default:
                throw CSVSyntaxError(file: source.name, line: line, field: fieldNumber,
                                     message: "text after the closing quote of a quoted field")
            }
        }
    }

    private func consumeLineEnd() throws {
        let b = buffer[position]
        position += 1
        if b == 0x0D, try peek() == 0x0A { position += 1 }
        line += 1
    }

    private func text(_ fieldNumber: Int) throws -> String {
        guard let s = String(validating: field, as: UTF8.self) else {
            throw CSVSyntaxError(file: source.name, line: line, field: fieldNumber, message: "bytes that are not UTF-8")
        }
        return s
    }
}
