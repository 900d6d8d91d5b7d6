import Foundation
import HandoffTransport

/// Files written so that a power cut loses none of them: the data synced before the rename
/// that publishes it, and the folder synced after it.
enum DurableFile {
    /// Copies a file and syncs the copy; a failure names the path it concerns and why (a
    /// full disk is ``TransportError/Kind/noSpace``), and leaves no partial copy. Returns the size.
    @discardableResult
    static func copy(_ source: String, to target: String, doing: String) throws -> Int64 {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw TransportError.local(source, errno: errno, doing: doing) }
        defer { close(input) }
        let output = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard output >= 0 else { throw TransportError.local(target, errno: errno, doing: doing) }
        var failure: TransportError?
        var total: Int64 = 0
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        copying: while true {
            let n = read(input, buffer, 1 << 20)
            if n < 0 { if errno == EINTR { continue }; failure = .local(source, errno: errno, doing: doing); break }
            if n == 0 { break }
            var offset = 0
            while offset < n {
                let w = write(output, buffer + offset, n - offset)
                if w < 0 {
                    if errno == EINTR { continue }; failure = .local(target, errno: errno, doing: doing); break copying
                }
                offset += w
            }
            total += Int64(n)
        }
        if failure == nil, fsync(output) != 0 { failure = .local(target, errno: errno, doing: doing) }
        close(output)
        if let failure {
            unlink(target)
            throw failure
        }
        return total
    }

    /// Writes `bytes` to a new file `target` (mode 0600) and syncs it (unless `sync` is
    /// false: the caller syncs it later); leaves nothing on failure.
    static func create(_ target: String, holding bytes: [UInt8], doing: String, sync: Bool = true) throws {
        let output = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard output >= 0 else { throw TransportError.local(target, errno: errno, doing: doing) }
        var failure: TransportError?
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let w = write(output, raw.baseAddress! + offset, raw.count - offset)
                if w < 0 {
                    if errno == EINTR { continue }; failure = .local(target, errno: errno, doing: doing); return
                }
                offset += w
            }
        }
        if failure == nil, sync, fsync(output) != 0 { failure = .local(target, errno: errno, doing: doing) }
        close(output)
        if let failure {
            unlink(target)
            throw failure
        }
    }

    /// Syncs a file already written (a hard link to a download, say).
    static func sync(_ path: String, doing: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TransportError.local(path, errno: errno, doing: doing) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw TransportError.local(path, errno: errno, doing: doing) }
    }

    /// A temporary name beside `path` that no other writer uses: this process's id and a
    /// random number. Two writers of the same bytes at once (a pushed event and the same event
    /// from the feed, on several instances) must not write, truncate or rename each other's file.
    static func temporaryName(for path: String) -> String {
        path + ".tmp-\(getpid())-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
    }

    /// Syncs a folder, so that the names just made in it survive a power cut.
    static func syncFolder(_ path: String, doing: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw TransportError.local(path, errno: errno, doing: doing) }
        defer { close(fd) }
        guard fsync(fd) == 0 || errno == EINVAL else { throw TransportError.local(path, errno: errno, doing: doing) }
    }
}

/// The content-addressed archive of everything agencies sent: the raw bytes, unchanged,
/// under `<data>/archive/<first two hex digits>/<SHA-256>`, read-only (mode 0400). The same
/// bytes are stored once. Files, feed pages, pushed events and receipts all go through
/// ``store(_:sha256:)``, with one durability: the file is synced before the rename that
/// publishes it, and its folder after.
public struct ReceivedArchive: Sendable {
    /// `<data>/archive`.
    public let directory: String

    /// What to store.
    public enum Content: Sendable {
        /// A file on this machine (a download): hard-linked when it can be, else copied.
        case file(String)
        /// Bytes in memory (a feed page, a pushed event, a receipt).
        case bytes([UInt8])
    }

    public init(dataDirectory: String) {
        directory = dataDirectory + "/archive"
    }

    /// Stores `content`, whose SHA-256 is `sha256`, and returns its path in the archive.
    @discardableResult
    public func store(_ content: Content, sha256: String) throws -> String {
        let folder = directory + "/" + String(sha256.prefix(2))
        try FileManager.default.createDirectory(
            atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let path = folder + "/" + sha256
        if FileManager.default.fileExists(atPath: path) { return path }
        let temporary = DurableFile.temporaryName(for: path)
        switch content {
        case .file(let file):
            if link(file, temporary) == 0 {
                try DurableFile.sync(temporary, doing: "archiving")
            } else {
                try DurableFile.copy(file, to: temporary, doing: "archiving")
            }
        case .bytes(let bytes):
            try DurableFile.create(temporary, holding: bytes, doing: "archiving")
        }
        chmod(temporary, 0o400)
        guard rename(temporary, path) == 0 else {
            let e = errno
            unlink(temporary)
            throw TransportError.local(path, errno: e, doing: "archiving")
        }
        try DurableFile.syncFolder(folder, doing: "archiving")
        return path
    }
}

extension ReceivedArchive {
    /// Many small byte strings archived with one durability step for them all: a feed page's
    /// events. ``add(_:sha256:)`` writes each to a temporary name; ``publish()`` syncs them all,
    /// renames each to its name in the archive, then syncs each folder once. The guarantee is
    /// ``ReceivedArchive/store(_:sha256:)``'s (no name published before its bytes are on disk),
    /// at about half the syncs: a feed's intake synced two files for every event.
    ///
    /// Publish before the transaction that records the paths commits. A batch that is not
    /// published (an error) leaves nothing; a crash may leave its temporary files (`.tmp-PID-…`),
    /// never under an archive name.
    public final class Batch {
        private let archive: ReceivedArchive
        private var pending: [(temporary: String, path: String, folder: String)] = []
        private var pendingNames: Set<String> = []
        private var folders: Set<String> = []

        public init(_ archive: ReceivedArchive) {
            self.archive = archive
        }

        /// Writes `bytes`, whose SHA-256 is `sha256`, to a temporary name, not yet synced, and
        /// returns the path it will have once published (bytes already archived, or already in
        /// this batch, are not written again).
        public func add(_ bytes: [UInt8], sha256: String) throws -> String {
            let folder = archive.directory + "/" + String(sha256.prefix(2))
            let path = folder + "/" + sha256
            if pendingNames.contains(sha256) { return path }
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            // Published already, perhaps by another writer a moment ago: its folder is synced
            // with this batch's, so that the name this batch records is on disk when it commits.
            folders.insert(folder)
            if access(path, F_OK) == 0 { return path }
            let temporary = DurableFile.temporaryName(for: path)
            try DurableFile.create(temporary, holding: bytes, doing: "archiving", sync: false)
            pending.append((temporary, path, folder))
            pendingNames.insert(sha256)
            return path
        }

        /// Syncs every file added, publishes each under its name, and syncs their folders.
        public func publish() throws {
            for file in pending { try DurableFile.sync(file.temporary, doing: "archiving") }
            for file in pending {
                chmod(file.temporary, 0o400)
                guard rename(file.temporary, file.path) == 0 else {
                    throw TransportError.local(file.path, errno: errno, doing: "archiving")
                }
            }
            for folder in folders.sorted() { try DurableFile.syncFolder(folder, doing: "archiving") }
            pending = []
            pendingNames = []
            folders = []
        }

        deinit {
            for file in pending { unlink(file.temporary) }
        }
    }
}
