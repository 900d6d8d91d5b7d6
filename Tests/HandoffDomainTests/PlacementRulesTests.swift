import HandoffDomain
import Testing

/// Builders shared by the placement suites: one run date, invoices described by how far past
/// due they are, and candidates that pass every rule unless a test says otherwise.
enum PlacementFixture {
    static let asOf = CalendarDate(iso: "2026-06-01")!

    /// An invoice due `daysPastDue` days before ``asOf`` (negative: not yet due), dated 30 days before that.
    static func invoice(_ id: Int64, daysPastDue: Int, balance: Int64, disputed: Bool = false, number: String? = nil)
        -> OpenItem
    {
        let due = asOf.adding(days: -daysPastDue)
        return OpenItem(
            invoiceID: id, invoiceNumber: number ?? "INV-\(id)", invoiceDate: due.adding(days: -30), dueDate: due,
            balance: balance, disputed: disputed)
    }

    static func profile(
        _ account: String = "A-000001", type: DebtorType = .consumer, country: String? = "US", region: String? = "PA",
        currency: Currency = .usd, holds: Set<Hold> = []) -> DebtorProfile {
        DebtorProfile(
            accountNumber: account, type: type, firstName: "Pat", lastName: "Doe", region: region, country: country,
            currency: currency, holds: holds)
    }

    /// 200 days past due, 100.00 owed: placeable under the default rules.
    static func candidate(
        _ invoices: [OpenItem] = [invoice(1, daysPastDue: 200, balance: 10_000)], profile: DebtorProfile = profile(),
        lastPaymentDate: CalendarDate? = nil, openPlacement: (partnerID: String, since: CalendarDate)? = nil,
        pastPartners: [String: Int] = [:], blockedPartners: Set<String> = [], finalNoticeDate: CalendarDate? = nil,
        frozenInvoiceIDs: Set<Int64>? = nil) -> PlacementCandidate {
        PlacementCandidate(customerID: 1, profile: profile, openInvoices: invoices, lastPaymentDate: lastPaymentDate,
                           openPlacement: openPlacement, pastPartners: pastPartners, blockedPartners: blockedPartners,
                           finalNoticeDate: finalNoticeDate, frozenInvoiceIDs: frozenInvoiceIDs)
    }

    static func rules(finalNoticeDays: Int? = nil) -> PlacementRules {
        var r = PlacementRules()
        r.finalNoticeDays = finalNoticeDays
        return r
    }

    static func placeable(_ verdict: Selection.Verdict) -> Placeable? {
        if case .placeable(let p) = verdict { return p }
        return nil
    }

    static func notPlaced(_ verdict: Selection.Verdict) -> NotPlaced? {
        if case .notPlaced(let n) = verdict { return n }
        return nil
    }
}

@Suite("Placement selection rules")
struct SelectionTests {
    typealias F = PlacementFixture

    @Test func defaultRules() {
        let r = PlacementRules()
        #expect(r.minDaysPastDue == 120)
        #expect(r.minBalance == DecimalAmount(value: 5000, scale: 2))
        #expect(r.recentPaymentDays == 30)
        #expect(r.finalNoticeDays == nil)
        #expect(r.itemizationBasis == .newestInvoiceDate)
    }

    @Test("A candidate that passes every rule is placeable, with its figures")
    func placeableFigures() throws {
        let p = try #require(F.placeable(Selection.evaluate(F.candidate(), rules: F.rules(), asOf: F.asOf)))
        #expect(p.invoices.map(\.invoiceID) == [1])
        #expect(p.balance == Money(minorUnits: 10_000, currency: .usd))
        #expect(p.daysPastDue == 200)
        #expect(p.oldestDueDate == CalendarDate(iso: "2025-11-13")!)
    }

    /// One candidate per refusal code, failing that rule and only that rule.
    static let refusals: [(NotPlaced.Code, String, PlacementCandidate, Int?)] = [
        (.hold, "hold: bankruptcy;deceased", F.candidate(profile: F.profile(holds: [.deceased, .bankruptcy])), nil),
        (.withAgency, "with keystone-recovery since 2026-01-15",
         F.candidate(openPlacement: ("keystone-recovery", CalendarDate(iso: "2026-01-15")!)), nil),
        (.nothingPastDue, "nothing past due",
         F.candidate([F.invoice(1, daysPastDue: 0, balance: 10_000), F.invoice(2, daysPastDue: -10, balance: 10_000),
                      F.invoice(3, daysPastDue: 300, balance: 0)]), nil),
        (.nothingPastDue, "nothing past due", F.candidate([]), nil),
        (.allDisputed, "every past-due invoice is disputed",
            F.candidate([
                F.invoice(1, daysPastDue: 300, balance: 10_000, disputed: true),
                F.invoice(2, daysPastDue: -5, balance: 10_000),
            ]), nil
        ),
        (
            .tooRecent, "119 days past due (minimum 120)",
            F.candidate([F.invoice(1, daysPastDue: 119, balance: 10_000)]), nil
        ),
        (
            .belowMinimum, "balance 49.99 below the minimum 50.00",
            F.candidate([F.invoice(1, daysPastDue: 200, balance: 4999)]), nil
        ),
        (
            .recentPayment, "paid on 2026-05-03, within 30 days",
            F.candidate(lastPaymentDate: F.asOf.adding(days: -29)), nil
        ),
        (.finalNoticeWaiting, "final notice of 2026-05-03; placeable from 2026-06-02",
         F.candidate(finalNoticeDate: F.asOf.adding(days: -29)), 30),
        // Balances beyond 2⁶³ together (recorded before [limits] max_amount existed): refused in words, never a trap.
        (
            .amountTooLarge,
            "the balance of the past-due invoices is too large to add up exactly (beyond 64 bits): "
                + "check the amounts recorded",
            F.candidate([
                F.invoice(1, daysPastDue: 200, balance: Int64.max / 2 + 1),
                F.invoice(2, daysPastDue: 300, balance: Int64.max / 2 + 1),
            ]), nil
        ),
    ]

