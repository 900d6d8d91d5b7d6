public import HandoffDomain

/// Where a ledger entry, invoice or transaction came from: a line of a file, an API call,
/// or an agency's event. Every cent in the AR record can be traced back through it.
public struct EntrySource: Hashable, Sendable, Codable {
    /// What kind of origin.
    public enum Kind: String, Sendable, Codable {
        /// A row of a file a person imported.
        case file
        /// A call of Handoff's API or a command.
        case api
        /// A file or event an agency sent.
        case agency
    }
    public var kind: Kind
    /// File name (as given), API route or command, or the agency file's name.
    public var name: String
    /// Line in the file, when the source is a file.
    public var line: Int?
    /// The agency's event id, when the source is an event.
    public var eventID: String?

    public init(kind: Kind, name: String, line: Int? = nil, eventID: String? = nil) {
        self.kind = kind
        self.name = name
        self.line = line
        self.eventID = eventID
    }

    /// `invoices.csv:12`, `api:POST /api/v1/recalls`, `KRP_ACT_…csv:3`, `event 1c9e…`.
    public var label: String {
        var text = kind == .api ? "api:\(name)" : name
        if let line { text += ":\(line)" }
        if let eventID { text += " event \(eventID)" }
        return text
    }
}

/// A debtor account as stored.
public struct CustomerRecord: Hashable, Sendable {
    public var id: Int64
    public var profile: DebtorProfile
    public init(id: Int64, profile: DebtorProfile) {
        self.id = id
        self.profile = profile
    }
}

/// An invoice as stored, with its open balance (the sum of its ledger entries).
public struct InvoiceRecord: Hashable, Sendable {
    public var id: Int64
    public var customerID: Int64
    public var terms: InvoiceTerms
    /// Open balance in minor units of the account's currency.
    public var balance: Int64
    public var source: EntrySource

    public init(id: Int64, customerID: Int64, terms: InvoiceTerms, balance: Int64, source: EntrySource) {
        self.id = id
        self.customerID = customerID
        self.terms = terms
        self.balance = balance
        self.source = source
    }

    public var openItem: OpenItem {
        OpenItem(invoiceID: id, invoiceNumber: terms.invoiceNumber, invoiceDate: terms.invoiceDate,
                 dueDate: terms.dueDate, balance: balance, disputed: terms.disputed)
    }
}

/// A business transaction as received (a payment, credit, fee...), before it is spread
/// over invoices as ledger entries. Its `reference` is unique.
public struct TransactionRecord: Hashable, Sendable {
    public var id: Int64
    public var reference: String
    public var customerID: Int64
    /// The invoice the transaction named, if it named one.
    public var invoiceNumber: String?
    public var date: CalendarDate
    public var kind: EntryKind
    /// Positive amount in minor units.
    public var amount: Int64
    /// For a reversal: the transaction it reverses.
    public var reversesID: Int64?
    public var source: EntrySource

    public init(id: Int64, reference: String, customerID: Int64, invoiceNumber: String?, date: CalendarDate,
                kind: EntryKind, amount: Int64, reversesID: Int64?, source: EntrySource) {
        self.id = id
        self.reference = reference
        self.customerID = customerID
        self.invoiceNumber = invoiceNumber
        self.date = date
        self.kind = kind
        self.amount = amount
        self.reversesID = reversesID
        self.source = source
    }
}

/// One change to one invoice's balance. The ledger is append-only; an invoice's balance is
/// the sum of its entries.
public struct LedgerEntry: Hashable, Sendable {
    public var id: Int64
    public var customerID: Int64
    public var invoiceID: Int64
    /// The invoice number, for display.
    public var invoiceNumber: String
    /// The transaction behind the entry (none for an invoice's own first entry).
    public var transactionID: Int64?
    /// The transaction's reference, for display.
    public var reference: String?
    public var kind: EntryKind
    /// Signed change to the balance: positive raises what is owed.
    public var amount: Money
    public var effectiveDate: CalendarDate
    public var source: EntrySource
    /// When Handoff recorded it (RFC 3339, UTC).
    public var recordedAt: String

