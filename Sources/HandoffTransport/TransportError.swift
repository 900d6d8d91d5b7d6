import Foundation

/// Why a transfer failed, in words that say what to do about it. `isPermanent` tells the
/// outbox whether trying again later can help.
public struct TransportError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        /// The server's host key is not the pinned one: never retried.
        case hostKeyMismatch = "host_key_mismatch"
        /// No host key is pinned for the partner: Handoff refuses to connect at all.
        case hostKeyNotPinned = "host_key_not_pinned"
        case authentication
        /// The TLS handshake or certificate check failed.
        case tls
        case connectionRefused = "connection_refused"
        case timedOut = "timed_out"
        case remoteFileMissing = "remote_file_missing"
        /// The `.part` file could not be renamed to its final name.
        case renameFailed = "rename_failed"
        /// A file of that name, with other content, is already at the agency: a person must
        /// find out what it is. Never retried, and never counted as delivered.
        case conflict
        /// The server refused an operation after a successful login (its folder refuses the
        /// write, or the delete): its permissions must change.
        case permission
        /// The server answered with an HTTP status that is an error.
        case http
        case network
        case localFile = "local_file"
        /// This machine's disk is full (or the user's quota spent) where Handoff writes: the
        /// message names the path. Temporary: once there is space, the next run goes on.
        case noSpace = "no_space"
        case configuration
        case other
    }

    public var kind: Kind
    public var message: String
    /// libcurl's code, when libcurl reported the failure.
    public var curlCode: Int?
    /// The HTTP status, for `.http`.
    public var httpStatus: Int?
    /// Seconds the server asked to wait (`Retry-After`).
    public var retryAfter: Int?

    public init(_ kind: Kind, _ message: String, curlCode: Int? = nil, httpStatus: Int? = nil, retryAfter: Int? = nil) {
        self.kind = kind
        self.message = message
        self.curlCode = curlCode
        self.httpStatus = httpStatus
        self.retryAfter = retryAfter
    }

    /// Whether retrying cannot help: a wrong host key, key or certificate stays wrong until a person fixes it.
    public var isPermanent: Bool {
        switch kind {
        case .hostKeyMismatch, .hostKeyNotPinned, .authentication, .tls, .configuration, .localFile, .conflict,
            .permission:
            return true
        case .http:
            guard let s = httpStatus else { return false }
            return s >= 400 && s < 500 && s != 408 && s != 429
        case .connectionRefused, .timedOut, .remoteFileMissing, .renameFailed, .network, .noSpace, .other: return false
        }
    }

    public var description: String { "\(kind.rawValue): \(message)" }

    /// A failure to write or read a local file, from its `errno`, naming the path: a full
    /// disk or quota is ``Kind/noSpace``, anything else ``Kind/localFile``.
    public static func local(_ path: String, errno code: Int32, doing: String) -> TransportError {
        switch code {
        case ENOSPC, EDQUOT:
            return TransportError(
                .noSpace,
                "\(path): no space left on the device (\(doing)): free some space there; the next run tries again")
        case EFBIG:
            return TransportError(
                .localFile, "\(path): file too large for this process's file size limit (ulimit -f) (\(doing))")
        default:
            return TransportError(.localFile, "\(path): \(String(cString: strerror(code))) (\(doing))")
        }
    }
}
