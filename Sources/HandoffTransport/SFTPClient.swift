import CCurl
import Foundation

/// An SFTP server and how to log in to it. The host key must be pinned: Handoff never talks
/// to a server it cannot verify.
public struct SFTPEndpoint: Sendable {
    public var host: String
    public var port: Int
    public var user: String
    /// An Ed25519 or ECDSA private key. (libssh2 1.10, which libcurl uses here, signs only with
    /// SHA-1 `ssh-rsa`, which current OpenSSH refuses: RSA keys fail to authenticate.)
    public var privateKeyFile: String
    /// The key's passphrase, already read from the file or environment variable the partner
    /// file names. Never logged.
    public var passphrase: String?
    /// Base64 SHA-256 fingerprint of the server's host key, as `ssh-keygen -lf` prints it
    /// after `SHA256:`.
    public var hostKeySHA256: String?
    /// A known_hosts file holding the server's key, instead of a fingerprint.
    public var knownHostsFile: String?
    /// Connecting may take at most this (and never more than 30 s); a transfer in which no
    /// byte moves for this long is aborted.
    public var timeoutSeconds: Int
    /// The run's time budget for this agency: no operation starts after it (one under way
    /// is bounded by the timeouts above, not cut while it moves).
    public var deadline: Deadline?

    public init(host: String, port: Int = 22, user: String, privateKeyFile: String, passphrase: String? = nil,
        hostKeySHA256: String? = nil, knownHostsFile: String? = nil, timeoutSeconds: Int = 60, deadline: Deadline? = nil
    ) {
        self.deadline = deadline
        self.host = host
        self.port = port
        self.user = user
        self.privateKeyFile = privateKeyFile
        self.passphrase = passphrase
        self.hostKeySHA256 = hostKeySHA256
        self.knownHostsFile = knownHostsFile
        self.timeoutSeconds = timeoutSeconds
    }
}

/// What an upload did.
public enum UploadOutcome: Equatable, Sendable {
    /// The file was sent and is now under its final name, with this size.
    case uploaded(size: Int64)
    /// A file of that name and the same content (SHA-256) was already there (sent by an
    /// earlier attempt that crashed after its rename): nothing was sent again.
    case alreadyPresent(size: Int64)
}

/// SFTP through libcurl: upload under a `.part` name then rename, never overwrite, list,
/// download and delete. Blocking; call from a thread that may block (never Swift's cooperative pool).
public struct SFTPClient: Sendable {
    public let endpoint: SFTPEndpoint

    /// Refuses an endpoint without a pinned host key before any connection is attempted.
    public init(endpoint: SFTPEndpoint) throws {
        guard (endpoint.hostKeySHA256?.isEmpty == false) || (endpoint.knownHostsFile?.isEmpty == false) else {
            throw TransportError(
                .hostKeyNotPinned,
                "\(endpoint.host): no host key is pinned (host_key_sha256 or known_hosts_file); "
                    + "Handoff never connects to an unverified server"
            )
        }
        self.endpoint = endpoint
    }

    private func url(_ path: String) -> String {
        let encoded = path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path
        return "sftp://\(endpoint.host):\(endpoint.port)\(encoded.hasPrefix("/") ? "" : "/")\(encoded)"
    }

    /// Runs a transfer, explaining an authentication failure with an RSA key: libssh2 1.10
    /// signs only with SHA-1 `ssh-rsa`, which OpenSSH 8.8 and later refuse.
    private func perform(_ curl: CurlEasy) throws {
        do { try curl.perform() } catch var e as TransportError where e.kind == .authentication {
            let publicKey = (try? String(contentsOfFile: endpoint.privateKeyFile + ".pub", encoding: .utf8)) ?? ""
            let privateKey = (try? String(contentsOfFile: endpoint.privateKeyFile, encoding: .utf8)) ?? ""
            if publicKey.hasPrefix("ssh-rsa") || privateKey.contains("BEGIN RSA PRIVATE KEY") {
                e.message +=
                    " (this is an RSA key: the libssh2 that libcurl uses here signs only with SHA-1 ssh-rsa, "
                        + "which current OpenSSH refuses; use an Ed25519 or ECDSA key)"
            }
            throw e
        }
    }

