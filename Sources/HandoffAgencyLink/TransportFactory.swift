public import Foundation
public import HandoffPartners
public import HandoffTransport

/// Builds what talks to an agency from its partner file: the transport that delivers files
/// (``transport(for:)``), the folder its returns are fetched from (``source(for:)``), its
/// HTTPS endpoint (``httpsEndpoint(for:)``) and webhook signing, and OpenPGP sealing and
/// opening (`TransportFactory+OpenPGP.swift`). Secrets (key passphrases, signing secrets) are
/// read here from the environment variable or file the partner file names, never from the
/// partner file itself.
public struct TransportFactory: Sendable {
    /// The installation root: relative paths in partner files start here.
    public let root: String
    public let environment: [String: String]
    /// Each agency's time budget in this run (one factory per run of a command or job).
    public let budget: TransportBudget

    public init(
        root: String, environment: [String: String] = ProcessInfo.processInfo.environment,
        budget: TransportBudget = TransportBudget()
    ) {
        self.root = root
        self.environment = environment
        self.budget = budget
    }

    /// The partner's `timeout_seconds` (60 when its partner file gives none).
    public func timeoutSeconds(for partner: Partner) -> Int {
        partner.transport.timeoutSeconds
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

    /// How files reach the partner.
    public func transport(for partner: Partner) throws -> any FileTransport {
        switch partner.transport.link {
        case .local(let folders):
            return LocalFolderTransport(directory: path(folders.outbox))
        case .sftp(let sftp):
            return SFTPFileTransport(client: try sftpClient(sftp, partner: partner), directory: sftp.uploadDir)
        case .https(let https):
            guard let placement = https.placement else {
                throw TransportError(
                    .configuration,
                    "\(partner.id): [transport] placement = { method, path, content_type } is needed to send batches")
            }
            return HTTPSBatchTransport(
                client: HTTPSClient(endpoint: try httpsEndpoint(for: partner)), method: placement.method,
                path: placement.path, contentType: placement.contentType)
        }
    }

    /// Where a partner's returned files are fetched from.
    public func source(for partner: Partner) throws -> any FileSource {
        switch partner.transport.link {
        case .local(let folders):
            return LocalFolderSource(directory: path(folders.inbox))
        case .sftp(let sftp):
            return SFTPSource(client: try sftpClient(sftp, partner: partner), directory: sftp.downloadDir)
        case .https:
            throw TransportError(
                .configuration, "\(partner.id): an HTTPS partner returns events through its feed, not files")
        }
    }

    /// The SFTP client of a partner: its host, pinned host key, user and key (with its passphrase).
    func sftpClient(_ sftp: SFTPLink, partner: Partner) throws -> SFTPClient {
        let passphrase = try secret(sftp.passphrase, key: "passphrase", partner: partner, emptyAllowed: true)
        let endpoint = SFTPEndpoint(
            host: sftp.host, port: sftp.port, user: sftp.user, privateKeyFile: path(sftp.privateKeyFile),
            passphrase: passphrase, hostKeySHA256: sftp.hostKeySHA256, knownHostsFile: sftp.knownHostsFile.map(path),
            timeoutSeconds: timeoutSeconds(for: partner), deadline: deadline(for: partner))
        return try SFTPClient(endpoint: endpoint)
    }

    /// The HTTPS settings of a partner, or a configuration error naming it.
    public func https(of partner: Partner) throws -> HTTPSLink {
        guard let https = partner.transport.https else {
            throw TransportError(
                .configuration,
                "\(partner.id) has no HTTPS transport (its [transport] kind is \(partner.transport.kind.rawValue))")
        }
        return https
    }

    /// The HTTPS endpoint of a partner: its CA, client certificate and signing secret.
    public func httpsEndpoint(for partner: Partner) throws -> HTTPSEndpoint {
        let https = try https(of: partner)
        var signing: RequestSigning?
        if let spec = https.signing {
            guard let secret = try secret(spec.secret, key: "signing secret", partner: partner) else {
                throw TransportError(.configuration, "\(partner.id): signing needs secret_env or secret_file")
            }
            signing = requestSigning(spec, clientID: spec.clientID ?? partner.clientID, secret: secret)
        }
        return HTTPSEndpoint(
            baseURL: https.baseURL, caFile: path(https.caFile),
            clientCertificateFile: https.clientCertificateFile.map(path),
            clientKeyFile: https.clientKeyFile.map(path), pinnedPublicKey: https.pinnedPublicKeySHA256,
            timeoutSeconds: timeoutSeconds(for: partner), signing: signing, deadline: deadline(for: partner))
    }

    /// How an agency's webhook pushes are signed: `[transport.webhook]` (its own client id and
    /// secret, such as Meridian's `MCC`), with the header names and string to sign of its
    /// request signing.
    public func webhookSigning(for partner: Partner) throws -> RequestSigning {
        let https = try https(of: partner)
        guard let hook = https.webhook else {
            throw TransportError(.configuration, "\(partner.id) has no [transport.webhook]")
        }
        guard let signing = https.signing else {
            throw TransportError(
                .configuration,
                "\(partner.id): [transport.webhook] is signed as [transport.signing] says, and there is none")
        }
        guard let secret = try secret(hook.secret, key: "webhook secret", partner: partner) else {
            throw TransportError(.configuration, "\(partner.id): the webhook secret's environment variable is not set")
        }
        return requestSigning(signing, clientID: hook.clientID ?? partner.clientID, secret: secret)
    }

    /// Request signing as `[transport.signing]` describes it.
    private func requestSigning(_ spec: RequestSigningSpec, clientID: String, secret: String) -> RequestSigning {
        RequestSigning(clientID: clientID, clientHeader: spec.clientHeader, timestampHeader: spec.timestampHeader,
            signatureHeader: spec.signatureHeader, stringToSign: spec.stringToSign, maxSkewSeconds: spec.maxSkewSeconds,
            secret: Array(secret.utf8))
    }

    /// A path from a partner file: absolute as written, else relative to the installation root.
    public func path(_ p: String) -> String {
        p.hasPrefix("/") ? p : URL(fileURLWithPath: root).appendingPathComponent(p).standardizedFileURL.path
    }
}
