import Foundation
import GRDB
public import HandoffStore

/// Claims on SQLite: an exclusive `flock` on a file beside the database
/// (`handoff.sqlite.place.lock`…), held while the work runs. The kernel lets go of it when
/// the process ends, however it ends.
extension SQLiteARStore: WorkClaims {
    public func exclusively<T>(_ work: ClaimedWork, _ body: () throws -> T) throws -> T? {
        let lockPath = path + "." + work.rawValue + ".lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ClaimFileError(path: lockPath, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            if errno == EWOULDBLOCK { return nil }
            throw ClaimFileError(path: lockPath, reason: String(cString: strerror(errno)))
        }
        return try body()
    }

    public var sharesWorkRowByRow: Bool { false }

    public func takeScheduledTurn(_ work: ClaimedWork, every: Int64, claimant: String) throws -> Bool {
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO job_schedule (job, last_started_at, started_by) \
                VALUES (?1, CAST(strftime('%s', 'now') AS INTEGER), ?2)
                ON CONFLICT (job) DO UPDATE SET last_started_at = excluded.last_started_at, \
                started_by = excluded.started_by
                WHERE job_schedule.last_started_at <= excluded.last_started_at - max(?3 - 2, 0)
                """, arguments: [work.rawValue, claimant, every])
            return db.changesCount == 1
        }
    }
}

extension Migrations {
    /// When each scheduled job last started and in which process (``WorkClaims/takeScheduledTurn(_:every:claimant:)``),
    /// so that instances on one database share each job's interval; SQLite keeps one instance,
    /// and the table stays in step with PostgreSQL's.
    static func addJobSchedule(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE job_schedule (
                job TEXT PRIMARY KEY,
                last_started_at INTEGER NOT NULL,
                started_by TEXT NOT NULL
            );
            """)
    }
}

/// The file that holds a claim could not be opened or locked.
struct ClaimFileError: Error, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String {
        "cannot lock \(path), which keeps two Handoff processes from running one job at once: \(reason)"
    }
}
