/// Where an agency event stands in the AR record. Stored as its raw value (`agency_events.state`,
/// checked by the schema).
public enum AgencyEventState: String, Sendable, Hashable, CaseIterable, Codable {
    /// Booked: whatever it moved is in the ledger, the placement or a request.
    case applied
    /// Set aside for a person, with its reason (unknown account, conflict, overpayment…).
    case held
    /// A reversal that arrived before its payment: applied when the payment arrives.
    case waiting
    /// Set aside for good by a person, with their reason: nothing of it is booked.
    case dismissed
}

/// What reconciliation decided for one event: the outcome a person reads in the run's output.
public enum EventOutcome: Sendable, Hashable {
    /// Booked, with a note when something is worth saying (a hold added, a commission that differs…).
    case applied(note: String?)
    /// Held for a person, with the reason.
    case held(reason: String)
    /// Waits for an event that has not arrived (a reversal for its payment).
    case waiting(reason: String)
    /// The same event, with the same content, was recorded before: nothing to do.
    case duplicate

    /// The state the event is recorded in; `nil` for a duplicate, which is not recorded again.
    public var state: AgencyEventState? {
        switch self {
        case .applied: return .applied
        case .held: return .held
        case .waiting: return .waiting
        case .duplicate: return nil
        }
    }

    /// The reason or note recorded with the event.
    public var reason: String? {
        switch self {
        case .applied(let note): return note
        case .held(let reason), .waiting(let reason): return reason
        case .duplicate: return nil
        }
    }

    /// The outcome's name in a run's output: `applied`, `held`, `waiting` or `duplicate`.
    public var name: String { state?.rawValue ?? "duplicate" }
}

/// One agency event's record, as a pure state machine: each event is a `mutating` method that
/// moves ``state`` and returns the ``Action`` the runner performs.
///
///     (new) ──decided──▶ applied | held | waiting
///     waiting ──decided──▶ applied | held | waiting      (its payment arrived, or not yet)
///     held ──retried──▶ applied | held | waiting          (a person fixed the cause)
///     held ──dismissed──▶ dismissed                       (final)
///
/// An applied or dismissed event never moves again: the same key seen again is a duplicate
/// (or a conflict, recorded under a key of its own).
public struct AgencyEventProgress: Sendable, Hashable {
    /// What the runner does next.
    public enum Action: Sendable, Hashable {
        /// Record the event, new, in this state with this reason.
        case record(AgencyEventState, reason: String?)
        /// Store the recorded event's new state and reason.
        case update(AgencyEventState, reason: String?)
        /// Nothing to write (a duplicate, or a waiting event still waiting with the same reason).
        case none
        /// The step does not fit the state; nothing changed.
        case invalid(reason: String)
    }

    /// `nil` until the event is recorded.
    public private(set) var state: AgencyEventState?

    public init(state: AgencyEventState? = nil) {
        self.state = state
    }

    /// Reconciliation decided the event (a new one, or a waiting one tried again).
    public mutating func decided(_ outcome: EventOutcome) -> Action {
        switch (state, outcome.state) {
        case (_, nil):
            return .none
        case (nil, let next?):
            state = next
            return .record(next, reason: outcome.reason)
        case (.waiting?, let next?):
            state = next
            return .update(next, reason: outcome.reason)
        case (.applied?, _), (.held?, _), (.dismissed?, _):
            return .invalid(reason: "an event already \(state!.rawValue) is not decided again")
        }
    }

    /// A person asked to apply a held event again; `outcome` is what reconciliation decided now.
    public mutating func retried(_ outcome: EventOutcome) -> Action {
        switch state {
        case .held?:
            guard let next = outcome.state else {
                return .invalid(reason: "a retried event cannot be a duplicate of itself")
            }
            state = next
            return .update(next, reason: outcome.reason)
        case nil, .applied?, .waiting?, .dismissed?:
            return .invalid(
                reason: "\(state?.rawValue ?? "unrecorded"), not held: only a held event waits for a person")
        }
    }

    /// A person set a held event aside for good.
    public mutating func dismissed(reason: String) -> Action {
        switch state {
        case .held?:
            state = .dismissed
            return .update(.dismissed, reason: "dismissed: \(reason)")
        case nil, .applied?, .waiting?, .dismissed?:
            return .invalid(
                reason: "\(state?.rawValue ?? "unrecorded"), not held: only a held event waits for a person")
        }
    }
}
