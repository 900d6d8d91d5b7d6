import HandoffConfig

extension PartnerLoader {
    /// Reads and checks `[transport]` into a ``TransportSpec``: every problem is added with its
    /// key, and `nil` is returned when the table cannot be used.
    static func readTransport(_ t: TableReader?, _ problems: ConfigProblems) -> TransportSpec? {
        guard let t else {
            problems.add("transport", "is required: kind = \"local\", \"sftp\" or \"https\"")
            return nil
        }
        let kindName = t.string("kind", default: "")
        guard let kind = TransportSpec.Kind(rawValue: kindName) else {
            problems.add(t.keyPath("kind"), "'\(kindName)' is not local, sftp or https")
            return nil
        }
        let timeout = t.int("timeout_seconds", default: 60, range: 1...3600)
        func required(_ key: String, _ why: String) -> String {
            if !t.has(key) { problems.add(t.keyPath(key), why); return "" }
            return t.requiredString(key) ?? ""
        }
        let link: TransportSpec.Link
        switch kind {
        case .local:
            let outbox = required("outbox", "is required for a local transport")
            let inbox = required("inbox", "is required for a local transport")
            link = .local(LocalFolders(outbox: outbox, inbox: inbox))
        case .sftp:
            let host = required("host", "is required for SFTP")
            let port = t.int("port", default: 22, range: 1...65535)
            let user = required("user", "is required for SFTP")
            let key = required("private_key_file", "is required for SFTP")
            if key.contains("BEGIN") {
                problems.add(t.keyPath("private_key_file"), "must be the path of a key file, never the key itself")
            }
            let passphrase = secret(t, env: "passphrase_env", file: "passphrase_file")
            let hostKey = t.string("host_key_sha256"), knownHosts = t.string("known_hosts_file")
            if hostKey == nil && knownHosts == nil {
                problems.add(
                    t.path,
                    "the server's host key must be pinned: set host_key_sha256 "
                        + "(the SHA-256 fingerprint the agency gave you) "
                             + "or known_hosts_file; Handoff never connects to an unverified host")
            }
            let upload = required("upload_dir", "is required for SFTP")
            let download = required("download_dir", "is required for SFTP")
            link = .sftp(
                SFTPLink(
                    host: host, port: port, user: user, privateKeyFile: key, passphrase: passphrase,
                    hostKeySHA256: hostKey,
                    knownHostsFile: knownHosts, uploadDir: upload, downloadDir: download))
        case .https:
            let baseURL = required("base_url", "is required for HTTPS")
            if !baseURL.isEmpty && !baseURL.hasPrefix("https://") {
                problems.add(t.keyPath("base_url"), "must start with https://")
            }
            let ca = required("ca_file", "is required for HTTPS")
            let rate = t.int("requests_per_second")
            if let rate, rate < 1 { problems.add(t.keyPath("requests_per_second"), "must be at least 1") }
            if t.has("webhook") && !t.has("signing") {
                problems.add(t.keyPath("webhook"), "is signed as [transport.signing] says: that table is needed too")
            }
            link = .https(HTTPSLink(
                    baseURL: baseURL, caFile: ca, clientCertificateFile: t.string("client_certificate_file"),
                    clientKeyFile: t.string("client_key_file"),
                pinnedPublicKeySHA256: t.string("pinned_public_key_sha256"), requestsPerSecond: rate,
                signing: t.table("signing").flatMap { readSigning($0, problems) },
                placement: t.table("placement").flatMap(readBatchRequest),
                receipt: t.table("receipt").flatMap(readReceipt),
                events: t.table("events").flatMap(readEventFeed),
                requests: t.table("requests").map(readRequests) ?? [:],
                webhook: t.table("webhook").flatMap { readWebhook($0) }))
        }
        // Every key a transport of this kind does not know is named (a misspelt key is never ignored).
        for key in t.table.keys.sorted() where !known(kind).contains(key) {
            problems.add(t.keyPath(key), "is not a known key of a \(kind.rawValue) transport")
        }
        return TransportSpec(link: link, timeoutSeconds: timeout)
    }

    /// The keys of each kind of transport.
    static func known(_ kind: TransportSpec.Kind) -> Set<String> {
        switch kind {
        case .local: return ["kind", "timeout_seconds", "outbox", "inbox"]
        case .sftp:
            return [
                "kind", "timeout_seconds", "host", "port", "user", "private_key_file", "passphrase_env",
                "passphrase_file", "host_key_sha256",
                "known_hosts_file", "upload_dir", "download_dir"]
        case .https:
            return [
                "kind", "timeout_seconds", "base_url", "ca_file", "client_certificate_file", "client_key_file",
                "pinned_public_key_sha256",
                "signing", "requests_per_second", "events", "placement", "receipt", "requests", "webhook"]
        }
    }

