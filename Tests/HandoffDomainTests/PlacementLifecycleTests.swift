import HandoffDomain
import Testing

/// One event of ``PlacementLifecycle``, as a value, so tables can list them.
enum PlacementEvent: Hashable, Sendable, CustomStringConvertible {
    case batchWritten(Int64)
    case fileSent
    case acknowledged(String?)
    case rejected(String)
    case agencyActivity
    case recallRequested
    case recallConfirmed
    case recallObjected
    case recallFailed
    case closed(ClosureReason)

    func apply(to lifecycle: inout PlacementLifecycle) -> PlacementLifecycle.Action {
        switch self {
        case .batchWritten(let id): return lifecycle.batchWritten(batchID: id)
        case .fileSent: return lifecycle.fileSent()
        case .acknowledged(let reference): return lifecycle.acknowledged(accepted: reference)
        case .rejected(let reason): return lifecycle.rejected(reason: reason)
        case .agencyActivity: return lifecycle.agencyActivity()
        case .recallRequested: return lifecycle.recallRequested()
        case .recallConfirmed: return lifecycle.recallConfirmed()
        case .recallObjected: return lifecycle.recallObjected()
        case .recallFailed: return lifecycle.recallFailed()
        case .closed(let reason): return lifecycle.closed(reason)
        }
    }

    var description: String {
        switch self {
        case .batchWritten(let id): return "batchWritten(\(id))"
        case .fileSent: return "fileSent"
        case .acknowledged(let reference): return "acknowledged(\(reference ?? "nil"))"
        case .rejected(let reason): return "rejected(\(reason))"
        case .agencyActivity: return "agencyActivity"
        case .recallRequested: return "recallRequested"
        case .recallConfirmed: return "recallConfirmed"
        case .recallObjected: return "recallObjected"
        case .recallFailed: return "recallFailed"
        case .closed(let reason): return "closed(\(reason.rawValue))"
        }
    }
}

/// A transition the lifecycle documents: from a state, an event leads to a state and an action.
struct DocumentedTransition: Sendable {
    var from: PlacementLifecycle.State
    var event: PlacementEvent
    var to: PlacementLifecycle.State
    var action: PlacementLifecycle.Action
}

enum PlacementFixtures {
    /// Expected next steps, written out here rather than read from `ClosureReason.nextStep`.
    static let nextStep: [ClosureReason: ClosureReason.NextStep] = [
        .paidInFull: .finished,
        .settled: .finished,
        .returnedUncollectable: .eligibleForNextTier,
        .recalled: .finished,
        .withdrawn: .eligibleAgainSameTier,
    ]

    /// One or more samples of every state, including `closed` with every reason.
    static let states: [PlacementLifecycle.State] = [
        .selected, .batched(batchID: 7), .sent, .accepted(agencyReference: "AG-1"), .accepted(agencyReference: nil),
        .rejected(reason: "duplicate"), .active, .recallPending,
        .closed(.paidInFull), .closed(.settled), .closed(.returnedUncollectable), .closed(.recalled),
        .closed(.withdrawn),
    ]

    /// Every event, with arguments that both match and differ from the sample states' payloads.
    static let events: [PlacementEvent] = [
        .batchWritten(7), .batchWritten(8), .fileSent,
        .acknowledged("AG-1"), .acknowledged(nil), .acknowledged("AG-2"),
        .rejected("duplicate"), .rejected("out of area"),
        .agencyActivity, .recallRequested, .recallConfirmed, .recallObjected, .recallFailed,
        .closed(.paidInFull), .closed(.settled), .closed(.returnedUncollectable), .closed(.recalled),
        .closed(.withdrawn),
    ]

