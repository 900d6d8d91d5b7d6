import GRDB
import GRDBSQLite
import HandoffDomain
import HandoffStore

/// A prepared statement on a hot path (an import's inserts, a placement run's reads and
/// inserts), bound, stepped and read through SQLite's C API: no `StatementArguments`, no boxed
/// `DatabaseValue` per value, no `Row`. Parameters keep their values between executions
/// (SQLite's bindings survive a reset), so a value that is the same for a whole file (its
/// name, the time of the access) is bound once.
///
/// Used inside one database access, like any GRDB statement. SQLite prepares it once per
/// connection: it is kept in GRDB's statement cache of the connection, so that a transaction
/// per event (a feed's, a pushed event's) does not prepare each of its statements again
/// (preparing, against this schema, took 30% of a feed's intake and reconciliation). Each
/// access that takes it starts from no bindings, and it is reset when that access lets it go
/// (``SQLiteSession/direct(_:)``), so no read stays open past its transaction.
final class DirectStatement {
    fileprivate let statement: Statement
    let handle: SQLiteStatement
    fileprivate let connection: SQLiteConnection?
    /// The SQL as written, for errors (without ``cacheTag``).
    fileprivate let sql: String

    /// The comment keeps these statements apart from the same SQL run through GRDB's own
    /// arguments, which binds and resets on its own terms.
    static let cacheTag = "/* direct */ "

    init(_ db: Database, sql: String) throws {
        statement = try db.cachedStatement(sql: Self.cacheTag + sql)
        handle = statement.sqliteStatement
        connection = db.sqliteConnection
        self.sql = sql
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    deinit {
        sqlite3_reset(handle)
    }

    /// Binds an integer to the 1-based parameter `index`.
    @inline(__always)
    func bind(_ index: Int32, _ value: Int64) {
        sqlite3_bind_int64(handle, index, value)
    }

    /// Binds text (copied by SQLite) to the 1-based parameter `index`.
    @inline(__always)
    func bind(_ index: Int32, _ value: String) {
        var text = value
        text.withUTF8 { utf8 in
            _ = sqlite3_bind_text(handle, index, utf8.baseAddress, Int32(utf8.count), directTransient)
        }
    }

    /// Binds an optional integer (NULL when absent).
    @inline(__always)
    func bind(_ index: Int32, _ value: Int64?) {
        if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    /// Binds optional text (NULL when absent).
    @inline(__always)
    func bind(_ index: Int32, _ value: String?) {
        if let value { bind(index, value) } else { sqlite3_bind_null(handle, index) }
    }

    /// Runs the statement once with the values bound; throws GRDB's `DatabaseError` (with the
    /// SQL) when SQLite refuses, as a statement run through GRDB would.
    func execute() throws {
        let code = sqlite3_step(handle)
        if code == SQLITE_DONE {
            sqlite3_reset(handle)
            return
        }
        let message = connection.map { String(cString: sqlite3_errmsg($0)) }
        sqlite3_reset(handle)
        throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: sql)
    }
}

extension DirectStatement {
    /// Steps a query once: `true` when a row is there to read with ``int64(_:)`` and
    /// ``text(_:)``, `false` at its end. Call ``reset()`` when done with it.
    func step() throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code:
            let message = connection.map { String(cString: sqlite3_errmsg($0)) }
            sqlite3_reset(handle)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: sql)
        }
    }

    /// Makes the statement ready to run again (its bindings stay).
    func reset() {
        sqlite3_reset(handle)
    }

    /// The integer in the 0-based `column` of the current row (0 for NULL).
    @inline(__always)
    func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(handle, column)
    }

    /// Whether the 0-based `column` of the current row is NULL.
    @inline(__always)
    func isNull(_ column: Int32) -> Bool {
        sqlite3_column_type(handle, column) == SQLITE_NULL
    }

    /// The text in the 0-based `column` of the current row, `nil` for NULL.
    @inline(__always)
    func text(_ column: Int32) -> String? {
        guard let bytes = sqlite3_column_text(handle, column) else { return nil }
        return String(
            decoding: UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, column))), as: UTF8.self
        )
    }
}

/// SQLite's `SQLITE_TRANSIENT`: the text is copied before the bind returns.
private let directTransient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

/// The invoices an import inserted whose first ledger entries (each its original amount) are
/// still to be written: a run of consecutive ids in one currency. They are written together by
/// one `INSERT … SELECT` over those invoices, which copies each one's customer, amount, date,
/// source (file and line) and time, in the order of the invoices; the count written is checked.
struct PendingInvoiceLedger {
    /// At most this many invoices wait: the statement covers a short range of the table.
    static let chunk = 2048

