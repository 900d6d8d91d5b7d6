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
        /// The server answered with an HTTP status that is an error.
        case http
        case network
        case localFile = "local_file"
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
        case .hostKeyMismatch, .hostKeyNotPinned, .authentication, .tls, .configuration, .localFile: return true
        case .http:
            guard let s = httpStatus else { return false }
            return s >= 400 && s < 500 && s != 408 && s != 429
        case .connectionRefused, .timedOut, .remoteFileMissing, .renameFailed, .network, .other: return false
        }
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}
