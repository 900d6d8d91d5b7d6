/// The rules a careful creditor applies before handing an account to an agency
/// (`[placement]` in `config/handoff.toml`).
public struct PlacementRules: Hashable, Sendable {
    /// Days past due of the account's oldest open, undisputed, past-due invoice.
    public var minDaysPastDue = 120
    /// Least balance (of the invoices that would be placed) worth placing.
    public var minBalance = DecimalAmount(value: 5000, scale: 2)
    /// An account that paid within this many days is not placed.
    public var recentPaymentDays = 30
    /// When set, an account must have had a final notice recorded at least this many days before.
    public var finalNoticeDays: Int?
    /// What the Regulation F itemization date is.
    public var itemizationBasis = ItemizationBasis.newestInvoiceDate

    public init() {}
}

/// The date a Regulation F itemization starts from. Every basis is a date on which every
/// placed invoice already existed, so that the itemization sums exactly to the balance.
public enum ItemizationBasis: String, Hashable, Sendable, CaseIterable {
    /// The date of the newest placed invoice (standing in for a last statement date).
    case newestInvoiceDate = "newest_invoice_date"
    /// The due date of the newest placed invoice.
    case newestDueDate = "newest_due_date"
}

/// A Regulation F itemization: what was owed on the itemization date, and what has been
/// charged and paid since. `amount + interest + fees − payments − credits` is the balance.
public struct Itemization: Hashable, Sendable {
    public var date: CalendarDate
    public var amount: Money
    public var interest: Money
    public var fees: Money
    /// Payments less payment reversals, since the date.
    public var payments: Money
    /// Credits and write-offs since the date.
    public var credits: Money

    public init(date: CalendarDate, amount: Money, interest: Money, fees: Money, payments: Money, credits: Money) {
        self.date = date
        self.amount = amount
        self.interest = interest
        self.fees = fees
        self.payments = payments
        self.credits = credits
    }

    /// The balance the itemization adds up to.
    public var balance: Money { amount + interest + fees - payments - credits }

    /// One ledger entry of a placed invoice, as the itemization needs it.
    public struct Entry: Hashable, Sendable {
        public var kind: EntryKind
        /// Signed change to the balance, in minor units.
        public var amount: Int64
        public var date: CalendarDate
        public init(kind: EntryKind, amount: Int64, date: CalendarDate) {
            self.kind = kind
            self.amount = amount
            self.date = date
        }
    }

    /// Itemizes the ledger entries of the placed invoices from `date`: entries on or before it
    /// make up the amount owed then; later ones are sorted into interest, fees, payments and
    /// credits. The parts always add up to the sum of the entries. Each part is added up with
    /// checked arithmetic: one beyond 64 bits throws ``AmountOverflow`` rather than trap.
    public static func compute(entries: [Entry], date: CalendarDate, currency: Currency) throws(AmountOverflow)
        -> Itemization
    {
        var amount: Int64 = 0, interest: Int64 = 0, fees: Int64 = 0, payments: Int64 = 0, credits: Int64 = 0
        let what = "the itemization of the placed invoices"
        for e in entries {
            if e.date <= date { amount = try Amount.add(amount, e.amount, what: what); continue }
            switch e.kind {
            case .interest: interest = try Amount.add(interest, e.amount, what: what)
            case .fee: fees = try Amount.add(fees, e.amount, what: what)
            case .payment, .paymentReversal: payments = try Amount.subtract(payments, e.amount, what: what)
            case .credit, .writeoff: credits = try Amount.subtract(credits, e.amount, what: what)
            case .invoice: amount = try Amount.add(amount, e.amount, what: what)
            }
        }
        func m(_ v: Int64) -> Money { Money(minorUnits: v, currency: currency) }
        return Itemization(
            date: date, amount: m(amount), interest: m(interest), fees: m(fees), payments: m(payments),
            credits: m(credits))
    }

    /// The itemization date for a set of placed invoices.
    public static func date(basis: ItemizationBasis, invoices: [OpenItem]) -> CalendarDate? {
        switch basis {
        case .newestInvoiceDate: return invoices.map(\.invoiceDate).max()
        case .newestDueDate: return invoices.map(\.dueDate).max()
        }
    }
}
