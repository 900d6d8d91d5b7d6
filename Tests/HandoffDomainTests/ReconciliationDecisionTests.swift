import HandoffDomain
import Testing

/// The decision of what one agency event does, from a snapshot to effects: no database, no files.
@Suite("Reconciliation decision")
struct ReconciliationDecisionTests {
    static let eur = Currency(code: "EUR")!
    static let day = CalendarDate(iso: "2026-06-01")!

    /// An agency with a flat 25% commission; A-1 (USD) placed and accepted, with two invoices of
    /// 100.00 and 50.00 (the first due first); A-2 (EUR) placed, sent; A-3 in the AR record, never placed.
    static func snapshot() -> ReconciliationSnapshot {
        var s = ReconciliationSnapshot(
            partnerID: "agency", commission: CommissionSchedule(rates: [.init(partsPerMillion: 250_000)]), today: day)
        s.accounts["A-1"] = AccountSnapshot(
            customerID: 1, profile: DebtorProfile(accountNumber: "A-1", type: .consumer, currency: .usd),
            placement: PlacementSnapshot(
                id: 10, state: .accepted(agencyReference: "K1"), placedOn: day.adding(days: -30),
                oldestDueDate: day.adding(days: -200), agencyStatus: nil),
            placedInvoices: [
                OpenItem(
                    invoiceID: 100, invoiceNumber: "INV-1", invoiceDate: day.adding(days: -260),
                    dueDate: day.adding(days: -200),
                    balance: 10_000, disputed: false),
                OpenItem(
                    invoiceID: 101, invoiceNumber: "INV-2", invoiceDate: day.adding(days: -150),
                    dueDate: day.adding(days: -120),
                    balance: 5_000, disputed: false)],
            closedOn: nil)
        s.accounts["A-2"] = AccountSnapshot(
            customerID: 2,
            profile: DebtorProfile(accountNumber: "A-2", type: .business, businessName: "B", currency: eur),
            placement: PlacementSnapshot(
                id: 20, state: .sent, placedOn: day.adding(days: -10), oldestDueDate: day.adding(days: -100),
                agencyStatus: nil),
            placedInvoices: [
                OpenItem(
                    invoiceID: 200, invoiceNumber: "F-1", invoiceDate: day.adding(days: -130),
                    dueDate: day.adding(days: -100),
                    balance: 7_000, disputed: false)],
            closedOn: nil)
        s.accounts["A-3"] = AccountSnapshot(
            customerID: 3, profile: DebtorProfile(accountNumber: "A-3", type: .consumer, currency: .usd),
            placement: nil, placedInvoices: [], closedOn: nil)
        return s
    }

    static func event(_ kind: AgencyEvent.Kind, account: String? = "A-1", key: String = "k1", date: CalendarDate? = day)
        -> AgencyEvent
    {
        AgencyEvent(partnerID: "agency", accountNumber: account, date: date, kind: kind, key: key)
    }

    static func payment(
        _ id: String, _ gross: Int64, account: String = "A-1", invoices: [InvoiceAmount] = [],
        date: CalendarDate? = day,
        commission: Int64? = nil) -> AgencyEvent {
        event(
            .paymentCollected(paymentID: id, gross: gross, commission: commission, net: nil, invoices: invoices),
            account: account,
            key: "payment:" + id, date: date)
    }

    static func reversal(_ id: String, of payment: String, _ amount: Int64, account: String = "A-1") -> AgencyEvent {
        event(
            .paymentReversed(reversalID: id, paymentID: payment, amount: amount, commission: nil), account: account,
            key: "reversal:" + id)
    }

    static func status(
        _ code: String, _ meaning: StatusMeaning, key: String = "s1", account: String = "A-1", date: CalendarDate? = day
    ) -> AgencyEvent {
        event(.statusChanged(code: code, meaning: meaning), account: account, key: key, date: date)
    }

    func bookings(_ d: EventDecision) -> [Booking] {
        d.effects.compactMap { if case .booking(let b) = $0 { return b }; return nil }
    }

    func commissions(_ d: EventDecision) -> [CommissionDue] {
        d.effects.compactMap { if case .commission(let c) = $0 { return c }; return nil }
    }

    func isHeld(_ d: EventDecision, containing text: String) -> Bool {
        if case .held(let reason) = d.outcome { return reason.contains(text) }
        return false
    }