    /// A secret named by `env` (an environment variable, which wins when both are named) or
    /// `file`; `literal` (`secret`), when given, is refused: a secret is never written in a partner file.
    static func secret(_ t: TableReader, env: String, file: String, literal: String? = nil) -> SecretSource? {
        if let literal, t.has(literal) {
            _ = t.string(literal)
            t.problems.add(t.keyPath(literal), "a secret is never written in a partner file: use \(env) or \(file)")
        }
        let e = t.string(env), f = t.string(file)
        if e?.isEmpty == true {
            t.problems.add(t.keyPath(env), "must not be empty: the name of an environment variable")
        }
        // The environment variable wins when both are named.
        if let e, !e.isEmpty { return .environment(e) }
        return f.map { .file($0) }
    }

    static func readSigning(_ s: TableReader, _ problems: ConfigProblems) -> RequestSigningSpec? {
        let scheme = s.requiredString("scheme") ?? ""
        if !scheme.isEmpty && scheme != "hmac-sha256" {
            problems.add(s.keyPath("scheme"), "'\(scheme)' is not a known scheme (hmac-sha256)")
        }
        if s.has("secret") {
            problems.add(
                s.keyPath("secret"), "a secret is never written in a partner file: use secret_env or secret_file")
        }
        _ = s.string("secret")
        let secret = self.secret(s, env: "secret_env", file: "secret_file")
        if secret == nil {
            problems.add(s.path, "needs secret_env or secret_file: a secret is never written in a partner file")
        }
        // The headers and the text signed are the agency's own: each is required (no agency's values are assumed).
        let client = s.requiredString("client_header"), timestamp = s.requiredString("timestamp_header")
        let signature = s.requiredString("signature_header"), text = s.requiredString("string_to_sign")
        let skew = s.int("max_skew_seconds", default: 300, range: 1...86_400)
        let clientID = s.string("client_id")
        s.rejectUnknownKeys()
        guard let secret, let client, let timestamp, let signature, let text else { return nil }
        return RequestSigningSpec(
            scheme: scheme, secret: secret, clientID: clientID, clientHeader: client, timestampHeader: timestamp,
            signatureHeader: signature, stringToSign: text, maxSkewSeconds: skew)
    }

    static func readBatchRequest(_ p: TableReader) -> BatchRequestSpec? {
        let method = p.requiredString("method"), path = p.requiredString("path"), type = p.string("content_type")
        if let path, !path.contains("{batch.id}") {
            p.problems.add(p.keyPath("path"), "must hold {batch.id}: the batch id names the batch")
        }
        p.rejectUnknownKeys()
        guard let method, let path else { return nil }
        return BatchRequestSpec(method: method, path: path, contentType: type)
    }

    static func readReceipt(_ r: TableReader) -> ReceiptSpec? {
        // The receipt of a placement batch, polled until its status is final (status_field, final).
        if !r.has("path") { r.problems.add(r.path, "needs path, the receipt's path with {batch.id}") }
        let path = r.string("path")
        let field = r.string("status_field")
        let final = r.stringArray("final")
        if r.has("status_field") != r.has("final") {
            r.problems.add(
                r.path,
                "status_field and final go together: the receipt field that tells its status, "
                    + "and the statuses after which it is no longer polled"
            )
        }
        r.rejectUnknownKeys()
        guard let path else { return nil }
        return ReceiptSpec(path: path, statusField: field, final: final ?? [])
    }

    static func readEventFeed(_ e: TableReader) -> EventFeedSpec? {
        let path = e.requiredString("path")
        if let path, !path.contains("{cursor}") {
            e.problems.add(e.keyPath("path"), "must hold {cursor}: where the feed is read from")
        }
        // The shape of the agency's pages is its own: each name is required.
        let items = e.requiredString("items"), next = e.requiredString("next"), id = e.requiredString("id"),
            type = e.requiredString("type")
        let start = e.requiredString("start"), order = e.string("order")
        e.rejectUnknownKeys()
        guard let path, let items, let next, let id, let type, let start else { return nil }
        return EventFeedSpec(path: path, items: items, next: next, id: id, type: type, start: start, order: order)
    }

    static func readRequests(_ t: TableReader) -> [String: AgencyRequestSpec] {
        var out: [String: AgencyRequestSpec] = [:]
        for kind in t.table.keys.sorted() {
            guard let r = t.table(kind) else { continue }
            let method = r.requiredString("method"), path = r.requiredString("path")
            var fields: [String: String] = [:]
            if let f = r.table("fields") {
                for name in f.table.keys.sorted() { if let template = f.string(name) { fields[name] = template } }
            }
            let integers = Set(r.stringArray("integer_fields") ?? [])
            for name in integers.sorted() where fields[name] == nil {
                r.problems.add(r.keyPath("integer_fields"), "names '\(name)', which is not one of its fields")
            }
            r.rejectUnknownKeys()
            if let method, let path {
                out[kind] = AgencyRequestSpec(method: method, path: path, fields: fields, integerFields: integers)
            }
        }
        return out
    }

    static func readWebhook(_ w: TableReader) -> WebhookSpec? {
        let clientID = w.string("client_id")
        let secret = self.secret(w, env: "secret_env", file: "secret_file", literal: "secret")
        if secret == nil {
            w.problems.add(w.path, "needs secret_env or secret_file: the secret the agency signs its pushes with")
        }
        w.rejectUnknownKeys()
        return secret.map { WebhookSpec(clientID: clientID, secret: $0) }
    }
}
