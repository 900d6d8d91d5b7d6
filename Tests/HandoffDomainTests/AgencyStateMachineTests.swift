import HandoffDomain
import Testing

@Suite("Agency event and request machines")
struct AgencyStateMachineTests {
    @Test(
        """
        An event is recorded once; a waiting one is decided again; a held one is retried or dismissed; \
        nothing else moves
        """
    )
    func eventProgress() {
        var new = AgencyEventProgress()
        #expect(new.decided(.applied(note: "n")) == .record(.applied, reason: "n") && new.state == .applied)
        #expect(
            new.decided(.held(reason: "x")) == .invalid(reason: "an event already applied is not decided again")
                && new.state == .applied)
        #expect(
            new.retried(.applied(note: nil))
                == .invalid(reason: "applied, not held: only a held event waits for a person"))
        var dup = AgencyEventProgress()
        #expect(dup.decided(.duplicate) == .none && dup.state == nil)
        var waiting = AgencyEventProgress(state: .waiting)
        #expect(waiting.decided(.applied(note: nil)) == .update(.applied, reason: nil) && waiting.state == .applied)
        var held = AgencyEventProgress(state: .held)
        #expect(held.retried(.held(reason: "still")) == .update(.held, reason: "still") && held.state == .held)
        #expect(
            held.dismissed(reason: "refunded") == .update(.dismissed, reason: "dismissed: refunded")
                && held.state == .dismissed)
        #expect(
            held.dismissed(reason: "again")
                == .invalid(reason: "dismissed, not held: only a held event waits for a person"))
        var retried = AgencyEventProgress(state: .held)
        #expect(
            retried.retried(.duplicate) == .invalid(reason: "a retried event cannot be a duplicate of itself")
                && retried.state == .held)
    }

    @Test("Outcomes name their state and reason")
    func outcomes() {
        #expect(EventOutcome.applied(note: nil).name == "applied" && EventOutcome.duplicate.name == "duplicate")
        #expect(EventOutcome.waiting(reason: "w").state == .waiting && EventOutcome.waiting(reason: "w").reason == "w")
        #expect(EventOutcome.duplicate.state == nil)
    }

    @Test("A request is sent once, queued again on a temporary failure, failed on a permanent one")
    func requestSending() {
        var r = AgencyRequestProgress(kind: "direct_payment")
        #expect(r.sent() == .store(.sent, error: nil) && r.sent() == .none)
        var t = AgencyRequestProgress(kind: "notice")
        #expect(t.sendingFailed("timeout", permanent: false) == .store(.queued, error: "timeout") && t.state == .queued)
        #expect(t.sendingFailed("refused", permanent: true) == .store(.failed, error: "refused") && t.state == .failed)
        #expect(t.sent() == .invalid(reason: "sent while failed"))
    }

    @Test(
        """
        Acknowledged: a recall or dispute is accepted until its status confirms or objects, anything else confirmed; \
        a settled request stays settled
        """
    )
    func requestAnswers() {
        var recall = AgencyRequestProgress(state: .sent, kind: "recall")
        #expect(recall.acknowledged() == .store(.accepted, error: nil) && recall.acknowledged() == .none)
        // An acknowledged recall is confirmed by the agency's status (issue 16: it used to stay accepted).
        #expect(recall.statusConfirmed() == .store(.confirmed, error: nil) && recall.state == .confirmed)
        var acceptedRecall = AgencyRequestProgress(state: .accepted, kind: "recall")
        #expect(acceptedRecall.statusObjected() == .store(.objected, error: nil) && acceptedRecall.state == .objected)
        var acceptedNotice = AgencyRequestProgress(state: .accepted, kind: "bankruptcy")
        #expect(acceptedNotice.statusConfirmed() == .none)
        var dispute = AgencyRequestProgress(state: .accepted, kind: "dispute")
        #expect(dispute.statusConfirmed() == .store(.confirmed, error: nil))
        #expect(dispute.refused(reason: "no") == .alreadySettled(.confirmed) && dispute.state == .confirmed)
        var sentRecall = AgencyRequestProgress(state: .sent, kind: "recall")
        #expect(sentRecall.statusObjected() == .store(.objected, error: nil) && sentRecall.statusObjected() == .none)
        var adjustment = AgencyRequestProgress(state: .sent, kind: "adjustment")
        #expect(adjustment.acknowledged() == .store(.confirmed, error: nil))
        var refused = AgencyRequestProgress(state: .sent, kind: "adjustment")
        #expect(
            refused.refused(reason: "late") == .store(.rejected, error: "late")
                && refused.acknowledged() == .alreadySettled(.rejected))
        var echo = AgencyRequestProgress(state: .accepted, kind: "direct_payment")
        #expect(echo.echoed() == .store(.confirmed, error: nil) && echo.echoed() == .none)
        var queued = AgencyRequestProgress(kind: "direct_payment")
        #expect(queued.echoed() == .none && queued.state == .queued)
        #expect(AgencyRequestState.allCases.filter(\.isSettled) == [.confirmed, .objected, .rejected])
    }
}
