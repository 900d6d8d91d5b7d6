import HandoffConfig

/// How files reach the agency and come back: the `[transport]` table of a partner file,
/// checked and typed when the file loads (`handoff partners check` names every problem in
/// it). A value an agency needs is required in its partner file; the few defaults are
/// generic (see partners.md, "Transport").
public struct TransportSpec: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        /// Folders on this machine or a mounted share.
        case local
        /// SFTP with public-key authentication and a pinned host key.
        case sftp
        /// An HTTPS API with mutual TLS.
        case https
    }

    /// The kind of link, with its settings.
    public enum Link: Sendable {
        case local(LocalFolders)
        case sftp(SFTPLink)
        case https(HTTPSLink)
    }

    public var link: Link
    /// Seconds one network operation may take (`timeout_seconds`; 60 when absent). A run
    /// gives each agency twice this in all.
    public var timeoutSeconds: Int
    public init(link: Link, timeoutSeconds: Int = 60) {
        self.link = link
        self.timeoutSeconds = timeoutSeconds
    }

    public var kind: Kind {
        switch link {
        case .local: return .local
        case .sftp: return .sftp
        case .https: return .https
        }
    }

    /// The HTTPS settings, for an `https` partner.
    public var https: HTTPSLink? {
        if case .https(let h) = link { return h }
        return nil
    }
}

/// Where a secret is kept: an environment variable or a file, never the partner file.
public enum SecretSource: Sendable, Hashable {
    /// `…_env`: the name of an environment variable.
    case environment(String)
    /// `…_file`: a file (relative paths start at the installation root); trailing newlines are not part of the secret.
    case file(String)
}

/// `kind = "local"`: folders on this machine or a mounted share.
public struct LocalFolders: Sendable, Hashable {
    /// Where files for the agency are put.
    public var outbox: String
    /// Where the agency's files are taken from.
    public var inbox: String
}

/// `kind = "sftp"`.
public struct SFTPLink: Sendable, Hashable {
    public var host: String
    /// 22 when absent (SFTP's own port).
    public var port: Int
    public var user: String
    public var privateKeyFile: String
    /// The private key's passphrase, if it has one.
    public var passphrase: SecretSource?
    /// The server's pinned host key: its SHA-256 fingerprint, or a known_hosts file (one at least).
    public var hostKeySHA256: String?
    public var knownHostsFile: String?
    public var uploadDir: String
    public var downloadDir: String
}

/// `kind = "https"`.
public struct HTTPSLink: Sendable {
    /// `https://…`.
    public var baseURL: String
    /// The agency's CA (the system store is never used).
    public var caFile: String
    public var clientCertificateFile: String?
    public var clientKeyFile: String?
    public var pinnedPublicKeySHA256: String?
    public var requestsPerSecond: Int?
    /// How each request is signed.
    public var signing: RequestSigningSpec?
    /// How a placement batch is sent (`placement`).
    public var placement: BatchRequestSpec?
    /// How a sent batch's receipt is polled (`receipt`).
    public var receipt: ReceiptSpec?
    /// The agency's event feed (`events`).
    public var events: EventFeedSpec?
    /// Requests about one account, by kind (`[transport.requests]`).
    public var requests: [String: AgencyRequestSpec]
    /// How the agency's webhook pushes are signed (`[transport.webhook]`).
    public var webhook: WebhookSpec?
}

/// `[transport.signing]`: HMAC-SHA256 of `string_to_sign`, sent in three headers.
public struct RequestSigningSpec: Sendable, Hashable {
    /// `hmac-sha256`, the one scheme there is.
    public var scheme: String
    public var secret: SecretSource
    /// The client id sent; the partner's `client_id` when absent.
    public var clientID: String?
    public var clientHeader: String
    public var timestampHeader: String
    public var signatureHeader: String
    /// With `{timestamp}`, `{method}`, `{path}`, `{body_sha256}`.
    public var stringToSign: String
    /// How far the agency's clock may be from ours on a webhook push (300 s when absent).
    public var maxSkewSeconds: Int
}

/// `placement = { method, path, content_type }`: one request per batch.
public struct BatchRequestSpec: Sendable, Hashable {
    public var method: String
    /// With `{batch.id}`.
    public var path: String
    public var contentType: String?
}

/// `receipt = { path, status_field, final }`.
public struct ReceiptSpec: Sendable, Hashable {
    /// With `{batch.id}`.
    public var path: String
    /// The field that tells the receipt's status, and the statuses after which it is no longer polled.
    public var statusField: String?
    public var final: [String]
}

/// `events = { path, items, next, id, type, start, order }`.
public struct EventFeedSpec: Sendable, Hashable {
    /// With `{cursor}`.
    public var path: String
    /// The array of events in a page.
    public var items: String
    /// The page's next cursor.
    public var next: String
    /// An event's unique id.
    public var id: String
    /// An event's type.
    public var type: String
    /// The cursor before the first event.
    public var start: String
    /// The field that orders events, when pushes may arrive out of order.
    public var order: String?
}

/// One kind of request in `[transport.requests]`.
public struct AgencyRequestSpec: Sendable, Hashable {
    public var method: String
    /// With `{account.number}` and `request.*` values.
    public var path: String
    /// JSON fields and their templates.
    public var fields: [String: String]
    /// Fields sent as JSON numbers.
    public var integerFields: Set<String>
}

/// `[transport.webhook]`.
public struct WebhookSpec: Sendable, Hashable {
    /// The client id the agency signs pushes with; the partner's `client_id` when absent.
    public var clientID: String?
    public var secret: SecretSource
}
