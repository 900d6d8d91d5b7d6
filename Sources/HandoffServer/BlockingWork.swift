import HandoffStore
import NIOCore
import NIOPosix

/// Where the daemon's blocking work runs. SQLite reads and writes, GnuPG and libcurl transfers
/// block the thread they run on, so none of them runs on Swift's cooperative pool, which has
/// one thread per core and would stall every request behind one slow agency. Two bounded pools
/// of threads take that work instead:
/// - ``requests``: a page, an API call, a webhook, a metrics scrape (short reads and writes);
/// - ``jobs``: the scheduled jobs, each of which may wait minutes on an agency's server: one
///   thread for each job (at most one run of each at a time) and one for a placement preview,
///   so that a hung agency never holds up the pages or another job.
enum BlockingWork {
    /// Short database work for requests: as many threads as cores, at least two.
    static let requests: NIOThreadPool = started(threads: max(2, System.coreCount))
    /// The jobs: `place`, `send`, `fetch`, and one more for a preview.
    static let jobs: NIOThreadPool = started(threads: Jobs.Name.allCases.count + 1)

    private static func started(threads: Int) -> NIOThreadPool {
        let pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
        return pool
    }
}

/// Runs a request's blocking work (an SQLite read, an outbox write) on ``BlockingWork/requests``.
func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await BlockingWork.requests.runIfActive(work)
}
