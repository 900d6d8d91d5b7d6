import HandoffDomain
import Foundation

/// One transaction's access to the database, with statements, arguments and rows in the
/// shape the SQLite session uses (`db.cachedStatement(sql:)`, `Row.fetchAll(_:arguments:)`,
/// `row[0]`), so that ``PostgresSession`` reads line for line like `SQLiteSession` and the two
/// stay in step. SQL is written with SQLite's `?` and `?N` placeholders, turned into
/// PostgreSQL's `$N` once per statement.
final class PGDatabase {
    let connection: PGConnection
    /// Rows the last statement changed.
    private(set) var changesCount = 0
    private var converted: [String: ConvertedStatement] = [:]
    private var cursors = 0

    /// A number for a new cursor's name, unique in this transaction.
    func nextCursorNumber() -> Int {
        cursors += 1
        return cursors
    }

    init(connection: PGConnection) { self.connection = connection }

    /// The statement with `?` placeholders turned into `$N` (cached by its text). A statement
    /// that names the ledger first has the ledger rows the session holds back written
    /// (``beforeLedgerStatement``), so that no statement ever sees the ledger without them.
    func cachedStatement(sql: String) throws -> PGStatement {
        let statement: ConvertedStatement
        if let known = converted[sql] {
            statement = known
        } else {
            statement = ConvertedStatement(
                text: Self.numberedPlaceholders(sql), namesLedger: sql.contains("ledger_entries"))
            converted[sql] = statement
        }
        if statement.namesLedger, let write = beforeLedgerStatement, !writingHeldBackRows {
            writingHeldBackRows = true
            defer { writingHeldBackRows = false }
            try write()
        }
        return PGStatement(sql: statement.text, db: self)
    }

    /// A statement's text for PostgreSQL, and whether it names the ledger.
    private struct ConvertedStatement {
        let text: String
        let namesLedger: Bool
    }

    /// Writes the ledger rows a session holds back (``PostgresSession/flushLedger()``); called
    /// before any statement that names `ledger_entries`, except those it runs itself.
    var beforeLedgerStatement: (() throws -> Void)?
    private var writingHeldBackRows = false

    func makeStatement(sql: String) throws -> PGStatement { try cachedStatement(sql: sql) }

    /// Runs one statement.
    func execute(sql: String, arguments: StatementArguments = []) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }

    // There is no `lastInsertedRowID` (`lastval()`): the ledger rows a session writes before a
    // statement that names the ledger take ids from the ledger's sequence in between, so an id
    // is read back by `RETURNING id`, in the statement that made it.

    func run(_ sql: String, _ arguments: StatementArguments) throws -> PGResult {
        let result = try connection.query(sql, arguments.values)
        changesCount = result.changes
        if followsItsOwnRows {
            statementsSinceCheck += 1
            rowsSinceCheck += result.changes
            if statementsSinceCheck >= Self.statementsBetweenGrowthChecks
                || rowsSinceCheck >= Self.rowsBetweenGrowthChecks
            {
                statementsSinceCheck = 0
                rowsSinceCheck = 0
                try keepStatisticsCurrent()
            }
        }
        return result
    }

    // MARK: - Statistics that know this transaction's rows

    /// Whether this transaction refreshes the planner's statistics of the tables it grows (a
    /// write transaction).
    var followsItsOwnRows = false
    private var statementsSinceCheck = 0
    private var rowsSinceCheck = 0
    /// Per table grown: how many rows this transaction had written to it when it last analyzed it.
    private var growth: [String: Int64] = [:]
    /// A write transaction looks at what it has written after this many statements, or after
    /// statements that changed this many rows, whichever comes first.
    static let statementsBetweenGrowthChecks = 1_024
    static let rowsBetweenGrowthChecks = 5_000

    /// A statement is planned on the statistics of the tables it reads; a transaction that
    /// writes many rows (an import of a million invoices, a placement of 200,000 accounts)
    /// leaves them behind, and the planner picks plans for tables it thinks
    /// nearly empty: a scan of a partial index it believes holds nothing, read again for every
    /// row, made a transactions import at 1,000,000 invoices take many times longer, depending
    /// only on whether autovacuum had analyzed the ledger just before. So, every
    /// ``statementsBetweenGrowthChecks`` statements or ``rowsBetweenGrowthChecks`` rows changed,
    /// a write transaction asks the server how many rows it has written to each table
    /// (`pg_stat_xact_user_tables`), and `ANALYZE`s, inside
    /// this transaction, a table it has written 10,000 rows to, then again each time that count
    /// has grown fourfold, whatever the table held before: the rows that matter may be a small
    /// share of it (300,000 payments' ledger rows beside a million invoices' rows, which
    /// statistics said had no transaction at all). `ANALYZE` samples the transaction's own
    /// new rows, its statistics commit or roll back with them, and the plans prepared on the
    /// old ones are made again. It waits at most 50 ms for its lock (another instance
    /// analyzing the table, autovacuum); if it cannot have it, it is skipped, changing nothing.
    func keepStatisticsCurrent() throws {
        let rows = try connection.query("""
            SELECT x.relname, x.n_tup_ins + x.n_tup_upd FROM pg_stat_xact_user_tables x
            WHERE x.n_tup_ins + x.n_tup_upd >= 10000
            """)
        for i in 0..<rows.count {
            guard let name = rows.text(i, 0), let written = rows.int64(i, 1) else { continue }
            let analyzedAt = growth[name] ?? 0
            guard written >= 4 * analyzedAt else { continue }
            growth[name] = written
            let quoted = "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            let timeout = try connection.query("SELECT current_setting('lock_timeout')").text(0, 0) ?? "0"
            try connection.execute("SAVEPOINT handoff_statistics")
            do {
                try connection.execute("SET LOCAL lock_timeout = '50ms'; ANALYZE \(quoted); "
                        + "SELECT set_config('lock_timeout', "
                        + "'\(timeout.replacingOccurrences(of: "'", with: "''"))', true); "
                                       + "RELEASE SAVEPOINT handoff_statistics")
            } catch {
                // The lock was taken (or the table went away): this round is skipped, and the
                // savepoint puts back the transaction, lock timeout included, as it was.
                try connection.execute("ROLLBACK TO SAVEPOINT handoff_statistics; RELEASE SAVEPOINT handoff_statistics")
            }
        }
    }

    /// `?N` becomes `$N`; a bare `?` takes the number after the last one used. Text in single
    /// quotes, quoted names and comments are left as they are.
    static func numberedPlaceholders(_ sql: String) -> String {
        var out = ""
        out.reserveCapacity(sql.count + 16)
        var next = 1
        var chars = Array(sql)[...]
        while let c = chars.first {
            chars = chars.dropFirst()
            switch c {
            case "'", "\"":
                out.append(c)
                while let d = chars.first {
                    chars = chars.dropFirst()
                    out.append(d)
                    if d == c { break }
                }
            case "-" where chars.first == "-":
                out.append(c)
                while let d = chars.first, d != "\n" {
                    out.append(d)
                    chars = chars.dropFirst()
                }
            case "?":
                var digits = ""
                while let d = chars.first, d.isASCII, d.isNumber {
                    digits.append(d)
                    chars = chars.dropFirst()
                }
                let number = Int(digits) ?? next
                next = number + 1
                out += "$\(number)"
            default:
                out.append(c)
            }
        }
        return out
    }
}

