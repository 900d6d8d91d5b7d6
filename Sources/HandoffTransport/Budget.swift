import CCurl
import Foundation

/// A moment a run must not go past, on the monotonic clock: what is left of one agency's
/// time budget in one run of `handoff send` or `handoff fetch`.
public struct Deadline: Sendable {
    /// The budget it was made from, in seconds (for messages).
    public let seconds: Int
    let end: UInt64

    public init(seconds: Int) {
        self.seconds = seconds
        end = Self.now() &+ UInt64(max(seconds, 0)) * 1_000_000_000
    }

    /// Monotonic nanoseconds.
    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Seconds left (0 once passed).
    public var remaining: Double {
        let now = Self.now()
        return now >= end ? 0 : Double(end - now) / 1e9
    }

    public var isSpent: Bool { remaining <= 0 }

    /// The error for work not started because the budget is spent (or has no room left for it).
    public func spent(_ what: String) -> TransportError {
        TransportError(
            .timedOut,
            "\(what): this run's time budget for the agency (\(seconds) s, twice timeout_seconds) leaves no room "
                       + "for it; left for the next run")
    }
}

/// Each agency's time budget in one run of a command, started at its first use: one
/// `TransportFactory` (one run) holds one.
public final class TransportBudget: @unchecked Sendable {
    private let lock = NSLock()
    private var deadlines: [String: Deadline] = [:]

    public init() {}

    /// The deadline of `key` (a partner id), started now with `seconds` if it has none yet.
    public func deadline(for key: String, seconds: Int) -> Deadline {
        lock.lock()
        defer { lock.unlock() }
        if let d = deadlines[key] { return d }
        let d = Deadline(seconds: seconds)
        deadlines[key] = d
        return d
    }
}

/// Watches a transfer through libcurl's progress callback: aborts it when no byte has moved
/// for `stallSeconds` (a frozen server: libcurl's own low-speed check averages over several
/// seconds and let a 15 s timeout run to 22 s), or, when given one, once a deadline passes. libcurl
/// calls it about once a second while nothing moves, and closing the connection to a frozen
/// server takes up to a second more: the transfer ends within about 2 s after the timeout.
final class ProgressGuard {
    let stallSeconds: Int
    let deadline: Deadline?
    private var lastBytes: Int64 = -1
    private var lastMoved = Deadline.now()
    /// Why the transfer was aborted, when it was.
    var reason: String?

    init(stallSeconds: Int, deadline: Deadline?) {
        self.stallSeconds = stallSeconds
        self.deadline = deadline
    }

    static let callback: handoff_curl_xferinfo_callback = { context, _, dlnow, _, ulnow in
        guard let context else { return 0 }
        let g = Unmanaged<ProgressGuard>.fromOpaque(context).takeUnretainedValue()
        let now = Deadline.now()
        let moved = Int64(dlnow) + Int64(ulnow)
        if moved != g.lastBytes {
            g.lastBytes = moved
            g.lastMoved = now
        } else if g.stallSeconds > 0, now - g.lastMoved >= UInt64(g.stallSeconds) * 1_000_000_000 {
            g.reason = "nothing moved for \(g.stallSeconds) s (timeout_seconds): the server stopped answering"
            return 1
        }
        if let d = g.deadline, d.isSpent {
            g.reason =
                "this run's time budget for the agency (\(d.seconds) s, twice timeout_seconds) ran out; "
                    + "left for the next run"
            return 1
        }
        return 0
    }
}

