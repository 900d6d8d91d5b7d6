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
        do { try FileManager.default.copyItem(atPath: directory + "/" + name, toPath: temporary) } catch {
            throw TransportError(.localFile, "cannot copy \(name): \(error.localizedDescription)")
        }
        guard rename(temporary, localPath) == 0 else { throw TransportError(.localFile, "\(localPath): \(String(cString: strerror(errno)))") }
        return ((try? FileManager.default.attributesOfItem(atPath: localPath))?[.size] as? NSNumber)?.int64Value ?? 0
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
