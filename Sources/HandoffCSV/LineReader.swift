/// Reads a file line by line in constant memory: LF or CRLF endings (the CR is dropped), an
/// optional UTF-8 byte order mark skipped. For fixed-width files.
public final class LineReader {
    private let source: ByteSource
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    private var started = false
    /// The line number of the line last returned (1-based).
    public private(set) var line = 0

    public var fileName: String { source.name }

    public init(source: ByteSource) { self.source = source }

    /// The next line's bytes without its ending, or `nil` at the end.
    public func next() throws -> [UInt8]? {
        var out: [UInt8] = []
        while true {
            if position >= buffer.count {
                if atEnd { break }
                try source.read(into: &buffer, capacity: 1 << 16)
                position = 0
                if buffer.isEmpty { atEnd = true; break }
                if !started {
                    started = true
                    if buffer.count >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { position = 3 }
                }
                continue
            }
            let start = position
            while position < buffer.count, buffer[position] != 0x0A { position += 1 }
            out.append(contentsOf: buffer[start..<position])
            if position < buffer.count {        // at the LF
                position += 1
                if out.last == 0x0D { out.removeLast() }
                line += 1
                return out
            }
        }
        if out.isEmpty { return nil }
        if out.last == 0x0D { out.removeLast() }
        line += 1
        return out
    }
}
