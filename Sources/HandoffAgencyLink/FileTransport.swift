import Foundation
import HandoffCrashPoints
public import HandoffTransport

/// A way to put a file at an agency under its final name, exactly once: it checks first
/// whether the name is already there, and never overwrites. A file already there counts as
/// delivered only when its content is ours (`.alreadyPresent`); another is a
/// ``TransportError/Kind/conflict``.
public protocol FileTransport: Sendable {
    /// Delivers `localPath` (whose SHA-256 is `sha256`) as `name` (`batchKey` is the batch id
    /// an API names it by). Blocking.
    func deliver(localPath: String, name: String, batchKey: String?, sha256: String) throws -> UploadOutcome
}

extension FileTransport {
    /// Delivers `localPath`, hashing it first.
    public func deliver(localPath: String, name: String, batchKey: String?) throws -> UploadOutcome {
        try deliver(
            localPath: localPath, name: name, batchKey: batchKey, sha256: try HTTPSClient.sha256(file: localPath))
    }
}

/// A file already in a local folder: ours when its SHA-256 is, a conflict otherwise.
private func existing(_ path: String, name: String, sha256: String, localPath: String) throws -> UploadOutcome? {
    guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber else { return nil }
    let theirs = try HTTPSClient.sha256(file: path)
    guard theirs == sha256 else {
        let ours =
            ((try? FileManager.default.attributesOfItem(atPath: localPath))?[.size] as? NSNumber)?.int64Value ?? 0
        throw TransportError(
            .conflict,
            "a different file named \(name) is already at the agency (\(path): \(size.int64Value) bytes, SHA-256 "
                + "\(theirs.prefix(12))…; ours: \(ours) bytes, SHA-256 \(sha256.prefix(12))…); nothing was sent: "
                + "ask the agency what "
                             + "it is, and once it is moved away `handoff outbox retry` sends ours")
    }
    return .alreadyPresent(size: size.int64Value)
}

/// Folders on this machine or a mounted share: copy under a `.part` name, sync, rename.
public struct LocalFolderTransport: FileTransport {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    public func deliver(localPath: String, name: String, batchKey: String?, sha256: String) throws -> UploadOutcome {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let final = directory + "/" + name
        let part = final + ".part"
        if let present = try existing(final, name: name, sha256: sha256, localPath: localPath) {
            // A kill between the link and the unlink below leaves our `.part` beside the file
            // delivered: it goes now, so that the agency's folder holds the file alone.
            unlink(part)
            return present
        }
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
            if e == EEXIST, let present = try existing(final, name: name, sha256: sha256, localPath: localPath) {
                return present
            }
            throw TransportError(.renameFailed, "\(final): \(String(cString: strerror(e)))")
        }
        CrashPoint.check("send.linked")
        unlink(part)
        let size = ((try? fm.attributesOfItem(atPath: final))?[.size] as? NSNumber)?.int64Value ?? -1
        return .uploaded(size: size)
    }
}

/// An SFTP upload folder.
public struct SFTPFileTransport: FileTransport {
    public let client: SFTPClient
    public let directory: String

    public func deliver(localPath: String, name: String, batchKey: String?, sha256: String) throws -> UploadOutcome {
        try client.upload(localPath: localPath, directory: directory, name: name, sha256: sha256)
    }
}

/// An HTTPS API that takes a batch in one request whose path names the batch
/// (`PUT /placements/{batch.id}`), the batch id doubling as the idempotency key: a first
/// delivery answers 201, a repeat of the same body 200 (nothing placed twice).
public struct HTTPSBatchTransport: FileTransport {
    public let client: HTTPSClient
    public let method: String
    /// A path with `{batch.id}`.
    public let path: String
    public let contentType: String?

    public func deliver(localPath: String, name: String, batchKey: String?, sha256: String) throws -> UploadOutcome {
        let key = batchKey ?? name
        let size =
            ((try? FileManager.default.attributesOfItem(atPath: localPath))?[.size] as? NSNumber)?.int64Value ?? 0
        let response = try client.request(
            method, path.replacingOccurrences(of: "{batch.id}", with: key), body: .file(localPath),
            contentType: contentType, idempotencyKey: key)
        switch response.status {
        case 201, 202: return .uploaded(size: size)
        case 200: return .alreadyPresent(size: size)     // the agency compared the body: the same batch
        case 409:
            throw TransportError(
                .conflict,
                "the agency already has a different batch \(key) (\(method) \(path): HTTP 409: "
                    + "\(response.text.prefix(300))); "
                                 + "nothing was placed: ask the agency what it holds under that id", httpStatus: 409)
        default:
            throw client.failure(response, "\(method) \(path) for batch \(key)")
        }
    }
}
