#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a reader's bytes come from: a file read in fixed-size chunks (constant memory
/// however large the file), or bytes already in memory (tests, small bodies).
public final class ByteSource {
    private enum Origin {
        case file(fd: Int32)
        case memory([UInt8], offset: Int)
    }
    private var origin: Origin
    /// Total size when known (a regular file, or bytes in memory); for progress reporting.
    public let totalBytes: Int?
    /// Bytes handed out so far.
    public private(set) var bytesRead: Int = 0
    /// The path the bytes come from, or a label such as `<memory>`.
    public let name: String
    /// Called with every chunk as it is read: a hash of the whole input, computed on the way.
    public var observer: ((ArraySlice<UInt8>) -> Void)?

    /// Opens a file for reading.
    public init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(path: path, operation: "open", errno: errno) }
        var info = stat()
        totalBytes = fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG ? Int(info.st_size) : nil
        origin = .file(fd: fd)
        name = path
    }

    /// Bytes in memory.
    public init(bytes: [UInt8], name: String = "<memory>") {
        origin = .memory(bytes, offset: 0)
        totalBytes = bytes.count
        self.name = name
    }

    deinit {
        if case .file(let fd) = origin { close(fd) }
    }

    /// Fills `buffer` (replacing its contents) with up to `capacity` bytes; an empty
    /// buffer means the end of the input.
    public func read(into buffer: inout [UInt8], capacity: Int) throws {
        switch origin {
        case .file(let fd):
            buffer.removeAll(keepingCapacity: true)
            if buffer.capacity < capacity { buffer.reserveCapacity(capacity) }
            var got = 0
            buffer = [UInt8](unsafeUninitializedCapacity: capacity) { raw, count in
                while true {
                    let n = Glibc.read(fd, raw.baseAddress, capacity)
                    if n < 0 && errno == EINTR { continue }
                    got = n
                    count = max(n, 0)
                    return
                }
            }
            if got < 0 { throw FileError(path: name, operation: "read", errno: errno) }
            bytesRead += buffer.count
            observer?(buffer[...])
        case .memory(let bytes, let offset):
            let end = min(bytes.count, offset + capacity)
            buffer = Array(bytes[offset..<end])
            origin = .memory(bytes, offset: end)
            bytesRead += buffer.count
            observer?(buffer[...])
        }
    }
}

/// A failed system call on a file, with the path and the system's own message.
public struct FileError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let operation: String
    public let errno: Int32

    public init(path: String, operation: String, errno: Int32) {
        self.path = path
        self.operation = operation
        self.errno = errno
    }

    public var description: String {
        "\(path): cannot \(operation): \(String(cString: strerror(errno)))"
    }
}
