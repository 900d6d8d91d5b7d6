import HandoffDomain
import Testing

@Suite("Compliance gate")
struct ComplianceGateTests {
    static let day = CalendarDate(year: 2026, month: 11, day: 15)!
    static let consumer = ComplianceFacts(type: .consumer, region: "PA")
    static let business = ComplianceFacts(type: .business, region: "ON")
    static let anyAgency = AgencyCompliance(partnerID: "agency")

    func verdict(_ f: ComplianceFacts, _ a: AgencyCompliance = anyAgency, _ p: CompliancePolicy = CompliancePolicy(),
                 asOf: CalendarDate = day) -> ComplianceVerdict {
        ComplianceGate.check(f, agency: a, policy: p, asOf: asOf)
    }

    @Test("An account with nothing against it is allowed, with nothing to carry")
    func allowed() {
        #expect(verdict(Self.consumer) == .allowed(ComplianceMarks()))
        #expect(verdict(Self.business) == .allowed(ComplianceMarks()))
    }

    @Test("Each hold is its own reason code, named as the hold", arguments: Hold.allCases)
    func holds(_ hold: Hold) {
        var f = Self.consumer
        f.holds = [hold]
        #expect(verdict(f) == .refused([ComplianceReason(hold: hold)]))
        #expect(ComplianceReason(hold: hold).rawValue == hold.rawValue)
        #expect(ComplianceGate.account(f, policy: CompliancePolicy(), asOf: Self.day) == [ComplianceReason(hold: hold)])
    }

    @Test("Several reasons come back together, sorted")
    func several() {
        var f = Self.consumer
        f.holds = [.minor, .attorney]
        let a = AgencyCompliance(partnerID: "b2b", debtorTypes: [.business], licences: [])
        #expect(verdict(f, a) == .refused([.attorneyRepresented, .debtorTypeNotTaken, .minor, .notLicensed]))
    }

    @Test("An agency that takes one type of account never receives the other")
    func accountTypes() {
        let b2b = AgencyCompliance(partnerID: "b2b", debtorTypes: [.business])
        let consumerOnly = AgencyCompliance(partnerID: "c", debtorTypes: [.consumer])
        #expect(verdict(Self.consumer, b2b) == .refused([.debtorTypeNotTaken]))
        #expect(verdict(Self.business, b2b) == .allowed(ComplianceMarks()))
        #expect(verdict(Self.business, consumerOnly) == .refused([.debtorTypeNotTaken]))
    }

