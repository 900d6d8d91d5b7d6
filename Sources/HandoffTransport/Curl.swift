import CCurl
import Crypto
import Foundation
import HandoffDomain

/// One libcurl easy handle, owned by this object and cleaned up with it. Not shared between
/// threads: each transfer (or each series of transfers to one server, see ``reset()``) makes
/// its own. `perform()` blocks: callers run it on a thread that may block (the CLI's own
/// thread, or the daemon's bounded `NIOThreadPool`s), never on Swift's cooperative pool.
final class CurlEasy {
    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var lists: [UnsafeMutablePointer<curl_slist>] = []
    private var files: [UnsafeMutablePointer<FILE>] = []
    private var progress: ProgressGuard?
    /// What the transfer was for, for error messages: `sftp://host/inbound/x.csv`.
    var what = ""
    /// The raw handle, for the shim's typed setters of one option (``requireTLS()``).
    var handleForShim: UnsafeMutableRawPointer { handle }

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

    /// Clears every option for another transfer on this handle, which keeps its connection:
    /// the operations of one SFTP upload (the check of the name, the upload and rename, the
    /// size check) then share one SSH session instead of opening one each.
    func reset() throws {
        curl_easy_reset(handle)
        for list in lists { curl_slist_free_all(list) }
        lists = []
        for f in files { fclose(f) }
        files = []
        progress = nil
        what = ""
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        try set(CURLOPT_NOSIGNAL, 1)
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

    /// Aborts the transfer when no byte moves for `stallSeconds` (0: never), or once
    /// `deadline` passes; the error then says which.
    func watch(stallSeconds: Int, deadline: Deadline?) throws {
        let g = ProgressGuard(stallSeconds: stallSeconds, deadline: deadline)
        progress = g
        try set(CURLOPT_NOPROGRESS, 0)
        try check(handoff_curl_setopt_xferinfo(handle, ProgressGuard.callback), "setting the progress callback")
        try set(CURLOPT_XFERINFODATA, pointer: Unmanaged.passUnretained(g).toOpaque())
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
        if code == CURLE_ABORTED_BY_CALLBACK, let reason = progress?.reason {
            throw TransportError(.timedOut, "\(what): \(reason)", curlCode: Int(code.rawValue))
        }
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

    /// Whether a TLS handshake failure's message says the connection broke (reset by the
    /// peer, closed without a word, a failed send or receive) rather than that TLS refused.
    static func isBrokenConnection(_ message: String) -> Bool {
        let m = message.lowercased()
        if m.contains("alert") || m.contains("certificate") || m.contains("verify") { return false }
        return [
            "connection reset", "recv failure", "send failure", "broken pipe", "ssl_error_syscall", "unexpected eof",
            "connection was reset", "connection closed"].contains { m.contains($0) }
    }

    /// A ``TransportError`` for a libcurl code.
    static func error(_ code: CURLcode, _ message: String) -> TransportError {
        let kind: TransportError.Kind
        switch code {
        case CURLE_PEER_FAILED_VERIFICATION:
            kind = message.hasPrefix("sftp") || message.contains("host key") ? .hostKeyMismatch : .tls
        case CURLE_SSL_CONNECT_ERROR where Self.isBrokenConnection(message):
            // The connection broke during the handshake (reset, closed, a send or receive
            // failure): a fault of the wire, not of the certificates. Retried.
            kind = .network
        case CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE,
            CURLE_SSL_ISSUER_ERROR,
            CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_CRL_BADFILE, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT:
            kind = .tls
        case CURLE_LOGIN_DENIED: kind = .authentication
        // After a successful login: the server refused this operation (a folder that refuses
        // writes, a file it may not read).
        case CURLE_REMOTE_ACCESS_DENIED: kind = .permission
        case CURLE_COULDNT_CONNECT: kind = .connectionRefused
        case CURLE_OPERATION_TIMEDOUT: kind = .timedOut
        case CURLE_REMOTE_FILE_NOT_FOUND: kind = .remoteFileMissing
        case CURLE_QUOTE_ERROR: kind = .renameFailed
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE,
            CURLE_SSH:
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
        buffer.withMemoryRebound(to: UInt8.self, capacity: n) {
            collector.bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: n))
        }
        return n
    }
}

/// Bytes a transfer receives, hashed as they come (SHA-256) and counted, never kept: how a
/// file already at an agency is compared with ours in constant memory.
final class HashingSink {
    var hasher = SHA256()
    var count: Int64 = 0

    var hex: String { Hex.encode(hasher.finalize()) }

    /// The write callback: hashes into the sink passed as `context`.
    static let callback: handoff_curl_data_callback = { buffer, size, count, context in
        let n = size * count
        guard let context, let buffer else { return 0 }
        let sink = Unmanaged<HashingSink>.fromOpaque(context).takeUnretainedValue()
        sink.hasher.update(bufferPointer: UnsafeRawBufferPointer(start: UnsafeRawPointer(buffer), count: n))
        sink.count += Int64(n)
        return n
    }
}

/// A local file a download writes into with `write(2)`, unbuffered, keeping the `errno` of a
/// failed write so that the error names the path and the cause (a full disk), not only
/// libcurl's "Failure writing output to destination".
final class FileSink {
    let path: String
    let fd: Int32
    var error: Int32 = 0
    var written: Int64 = 0

    init(path: String) throws {
        self.path = path
        fd = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw TransportError.local(path, errno: errno, doing: "creating it") }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Flushes to the disk; a failure (a full disk found late) names the path.
    func sync() throws {
        guard fsync(fd) == 0 else { throw TransportError.local(path, errno: errno, doing: "syncing it") }
    }

    /// The write callback: writes into the sink passed as `context`.
    static let callback: handoff_curl_data_callback = { buffer, size, count, context in
        let n = size * count
        guard let context, let buffer else { return 0 }
        let sink = Unmanaged<FileSink>.fromOpaque(context).takeUnretainedValue()
        var offset = 0
        while offset < n {
            let w = Glibc.write(sink.fd, buffer + offset, n - offset)
            if w < 0 {
                if errno == EINTR { continue }
                sink.error = errno
                return 0          // aborts the transfer with CURLE_WRITE_ERROR
            }
            offset += w
        }
        sink.written += Int64(n)
        return n
    }
}
