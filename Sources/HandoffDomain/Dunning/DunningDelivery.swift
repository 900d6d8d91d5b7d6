/// One dunning message's way to the customer's mail server, as a pure state machine. The
/// message is recorded `sending` (with its stable Message-ID and its exact bytes) before the
/// SMTP transaction, and moved on after it, so that no crash or rerun sends it twice unattended.
///
///     sending ──accepted──▶ sent
///        │ ├──failed (temporary)──▶ retry_later ──startAttempt (due)──▶ sending
///        │ └──failed (permanent, or too many tries)──▶ failed ──resendByHand──▶ retry_later
///        └──startAttempt (found after a crash)──▶ unconfirmed ──confirmedByHand──▶ sent
///                                                      └──resendByHand──▶ retry_later
///     retry_later ──withdraw (a hold came, it was paid…)──▶ withdrawn
///
/// A message found `sending` when a run starts was interrupted between recording it and
/// recording the server's answer: the server may have accepted it. It is never sent again on
/// its own: it becomes `unconfirmed` and waits for a person, who confirms it went out or asks
/// to send it again (with the same Message-ID, so that a server that keeps it can drop the copy).
public struct DunningDelivery: Hashable, Sendable {
    /// Where a message stands.
    public enum State: Hashable, Sendable {
        /// The SMTP transaction is under way, or was when the process stopped.
        case sending
        /// The server accepted the message: final.
        case sent
        /// A temporary failure (4xx, no connection); try again at `notBefore` (Unix seconds).
        case retryLater(notBefore: Int64, error: String)
        /// A permanent failure (5xx, a bad address), shown to a person.
        case failed(reason: String)
        /// Interrupted during its transaction: the server may have it. Waits for a person.
        case unconfirmed
        /// Not sent after all: the account no longer qualifies (a hold, paid, placed). Final.
        case withdrawn(reason: String)

        public var stored: StoredState {
            switch self {
            case .sending: return .sending
            case .sent: return .sent
            case .retryLater: return .retryLater
            case .failed: return .failed
            case .unconfirmed: return .unconfirmed
            case .withdrawn: return .withdrawn
            }
        }

        /// Turns a stored row back into a state (`notBefore` and `error` are the payload).
        public init(restoring stored: StoredState, notBefore: Int64?, error: String?) {
            switch stored {
            case .sending: self = .sending
            case .sent: self = .sent
            case .retryLater: self = .retryLater(notBefore: notBefore ?? 0, error: error ?? "")
            case .failed: self = .failed(reason: error ?? "")
            case .unconfirmed: self = .unconfirmed
            case .withdrawn: self = .withdrawn(reason: error ?? "")
            }
        }
    }

    /// A state's stored name.
    public enum StoredState: String, Hashable, Sendable, CaseIterable {
        case sending, sent
        case retryLater = "retry_later"
        case failed, unconfirmed, withdrawn
    }

    /// What the caller does next.
    public enum Action: Hashable, Sendable {
        /// Run the SMTP transaction (after committing `sending`).
        case send
        /// Nothing to do now.
        case wait
        /// Record the message as sent (and a final notice as given).
        case recordSent
        /// Record a retry at this time.
        case scheduleRetry(notBefore: Int64)
        /// Record the failure and show it to a person.
        case reportFailure(reason: String)
        /// Record that a person must confirm whether the message went out.
        case askPerson
        /// Record that the message will not be sent.
        case recordWithdrawal(reason: String)
        /// The event does not fit the state; nothing changed.
        case invalid(reason: String)
    }

    public private(set) var state: State
    /// SMTP transactions started so far.
    public private(set) var attempts: Int
    /// After this many failed attempts a temporary failure becomes permanent.
    public let maxAttempts: Int

    public init(state: State, attempts: Int, maxAttempts: Int = 12) {
        self.state = state
        self.attempts = attempts
        self.maxAttempts = maxAttempts
    }

    /// A new message, recorded before its first transaction.
    public static func firstAttempt() -> DunningDelivery { DunningDelivery(state: .sending, attempts: 1) }

    /// A run comes to the message: a due retry is sent; one found `sending` was interrupted and waits for a person.
    public mutating func startAttempt(now: Int64) -> Action {
        switch state {
        case .sending:
            state = .unconfirmed
            return .askPerson
        case .retryLater(let notBefore, _):
            guard now >= notBefore else { return .wait }
            state = .sending
            attempts += 1
            return .send
        case .sent, .unconfirmed, .withdrawn:
            return .wait
        case .failed(let reason):
            return .invalid(reason: "failed (\(reason)); a person must ask to send it again")
        }
    }

    /// The server accepted the message (250 after the data).
    public mutating func accepted() -> Action {
        switch state {
        case .sending:
            state = .sent
            return .recordSent
        case .sent:
            return .wait
        case .retryLater, .failed, .unconfirmed, .withdrawn:
            return .invalid(reason: "accepted while \(state.stored.rawValue)")
        }
    }

    /// The transaction failed: a temporary failure backs off as the outbox does (30 s doubling
    /// to an hour, ±20% jitter from the caller); a permanent one, or the last attempt, fails.
    public mutating func failed(_ error: String, permanent: Bool, now: Int64, jitter: Double) -> Action {
        switch state {
        case .sending:
            if permanent || attempts >= maxAttempts {
                let reason = permanent ? error : "gave up after \(attempts) attempts; last error: \(error)"
                state = .failed(reason: reason)
                return .reportFailure(reason: reason)
            }
            let notBefore = now + OutboxTransfer.backoff(attempt: attempts, jitter: jitter)
            state = .retryLater(notBefore: notBefore, error: error)
            return .scheduleRetry(notBefore: notBefore)
        case .sent, .retryLater, .failed, .unconfirmed, .withdrawn:
            return .invalid(reason: "failed while \(state.stored.rawValue)")
        }
    }

    /// A waiting retry is dropped: the account no longer qualifies for the step.
    public mutating func withdraw(_ reason: String) -> Action {
        switch state {
        case .retryLater:
            state = .withdrawn(reason: reason)
            return .recordWithdrawal(reason: reason)
        case .sending, .sent, .failed, .unconfirmed, .withdrawn:
            return .invalid(reason: "only a message waiting for a retry can be withdrawn")
        }
    }

    /// A person confirms that an unconfirmed message reached the customer.
    public mutating func confirmedByHand() -> Action {
        switch state {
        case .unconfirmed:
            state = .sent
            return .recordSent
        case .sending, .sent, .retryLater, .failed, .withdrawn:
            return .invalid(reason: "only an unconfirmed message can be confirmed as sent")
        }
    }

    /// A person asks to send a failed or unconfirmed message again, with the same Message-ID, at the next run.
    public mutating func resendByHand() -> Action {
        switch state {
        case .failed, .unconfirmed:
            state = .retryLater(notBefore: 0, error: "sent again at a person's request")
            attempts = 0
            return .wait
        case .sending, .sent, .retryLater, .withdrawn:
            return .invalid(reason: "only a failed or unconfirmed message can be sent again")
        }
    }
}
