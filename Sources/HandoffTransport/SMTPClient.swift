import CCurl
import Foundation

/// The business's own mail server, and how to reach it safely: `smtp://` with STARTTLS
/// required, or `smtps://`; the server's certificate always verified (against `caFile`, or the
/// system's CAs); a user and password when the server asks for a login.
public struct SMTPEndpoint: Sendable {
    /// `smtp://mail.example.com:587` or `smtps://mail.example.com:465`.
    public var url: String
    public var caFile: String?
    public var user: String?
    /// Never logged, never in an error.
    public var password: String?
    public var timeoutSeconds: Int

    public init(
        url: String, caFile: String? = nil, user: String? = nil, password: String? = nil, timeoutSeconds: Int = 60
    ) {
        self.url = url
        self.caFile = caFile
        self.user = user
        self.password = password
        self.timeoutSeconds = timeoutSeconds
    }
}

/// Why the mail server did not take a message. `permanent` when sending it again cannot help
/// until a person acts (a 5xx answer, a bad address, a certificate or login that is refused);
/// otherwise (a 4xx answer, no connection) a later attempt may succeed.
public struct SMTPFailure: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public var permanent: Bool
    /// The server's last reply code, when it answered.
    public var replyCode: Int?
    public init(message: String, permanent: Bool, replyCode: Int?) {
        self.message = message
        self.permanent = permanent
        self.replyCode = replyCode
    }
    public var description: String { message }
}

/// SMTP through libcurl: one message to one recipient per transaction. `send` blocks: run it
/// where blocking is allowed (the CLI's thread, the daemon's job pool).
public struct SMTPClient: Sendable {
    public let endpoint: SMTPEndpoint

    public init(endpoint: SMTPEndpoint) { self.endpoint = endpoint }

    /// Sends `message` (a whole RFC 5322 message, CRLF line ends) from `from` to `to` (bare
    /// addresses). Returns when the server accepted it (250 after the data).
    public func send(from: String, to: String, message: [UInt8]) throws(SMTPFailure) {
        let curl: CurlEasy
        do { curl = try CurlEasy() } catch { throw SMTPFailure(message: "\(error)", permanent: false, replyCode: nil) }
        let source = UploadBytes(message)
        let server = Self.redacted(endpoint.url)
        curl.what = "SMTP \(server)"
        do {
            try curl.set(CURLOPT_URL, endpoint.url)
            try curl.set(CURLOPT_PROTOCOLS_STR, "smtp,smtps")
            try curl.requireTLS()
            try curl.set(CURLOPT_SSL_VERIFYPEER, 1)
            try curl.set(CURLOPT_SSL_VERIFYHOST, 2)
            try curl.set(CURLOPT_SSLVERSION, Int(CURL_SSLVERSION_TLSv1_2))
            if let ca = endpoint.caFile { try curl.set(CURLOPT_CAINFO, ca) }
            if let user = endpoint.user { try curl.set(CURLOPT_USERNAME, user) }
            if let password = endpoint.password { try curl.set(CURLOPT_PASSWORD, password) }
            try curl.set(CURLOPT_MAIL_FROM, "<\(from)>")
            try curl.set(CURLOPT_MAIL_RCPT, list: ["<\(to)>"])
            try curl.set(CURLOPT_UPLOAD, 1)
            try curl.set(CURLOPT_INFILESIZE_LARGE, offset: Int64(message.count))
            try curl.read(from: source)
            try curl.set(CURLOPT_CONNECTTIMEOUT, min(endpoint.timeoutSeconds, 30))
            try curl.set(CURLOPT_TIMEOUT, endpoint.timeoutSeconds)
            try curl.perform()
        } catch let error as TransportError {
            let code = curl.infoLong(CURLINFO_RESPONSE_CODE)
            throw Self.failure(error, replyCode: code == 0 ? nil : code, server: server)
        } catch {
            throw SMTPFailure(message: "\(server): \(error)", permanent: false, replyCode: nil)
        }
    }

    /// Sorts a failed transaction: the server's 4xx is temporary and its 5xx permanent; without
    /// an answer, a refused certificate, login or STARTTLS is permanent and a broken connection is not.
    static func failure(_ error: TransportError, replyCode: Int?, server: String) -> SMTPFailure {
        if let code = replyCode, (400..<600).contains(code) {
            let permanent = code >= 500
            return SMTPFailure(
                message: "\(error.message) (the server answered \(code): "
                    + (permanent ? "refused for good" : "try again later") + ")",
                permanent: permanent, replyCode: code)
        }
        if error.curlCode == Int(CURLE_USE_SSL_FAILED.rawValue) {
            return SMTPFailure(
                message: "\(server) does not offer STARTTLS, and Handoff never sends mail unencrypted "
                    + "(use a server that does, or smtps://)", permanent: true, replyCode: replyCode)
        }
        if error.kind == .tls {
            return SMTPFailure(
                message: "\(error.message): the mail server's certificate was not verified "
                    + "(set [smtp] ca_file for a private CA)", permanent: true, replyCode: replyCode)
        }
        return SMTPFailure(message: error.message, permanent: error.isPermanent, replyCode: replyCode)
    }

    /// The URL without any user or password in it, for messages.
    static func redacted(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].firstIndex(of: "@") else {
            return url
        }
        return String(url[..<scheme.upperBound]) + String(url[url.index(after: at)...])
    }
}

/// Bytes an upload reads, through a C callback that captures nothing.
final class UploadBytes {
    let bytes: [UInt8]
    var offset = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The read callback: copies the next bytes of the source passed as `context`.
    static let callback: handoff_curl_data_callback = { buffer, size, count, context in
        guard let context, let buffer else { return 0 }
        let source = Unmanaged<UploadBytes>.fromOpaque(context).takeUnretainedValue()
        let n = min(size * count, source.bytes.count - source.offset)
        guard n > 0 else { return 0 }
        source.bytes.withUnsafeBufferPointer { all in
            UnsafeMutableRawPointer(buffer).copyMemory(from: all.baseAddress! + source.offset, byteCount: n)
        }
        source.offset += n
        return n
    }
}

extension CurlEasy {
    /// STARTTLS required on `smtp://` (and TLS from the start on `smtps://`).
    func requireTLS() throws {
        let code = handoff_curl_require_tls(handleForShim)
        if code != CURLE_OK { throw Curl.error(code, "requiring TLS") }
    }

    /// Feeds the upload from `source`, which the caller keeps alive until `perform()` returns.
    func read(from source: UploadBytes) throws {
        let code = handoff_curl_setopt_read(
            handleForShim, UploadBytes.callback, Unmanaged.passUnretained(source).toOpaque())
        if code != CURLE_OK { throw Curl.error(code, "setting the read callback") }
    }
}
