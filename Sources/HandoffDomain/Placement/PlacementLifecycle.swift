/// Why a placement ended. Stored as its raw value.
public enum ClosureReason: String, Sendable, Hashable, CaseIterable, Codable {
    /// The debtor paid everything owed.
    case paidInFull = "paid_in_full"
    /// The debtor paid an agreed part; reconciliation writes the remainder off as a settlement allowance.
    case settled
    /// The agency gave up and sent the account back.
    case returnedUncollectable = "returned_uncollectable"
    /// The business took the account back, and the agency confirmed it.
    case recalled
    /// The business pulled the account before its file was sent: the agency never saw it.
    case withdrawn

    /// What may happen to the account after a placement that ended this way.
    public enum NextStep: String, Sendable, Hashable, CaseIterable, Codable {
        /// Nothing automatic: the account stays out of placement runs (a person may still place it again).
        case finished
        /// A placement run may offer the account to the next agency tier.
        case eligibleForNextTier = "eligible_for_next_tier"
        /// A placement run may select the account again at the same tier.
        case eligibleAgainSameTier = "eligible_again_same_tier"
    }

    /// What may happen to the account next: paid in full, settled and recalled are finished;
    /// returned uncollectable moves on to the next tier; withdrawn may be selected again at the same tier.
    public var nextStep: NextStep {
        switch self {
        case .paidInFull, .settled, .recalled: return .finished
        case .returnedUncollectable: return .eligibleForNextTier
        case .withdrawn: return .eligibleAgainSameTier
        }
    }
}

/// The lifecycle of one account's placement with one agency, as a pure state machine.
///
/// Each event is a `mutating` method that moves ``state`` and returns the ``Action`` the caller
/// must perform (write a row, send a recall, return the account to the business...). The machine
/// does no I/O and never traps:
/// - an event that is not valid in the current state returns ``Action/invalid(reason:)`` and leaves
///   the state unchanged;
/// - an event that repeats the transition that led to the current state (the same agency file
///   applied twice) returns ``Action/none`` and leaves the state unchanged.
///
/// Every event that changes the state returns an action other than `.none` and `.invalid`, so
/// `.none` and `.invalid` always mean "nothing changed".
public struct PlacementLifecycle: Sendable, Hashable {
    /// Where a placement stands.
    public enum State: Sendable, Hashable {
        /// Chosen by a placement run, not yet written into a file. Valid transitions:
        /// - `batchWritten(batchID:)` → ``batched(batchID:)``
        case selected

        /// In a placement file in the staging folder, not yet sent. Valid transitions:
        /// - `fileSent()` → ``sent``
        /// - `batchWritten(batchID:)` with the same id: no change (`.none`)
        case batched(batchID: Int64)

        /// The file reached the agency; no answer yet. Valid transitions:
        /// - `acknowledged(accepted:)` → ``accepted(agencyReference:)``
        /// - `rejected(reason:)` → ``rejected(reason:)``
        /// - `agencyActivity()` → ``active`` (the agency skipped the acknowledgement: an implicit acceptance)
        /// - `fileSent()`: no change (`.none`)
        case sent

        /// The agency acknowledged and took the account, under its own reference if it gave one.
        /// Valid transitions:
        /// - `agencyActivity()` → ``active`` (the first status or payment)
        /// - `recallRequested()` → ``recallPending``
        /// - `closed(_:)` with any reason but ``ClosureReason/withdrawn`` → ``closed(_:)``
        /// - `acknowledged(accepted:)` with the same reference: no change (`.none`)
        case accepted(agencyReference: String?)

        /// The agency refused the account at acknowledgement. Terminal for this agency.
        /// Valid transitions: none; `rejected(reason:)` with the same reason: no change (`.none`).
        case rejected(reason: String)

        /// The agency is working the account. Valid transitions:
        /// - `recallRequested()` → ``recallPending``
        /// - `closed(_:)` with any reason but ``ClosureReason/withdrawn`` → ``closed(_:)``
        /// - `agencyActivity()`: no change (`.none`): more activity on a worked account
        /// - `recallObjected()`: no change (`.none`): a repeated objection to a recall already resolved
        /// - `recallFailed()`: no change (`.none`)
        case active

