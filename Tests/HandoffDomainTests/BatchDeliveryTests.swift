import HandoffDomain
import Testing

@Suite("A placement batch's way to the agency")
struct BatchDeliveryTests {
    @Test("staged → queued → sent → receipted, each step once")
    func happyPath() {
        var b = BatchDelivery()
        #expect(b.state == .staged)
        #expect(b.queued() == .recordQueued)
        #expect(b.state == .queued)
        #expect(b.dataFileDelivered() == .recordSent)
        #expect(b.state == .sent)
        #expect(b.receiptFinal() == .recordReceipted)
        #expect(b.state == .receipted)
    }

    @Test("A repeated event changes nothing and asks for nothing")
    func repeats() {
        var b = BatchDelivery(state: .queued)
        #expect(b.queued() == .none)
        #expect(b.state == .queued)
        b = BatchDelivery(state: .sent)
        #expect(b.dataFileDelivered() == .none)
        #expect(b.state == .sent)
        b = BatchDelivery(state: .receipted)
        #expect(b.receiptFinal() == .none)
        #expect(b.dataFileDelivered() == .none, "a late delivery of a receipted batch's data file is no news")
        #expect(b.state == .receipted)
    }

    @Test("An event out of order is refused and changes nothing")
    func outOfOrder() {
        var b = BatchDelivery()
        guard case .invalid = b.dataFileDelivered() else { Issue.record("sent before it was queued"); return }
        guard case .invalid = b.receiptFinal() else { Issue.record("receipted before it was sent"); return }
        #expect(b.state == .staged)
        b = BatchDelivery(state: .queued)
        guard case .invalid = b.receiptFinal() else { Issue.record("receipted while queued"); return }
        #expect(b.state == .queued)
        b = BatchDelivery(state: .sent)
        guard case .invalid = b.queued() else { Issue.record("queued again after it was sent"); return }
        #expect(b.state == .sent)
    }

    @Test("Every state is stored under the name the database's CHECK constraint allows")
    func storedNames() {
        #expect(BatchState.allCases.map(\.rawValue) == ["staged", "queued", "sent", "receipted"])
        #expect(BatchState.allCases.allSatisfy { BatchState(rawValue: $0.rawValue) == $0 })
    }
}

@Suite("A received file's way through the inbox")
struct InboxFileTests {
    @Test("A verified file is received, then applied once")
    func applied() {
        var (file, action) = InboxFile.arrived(.verified)
        #expect(action == .record(.received, reason: nil))
        #expect(file.state == .received)
        #expect(file.applied() == .recordApplied)
        #expect(file.state == .applied)
        #expect(file.applied() == .none)
        #expect(file.state == .applied)
    }

    @Test("What intake found decides the first state, with its reason")
    func arrival() {
        #expect(InboxFile.arrived(.sameNameOtherContent(reason: "twin")).action == .record(.held, reason: "twin"))
        #expect(InboxFile.arrived(.sameNameOtherContent(reason: "twin")).file.state == .held)
        #expect(
            InboxFile.arrived(.unknownKind(reason: "what is it")).action == .record(.quarantined, reason: "what is it"))
        #expect(
            InboxFile.arrived(.unreadable(reason: "bad signature")).action
                == .record(.quarantined, reason: "bad signature"))
        #expect(InboxFile.arrived(.unreadable(reason: "bad signature")).file.state == .quarantined)
    }

    @Test("A received file reconciliation cannot apply is quarantined, once")
    func quarantined() {
        var file = InboxFile(state: .received)
        #expect(file.cannotBeApplied(reason: "line 3: no amount") == .quarantine(reason: "line 3: no amount"))
        #expect(file.state == .quarantined)
        #expect(file.cannotBeApplied(reason: "again") == .none)
        guard case .invalid = file.applied() else { Issue.record("a quarantined file was applied"); return }
        #expect(file.state == .quarantined)
    }

    @Test("A held file waits for a person: reconciliation can neither apply nor quarantine it")
    func held() {
        var file = InboxFile(state: .held)
        guard case .invalid = file.applied() else { Issue.record("a held file was applied"); return }
        guard case .invalid = file.cannotBeApplied(reason: "x") else {
            Issue.record("a held file was quarantined"); return
        }
        #expect(file.state == .held)
        var applied = InboxFile(state: .applied)
        guard case .invalid = applied.cannotBeApplied(reason: "x") else {
            Issue.record("an applied file was quarantined"); return
        }
        #expect(applied.state == .applied)
    }

    @Test("Every state is stored under the name the database's CHECK constraint allows")
    func storedNames() {
        #expect(InboxFileState.allCases.map(\.rawValue) == ["received", "held", "quarantined", "applied"])
        #expect(
            OutboxTransfer.StoredState.allCases.map(\.rawValue) == [
                "staged", "sending", "sent", "confirmed", "retry_later", "failed",
            ])
    }

    @Test("An outbox transfer's state survives being stored and restored")
    func transferRestored() {
        let states: [OutboxTransfer.State] = [
            .staged, .sending, .sent, .confirmed, .retryLater(notBefore: 42, error: "busy"), .failed(reason: "409"),
        ]
        for state in states {
            var notBefore: Int64?
            var error: String?
            switch state {
            case .retryLater(let at, let e): notBefore = at; error = e
            case .failed(let reason): error = reason
            case .staged, .sending, .sent, .confirmed: break
            }
            #expect(OutboxTransfer.State(restoring: state.stored, notBefore: notBefore, error: error) == state)
            #expect(state.name == state.stored.rawValue)
        }
    }
}
