public import Foundation
public import HandoffConfig
import HandoffDomain
public import HandoffStore

/// The AR record in a PostgreSQL database, through libpq: the same store protocols as the
/// embedded SQLite default, the schema built by ``PostgresMigrations`` (twins of SQLite's).
///
/// Every call blocks its thread until PostgreSQL answers, like SQLite's: the daemon runs store
/// work on its bounded thread pools, never on the cooperative pool. A read runs in one
/// `REPEATABLE READ, READ ONLY` transaction (a consistent view, as SQLite's WAL snapshot gives);
/// a write in one `READ COMMITTED` transaction, committed when its body returns and rolled
/// back when it throws.
public final class PostgresARStore: CompleteStore {
    let pool: PGPool
    /// The server and database, without any secret.
    public let displayURL: String

    /// Connects and brings the schema up to date. Only `handoff init` passes `creating: true`:
    /// any other command given a database without an AR record (a typo in `[storage] url`)
    /// stops with ``PostgresDatabaseHoldsNoRecord`` rather than start an empty one. A database
    /// that holds tables of something else is refused either way.
    public init(settings: PostgresSettings, creating: Bool = false, connections: Int = 8,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let password = try settings.password(environment: environment)
        pool = PGPool(settings: settings, password: password, size: connections)
        displayURL = settings.displayURL
        try pool.withConnection { connection in
            try Self.migrate(connection, creating: creating, url: settings.displayURL)
        }
    }

    /// A lock number every Handoff instance takes while it migrates, so that two never build the schema at once.
    static let migrationLock: Int64 = 0x4841_4E44_4F46_4601

    /// Applies the steps not yet applied, in one transaction, under an advisory lock.
    static func migrate(_ connection: PGConnection, creating: Bool, url: String) throws {
        try connection.execute("BEGIN")
        do {
            try applySteps(connection, creating: creating, url: url)
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// Inside the caller's transaction: takes the migration lock, checks the database is
    /// Handoff's (or empty, when `creating`), and applies the steps not yet applied.
    static func applySteps(_ connection: PGConnection, creating: Bool, url: String) throws {
        try connection.query("SELECT pg_advisory_xact_lock($1)", [migrationLock])
        let hasRecord = try connection.query("SELECT to_regclass('handoff_migrations') IS NOT NULL").bool(0, 0) ?? false
        if !hasRecord {
            let others = try connection.query("""
                SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() \
                ORDER BY table_name LIMIT 5
                """)
            if others.count > 0 {
                let names = (0..<others.count).compactMap { others.text($0, 0) }.joined(separator: ", ")
                throw PostgresDatabaseNotEmpty(url: url, tables: names)
            }
            guard creating else { throw PostgresDatabaseHoldsNoRecord(url: url) }
            try connection.execute("""
                CREATE TABLE handoff_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())
                """)
        }
        let applied = try connection.query("SELECT name FROM handoff_migrations")
        let done = Set((0..<applied.count).compactMap { applied.text($0, 0) })
        if let unknown = done.subtracting(PostgresMigrations.names).sorted().first {
            throw PostgresError.unexpected(
                "the database was set up by a newer Handoff (migration \(unknown)): upgrade Handoff first")
        }
        for step in PostgresMigrations.steps where !done.contains(step.name) {
            try connection.execute(step.sql)
            // The rows from before the chains take their places as the chains come.
            if step.name == "v19-audit-chain" {
                try PostgresSession(db: PGDatabase(connection: connection)).sealAuditChains(after: nil)
            }
            try connection.query("INSERT INTO handoff_migrations (name) VALUES ($1)", [step.name])
        }
    }

    /// The names of the migrations applied, oldest first.
    public func appliedMigrations() throws -> [String] {
        try pool.withConnection { connection in
            let result = try connection.query("SELECT name FROM handoff_migrations")
            let done = Set((0..<result.count).compactMap { result.text($0, 0) })
            return PostgresMigrations.names.filter(done.contains)
        }
    }

    /// Runs `sql` (no parameters) outside the store protocols: for tests and `handoff migrate`.
    package func withConnection<T>(_ body: (PGConnection) throws -> T) throws -> T {
        try pool.withConnection(body)
    }

    func reading<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        try transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", writes: false, body)
    }

    /// One write transaction through a session; the ledger entries the session still holds
    /// back are written before it commits.
    func writing<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        try transaction("BEGIN", writes: true) { session in
            let chainStart = try session.chainStart()
            let result = try body(session)
            try session.flushLedger()
            try session.sealAuditChains(after: chainStart)
            return result
        }
    }