        /// The business asked the agency to give the account back; the agency has not answered.
        /// Valid transitions:
        /// - `recallConfirmed()` → ``closed(_:)`` with ``ClosureReason/recalled``
        /// - `recallObjected()` → ``active`` (the agency keeps it, e.g. a payment plan; the business
        ///   may request the recall again, and the agency must confirm that second request)
        /// - `recallFailed()` → ``active`` (the recall never reached the agency, or it refused the
        ///   request itself; a recall may be requested again)
        /// - `closed(_:)` with any reason but ``ClosureReason/withdrawn`` → ``closed(_:)``
        ///   (the agency may close the account, e.g. paid in full, before answering the recall)
        /// - `recallRequested()`: no change (`.none`): the recall is already out
        /// - `agencyActivity()`: no change (`.none`): the agency still holds the account until it confirms
        case recallPending

        /// The placement ended. Terminal. Valid transitions: none. No change (`.none`) for
        /// `closed(_:)` with the same reason and `recallConfirmed()` when closed as
        /// ``ClosureReason/recalled``.
        case closed(ClosureReason)

        /// The state's stored name, in snake case: `selected`, `batched`, `sent`, `accepted`,
        /// `rejected`, `active`, `recall_pending` or `closed`.
        public var name: String {
            switch self {
            case .selected: return "selected"
            case .batched: return "batched"
            case .sent: return "sent"
            case .accepted: return "accepted"
            case .rejected: return "rejected"
            case .active: return "active"
            case .recallPending: return "recall_pending"
            case .closed: return "closed"
            }
        }

        /// Whether the account is committed to this agency: every state but ``rejected(reason:)``
        /// and ``closed(_:)``.
        public var isOpen: Bool {
            switch self {
            case .selected, .batched, .sent, .accepted, .active, .recallPending: return true
            case .rejected, .closed: return false
            }
        }

        /// The state as a database row stores it: its ``name`` and the one payload it carries
        /// (`batchID` for `batched`, `agencyReference` for `accepted`, `reason` for `rejected`,
        /// and the ``ClosureReason`` raw value for `closed`); the other fields are `nil`.
        public var storedFields: (name: String, batchID: Int64?, agencyReference: String?, reason: String?) {
            switch self {
            case .selected, .sent, .active, .recallPending: return (name, nil, nil, nil)
            case .batched(let batchID): return (name, batchID, nil, nil)
            case .accepted(let agencyReference): return (name, nil, agencyReference, nil)
            case .rejected(let reason): return (name, nil, nil, reason)
            case .closed(let reason): return (name, nil, nil, reason.rawValue)
            }
        }

        /// Turns a stored row back into a state (the reverse of ``storedFields``). Returns `nil`
        /// for an unknown name, a `batched` row without a batch id, a `rejected` row without a
        /// reason, or a `closed` row whose reason is not a ``ClosureReason`` raw value. Fields a
        /// state does not carry are ignored, so a row may keep its batch id and agency reference
        /// after the state has moved on.
        public init?(restoring name: String, batchID: Int64?, agencyReference: String?, reason: String?) {
            switch name {
            case "selected": self = .selected
            case "batched":
                guard let batchID else { return nil }
                self = .batched(batchID: batchID)
            case "sent": self = .sent
            case "accepted": self = .accepted(agencyReference: agencyReference)
            case "rejected":
                guard let reason else { return nil }
                self = .rejected(reason: reason)
            case "active": self = .active
            case "recall_pending": self = .recallPending
            case "closed":
                guard let reason, let closure = ClosureReason(rawValue: reason) else { return nil }
                self = .closed(closure)
            default: return nil
            }
        }
    }