    /// A handle set up for `path`: a new one, or `reusing` one made before (reset, its
    /// connection kept, so that several operations share one SSH session).
    private func handle(_ path: String, reusing previous: CurlEasy? = nil) throws -> CurlEasy {
        if let deadline = endpoint.deadline, deadline.isSpent { throw deadline.spent(url(path)) }
        let curl: CurlEasy
        if let previous {
            try previous.reset()
            curl = previous
        } else {
            curl = try CurlEasy()
        }
        curl.what = url(path)
        try curl.set(CURLOPT_URL, url(path))
        try curl.set(CURLOPT_USERNAME, endpoint.user)
        try curl.set(CURLOPT_SSH_AUTH_TYPES, Int(CURLSSH_AUTH_PUBLICKEY))
        try curl.set(CURLOPT_SSH_PRIVATE_KEYFILE, endpoint.privateKeyFile)
        if FileManager.default.fileExists(atPath: endpoint.privateKeyFile + ".pub") {
            try curl.set(CURLOPT_SSH_PUBLIC_KEYFILE, endpoint.privateKeyFile + ".pub")
        }
        if let passphrase = endpoint.passphrase { try curl.set(CURLOPT_KEYPASSWD, passphrase) }
        if let fingerprint = endpoint.hostKeySHA256, !fingerprint.isEmpty {
            let bare = fingerprint.hasPrefix("SHA256:") ? String(fingerprint.dropFirst(7)) : fingerprint
            try curl.set(CURLOPT_SSH_HOST_PUBLIC_KEY_SHA256, bare)
        }
        if let known = endpoint.knownHostsFile, !known.isEmpty { try curl.set(CURLOPT_SSH_KNOWNHOSTS, known) }
        try curl.set(CURLOPT_CONNECTTIMEOUT, min(endpoint.timeoutSeconds, 30))
        // Abort a transfer in which no byte moves for the whole timeout (libcurl's low-speed
        // check, which averages over seconds, stays as a backstop). One that keeps moving is
        // never cut: a large file on a slow line must be able to finish in some run.
        try curl.set(CURLOPT_LOW_SPEED_LIMIT, 1)
        try curl.set(CURLOPT_LOW_SPEED_TIME, endpoint.timeoutSeconds)
        try curl.watch(stallSeconds: endpoint.timeoutSeconds, deadline: nil)
        return curl
    }

    /// The size of a remote file, or `nil` when there is none.
    public func size(of path: String) throws -> Int64? {
        try size(of: path, on: nil)
    }

    private func size(of path: String, on previous: CurlEasy?) throws -> Int64? {
        let curl = try handle(path, reusing: previous)
        try curl.set(CURLOPT_NOBODY, 1)
        do { try perform(curl) } catch let e as TransportError where e.kind == .remoteFileMissing {
            return nil
        }
        return curl.infoOffset(CURLINFO_CONTENT_LENGTH_DOWNLOAD_T)
    }

    /// The size and SHA-256 of a remote file, read back whole (in constant memory), or `nil`
    /// when there is none.
    public func digest(of path: String) throws -> (size: Int64, sha256: String)? {
        try digest(of: path, on: nil)
    }

    private func digest(of path: String, on previous: CurlEasy?) throws -> (size: Int64, sha256: String)? {
        let sized = try handle(path, reusing: previous)
        guard try size(of: path, on: sized) != nil else { return nil }
        let curl = try handle(path, reusing: sized)
        let sink = HashingSink()
        try curl.set(CURLOPT_WRITEFUNCTION, callback: HashingSink.callback)
        try withExtendedLifetime(sink) {
            try curl.set(CURLOPT_WRITEDATA, pointer: Unmanaged.passUnretained(sink).toOpaque())
            do { try perform(curl) } catch let e as TransportError where e.kind == .remoteFileMissing { return }
        }
        return (sink.count, sink.hex)
    }

    /// Uploads `localPath` into `directory` as `name`: first checks whether a file of that
    /// name is there, and counts it as delivered only when its content is ours (read back and
    /// hashed: an earlier attempt that crashed after its rename); any other file of that name
    /// is a ``TransportError/Kind/conflict`` and nothing is sent. Then writes `name.part`,
    /// renames it with an absolute path, and checks the size that arrived. `sha256` is the
    /// local file's (computed when not given).
    public func upload(localPath: String, directory: String, name: String, sha256: String? = nil) throws
        -> UploadOutcome
    {
        let final = directory.hasSuffix("/") ? directory + name : directory + "/" + name
        let attributes = try? FileManager.default.attributesOfItem(atPath: localPath)
        guard let localSize = (attributes?[.size] as? NSNumber)?.int64Value else {
            throw TransportError(.localFile, "\(localPath) cannot be read")
        }
        // One connection (one SSH session) for the check, the upload and rename, and the size
        // check. Our SHA-256 is computed only when a file of that name is there to compare.
        let connection = try CurlEasy()
        if let present = try digest(of: final, on: connection) {
            let ours = try sha256 ?? HTTPSClient.sha256(file: localPath)
            guard present.sha256 == ours else {
                throw conflict(final, name: name, present: present, ours: (localSize, ours))
            }
            return .alreadyPresent(size: present.size)
        }
        let part = final + ".part"
        let curl = try handle(part, reusing: connection)
        let file = try curl.open(localPath, mode: "rb")
        try curl.set(CURLOPT_UPLOAD, 1)
        try curl.set(CURLOPT_READDATA, pointer: UnsafeMutableRawPointer(file))
        try curl.set(CURLOPT_INFILESIZE_LARGE, offset: localSize)
        try curl.set(CURLOPT_UPLOAD_BUFFERSIZE, 2 << 20)
        try curl.set(CURLOPT_POSTQUOTE, list: ["rename \"\(part)\" \"\(final)\""])
        do { try perform(curl) } catch var e as TransportError where e.kind == .permission {
            e.message = "the agency's folder \(directory) refused the write of \(name).part (\(e.message))"
            throw e
        } catch let e as TransportError where e.kind == .renameFailed {
            // The rename is refused when the final name appeared meanwhile (another sender):
            // ours only if its content is.
            guard let present = try digest(of: final, on: connection) else { throw e }
            let ours = try sha256 ?? HTTPSClient.sha256(file: localPath)
            guard present.sha256 == ours else {
                throw conflict(final, name: name, present: present, ours: (localSize, ours))
            }
            try? delete(path: part, on: connection)
            return .alreadyPresent(size: present.size)
        }
        guard let arrived = try size(of: final, on: connection) else {
            throw TransportError(.renameFailed, "\(url(final)) is missing after the upload and rename")
        }
        guard arrived == localSize else {
            throw TransportError(.network, "\(url(final)) holds \(arrived) bytes, \(localSize) were sent")
        }
        return .uploaded(size: arrived)
    }