/// A statement of one ``PGDatabase``.
struct PGStatement {
    let sql: String
    unowned let db: PGDatabase

    func execute(arguments: StatementArguments = []) throws {
        _ = try db.run(sql, arguments)
    }

    /// Runs the statement and returns its result (for `RETURNING`).
    func query(_ arguments: StatementArguments = []) throws -> PGResult {
        try db.run(sql, arguments)
    }
}

/// The values bound to a statement's parameters, in order.
struct StatementArguments: ExpressibleByArrayLiteral {
    var values: [(any PGBindable)?]
    init(_ values: [(any PGBindable)?]) { self.values = values }
    init(arrayLiteral elements: (any PGBindable)?...) { values = elements }
    init(_ values: [any PGBindable]) { self.values = values }
    init(_ values: [Int64]) { self.values = values }
}

/// A list of ids as a PostgreSQL array literal (`{1,2,3}`), bound as one `bigint[]` argument.
func pgArray(_ values: [Int64]) -> String {
    var literal = "{"
    literal.reserveCapacity(2 + values.count * 8)
    for (n, value) in values.enumerated() {
        if n > 0 { literal.append(",") }
        literal.append(String(value))
    }
    literal.append("}")
    return literal
}

/// A list of texts as a PostgreSQL array literal, each element quoted, bound as one `text[]`
/// argument. Built byte by byte: Foundation's `replacingOccurrences`, twice per element, took
/// two thirds of an import's time on this side of the connection.
func pgArray(_ values: [String]) -> String {
    pgArray(values.map(Optional.some))
}

/// A list of ids, some absent, as a PostgreSQL array literal (`{1,NULL,3}`).
func pgArray(_ values: [Int64?]) -> String {
    var literal = "{"
    literal.reserveCapacity(2 + values.count * 8)
    for (n, value) in values.enumerated() {
        if n > 0 { literal.append(",") }
        literal.append(value.map(String.init) ?? "NULL")
    }
    literal.append("}")
    return literal
}

