/// Where a file (or feed event, pushed event or receipt) an agency sent stands in the inbox.
/// Stored as its raw value.
public enum InboxFileState: String, Sendable, Hashable, CaseIterable {
    /// Verified, archived and recorded: ready for reconciliation.
    case received
    /// The same name (or event id) as an earlier file with other content: a person decides;
    /// never processed on its own.
    case held
    /// Cannot be used: not a kind of file the agency sends, cannot be decrypted, a bad
    /// signature, does not parse, or reconciliation could not apply it.
    case quarantined
    /// Reconciled: its events are applied to the AR record.
    case applied
}

/// One received file's way through the inbox, as a pure state machine. Intake decides its
/// first state from what it found on arrival (``arrived(_:)``); reconciliation then moves a
/// received file on (``applied()`` or ``cannotBeApplied(reason:)``).
///
///     (arrival) ──verified──▶ received ──applied──▶ applied
///        │                       └──cannotBeApplied──▶ quarantined
///        ├──sameNameOtherContent──▶ held
///        └──unknownKind / unreadable──▶ quarantined
///
/// An event that does not fit the state returns ``Action/invalid(reason:)`` and a repeated one
/// ``Action/none``; neither changes the state.
public struct InboxFile: Sendable, Hashable {
    /// What intake found when it took a file in.
    public enum Arrival: Sendable, Hashable {
        /// Opened (decrypted and its signature checked, when sealed) and it parses.
        case verified
        /// An earlier file had the same name and other content.
        case sameNameOtherContent(reason: String)
        /// Its name is no kind of file the agency sends.
        case unknownKind(reason: String)
        /// It cannot be decrypted, its signature is bad, or it does not parse.
        case unreadable(reason: String)
    }

    /// What the caller does next.
    public enum Action: Sendable, Hashable {
        /// Nothing: the event repeated the transition already made.
        case none
        /// Record the file in `state`, with `reason` for a person when it is not `received`.
        case record(InboxFileState, reason: String?)
        /// Record the file as applied.
        case recordApplied
        /// Record the file as quarantined, with the reason.
        case quarantine(reason: String)
        /// The event does not fit the state; nothing changed.
        case invalid(reason: String)
    }

    public private(set) var state: InboxFileState

    /// A file restored in `state`.
    public init(state: InboxFileState) {
        self.state = state
    }

    /// A file just taken in, and how to record it.
    public static func arrived(_ arrival: Arrival) -> (file: InboxFile, action: Action) {
        switch arrival {
        case .verified:
            return (InboxFile(state: .received), .record(.received, reason: nil))
        case .sameNameOtherContent(let reason):
            return (InboxFile(state: .held), .record(.held, reason: reason))
        case .unknownKind(let reason), .unreadable(let reason):
            return (InboxFile(state: .quarantined), .record(.quarantined, reason: reason))
        }
    }

    /// Reconciliation applied the file's events.
    public mutating func applied() -> Action {
        switch state {
        case .received:
            state = .applied
            return .recordApplied
        case .applied:
            return .none
        case .held, .quarantined:
            return .invalid(reason: "applied: the file is \(state.rawValue); only a received file is applied")
        }
    }

    /// Reconciliation could not apply the file.
    public mutating func cannotBeApplied(reason: String) -> Action {
        switch state {
        case .received:
            state = .quarantined
            return .quarantine(reason: reason)
        case .quarantined:
            return .none
        case .held, .applied:
            return .invalid(
                reason:
                    "cannotBeApplied: the file is \(state.rawValue); "
                        + "only a received file is quarantined by reconciliation"
            )
        }
    }
}
