/// An exact amount of one currency: an integer count of its minor unit.
///
/// Arithmetic between two currencies is a programming error and stops the program
/// rather than produce a meaningless sum. Overflow traps as Swift integers do.
public struct Money: Hashable, Sendable, CustomStringConvertible {
    /// Count of the currency's minor unit (cents for USD). Negative for amounts owed back.
    public var minorUnits: Int64
    /// The currency the amount is in.
    public var currency: Currency

    public init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    /// Zero of a currency.
    public static func zero(_ currency: Currency) -> Money { Money(minorUnits: 0, currency: currency) }

    /// Parses decimal text (`"1,234.50"`) in `currency`; see ``Amount/parseMinorUnits(_:digits:)``.
    public init(parsing text: some StringProtocol, currency: Currency) throws(Amount.ParseError) {
        self.init(minorUnits: try Amount.parseMinorUnits(text, digits: currency.minorUnitDigits), currency: currency)
    }

    /// Plain decimal text with the currency's digits, such as `1234.50`.
    public var decimalText: String { Amount.format(minorUnits, digits: currency.minorUnitDigits) }

    /// Decimal text with thousands separators, for people: `1,234.50`.
    public var groupedText: String { Amount.format(minorUnits, digits: currency.minorUnitDigits, grouping: true) }

    /// `1234.50 USD`.
    public var description: String { "\(decimalText) \(currency.code)" }

    public var isZero: Bool { minorUnits == 0 }
    public var isPositive: Bool { minorUnits > 0 }
    public var isNegative: Bool { minorUnits < 0 }

    public static func + (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currency == rhs.currency, "adding \(rhs.currency) to \(lhs.currency)")
        return Money(minorUnits: lhs.minorUnits + rhs.minorUnits, currency: lhs.currency)
    }

    public static func - (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currency == rhs.currency, "subtracting \(rhs.currency) from \(lhs.currency)")
        return Money(minorUnits: lhs.minorUnits - rhs.minorUnits, currency: lhs.currency)
    }

    public static prefix func - (value: Money) -> Money {
        Money(minorUnits: -value.minorUnits, currency: value.currency)
    }

    public static func += (lhs: inout Money, rhs: Money) { lhs = lhs + rhs }
    public static func -= (lhs: inout Money, rhs: Money) { lhs = lhs - rhs }
}