/// A list of texts, some absent, as a PostgreSQL array literal: each text in double quotes with
/// `\` and `"` escaped, an absent one the bare `NULL`.
func pgArray(_ values: [String?]) -> String {
    var bytes: [UInt8] = [UInt8(ascii: "{")]
    bytes.reserveCapacity(2 + values.reduce(0) { $0 + ($1?.utf8.count ?? 1) + 3 })
    for (n, value) in values.enumerated() {
        if n > 0 { bytes.append(UInt8(ascii: ",")) }
        guard let value else { bytes.append(contentsOf: "NULL".utf8); continue }
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            if byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\"") { bytes.append(UInt8(ascii: "\\")) }
            bytes.append(byte)
        }
        bytes.append(UInt8(ascii: "\""))
    }
    bytes.append(UInt8(ascii: "}"))
    return String(decoding: bytes, as: UTF8.self)
}

extension Int64 {
    /// The value as an `Int` (a count or a sequence number read back).
    var asInt: Int { Int(self) }
}

/// A value a statement's argument list may hold (SQLite's session's name for it).
typealias DatabaseValueConvertible = PGBindable

/// One row of a result, read by column number: `let name: String = row[1]`, `row[2] as Int64?`.
struct Row {
    let result: PGResult
    let index: Int

    subscript<T: PGDecodable>(_ column: Int) -> T {
        guard let value = T.decode(result.text(index, column)) else {
            preconditionFailure(
                "column \(column) of a row does not hold a \(T.self): \(result.text(index, column) ?? "NULL")")
        }
        return value
    }

    static func fetchAll(_ statement: PGStatement, arguments: StatementArguments = []) throws -> [Row] {
        let result = try statement.query(arguments)
        return (0..<result.count).map { Row(result: result, index: $0) }
    }

    static func fetchOne(_ statement: PGStatement, arguments: StatementArguments = []) throws -> Row? {
        let result = try statement.query(arguments)
        return result.count > 0 ? Row(result: result, index: 0) : nil
    }

    /// Rows read a thousand at a time through a cursor, so that a large result never sits in memory whole.
    static func fetchCursor(_ statement: PGStatement, arguments: StatementArguments = []) throws -> RowCursor {
        try RowCursor(statement: statement, arguments: arguments)
    }

    static func fetchAll(_ db: PGDatabase, sql: String, arguments: StatementArguments = []) throws -> [Row] {
        try fetchAll(try db.cachedStatement(sql: sql), arguments: arguments)
    }

    static func fetchCursor(_ db: PGDatabase, sql: String, arguments: StatementArguments = []) throws -> RowCursor {
        try RowCursor(statement: try db.cachedStatement(sql: sql), arguments: arguments)
    }
}

/// A query read in pages through a server-side cursor inside the current transaction.
final class RowCursor {
    private let db: PGDatabase
    private let name: String
    private var page: PGResult?
    private var position = 0
    private var finished = false

    init(statement: PGStatement, arguments: StatementArguments) throws {
        db = statement.db
        name = "handoff_cursor_\(db.nextCursorNumber())"
        _ = try db.connection.query("DECLARE \(name) NO SCROLL CURSOR FOR \(statement.sql)", arguments.values)
    }

    func next() throws -> Row? {
        if let page, position < page.count {
            position += 1
            return Row(result: page, index: position - 1)
        }
        guard !finished else { return nil }
        let fetched = try db.connection.query("FETCH FORWARD 1000 FROM \(name)")
        if fetched.count < 1000 {
            finished = true
            try db.connection.execute("CLOSE \(name)")
        }
        page = fetched
        position = 0
        guard fetched.count > 0 else { return nil }
        position = 1
        return Row(result: fetched, index: 0)
    }
}

/// A Swift value read from a column's text.
protocol PGDecodable {
    static func decode(_ text: String?) -> Self?
}

extension String: PGDecodable { static func decode(_ text: String?) -> String? { text } }
extension Int64: PGDecodable { static func decode(_ text: String?) -> Int64? { text.flatMap { Int64($0) } } }
extension Int: PGDecodable { static func decode(_ text: String?) -> Int? { text.flatMap { Int($0) } } }
extension Double: PGDecodable { static func decode(_ text: String?) -> Double? { text.flatMap { Double($0) } } }
extension Bool: PGDecodable {
    static func decode(_ text: String?) -> Bool? {
        switch text {
        case "t", "true", "1": return true
        case "f", "false", "0": return false
        default: return nil
        }
    }
}
extension Optional: PGDecodable where Wrapped: PGDecodable {
    static func decode(_ text: String?) -> Wrapped?? {
        guard let text else { return .some(nil) }
        guard let value = Wrapped.decode(text) else { return nil }
        return .some(value)
    }
}

extension PGDecodable {
    /// The first column of the first row, if there is a row (and it is not NULL).
    static func fetchOne(_ statement: PGStatement, arguments: StatementArguments = []) throws -> Self? {
        let result = try statement.query(arguments)
        guard result.count > 0 else { return nil }
        return decode(result.text(0, 0))
    }

    /// The first column of every row (NULLs left out).
    static func fetchAll(_ statement: PGStatement, arguments: StatementArguments = []) throws -> [Self] {
        let result = try statement.query(arguments)
        return (0..<result.count).compactMap { decode(result.text($0, 0)) }
    }
}
