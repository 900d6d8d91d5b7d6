import HandoffDomain
import Testing

/// Dunning's pure rules: which step an account gets, and a message's way to the mail server.
@Suite struct DunningPlanTests {
    static let cad = Currency(code: "CAD")!
    static let asOf = CalendarDate(iso: "2026-11-15")!
    static let schedule = DunningSchedule(steps: [
        DunningStep(name: "final", kind: .finalNotice, daysPastDue: 90),
        DunningStep(name: "r1", kind: .reminder, daysPastDue: 15),
        DunningStep(name: "r2", kind: .reminder, daysPastDue: 45),
    ])

    static func candidate(
        holds: Set<Hold> = [], email: String? = "a@b.example", due: [String], disputed: Bool = false,
        notice: CalendarDate? = nil, placed: Bool = false
    ) -> PlacementCandidate {
        let items = due.enumerated().map { i, d in
            OpenItem(
                invoiceID: Int64(i + 1), invoiceNumber: "INV-\(i + 1)",
                invoiceDate: CalendarDate(iso: d)!.adding(days: -30),
                dueDate: CalendarDate(iso: d)!, balance: 10_000, disputed: disputed && i == 0)
        }
        return PlacementCandidate(
            customerID: 1,
            profile: DebtorProfile(
                accountNumber: "A-1", type: .consumer, email: email,
                currency: cad, holds: holds),
            openInvoices: items, openPlacement: placed ? ("agency", asOf) : nil, finalNoticeDate: notice)
    }

    static func verdict(_ c: PlacementCandidate, recorded: Set<RecordedDunningStep> = []) -> DunningPlan.Verdict {
        DunningPlan.evaluate(c, schedule: schedule, recorded: recorded, finalNoticeDays: 14, asOf: asOf)
    }

    @Test func theLatestDueStepCoversEveryPastDueInvoice() throws {
        guard case .send(let letter) = Self.verdict(Self.candidate(due: ["2026-10-01", "2026-11-01", "2026-12-01"]))
        else {
            Issue.record("expected a message"); return
        }
        #expect(letter.step.name == "r2")
        #expect(letter.invoices.map(\.invoiceNumber) == ["INV-1", "INV-2"])
        #expect(letter.balance == Money(minorUnits: 20_000, currency: Self.cad))
        #expect(letter.cycle == "2026-10-01")
        #expect(letter.placementDate == nil)
    }