    @Test("Each refusal code, with its words", arguments: refusals)
    func refusal(code: NotPlaced.Code, detail: String, candidate: PlacementCandidate, finalNoticeDays: Int?) throws {
        let n = try #require(
            F.notPlaced(Selection.evaluate(candidate, rules: F.rules(finalNoticeDays: finalNoticeDays), asOf: F.asOf)))
        #expect(n.code == code)
        #expect(n.detail == detail)
        #expect(n.description == detail)
    }

    @Test("Every code evaluate can return is covered above")
    func refusalCoverage() {
        let covered = Set(Self.refusals.map(\.0))
        // The allocator's codes, and the compliance gate's, which the placement run asks after evaluate.
        let allocatorOnly: Set<NotPlaced.Code> = [.noEligibleAgency, .agenciesExhausted, .atCapacity, .compliance]
        // final_notice_due is not a refusal of evaluate: it says .needsFinalNotice instead.
        #expect(Set(NotPlaced.Code.allCases).subtracting(allocatorOnly).subtracting([.finalNoticeDue]) == covered)
        #expect(NotPlaced.Code.withAgency.rawValue == "with_agency")
        #expect(NotPlaced.Code.finalNoticeWaiting.rawValue == "final_notice_waiting")
    }

    @Test("A hold wins over every other reason")
    func holdFirst() throws {
        let c = F.candidate(
            [F.invoice(1, daysPastDue: 10, balance: 1, disputed: true)], profile: F.profile(holds: [.ceaseContact]),
            lastPaymentDate: F.asOf, openPlacement: ("x", F.asOf))
        let n = try #require(F.notPlaced(Selection.evaluate(c, rules: F.rules(), asOf: F.asOf)))
        #expect(n.code == .hold)
        #expect(n.detail == "hold: cease_contact")
    }

    @Test("Days past due: 119 is too recent, 120 is placeable", arguments: [(119, false), (120, true), (121, true)])
    func daysBoundary(days: Int, placed: Bool) {
        let v = Selection.evaluate(
            F.candidate([F.invoice(1, daysPastDue: days, balance: 10_000)]), rules: F.rules(), asOf: F.asOf)
        #expect((F.placeable(v) != nil) == placed)
        if !placed { #expect(F.notPlaced(v)?.code == .tooRecent) }
        if placed { #expect(F.placeable(v)?.daysPastDue == days) }
    }

    @Test(
        "Balance: 49.99 is below the minimum, 50.00 is placeable",
        arguments: [(4999, false), (5000, true)] as [(Int64, Bool)])
    func balanceBoundary(balance: Int64, placed: Bool) {
        let v = Selection.evaluate(
            F.candidate([F.invoice(1, daysPastDue: 200, balance: balance)]), rules: F.rules(), asOf: F.asOf)
        #expect((F.placeable(v) != nil) == placed)
        if !placed { #expect(F.notPlaced(v)?.code == .belowMinimum) }
    }

    @Test("The minimum counts the placed invoices together, in the account's currency")
    func balanceSums() throws {
        let two = F.candidate([
            F.invoice(1, daysPastDue: 200, balance: 2500), F.invoice(2, daysPastDue: 10, balance: 2500),
        ])
        #expect(F.placeable(Selection.evaluate(two, rules: F.rules(), asOf: F.asOf))?.balance.minorUnits == 5000)

        let jpy = try #require(Currency(code: "JPY"))
        let yen49 = F.candidate([F.invoice(1, daysPastDue: 200, balance: 49)], profile: F.profile(currency: jpy))
        let n = try #require(F.notPlaced(Selection.evaluate(yen49, rules: F.rules(), asOf: F.asOf)))
        #expect(n.code == .belowMinimum)
        #expect(n.detail == "balance 49 below the minimum 50")
        let yen50 = F.candidate([F.invoice(1, daysPastDue: 200, balance: 50)], profile: F.profile(currency: jpy))
        #expect(
            F.placeable(Selection.evaluate(yen50, rules: F.rules(), asOf: F.asOf))?.balance
                == Money(minorUnits: 50, currency: jpy))
    }

    @Test(
        "Last payment: 29 days ago is recent, 30 days ago is not",
        arguments: [(0, false), (29, false), (30, true), (400, true)])
    func paymentBoundary(daysAgo: Int, placed: Bool) {
        let v = Selection.evaluate(
            F.candidate(lastPaymentDate: F.asOf.adding(days: -daysAgo)), rules: F.rules(), asOf: F.asOf)
        #expect((F.placeable(v) != nil) == placed)
        if !placed { #expect(F.notPlaced(v)?.code == .recentPayment) }
    }

    @Test("Final notice required: none recorded asks for one, with what would be placed")
    func needsFinalNotice() {
        let v = Selection.evaluate(F.candidate(), rules: F.rules(finalNoticeDays: 30), asOf: F.asOf)
        guard case .needsFinalNotice(let p) = v else {
            Issue.record("expected .needsFinalNotice, got \(v)")
            return
        }
        #expect(p.invoices.map(\.invoiceID) == [1])
        #expect(p.balance.minorUnits == 10_000)
        #expect(p.daysPastDue == 200)
        // A rule failing before the notice check still refuses: no notice is asked for an account that can't go.
        let young = F.candidate([F.invoice(1, daysPastDue: 100, balance: 10_000)])
        #expect(
            F.notPlaced(Selection.evaluate(young, rules: F.rules(finalNoticeDays: 30), asOf: F.asOf))?.code
                == .tooRecent)
    }

    @Test(
        "Final notice recorded: placeable from notice + days",
        arguments: [(29, false), (30, true), (31, true), (365, true)])
    func finalNoticeBoundary(daysAgo: Int, placed: Bool) {
        let c = F.candidate(finalNoticeDate: F.asOf.adding(days: -daysAgo))
        let v = Selection.evaluate(c, rules: F.rules(finalNoticeDays: 30), asOf: F.asOf)
        #expect((F.placeable(v) != nil) == placed)
        if !placed { #expect(F.notPlaced(v)?.code == .finalNoticeWaiting) }
        // Without the rule the notice does not matter.
        #expect(F.placeable(Selection.evaluate(c, rules: F.rules(), asOf: F.asOf)) != nil)
    }

    @Test("Days are measured on the oldest open, undisputed, past-due invoice; the disputed one stays out")
    func oldestUndisputed() throws {
        let invoices = [
            F.invoice(3, daysPastDue: 100, balance: 4000),
            F.invoice(1, daysPastDue: 300, balance: 90_000, disputed: true),
            F.invoice(6, daysPastDue: 400, balance: 0),
            F.invoice(2, daysPastDue: 150, balance: 6000),
            F.invoice(4, daysPastDue: 0, balance: 9999),     // due today: not past due
            F.invoice(5, daysPastDue: -20, balance: 7777),   // not yet due
        ]
        let p = try #require(F.placeable(Selection.evaluate(F.candidate(invoices), rules: F.rules(), asOf: F.asOf)))
        #expect(p.invoices.map(\.invoiceID) == [2, 3])
        #expect(p.balance == Money(minorUnits: 10_000, currency: .usd))
        #expect(p.daysPastDue == 150)
        #expect(p.oldestDueDate == F.asOf.adding(days: -150))

        // The disputed 300-day invoice does not make a 100-day account old enough.
        let young = F.candidate([
            F.invoice(1, daysPastDue: 300, balance: 90_000, disputed: true),
            F.invoice(2, daysPastDue: 100, balance: 9000),
        ])
        let n = try #require(F.notPlaced(Selection.evaluate(young, rules: F.rules(), asOf: F.asOf)))
        #expect(n.code == .tooRecent)
        #expect(n.detail == "100 days past due (minimum 120)")

        // Nor does its balance count towards the minimum.
        let small = F.candidate([
            F.invoice(1, daysPastDue: 300, balance: 90_000, disputed: true),
            F.invoice(2, daysPastDue: 200, balance: 100),
        ])
        #expect(F.notPlaced(Selection.evaluate(small, rules: F.rules(), asOf: F.asOf))?.code == .belowMinimum)
    }

    @Test("Placed invoices are oldest first: due date, then invoice date, then number")
    func placedOrder() throws {
        let due = F.asOf.adding(days: -200)
        let a = OpenItem(
            invoiceID: 10, invoiceNumber: "B", invoiceDate: due.adding(days: -30), dueDate: due, balance: 3000,
            disputed: false)
        let b = OpenItem(
            invoiceID: 11, invoiceNumber: "A", invoiceDate: due.adding(days: -30), dueDate: due, balance: 3000,
            disputed: false)
        let c = OpenItem(
            invoiceID: 12, invoiceNumber: "C", invoiceDate: due.adding(days: -60), dueDate: due, balance: 3000,
            disputed: false)
        let d = F.invoice(13, daysPastDue: 250, balance: 3000)
        let p = try #require(F.placeable(Selection.evaluate(F.candidate([a, b, c, d]), rules: F.rules(), asOf: F.asOf)))
        #expect(p.invoices.map(\.invoiceID) == [13, 12, 11, 10])
        #expect(p.oldestDueDate == d.dueDate)
        #expect(p.balance.minorUnits == 12_000)
    }

    @Test("Frozen invoice ids restrict what is placed")
    func frozen() throws {
        let invoices = [F.invoice(1, daysPastDue: 200, balance: 6000), F.invoice(2, daysPastDue: 150, balance: 7000),
            F.invoice(3, daysPastDue: 130, balance: 8000), F.invoice(4, daysPastDue: 160, balance: 500, disputed: true),
        ]
        let p = try #require(
            F.placeable(
                Selection.evaluate(F.candidate(invoices, frozenInvoiceIDs: [2, 3]), rules: F.rules(), asOf: F.asOf)))
        #expect(p.invoices.map(\.invoiceID) == [2, 3])
        #expect(p.balance.minorUnits == 15_000)
        #expect(p.daysPastDue == 150)

        let unfrozen = try #require(
            F.placeable(Selection.evaluate(F.candidate(invoices), rules: F.rules(), asOf: F.asOf)))
        #expect(unfrozen.invoices.map(\.invoiceID) == [1, 2, 3])

        // Only the youngest is frozen: measured on it alone.
        let n = try #require(F.notPlaced(Selection.evaluate(F.candidate([F.invoice(1, daysPastDue: 200, balance: 6000),
                            F.invoice(2, daysPastDue: 100, balance: 7000),
                        ],
                        frozenInvoiceIDs: [2]), rules: F.rules(), asOf: F.asOf)))
        #expect(n.code == .tooRecent)
        #expect(
            F.notPlaced(
                Selection.evaluate(F.candidate(invoices, frozenInvoiceIDs: [99]), rules: F.rules(), asOf: F.asOf))?.code
                == .nothingPastDue)
        #expect(
            F.notPlaced(
                Selection.evaluate(F.candidate(invoices, frozenInvoiceIDs: []), rules: F.rules(), asOf: F.asOf))?.code
                == .nothingPastDue)
        #expect(
            F.notPlaced(
                Selection.evaluate(F.candidate(invoices, frozenInvoiceIDs: [4]), rules: F.rules(), asOf: F.asOf))?.code
                == .allDisputed)
    }

    @Test("The balance is in the account's currency")
    func currency() throws {
        let c = F.candidate(profile: F.profile(country: "CA", region: "QC", currency: .cad))
        let p = try #require(F.placeable(Selection.evaluate(c, rules: F.rules(), asOf: F.asOf)))
        #expect(p.balance == Money(minorUnits: 10_000, currency: .cad))
    }
}

