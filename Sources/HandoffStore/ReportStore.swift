public import HandoffDomain

/// One agency's month in one currency, as the accountant's reconciliation report shows it.
/// Amounts in minor units of `currency`.
public struct AgencyMonthFigures: Hashable, Sendable, Codable {
    public var partner: String
    public var currency: String
    /// Accounts placed in the month (rejected ones too: see `rejected_accounts`).
    public var placed_accounts: Int
    public var placed_amount: Int64
    /// Of those, the ones the agency rejected.
    public var rejected_accounts: Int = 0
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

/// One agency's placements of one month (a vintage) in one currency, and how they did. The
/// counts use the words of docs/accounting.md: placed (all), rejected, accepted (placed and
/// not rejected), open (with the agency now) and returned (closed as uncollectable); rates
/// are over the accepted ones, since a rejected account never reached a collector.
public struct VintageFigures: Hashable, Sendable, Codable {
    public var partner: String
    /// The placement month, YYYY-MM.
    public var vintage: String
    public var currency: String
    public var placed_accounts: Int
    public var rejected_accounts: Int
    public var accepted_accounts: Int
    public var open_accounts: Int
    public var returned_accounts: Int
    /// The balance of the accepted accounts when they were placed (minor units).
    public var accepted_amount: Int64
    /// Collected by the agency on these accounts, less reversals (minor units).
    public var collected: Int64
    /// Collected ÷ accepted amount, in basis points (2,500 is 25.00%).
    public var liquidation_bp: Int64
    public var commission: Int64
    /// Average days from placement to the agency's first payment, over accounts that paid.
    public var average_days_to_first_payment: Double?
    /// Returned accounts ÷ accepted accounts, in basis points.
    public var returned_bp: Int64

    public init(
        partner: String, vintage: String, currency: String, placed: Int, rejected: Int, open: Int, returned: Int,
        acceptedAmount: Int64,
        collected: Int64, commission: Int64, average_days_to_first_payment: Double?) {
        self.partner = partner
        self.vintage = vintage
        self.currency = currency
        self.placed_accounts = placed
        self.rejected_accounts = rejected
        self.accepted_accounts = placed - rejected
        self.open_accounts = open
        self.returned_accounts = returned
        self.accepted_amount = acceptedAmount
        self.collected = collected
        self.liquidation_bp = acceptedAmount > 0 ? collected * 10_000 / acceptedAmount : 0
        self.commission = commission
        self.average_days_to_first_payment = average_days_to_first_payment
        self.returned_bp = accepted_accounts > 0 ? Int64(returned) * 10_000 / Int64(accepted_accounts) : 0
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
    /// What agencies have collected since the first placement, net of reversals, per currency
    /// code (minor units): the money gauge the daemon's metrics show.
    func collectedByCurrency() throws -> [String: Int64]
    /// What needs a person, newest first: at most `limit` items of each kind; rejected and
    /// returned accounts and new holds only since `since`.
    func needsAttention(since: CalendarDate, limit: Int) throws -> [AttentionItem]
}