    private func conflict(
        _ final: String, name: String, present: (size: Int64, sha256: String), ours: (size: Int64, sha256: String)
    ) -> TransportError {
        TransportError(
            .conflict,
            "a different file named \(name) is already at the agency (\(url(final)): \(present.size) bytes, SHA-256 "
                + "\(present.sha256.prefix(12))…; ours: \(ours.size) bytes, SHA-256 \(ours.sha256.prefix(12))…); "
                + "nothing was sent: "
                       + "ask the agency what it is, and once it is moved away `handoff outbox retry` sends ours")
    }

    /// The names in a remote directory (without `.` and `..`).
    public func list(directory: String) throws -> [String] {
        let dir = directory.hasSuffix("/") ? directory : directory + "/"
        let curl = try handle(dir)
        let collector = ByteCollector()
        try curl.set(CURLOPT_DIRLISTONLY, 1)
        try curl.set(CURLOPT_WRITEFUNCTION, callback: ByteCollector.callback)
        try withExtendedLifetime(collector) {
            try curl.set(CURLOPT_WRITEDATA, pointer: Unmanaged.passUnretained(collector).toOpaque())
            try perform(curl)
        }
        return String(decoding: collector.bytes, as: UTF8.self).split(whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map(String.init).filter { $0 != "." && $0 != ".." && !$0.isEmpty }.sorted()
    }

    /// Downloads a remote file to `localPath` (written under a temporary name, synced, then
    /// renamed). Returns its size. A local write that fails (a full disk) names the local path.
    public func download(path: String, to localPath: String) throws -> Int64 {
        let temporary = localPath + ".download"
        let curl = try handle(path)
        let sink = try FileSink(path: temporary)
        try curl.set(CURLOPT_WRITEFUNCTION, callback: FileSink.callback)
        do {
            try withExtendedLifetime(sink) {
                try curl.set(CURLOPT_WRITEDATA, pointer: Unmanaged.passUnretained(sink).toOpaque())
                try perform(curl)
            }
            try sink.sync()
        } catch {
            unlink(temporary)
            if sink.error != 0 {
                throw TransportError.local(
                    temporary, errno: sink.error, doing: "writing \(url(path)) there; the file stays at the agency")
            }
            throw error
        }
        guard rename(temporary, localPath) == 0 else {
            let e = errno
            unlink(temporary)
            throw TransportError.local(localPath, errno: e, doing: "renaming the download")
        }
        return sink.written
    }

    /// Deletes a remote file.
    public func delete(path: String) throws {
        try delete(path: path, on: nil)
    }

    private func delete(path: String, on previous: CurlEasy?) throws {
        let slash = path.lastIndex(of: "/") ?? path.startIndex
        let curl = try handle(String(path[..<slash]) + "/", reusing: previous)
        try curl.set(CURLOPT_NOBODY, 1)
        try curl.set(CURLOPT_QUOTE, list: ["rm \"\(path)\""])
        do { try perform(curl) } catch let e as TransportError where e.kind == .renameFailed {
            // A refused quote command here is the delete, not a rename.
            let denied = e.message.localizedCaseInsensitiveContains("permission denied")
            throw TransportError(denied ? .permission : .other,
                "the agency's server refused to delete \(url(path)) (\(e.message))", curlCode: e.curlCode)
        }
    }
}