    @Test func aFinalNoticeNamesThePlacementDate() {
        guard case .send(let letter) = Self.verdict(Self.candidate(due: ["2026-08-01"])) else {
            Issue.record("no message"); return
        }
        #expect(letter.step.kind == .finalNotice && letter.placementDate == CalendarDate(iso: "2026-11-29"))
        #expect(
            Self.verdict(Self.candidate(due: ["2026-08-01"], notice: CalendarDate(iso: "2026-10-01")))
                == .skip(DunningSkip(.finalNoticeGiven, "final notice already given on 2026-10-01")))
    }

    @Test func holdsDisputesAndMissingAddressesStopEveryStep() {
        // Every hold but do_not_place (which keeps the account from agencies only) stops every step.
        for hold in Hold.allCases where hold != .doNotPlace {
            guard case .skip(let s) = Self.verdict(Self.candidate(holds: [hold], due: ["2026-10-01"])) else {
                Issue.record("\(hold) did not stop the step"); continue
            }
            #expect(s.code == .hold)
        }
        guard case .skip(let d) = Self.verdict(Self.candidate(due: ["2026-10-01"], disputed: true)),
            case .skip(let e) = Self.verdict(Self.candidate(email: nil, due: ["2026-10-01"])),
            case .skip(let bad) = Self.verdict(
                Self.candidate(email: "a@b.example\r\nBcc: x@y.example", due: ["2026-10-01"])),
            case .skip(let placed) = Self.verdict(Self.candidate(due: ["2026-10-01"], placed: true))
        else {
            Issue.record("a step went out"); return
        }
        #expect([d.code, e.code, bad.code, placed.code] == [.disputed, .noEmail, .badEmail, .withAgency])
        // do_not_place keeps reminders, never a final notice.
        guard case .send = Self.verdict(Self.candidate(holds: [.doNotPlace], due: ["2026-10-01"])),
            case .skip(let dnp) = Self.verdict(Self.candidate(holds: [.doNotPlace], due: ["2026-08-01"]))
        else {
            Issue.record("do_not_place"); return
        }
        #expect(dnp.code == .doNotPlace)
    }

    @Test func aStepGoesOncePerCycleAndNeverAfterALaterOne() {
        let c = Self.candidate(due: ["2026-10-01"])
        #expect(
            Self.verdict(c, recorded: [RecordedDunningStep(step: "r2", cycle: "2026-10-01")])
                == .skip(DunningSkip(.alreadyRecorded, "r2 already recorded for the cycle of 2026-10-01")))
        guard case .send = Self.verdict(c, recorded: [RecordedDunningStep(step: "r2", cycle: "2026-06-01")]) else {
            Issue.record("a new cycle starts the steps again"); return
        }
        guard case .skip(let s) = Self.verdict(Self.candidate(due: ["2026-11-10"])) else {
            Issue.record("not yet due"); return
        }
        #expect(s.code == .notYetDue && s.detail.contains("r1 on 2026-11-25"))
    }

    @Test func theMessageMachineNeverSendsTwiceUnattended() {
        var m = DunningDelivery.firstAttempt()
        #expect(m.startAttempt(now: 100) == .askPerson, "found sending after a crash: a person decides")
        #expect(m.state == .unconfirmed)
        #expect(m.startAttempt(now: 200) == .wait)
        #expect(m.confirmedByHand() == .recordSent && m.state == .sent)
        #expect(m.resendByHand() == .invalid(reason: "only a failed or unconfirmed message can be sent again"))

        var t = DunningDelivery.firstAttempt()
        guard case .scheduleRetry(let at) = t.failed("451", permanent: false, now: 1000, jitter: 0.5) else {
            Issue.record("retry"); return
        }
        #expect(at == 1030)
        #expect(t.startAttempt(now: 1029) == .wait)
        #expect(t.startAttempt(now: 1030) == .send && t.attempts == 2)
        #expect(t.accepted() == .recordSent)

        var p = DunningDelivery.firstAttempt()
        #expect(
            p.failed("550 no such user", permanent: true, now: 0, jitter: 0)
                == .reportFailure(reason: "550 no such user"))
        #expect(
            p.startAttempt(now: 10_000)
                == .invalid(reason: "failed (550 no such user); a person must ask to send it again"))
        #expect(p.resendByHand() == .wait)
        #expect(p.startAttempt(now: 0) == .send)

        var w = DunningDelivery(state: .retryLater(notBefore: 5, error: "x"), attempts: 1)
        #expect(w.withdraw("hold: bankruptcy") == .recordWithdrawal(reason: "hold: bankruptcy"))
        #expect(w.startAttempt(now: 100) == .wait)
    }

    @Test func creditHoldsSayWhyAndSinceWhen() {
        let facts = CreditHoldFacts(
            customerID: 1, accountNumber: "A-1", name: "A", currency: Self.cad,
            openInvoices: Self.candidate(due: ["2026-08-01", "2026-10-01"]).openInvoices,
            placedWith: nil, placedOn: nil, lastWriteOff: CalendarDate(iso: "2026-03-01"))
        var rules = CreditHoldRules()
        rules.pastDueAmount = DecimalAmount(value: 15_000, scale: 2)
        let causes = CreditHold.causes(facts, rules: rules, asOf: Self.asOf)
        #expect(causes.map(\.reason) == [.pastDueDays, .pastDueAmount, .writtenOff])
        #expect(causes.map(\.since.iso) == ["2026-10-01", "2026-10-02", "2026-03-01"])
        rules.daysPastDue = nil
        rules.pastDueAmount = nil
        #expect(CreditHold.causes(facts, rules: rules, asOf: Self.asOf).map(\.reason) == [.writtenOff])
    }

    @Test func theWorkListNeverAddsCurrencies() {
        let usd = Currency(code: "USD")!
        var big = Self.candidate(due: ["2026-10-01"])
        big.customerID = 2
        big.profile.accountNumber = "U-1"
        big.profile.currency = usd
        big.openInvoices[0].balance = 1_000_000
        var small = Self.candidate(due: ["2026-10-01"])
        small.openInvoices[0].balance = 500
        let ranked = Worklist.rank(
            [big, small], weights: WorklistWeights(), schedule: Self.schedule, recorded: [:],
            rules: PlacementRules(), asOf: Self.asOf)
        // Each is the largest of its own currency: equal scores, whatever the exchange rate.
        #expect(ranked.map(\.score) == [1000, 1000])
        #expect(ranked.allSatisfy { $0.next.code == "reminder" })
    }
}
