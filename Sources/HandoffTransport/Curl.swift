import CCurl
import Foundation

/// One libcurl easy handle, owned by this object and cleaned up with it. Not shared between
/// threads: each transfer makes its own. `perform()` blocks; ``Curl/run(_:)`` runs a blocking
/// transfer on a dispatch queue, off Swift's cooperative thread pool.
final class CurlEasy {
    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var lists: [UnsafeMutablePointer<curl_slist>] = []
    private var files: [UnsafeMutablePointer<FILE>] = []
    /// What the transfer was for, for error messages: `sftp://host/inbound/x.csv`.
    var what = ""

    init() throws {
        guard Curl.initialised, let h = curl_easy_init() else {
            throw TransportError(.other, "libcurl could not be initialised")
        }
        handle = h
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        try set(CURLOPT_NOSIGNAL, 1)
    }

    deinit {
        curl_easy_cleanup(handle)
        for list in lists { curl_slist_free_all(list) }
        for f in files { fclose(f) }
        errorBuffer.deallocate()
    }

    func set(_ option: CURLoption, _ value: Int) throws {
        try check(handoff_curl_setopt_long(handle, option, value), "setting option \(option.rawValue)")
    }

    func set(_ option: CURLoption, offset value: Int64) throws {
        try check(handoff_curl_setopt_offset(handle, option, curl_off_t(value)), "setting option \(option.rawValue)")
    }

    func set(_ option: CURLoption, _ value: String) throws {
        try check(handoff_curl_setopt_string(handle, option, value), "setting option \(option.rawValue)")
    }

    func set(_ option: CURLoption, pointer value: UnsafeMutableRawPointer?) throws {
        try check(handoff_curl_setopt_pointer(handle, option, value), "setting option \(option.rawValue)")
    }

    func set(_ option: CURLoption, list: [String]) throws {
        var l: UnsafeMutablePointer<curl_slist>?
        for item in list { l = curl_slist_append(l, item) }
        if let l { lists.append(l) }
        try check(handoff_curl_setopt_list(handle, option, l), "setting option \(option.rawValue)")
    }

    func set(_ option: CURLoption, callback: handoff_curl_data_callback) throws {
        try check(handoff_curl_setopt_callback(handle, option, callback), "setting option \(option.rawValue)")
    }

    /// Opens a local file for libcurl's default read or write function; closed with the handle.
    func open(_ path: String, mode: String) throws -> UnsafeMutablePointer<FILE> {
        guard let f = fopen(path, mode) else {
            throw TransportError(.localFile, "\(path): \(String(cString: strerror(errno)))")
        }
        files.append(f)
        return f
    }

    func infoLong(_ info: CURLINFO) -> Int {
        var v = 0
        _ = handoff_curl_getinfo_long(handle, info, &v)
        return v
    }

    func infoOffset(_ info: CURLINFO) -> Int64 {
        var v: curl_off_t = 0
        _ = handoff_curl_getinfo_offset(handle, info, &v)
        return Int64(v)
    }

    /// Runs the transfer. Fails with a ``TransportError`` that says what went wrong.
    func perform() throws {
        errorBuffer[0] = 0
        let code = curl_easy_perform(handle)
        for f in files { fflush(f) }
        try check(code, what)
    }

    private func check(_ code: CURLcode, _ context: String) throws {
        guard code != CURLE_OK else { return }
        let detail = String(cString: errorBuffer)
        let text = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        throw Curl.error(code, "\(context): \(text)")
    }
}

/// libcurl, process-wide.
public enum Curl {
    /// `curl_global_init`, exactly once, before the first handle.
    static let initialised: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    /// The version string, such as `libcurl/7.88.1 OpenSSL/3.0.17 … libssh2/1.10.0`.
    public static var version: String { String(cString: curl_version()) }

    private static let queue = DispatchQueue(label: "handoff.curl", attributes: .concurrent)

    /// Runs blocking libcurl work on a dispatch queue, so that no thread of Swift's
    /// cooperative pool is ever blocked on the network.
    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }

    /// A ``TransportError`` for a libcurl code.
    static func error(_ code: CURLcode, _ message: String) -> TransportError {
        let kind: TransportError.Kind
        switch code {
        case CURLE_PEER_FAILED_VERIFICATION:
            kind = message.hasPrefix("sftp") || message.contains("host key") ? .hostKeyMismatch : .tls
        case CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR,
             CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_CRL_BADFILE, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT:
            kind = .tls
        case CURLE_LOGIN_DENIED, CURLE_REMOTE_ACCESS_DENIED: kind = .authentication
        case CURLE_COULDNT_CONNECT: kind = .connectionRefused
        case CURLE_OPERATION_TIMEDOUT: kind = .timedOut
        case CURLE_REMOTE_FILE_NOT_FOUND: kind = .remoteFileMissing
        case CURLE_QUOTE_ERROR: kind = .renameFailed
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_SSH:
            kind = .network
        case CURLE_READ_ERROR, CURLE_WRITE_ERROR, CURLE_FILE_COULDNT_READ_FILE: kind = .localFile
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL: kind = .configuration
        default: kind = .other
        }
        return TransportError(kind, message, curlCode: Int(code.rawValue))
    }
}

/// Bytes a transfer receives, collected through a C callback that captures nothing.
final class ByteCollector {
    var bytes: [UInt8] = []
    let limit: Int
    init(limit: Int = 16 << 20) { self.limit = limit }

    /// The write callback: appends to the collector passed as `context`.
    static let callback: handoff_curl_data_callback = { buffer, size, count, context in
        let n = size * count
        guard let context, let buffer else { return 0 }
        let collector = Unmanaged<ByteCollector>.fromOpaque(context).takeUnretainedValue()
        if collector.bytes.count + n > collector.limit { return 0 }    // aborts the transfer
        buffer.withMemoryRebound(to: UInt8.self, capacity: n) { collector.bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: n)) }
        return n
    }
}