    @Test("Licences: none for the region, expired, valid to its last day; none listed means not checked")
    func licences() {
        let expires = CalendarDate(year: 2026, month: 12, day: 1)!
        let a = AgencyCompliance(
            partnerID: "k",
            licences: [Licence(region: "PA", expires: expires), Licence(region: "NJ", expires: Self.day)])
        #expect(verdict(Self.consumer, a) == .allowed(ComplianceMarks()))
        #expect(verdict(Self.consumer, a, asOf: expires) == .allowed(ComplianceMarks()))
        #expect(verdict(Self.consumer, a, asOf: expires.adding(days: 1)) == .refused([.licenceExpired]))
        #expect(verdict(ComplianceFacts(type: .consumer, region: "NY"), a) == .refused([.notLicensed]))
        #expect(verdict(ComplianceFacts(type: .consumer, region: nil), a) == .refused([.notLicensed]))
        #expect(verdict(ComplianceFacts(type: .consumer, region: "NY"), Self.anyAgency) == .allowed(ComplianceMarks()))
        #expect(
            a.licencesExpiring(within: 30, asOf: Self.day) == [
                Licence(region: "NJ", expires: Self.day), Licence(region: "PA", expires: expires),
            ])
        #expect(a.licencesExpiring(within: 10, asOf: Self.day) == [Licence(region: "NJ", expires: Self.day)])
        #expect(
            a.licencesExpiring(within: 30, asOf: Self.day.adding(days: 1)) == [Licence(region: "PA", expires: expires)])
    }

    @Test(
        """
        Time-barred: no period configured is never barred; past it, not placed or only with agencies that accept, \
        as the business chooses
        """
    )
    func timeBarred() {
        var f = Self.consumer
        f.debtKind = "open_account"
        f.limitationDate = CalendarDate(year: 2022, month: 11, day: 15)!
        // No table: Handoff has no defaults that pretend to be law.
        #expect(verdict(f) == .allowed(ComplianceMarks()))
        var policy = CompliancePolicy(limitationPeriods: [
            LimitationPeriod(region: "PA", debtKind: "open_account", years: 4)
        ])
        #expect(ComplianceGate.isTimeBarred(f, policy: policy, asOf: Self.day))
        #expect(!ComplianceGate.isTimeBarred(f, policy: policy, asOf: Self.day.adding(days: -1)))
        #expect(verdict(f, Self.anyAgency, policy) == .refused([.timeBarred]))
        #expect(verdict(f, Self.anyAgency, policy, asOf: Self.day.adding(days: -1)) == .allowed(ComplianceMarks()))
        policy.timeBarred = .agenciesThatAccept
        #expect(verdict(f, Self.anyAgency, policy) == .refused([.timeBarredNotAccepted]))
        let accepts = AgencyCompliance(partnerID: "tb", acceptsTimeBarred: true)
        #expect(verdict(f, accepts, policy) == .allowed(ComplianceMarks(timeBarred: true)))
        // Another region or kind of debt has its own period, or none.
        f.region = "NY"
        #expect(verdict(f, Self.anyAgency, policy) == .allowed(ComplianceMarks()))
        policy.limitationPeriods.append(LimitationPeriod(region: "*", debtKind: "*", years: 3))
        #expect(verdict(f, Self.anyAgency, policy) == .refused([.timeBarredNotAccepted]))
    }

    @Test("A period's lookup: exact, the region's *, * with the kind, then * for both")
    func periodLookup() {
        let p = CompliancePolicy(limitationPeriods: [
            LimitationPeriod(region: "*", debtKind: "*", years: 9),
            LimitationPeriod(region: "*", debtKind: "note", years: 8),
            LimitationPeriod(region: "PA", debtKind: "*", years: 7),
            LimitationPeriod(region: "PA", debtKind: "note", years: 6),
        ])
        #expect(p.period(region: "PA", debtKind: "note")?.years == 6)
        #expect(p.period(region: "PA", debtKind: "open_account")?.years == 7)
        #expect(p.period(region: "NY", debtKind: "note")?.years == 8)
        #expect(p.period(region: "NY", debtKind: nil)?.years == 9)
        #expect(CompliancePolicy().period(region: "PA", debtKind: "note") == nil)
    }

    @Test(
        """
        Validation period: a second agency inside it needs the notice date, carried in its file; \
        a business account is not a consumer's
        """
    )
    func validationPeriod() {
        let placed = CalendarDate(year: 2026, month: 11, day: 1)!
        var f = Self.consumer
        f.firstPlacedOn = placed
        let carries = AgencyCompliance(partnerID: "c", carriesValidationNoticeDate: true)
        // Inside the period counted from the first placement, the notice date unknown: refused everywhere.
        #expect(verdict(f) == .refused([.validationNoticeDateUnknown]))
        #expect(verdict(f, carries) == .refused([.validationNoticeDateUnknown]))
        // Known: only an agency whose file carries it.
        f.validationNoticeDate = CalendarDate(year: 2026, month: 11, day: 3)!
        #expect(verdict(f) == .refused([.validationNoticeNotCarried]))
        #expect(verdict(f, carries) == .allowed(ComplianceMarks(validationNoticeDate: f.validationNoticeDate)))
        // After the period, any agency; the date still travels where the file has the field.
        let after = f.validationNoticeDate!.adding(days: 35)
        #expect(
            verdict(f, Self.anyAgency, asOf: after)
                == .allowed(ComplianceMarks(validationNoticeDate: f.validationNoticeDate)))
        #expect(verdict(f, Self.anyAgency, asOf: after.adding(days: -1)) == .refused([.validationNoticeNotCarried]))
        // A first placement is no second agency; a business debt has no Regulation F period.
        var first = Self.consumer
        first.validationNoticeDate = placed
        #expect(verdict(first) == .allowed(ComplianceMarks(validationNoticeDate: placed)))
        var b = Self.business
        b.firstPlacedOn = placed
        #expect(verdict(b) == .allowed(ComplianceMarks()))
    }

    @Test("A request goes only to the agency that still holds the account")
    func requests() {
        #expect(ComplianceGate.request(kind: "dispute", placementOpen: true) == [])
        #expect(ComplianceGate.request(kind: "dispute", placementOpen: false) == [.notWithAgency])
        #expect(ComplianceGate.request(kind: "recall", placementOpen: false) == [.notWithAgency])
    }

    @Test("Every reason code is stable snake_case with words for people")
    func codes() {
        for r in ComplianceReason.allCases {
            #expect(r.rawValue.allSatisfy { $0.isLowercase || $0 == "_" })
            #expect(!r.explanation.isEmpty)
        }
        #expect(ComplianceReason.listText([.minor, .bankruptcy, .minor]) == "bankruptcy,minor")
    }

    @Test("Adding years keeps the day, and 29 February becomes 28 February")
    func addingYears() {
        #expect(
            CalendarDate(year: 2024, month: 2, day: 29)!.adding(years: 1) == CalendarDate(
                year: 2025, month: 2, day: 28)!)
        #expect(
            CalendarDate(year: 2022, month: 11, day: 15)!.adding(years: 4) == CalendarDate(
                year: 2026, month: 11, day: 15)!)
    }
}