@Suite("Allocation of placeable accounts to agencies")
struct AllocatorTests {
    typealias F = PlacementFixture

    static func agency(_ id: String, tier: Int = 1, share: Int = 1, capacity: Int? = nil, enabled: Bool = true,
                       eligibility: Eligibility = Eligibility()) -> AgencyTerms {
        AgencyTerms(
            id: id, enabled: enabled, tier: tier, share: share, capacityPerRun: capacity, eligibility: eligibility)
    }

    /// Allocates `candidate` after running it through the default rules.
    static func allocate(_ allocator: inout Allocator, _ candidate: PlacementCandidate) throws -> Result<
        Allocator.Choice, NotPlaced
    > {
        let p = try #require(F.placeable(Selection.evaluate(candidate, rules: F.rules(), asOf: F.asOf)))
        return allocator.allocate(candidate, p)
    }

    static func allocate(_ agencies: [AgencyTerms], _ candidate: PlacementCandidate) throws -> Result<
        Allocator.Choice, NotPlaced
    > {
        var a = Allocator(agencies: agencies)
        return try allocate(&a, candidate)
    }

    static func account(_ n: Int) -> String {
        let digits = String(n)
        return "A-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    static func candidate(account n: Int, pastPartners: [String: Int] = [:]) -> PlacementCandidate {
        F.candidate(profile: F.profile(account(n)), pastPartners: pastPartners)
    }

    static func failure(_ r: Result<Allocator.Choice, NotPlaced>) -> NotPlaced? {
        if case .failure(let n) = r { return n }
        return nil
    }

    static func choice(_ r: Result<Allocator.Choice, NotPlaced>) -> Allocator.Choice? {
        if case .success(let c) = r { return c }
        return nil
    }