    /// Every transition the documentation of `PlacementLifecycle.State` allows, over the samples above,
    /// including the repeats that change nothing (`to == from`, action `.none`).
    static let documented: [DocumentedTransition] = {
        typealias T = DocumentedTransition
        var table: [T] = [
            // selected
            T(from: .selected, event: .batchWritten(7), to: .batched(batchID: 7), action: .recordBatch(batchID: 7)),
            T(from: .selected, event: .batchWritten(8), to: .batched(batchID: 8), action: .recordBatch(batchID: 8)),
            // batched
            T(from: .batched(batchID: 7), event: .batchWritten(7), to: .batched(batchID: 7), action: .none),
            T(from: .batched(batchID: 7), event: .fileSent, to: .sent, action: .markSent),
            // sent
            T(from: .sent, event: .fileSent, to: .sent, action: .none),
            T(from: .sent, event: .acknowledged("AG-1"), to: .accepted(agencyReference: "AG-1"),
              action: .recordAcceptance(agencyReference: "AG-1")),
            T(from: .sent, event: .acknowledged(nil), to: .accepted(agencyReference: nil),
              action: .recordAcceptance(agencyReference: nil)),
            T(from: .sent, event: .acknowledged("AG-2"), to: .accepted(agencyReference: "AG-2"),
              action: .recordAcceptance(agencyReference: "AG-2")),
            T(from: .sent, event: .rejected("duplicate"), to: .rejected(reason: "duplicate"),
              action: .returnToBusiness(reason: "duplicate", blockAgencyUntilCleared: true)),
            T(from: .sent, event: .rejected("out of area"), to: .rejected(reason: "out of area"),
              action: .returnToBusiness(reason: "out of area", blockAgencyUntilCleared: true)),
            T(from: .sent, event: .agencyActivity, to: .active, action: .recordImplicitAcceptance),
            // accepted
            T(
                from: .accepted(agencyReference: "AG-1"), event: .acknowledged("AG-1"),
                to: .accepted(agencyReference: "AG-1"),
              action: .none),
            T(
                from: .accepted(agencyReference: nil), event: .acknowledged(nil), to: .accepted(agencyReference: nil),
                action: .none),
            // rejected
            T(
                from: .rejected(reason: "duplicate"), event: .rejected("duplicate"), to: .rejected(reason: "duplicate"),
                action: .none),
            // active
            T(from: .active, event: .agencyActivity, to: .active, action: .none),
            T(from: .active, event: .recallRequested, to: .recallPending, action: .sendRecall),
            T(from: .active, event: .recallObjected, to: .active, action: .none),
            T(from: .active, event: .recallFailed, to: .active, action: .none),
            // recall pending
            T(from: .recallPending, event: .agencyActivity, to: .recallPending, action: .none),
            T(from: .recallPending, event: .recallRequested, to: .recallPending, action: .none),
            T(
                from: .recallPending, event: .recallConfirmed, to: .closed(.recalled),
                action: .close(.recalled, next: .finished)),
            T(from: .recallPending, event: .recallObjected, to: .active, action: .recordRecallObjection),
            T(from: .recallPending, event: .recallFailed, to: .active, action: .resumeAfterFailedRecall),
            // closed: repeats
            T(from: .closed(.recalled), event: .recallConfirmed, to: .closed(.recalled), action: .none),
        ]
        for reference in ["AG-1", nil] as [String?] {
            let accepted = PlacementLifecycle.State.accepted(agencyReference: reference)
            table.append(T(from: accepted, event: .agencyActivity, to: .active, action: .markActive))
            table.append(T(from: accepted, event: .recallRequested, to: .recallPending, action: .sendRecall))
        }
        let openers: [PlacementLifecycle.State] = [
            .accepted(agencyReference: "AG-1"), .accepted(agencyReference: nil), .active, .recallPending,
        ]
        for reason in ClosureReason.allCases {
            table.append(T(from: .closed(reason), event: .closed(reason), to: .closed(reason), action: .none))
            guard reason != .withdrawn, let next = PlacementFixtures.nextStep[reason] else { continue }
            for from in openers {
                table.append(
                    T(from: from, event: .closed(reason), to: .closed(reason), action: .close(reason, next: next)))
            }
        }
        return table
    }()

    static func documented(from state: PlacementLifecycle.State, event: PlacementEvent) -> DocumentedTransition? {
        documented.first { $0.from == state && $0.event == event }
    }
}

@Suite("Placement lifecycle")
struct PlacementLifecycleTests {
    typealias State = PlacementLifecycle.State

