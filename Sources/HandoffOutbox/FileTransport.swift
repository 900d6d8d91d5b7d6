import Foundation
import HandoffConfig
import HandoffPartners
import HandoffTransport

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
        try deliver(localPath: localPath, name: name, batchKey: batchKey, sha256: try HTTPSClient.sha256(file: localPath))
    }
}

/// A file already in a local folder: ours when its SHA-256 is, a conflict otherwise.
private func existing(_ path: String, name: String, sha256: String, localPath: String) throws -> UploadOutcome? {
    guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber else { return nil }
    let theirs = try HTTPSClient.sha256(file: path)
    guard theirs == sha256 else {
        let ours = ((try? FileManager.default.attributesOfItem(atPath: localPath))?[.size] as? NSNumber)?.int64Value ?? 0
        throw TransportError(.conflict, "a different file named \(name) is already at the agency (\(path): \(size.int64Value) bytes, SHA-256 "
                             + "\(theirs.prefix(12))…; ours: \(ours) bytes, SHA-256 \(sha256.prefix(12))…); nothing was sent: ask the agency what "
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
        if let present = try existing(final, name: name, sha256: sha256, localPath: localPath) { return present }
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
            if e == EEXIST, let present = try existing(final, name: name, sha256: sha256, localPath: localPath) { return present }
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
        let size = ((try? FileManager.default.attributesOfItem(atPath: localPath))?[.size] as? NSNumber)?.int64Value ?? 0
        let response = try client.request(method, path.replacingOccurrences(of: "{batch.id}", with: key), body: .file(localPath),
                                          contentType: contentType, idempotencyKey: key)
        switch response.status {
        case 201, 202: return .uploaded(size: size)
        case 200: return .alreadyPresent(size: size)     // the agency compared the body: the same batch
        case 409:
            throw TransportError(.conflict, "the agency already has a different batch \(key) (\(method) \(path): HTTP 409: \(response.text.prefix(300))); "
                                 + "nothing was placed: ask the agency what it holds under that id", httpStatus: 409)
        default:
            throw client.failure(response, "\(method) \(path) for batch \(key)")
        }
    }
}

/// Builds a partner's transport from its `[transport]` table. Secrets (key passphrases) are
/// read here from the environment variable or file the partner file names, never from the
/// partner file itself.
public struct TransportFactory: Sendable {
    /// The installation root: relative paths in partner files start here.
    public let root: String
    public let environment: [String: String]
    /// Each agency's time budget in this run (one factory per run of a command or job).
    public let budget: TransportBudget

    public init(root: String, environment: [String: String] = ProcessInfo.processInfo.environment, budget: TransportBudget = TransportBudget()) {
        self.root = root
        self.environment = environment
        self.budget = budget
    }

    /// The partner's `timeout_seconds` (default 60).
    public func timeoutSeconds(for partner: Partner) -> Int {
        partner.transport.settings.int("timeout_seconds") ?? 60
    }

    /// What is left of the partner's time budget in this run: twice its `timeout_seconds`,
    /// from the first time this run uses the agency. No request, attempt or transfer to the
    /// agency starts once it is spent; what is left waits for the next run.
    public func deadline(for partner: Partner) -> Deadline {
        budget.deadline(for: partner.id, seconds: 2 * timeoutSeconds(for: partner))
    }

    /// Whether new work for the partner may start in this run: for HTTPS, a whole request
    /// (its timeout) must still fit in the budget; for SFTP the budget must not be spent; a
    /// local folder has no network and no budget.
    public func canStart(_ partner: Partner) -> Bool {
        switch partner.transport.kind {
        case .local: return true
        case .https: return deadline(for: partner).remaining >= Double(timeoutSeconds(for: partner))
        case .sftp: return !deadline(for: partner).isSpent
        }
    }

    public func transport(for partner: Partner) throws -> FileTransport {
        let s = partner.transport.settings
        func string(_ key: String) -> String? { s.string(key) }
        func int(_ key: String) -> Int? { s.int(key) }
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
                                        timeoutSeconds: timeoutSeconds(for: partner), deadline: deadline(for: partner))
            return SFTPFileTransport(client: try SFTPClient(endpoint: endpoint), directory: string("upload_dir") ?? "/")
        case .https:
            guard let placement = s.table("placement"), let requestPath = placement.string("path") else {
                throw TransportError(.configuration, "\(partner.id): [transport] placement = { method, path, content_type } is needed to send batches")
            }
            return HTTPSBatchTransport(client: HTTPSClient(endpoint: try httpsEndpoint(for: partner)), method: placement.string("method") ?? "PUT",
                                       path: requestPath, contentType: placement.string("content_type"))
        }
    }

    /// The HTTPS endpoint of a partner: its CA, client certificate and signing secret.
    public func httpsEndpoint(for partner: Partner) throws -> HTTPSEndpoint {
        let s = partner.transport.settings
        func string(_ t: [String: TOMLNode], _ key: String) -> String? { t.string(key) }
        var signing: RequestSigning?
        if let t = s.table("signing") {
            var secret: String?
            if let env = string(t, "secret_env") {
                guard let value = environment[env], !value.isEmpty else {
                    throw TransportError(.configuration, "\(partner.id): the environment variable \(env) (signing secret_env) is not set")
                }
                secret = value
            } else if let file = string(t, "secret_file") {
                guard let value = try? String(contentsOfFile: path(file), encoding: .utf8) else {
                    throw TransportError(.configuration, "\(partner.id): signing secret_file \(file) cannot be read")
                }
                secret = value.trimmingCharacters(in: .newlines)
            }
            guard let secret else { throw TransportError(.configuration, "\(partner.id): signing needs secret_env or secret_file") }
            let skew = t.int("max_skew_seconds") ?? 300
            signing = RequestSigning(clientID: string(t, "client_id") ?? partner.clientID, clientHeader: string(t, "client_header") ?? "X-Client",
                                     timestampHeader: string(t, "timestamp_header") ?? "X-Timestamp",
                                     signatureHeader: string(t, "signature_header") ?? "X-Signature",
                                     stringToSign: string(t, "string_to_sign") ?? "{timestamp}\n{method}\n{path}\n{body_sha256}",
                                     maxSkewSeconds: skew, secret: Array(secret.utf8))
        }
        return HTTPSEndpoint(baseURL: string(s, "base_url") ?? "", caFile: path(string(s, "ca_file") ?? ""),
                             clientCertificateFile: string(s, "client_certificate_file").map(path),
                             clientKeyFile: string(s, "client_key_file").map(path), pinnedPublicKey: string(s, "pinned_public_key_sha256"),
                             timeoutSeconds: timeoutSeconds(for: partner), signing: signing, deadline: deadline(for: partner))
    }

    /// The file gpg reads a key's passphrase from: `passphrase_file` as named, or, for
    /// `passphrase_env`, a private temporary file (mode 0600) in Handoff's GnuPG home that the
    /// caller removes after use. `nil` when the key has no passphrase.
    public func passphraseFile(_ settings: [String: TOMLNode], partner: Partner) throws -> String? {
        if let file = settings.string("passphrase_file") { return path(file) }
        guard let env = settings.string("passphrase_env") else { return nil }
        guard let value = environment[env] else {
            throw TransportError(.configuration, "\(partner.id): the environment variable \(env) (passphrase_env) is not set")
        }
        let home = URL(fileURLWithPath: root).appendingPathComponent("var/gnupg").path
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let file = home + "/passphrase-\(UUID().uuidString)"
        guard FileManager.default.createFile(atPath: file, contents: Data(value.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw TransportError(.localFile, "cannot write a passphrase file in \(home)")
        }
        return file
    }

    /// How an agency's webhook pushes are signed: `[transport.webhook]` (its own client id and
    /// secret, such as Meridian's `MCC`), with the header names and string to sign of its
    /// request signing.
    public func webhookSigning(for partner: Partner) throws -> RequestSigning {
        guard let hook = partner.transport.settings.table("webhook") else {
            throw TransportError(.configuration, "\(partner.id) has no [transport.webhook]")
        }
        let signing = partner.transport.settings.table("signing") ?? [:]
        guard let env = hook.string("secret_env"), let secret = environment[env], !secret.isEmpty else {
            throw TransportError(.configuration, "\(partner.id): the webhook secret's environment variable is not set")
        }
        return RequestSigning(clientID: hook.string("client_id") ?? partner.clientID, clientHeader: signing.string("client_header") ?? "X-Client",
                              timestampHeader: signing.string("timestamp_header") ?? "X-Timestamp",
                              signatureHeader: signing.string("signature_header") ?? "X-Signature",
                              stringToSign: signing.string("string_to_sign") ?? "{timestamp}\n{method}\n{path}\n{body_sha256}",
                              maxSkewSeconds: signing.int("max_skew_seconds") ?? 300, secret: Array(secret.utf8))
    }

    /// A path from a partner file: absolute as written, else relative to the installation root.
    public func path(_ p: String) -> String {
        p.hasPrefix("/") ? p : URL(fileURLWithPath: root).appendingPathComponent(p).standardizedFileURL.path
    }
}