    static let tiers = [agency("c3", tier: 3), agency("a1", tier: 1), agency("b2", tier: 2)]

    @Test("The first tier after the highest one that had it", arguments: [
        ([:], "a1", 1),
        (["a1": 1], "b2", 2),
        (["b2": 2], "c3", 3),
        (["a1": 1, "b2": 2], "c3", 3),
    ] as [([String: Int], String, Int)])
    func tierChoice(past: [String: Int], partner: String, tier: Int) throws {
        let r = try Self.allocate(Self.tiers, F.candidate(pastPartners: past))
        #expect(Self.choice(r) == Allocator.Choice(partnerID: partner, tier: tier))
    }

    @Test("Once a tier has had it, its other agencies are not offered it")
    func tierDone() throws {
        let agencies = [Self.agency("a", tier: 1), Self.agency("b", tier: 1), Self.agency("c", tier: 2)]
        for n in 1...50 {
            let r = try Self.allocate(agencies, Self.candidate(account: n, pastPartners: ["a": 1]))
            #expect(Self.choice(r) == Allocator.Choice(partnerID: "c", tier: 2))
        }
    }

    @Test("A tier with no eligible agency is passed over for the next")
    func ineligibleTierSkipped() throws {
        let agencies = [
            Self.agency("biz-only", tier: 1, eligibility: Eligibility(debtorTypes: [.business])),
            Self.agency("any", tier: 2),
        ]
        #expect(Self.choice(try Self.allocate(agencies, F.candidate())) == Allocator.Choice(partnerID: "any", tier: 2))
    }

    @Test("Agencies come sorted by tier and id; disabled ones are left out")
    func agencyOrder() {
        let a = Allocator(agencies: [
            Self.agency("z", tier: 1), Self.agency("off", tier: 1, enabled: false), Self.agency("b", tier: 2),
            Self.agency("a", tier: 1)])
        #expect(a.agencies.map(\.id) == ["a", "z", "b"])
        #expect(a.allocated.isEmpty)
    }

    @Test("An agency that had the account is skipped, even in a later tier")
    func hadItSkipped() throws {
        // "x" had it in tier 1 and has since been moved to tier 2, beside "y".
        let agencies = [Self.agency("x", tier: 2, share: 1000), Self.agency("y", tier: 2, share: 1)]
        for n in 1...200 {
            let r = try Self.allocate(agencies, Self.candidate(account: n, pastPartners: ["x": 1]))
            #expect(Self.choice(r) == Allocator.Choice(partnerID: "y", tier: 2))
        }
    }

    @Test("Blocked partners are skipped, with the reason")
    func blocked() throws {
        let both = [Self.agency("a", tier: 1), Self.agency("b", tier: 2)]
        #expect(
            Self.choice(try Self.allocate(both, F.candidate(blockedPartners: ["a"])))
                == Allocator.Choice(partnerID: "b", tier: 2))

