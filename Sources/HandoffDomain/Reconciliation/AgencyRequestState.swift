/// Where a request to an agency (a recall, a dispute, a direct payment reported…) stands.
/// Stored as its raw value (`agency_requests.state`, checked by the schema).
public enum AgencyRequestState: String, Sendable, Hashable, CaseIterable, Codable {
    /// Waiting to be sent.
    case queued
    /// Sent; the agency has not answered.
    case sent
    /// The agency acknowledged it; a recall or a dispute awaits the agency's status.
    case accepted
    /// Done: the agency confirmed it.
    case confirmed
    /// The agency objected to a recall and keeps the account.
    case objected
    /// The agency refused it, with its reason.
    case rejected
    /// It could not be sent (a permanent failure, or its file refused by the layout).
    case failed

    /// Whether the agency has answered for good: confirmed, objected or rejected.
    public var isSettled: Bool {
        switch self {
        case .confirmed, .objected, .rejected: return true
        case .queued, .sent, .accepted, .failed: return false
        }
    }
}

/// One request to an agency, as a pure state machine. Each step is a `mutating` method that
/// moves ``state`` and returns the ``Action`` the caller performs.
///
///     queued ──sent──▶ sent ──acknowledged──▶ accepted (recall, dispute) ──statusConfirmed──▶ confirmed
///       │  ▲             │                    confirmed (anything else)
///       │  └─failed(temporary)                 ──refused──▶ rejected
///       └──failed(permanent)──▶ failed         ──statusObjected──▶ objected (a recall)
public struct AgencyRequestProgress: Sendable, Hashable {
    /// What the caller does next.
    public enum Action: Sendable, Hashable {
        /// Store the new state, with the error or the agency's reason when there is one.
        case store(AgencyRequestState, error: String?)
        /// Nothing changes (the agency repeated itself, or the step is not one this request waits for).
        case none
        /// The agency answered a request it had already answered for good; nothing changes.
        case alreadySettled(AgencyRequestState)
        /// The step does not fit the state; nothing changed.
        case invalid(reason: String)
    }

    public private(set) var state: AgencyRequestState
    /// The request's kind (`recall`, `dispute`, `direct_payment`, `adjustment`, …).
    public let kind: String

    public init(state: AgencyRequestState = .queued, kind: String) {
        self.state = state
        self.kind = kind
    }

    /// Whether the agency's acknowledgement is not the end: a recall or a dispute is confirmed by the agency's status.
    public var awaitsStatus: Bool { kind == "recall" || kind == "dispute" }

    /// The request left Handoff (alone, or in an updates file).
    public mutating func sent() -> Action {
        switch state {
        case .queued:
            state = .sent
            return .store(.sent, error: nil)
        case .sent:
            return .none
        case .accepted, .confirmed, .objected, .rejected, .failed:
            return .invalid(reason: "sent while \(state.rawValue)")
        }
    }

    /// Sending failed: a temporary failure queues it again, a permanent one fails it.
    public mutating func sendingFailed(_ error: String, permanent: Bool) -> Action {
        switch state {
        case .queued, .sent:
            state = permanent ? .failed : .queued
            return .store(state, error: error)
        case .accepted, .confirmed, .objected, .rejected, .failed:
            return .invalid(reason: "failed while \(state.rawValue)")
        }
    }

    /// The agency acknowledged the request (its update-accepted answer).
    public mutating func acknowledged() -> Action {
        switch state {
        case .confirmed, .objected, .rejected:
            return .alreadySettled(state)
        case .queued, .sent, .accepted, .failed:
            let next: AgencyRequestState = awaitsStatus ? .accepted : .confirmed
            if state == next { return .none }
            state = next
            return .store(next, error: nil)
        }
    }

    /// The agency refused the request, for `reason`.
    public mutating func refused(reason: String) -> Action {
        switch state {
        case .confirmed, .objected, .rejected:
            return .alreadySettled(state)
        case .queued, .sent, .accepted, .failed:
            state = .rejected
            return .store(.rejected, error: reason)
        }
    }

    /// The agency echoed the direct payment the request reported.
    public mutating func echoed() -> Action {
        switch state {
        case .sent, .accepted:
            state = .confirmed
            return .store(.confirmed, error: nil)
        case .queued, .confirmed, .objected, .rejected, .failed:
            return .none
        }
    }

    /// The agency's status confirmed it: a recall or a dispute, sent or acknowledged.
    public mutating func statusConfirmed() -> Action {
        switch state {
        case .sent:
            state = .confirmed
            return .store(.confirmed, error: nil)
        case .accepted where kind == "dispute" || kind == "recall":
            // An acknowledged recall waits for the agency's status, which confirms it here.
            state = .confirmed
            return .store(.confirmed, error: nil)
        case .queued, .accepted, .confirmed, .objected, .rejected, .failed:
            return .none
        }
    }

    /// The agency's status objected to a recall that was sent (acknowledged or not).
    public mutating func statusObjected() -> Action {
        switch state {
        case .sent, .accepted:
            state = .objected
            return .store(.objected, error: nil)
        case .queued, .confirmed, .objected, .rejected, .failed:
            return .none
        }
    }
}
