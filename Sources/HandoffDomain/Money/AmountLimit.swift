/// The largest amount Handoff takes at any entrance: an invoice or a transaction imported,
/// or an amount an agency sends back. It is written once, in each currency's own (major)
/// units, as `[limits] max_amount` in the configuration, and applies to every currency.
///
/// Amounts are `Int64` minor units, and the database adds them up in 64 bits. With every
/// amount at most 10¹¹ cents (the default), millions of them still add up exactly; without
/// a limit, two invoices of 50,000,000,000,000,000.00 import fine and every balance that
/// adds them fails with an integer overflow.
public struct AmountLimit: Hashable, Sendable, CustomStringConvertible {
    /// The largest amount, in major units of any currency ("1000000000.00").
    public var maximum: DecimalAmount

    public init(maximum: DecimalAmount) {
        self.maximum = maximum
    }

    /// 1,000,000,000.00 of any currency: 10¹¹ minor units of a currency with cents.
    public static let `default` = AmountLimit(maximum: DecimalAmount(value: 100_000_000_000, scale: 2))

    /// The largest `max_amount` configuration may set: 10,000,000,000 major units (10¹⁴
    /// minor units in a currency of four decimals), so that sums stay far from 2⁶³.
    public static let ceiling: Int64 = 10_000_000_000

    /// The largest amount in minor units of a currency with `digits` decimals.
    public func maxMinorUnits(digits: Int) -> Int64 { maximum.minorUnits(digits: digits) }

    /// Whether an amount of `minorUnits` (of either sign) with `digits` decimals is within the limit.
    public func allows(_ minorUnits: Int64, digits: Int) -> Bool {
        minorUnits.magnitude <= UInt64(maxMinorUnits(digits: digits))
    }

    /// Whether an amount of money is within the limit.
    public func allows(_ money: Money) -> Bool { allows(money.minorUnits, digits: money.currency.minorUnitDigits) }

    /// Why an amount is refused, in words: `50000000000000000.00 USD is more than the largest
    /// amount Handoff takes, 1000000000.00 USD ([limits] max_amount in the configuration)`.
    public func refusal(_ minorUnits: Int64, digits: Int, currency: Currency? = nil) -> String {
        let unit = currency.map { " \($0.code)" } ?? ""
        return "\(Amount.format(minorUnits, digits: digits))\(unit) is more than the largest amount Handoff takes, "
            + "\(Amount.format(maxMinorUnits(digits: digits), digits: digits))\(unit) "
            + "([limits] max_amount in the configuration)"
    }

    public var description: String { maximum.description }
}

/// A sum of amounts that does not fit in 64 bits: never wrapped, never a trap.
public struct AmountOverflow: Error, Equatable, Sendable, CustomStringConvertible {
    /// What was being added up, for people.
    public var what: String
    public init(what: String) { self.what = what }
    public var description: String {
        "\(what) is too large to add up exactly (beyond 64 bits): check the amounts recorded"
    }
}

extension Amount {
    /// The sum of amounts in minor units, checked: an overflow throws ``AmountOverflow``
    /// (naming `what`) instead of trapping.
    public static func sum(_ values: some Sequence<Int64>, what: String) throws(AmountOverflow) -> Int64 {
        var total: Int64 = 0
        for v in values {
            let (s, overflow) = total.addingReportingOverflow(v)
            if overflow { throw AmountOverflow(what: what) }
            total = s
        }
        return total
    }

    /// `a + b`, checked: an overflow throws ``AmountOverflow`` (naming `what`).
    public static func add(_ a: Int64, _ b: Int64, what: String) throws(AmountOverflow) -> Int64 {
        let (s, overflow) = a.addingReportingOverflow(b)
        if overflow { throw AmountOverflow(what: what) }
        return s
    }

    /// `a - b`, checked: an overflow throws ``AmountOverflow`` (naming `what`).
    public static func subtract(_ a: Int64, _ b: Int64, what: String) throws(AmountOverflow) -> Int64 {
        let (d, overflow) = a.subtractingReportingOverflow(b)
        if overflow { throw AmountOverflow(what: what) }
        return d
    }
}