    public init(
        id: Int64, customerID: Int64, invoiceID: Int64, invoiceNumber: String, transactionID: Int64?,
        reference: String?,
        kind: EntryKind, amount: Money, effectiveDate: CalendarDate, source: EntrySource, recordedAt: String) {
        self.id = id
        self.customerID = customerID
        self.invoiceID = invoiceID
        self.invoiceNumber = invoiceNumber
        self.transactionID = transactionID
        self.reference = reference
        self.kind = kind
        self.amount = amount
        self.effectiveDate = effectiveDate
        self.source = source
        self.recordedAt = recordedAt
    }
}

/// A ledger entry to append.
public struct NewLedgerEntry: Hashable, Sendable {
    public var customerID: Int64
    public var invoiceID: Int64
    public var transactionID: Int64?
    public var kind: EntryKind
    /// Signed change to the balance, in minor units.
    public var amount: Int64
    public var currency: Currency
    public var effectiveDate: CalendarDate
    public var source: EntrySource

    public init(customerID: Int64, invoiceID: Int64, transactionID: Int64?, kind: EntryKind, amount: Int64,
                currency: Currency, effectiveDate: CalendarDate, source: EntrySource) {
        self.customerID = customerID
        self.invoiceID = invoiceID
        self.transactionID = transactionID
        self.kind = kind
        self.amount = amount
        self.currency = currency
        self.effectiveDate = effectiveDate
        self.source = source
    }
}

/// A line of the append-only audit log: who did what to which record.
public struct AuditEntry: Hashable, Sendable {
    /// `import`, `cli`, `api`, `daemon`…
    public var actor: String
    /// `customer.updated`, `invoice.updated`, `import.completed`…
    public var action: String
    /// The record's key, such as the account number or `A-1001/INV-7001`.
    public var subject: String
    /// What changed, in words: `due_date 2026-02-14 → 2026-02-28`. Never a secret or a tax id.
    public var detail: String
    public var source: EntrySource?

    public init(actor: String, action: String, subject: String, detail: String, source: EntrySource? = nil) {
        self.actor = actor
        self.action = action
        self.subject = subject
        self.detail = detail
        self.source = source
    }
}

/// One file imported, with what it did.
public struct ImportRun: Hashable, Sendable {
    /// `customers`, `invoices` or `transactions`.
    public var kind: String
    public var fileName: String
    /// Lower-case hex SHA-256 of the file's bytes.
    public var sha256: String
    public var size: Int
    public var rows: Int
    public var added: Int
    public var changed: Int
    public var unchanged: Int
    public var rejected: Int

    public init(
        kind: String, fileName: String, sha256: String, size: Int, rows: Int, added: Int, changed: Int, unchanged: Int,
        rejected: Int
    ) {
        self.kind = kind
        self.fileName = fileName
        self.sha256 = sha256
        self.size = size
        self.rows = rows
        self.added = added
        self.changed = changed
        self.unchanged = unchanged
        self.rejected = rejected
    }
}

/// One account as the receivables list shows it on a given day.
public struct AccountSummary: Hashable, Sendable {
    public var customerID: Int64
    public var profile: DebtorProfile
    /// Sum of the open balances of the account's invoices.
    public var balance: Money
    /// The oldest due date among open invoices (balance above zero), disputed or not.
    public var oldestOpenDueDate: CalendarDate?
    /// Invoices with a balance above zero.
    public var openInvoices: Int

    public init(
        customerID: Int64, profile: DebtorProfile, balance: Money, oldestOpenDueDate: CalendarDate?, openInvoices: Int
    ) {
        self.customerID = customerID
        self.profile = profile
        self.balance = balance
        self.oldestOpenDueDate = oldestOpenDueDate
        self.openInvoices = openInvoices
    }
}

/// Open balances that share a currency and a due date: what an ageing report buckets.
public struct OpenBalanceByDueDate: Hashable, Sendable {
    public var currency: Currency
    public var dueDate: CalendarDate
    public var balance: Int64
    public var invoices: Int

    public init(currency: Currency, dueDate: CalendarDate, balance: Int64, invoices: Int) {
        self.currency = currency
        self.dueDate = dueDate
        self.balance = balance
        self.invoices = invoices
    }
}
