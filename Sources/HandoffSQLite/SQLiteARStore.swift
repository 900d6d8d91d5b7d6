import Foundation
package import GRDB
import HandoffDomain
public import HandoffStore

/// The AR record in an embedded SQLite database: WAL mode, foreign keys on, the schema
/// built by named migrations (``Migrations``) when the store opens.
public final class SQLiteARStore: ReconciliationStore, ComplianceStore {
    /// The underlying GRDB pool. Nothing outside this package sees it: the rest of Handoff asks
    /// the store protocols, so that no SQLite or GRDB type crosses the seam. (Tests in this
    /// package look at the schema through it.)
    package let pool: DatabasePool
    /// The database file.
    public let path: String

    /// Opens the database at `path` and brings its schema up to date. Only `handoff init`
    /// passes `creating: true`: any other command given a path with no database (a typo in
    /// `[storage] database`) must stop with ``DatabaseMissing`` rather than start an empty one.
    public init(path: String, creating: Bool = false) throws {
        if !creating && !FileManager.default.fileExists(atPath: path) { throw DatabaseMissing(path: path) }
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(10)
        config.label = "handoff"
        config.prepareDatabase { db in
            // The writer's page cache: 32 MiB instead of SQLite's 2 MiB. A large write (an
            // import, a placement run, a day's activity file) inserts into indexes at many
            // places at once (the due dates, the ledger by customer, the events by account);
            // in a small cache those pages are evicted, written to the WAL and read back again
            // and again (docs/benchmarks.md). Readers keep the default.
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA cache_size = -32768") }
        }
        pool = try DatabasePool(path: path, configuration: config)
        self.path = path
        try Migrations.migrator.migrate(pool)
    }

    /// The names of every migration this version of Handoff knows, oldest first (the
    /// PostgreSQL twins must carry the same names, in the same order).
    public static var migrationNames: [String] { Migrations.migrator.migrations }

    /// The names of the migrations applied, oldest first.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try Migrations.migrator.appliedMigrations(db) }
    }

    /// One write transaction through a session; what the session still holds back (the first
    /// ledger entries of the last invoices imported) is written, and the rows it added to the
    /// ledger and the audit log are sealed into their chains, before it commits.
    func writing<T>(_ body: (SQLiteSession) throws -> T) throws -> T {
        try pool.write { db in
            let session = SQLiteSession(db: db)
            session.chainStartPoint = try session.chainStart()
            let result = try body(session)
            try session.flushInvoiceLedger()
            try session.sealAuditChains(after: session.chainStartPoint)
            return result
        }
    }

    public func read<T>(_ body: (any ARReading) throws -> T) throws -> T {
        try pool.read { db in try body(SQLiteSession(db: db)) }
    }

    public func write<T>(_ body: (any ARWriting) throws -> T) throws -> T {
        try writing(body)
    }

    public func readPlacements<T>(_ body: (any PlacementReading) throws -> T) throws -> T {
        try pool.read { db in try body(SQLiteSession(db: db)) }
    }

    public func readOutbox<T>(_ body: (any OutboxReading & PlacementReading) throws -> T) throws -> T {
        try pool.read { db in try body(SQLiteSession(db: db)) }
    }

    public func writeOutbox<T>(_ body: (any OutboxWriting & PlacementWriting) throws -> T) throws -> T {
        try writing(body)
    }

    public func readInbox<T>(_ body: (any InboxReading) throws -> T) throws -> T {
        try pool.read { db in try body(SQLiteSession(db: db)) }
    }

    public func writeInbox<T>(_ body: (any InboxWriting) throws -> T) throws -> T {
        try writing(body)
    }

    public func readReconciliation<T>(_ body: (any ReconciliationWriting) throws -> T) throws -> T {
        try pool.read { db in try body(SQLiteSession(db: db)) }
    }

    public func writeReconciliation<T>(_ body: (any ReconciliationWriting) throws -> T) throws -> T {
        try writing(body)
    }

    public func writePlacements<T>(_ body: (any PlacementWriting) throws -> T) throws -> T {
        try writing(body)
    }

    public func readCompliance<T>(_ body: (any ComplianceReading) throws -> T) throws -> T {
        try pool.read { db in try body(SQLiteSession(db: db)) }
    }

    public func writeCompliance<T>(_ body: (any ComplianceWriting) throws -> T) throws -> T {
        try writing(body)
    }
}

/// The database file a store was asked to open does not exist (and the caller may not create it).
public struct DatabaseMissing: Error, CustomStringConvertible, Sendable {
    /// The path that was looked for.
    public var path: String
    public init(path: String) { self.path = path }
    public var description: String { "the database \(path) does not exist" }
}

