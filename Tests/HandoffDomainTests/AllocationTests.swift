import HandoffDomain
import Testing

@Suite("Allocation of a transaction over invoices")
struct AllocationTests {
    func item(_ id: Int64, due: String, balance: Int64, disputed: Bool = false, number: String? = nil) -> OpenItem {
        OpenItem(
            invoiceID: id, invoiceNumber: number ?? "INV-\(id)", invoiceDate: CalendarDate(iso: due)!.adding(days: -30),
            dueDate: CalendarDate(iso: due)!, balance: balance, disputed: disputed)
    }

    @Test("A payment goes to the oldest open invoice first and spills over")
    func spills() {
        let items = [
            item(2, due: "2026-03-01", balance: 500), item(1, due: "2026-01-01", balance: 300),
            item(3, due: "2026-05-01", balance: 900),
        ]
        #expect(
            Allocation.lowering(700, across: items)
                == .success([.init(invoiceID: 1, amount: 300), .init(invoiceID: 2, amount: 400)]))
        #expect(Allocation.lowering(300, across: items) == .success([.init(invoiceID: 1, amount: 300)]))
    }

    @Test("Disputed invoices come after every undisputed one; paid invoices are skipped")
    func disputedLast() {
        let items = [
            item(1, due: "2026-01-01", balance: 300, disputed: true), item(2, due: "2026-03-01", balance: 0),
            item(3, due: "2026-05-01", balance: 100),
        ]
        #expect(
            Allocation.lowering(250, across: items)
                == .success([.init(invoiceID: 3, amount: 100), .init(invoiceID: 1, amount: 150)]))
    }

    @Test("More than the open balance is refused with the excess, never a silent credit")
    func excess() {
        let items = [item(1, due: "2026-01-01", balance: 300), item(2, due: "2026-03-01", balance: 200)]
        #expect(Allocation.lowering(501, across: items) == .failure(.exceedsBalance(excess: 1)))
        #expect(
            Allocation.lowering(500, across: items)
                == .success([.init(invoiceID: 1, amount: 300), .init(invoiceID: 2, amount: 200)]))
        #expect(Allocation.lowering(1, across: []) == .failure(.exceedsBalance(excess: 1)))
    }

    @Test("Same due date: ordered by invoice date, then number")
    func ties() {
        let a = item(1, due: "2026-01-01", balance: 100, number: "B")
        let b = item(2, due: "2026-01-01", balance: 100, number: "A")
        #expect(Allocation.applicationOrder([a, b]).map(\.invoiceID) == [2, 1])
    }

    @Test("A fee lands whole on the oldest open invoice")
    func raising() {
        let items = [item(2, due: "2026-03-01", balance: 500), item(1, due: "2026-01-01", balance: 0)]
        #expect(Allocation.raising(2500, across: items) == .success([.init(invoiceID: 2, amount: 2500)]))
        #expect(Allocation.raising(2500, across: [item(1, due: "2026-01-01", balance: 0)]) == .failure(.noOpenInvoice))
    }

    @Test("A reversal restores the last invoice the payment reached first, and never more than the payment")
    func reversing() {
        let paid: [Allocation.Share] = [.init(invoiceID: 1, amount: 300), .init(invoiceID: 2, amount: 400)]
        #expect(
            Allocation.reversing(500, of: paid, alreadyReversed: [:])
                == .success([.init(invoiceID: 2, amount: 400), .init(invoiceID: 1, amount: 100)]))
        #expect(
            Allocation.reversing(250, of: paid, alreadyReversed: [2: 400, 1: 100])
                == .failure(.exceedsPayment(excess: 50)))
        #expect(
            Allocation.reversing(200, of: paid, alreadyReversed: [2: 400, 1: 100])
                == .success([.init(invoiceID: 1, amount: 200)]))
    }

    @Test("An amount of zero or less is a failure, never a trap (an agency line of 0.00 or -100.00)")
    func notPositive() {
        let items = [item(1, due: "2026-01-01", balance: 500)]
        for amount: Int64 in [0, -1, -10_000, .min] {
            #expect(Allocation.lowering(amount, across: items) == .failure(.notPositive))
            #expect(Allocation.raising(amount, across: items) == .failure(.notPositive))
            #expect(
                Allocation.reversing(amount, of: [.init(invoiceID: 1, amount: 300)], alreadyReversed: [:])
                    == .failure(.notPositive))
        }
    }
}

@Suite("Holds and debtors")
struct DebtorTests {
    @Test func holdLists() throws {
        #expect(try Hold.parseList("bankruptcy; deceased").get() == [.bankruptcy, .deceased])
        #expect(try Hold.parseList("").get() == [])
        #expect(Hold.parseList("bankrupt") == .failure(Hold.UnknownHold(name: "bankrupt")))
        #expect(Hold.listText([.deceased, .bankruptcy, .doNotPlace]) == "bankruptcy;deceased;do_not_place")
    }

    @Test func displayNames() {
        let person = DebtorProfile(
            accountNumber: "A", type: .consumer, firstName: "Renée", lastName: "Côté", currency: .cad)
        #expect(person.displayName == "Renée Côté")
        let firm = DebtorProfile(
            accountNumber: "B", type: .business, businessName: "Smith, Jones & Co.", currency: .usd)
        #expect(firm.displayName == "Smith, Jones & Co.")
    }

    @Test func regions() {
        #expect(ISO3166.isValid(region: "QC", in: "CA"))
        #expect(!ISO3166.isValid(region: "QC", in: "US"))
        #expect(ISO3166.isValid(region: "PA", in: "US"))
        #expect(ISO3166.countries.count == 249)
    }
}
