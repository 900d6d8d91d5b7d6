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

/// One agency's placements of one month (a vintage) in one currency, and how they did.
public struct VintageFigures: Hashable, Sendable, Codable {
    public var partner: String
    /// The placement month, YYYY-MM.
    public var vintage: String
    public var currency: String
    public var accounts: Int
    public var placed_amount: Int64
    /// Collected by the agency on these accounts, less reversals (minor units).
    public var collected: Int64
    /// Collected ÷ placed, in basis points (2,500 is 25.00%).
    public var liquidation_bp: Int64
    public var commission: Int64
    /// Average days from placement to the agency's first payment, over accounts that paid.
    public var average_days_to_first_payment: Double?
    /// Accounts returned as uncollectable ÷ accounts placed, in basis points.
    public var returned_bp: Int64

    public init(partner: String, vintage: String, currency: String, accounts: Int, placed_amount: Int64, collected: Int64, commission: Int64,
                average_days_to_first_payment: Double?, returned: Int) {
        self.partner = partner
        self.vintage = vintage
        self.currency = currency
        self.accounts = accounts
        self.placed_amount = placed_amount
        self.collected = collected
        self.liquidation_bp = placed_amount > 0 ? collected * 10_000 / placed_amount : 0
        self.commission = commission
        self.average_days_to_first_payment = average_days_to_first_payment
        self.returned_bp = accounts > 0 ? Int64(returned) * 10_000 / Int64(accounts) : 0
    }
}

/// A transaction an agency reported, with its account, for the journal.
public struct AgencyTransaction: Hashable, Sendable {
    public var transaction: TransactionRecord
    public var accountNumber: String
    public var currency: Currency
    public init(transaction: TransactionRecord, accountNumber: String, currency: Currency) {
        self.transaction = transaction
        self.accountNumber = accountNumber
        self.currency = currency
    }
}

public protocol ReportReading {
    /// Transactions from agencies (payments, reversals, settlement write-offs) dated `from`…`to`, in order.
    func agencyTransactions(from: CalendarDate, to: CalendarDate) throws -> [AgencyTransaction]
    /// The scorecard: every agency's vintages.
    func vintages() throws -> [VintageFigures]
    /// Figures per agency and currency for the days `from`…`to`.
    func agencyFigures(from: CalendarDate, to: CalendarDate) throws -> [AgencyMonthFigures]
    /// What each agency remitted by statements covering the month of `from` (net for a net
    /// agency, gross otherwise; refused statements left out), by partner and currency code.
    func remitted(from: CalendarDate, to: CalendarDate) throws -> [String: [String: Int64]]
}