    @Test("Happy path: selected, batched, sent, accepted, active, closed paid in full")
    func happyPath() {
        var lifecycle = PlacementLifecycle()
        #expect(lifecycle.state == .selected)
        #expect(lifecycle.batchWritten(batchID: 42) == .recordBatch(batchID: 42))
        #expect(lifecycle.state == .batched(batchID: 42))
        #expect(lifecycle.fileSent() == .markSent)
        #expect(lifecycle.state == .sent)
        #expect(lifecycle.acknowledged(accepted: "AGY-9001") == .recordAcceptance(agencyReference: "AGY-9001"))
        #expect(lifecycle.state == .accepted(agencyReference: "AGY-9001"))
        #expect(lifecycle.agencyActivity() == .markActive)
        #expect(lifecycle.state == .active)
        #expect(lifecycle.state.isOpen)
        #expect(lifecycle.closed(.paidInFull) == .close(.paidInFull, next: .finished))
        #expect(lifecycle.state == .closed(.paidInFull))
        #expect(!lifecycle.state.isOpen)
    }

    @Test("An agency that skips the acknowledgement: activity on a sent placement is an implicit acceptance")
    func implicitAcceptance() {
        var lifecycle = PlacementLifecycle(state: .sent)
        #expect(lifecycle.agencyActivity() == .recordImplicitAcceptance)
        #expect(lifecycle.state == .active)
    }