    /// What the caller must do after an event. Every action but `.none` and `.invalid` comes
    /// with a change of ``state``.
    public enum Action: Sendable, Hashable {
        /// Nothing to do: the event repeated the transition already made, or needs no change.
        case none
        /// Record that the account is in the placement file `batchID`, still in staging.
        case recordBatch(batchID: Int64)
        /// Record that the account's file reached the agency.
        case markSent
        /// Record the agency's acknowledgement and its reference for the account (if it gave one).
        case recordAcceptance(agencyReference: String?)
        /// Record that the agency took the account without acknowledging it (its first activity
        /// came before any acknowledgement): it is accepted and active, with no agency reference.
        case recordImplicitAcceptance
        /// The agency refused the account: give it back to the business with `reason`, and, when
        /// `blockAgencyUntilCleared` is true, place it with this agency no more until a person clears the block.
        case returnToBusiness(reason: String, blockAgencyUntilCleared: Bool)
        /// Record that the agency is working the account (its first status or payment).
        case markActive
        /// Send the agency a recall request for the account.
        case sendRecall
        /// Record that the agency refused the recall and keeps working the account.
        case recordRecallObjection
        /// Record that the recall never reached the agency, or the agency refused it: the
        /// agency keeps working the account, and a recall may be requested again.
        case resumeAfterFailedRecall
        /// Record the placement as closed for `reason`; `next` is what may happen to the account
        /// afterwards (``ClosureReason/nextStep`` of `reason`).
        case close(ClosureReason, next: ClosureReason.NextStep)
        /// The event is not valid in the current state; nothing changed. `reason` says why, for a log or a report.
        case invalid(reason: String)
    }

    /// Where the placement stands.
    public private(set) var state: State

    /// A lifecycle starting at `state`: ``State/selected`` for a new placement, or a state
    /// restored from storage with ``State/init(restoring:batchID:agencyReference:reason:)``.
    public init(state: State = .selected) {
        self.state = state
    }

    // MARK: - Events

    /// The account was written into the staged placement file `batchID`.
    public mutating func batchWritten(batchID: Int64) -> Action {
        switch state {
        case .selected:
            state = .batched(batchID: batchID)
            return .recordBatch(batchID: batchID)
        case .batched(let current):
            if current == batchID { return .none }
            return .invalid(reason: "batchWritten(\(batchID)): the placement is already in batch \(current)")
        case .sent, .accepted, .rejected, .active, .recallPending, .closed:
            return invalid("batchWritten")
        }
    }

    /// The placement file holding the account reached the agency.
    public mutating func fileSent() -> Action {
        switch state {
        case .batched:
            state = .sent
            return .markSent
        case .sent:
            return .none
        case .selected:
            return .invalid(reason: "fileSent: the placement is not in a batch yet")
        case .accepted, .rejected, .active, .recallPending, .closed:
            return invalid("fileSent")
        }
    }

    /// The agency acknowledged the account and took it, under `agencyReference` if it gave one.
    public mutating func acknowledged(accepted agencyReference: String?) -> Action {
        switch state {
        case .sent:
            state = .accepted(agencyReference: agencyReference)
            return .recordAcceptance(agencyReference: agencyReference)
        case .accepted(let current):
            if current == agencyReference { return .none }
            return .invalid(reason: "an acknowledgement: the placement was already accepted under reference "
                + "\(current ?? "(none)"), not \(agencyReference ?? "(none)")")
        case .selected, .batched, .rejected, .active, .recallPending, .closed:
            return invalid("acknowledged")
        }
    }

    /// The agency refused the account at acknowledgement, for `reason`.
    public mutating func rejected(reason: String) -> Action {
        switch state {
        case .sent:
            state = .rejected(reason: reason)
            return .returnToBusiness(reason: reason, blockAgencyUntilCleared: true)
        case .rejected(let current):
            if current == reason { return .none }
            return .invalid(reason: "a rejection: the placement was already rejected for \"\(current)\"")
        case .selected, .batched, .accepted, .active, .recallPending, .closed:
            return invalid("rejected")
        }
    }

    /// The agency reported activity on the account: a status or a payment.
    public mutating func agencyActivity() -> Action {
        switch state {
        case .sent:
            state = .active
            return .recordImplicitAcceptance
        case .accepted:
            state = .active
            return .markActive
        case .active, .recallPending:
            return .none
        case .selected, .batched, .rejected, .closed:
            return invalid("agencyActivity")
        }
    }

