/// One file's way to an agency, as a pure state machine: every state is committed to the
/// database before the action it leads to is performed, so a crash at any point leaves a
/// state the next run can resume from without sending anything twice.
///
///     staged ──startAttempt──▶ sending ──delivered──▶ sent ──confirmed──▶ confirmed
///        ▲                      │  ▲                    (or straight to confirmed when the
///        │                      │  └─ startAttempt       transport verified the delivery)
///        └── retryLater ◀──failed (temporary)           failed (permanent, or too many tries)
public struct OutboxTransfer: Hashable, Sendable {
    public enum State: Hashable, Sendable {
        /// Waiting for its first attempt. → `sending` (startAttempt).
        case staged
        /// An attempt is under way, or was when the process stopped. → `sent`/`confirmed`
        /// (delivered), → `retryLater` or `failed` (failed), → `sending` again (startAttempt
        /// after a crash: the transport first checks whether the file already arrived).
        case sending
        /// Delivered; waiting for the agency's confirmation. → `confirmed`.
        case sent
        /// The agency has it: final.
        case confirmed
        /// A temporary failure; try again at `notBefore` (Unix seconds). → `sending` (startAttempt once due).
        case retryLater(notBefore: Int64, error: String)
        /// A permanent failure, shown to the user with what to do: final until a person retries it.
        case failed(reason: String)

        /// The state's stored name (its payload, if any, is stored beside it).
        public var stored: StoredState {
            switch self {
            case .staged: return .staged
            case .sending: return .sending
            case .sent: return .sent
            case .confirmed: return .confirmed
            case .retryLater: return .retryLater
            case .failed: return .failed
            }
        }

        /// The state's stored name as text: `staged`, `sending`, `sent`, `confirmed`, `retry_later` or `failed`.
        public var name: String { stored.rawValue }

        /// Turns a stored row back into a state (the reverse of ``stored``): `notBefore` and
        /// `error` are the payload of `retry_later` and `failed`.
        public init(restoring stored: StoredState, notBefore: Int64?, error: String?) {
            switch stored {
            case .staged: self = .staged
            case .sending: self = .sending
            case .sent: self = .sent
            case .confirmed: self = .confirmed
            case .retryLater: self = .retryLater(notBefore: notBefore ?? 0, error: error ?? "")
            case .failed: self = .failed(reason: error ?? "")
            }
        }
    }

    /// The name a transfer's state is stored under, without its payload.
    public enum StoredState: String, Sendable, Hashable, CaseIterable {
        case staged, sending, sent, confirmed
        case retryLater = "retry_later"
        case failed
    }

    /// What the caller does next.
    public enum Action: Hashable, Sendable {
        /// Send the file (after committing the new state). The transport must check first
        /// whether the file is already there.
        case send
        /// Nothing to do now (not due yet, or already delivered).
        case wait
        /// Record the delivery; nothing more to send.
        case recordDelivery
        /// Record the confirmation.
        case recordConfirmation
        /// Try again later, at this time.
        case scheduleRetry(notBefore: Int64)
        /// Give up and show this reason.
        case reportFailure(reason: String)
        /// The event does not fit the state; nothing changed.
        case invalid(reason: String)
    }

    public private(set) var state: State
    /// Attempts started so far.
    public private(set) var attempts: Int
    /// After this many failed attempts a temporary failure becomes permanent.
    public let maxAttempts: Int

    public init(state: State = .staged, attempts: Int = 0, maxAttempts: Int = 12) {
        self.state = state
        self.attempts = attempts
        self.maxAttempts = maxAttempts
    }

    /// Starts an attempt if one is due at `now`.
    public mutating func startAttempt(now: Int64) -> Action {
        switch state {
        case .staged, .sending:
            state = .sending
            attempts += 1
            return .send
        case .retryLater(let notBefore, _):
            guard now >= notBefore else { return .wait }
            state = .sending
            attempts += 1
            return .send
        case .sent, .confirmed:
            return .wait
        case .failed(let reason):
            return .invalid(reason: "failed permanently (\(reason)); a person must retry it")
        }
    }

    /// The file arrived. `verified` when the transport checked it under its final name (its
    /// size): then it is confirmed at once; otherwise the agency's receipt confirms it later.
    public mutating func delivered(verified: Bool) -> Action {
        switch state {
        case .sending:
            state = verified ? .confirmed : .sent
            return verified ? .recordConfirmation : .recordDelivery
        case .sent, .confirmed:
            return .wait
        case .staged, .retryLater, .failed:
            return .invalid(reason: "delivered while \(state.name)")
        }
    }

    /// The agency confirmed receipt.
    public mutating func confirmed() -> Action {
        switch state {
        case .sent, .sending:
            state = .confirmed
            return .recordConfirmation
        case .confirmed:
            return .wait
        case .staged, .retryLater, .failed:
            return .invalid(reason: "confirmed while \(state.name)")
        }
    }

    /// The attempt failed. A temporary failure is retried after an exponential backoff with
    /// jitter (`jitter` in 0..<1 from the caller, so this stays pure), or after the server's
    /// `retryAfter`; a permanent one, or the last allowed attempt, fails the transfer.
    public mutating func failed(_ error: String, permanent: Bool, now: Int64, jitter: Double, retryAfter: Int64? = nil)
        -> Action
    {
        switch state {
        case .sending:
            if permanent || attempts >= maxAttempts {
                let reason = permanent ? error : "gave up after \(attempts) attempts; last error: \(error)"
                state = .failed(reason: reason)
                return .reportFailure(reason: reason)
            }
            let delay = max(retryAfter ?? 0, Self.backoff(attempt: attempts, jitter: jitter))
            state = .retryLater(notBefore: now + delay, error: error)
            return .scheduleRetry(notBefore: now + delay)
        case .staged, .sent, .confirmed, .retryLater, .failed:
            return .invalid(reason: "failed while \(state.name)")
        }
    }

    /// A person asks to try a failed transfer again.
    public mutating func retryByHand() -> Action {
        switch state {
        case .failed:
            state = .staged
            attempts = 0
            return .wait
        case .staged, .sending, .sent, .confirmed, .retryLater:
            return .invalid(reason: "only a failed transfer can be retried by hand")
        }
    }

    /// Seconds to wait after the `attempt`-th failure: 30 s doubling each time, at most an
    /// hour, then ±20% jitter so that many transfers do not retry in step.
    public static func backoff(attempt: Int, jitter: Double) -> Int64 {
        let base = min(30.0 * Double(1 << min(max(attempt - 1, 0), 20)), 3600.0)
        let factor = 0.8 + 0.4 * min(max(jitter, 0), 0.999_999)
        return Int64((base * factor).rounded())
    }
}