    @Test("A rejection returns the account to the business and blocks the agency; the placement is terminal")
    func rejection() {
        var lifecycle = PlacementLifecycle(state: .sent)
        #expect(lifecycle.rejected(reason: "debtor outside licensed states")
            == .returnToBusiness(reason: "debtor outside licensed states", blockAgencyUntilCleared: true))
        #expect(lifecycle.state == .rejected(reason: "debtor outside licensed states"))
        #expect(!lifecycle.state.isOpen)
        #expect(lifecycle.rejected(reason: "debtor outside licensed states") == .none)
        for event in [PlacementEvent.agencyActivity, .acknowledged("AG-1"), .closed(.paidInFull), .recallRequested,
                      .rejected("another reason")] {
            let action = event.apply(to: &lifecycle)
            guard case .invalid = action else {
                Issue.record("\(event) on a rejected placement gave \(action)")
                continue
            }
        }
        #expect(lifecycle.state == .rejected(reason: "debtor outside licensed states"))
    }

    @Test("Next step after each closure reason", arguments: [
        (ClosureReason.paidInFull, ClosureReason.NextStep.finished),
        (.settled, .finished),
        (.returnedUncollectable, .eligibleForNextTier),
        (.recalled, .finished),
        (.withdrawn, .eligibleAgainSameTier),
    ])
    func nextStep(reason: ClosureReason, next: ClosureReason.NextStep) {
        #expect(reason.nextStep == next)
    }

    @Test("Closure reasons and next steps are stored under fixed names")
    func closureRawValues() {
        #expect(ClosureReason.allCases.map(\.rawValue)
            == ["paid_in_full", "settled", "returned_uncollectable", "recalled", "withdrawn"])
        #expect(ClosureReason.NextStep.allCases.map(\.rawValue)
            == ["finished", "eligible_for_next_tier", "eligible_again_same_tier"])
        #expect(Set(PlacementFixtures.nextStep.keys) == Set(ClosureReason.allCases))
    }

    @Test("Recall: requested, objected, active again, requested again, confirmed, closed as recalled")
    func recall() {
        var lifecycle = PlacementLifecycle(state: .active)
        #expect(lifecycle.recallRequested() == .sendRecall)
        #expect(lifecycle.state == .recallPending)
        #expect(lifecycle.state.isOpen)
        #expect(lifecycle.recallObjected() == .recordRecallObjection)
        #expect(lifecycle.state == .active)
        #expect(lifecycle.recallRequested() == .sendRecall)
        #expect(lifecycle.state == .recallPending)
        #expect(lifecycle.recallConfirmed() == .close(.recalled, next: .finished))
        #expect(lifecycle.state == .closed(.recalled))
        #expect(!lifecycle.state.isOpen)
        #expect(
            lifecycle.recallObjected()
                == .invalid(reason: "an objection to a recall does not fit a placement that is closed (recalled)"))
        #expect(lifecycle.state == .closed(.recalled))
    }

    @Test("Repeating the transition just made changes nothing", arguments: [
        ([PlacementEvent.batchWritten(5)], PlacementEvent.batchWritten(5)),
        ([.batchWritten(5), .fileSent], .fileSent),
        ([.batchWritten(5), .fileSent, .acknowledged("R-1")], .acknowledged("R-1")),
        ([.batchWritten(5), .fileSent, .acknowledged(nil)], .acknowledged(nil)),
        ([.batchWritten(5), .fileSent, .rejected("duplicate")], .rejected("duplicate")),
        ([.batchWritten(5), .fileSent, .agencyActivity], .agencyActivity),
        ([.batchWritten(5), .fileSent, .acknowledged("R-1"), .agencyActivity], .agencyActivity),
        ([.batchWritten(5), .fileSent, .agencyActivity, .recallRequested], .recallRequested),
        ([.batchWritten(5), .fileSent, .agencyActivity, .recallRequested, .recallObjected], .recallObjected),
        ([.batchWritten(5), .fileSent, .agencyActivity, .recallRequested, .recallConfirmed], .recallConfirmed),
        ([.batchWritten(5), .fileSent, .agencyActivity, .closed(.settled)], .closed(.settled)),
    ])
    func idempotentRepeat(path: [PlacementEvent], last: PlacementEvent) {
        var lifecycle = PlacementLifecycle()
        for event in path {
            let action = event.apply(to: &lifecycle)
            #expect(action != .none, "\(event) along the path should change the state")
            if case .invalid = action { Issue.record("\(event) along the path was invalid: \(action)") }
        }
        let before = lifecycle.state
        #expect(last.apply(to: &lifecycle) == .none)
        #expect(lifecycle.state == before)
    }

    @Test("Applying the same agency file twice: the second pass changes nothing")
    func sameFileTwice() {
        var lifecycle = PlacementLifecycle(state: .sent)
        #expect(lifecycle.acknowledged(accepted: "AG-77") == .recordAcceptance(agencyReference: "AG-77"))
        #expect(lifecycle.acknowledged(accepted: "AG-77") == .none)
        #expect(lifecycle.state == .accepted(agencyReference: "AG-77"))
        #expect(lifecycle.closed(.returnedUncollectable) == .close(.returnedUncollectable, next: .eligibleForNextTier))
        #expect(lifecycle.closed(.returnedUncollectable) == .none)
        #expect(lifecycle.closed(.paidInFull)
            == .invalid(reason: "a closure as paid in full: the placement is already closed as returned uncollectable"))
        #expect(lifecycle.state == .closed(.returnedUncollectable))
    }

    @Test("Invalid events with specific reasons leave the state unchanged")
    func specificInvalidReasons() {
        var batched = PlacementLifecycle(state: .batched(batchID: 7))
        #expect(
            batched.batchWritten(batchID: 8) == .invalid(reason: "batchWritten(8): the placement is already in batch 7")
        )
        #expect(batched.state == .batched(batchID: 7))
        var selected = PlacementLifecycle()
        #expect(selected.fileSent() == .invalid(reason: "fileSent: the placement is not in a batch yet"))
        #expect(selected.recallRequested()
            == .invalid(reason: "recallRequested: the file is not sent yet; withdraw the placement instead"))
        #expect(selected.state == .selected)
        var accepted = PlacementLifecycle(state: .accepted(agencyReference: "AG-1"))
        #expect(accepted.acknowledged(accepted: nil)
                == .invalid(
                    reason: "an acknowledgement: the placement was already accepted under reference AG-1, not (none)"))
        #expect(accepted.closed(.withdrawn)
            == .invalid(reason: "closed(withdrawn): the file was sent; the agency must close or the business recall"))
        #expect(accepted.state == .accepted(agencyReference: "AG-1"))
        var sent = PlacementLifecycle(state: .sent)
        #expect(
            sent.closed(.paidInFull)
                == .invalid(
                    reason:
                        "a closure as paid in full does not fit a placement that is sent, awaiting the agency’s answer")
        )
        #expect(sent.state == .sent)
    }

    @Test("Every event in every state is a documented transition or invalid",
          arguments: PlacementFixtures.states, PlacementFixtures.events)
    func everyEventInEveryState(state: PlacementLifecycle.State, event: PlacementEvent) {
        var lifecycle = PlacementLifecycle(state: state)
        let action = event.apply(to: &lifecycle)
        if let expected = PlacementFixtures.documented(from: state, event: event) {
            #expect(action == expected.action, "\(event) in \(state)")
            #expect(lifecycle.state == expected.to, "\(event) in \(state)")
            // `.none` exactly when nothing changes.
            #expect((action == .none) == (expected.to == state), "\(event) in \(state)")
        } else {
            guard case .invalid(let reason) = action else {
                Issue.record("\(event) in \(state) should be invalid, gave \(action)")
                return
            }
            #expect(!reason.isEmpty)
            #expect(lifecycle.state == state, "\(event) in \(state) must leave the state unchanged")
        }
    }

    @Test("The table of documented transitions covers the samples it is checked against")
    func tableIsWellFormed() {
        let table = PlacementFixtures.documented
        #expect(table.count == 49)
        for row in table {
            #expect(PlacementFixtures.states.contains(row.from), "\(row.from) is not a sample state")
            #expect(PlacementFixtures.events.contains(row.event), "\(row.event) is not a sample event")
        }
        // No (state, event) pair is listed twice.
        var seen = Set<String>()
        for row in table { #expect(seen.insert("\(row.from)|\(row.event)").inserted, "\(row.from) \(row.event) twice") }
        // Every sample state has at least one documented way out or repeat.
        for state in PlacementFixtures.states {
            #expect(table.contains { $0.from == state }, "\(state) has no documented transition")
        }
    }

    @Test("Names and openness of every state", arguments: [
        (State.selected, "selected", true),
        (.batched(batchID: 7), "batched", true),
        (.sent, "sent", true),
        (.accepted(agencyReference: "AG-1"), "accepted", true),
        (.rejected(reason: "duplicate"), "rejected", false),
        (.active, "active", true),
        (.recallPending, "recall_pending", true),
        (.closed(.settled), "closed", false),
    ])
    func nameAndOpenness(state: State, name: String, isOpen: Bool) {
        #expect(state.name == name)
        #expect(state.isOpen == isOpen)
    }

    @Test("Every state round-trips through its stored fields", arguments: PlacementFixtures.states)
    func roundTrip(state: PlacementLifecycle.State) {
        let fields = state.storedFields
        #expect(fields.name == state.name)
        let restored = State(restoring: fields.name, batchID: fields.batchID,
                             agencyReference: fields.agencyReference, reason: fields.reason)
        #expect(restored == state)
    }

    @Test("Stored fields carry each state's payload and nothing else")
    func storedFieldValues() {
        let batched = State.batched(batchID: 7).storedFields
        #expect(
            batched.name == "batched" && batched.batchID == 7 && batched.agencyReference == nil && batched.reason == nil
        )
        let accepted = State.accepted(agencyReference: "AG-1").storedFields
        #expect(accepted.name == "accepted" && accepted.batchID == nil && accepted.agencyReference == "AG-1"
            && accepted.reason == nil)
        let rejected = State.rejected(reason: "duplicate").storedFields
        #expect(rejected.name == "rejected" && rejected.batchID == nil && rejected.agencyReference == nil
            && rejected.reason == "duplicate")
        let closed = State.closed(.returnedUncollectable).storedFields
        #expect(closed.name == "closed" && closed.batchID == nil && closed.agencyReference == nil
            && closed.reason == "returned_uncollectable")
        let pending = State.recallPending.storedFields
        #expect(pending.name == "recall_pending" && pending.batchID == nil && pending.agencyReference == nil
            && pending.reason == nil)
    }

    @Test("Restoring refuses rows Handoff would not write, and ignores fields a state does not carry")
    func restoringRows() {
        #expect(State(restoring: "placed", batchID: nil, agencyReference: nil, reason: nil) == nil)
        #expect(State(restoring: "Closed", batchID: nil, agencyReference: nil, reason: "settled") == nil)
        #expect(State(restoring: "batched", batchID: nil, agencyReference: nil, reason: nil) == nil)
        #expect(State(restoring: "rejected", batchID: nil, agencyReference: nil, reason: nil) == nil)
        #expect(State(restoring: "closed", batchID: nil, agencyReference: nil, reason: nil) == nil)
        #expect(State(restoring: "closed", batchID: nil, agencyReference: nil, reason: "paid") == nil)
        #expect(State(restoring: "active", batchID: 7, agencyReference: "AG-1", reason: nil) == .active)
        #expect(
            State(restoring: "closed", batchID: 7, agencyReference: "AG-1", reason: "recalled") == .closed(.recalled))
        #expect(
            State(restoring: "accepted", batchID: 7, agencyReference: nil, reason: nil)
                == .accepted(agencyReference: nil))
    }
}
