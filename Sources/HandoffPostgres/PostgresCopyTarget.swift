public import Foundation
public import HandoffConfig

/// An empty PostgreSQL database receiving a whole AR record (`handoff migrate --to`), in one
/// transaction: the schema, every table's rows by `COPY`, the identities moved past the ids
/// copied, and the checks. Nothing is visible until ``commit()``; if Handoff stops (or a
/// check fails) before then, the database is left as it was, and a rerun starts clean.
public final class PostgresCopyTarget {
    private let connection: PGConnection
    private var open = true
    /// The server and database, without any secret.
    public let displayURL: String

    /// Connects, begins the transaction, and creates the schema. A database that holds rows
    /// of an AR record (or tables of anything else) is refused.
    public init(settings: PostgresSettings, environment: [String: String] = ProcessInfo.processInfo.environment) throws
    {
        connection = try PGConnection(settings: settings, password: try settings.password(environment: environment))
        displayURL = settings.displayURL
        try connection.execute("BEGIN")
        do {
            try PostgresARStore.applySteps(connection, creating: true, url: settings.displayURL)
            for table in Self.tables {
                let any = try connection.query("SELECT EXISTS (SELECT 1 FROM \(table))").bool(0, 0) ?? false
                if any { throw PostgresDatabaseNotEmpty(url: settings.displayURL, tables: "\(table) has rows") }
            }
        } catch {
            try? connection.execute("ROLLBACK")
            open = false
            throw error
        }
    }

    deinit {
        if open { try? connection.execute("ROLLBACK") }
    }

    /// Every table of the AR record, each after the tables its rows refer to (`MigrateTests`
    /// checks that the list names every table of SQLite's schema but the migrations' own).
    public static let tables = [
        "customers", "invoices", "transactions", "ledger_entries", "audit_log", "import_runs",
        "placement_batches", "placements", "placement_invoices", "itemizations", "itemization_invoices",
        "final_notices",
        "placement_sequences", "outbox", "inbox", "feed_cursors", "agency_events", "commissions", "remittances",
        "remittance_items", "agency_requests", "dunning_messages", "credit_holds", "account_compliance",
        "placement_statuses", "people", "job_schedule",
    ]

    /// The columns of a table, in order.
    public func columns(of table: String) throws -> [String] {
        let result = try connection.query("""
            SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1
            ORDER BY ordinal_position
            """, [table])
        return (0..<result.count).compactMap { result.text($0, 0) }
    }

    /// Streams rows into a table by `COPY`: `body` calls its argument with each row's values
    /// as text (`nil` for NULL), in the order of `columns`.
    public func copy(table: String, columns: [String], _ body: ((_ row: [String?]) throws -> Void) throws -> Void)
        throws
    {
        let list = columns.map { "\"\($0)\"" }.joined(separator: ", ")
        try connection.copy(into: "COPY \(table) (\(list)) FROM STDIN", body)
    }

    /// Moves each table's identity past the largest id copied, so that new rows get new ids.
    public func moveIdentitiesPastCopiedRows() throws {
        for table in Self.tables {
            let hasIdentity = try connection.query("""
                SELECT EXISTS (SELECT 1 FROM information_schema.columns
                               WHERE table_schema = current_schema() AND table_name = $1 \
                AND column_name = 'id' AND is_identity = 'YES')
                """, [table]).bool(0, 0) ?? false
            guard hasIdentity else { continue }
            try connection.execute("""
                SELECT setval(pg_get_serial_sequence('\(table)', 'id'), \
                COALESCE((SELECT MAX(id) FROM \(table)), 0) + 1, false)
                """)
        }
    }

    /// The rows of a query (no parameters), every value as text.
    public func rows(_ sql: String) throws -> [[String?]] {
        let result = try connection.query(sql)
        let width = result.columnCount
        return (0..<result.count).map { row in (0..<width).map { result.text(row, $0) } }
    }

    /// Makes everything copied visible at once.
    public func commit() throws {
        try connection.execute("COMMIT")
        open = false
    }
}
