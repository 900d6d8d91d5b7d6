/// Where a placement batch (one file, or one API batch, for one agency: a placement file or
/// an updates file) stands on its way to the agency. Stored as its raw value.
public enum BatchState: String, Sendable, Hashable, CaseIterable {
    /// Written into the staging folder by a placement run (or the request delivery); not yet in the outbox.
    case staged
    /// Its transfers are in the outbox (encrypted, with its control file, as the agency requires).
    case queued
    /// Its data file reached the agency; its placements are `sent`.
    case sent
    /// The agency's receipt for it reached a status its partner file calls final: no longer polled.
    case receipted
}

/// One batch's way to the agency, as a pure state machine, the companion of each file's
/// ``OutboxTransfer``: the outbox drives it (queueing, delivering the data file, the agency's
/// final receipt) and performs the ``Action`` it returns. An event that does not fit the state
/// returns ``Action/invalid(reason:)``, a repeated one ``Action/none``; neither changes the state.
///
///     staged ──queued──▶ queued ──dataFileDelivered──▶ sent ──receiptFinal──▶ receipted
public struct BatchDelivery: Sendable, Hashable {
    /// What the caller does next.
    public enum Action: Sendable, Hashable {
        /// Nothing: the event repeated the transition already made.
        case none
        /// Record the batch as queued, in the same transaction as its transfers.
        case recordQueued
        /// Record the batch as sent, and move each of its placements on with
        /// ``PlacementLifecycle/fileSent()``.
        case recordSent
        /// Record that the agency's receipt is final: it is no longer polled.
        case recordReceipted
        /// The event does not fit the state; nothing changed.
        case invalid(reason: String)
    }

    public private(set) var state: BatchState

    public init(state: BatchState = .staged) {
        self.state = state
    }

    /// The batch's files were put in the outbox.
    public mutating func queued() -> Action {
        switch state {
        case .staged:
            state = .queued
            return .recordQueued
        case .queued:
            return .none
        case .sent, .receipted:
            return .invalid(reason: "queued: the batch was already \(state.rawValue)")
        }
    }

    /// The batch's data file reached the agency (its control file, if any, follows it).
    public mutating func dataFileDelivered() -> Action {
        switch state {
        case .queued:
            state = .sent
            return .recordSent
        case .sent, .receipted:
            return .none
        case .staged:
            return .invalid(reason: "dataFileDelivered: the batch is not in the outbox yet")
        }
    }

    /// The agency's receipt for the batch reached a final status.
    public mutating func receiptFinal() -> Action {
        switch state {
        case .sent:
            state = .receipted
            return .recordReceipted
        case .receipted:
            return .none
        case .staged, .queued:
            return .invalid(reason: "receiptFinal: the batch was not sent yet (it is \(state.rawValue))")
        }
    }
}
