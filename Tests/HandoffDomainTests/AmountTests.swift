import HandoffDomain
import Testing

@Suite("Amounts: decimal text ⇄ minor units, exactly")
struct AmountTests {
    @Test("The forms the issue names parse exactly", arguments: [
        ("1234.5", 123450), ("1,234.50", 123450), ("-0.01", -1), ("7", 700), ("0", 0), ("  12.30 ", 1230),
        ("1,000,000.00", 100_000_000), ("-1,234.56", -123456), ("0.5", 50),
    ] as [(String, Int64)])
    func parses(text: String, minor: Int64) throws {
        #expect(try Amount.parseMinorUnits(text, digits: 2) == minor)
    }

    @Test("Anything else is an error, never a rounded guess", arguments: [
            "12.345", "abc", "", "1,23.45", "12,34", ",123", "1,2345.00", "12.", ".5", "1.2e3", "$12", "+5", "1 000",
            "--1", "12.3.4", "1,000,00",
    ])
    func rejects(text: String) {
        #expect(throws: Amount.ParseError.self) { try Amount.parseMinorUnits(text, digits: 2) }
    }

    @Test func errorsSayWhatIsWrong() {
        #expect(throws: Amount.ParseError.tooManyDecimals("12.345", allowed: 2)) {
            try Amount.parseMinorUnits("12.345", digits: 2)
        }
        #expect(throws: Amount.ParseError.notANumber("abc")) { try Amount.parseMinorUnits("abc", digits: 2) }
        #expect(throws: Amount.ParseError.badGrouping("1,23.45")) { try Amount.parseMinorUnits("1,23.45", digits: 2) }
        #expect(throws: Amount.ParseError.outOfRange("99999999999999999999")) {
            try Amount.parseMinorUnits("99999999999999999999", digits: 2)
        }
    }

    @Test("The currency decides the digits")
    func currencyDigits() throws {
        let jpy = try #require(Currency(code: "JPY"))
        let bhd = try #require(Currency(code: "BHD"))
        #expect(try Money(parsing: "1,000", currency: jpy).minorUnits == 1000)
        #expect(throws: Amount.ParseError.self) { try Money(parsing: "10.5", currency: jpy) }
        #expect(try Money(parsing: "1.234", currency: bhd).minorUnits == 1234)
        #expect(Money(minorUnits: 1234, currency: bhd).decimalText == "1.234")
        #expect(Money(minorUnits: 1234, currency: jpy).decimalText == "1234")
        #expect(Currency(code: "XYZ") == nil)
        #expect(Currency(code: "usd") == nil)
    }

    @Test("Printing", arguments: [
            (-1, "-0.01"), (123450, "1234.50"), (0, "0.00"), (5, "0.05"), (-100, "-1.00"),
            (Int64.max, "92233720368547758.07"),
    ] as [(Int64, String)])
    func prints(minor: Int64, text: String) {
        #expect(Amount.format(minor, digits: 2) == text)
    }

    @Test func groupedPrinting() {
        #expect(Amount.format(123_456_789, digits: 2, grouping: true) == "1,234,567.89")
        #expect(Amount.format(-100_000, digits: 2, grouping: true) == "-1,000.00")
        #expect(Amount.format(99_999, digits: 2, grouping: true) == "999.99")
    }

    @Test("Print then parse gives the same number, for many values")
    func roundTrip() throws {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<5000 {
            let value = Int64(bitPattern: rng.next()) >> Int64(rng.next() % 60)
            for digits in [0, 2, 3] {
                #expect(try Amount.parseMinorUnits(Amount.format(value, digits: digits), digits: digits) == value)
                #expect(
                    try Amount.parseMinorUnits(Amount.format(value, digits: digits, grouping: true), digits: digits)
                        == value)
            }
        }
    }

    @Test func moneyArithmetic() {
        let a = Money(minorUnits: 1050, currency: .usd)
        let b = Money(minorUnits: -50, currency: .usd)
        #expect((a + b).minorUnits == 1000)
        #expect((a - b).minorUnits == 1100)
        #expect((-a).decimalText == "-10.50")
        #expect(a.description == "10.50 USD")
    }
}

/// A small deterministic random number generator for property tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
