/// An ISO 4217 currency, with the number of digits of its minor unit.
///
/// Handoff knows every active ISO 4217 code (``ISO4217``). A currency is created only from
/// a known code, so a `Currency` value is always valid and its exponent always right:
/// `USD` and `CAD` have 2 digits after the point, `JPY` none, `BHD` three.
public struct Currency: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// The three-letter upper-case code, such as `USD`.
    public let code: String
    /// Digits of the minor unit: 2 for cents, 0 for yen, 3 for fils.
    public let minorUnitDigits: Int

    /// The currency with this ISO 4217 code, or `nil` when the code is not an active one.
    /// The code must be upper case, as ISO 4217 writes it.
    public init?(code: String) {
        guard let digits = ISO4217.minorUnitDigits[code] else { return nil }
        self.code = code
        self.minorUnitDigits = digits
    }

    public var description: String { code }

    public static func < (lhs: Currency, rhs: Currency) -> Bool { lhs.code < rhs.code }

    /// US dollar.
    public static let usd = Currency(code: "USD")!
    /// Canadian dollar.
    public static let cad = Currency(code: "CAD")!
}