        let n = try #require(Self.failure(try Self.allocate([Self.agency("a")], F.candidate(blockedPartners: ["a"]))))
        #expect(n.code == .noEligibleAgency)
        #expect(n.detail == "no eligible agency: a: rejected it before (clear it to offer again)")
    }

    /// Each eligibility rule the default candidate (consumer, US/PA, 100.00 USD, 200 days) fails.
    static let refusals: [(Eligibility, String)] = [
        (Eligibility(debtorTypes: [.business]), "takes no consumer accounts"),
        (Eligibility(countries: ["CA"]), "not licensed in country US"),
        (Eligibility(regions: ["NY", "NJ"]), "not licensed in region PA"),
        (Eligibility(currencies: ["CAD"]), "takes no USD"),
        (Eligibility(minBalance: DecimalAmount(value: 10001, scale: 2)), "balance 100.00 below its minimum 100.01"),
        (Eligibility(maxBalance: DecimalAmount(value: 9999, scale: 2)), "balance 100.00 above its maximum 99.99"),
        (Eligibility(minDaysPastDue: 201), "200 days past due, it takes 201 or more"),
        (Eligibility(maxDaysPastDue: 199), "200 days past due, it takes 199 or fewer"),
    ]

    @Test("An eligibility refusal gives no_eligible_agency with the agency's reason", arguments: refusals)
    func eligibilityRefusal(eligibility: Eligibility, reason: String) throws {
        let n = try #require(
            Self.failure(try Self.allocate([Self.agency("solo", eligibility: eligibility)], F.candidate())))
        #expect(n.code == .noEligibleAgency)
        #expect(n.detail == "no eligible agency: solo: \(reason)")
    }

    @Test("Every agency's reason is given, in order")
    func severalReasons() throws {
        let agencies = [Self.agency("b", tier: 2, eligibility: Eligibility(currencies: ["EUR"])),
                        Self.agency("a", tier: 1, eligibility: Eligibility(countries: ["CA"])),
                        Self.agency("c", tier: 2)]
        let n = try #require(Self.failure(try Self.allocate(agencies, F.candidate(blockedPartners: ["c"]))))
        #expect(n.code == .noEligibleAgency)
        #expect(
            n.detail
                == """
                    no eligible agency: a: not licensed in country US; b: takes no USD; \
                    c: rejected it before (clear it to offer again)
                    """
        )
    }

    @Test("No agency at all")
    func none() throws {
        let n = try #require(Self.failure(try Self.allocate([], F.candidate())))
        #expect(n.code == .noEligibleAgency)
        #expect(n.detail == "no agency is configured")
    }

    @Test("agencies_exhausted when every agency after the last tier has had it")
    func exhausted() throws {
        let n = try #require(
            Self.failure(try Self.allocate(Self.tiers, F.candidate(pastPartners: ["a1": 1, "b2": 2, "c3": 3]))))
        #expect(n.code == .agenciesExhausted)
        #expect(n.detail == "every agency after tier 3 has had it")

        // A later tier exists, but its only agency had the account (in tier 1, before it was moved).
        let moved = [Self.agency("a", tier: 1), Self.agency("b", tier: 2)]
        let m = try #require(Self.failure(try Self.allocate(moved, F.candidate(pastPartners: ["a": 1, "b": 1]))))
        #expect(m.code == .agenciesExhausted)
        #expect(m.detail == "every agency after tier 1 has had it")
    }

    @Test("The same account goes to the same agency, whatever the order or the allocator")
    func deterministic() throws {
        let agencies = [Self.agency("krp", share: 70), Self.agency("mcs", share: 20), Self.agency("local", share: 10)]
        var forward = Allocator(agencies: agencies)
        var backward = Allocator(agencies: Array(agencies.reversed()))
        var first: [Int: String] = [:]
        for n in 1...300 { first[n] = Self.choice(try Self.allocate(&forward, Self.candidate(account: n)))?.partnerID }
        for n in (1...300).reversed() {
            #expect(Self.choice(try Self.allocate(&backward, Self.candidate(account: n)))?.partnerID == first[n])
            #expect(Self.choice(try Self.allocate(agencies, Self.candidate(account: n)))?.partnerID == first[n])
        }
        #expect(Set(first.values) == ["krp", "mcs", "local"])
        #expect(Allocator.stableHash("A-000001") == Allocator.stableHash("A-000001"))
        #expect(Allocator.stableHash("A-000001") != Allocator.stableHash("A-000002"))
    }

    @Test("Shares 70/30 over 10,000 accounts: each within 2 points of its share")
    func proportions() throws {
        var allocator = Allocator(agencies: [Self.agency("champion", share: 70), Self.agency("challenger", share: 30)])
        var counts: [String: Int] = [:]
        for n in 1...10_000 {
            let c = try #require(Self.choice(try Self.allocate(&allocator, Self.candidate(account: n))))
            #expect(c.tier == 1)
            counts[c.partnerID, default: 0] += 1
        }
        #expect(abs(counts["champion", default: 0] - 7000) <= 200, "champion: \(counts)")
        #expect(abs(counts["challenger", default: 0] - 3000) <= 200, "challenger: \(counts)")
        #expect(allocator.allocated == counts)
    }

    /// The hash is part of the contract: changing it would move existing accounts between agencies.
    /// Figures from an independent FNV-1a + mix computation.
    @Test("The stable hash and the 70/30 split, exactly")
    func stableFigures() throws {
        #expect(Allocator.stableHash("A-000001") == 0x1e6d_be99_9ece_e90e)
        #expect(Allocator.stableHash("A-000002") == 0xf85b_381b_6f44_c78a)
        #expect(Allocator.stableHash("") == 0xecba_3df2_c338_3c52)
        var allocator = Allocator(agencies: [Self.agency("champion", share: 70), Self.agency("challenger", share: 30)])
        var firstTen: [String] = []
        for n in 1...10_000 {
            let c = try #require(Self.choice(try Self.allocate(&allocator, Self.candidate(account: n))))
            if n <= 10 { firstTen.append(c.partnerID) }
        }
        #expect(allocator.allocated == ["champion": 7020, "challenger": 2980])
        #expect(firstTen == ["challenger"] + Array(repeating: "champion", count: 9))
    }

    @Test("Capacity: the 11th account for a full agency goes to the other one; all full is at_capacity")
    func capacity() throws {
        let uncapped = [Self.agency("a", share: 70), Self.agency("b", share: 30)]
        var capped = Allocator(agencies: [Self.agency("a", share: 70, capacity: 10), Self.agency("b", share: 30)])
        var wantedA = 0
        for n in 1...100 {
            let preferred = try #require(
                Self.choice(try Self.allocate(uncapped, Self.candidate(account: n)))?.partnerID)
            let got = try #require(Self.choice(try Self.allocate(&capped, Self.candidate(account: n)))?.partnerID)
            if preferred == "a" {
                wantedA += 1
                #expect(got == (wantedA <= 10 ? "a" : "b"), "account \(n), the \(wantedA)th for a")
            } else {
                #expect(got == "b")
            }
        }
        #expect(wantedA > 10)
        #expect(capped.allocated == ["a": 10, "b": 90])

        var full = Allocator(agencies: [
            Self.agency("a", share: 70, capacity: 1), Self.agency("b", share: 30, capacity: 1),
        ])
        #expect(Self.choice(try Self.allocate(&full, Self.candidate(account: 1))) != nil)
        #expect(Self.choice(try Self.allocate(&full, Self.candidate(account: 2))) != nil)
        let n = try #require(Self.failure(try Self.allocate(&full, Self.candidate(account: 3))))
        #expect(n.code == .atCapacity)
        #expect(n.detail == "every eligible agency in tier 1 is at its capacity for this run")
        #expect(full.allocated == ["a": 1, "b": 1])
    }

    @Test("A full tier holds the account back rather than skip to the next tier")
    func capacityDoesNotSkipTiers() throws {
        var allocator = Allocator(agencies: [Self.agency("a", tier: 1, capacity: 0), Self.agency("b", tier: 2)])
        let n = try #require(Self.failure(try Self.allocate(&allocator, F.candidate())))
        #expect(n.code == .atCapacity)
        #expect(allocator.allocated.isEmpty)
    }

    @Test("Disabled agencies are ignored")
    func disabled() throws {
        let agencies = [Self.agency("off", share: 1000, enabled: false), Self.agency("on", share: 1)]
        for n in 1...200 {
            #expect(
                Self.choice(try Self.allocate(agencies, Self.candidate(account: n)))
                    == Allocator.Choice(partnerID: "on", tier: 1))
        }
        let n = try #require(Self.failure(try Self.allocate([Self.agency("off", enabled: false)], F.candidate())))
        #expect(n.code == .noEligibleAgency)
    }

    @Test("An agency with share 0 is never chosen")
    func zeroShare() throws {
        let agencies = [Self.agency("zero", share: 0), Self.agency("one", share: 1)]
        for n in 1...500 {
            #expect(Self.choice(try Self.allocate(agencies, Self.candidate(account: n)))?.partnerID == "one")
        }
        // Alone in tier 1, it passes accounts on to tier 2.
        let tiered = [Self.agency("zero", tier: 1, share: 0), Self.agency("next", tier: 2)]
        #expect(Self.choice(try Self.allocate(tiered, F.candidate())) == Allocator.Choice(partnerID: "next", tier: 2))
        let n = try #require(Self.failure(try Self.allocate([Self.agency("zero", share: 0)], F.candidate())))
        #expect(n.code == .noEligibleAgency)
    }
}

@Suite("Regulation F itemization")
struct ItemizationTests {
    typealias Entry = Itemization.Entry
    static let date = CalendarDate(iso: "2026-01-31")!