    /// The business asked for the account back.
    public mutating func recallRequested() -> Action {
        switch state {
        case .accepted, .active:
            state = .recallPending
            return .sendRecall
        case .recallPending:
            return .none
        case .selected, .batched:
            return .invalid(reason: "recallRequested: the file is not sent yet; withdraw the placement instead")
        case .sent, .rejected, .closed:
            return invalid("recallRequested")
        }
    }

    /// The agency confirmed the recall and gave the account back.
    public mutating func recallConfirmed() -> Action {
        switch state {
        case .recallPending:
            return close(.recalled)
        case .closed(.recalled):
            return .none
        case .selected, .batched, .sent, .accepted, .rejected, .active, .closed:
            return invalid("recallConfirmed")
        }
    }

    /// The agency refused the recall (for example, the debtor is on a payment plan) and keeps the account.
    public mutating func recallObjected() -> Action {
        switch state {
        case .recallPending:
            state = .active
            return .recordRecallObjection
        case .active:
            return .none
        case .selected, .batched, .sent, .accepted, .rejected, .closed:
            return invalid("recallObjected")
        }
    }

    /// The recall could not be sent, or the agency refused the request itself (not an
    /// objection): the account is back with the agency as before, and may be recalled again.
    public mutating func recallFailed() -> Action {
        switch state {
        case .recallPending:
            state = .active
            return .resumeAfterFailedRecall
        case .active:
            return .none
        case .selected, .batched, .sent, .accepted, .rejected, .closed:
            return invalid("recallFailed")
        }
    }

    /// The agency closed the account for `reason`. ``ClosureReason/withdrawn`` is never valid
    /// here: only the business withdraws an account, before its file is sent.
    public mutating func closed(_ reason: ClosureReason) -> Action {
        switch state {
        case .accepted, .active, .recallPending:
            if reason == .withdrawn {
                return .invalid(
                    reason: "closed(withdrawn): the file was sent; the agency must close or the business recall")
            }
            return close(reason)
        case .closed(let current):
            if current == reason { return .none }
            return .invalid(
                reason:
                    "\(Self.words(forEvent: "closed(\(reason.rawValue))")): "
                        + "the placement is already closed as \(Self.words(current))"
            )
        case .selected, .batched, .sent, .rejected:
            return invalid("closed(\(reason.rawValue))")
        }
    }

    // MARK: - Helpers

    private mutating func close(_ reason: ClosureReason) -> Action {
        state = .closed(reason)
        return .close(reason, next: reason.nextStep)
    }

    private func invalid(_ event: String) -> Action {
        .invalid(reason: "\(Self.words(forEvent: event)) does not fit a placement that is \(describe(state))")
    }

    /// A refused event in words, as a held event's reason shows it to the business owner.
    static func words(forEvent event: String) -> String {
        switch event {
        case "batchWritten": return "writing it into a file"
        case "fileSent": return "sending its file"
        case "acknowledged": return "an acknowledgement"
        case "rejected": return "a rejection"
        case "agencyActivity": return "activity reported by the agency"
        case "recallRequested": return "a recall"
        case "recallConfirmed": return "a recall confirmation"
        case "recallObjected": return "an objection to a recall"
        case "recallFailed": return "a failed recall"
        default:
            if event.hasPrefix("closed("), let reason = ClosureReason(rawValue: String(event.dropFirst(7).dropLast())) {
                return "a closure as \(words(reason))"
            }
            return event
        }
    }

    static func words(_ reason: ClosureReason) -> String { String(reason.rawValue.map { $0 == "_" ? " " : $0 }) }

    private func describe(_ state: State) -> String {
        switch state {
        case .selected: return "chosen, not yet in a file"
        case .batched: return "in a file not yet sent"
        case .sent: return "sent, awaiting the agency’s answer"
        case .accepted: return "accepted by the agency"
        case .active: return "being collected by the agency"
        case .recallPending: return "being recalled"
        case .closed(let reason): return "closed (\(Self.words(reason)))"
        case .rejected(let reason): return "rejected by the agency (\(reason))"
        }
    }
}
