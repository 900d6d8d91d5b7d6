/// An exact decimal amount not yet tied to a currency, such as a threshold written once in
/// configuration ("50.00") and compared with accounts in USD, CAD or JPY.
public struct DecimalAmount: Hashable, Sendable, CustomStringConvertible {
    /// The digits as an integer: 5000 for "50.00".
    public var value: Int64
    /// Digits after the point: 2 for "50.00".
    public var scale: Int

    /// Parses decimal text with up to 6 decimal places.
    public init(parsing text: String) throws(Amount.ParseError) {
        let trimmed = text.trimmingSpaces
        let decimals = trimmed.split(separator: ".", omittingEmptySubsequences: false).dropFirst().first?.count ?? 0
        let scale = min(max(decimals, 0), 6)
        value = try Amount.parseMinorUnits(trimmed, digits: scale)
        self.scale = scale
    }

    public init(value: Int64, scale: Int) {
        self.value = value
        self.scale = scale
    }

    /// The amount in minor units of a currency with `digits` decimals, cut toward zero when
    /// the currency has fewer decimals than the amount (right for a maximum).
    public func minorUnits(digits: Int) -> Int64 {
        if scale <= digits { return value * Amount.power(of: digits - scale) }
        return value / Amount.power(of: scale - digits)
    }

    /// The least whole number of minor units that is not below the amount (right for a
    /// minimum: "50.50" in yen is 51, so that ¥50 stays below it).
    public func minorUnitsRoundingUp(digits: Int) -> Int64 {
        if scale <= digits { return value * Amount.power(of: digits - scale) }
        let p = Amount.power(of: scale - digits)
        let (q, r) = value.quotientAndRemainder(dividingBy: p)
        return r > 0 ? q + 1 : q
    }

    /// The amount in a currency.
    public func money(_ currency: Currency) -> Money {
        Money(minorUnits: minorUnits(digits: currency.minorUnitDigits), currency: currency)
    }

    public var description: String { Amount.format(value, digits: scale) }
}