    @Test("Entries on or before the date make the amount; later ones go to their parts")
    func parts() throws {
        let d = Self.date
        let entries = [
            Entry(kind: .invoice, amount: 10_000, date: d.adding(days: -30)),
            Entry(kind: .payment, amount: -2000, date: d),                     // on the date: part of the amount
            Entry(kind: .interest, amount: 150, date: d.adding(days: 1)),
            Entry(kind: .fee, amount: 2500, date: d.adding(days: 2)),
            Entry(kind: .payment, amount: -3000, date: d.adding(days: 3)),
            Entry(kind: .paymentReversal, amount: 1000, date: d.adding(days: 4)),
            Entry(kind: .credit, amount: -500, date: d.adding(days: 5)),
            Entry(kind: .writeoff, amount: -700, date: d.adding(days: 6)),
        ]
        let i = try Itemization.compute(entries: entries, date: d, currency: .usd)
        #expect(i.date == d)
        #expect(i.amount == Money(minorUnits: 8000, currency: .usd))
        #expect(i.interest == Money(minorUnits: 150, currency: .usd))
        #expect(i.fees == Money(minorUnits: 2500, currency: .usd))
        #expect(i.payments == Money(minorUnits: 2000, currency: .usd))
        #expect(i.credits == Money(minorUnits: 1200, currency: .usd))
        #expect(i.balance == Money(minorUnits: 7450, currency: .usd))
    }

    @Test("Interest and fees on or before the date are part of the amount")
    func earlyCharges() throws {
        let d = Self.date
        let i = try Itemization.compute(entries: [Entry(kind: .invoice, amount: 1000, date: d.adding(days: -60)),
                                              Entry(kind: .interest, amount: 10, date: d.adding(days: -1)),
                                              Entry(kind: .fee, amount: 25, date: d)], date: d, currency: .cad)
        #expect(
            i
                == Itemization(
                    date: d, amount: Money(minorUnits: 1035, currency: .cad), interest: .zero(.cad), fees: .zero(.cad),
                    payments: .zero(.cad), credits: .zero(.cad)))
        #expect(try Itemization.compute(entries: [], date: d, currency: .usd).balance == .zero(.usd))
    }

    @Test("The parts always add up to the sum of the entries")
    func balanceIsTheSum() throws {
        var rng = SplitMix64(seed: 2026)
        let d = Self.date
        for _ in 0..<400 {
            let count = Int.random(in: 0...25, using: &rng)
            let entries = (0..<count).map { _ -> Entry in
                let kind = EntryKind.allCases.randomElement(using: &rng)!
                return Entry(kind: kind, amount: kind.sign * Int64.random(in: 1...5_000_000, using: &rng),
                             date: d.adding(days: Int.random(in: -90...90, using: &rng)))
            }
            let i = try Itemization.compute(entries: entries, date: d, currency: .usd)
            let later = entries.filter { $0.date > d }
            func sum(_ es: [Entry], _ kinds: Set<EntryKind>) -> Int64 {
                es.filter { kinds.contains($0.kind) }.reduce(0) { $0 + $1.amount }
            }
            #expect(i.balance.minorUnits == entries.reduce(0) { $0 + $1.amount })
            #expect(
                i.amount.minorUnits == entries.filter { $0.date <= d }.reduce(0) { $0 + $1.amount }
                    + sum(later, [.invoice]))
            #expect(i.interest.minorUnits == sum(later, [.interest]))
            #expect(i.fees.minorUnits == sum(later, [.fee]))
            #expect(i.payments.minorUnits == -sum(later, [.payment, .paymentReversal]))
            #expect(i.credits.minorUnits == -sum(later, [.credit, .writeoff]))
            #expect(i.interest.minorUnits >= 0 && i.fees.minorUnits >= 0 && i.credits.minorUnits >= 0)
        }
    }

    @Test("A part beyond 64 bits is an error that says so, never a trap")
    func overflow() {
        let d = Self.date
        let entries = [Entry(kind: .invoice, amount: Int64.max / 2 + 1, date: d.adding(days: -60)),
                       Entry(kind: .invoice, amount: Int64.max / 2 + 1, date: d.adding(days: -30))]
        #expect(throws: AmountOverflow(what: "the itemization of the placed invoices")) {
            try Itemization.compute(entries: entries, date: d, currency: .usd)
        }
        #expect(throws: AmountOverflow(what: "the itemization of the placed invoices")) {
            try Itemization.compute(
                entries: [Entry(kind: .payment, amount: Int64.min, date: d.adding(days: 1))], date: d, currency: .usd)
        }
    }

    @Test("The itemization date, by basis")
    func dates() {
        // A: net 60 (dated first, due last); B: net 30 (dated last).
        let a = OpenItem(invoiceID: 1, invoiceNumber: "A", invoiceDate: CalendarDate(iso: "2025-01-10")!,
                         dueDate: CalendarDate(iso: "2025-03-11")!, balance: 100, disputed: false)
        let b = OpenItem(invoiceID: 2, invoiceNumber: "B", invoiceDate: CalendarDate(iso: "2025-01-20")!,
                         dueDate: CalendarDate(iso: "2025-02-19")!, balance: 100, disputed: false)
        #expect(Itemization.date(basis: .newestInvoiceDate, invoices: [a, b]) == CalendarDate(iso: "2025-01-20"))
        #expect(Itemization.date(basis: .newestDueDate, invoices: [a, b]) == CalendarDate(iso: "2025-03-11"))
        #expect(Itemization.date(basis: .newestDueDate, invoices: [b]) == CalendarDate(iso: "2025-02-19"))
        #expect(Itemization.date(basis: .newestInvoiceDate, invoices: []) == nil)
        #expect(Itemization.date(basis: .newestDueDate, invoices: []) == nil)
        #expect(ItemizationBasis(rawValue: "newest_due_date") == .newestDueDate)
        #expect(ItemizationBasis(rawValue: "newest_invoice_date") == .newestInvoiceDate)
    }
}

@Suite("Commission schedules")
struct CommissionTests {
    static let krp = CommissionSchedule(rates: [
        .init(partsPerMillion: 400_000, status: "LEG"),
        .init(partsPerMillion: 350_000, minAgeDays: 365),
        .init(partsPerMillion: 250_000),
    ], rounding: .halfUp)

    @Test("Percent text to parts per million", arguments: [
        ("25%", 250_000), ("33.3333%", 333_333), ("40%", 400_000), ("18%", 180_000), ("0%", 0), ("100%", 1_000_000),
        ("0.0001%", 1), (" 35% ", 350_000), ("12.5%", 125_000),
    ] as [(String, Int64)])
    func percent(text: String, ppm: Int64) {
        #expect(CommissionSchedule.partsPerMillion(percent: text) == ppm)
    }

