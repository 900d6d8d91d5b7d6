import HandoffDomain

/// One agency's month in one currency, as the accountant's reconciliation report shows it.
/// Amounts in minor units of `currency`.
public struct AgencyMonthFigures: Hashable, Sendable, Codable {
    public var partner: String
    public var currency: String
    public var placed_accounts: Int
    public var placed_amount: Int64
    /// Payments the agency collected, less reversals, in the month.
    public var collected_gross: Int64
    /// The commission on them, from the partner's schedule.
    public var commission: Int64
    public var direct_payments: Int
    public var direct_payment_amount: Int64
    /// Commission owed to the agency on direct payments.
    public var direct_payment_fees: Int64

    public init(partner: String, currency: String) {
        self.partner = partner
        self.currency = currency
        placed_accounts = 0; placed_amount = 0; collected_gross = 0; commission = 0
        direct_payments = 0; direct_payment_amount = 0; direct_payment_fees = 0
    }
}

public protocol ReportReading {
    /// Figures per agency and currency for the days `from`…`to`.
    func agencyFigures(from: CalendarDate, to: CalendarDate) throws -> [AgencyMonthFigures]
    /// What each agency remitted by statements covering the month of `from` (net for a net agency, gross otherwise), by partner.
    func remitted(from: CalendarDate, to: CalendarDate) throws -> [String: Int64]
}
