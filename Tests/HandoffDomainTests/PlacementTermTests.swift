import HandoffDomain
import Testing

@Suite("Placement terms")
struct PlacementTermTests {
    static let placed = CalendarDate(year: 2026, month: 1, day: 10)!
    static let terms = PlacementTerms(
        placementDays: 180, noActivityDays: 90, finalRecallDays: 300, paymentPlanStatuses: ["PPA"],
        objectionsAllowed: 1)

    func day(_ n: Int) -> CalendarDate { Self.placed.adding(days: n) }
    func status(_ n: Int, _ code: String, _ meaning: StatusMeaning = .active) -> DatedStatus {
        DatedStatus(date: day(n), code: code, meaning: meaning)
    }
    func decide(_ facts: TermFacts, at n: Int, _ terms: PlacementTerms = terms) -> PlacementTermClock.Decision {
        PlacementTermClock.decide(facts, terms: terms, asOf: day(n))
    }

    @Test("No activity: recalled on the 90th day after placement, kept the day before, with the date it runs out")
    func noActivity() {
        let f = TermFacts(state: .active, placedOn: Self.placed)
        #expect(decide(f, at: 89) == .keep(next: (.noActivityDays, day(90))))
        #expect(decide(f, at: 90) == .recall(.noActivityDays, dueOn: day(90)))
    }

    @Test("A payment restarts the no-activity clock; the placement term still ends at 180 days")
    func payments() {
        let once = TermFacts(state: .active, placedOn: Self.placed, payments: [day(60)])
        #expect(decide(once, at: 90) == .keep(next: (.noActivityDays, day(150))))
        #expect(decide(once, at: 150) == .recall(.noActivityDays, dueOn: day(150)))
        let f = TermFacts(state: .active, placedOn: Self.placed, payments: [day(60), day(120)])
        #expect(decide(f, at: 179) == .keep(next: (.placementDays, day(180))))
        #expect(decide(f, at: 180) == .recall(.placementDays, dueOn: day(180)))
    }

    @Test("A payment plan pauses the no-activity clock; a broken plan restarts it from the day it broke")
    func paymentPlan() {
        let plan = TermFacts(state: .active, placedOn: Self.placed, statuses: [status(30, "PPA")])
        #expect(PlacementTermClock.activityClock(plan, terms: Self.terms) == (day(30), true))
        #expect(decide(plan, at: 150) == .keep(next: (.placementDays, day(180))))
        let broken = TermFacts(state: .active, placedOn: Self.placed, statuses: [status(30, "PPA"), status(100, "ACT")])
        #expect(PlacementTermClock.activityClock(broken, terms: Self.terms) == (day(100), false))
        #expect(decide(broken, at: 150) == .keep(next: (.placementDays, day(180))))
        let noPlacementTerm = PlacementTerms(noActivityDays: 90, paymentPlanStatuses: ["PPA"])
        #expect(decide(broken, at: 189, noPlacementTerm) == .keep(next: (.noActivityDays, day(190))))
        #expect(decide(broken, at: 190, noPlacementTerm) == .recall(.noActivityDays, dueOn: day(190)))
        // Without the plan's code in the partner file, PPA is just a status and the clock runs.
        #expect(decide(plan, at: 90, PlacementTerms(noActivityDays: 90)) == .recall(.noActivityDays, dueOn: day(90)))
    }

    @Test(
        """
        An objection the agency is entitled to is respected; the plan breaking later brings the second recall; \
        the final recall is the last word
        """
    )
    func objections() {
        let objected = TermFacts(state: .active, placedOn: Self.placed,
                                 statuses: [status(30, "PPA"), status(181, "OBJ", .recallObjected)])
        #expect(decide(objected, at: 200) == .objectionRespected(next: (.finalRecallDays, day(300))))
        #expect(decide(objected, at: 300) == .recall(.finalRecallDays, dueOn: day(300)))
        let broken = TermFacts(state: .active, placedOn: Self.placed,
                               statuses: [status(30, "PPA"), status(181, "OBJ", .recallObjected), status(190, "ACT")])
        #expect(decide(broken, at: 279) == .objectionRespected(next: (.noActivityDays, day(280))))
        #expect(decide(broken, at: 280) == .recall(.noActivityDays, dueOn: day(280)))
        let twice = TermFacts(state: .active, placedOn: Self.placed,
                              statuses: [status(181, "OBJ", .recallObjected), status(280, "OBJ", .recallObjected)])
        #expect(decide(twice, at: 281) == .objectionNotEntitled(objections: 2, allowed: 1))
    }

    @Test(
        "Where the terms say an objection needs a payment plan (Keystone §8), one made without a plan is not respected")
    func objectionsNeedAPlan() {
        var terms = Self.terms
        terms.objectionsNeedPaymentPlan = true
        let planned = TermFacts(
            state: .active, placedOn: Self.placed, statuses: [status(30, "PPA"), status(181, "OBJ", .recallObjected)])
        #expect(decide(planned, at: 200, terms) == .objectionRespected(next: (.finalRecallDays, day(300))))
        let unplanned = TermFacts(
            state: .active, placedOn: Self.placed, statuses: [status(181, "OBJ", .recallObjected)])
        #expect(
            decide(unplanned, at: 200, terms)
                == .objectionNotEntitled(objections: 1, allowed: 1, withoutPlanOn: day(181)))
        #expect(
            decide(unplanned, at: 200) == .objectionRespected(next: (.noActivityDays, day(271))),
            "without the rule, only counted")
        // A plan that broke before the objection is no plan.
        let broken = TermFacts(state: .active, placedOn: Self.placed,
                               statuses: [status(30, "PPA"), status(120, "ACT"), status(181, "OBJ", .recallObjected)])
        #expect(
            decide(broken, at: 200, terms) == .objectionNotEntitled(objections: 1, allowed: 1, withoutPlanOn: day(181)))
    }

    @Test("A recall out, a placement not yet accepted or closed: the clock does nothing; no terms: kept")
    func states() {
        #expect(decide(TermFacts(state: .recallPending, placedOn: Self.placed), at: 400) == .recallPending)
        #expect(decide(TermFacts(state: .sent, placedOn: Self.placed), at: 400) == .notApplicable)
        #expect(decide(TermFacts(state: .closed(.recalled), placedOn: Self.placed), at: 400) == .notApplicable)
        #expect(
            decide(TermFacts(state: .accepted(agencyReference: "K1"), placedOn: Self.placed), at: 400, PlacementTerms())
                == .keep(next: nil))
        #expect(
            decide(TermFacts(state: .accepted(agencyReference: "K1"), placedOn: Self.placed), at: 90)
                == .recall(.noActivityDays, dueOn: day(90)))
    }

    @Test("A failed or refused recall frees the placement for another recall")
    func recallFailed() {
        var lifecycle = PlacementLifecycle(state: .recallPending)
        #expect(lifecycle.recallFailed() == .resumeAfterFailedRecall)
        #expect(lifecycle.state == .active)
        #expect(lifecycle.recallRequested() == .sendRecall)
    }
}