    @Test(
        "Anything else is no rate",
        arguments: ["25", "abc%", "101%", "100.0001%", "-5%", "%", "", "33.33333%", "25%%", "2 5%"])
    func percentRejected(text: String) {
        #expect(CommissionSchedule.partsPerMillion(percent: text) == nil)
    }

    @Test("The first rate whose conditions hold applies", arguments: [
        ("LEG", 10, 400_000), ("LEG", 400, 400_000), (nil, 365, 350_000), (nil, 364, 250_000), ("ACT", 1000, 350_000),
        ("ACT", 0, 250_000), (nil, 0, 250_000), ("leg", 10, 250_000),
    ] as [(String?, Int, Int64)])
    func firstMatch(status: String?, age: Int, ppm: Int64) {
        #expect(Self.krp.rate(ageDays: age, status: status)?.partsPerMillion == ppm)
    }

    @Test("Maximum age is exclusive, minimum inclusive; no match is nil")
    func ageBounds() {
        let s = CommissionSchedule(rates: [.init(partsPerMillion: 300_000, minAgeDays: 30, maxAgeDays: 90)])
        #expect(s.rate(ageDays: 29, status: nil) == nil)
        #expect(s.rate(ageDays: 30, status: nil)?.partsPerMillion == 300_000)
        #expect(s.rate(ageDays: 89, status: nil)?.partsPerMillion == 300_000)
        #expect(s.rate(ageDays: 90, status: nil) == nil)
        #expect(CommissionSchedule(rates: []).rate(ageDays: 0, status: nil) == nil)
        #expect(CommissionSchedule(rates: []).rounding == .halfUp)
    }

    @Test("KRP's sample: 293.75 at 25% is 73.44")
    func krpSample() throws {
        let rate = try #require(Self.krp.rate(ageDays: 200, status: nil))
        #expect(Self.krp.commission(on: 29375, rate: rate) == 7344)
        #expect(Self.krp.commission(on: -29375, rate: rate) == -7344)
        #expect(Self.krp.commission(on: 0, rate: rate) == 0)
    }

    @Test("Meridian: 18% of 2,500.00 is 450.00")
    func meridian() throws {
        let ppm = try #require(CommissionSchedule.partsPerMillion(percent: "18%"))
        let s = CommissionSchedule(rates: [.init(partsPerMillion: ppm)], rounding: .halfUp)
        #expect(s.commission(on: 250_000, rate: s.rates[0]) == 45_000)
    }

    @Test("Rounding of exact halves and of other fractions", arguments: [
        // amount, ppm, half_up, half_even, down
        (10, 250_000, 3, 2, 2),          // 2.5
        (30, 250_000, 8, 8, 7),          // 7.5
        (2, 250_000, 1, 0, 0),           // 0.5
        (6, 250_000, 2, 2, 1),           // 1.5
        (29375, 250_000, 7344, 7344, 7343), // 7343.75
        (7, 250_000, 2, 2, 1),           // 1.75
        (5, 250_000, 1, 1, 1),           // 1.25
        (1, 333_333, 0, 0, 0),           // 0.333333
        (3, 333_333, 1, 1, 0),           // 0.999999
        (100, 1_000_000, 100, 100, 100),
        (12345, 0, 0, 0, 0),
    ] as [(Int64, Int64, Int64, Int64, Int64)])
    func rounding(amount: Int64, ppm: Int64, halfUp: Int64, halfEven: Int64, down: Int64) {
        let rate = CommissionSchedule.Rate(partsPerMillion: ppm)
        for (rule, expected) in [(RoundingRule.halfUp, halfUp), (.halfEven, halfEven), (.down, down)] {
            let s = CommissionSchedule(rates: [rate], rounding: rule)
            #expect(s.commission(on: amount, rate: rate) == expected, "\(rule) of \(amount) at \(ppm)")
            #expect(s.commission(on: -amount, rate: rate) == -expected, "\(rule) of \(-amount) at \(ppm)")
        }
    }

    @Test("Large amounts are exact")
    func large() {
        let rate = CommissionSchedule.Rate(partsPerMillion: 333_333)
        let s = CommissionSchedule(rates: [rate], rounding: .down)
        // 9,000,000,000,000,000 × 0.333333 = 2,999,997,000,000,000 exactly
        #expect(s.commission(on: 9_000_000_000_000_000, rate: rate) == 2_999_997_000_000_000)
    }

    @Test func ruleNames() {
        #expect(RoundingRule(rawValue: "half_up") == .halfUp)
        #expect(RoundingRule(rawValue: "half_even") == .halfEven)
        #expect(RoundingRule(rawValue: "down") == .down)
        #expect(RemittanceModel(rawValue: "gross") == .gross)
    }
}

@Suite("Decimal thresholds")
struct DecimalAmountTests {
    @Test("Parsing keeps the digits written", arguments: [
            ("50.00", 5000, 2), ("50", 50, 0), ("0.5", 5, 1), (" 1,000.25 ", 100_025, 2), ("0.000001", 1, 6),
            ("-2.5", -25, 1),
    ] as [(String, Int64, Int)])
    func parses(text: String, value: Int64, scale: Int) throws {
        let d = try DecimalAmount(parsing: text)
        #expect(d.value == value)
        #expect(d.scale == scale)
    }

    @Test("Not a decimal amount", arguments: ["", "abc", "50.", ".5", "1.2.3", "0.0000001", "$5"])
    func rejects(text: String) {
        #expect(throws: Amount.ParseError.self) { try DecimalAmount(parsing: text) }
    }

    @Test("Minor units for 0, 2 and 3 digits", arguments: [
        ("50.00", 50, 5000, 50_000), ("50", 50, 5000, 50_000), ("0.5", 0, 50, 500), ("12.345", 12, 1234, 12_345),
        ("0.0001", 0, 0, 0), ("7.999", 7, 799, 7999),
    ] as [(String, Int64, Int64, Int64)])
    func minorUnits(text: String, zero: Int64, two: Int64, three: Int64) throws {
        let d = try DecimalAmount(parsing: text)
        #expect(d.minorUnits(digits: 0) == zero)
        #expect(d.minorUnits(digits: 2) == two)
        #expect(d.minorUnits(digits: 3) == three)
    }

