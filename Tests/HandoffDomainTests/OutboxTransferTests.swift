import HandoffDomain
import Testing

@Suite("The outbox state machine")
struct OutboxTransferTests {
    @Test("staged → sending → confirmed when the transport verified the delivery")
    func happyPath() {
        var t = OutboxTransfer()
        #expect(t.startAttempt(now: 100) == .send)
        #expect(t.state == .sending && t.attempts == 1)
        #expect(t.delivered(verified: true) == .recordConfirmation)
        #expect(t.state == .confirmed)
        #expect(t.startAttempt(now: 200) == .wait)
        #expect(t.delivered(verified: true) == .wait)
    }

    @Test("sent waits for the agency's confirmation")
    func unverified() {
        var t = OutboxTransfer()
        _ = t.startAttempt(now: 0)
        #expect(t.delivered(verified: false) == .recordDelivery)
        #expect(t.state == .sent)
        #expect(t.confirmed() == .recordConfirmation)
        #expect(t.state == .confirmed)
        #expect(t.confirmed() == .wait)
    }

    @Test("A temporary failure is retried after a backoff, not before")
    func retry() {
        var t = OutboxTransfer()
        _ = t.startAttempt(now: 1000)
        #expect(t.failed("refused", permanent: false, now: 1000, jitter: 0.5) == .scheduleRetry(notBefore: 1030))
        #expect(t.state == .retryLater(notBefore: 1030, error: "refused"))
        #expect(t.startAttempt(now: 1029) == .wait)
        #expect(t.startAttempt(now: 1030) == .send)
        #expect(t.attempts == 2)
        #expect(t.failed("refused", permanent: false, now: 1030, jitter: 0.5) == .scheduleRetry(notBefore: 1090))
    }

    @Test("Retry-After wins when it is longer than the backoff")
    func retryAfter() {
        var t = OutboxTransfer()
        _ = t.startAttempt(now: 0)
        #expect(
            t.failed("429", permanent: false, now: 0, jitter: 0.5, retryAfter: 120) == .scheduleRetry(notBefore: 120))
    }

    @Test("A permanent failure, or the last attempt, fails the transfer until a person retries it")
    func permanent() {
        var t = OutboxTransfer()
        _ = t.startAttempt(now: 0)
        #expect(
            t.failed("host key mismatch", permanent: true, now: 0, jitter: 0)
                == .reportFailure(reason: "host key mismatch"))
        #expect(
            t.startAttempt(now: 10_000)
                == .invalid(reason: "failed permanently (host key mismatch); a person must retry it"))
        #expect(t.retryByHand() == .wait)
        #expect(t.state == .staged && t.attempts == 0)

        var u = OutboxTransfer(maxAttempts: 2)
        _ = u.startAttempt(now: 0)
        _ = u.failed("timeout", permanent: false, now: 0, jitter: 0)
        _ = u.startAttempt(now: 1_000_000)
        #expect(
            u.failed("timeout", permanent: false, now: 1_000_000, jitter: 0)
                == .reportFailure(reason: "gave up after 2 attempts; last error: timeout"))
    }

    @Test("A crash while sending is resumed by another attempt (the transport checks for the file first)")
    func resumeAfterCrash() {
        var t = OutboxTransfer(state: .sending, attempts: 1)
        #expect(t.startAttempt(now: 0) == .send)
        #expect(t.attempts == 2)
    }

    @Test("Events that do not fit change nothing")
    func invalid() {
        var t = OutboxTransfer()
        #expect(t.delivered(verified: true) == .invalid(reason: "delivered while staged"))
        #expect(t.failed("x", permanent: false, now: 0, jitter: 0) == .invalid(reason: "failed while staged"))
        #expect(t.confirmed() == .invalid(reason: "confirmed while staged"))
        #expect(t.retryByHand() == .invalid(reason: "only a failed transfer can be retried by hand"))
        #expect(t.state == .staged && t.attempts == 0)
    }

    @Test(
        "Backoff doubles from 30 s to at most an hour, within ±20%",
        arguments: [(1, 30), (2, 60), (3, 120), (7, 1920), (8, 3600), (30, 3600)])
    func backoff(attempt: Int, base: Int64) {
        #expect(OutboxTransfer.backoff(attempt: attempt, jitter: 0.5) == base)
        #expect(OutboxTransfer.backoff(attempt: attempt, jitter: 0) == Int64((Double(base) * 0.8).rounded()))
        #expect(OutboxTransfer.backoff(attempt: attempt, jitter: 0.999_999) <= Int64((Double(base) * 1.2).rounded()))
    }
}