    private var first: Int64 = 0
    private var last: Int64 = 0
    private var count = 0
    private var currency: Currency?
    private var statement: DirectStatement?

    /// Adds the invoice just inserted; writes the waiting ones first when it does not continue
    /// their run (another currency, an id out of sequence) and after it when the chunk is full.
    mutating func add(_ id: Int64, currency: Currency, session: SQLiteSession) throws {
        if count > 0 && (currency != self.currency || id != last + 1) { try flush(session: session) }
        if count == 0 { first = id; self.currency = currency }
        last = id
        count += 1
        if count >= Self.chunk { try flush(session: session) }
    }

    mutating func flush(session: SQLiteSession) throws {
        guard count > 0, let currency else { return }
        let expected = count
        count = 0
        guard var sealed = try session.sealedLedgerRows() else {
            // Outside a write transaction's chains (never in practice): one `INSERT … SELECT`, sealed later.
            let insert = try statement ?? DirectStatement(session.db, sql: """
                INSERT INTO ledger_entries (customer_id, invoice_id, transaction_id, kind, amount, \
                currency, effective_date,
                    source_kind, source_name, source_line, source_event_id, recorded_at)
                SELECT customer_id, id, NULL, '\(EntryKind.invoice.rawValue)', amount, ?3, invoice_date, \
                source_kind, source_name, source_line, NULL, created_at
                FROM invoices WHERE id BETWEEN ?1 AND ?2 ORDER BY id
                """)
            statement = insert
            insert.bind(1, first)
            insert.bind(2, last)
            insert.bind(3, currency.code)
            try insert.execute()
            guard session.db.changesCount == expected else {
                throw StoreError.corrupt(
                    "\(session.db.changesCount) first ledger entries written for \(expected) "
                        + "new invoices (ids \(first)–\(last))"
                )
            }
            return
        }
        // The invoices just inserted, read back while their pages are in the cache, each
        // written as its first ledger entry, sealed as it is inserted.
        let read = try statement ?? DirectStatement(session.db, sql: """
            SELECT customer_id, id, amount, invoice_date, source_kind, source_name, source_line, created_at
            FROM invoices WHERE id BETWEEN ?1 AND ?2 ORDER BY id
            """)
        statement = read
        read.bind(1, first)
        read.bind(2, last)
        var rows:
            [(
                customer: Int64, invoice: Int64, amount: Int64, date: String, kind: String, name: String, line: Int64?,
                at: String
            )] = []
        rows.reserveCapacity(expected)
        while try read.step() {
            rows.append(
                (
                    read.int64(0), read.int64(1), read.int64(2), read.text(3) ?? "", read.text(4) ?? "",
                    read.text(5) ?? "",
                    read.isNull(6) ? nil : read.int64(6), read.text(7) ?? ""))
        }
        read.reset()
        guard rows.count == expected else {
            throw StoreError.corrupt(
                "\(rows.count) first ledger entries written for \(expected) new invoices (ids \(first)–\(last))")
        }
        for r in rows {
            try sealed.append(
                customerID: r.customer, invoiceID: r.invoice, transactionID: nil, kind: EntryKind.invoice.rawValue,
                amount: r.amount,
                currency: currency.code, effectiveDate: r.date, sourceKind: r.kind, sourceName: r.name,
                sourceLine: r.line,
                sourceEventID: nil, recordedAt: r.at)
        }
    }
}

/// A list of values bound as one argument, read in SQL as `(SELECT value FROM json_each(?))`:
/// a JSON array written byte by byte (reconciliation binds several per chunk of events).
enum JSONList {
    static func integers(_ values: [Int64]) -> String {
        var text = "["
        text.reserveCapacity(values.count * 8 + 2)
        for (i, v) in values.enumerated() {
            if i > 0 { text += "," }
            text += String(v)
        }
        return text + "]"
    }

    static func strings(_ values: [String]) -> String {
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        bytes.reserveCapacity(values.count * 24 + 2)
        for (i, v) in values.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(UInt8(ascii: "\""))
            for b in v.utf8 {
                switch b {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                    bytes.append(UInt8(ascii: "\\"))
                    bytes.append(b)
                case 0..<0x20:
                    let hex = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: Array("\\u00".utf8) + [hex[Int(b >> 4)], hex[Int(b & 0xF)]])
                default:
                    bytes.append(b)
                }
            }
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(UInt8(ascii: "]"))
        return String(decoding: bytes, as: UTF8.self)
    }
}
