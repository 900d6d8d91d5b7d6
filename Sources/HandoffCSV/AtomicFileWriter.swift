#if canImport(Glibc)
public import Glibc
#elseif canImport(Darwin)
public import Darwin
#endif

/// Writes a file under a temporary name beside its final one, and renames it into place
/// only on ``commit()``: a reader never sees half a file, and a crash leaves at most a
/// temporary file behind, never a short one under the final name. Buffered, so that
/// writing millions of lines costs a few hundred system calls.
public final class AtomicFileWriter {
    /// The final path.
    public let path: String
    /// The temporary path being written.
    public let temporaryPath: String
    private var fd: Int32
    private var pending: [UInt8] = []
    private let flushThreshold = 1 << 16
    private var finished = false
    /// Bytes written so far.
    public private(set) var byteCount = 0

    /// Starts a file that will appear at `path`. The file gets permissions `mode` (default
    /// owner read and write only: what Handoff writes may hold personal data).
    public init(path: String, mode: mode_t = 0o600) throws {
        self.path = path
        self.temporaryPath = path + ".tmp-\(getpid())"
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw FileError(path: temporaryPath, operation: "create", errno: errno) }
        pending.reserveCapacity(flushThreshold * 2)
    }

    deinit {
        if !finished { discard() }
    }

    /// Appends bytes.
    public func write(_ bytes: some Sequence<UInt8>) throws {
        pending.append(contentsOf: bytes)
        if pending.count >= flushThreshold { try flush() }
    }

    /// Appends text as UTF-8.
    public func write(_ text: String) throws {
        try write(text.utf8)
    }

    private func flush() throws {
        var offset = 0
        while offset < pending.count {
            let n = pending.withUnsafeBytes { raw in
                Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(path: temporaryPath, operation: "write", errno: errno)
            }
            offset += n
        }
        byteCount += pending.count
        pending.removeAll(keepingCapacity: true)
    }

    /// Flushes, syncs to disk and renames the file to its final name.
    public func commit() throws {
        precondition(!finished, "committed twice")
        try flush()
        guard fsync(fd) == 0 else { throw FileError(path: temporaryPath, operation: "sync", errno: errno) }
        close(fd)
        finished = true
        guard rename(temporaryPath, path) == 0 else {
            let e = errno
            unlink(temporaryPath)
            throw FileError(path: path, operation: "rename into place", errno: e)
        }
    }

    /// Abandons the file: the temporary one is removed and nothing appears at `path`.
    public func discard() {
        guard !finished else { return }
        finished = true
        close(fd)
        unlink(temporaryPath)
    }
}
