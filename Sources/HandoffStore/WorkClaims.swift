/// The work that only one Handoff process at a time may do on one AR record, whichever
/// machine it runs on: each of the daemon's jobs, and the commands that do a job's work by
/// hand (`handoff place`, `send`, `fetch`, `reconcile`, `terms`, `dunning`).
///
/// Two `handoff serve` on one PostgreSQL database both run their schedules; the claim lets one
/// of them run a job while the other's run of the same job is skipped, and a command run by
/// hand waits for nobody: it stops at once, changing nothing, when the job is under way
/// elsewhere. A claim ends when its work returns or throws, and when its process dies (the
/// engine lets go of it), so that a killed instance never keeps a job from running.
public enum ClaimedWork: String, CaseIterable, Sendable {
    case place, send, fetch, dunning, terms, anchor

    /// The words a refusal uses: "the place job".
    public var words: String { "the \(rawValue) job" }
}

/// An engine's claims on ``ClaimedWork``: an advisory lock held for the run on PostgreSQL, an
/// exclusive lock on a file beside the database on SQLite. Both end with the process.
public protocol WorkClaims: Sendable {
    /// Runs `body` while this process holds the claim on `work`, or returns `nil` at once,
    /// without running it, when another process holds it.
    func exclusively<T>(_ work: ClaimedWork, _ body: () throws -> T) throws -> T?

    /// Takes `claimant`'s scheduled turn at `work`, so that instances sharing one database run
    /// each job once per interval between them, not once per interval each: answers `true` and
    /// records the start when no process has taken a turn at it in the last `every` seconds
    /// (less two seconds, for timers that wake a little early), and `false`, changing nothing,
    /// otherwise. Counted on the database's clock, which every instance shares. `every: 0`
    /// takes the turn whatever came before (a daemon's first run when it starts).
    func takeScheduledTurn(_ work: ClaimedWork, every: Int64, claimant: String) throws -> Bool

    /// Whether several processes may write this record at once and share work row by row
    /// (PostgreSQL). Then the daemon's `fetch` job holds its claim only while it takes files
    /// in, and applies them without it, each file claimed in its row
    /// (``ReconciliationWriting/claimReceivedFile(id:)``), so that the instances share that
    /// work. SQLite has one writer at a time, and its `fetch` job holds the claim throughout.
    var sharesWorkRowByRow: Bool { get }
}

/// Another Handoff process holds the claim on some work (``WorkClaims``); nothing was changed.
public struct WorkClaimedElsewhere: Error, CustomStringConvertible, Sendable {
    public let work: ClaimedWork
    public init(_ work: ClaimedWork) { self.work = work }
    public var description: String {
        "\(work.words) is running in another Handoff process on this record now "
            + "(the daemon, or a command run by hand): "
            + "nothing was changed; run it again once that one has finished"
    }
}

extension WorkClaims {
    /// Runs `body` holding the claim on `work`, or throws ``WorkClaimedElsewhere``.
    public func claiming<T>(_ work: ClaimedWork, _ body: () throws -> T) throws -> T {
        guard let result = try exclusively(work, body) else { throw WorkClaimedElsewhere(work) }
        return result
    }
}
