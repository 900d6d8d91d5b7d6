import CLibPQ
import Foundation
package import HandoffConfig

/// One connection to the PostgreSQL server through libpq, used by one thread at a time.
///
/// Every call blocks its thread until the server answers: the store protocols are synchronous
/// and run on the bounded thread pools of `HandoffServer` (`BlockingWork`) or on a command's
/// own thread, never on Swift's cooperative pool. Parameters and results travel as text.
package final class PGConnection: @unchecked Sendable {
    // @unchecked: the handle is used by one thread at a time; ``PGPool`` hands it out and takes it back.
    private let handle: OpaquePointer
    /// The server and database, without any secret, for messages.
    package let displayURL: String
    /// The statements prepared on this connection, by their SQL.
    private var prepared: [String: String] = [:]

    /// Connects with `settings` and the password (from `password_env` or `password_file`). The
    /// server's certificate is checked when `sslmode` is `verify-full`: against `ca_file`, or the
    /// system's CA bundle when none is named.
    package init(settings: PostgresSettings, password: String?) throws {
        var parameters: [(String, String)] = [
            ("host", settings.host), ("port", String(settings.port)), ("user", settings.user),
            ("dbname", settings.database),
            ("application_name", "handoff"), ("connect_timeout", "10"), ("client_encoding", "UTF8"),
            // No JIT: Handoff's statements are short, and compiling them cost more than running
            // them (a page of placement candidates at 1,000,000 invoices: 622 ms of JIT, 54 ms of work).
            ("options", "-c DateStyle=ISO -c TimeZone=UTC -c IntervalStyle=iso_8601 -c jit=off"),
            ("sslmode", settings.sslMode.rawValue),
        ]
        if let password { parameters.append(("password", password)) }
        if settings.sslMode == .verifyFull {
            parameters.append(("sslrootcert", settings.caFile ?? Self.systemCABundle))
        }
        displayURL = settings.displayURL
        let keywords = parameters.map { strdup($0.0) } + [nil]
        let values = parameters.map { strdup($0.1) } + [nil]
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        let connection = keywords.map { UnsafePointer($0) }.withUnsafeBufferPointer { k in
            values.map { UnsafePointer($0) }.withUnsafeBufferPointer { v in
                PQconnectdbParams(k.baseAddress, v.baseAddress, 0)
            }
        }
        guard let connection else {
            throw PostgresError.connection(url: settings.displayURL, message: "libpq could not allocate a connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.trimmed(PQerrorMessage(connection))
            PQfinish(connection)
            throw PostgresError.connection(url: settings.displayURL, message: message)
        }
        handle = connection
        // Notices (a table that already exists…) are not for the user's terminal.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
    }

    deinit { PQfinish(handle) }

    /// Debian's bundle of the system's trusted CAs.
    static let systemCABundle = "/etc/ssl/certs/ca-certificates.crt"

    /// Whether the connection still works (a server restart breaks it).
    package var isHealthy: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Whether the connection is outside any transaction (a transaction left open is rolled back
    /// before the connection goes back to the pool).
    package var isIdle: Bool { PQtransactionStatus(handle) == PQTRANS_IDLE }

    /// Runs one statement with its parameters (text, `nil` for NULL) and returns its rows.
    /// Statements run often are prepared once per connection.
    @discardableResult
    package func query(_ sql: String, _ parameters: [(any PGBindable)?] = []) throws -> PGResult {
        let texts = parameters.map { $0?.pgText }
        let cStrings = texts.map { $0.map { strdup($0) } ?? nil }
        defer { cStrings.forEach { free($0) } }
        // Parameters go as C strings, which a NUL would cut short (and PostgreSQL's text cannot
        // hold one): refused as the server refuses such a byte, never sent truncated. A copy
        // shorter than its text's bytes stopped at a NUL.
        for (text, copy) in zip(texts, cStrings) {
            guard let text, let copy, strlen(copy) != text.utf8.count else { continue }
            throw PostgresError.server(
                state: "22021", message: "a value holds a NUL character (byte 0), which PostgreSQL cannot store",
                detail: nil, constraint: nil)
        }
        let name: String
        if let known = prepared[sql] {
            name = known
        } else {
            name = "s\(prepared.count + 1)"
            let result = PQprepare(handle, name, sql, Int32(parameters.count), nil)
            try check(result, sql: sql)
            PQclear(result)
            prepared[sql] = name
        }
        let result = cStrings.map { UnsafePointer($0) }.withUnsafeBufferPointer { values in
            PQexecPrepared(handle, name, Int32(values.count), values.baseAddress, nil, nil, 0)
        }
        try check(result, sql: sql)
        return PGResult(result!)
    }

    /// Runs statements that take no parameters (a migration, `BEGIN`), several at once if need be.
    package func execute(_ sql: String) throws {
        let result = PQexec(handle, sql)
        try check(result, sql: sql)
        PQclear(result)
    }

    /// Streams rows into `COPY … FROM STDIN` (text format): `body` calls its argument with each
    /// row's fields (`nil` for NULL), and the rows go to the server in large chunks.
    package func copy(into sql: String, _ body: ((_ fields: [String?]) throws -> Void) throws -> Void) throws {
        let start = PQexec(handle, sql)
        guard PQresultStatus(start) == PGRES_COPY_IN else {
            try check(start, sql: sql)
            PQclear(start)
            throw PostgresError.server(
                state: "", message: "the server did not start the COPY", detail: nil, constraint: nil)
        }
        PQclear(start)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 17)
        func flush() throws {
            guard !buffer.isEmpty else { return }
            let sent = buffer.withUnsafeBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) { PQputCopyData(handle, $0.baseAddress, Int32($0.count)) }
            }
            buffer.removeAll(keepingCapacity: true)
            guard sent == 1 else {
                throw PostgresError.connection(url: displayURL, message: Self.trimmed(PQerrorMessage(handle)))
            }
        }
        do {
            try body { fields in
                for (i, field) in fields.enumerated() {
                    if i > 0 { buffer.append(9) }
                    if let field {
                        Self.appendCopyText(field, to: &buffer)
                    } else {
                        buffer.append(contentsOf: [92, 78])
                    }
                }
                buffer.append(10)
                if buffer.count >= 1 << 16 { try flush() }
            }
            try flush()
        } catch {
            PQputCopyEnd(handle, "handoff stopped the copy")
            while let result = PQgetResult(handle) { PQclear(result) }
            throw error
        }
        PQputCopyEnd(handle, nil)
        var failure: (any Error)?
        while let result = PQgetResult(handle) {
            if failure == nil {
                do { try check(result, sql: sql) } catch { failure = error }
            }
            PQclear(result)
        }
        if let failure { throw failure }
    }

    /// A field in COPY's text format: backslash, tab, newline and carriage return escaped.
    private static func appendCopyText(_ text: String, to buffer: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case 92: buffer.append(contentsOf: [92, 92])
            case 9: buffer.append(contentsOf: [92, 116])
            case 10: buffer.append(contentsOf: [92, 110])
            case 13: buffer.append(contentsOf: [92, 114])
            default: buffer.append(byte)
            }
        }
    }

    /// Throws the server's error for a failed result (and frees it).
    private func check(_ result: OpaquePointer?, sql: String) throws {
        guard let result else {
            throw PostgresError.connection(url: displayURL, message: Self.trimmed(PQerrorMessage(handle)))
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_COPY_IN, PGRES_EMPTY_QUERY:
            return
        default:
            func field(_ code: Character) -> String? {
                PQresultErrorField(result, Int32(code.asciiValue!)).map { String(cString: $0) }
            }
            let state = field("C") ?? ""
            let message = field("M") ?? Self.trimmed(PQerrorMessage(handle))
            let error: PostgresError
            if state.isEmpty || !isHealthy {
                error = .connection(url: displayURL, message: message)
            } else {
                error = .server(state: state, message: message, detail: field("D"), constraint: field("n"))
            }
            PQclear(result)
            throw error
        }
    }

    private static func trimmed(_ message: UnsafePointer<CChar>?) -> String {
        guard let message else { return "" }
        return String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// The rows a statement returned, as text.
package final class PGResult {
    private let result: OpaquePointer
    init(_ result: OpaquePointer) { self.result = result }
    deinit { PQclear(result) }

    package var count: Int { Int(PQntuples(result)) }
    package var columnCount: Int { Int(PQnfields(result)) }
    /// Rows a statement changed (`UPDATE`, `INSERT … ON CONFLICT DO NOTHING`…).
    package var changes: Int { Int(String(cString: PQcmdTuples(result))) ?? 0 }

    package func isNull(_ row: Int, _ column: Int) -> Bool { PQgetisnull(result, Int32(row), Int32(column)) == 1 }

    package func text(_ row: Int, _ column: Int) -> String? {
        isNull(row, column) ? nil : String(cString: PQgetvalue(result, Int32(row), Int32(column)))
    }

    package func int64(_ row: Int, _ column: Int) -> Int64? { text(row, column).flatMap { Int64($0) } }

    package func bool(_ row: Int, _ column: Int) -> Bool? { text(row, column).map { $0 == "t" } }

    /// Column `column` of row `row`, or a ``PostgresError/unexpected(_:)`` naming it when NULL or not a number.
    package func requiredInt64(_ row: Int, _ column: Int) throws -> Int64 {
        guard let value = int64(row, column) else {
            throw PostgresError.unexpected("column \(column) of row \(row) is not a number")
        }
        return value
    }
}

/// A value bound to a statement parameter, in PostgreSQL's text form.
package protocol PGBindable {
    var pgText: String { get }
}

extension String: PGBindable { package var pgText: String { self } }
extension Int64: PGBindable { package var pgText: String { String(self) } }
extension Int: PGBindable { package var pgText: String { String(self) } }
extension Int32: PGBindable { package var pgText: String { String(self) } }
extension Bool: PGBindable { package var pgText: String { self ? "true" : "false" } }

/// What went wrong talking to PostgreSQL.
public enum PostgresError: Error, CustomStringConvertible, Sendable {
    /// The server cannot be reached, refused the login, or the connection broke.
    case connection(url: String, message: String)
    /// The server refused a statement: its SQLSTATE, message, detail and the constraint named.
    case server(state: String, message: String, detail: String?, constraint: String?)
    /// The server answered something Handoff's schema does not allow.
    case unexpected(String)

    public var description: String {
        switch self {
        case .connection(let url, let message): return "cannot use the PostgreSQL database \(url): \(message)"
        case .server(_, let message, let detail, _):
            return "the PostgreSQL database refused it: \(message)" + (detail.map { " (\($0))" } ?? "")
        case .unexpected(let what): return "the AR record is damaged: \(what)"
        }
    }

    /// SQLSTATE class 23 (a constraint), 22 (a value out of range) or P0 (a trigger's refusal).
    public var isRefusal: Bool {
        guard case .server(let state, _, _, _) = self else { return false }
        return state.hasPrefix("23") || state.hasPrefix("22") || state.hasPrefix("P0")
    }

    /// A unique constraint refused a second row.
    public var isUniqueViolation: Bool {
        if case .server("23505", _, _, _) = self { return true }
        return false
    }
}
