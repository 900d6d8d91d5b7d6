import CCurl
import Crypto
public import Foundation
import HandoffDomain

/// An HTTPS API and how to reach it safely: the partner's own CA (not the system store),
/// TLS 1.2 or later, an optional public-key pin, a client certificate for mutual TLS.
public struct HTTPSEndpoint: Sendable {
    /// `https://api.meridian.example/v2`.
    public var baseURL: String
    public var caFile: String
    public var clientCertificateFile: String?
    public var clientKeyFile: String?
    /// `sha256//BASE64` of the server's public key, when the partner pins it.
    public var pinnedPublicKey: String?
    public var timeoutSeconds: Int
    public var signing: RequestSigning?
    /// Attempts for one request (the first included) on 429, 5xx and network failures.
    public var maxAttempts: Int
    /// The run's time budget for this agency: an attempt (the first too) starts only if it
    /// can end (its wait and its whole timeout) before it.
    public var deadline: Deadline?

    public init(baseURL: String, caFile: String, clientCertificateFile: String? = nil, clientKeyFile: String? = nil,
        pinnedPublicKey: String? = nil, timeoutSeconds: Int = 60, signing: RequestSigning? = nil, maxAttempts: Int = 5,
        deadline: Deadline? = nil) {
        self.deadline = deadline
        self.baseURL = baseURL
        self.caFile = caFile
        self.clientCertificateFile = clientCertificateFile
        self.clientKeyFile = clientKeyFile
        self.pinnedPublicKey = pinnedPublicKey
        self.timeoutSeconds = timeoutSeconds
        self.signing = signing
        self.maxAttempts = maxAttempts
    }
}

/// An HTTP response.
public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header names in lower case.
    public var headers: [String: String]
    public var body: [UInt8]
    /// When the answer arrived, by this machine's clock (Unix seconds).
    public var receivedAt: Double = Date().timeIntervalSince1970
    public var text: String { String(decoding: body, as: UTF8.self) }

    public init(
        status: Int, headers: [String: String], body: [UInt8], receivedAt: Double = Date().timeIntervalSince1970
    ) {
        self.status = status
        self.headers = headers
        self.body = body
        self.receivedAt = receivedAt
    }

    /// Seconds this machine's clock is ahead of the server's (negative: behind), from the
    /// answer's `Date` header (whole seconds), or `nil` without one.
    public var clockAhead: Int? {
        guard let text = headers["date"] else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: text) else { return nil }
        return Int((receivedAt - date.timeIntervalSince1970).rounded(.down))
    }
}

/// A request body: bytes in memory, or a file streamed from disk (large batches).
public enum HTTPBody: Sendable {
    case none
    case bytes([UInt8])
    case file(String)
}