    @Test func moneyAndText() throws {
        let d = try DecimalAmount(parsing: "50.00")
        #expect(d.money(.usd) == Money(minorUnits: 5000, currency: .usd))
        let jpy = try #require(Currency(code: "JPY"))
        let bhd = try #require(Currency(code: "BHD"))
        #expect(d.money(jpy).minorUnits == 50)
        #expect(d.money(bhd).minorUnits == 50_000)
        #expect(d.description == "50.00")
        #expect(try DecimalAmount(parsing: "0.5").description == "0.5")
        #expect(try DecimalAmount(parsing: "50").description == "50")
        #expect(try DecimalAmount(parsing: "50.00") == DecimalAmount(value: 5000, scale: 2))
    }
}

@Suite("Agency eligibility")
struct EligibilityTests {
    typealias F = PlacementFixture
    static let usd100 = Money(minorUnits: 10_000, currency: .usd)

    @Test("Eligible accounts are not refused")
    func eligible() throws {
        let e = Eligibility(
            debtorTypes: [.consumer, .business], countries: ["US", "CA"], regions: ["PA", "QC"],
            currencies: ["USD", "CAD"],
            minBalance: try DecimalAmount(parsing: "100.00"), maxBalance: try DecimalAmount(parsing: "100"),
            minDaysPastDue: 200, maxDaysPastDue: 200)
        #expect(e.refusal(for: F.profile(), balance: Self.usd100, daysPastDue: 200) == nil)
        #expect(e.refusal(for: F.profile(type: .business, country: "CA", region: "QC", currency: .cad),
                          balance: Money(minorUnits: 10_000, currency: .cad), daysPastDue: 200) == nil)
        #expect(
            Eligibility().refusal(
                for: F.profile(country: nil, region: nil), balance: Money(minorUnits: 1, currency: .usd), daysPastDue: 0
            ) == nil)
    }

    @Test("Each refusal says why", arguments: [
        (Eligibility(debtorTypes: [.consumer]), F.profile(type: .business), usd100, 200, "takes no business accounts"),
        (Eligibility(countries: ["US"]), F.profile(country: "MX"), usd100, 200, "not licensed in country MX"),
        (Eligibility(countries: ["US"]), F.profile(country: nil), usd100, 200, "not licensed in country (none)"),
        (Eligibility(regions: ["PA"]), F.profile(region: "ON"), usd100, 200, "not licensed in region ON"),
        (Eligibility(regions: ["PA"]), F.profile(region: nil), usd100, 200, "not licensed in region (none)"),
        (
                Eligibility(currencies: ["USD"]), F.profile(currency: .cad), Money(minorUnits: 10_000, currency: .cad),
                200, "takes no CAD"
            ),
            (
                Eligibility(minBalance: DecimalAmount(value: 5000, scale: 2)), F.profile(),
                Money(minorUnits: 4999, currency: .usd), 200,
         "balance 49.99 below its minimum 50.00"),
            (
                Eligibility(maxBalance: DecimalAmount(value: 10000, scale: 0)), F.profile(),
                Money(minorUnits: 1_000_001, currency: .usd), 200,
         "balance 10000.01 above its maximum 10000"),
        (Eligibility(minDaysPastDue: 120), F.profile(), usd100, 119, "119 days past due, it takes 120 or more"),
        (Eligibility(maxDaysPastDue: 730), F.profile(), usd100, 731, "731 days past due, it takes 730 or fewer"),
    ] as [(Eligibility, DebtorProfile, Money, Int, String)])
    func refusal(eligibility: Eligibility, profile: DebtorProfile, balance: Money, days: Int, reason: String) {
        #expect(eligibility.refusal(for: profile, balance: balance, daysPastDue: days) == reason)
    }

    @Test("Thresholds follow the account's currency")
    func thresholdsPerCurrency() throws {
        let e = Eligibility(
            minBalance: try DecimalAmount(parsing: "50.00"), maxBalance: try DecimalAmount(parsing: "1000"))
        let jpy = try #require(Currency(code: "JPY"))
        let bhd = try #require(Currency(code: "BHD"))
        #expect(
            e.refusal(for: F.profile(currency: jpy), balance: Money(minorUnits: 50, currency: jpy), daysPastDue: 200)
                == nil)
        #expect(
            e.refusal(for: F.profile(currency: jpy), balance: Money(minorUnits: 49, currency: jpy), daysPastDue: 200)
                == "balance 49 below its minimum 50.00")
        #expect(
            e.refusal(
                for: F.profile(currency: bhd), balance: Money(minorUnits: 49_999, currency: bhd), daysPastDue: 200)
                == "balance 49.999 below its minimum 50.00")
        #expect(
            e.refusal(
                for: F.profile(currency: bhd), balance: Money(minorUnits: 1_000_001, currency: bhd), daysPastDue: 200)
                == "balance 1000.001 above its maximum 1000")
    }
}

@Suite("Thresholds with more decimals than the currency")
struct ThresholdRoundingTests {
    @Test("A minimum of 50.50 keeps ¥50 out, in the rules and in an agency's eligibility")
    func minimumRoundsUp() throws {
        let jpy = try #require(Currency(code: "JPY"))
        let min = try DecimalAmount(parsing: "50.50")
        #expect(min.minorUnitsRoundingUp(digits: 0) == 51)
        #expect(min.minorUnits(digits: 0) == 50)
        let profile = DebtorProfile(accountNumber: "J-1", type: .business, businessName: "Tokyo KK", currency: jpy)
        let eligibility = Eligibility(minBalance: min)
        #expect(
            eligibility.refusal(for: profile, balance: Money(minorUnits: 50, currency: jpy), daysPastDue: 200) != nil)
        #expect(
            eligibility.refusal(for: profile, balance: Money(minorUnits: 51, currency: jpy), daysPastDue: 200) == nil)
        var rules = PlacementRules()
        rules.minBalance = min
        let asOf = CalendarDate(iso: "2026-11-15")!
        let invoice = OpenItem(
            invoiceID: 1, invoiceNumber: "I-1", invoiceDate: asOf.adding(days: -230), dueDate: asOf.adding(days: -200),
            balance: 50, disputed: false)
        let candidate = PlacementCandidate(customerID: 1, profile: profile, openInvoices: [invoice])
        guard case .notPlaced(let why) = Selection.evaluate(candidate, rules: rules, asOf: asOf) else {
            Issue.record("¥50 passed a minimum of 50.50")
            return
        }
        #expect(why.code == .belowMinimum)
    }
}
