import Foundation
import HandoffConfig
import HandoffPartners
import HandoffTransport

/// A way to put a file at an agency under its final name, exactly once: it checks first
/// whether the name is already there, and never overwrites.
public protocol FileTransport: Sendable {
    /// Delivers `localPath` as `name`. Blocking.
    func deliver(localPath: String, name: String) throws -> UploadOutcome
}

/// Folders on this machine or a mounted share: copy under a `.part` name, sync, rename.
public struct LocalFolderTransport: FileTransport {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    public func deliver(localPath: String, name: String) throws -> UploadOutcome {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let final = directory + "/" + name
        if let size = (try? fm.attributesOfItem(atPath: final))?[.size] as? NSNumber { return .alreadyPresent(size: size.int64Value) }
        let part = final + ".part"
        unlink(part)
        do { try fm.copyItem(atPath: localPath, toPath: part) } catch {
            throw TransportError(.localFile, "cannot copy \(localPath) to \(part): \(error.localizedDescription)")
        }
        let fd = open(part, O_RDONLY)
        if fd >= 0 { fsync(fd); close(fd) }
        // link() fails if the final name exists, so two senders can never overwrite each other.
        guard link(part, final) == 0 else {
            let e = errno
            unlink(part)
            if e == EEXIST, let size = (try? fm.attributesOfItem(atPath: final))?[.size] as? NSNumber { return .alreadyPresent(size: size.int64Value) }
            throw TransportError(.renameFailed, "\(final): \(String(cString: strerror(e)))")
        }
        unlink(part)
        let size = ((try? fm.attributesOfItem(atPath: final))?[.size] as? NSNumber)?.int64Value ?? -1
        return .uploaded(size: size)
    }
}

/// An SFTP upload folder.
public struct SFTPFileTransport: FileTransport {
    public let client: SFTPClient
    public let directory: String

    public func deliver(localPath: String, name: String) throws -> UploadOutcome {
        try client.upload(localPath: localPath, directory: directory, name: name)
    }
}

/// Builds a partner's transport from its `[transport]` table. Secrets (key passphrases) are
/// read here from the environment variable or file the partner file names, never from the
/// partner file itself.
public struct TransportFactory: Sendable {
    /// The installation root: relative paths in partner files start here.
    public let root: String
    public let environment: [String: String]

    public init(root: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.root = root
        self.environment = environment
    }

    public func transport(for partner: Partner) throws -> FileTransport {
        let s = partner.transport.settings
        func string(_ key: String) -> String? { if case .string(let v)? = s[key] { return v } else { return nil } }
        func int(_ key: String) -> Int? { if case .integer(let v)? = s[key] { return v } else { return nil } }
        switch partner.transport.kind {
        case .local:
            return LocalFolderTransport(directory: path(string("outbox") ?? ""))
        case .sftp:
            var passphrase: String?
            if let env = string("passphrase_env") {
                guard let value = environment[env] else {
                    throw TransportError(.configuration, "\(partner.id): the environment variable \(env) (passphrase_env) is not set")
                }
                passphrase = value
            } else if let file = string("passphrase_file") {
                guard let value = try? String(contentsOfFile: path(file), encoding: .utf8) else {
                    throw TransportError(.configuration, "\(partner.id): passphrase_file \(file) cannot be read")
                }
                passphrase = value.trimmingCharacters(in: .newlines)
            }
            let endpoint = SFTPEndpoint(host: string("host") ?? "", port: int("port") ?? 22, user: string("user") ?? "",
                                        privateKeyFile: path(string("private_key_file") ?? ""), passphrase: passphrase,
                                        hostKeySHA256: string("host_key_sha256"), knownHostsFile: string("known_hosts_file").map(path),
                                        timeoutSeconds: int("timeout_seconds") ?? 60)
            return SFTPFileTransport(client: try SFTPClient(endpoint: endpoint), directory: string("upload_dir") ?? "/")
        case .https:
            throw TransportError(.configuration, "\(partner.id): sending over HTTPS is not built yet; its batches stay staged")
        }
    }

    /// A path from a partner file: absolute as written, else relative to the installation root.
    public func path(_ p: String) -> String {
        p.hasPrefix("/") ? p : URL(fileURLWithPath: root).appendingPathComponent(p).standardizedFileURL.path
    }
}