/// HTTPS through libcurl. Each request is signed afresh for each attempt; 429 waits for
/// `Retry-After`, 5xx and network failures back off (never faster than once a second), and
/// the same idempotency key goes with every attempt of one request. Other 4xx answers are
/// returned (the caller decides); TLS and certificate failures are permanent errors.
public struct HTTPSClient: Sendable {
    public let endpoint: HTTPSEndpoint
    /// Waits between attempts (tests may shorten nothing: the server's Retry-After is obeyed).
    public var sleep: @Sendable (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }
    public var clock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }

    public init(endpoint: HTTPSEndpoint) {
        self.endpoint = endpoint
    }

    /// Sends a request to `path` (relative to the base URL, with its query string).
    public func request(_ method: String, _ path: String, body: HTTPBody = .none, contentType: String? = nil,
                        idempotencyKey: String? = nil, extraHeaders: [(String, String)] = []) throws -> HTTPResponse {
        let bodySHA256: String
        switch body {
        case .none: bodySHA256 = Hex.encode(SHA256.hash(data: Data()))
        case .bytes(let b): bodySHA256 = Hex.encode(SHA256.hash(data: b))
        case .file(let p): bodySHA256 = try Self.sha256(file: p)
        }
        if let deadline = endpoint.deadline, !fits(0) { throw deadline.spent("\(method) \(path)") }
        var attempt = 0
        while true {
            attempt += 1
            do {
                let response = try once(method, path, body: body, bodySHA256: bodySHA256, contentType: contentType,
                                        idempotencyKey: idempotencyKey, extraHeaders: extraHeaders)
                if response.status == 429 || response.status >= 500 {
                    let retryAfter = response.headers["retry-after"].flatMap {
                        Int($0.trimmingCharacters(in: .whitespaces))
                    }
                    let wait = Double(max(retryAfter ?? (1 << min(attempt - 1, 5)), 1))
                    guard attempt < endpoint.maxAttempts, fits(wait) else {
                        throw TransportError(
                            .http,
                            "\(method) \(path): HTTP \(response.status) "
                                + "after \(attempt) attempt\(attempt == 1 ? "" : "s")"
                                + "\(attempt < endpoint.maxAttempts ? budgetNote : ""): \(response.text.prefix(200))",
                                httpStatus: response.status, retryAfter: retryAfter)
                    }
                    sleep(wait)
                    continue
                }
                return response
            } catch var e as TransportError where !e.isPermanent && e.kind != .http && attempt < endpoint.maxAttempts {
                let wait = Double(max(1, 1 << min(attempt - 1, 5)))
                guard fits(wait) else {
                    e.message += " (after \(attempt) attempt\(attempt == 1 ? "" : "s")\(budgetNote))"
                    throw e
                }
                sleep(wait)
            }
        }
    }

    /// Whether another attempt, after waiting `wait` seconds, can end within the run's budget.
    private func fits(_ wait: Double) -> Bool {
        guard let deadline = endpoint.deadline else { return true }
        return deadline.remaining >= wait + Double(endpoint.timeoutSeconds)
    }

    private var budgetNote: String {
        "; no more attempts in this run: another would not end within its time budget for the agency "
            + "(\(endpoint.deadline?.seconds ?? 0) s, twice timeout_seconds); the next run tries again"
    }

    /// The error for an answer the caller cannot use, `context` saying what was asked. A
    /// refused signed request (401, 403) says whether this machine's clock is off, compared
    /// with the server's `Date` header: a clock minutes off is the usual cause.
    public func failure(_ response: HTTPResponse, _ context: String) -> TransportError {
        var message = "\(context): HTTP \(response.status): \(response.text.prefix(300))"
        if let signing = endpoint.signing, response.status == 401 || response.status == 403 {
            if let ahead = response.clockAhead {
                if abs(ahead) > 30 {
                    // The Date header has whole seconds: the skew is known to about a second, so say it to ten.
                    let about = Int(((Double(abs(ahead)) - 0.5) / 10).rounded()) * 10
                    message +=
                        "; the agency refused the signature; "
                        + "this machine's clock is about \(about) s \(ahead > 0 ? "ahead of" : "behind") the "
                        + "server's (Date header), and signatures are good for \(signing.maxSkewSeconds) s either way: "
                        + "fix the clock (NTP)"
                } else {
                    message +=
                        "; the agency refused the signature; this machine's clock agrees with the server's "
                        + "(Date header, within \(abs(ahead)) s): "
                        + "check the signing secret and client id"
                }
            } else {
                message +=
                    "; the agency refused the signature: check this machine's clock "
                    + "(the server sent no Date header to compare with) "
                    + "and the signing secret"
            }
        }
        return TransportError(.http, message, httpStatus: response.status,
            retryAfter: response.headers["retry-after"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) })
    }

    private func once(_ method: String, _ path: String, body: HTTPBody, bodySHA256: String, contentType: String?,
                      idempotencyKey: String?, extraHeaders: [(String, String)]) throws -> HTTPResponse {
        let url = endpoint.baseURL + path
        guard url.hasPrefix("https://") else {
            throw TransportError(.configuration, "\(url): only https:// is allowed")
        }
        let curl = try CurlEasy()
        curl.what = "\(method) \(url)"
        try curl.set(CURLOPT_URL, url)
        try curl.set(CURLOPT_PROTOCOLS_STR, "https")
        try curl.set(CURLOPT_CAINFO, endpoint.caFile)
        try curl.set(CURLOPT_CAPATH, pointer: nil)             // the partner's CA only, not the system store
        try curl.set(CURLOPT_SSL_VERIFYPEER, 1)
        try curl.set(CURLOPT_SSL_VERIFYHOST, 2)
        try curl.set(CURLOPT_SSLVERSION, Int(CURL_SSLVERSION_TLSv1_2))
        if let cert = endpoint.clientCertificateFile { try curl.set(CURLOPT_SSLCERT, cert) }
        if let key = endpoint.clientKeyFile { try curl.set(CURLOPT_SSLKEY, key) }
        if let pin = endpoint.pinnedPublicKey { try curl.set(CURLOPT_PINNEDPUBLICKEY, pin) }
        try curl.set(CURLOPT_CONNECTTIMEOUT, min(endpoint.timeoutSeconds, 30))
        try curl.set(CURLOPT_TIMEOUT, endpoint.timeoutSeconds)
        var headers = ["Expect:", "Accept: application/json"]
        if let contentType { headers.append("Content-Type: \(contentType)") }
        if let idempotencyKey { headers.append("Idempotency-Key: \(idempotencyKey)") }
        for (k, v) in extraHeaders { headers.append("\(k): \(v)") }
        if let signing = endpoint.signing {
            let pathForSigning = (URL(string: url).map { u in u.path + (u.query.map { "?" + $0 } ?? "") }) ?? path
            for (k, v) in signing.headers(
                method: method, path: pathForSigning, bodySHA256: bodySHA256, timestamp: clock())
            {
                headers.append("\(k): \(v)")
            }
        }
        switch body {
        case .none:
            if method == "GET" { try curl.set(CURLOPT_HTTPGET, 1) } else { try curl.set(CURLOPT_CUSTOMREQUEST, method) }
        case .bytes(let bytes):
            try curl.set(CURLOPT_CUSTOMREQUEST, method)
            try curl.set(CURLOPT_POSTFIELDSIZE_LARGE, offset: Int64(bytes.count))
            try bytes.withUnsafeBytes { raw in
                try curl.set(
                    CURLOPT_COPYPOSTFIELDS,
                    pointer: UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
            }
        case .file(let path):
            let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
            let file = try curl.open(path, mode: "rb")
            try curl.set(CURLOPT_UPLOAD, 1)
            try curl.set(CURLOPT_READDATA, pointer: UnsafeMutableRawPointer(file))
            try curl.set(CURLOPT_INFILESIZE_LARGE, offset: size)
            try curl.set(CURLOPT_UPLOAD_BUFFERSIZE, 2 << 20)
            if method != "PUT" { try curl.set(CURLOPT_CUSTOMREQUEST, method) }
        }
        try curl.set(CURLOPT_HTTPHEADER, list: headers)
        let bodyCollector = ByteCollector()
        let headerCollector = ByteCollector(limit: 1 << 20)
        try curl.set(CURLOPT_WRITEFUNCTION, callback: ByteCollector.callback)
        try curl.set(CURLOPT_HEADERFUNCTION, callback: ByteCollector.callback)
        try withExtendedLifetime((bodyCollector, headerCollector)) {
            try curl.set(CURLOPT_WRITEDATA, pointer: Unmanaged.passUnretained(bodyCollector).toOpaque())
            try curl.set(CURLOPT_HEADERDATA, pointer: Unmanaged.passUnretained(headerCollector).toOpaque())
            try curl.perform()
        }
        var responseHeaders: [String: String] = [:]
        for line in String(decoding: headerCollector.bytes, as: UTF8.self).split(separator: "\r\n") {
            if line.hasPrefix("HTTP/") { responseHeaders = [:]; continue }      // a later status line starts afresh
            guard let colon = line.firstIndex(of: ":") else { continue }
            responseHeaders[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        return HTTPResponse(
            status: curl.infoLong(CURLINFO_RESPONSE_CODE), headers: responseHeaders, body: bodyCollector.bytes)
    }

    /// SHA-256 of a file, read in chunks.
    public static func sha256(file path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw TransportError(.localFile, "\(path) cannot be read")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return Hex.encode(hasher.finalize())
    }
}