    private func transaction<T>(_ begin: String, writes: Bool, _ body: (PostgresSession) throws -> T) throws -> T {
        do {
            return try transaction(begin, writes: writes, body, onFreshConnection: false)
        } catch let failure as BeginFailed {
            // A connection kept from before the server restarted breaks on its first statement;
            // nothing ran, so the transaction starts again once, on a new connection.
            _ = failure
            pool.dropIdleConnections()
            return try transaction(begin, writes: writes, body, onFreshConnection: true)
        }
    }

    /// `BEGIN` failed on a connection that turned out broken: nothing ran.
    private struct BeginFailed: Error { let underlying: any Error }

    private func transaction<T>(
        _ begin: String, writes: Bool, _ body: (PostgresSession) throws -> T, onFreshConnection: Bool
    ) throws -> T {
        try pool.withConnection { connection in
            do {
                try connection.execute(begin)
            } catch {
                if !onFreshConnection && !connection.isHealthy { throw BeginFailed(underlying: error) }
                throw error
            }
            do {
                let db = PGDatabase(connection: connection)
                db.followsItsOwnRows = writes
                let result = try body(PostgresSession(db: db))
                if writes { try checkClaimStillHeld(on: connection) }
                try connection.execute("COMMIT")
                return result
            } catch {
                if connection.isHealthy { try? connection.execute("ROLLBACK") }
                throw error
            }
        }
    }

    public func read<T>(_ body: (any ARReading) throws -> T) throws -> T { try reading(body) }
    public func write<T>(_ body: (any ARWriting) throws -> T) throws -> T { try writing(body) }
    public func readPlacements<T>(_ body: (any PlacementReading) throws -> T) throws -> T { try reading(body) }
    public func writePlacements<T>(_ body: (any PlacementWriting) throws -> T) throws -> T { try writing(body) }
    public func readOutbox<T>(_ body: (any OutboxReading & PlacementReading) throws -> T) throws -> T {
        try reading(body)
    }
    public func writeOutbox<T>(_ body: (any OutboxWriting & PlacementWriting) throws -> T) throws -> T {
        try writing(body)
    }
    public func readInbox<T>(_ body: (any InboxReading) throws -> T) throws -> T { try reading(body) }
    public func writeInbox<T>(_ body: (any InboxWriting) throws -> T) throws -> T { try writing(body) }
    public func readReconciliation<T>(_ body: (any ReconciliationWriting) throws -> T) throws -> T { try reading(body) }
    public func writeReconciliation<T>(_ body: (any ReconciliationWriting) throws -> T) throws -> T {
        try writing(body)
    }
    public func readDunning<T>(_ body: (any DunningReading) throws -> T) throws -> T { try reading(body) }
    public func writeDunning<T>(_ body: (any DunningWriting) throws -> T) throws -> T { try writing(body) }
    public func readCompliance<T>(_ body: (any ComplianceReading) throws -> T) throws -> T { try reading(body) }
    public func writeCompliance<T>(_ body: (any ComplianceWriting) throws -> T) throws -> T { try writing(body) }
}

/// The PostgreSQL database holds no AR record, and the command may not create one.
public struct PostgresDatabaseHoldsNoRecord: Error, CustomStringConvertible, Sendable {
    public var url: String
    public var description: String { "the PostgreSQL database \(url) holds no Handoff AR record" }
}

/// The PostgreSQL database holds tables that are not Handoff's: Handoff wants a database of its own.
public struct PostgresDatabaseNotEmpty: Error, CustomStringConvertible, Sendable {
    public var url: String
    /// Some of the tables found.
    public var tables: String
    public var description: String {
        "the PostgreSQL database \(url) already holds tables that are not Handoff's (\(tables)): "
            + "give Handoff an empty database of its own"
    }
}

