import HandoffDomain
import Testing

@Suite("Amount limits and checked sums")
struct AmountLimitTests {
    @Test("The default limit is 1,000,000,000 of each currency's own units, inclusive")
    func defaultLimit() throws {
        let limit = AmountLimit.default
        #expect(limit.maxMinorUnits(digits: 2) == 100_000_000_000)
        #expect(limit.maxMinorUnits(digits: 0) == 1_000_000_000)
        #expect(limit.maxMinorUnits(digits: 3) == 1_000_000_000_000)
        #expect(limit.allows(Money(minorUnits: 100_000_000_000, currency: .usd)))
        #expect(!limit.allows(Money(minorUnits: 100_000_000_001, currency: .usd)))
        #expect(!limit.allows(Money(minorUnits: -100_000_000_001, currency: .usd)))
        #expect(!limit.allows(Int64.min, digits: 2))
        #expect(limit.refusal(5_000_000_000_000_000_000, digits: 2, currency: .usd)
                == """
                    50000000000000000.00 USD is more than the largest amount Handoff takes, 1000000000.00 USD \
                    ([limits] max_amount in the configuration)
                    """
        )
        #expect(limit.description == "1000000000.00")
    }

    @Test("Sums are checked: an overflow is an error naming what was added up, never a trap")
    func checkedSums() throws {
        #expect(try Amount.sum([1, 2, 3], what: "x") == 6)
        #expect(try Amount.sum([Int64.max, -1, 1], what: "x") == Int64.max)
        #expect(throws: AmountOverflow(what: "the balance")) {
            try Amount.sum([Int64.max / 2 + 1, Int64.max / 2 + 1], what: "the balance")
        }
        #expect(throws: AmountOverflow(what: "y")) { try Amount.add(Int64.max, 1, what: "y") }
        #expect(throws: AmountOverflow(what: "z")) { try Amount.subtract(0, Int64.min, what: "z") }
        #expect(
            AmountOverflow(what: "the balance").description
                == "the balance is too large to add up exactly (beyond 64 bits): check the amounts recorded")
    }
}
