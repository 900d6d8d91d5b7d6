import Foundation
public import HandoffStore

/// Claims on PostgreSQL: a session-level advisory lock, taken with `pg_try_advisory_lock` on a
/// connection of the claim's own and held while the work runs, so that every Handoff process
/// on the database (on this machine or another) sees it. When a process dies, its connection
/// closes and the server lets go of the lock: another instance's next run takes the job over,
/// with no lease to wait out.
extension PostgresARStore {
    /// The first of the two keys of every claim's lock ("HAND"); the second is the work's
    /// number. (The migrations' lock uses the one-key form, which never meets the two-key one.)
    static let claimClass: Int32 = 0x4841_4E44

    public func exclusively<T>(_ work: ClaimedWork, _ body: () throws -> T) throws -> T? {
        try pool.withDedicatedConnection { connection in
            // The server lets go of the lock when this connection ends: it must not end while the
            // work runs (no idle timeout), and must end soon after this host vanishes (keepalives).
            try connection.execute("""
                SET idle_session_timeout = 0; SET tcp_keepalives_idle = 30; \
                SET tcp_keepalives_interval = 10; SET tcp_keepalives_count = 3
                """)
            let key = Self.claimKey(work)
            let taken = try connection.query(
                "SELECT pg_try_advisory_lock($1::int4, $2::int4), pg_backend_pid()", [Self.claimClass, key])
            guard taken.bool(0, 0) == true, let backend = taken.text(0, 1) else { return nil }
            // The lock is the session's: closing the connection (when this returns) lets go of it too.
            defer { _ = try? connection.query("SELECT pg_advisory_unlock($1::int4, $2::int4)", [Self.claimClass, key]) }
            // The work's write transactions, on this thread, check before they commit that the
            // claim is still held (``HeldClaim``).
            let previous = HeldClaim.current
            HeldClaim.current = HeldClaim(work: work, key: key, backendPID: backend)
            defer { HeldClaim.current = previous }
            return try body()
        }
    }

    public var sharesWorkRowByRow: Bool { true }

    public func takeScheduledTurn(_ work: ClaimedWork, every: Int64, claimant: String) throws -> Bool {
        // One statement: two instances taking the turn at once meet on the row's lock, and the
        // second sees the first's start and takes nothing.
        try pool.withConnection { connection in
            try connection.query("""
                INSERT INTO job_schedule (job, last_started_at, started_by)
                VALUES ($1, floor(extract(epoch FROM clock_timestamp()))::bigint, $2)
                ON CONFLICT (job) DO UPDATE SET last_started_at = excluded.last_started_at, \
                started_by = excluded.started_by
                WHERE job_schedule.last_started_at <= excluded.last_started_at - greatest($3::bigint - 2, 0)
                RETURNING job
                """, [work.rawValue, claimant, every]).count == 1
        }
    }

    /// When each scheduled job last started, and in which process (the twin of SQLite's `v22-job-schedule`).
    static let jobSchedule = """
        CREATE TABLE job_schedule (
            job text PRIMARY KEY,
            last_started_at bigint NOT NULL,
            started_by text NOT NULL
        );
        """

    /// Throws ``ClaimLost`` when the claim this thread's work runs under is no longer held by
    /// its connection: that connection ended (a network cut, the server's restart, an
    /// administrator's `pg_terminate_backend`), the server let go of the lock, and another
    /// instance may be running the same job. Asked on the write transaction's own connection,
    /// just before it commits, so that nothing the run writes after the loss is kept.
    func checkClaimStillHeld(on connection: PGConnection) throws {
        guard let claim = HeldClaim.current else { return }
        let held = try connection.query("""
            SELECT count(*) FROM pg_locks
            WHERE locktype = 'advisory' AND classid = $1::int4::oid AND objid = $2::int4::oid \
            AND objsubid = 2 AND granted AND pid = $3::int4
            """, [Self.claimClass, claim.key, claim.backendPID]).text(0, 0)
        guard held == "1" else { throw ClaimLost(work: claim.work) }
    }

    /// A number per kind of work that stays the same from one version of Handoff to the next:
    /// its place in the list (new kinds go at the end).
    static func claimKey(_ work: ClaimedWork) -> Int32 {
        switch work {
        case .place: 1
        case .send: 2
        case .fetch: 3
        case .dunning: 4
        case .terms: 5
        case .anchor: 6
        }
    }
}

/// The job claim the work on this thread runs under (``PostgresARStore/exclusively(_:_:)``):
/// the claim's lock and the server process of the connection that holds it. A job's work runs
/// on one thread from start to end, so a thread's claim is its run's.
struct HeldClaim {
    let work: ClaimedWork
    let key: Int32
    let backendPID: String

    private static let threadKey = "handoff.postgresql.claim"

    static var current: HeldClaim? {
        get { Thread.current.threadDictionary[threadKey] as? HeldClaim }
        set { Thread.current.threadDictionary[threadKey] = newValue }
    }
}

/// The claim on a job was lost while its run went on (``PostgresARStore/checkClaimStillHeld(on:)``):
/// the transaction was undone, and the run stops.
public struct ClaimLost: Error, CustomStringConvertible, Sendable {
    public let work: ClaimedWork
    public var description: String {
        "the claim on \(work.words) was lost while it ran (its connection to the database ended): "
            + "what this run was writing "
            + "was undone, and the run stopped; another Handoff process may be running the job now, "
            + "and the next run takes up "
            + "whatever is left"
    }
}
