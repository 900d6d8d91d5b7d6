import Foundation
import HandoffConfig
import HandoffOutbox
import HandoffPartners
import HandoffTransport

/// Where an agency leaves files for the business: list, download, delete.
public protocol FileSource: Sendable {
    func list() throws -> [String]
    /// Downloads `name` to `localPath`; returns its size.
    func download(_ name: String, to localPath: String) throws -> Int64
    func delete(_ name: String) throws
}

/// A folder on this machine or a mounted share.
public struct LocalFolderSource: FileSource {
    public let directory: String
    public func list() throws -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }
    public func download(_ name: String, to localPath: String) throws -> Int64 {
        let temporary = localPath + ".download"
        unlink(temporary)
        let size = try Self.copy(directory + "/" + name, to: temporary, doing: "taking \(name) in; the file stays at the agency")
        guard rename(temporary, localPath) == 0 else {
            let e = errno
            unlink(temporary)
            throw TransportError.local(localPath, errno: e, doing: "renaming the download")
        }
        return size
    }

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
                if w < 0 { if errno == EINTR { continue }; failure = .local(target, errno: errno, doing: doing); break copying }
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
    public func delete(_ name: String) throws {
        guard unlink(directory + "/" + name) == 0 || errno == ENOENT else {
            throw TransportError(.localFile, "cannot delete \(name): \(String(cString: strerror(errno)))")
        }
    }
}

/// An SFTP download folder.
public struct SFTPSource: FileSource {
    public let client: SFTPClient
    public let directory: String
    private func path(_ name: String) -> String { directory.hasSuffix("/") ? directory + name : directory + "/" + name }
    public func list() throws -> [String] { try client.list(directory: directory) }
    public func download(_ name: String, to localPath: String) throws -> Int64 { try client.download(path: path(name), to: localPath) }
    public func delete(_ name: String) throws { try client.delete(path: path(name)) }
}

extension TransportFactory {
    /// Where a partner's returned files are fetched from.
    public func source(for partner: Partner) throws -> FileSource {
        let s = partner.transport.settings
        func string(_ key: String) -> String? { s.string(key) }
        switch partner.transport.kind {
        case .local:
            return LocalFolderSource(directory: path(string("inbox") ?? ""))
        case .sftp:
            guard let upload = try transport(for: partner) as? SFTPFileTransport else {
                throw TransportError(.configuration, "\(partner.id): no SFTP client")
            }
            return SFTPSource(client: upload.client, directory: string("download_dir") ?? "/")
        case .https:
            throw TransportError(.configuration, "\(partner.id): an HTTPS partner returns events through its feed, not files")
        }
    }
}
