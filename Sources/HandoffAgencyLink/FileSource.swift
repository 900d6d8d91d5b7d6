import Foundation
public import HandoffTransport

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

    public init(directory: String) { self.directory = directory }

    public func list() throws -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    public func download(_ name: String, to localPath: String) throws -> Int64 {
        let temporary = localPath + ".download"
        unlink(temporary)
        let size = try DurableFile.copy(
            directory + "/" + name, to: temporary, doing: "taking \(name) in; the file stays at the agency")
        guard rename(temporary, localPath) == 0 else {
            let e = errno
            unlink(temporary)
            throw TransportError.local(localPath, errno: e, doing: "renaming the download")
        }
        return size
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

    public init(client: SFTPClient, directory: String) {
        self.client = client
        self.directory = directory
    }

    private func path(_ name: String) -> String { directory.hasSuffix("/") ? directory + name : directory + "/" + name }
    public func list() throws -> [String] { try client.list(directory: directory) }
    public func download(_ name: String, to localPath: String) throws -> Int64 {
        try client.download(path: path(name), to: localPath)
    }
    public func delete(_ name: String) throws { try client.delete(path: path(name)) }
}
