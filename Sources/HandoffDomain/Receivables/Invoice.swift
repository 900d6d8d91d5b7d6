/// An invoice as the business's books describe it: what was billed, when, and when it was due.
/// Its open balance is not part of it: that is the sum of its ledger entries.
public struct InvoiceTerms: Hashable, Sendable {
    /// Unique within the account.
    public var invoiceNumber: String
    public var invoiceDate: CalendarDate
    public var dueDate: CalendarDate
    /// The original amount billed; the invoice's first ledger entry.
    public var amount: Money
    /// The debtor disputes this invoice: it is never placed while disputed.
    public var disputed: Bool

    public init(invoiceNumber: String, invoiceDate: CalendarDate, dueDate: CalendarDate, amount: Money, disputed: Bool)
    {
        self.invoiceNumber = invoiceNumber
        self.invoiceDate = invoiceDate
        self.dueDate = dueDate
        self.amount = amount
        self.disputed = disputed
    }
}

/// An invoice with its current open balance, as allocation and ageing see it.
public struct OpenItem: Hashable, Sendable {
    /// The store's identifier of the invoice.
    public var invoiceID: Int64
    public var invoiceNumber: String
    public var invoiceDate: CalendarDate
    public var dueDate: CalendarDate
    /// Open balance in minor units; never negative.
    public var balance: Int64
    public var disputed: Bool

    public init(
        invoiceID: Int64, invoiceNumber: String, invoiceDate: CalendarDate, dueDate: CalendarDate, balance: Int64,
        disputed: Bool
    ) {
        self.invoiceID = invoiceID
        self.invoiceNumber = invoiceNumber
        self.invoiceDate = invoiceDate
        self.dueDate = dueDate
        self.balance = balance
        self.disputed = disputed
    }

    /// Oldest first: by due date, then invoice date, then invoice number.
    public static func oldestFirst(_ a: OpenItem, _ b: OpenItem) -> Bool {
        if a.dueDate != b.dueDate { return a.dueDate < b.dueDate }
        if a.invoiceDate != b.invoiceDate { return a.invoiceDate < b.invoiceDate }
        return a.invoiceNumber < b.invoiceNumber
    }
}