    @Test("A payment is applied oldest invoice first, with its commission, and makes the placement active")
    func paymentApplied() {
        var s = Self.snapshot()
        let d = s.decide(Self.payment("P1", 12_000), from: "f.csv:2")
        #expect(d.outcome == .applied(note: nil))
        #expect(d.record == .record(.applied, reason: nil))
        #expect(
            bookings(d) == [
                Booking(
                    reference: "agency:P1", customerID: 1, date: Self.day, kind: .payment, amount: 12_000,
                    currency: .usd,
                    reverses: nil,
                    entries: [.init(invoiceID: 100, amount: -10_000), .init(invoiceID: 101, amount: -2_000)])
            ])
        #expect(commissions(d).map(\.expected) == [3_000])
        #expect(commissions(d).map(\.kind) == [.collection])
        #expect(d.effects.contains(.placement(id: 10, state: .active, agencyReference: nil, agencyStatus: nil)))
        #expect(s.accounts["A-1"]!.placedInvoices.map(\.balance) == [0, 3_000])
        #expect(s.accounts["A-1"]!.placement!.state == .active)
    }

    @Test("The same event again is a duplicate; the same key with other content is a conflict, held, and books nothing")
    func duplicateAndConflict() {
        var s = Self.snapshot()
        _ = s.decide(Self.payment("P1", 1_000), from: "f.csv:2")
        let again = s.decide(Self.payment("P1", 1_000), from: "g.csv:9")
        #expect(again.outcome == .duplicate && again.record == .none && again.effects.isEmpty)
        let other = s.decide(Self.payment("P1", 2_000), from: "g.csv:9")
        #expect(isHeld(other, containing: "conflicts with what the agency sent before"))
        #expect(other.key == "payment:P1 again from g.csv:9" && other.kind == "conflict" && other.effects.isEmpty)
        #expect(s.decide(Self.payment("P1", 2_000), from: "g.csv:9").outcome == .duplicate)
        #expect(s.accounts["A-1"]!.placedInvoices[0].balance == 9_000)
    }

    @Test(
        "Held: unknown account, never placed, zero or negative amounts, an invoice not placed, parts that do not add up"
    )
    func heldReasons() {
        var s = Self.snapshot()
        #expect(isHeld(s.decide(Self.payment("P1", 100, account: "X-9"), from: "f"), containing: "no account 'X-9'"))
        #expect(
            isHeld(s.decide(Self.payment("P2", 100, account: "A-3"), from: "f"), containing: "never placed with agency")
        )
        #expect(isHeld(s.decide(Self.payment("P3", 0), from: "f"), containing: "must be more than zero"))
        #expect(isHeld(s.decide(Self.payment("P4", -5), from: "f"), containing: "must be more than zero"))
        #expect(
            isHeld(
                s.decide(Self.payment("P5", 100, invoices: [.init(invoiceNumber: "INV-9", amount: 100)]), from: "f"),
                containing: "invoice INV-9 was not placed"))
        #expect(
            isHeld(
                s.decide(Self.payment("P6", 100, invoices: [.init(invoiceNumber: "INV-1", amount: 60)]), from: "f"),
                containing: "add up to 0.60 USD, not the payment's 1.00 USD"))
        #expect(
            isHeld(
                s.decide(Self.payment("P7", 100, invoices: [.init(invoiceNumber: "INV-1", amount: 0)]), from: "f"),
                containing: "not more than zero"))
        #expect(
            isHeld(
                s.decide(
                    Self.payment(
                        "P8", Int64.max,
                        invoices: [
                            .init(invoiceNumber: "INV-1", amount: Int64.max),
                            .init(invoiceNumber: "INV-2", amount: 1),
                        ]), from: "f"),
                       containing: "more than Handoff can hold"))
        #expect(isHeld(s.decide(Self.reversal("R1", of: "P9", 0), from: "f"), containing: "must be more than zero"))
        #expect(
            isHeld(
                s.decide(Self.event(.fileRejected(reason: "bad header"), account: nil), from: "f"),
                containing: "rejected the whole file"))
        // Nothing of any of them changed the account.
        #expect(s.accounts["A-1"]! == Self.snapshot().accounts["A-1"]!)
    }

    @Test("A payment beyond what was placed: the placed invoices are paid, the rest held as an overpayment")
    func overpayment() {
        var s = Self.snapshot()
        let d = s.decide(Self.payment("P1", 20_000, commission: 1), from: "f.csv:3")
        guard case .applied(let note?) = d.outcome else { Issue.record("not applied: \(d.outcome)"); return }
        #expect(note.contains("50.00 USD over what was placed held as an overpayment"))
        #expect(note.contains("commission reported 0.01 USD, schedule gives 37.50 USD"))
        #expect(bookings(d).map(\.amount) == [15_000])
        #expect(
            d.effects.contains {
                if case .overpayment(let key, "A-1", _) = $0 { return key == "overpayment:P1" }; return false
            })
        // Nothing open left: the next payment is held.
        #expect(
            isHeld(
                s.decide(Self.payment("P2", 100), from: "f"), containing: "nothing placed with agency is open on A-1"))
    }

    @Test("A reversal before its payment waits; after it, it restores the last invoice the payment reached first")
    func reversalBeforeAndAfter() {
        var s = Self.snapshot()
        let early = s.decide(Self.reversal("R1", of: "P1", 3_000), from: "f:1")
        #expect(early.outcome == .waiting(reason: "reverses payment P1, which has not arrived yet"))
        #expect(
            early.record == .record(.waiting, reason: "reverses payment P1, which has not arrived yet")
                && early.effects.isEmpty)
        _ = s.decide(Self.payment("P1", 12_000), from: "f:2")
        let late = s.decide(Self.reversal("R1", of: "P1", 3_000), from: "f:1")
        #expect(late.outcome == .applied(note: nil))
        #expect(late.record == .update(.applied, reason: nil))
        #expect(
            bookings(late) == [
                Booking(
                    reference: "agency:R1", customerID: 1, date: Self.day, kind: .paymentReversal, amount: 3_000,
                    currency: .usd, reverses: "agency:P1",
                    entries: [.init(invoiceID: 101, amount: 2_000), .init(invoiceID: 100, amount: 1_000)])
            ])
        #expect(commissions(late).map(\.expected) == [-750] && commissions(late).map(\.base) == [-3_000])
        #expect(
            isHeld(
                s.decide(Self.reversal("R2", of: "P1", 9_001), from: "f:4"),
                containing: "exceeds what is left of payment P1"))
        #expect(s.decide(Self.reversal("R3", of: "P1", 9_000), from: "f:5").outcome == .applied(note: nil))
    }

    @Test("A reversal on another account than its payment's is held")
    func wrongAccountReversal() {
        var s = Self.snapshot()
        _ = s.decide(Self.payment("P1", 1_000), from: "f:2")
        let d = s.decide(Self.reversal("R1", of: "P1", 500, account: "A-2"), from: "f:3")
        #expect(isHeld(d, containing: "is on A-2, but payment P1 it reverses was on A-1"))
    }

    @Test("A payment after closure is applied when dated on or before the closure, held when dated after")
    func paymentAfterClosure() {
        var s = Self.snapshot()
        let closed = s.decide(Self.status("PIF", .paidInFull, date: Self.day), from: "f:1")
        #expect(closed.outcome == .applied(note: nil))
        #expect(
            closed.effects.contains(
                .placement(id: 10, state: .closed(.paidInFull), agencyReference: nil, agencyStatus: "PIF")))
        #expect(
            s.decide(Self.payment("P1", 1_000, date: Self.day.adding(days: -2)), from: "f:2").outcome
                == .applied(note: nil))
        #expect(
            isHeld(
                s.decide(Self.payment("P2", 1_000, date: Self.day.adding(days: 1)), from: "f:3"),
                containing: "dated after it left"))
        // The closed placement stays closed: a payment does not reopen it.
        #expect(s.accounts["A-1"]!.placement!.state == .closed(.paidInFull))
    }

    @Test("A settlement writes off what is left of the placed invoices")
    func settlement() {
        var s = Self.snapshot()
        _ = s.decide(Self.payment("P1", 11_000), from: "f:1")
        let d = s.decide(Self.status("SIF", .settled, key: "s9"), from: "f:2")
        #expect(
            bookings(d) == [
                Booking(
                    reference: "agency:settlement:s9", customerID: 1, date: Self.day, kind: .writeoff, amount: 4_000,
                    currency: .usd, reverses: nil, entries: [.init(invoiceID: 101, amount: -4_000)])
            ])
        #expect(
            d.effects.contains(
                .settlementAudited(accountNumber: "A-1", detail: "settled with agency: 40.00 USD written off")))
    }

    @Test("A status that means bankruptcy adds the hold once; an invalid transition is held")
    func holdsAndInvalidTransitions() {
        var s = Self.snapshot()
        let d = s.decide(Self.status("BK", .bankruptcy), from: "f:1")
        #expect(d.outcome == .applied(note: "hold bankruptcy added"))
        #expect(s.accounts["A-1"]!.profile.holds == [.bankruptcy])
        #expect(s.decide(Self.status("BK", .bankruptcy, key: "s2"), from: "f:2").outcome == .applied(note: nil))
        // A-2 was sent, never accepted: an acceptance under a reference moves it; a second reference is refused.
        #expect(
            s.decide(Self.event(.accepted(agencyReference: "R-2"), account: "A-2", key: "a1"), from: "f:3").outcome
                == .applied(note: nil))
        #expect(isHeld(s.decide(Self.event(.accepted(agencyReference: "R-3"), account: "A-2", key: "a2"), from: "f:4"),
                containing:
                    "A-2 with agency: an acknowledgement: the placement was already accepted under reference R-2"))
    }

    @Test("Two currencies: each payment is booked and its commission computed in its account's own currency")
    func twoCurrencies() {
        var s = Self.snapshot()
        let usd = s.decide(Self.payment("P1", 1_000), from: "f:1")
        let eur = s.decide(Self.payment("P2", 2_000, account: "A-2"), from: "f:2")
        #expect(bookings(usd).map(\.currency) == [.usd] && commissions(usd).map(\.currency) == [.usd])
        #expect(bookings(eur).map(\.currency) == [Self.eur] && commissions(eur).map(\.currency) == [Self.eur])
        #expect(commissions(eur).map(\.expected) == [500])
        #expect(s.describe(Self.payment("P2", 2_000, account: "A-2")) == "payment P2 of 20.00 EUR on A-2")
    }

    @Test(
        """
        Acknowledgements move requests: a recall is accepted until its status, a direct payment confirmed; \
        unknown ones are held
        """
    )
    func requests() {
        var s = Self.snapshot()
        s.requests["RC-1"] = RequestSnapshot(requestID: "RC-1", placementID: 10, kind: "recall", state: .sent, order: 1)
        s.requests["DP-1"] = RequestSnapshot(
            requestID: "DP-1", placementID: 10, kind: "direct_payment", state: .sent, order: 2)
        let recall = s.decide(Self.event(.updateAccepted(requestID: "RC-1"), account: nil, key: "u1"), from: "f:1")
        #expect(recall.effects == [.request(requestID: "RC-1", state: .accepted, error: nil)])
        #expect(recall.outcome == .applied(note: "recall RC-1 accepted by agency"))
        let direct = s.decide(Self.event(.updateAccepted(requestID: "DP-1"), account: nil, key: "u2"), from: "f:2")
        #expect(direct.effects == [.request(requestID: "DP-1", state: .confirmed, error: nil)])
        let again = s.decide(
            Self.event(.updateRejected(requestID: "DP-1", reason: "late"), account: nil, key: "u3"), from: "f:3")
        #expect(again.outcome == .applied(note: "update DP-1 was already confirmed") && again.effects.isEmpty)
        #expect(
            isHeld(
                s.decide(Self.event(.updateAccepted(requestID: "NOPE"), account: nil, key: "u4"), from: "f:4"),
                containing: "never sent"))
    }

    @Test("A disputed status confirms the dispute request; a recall objection objects to the sent recall")
    func statusMovesRequests() {
        var s = Self.snapshot()
        s.requests["D-1"] = RequestSnapshot(
            requestID: "D-1", placementID: 10, kind: "dispute", state: .accepted, order: 1)
        s.requests["RC-1"] = RequestSnapshot(requestID: "RC-1", placementID: 10, kind: "recall", state: .sent, order: 2)
        let disputed = s.decide(Self.status("DSP", .disputed), from: "f:1")
        #expect(disputed.effects.contains(.request(requestID: "D-1", state: .confirmed, error: nil)))
        let objected = s.decide(Self.status("OBJ", .recallObjected, key: "s2"), from: "f:2")
        #expect(objected.effects.contains(.request(requestID: "RC-1", state: .objected, error: nil)))
        #expect(s.requests["RC-1"]!.progress.state == .objected && s.requests["D-1"]!.progress.state == .confirmed)
    }

    @Test("A held event has no effects, whatever it would have done")
    func heldHasNoEffects() {
        var s = Self.snapshot()
        s.requests["RC-1"] = RequestSnapshot(requestID: "RC-1", placementID: 20, kind: "recall", state: .sent, order: 1)
        // A-2 is only sent: a recall objection is not valid there, and must not move the recall.
        let d = s.decide(Self.status("OBJ", .recallObjected, account: "A-2"), from: "f:1")
        #expect(isHeld(d, containing: "A-2 with agency"))
        #expect(d.effects.isEmpty && s.requests["RC-1"]!.progress.state == .sent)
    }

    @Test(
        "The commission formula: one rate by age and status, rounded by the schedule; a reversal gives back its mirror")
    func commissionFormula() {
        let schedule = CommissionSchedule(
            rates: [
                .init(partsPerMillion: 300_000, status: "LEG"), .init(partsPerMillion: 200_000, maxAgeDays: 180),
                .init(partsPerMillion: 250_000)], rounding: .halfEven)
        #expect(
            schedule.due(on: 1_001, placedOn: Self.day, oldestDueDate: Self.day.adding(days: -10), status: nil) == (
                200_000, 200
            ))
        #expect(
            schedule.due(on: 1_000, placedOn: Self.day, oldestDueDate: Self.day.adding(days: -400), status: nil) == (
                250_000, 250
            ))
        #expect(schedule.due(on: 1_000, placedOn: Self.day, oldestDueDate: Self.day, status: "LEG") == (300_000, 300))
        #expect(
            CommissionSchedule(rates: []).due(on: 1_000, placedOn: Self.day, oldestDueDate: Self.day, status: nil) == (
                0, 0
            ))
        #expect(schedule.givenBack(on: 1_000, ratePPM: 250_000) == -250)
    }
}
