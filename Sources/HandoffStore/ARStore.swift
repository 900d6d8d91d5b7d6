public import HandoffDomain

/// What Handoff reads from the AR record. Implemented by each storage backend
/// (`HandoffSQLite` today); domain and import code depend on this, never on a database.
public protocol ARReading {
    /// The account with this number, if there is one.
    func customer(accountNumber: String) throws -> CustomerRecord?
    /// The account with this id.
    func customer(id: Int64) throws -> CustomerRecord?
    /// The invoice with this number in an account.
    func invoice(customerID: Int64, invoiceNumber: String) throws -> InvoiceRecord?
    /// Every invoice of an account, oldest due date first.
    func invoices(customerID: Int64) throws -> [InvoiceRecord]
    /// The transaction with this reference.
    func transaction(reference: String) throws -> TransactionRecord?
    /// The transaction with this id.
    func transaction(id: Int64) throws -> TransactionRecord?
    /// Every transaction of an account, in the order recorded.
    func transactions(customerID: Int64) throws -> [TransactionRecord]
    /// How a transaction was spread over invoices, in the order its entries were written.
    func shares(ofTransaction id: Int64) throws -> [Allocation.Share]
    /// How much of a payment has been restored by reversals so far, per invoice.
    func reversedShares(ofPayment id: Int64) throws -> [Int64: Int64]
    /// Every ledger entry of an account, in the order written.
    func ledger(customerID: Int64) throws -> [LedgerEntry]

    // What a chunk of rows touches (an import's transactions, a reconciliation's events), read
    // in one statement each where the engine gains by it.

    /// The customers with these account numbers.
    func customers(accountNumbers: [String]) throws -> [CustomerRecord]
    /// Every invoice of each of these accounts, oldest due date first (by customer id).
    func invoices(customerIDs: [Int64]) throws -> [Int64: [InvoiceRecord]]
    /// The transactions recorded under these references.
    func transactions(references: [String]) throws -> [TransactionRecord]
    /// How each of these transactions was applied, in order (by transaction id).
    func shares(ofTransactions ids: [Int64]) throws -> [Int64: [Allocation.Share]]
    /// What reversals restored of each of these payments, per invoice (by payment id).
    func reversedShares(ofPayments ids: [Int64]) throws -> [Int64: [Int64: Int64]]
    /// One page of accounts in account-number order, and how many there are in all: those
    /// whose account number, business, contact or person's name contains `search` (letters
    /// of the ASCII range in either case), or every account when `search` is nil or empty.
    func accounts(matching search: String?, offset: Int, limit: Int) throws -> (total: Int, page: [AccountSummary])
    /// Open balances grouped by currency and due date, for ageing.
    func openBalancesByDueDate() throws -> [OpenBalanceByDueDate]

    // As it stood on a day: an invoice counts from its invoice date, and its balance on day D
    // is its amount moved by every ledger entry of a transaction (payment, credit, fee, interest,
    // write-off, reversal…) whose effective date is on or before D. Entries dated later, and
    // invoices issued later, are left out, whenever they were recorded.

    /// The account's invoices issued on or before `asOf`, oldest due date first, each with its
    /// balance as of that day.
    func invoices(customerID: Int64, asOf: CalendarDate) throws -> [InvoiceRecord]
    /// Calls `body` for every account, in account-number order, without holding them all: its
    /// balance, oldest open due date and open invoices as they stood on `asOf`.
    func forEachAccount(asOf: CalendarDate, _ body: (AccountSummary) throws -> Void) throws
    /// ``openBalancesByDueDate()`` as of a day: the invoices issued by then, with their balances then.
    func openBalancesByDueDate(asOf: CalendarDate) throws -> [OpenBalanceByDueDate]
    /// Counts of accounts, invoices, transactions and ledger entries.
    func counts() throws -> RecordCounts
}

/// Counts of what the AR record holds.
public struct RecordCounts: Hashable, Sendable, Codable {
    public var customers: Int
    public var invoices: Int
    public var transactions: Int
    public var ledgerEntries: Int
    public init(customers: Int, invoices: Int, transactions: Int, ledgerEntries: Int) {
        self.customers = customers
        self.invoices = invoices
        self.transactions = transactions
        self.ledgerEntries = ledgerEntries
    }
}

/// What Handoff changes in the AR record. Only available inside ``ARStore/write(_:)``,
/// so that every change is part of one transaction.
public protocol ARWriting: ARReading {
    /// Adds an account; returns its id.
    func insertCustomer(_ profile: DebtorProfile, source: EntrySource) throws -> Int64
    /// ``insertCustomer(_:source:)`` for each of these new accounts, in order, as one set where
    /// the engine gains by it; their ids, in order.
    func insertCustomers(_ customers: [NewCustomer]) throws -> [Int64]
    /// Replaces an account's profile (the account number stays).
    func updateCustomer(id: Int64, _ profile: DebtorProfile) throws
    /// Adds an invoice with its first ledger entry (its original amount); returns its id.
    func insertInvoice(customerID: Int64, terms: InvoiceTerms, source: EntrySource) throws -> Int64
    /// Inserts an invoice (with its first ledger entry) unless the account already has one of
    /// that number, in which case nothing is written and the answer is nil.
    func insertInvoiceIfNew(customerID: Int64, terms: InvoiceTerms, source: EntrySource) throws -> Int64?
    /// ``insertInvoiceIfNew(customerID:terms:source:)`` for each of these invoices, in order, as
    /// one set where the engine gains by it (one statement instead of a round trip each on
    /// PostgreSQL): the id of each invoice inserted, nil for one the account already had, or
    /// that came earlier in the list.
    func insertInvoicesIfNew(_ invoices: [NewInvoice]) throws -> [Int64?]
    /// Changes an invoice's non-money terms (dates, dispute flag). Never its amount.
    func updateInvoiceTerms(id: Int64, _ terms: InvoiceTerms) throws
    /// Records a transaction; returns its id. Its ledger entries are appended separately.
    func insertTransaction(reference: String, customerID: Int64, invoiceNumber: String?, date: CalendarDate,
                           kind: EntryKind, amount: Int64, reversesID: Int64?, source: EntrySource) throws -> Int64
    /// ``insertTransaction(reference:customerID:invoiceNumber:date:kind:amount:reversesID:source:)``
    /// for each of these, in order, as one set where the engine gains by it; their ids, in order.
    func insertTransactions(_ transactions: [NewTransaction]) throws -> [Int64]
    /// Appends a ledger entry and moves its invoice's balance by its amount. A balance may
    /// never go below zero: the store refuses it.
    func appendLedgerEntry(_ entry: NewLedgerEntry) throws
    /// Appends ledger entries (in order) and moves each invoice's balance by the sum of its
    /// entries: multi-row inserts and one update for all the invoices.
    func appendLedgerEntries(_ entries: [NewLedgerEntry]) throws
    /// Appends to the audit log.
    func appendAudit(_ entry: AuditEntry) throws
    /// Records an imported file.
    func recordImport(_ run: ImportRun) throws
}

/// A storage backend for the AR record.
public protocol ARStore: Sendable {
    /// Runs `body` with a consistent view of the record.
    func read<T>(_ body: (any ARReading) throws -> T) throws -> T
    /// Runs `body` in one transaction: everything it writes is committed together when it
    /// returns, and nothing is when it throws.
    func write<T>(_ body: (any ARWriting) throws -> T) throws -> T
}

/// An account to add (an import's row).
public struct NewCustomer: Sendable {
    public var profile: DebtorProfile
    public var source: EntrySource

    public init(profile: DebtorProfile, source: EntrySource) {
        self.profile = profile
        self.source = source
    }
}

/// A transaction to record (an import's row), before its ledger entries.
public struct NewTransaction: Sendable {
    /// For a reversal, the payment it reverses: one already recorded, or one earlier in the
    /// same list (``ARWriting/insertTransactions(_:)``), whose id is not known yet.
    public enum Reversed: Hashable, Sendable {
        case recorded(id: Int64)
        case listed(index: Int)
    }

    public var reference: String
    public var customerID: Int64
    public var invoiceNumber: String?
    public var date: CalendarDate
    public var kind: EntryKind
    /// Positive amount in minor units.
    public var amount: Int64
    public var reverses: Reversed?
    public var source: EntrySource

    public init(reference: String, customerID: Int64, invoiceNumber: String?, date: CalendarDate, kind: EntryKind,
                amount: Int64, reverses: Reversed?, source: EntrySource) {
        self.reference = reference
        self.customerID = customerID
        self.invoiceNumber = invoiceNumber
        self.date = date
        self.kind = kind
        self.amount = amount
        self.reverses = reverses
        self.source = source
    }

    /// The id of the payment reversed, given the ids of the list's transactions before this one.
    public func reversesID(given ids: ArraySlice<Int64>) throws -> Int64? {
        switch reverses {
        case nil: return nil
        case .recorded(let id): return id
        case .listed(let index):
            guard ids.indices.contains(index) else { throw ListedReversalError(reference: reference, index: index) }
            return ids[index]
        }
    }
}

/// A reversal that names a payment later than itself in a list of new transactions.
public struct ListedReversalError: Error, CustomStringConvertible {
    public var reference: String
    public var index: Int
    public var description: String {
        "transaction \(reference) reverses the list's transaction #\(index), which does not come before it"
    }
}

extension ARReading {
    /// One account at a time (SQLite, where a statement costs no round trip).
    public func invoices(customerIDs: [Int64]) throws -> [Int64: [InvoiceRecord]] {
        var out: [Int64: [InvoiceRecord]] = [:]
        for id in Set(customerIDs) { out[id] = try invoices(customerID: id) }
        return out
    }

    /// One reference at a time (SQLite).
    public func transactions(references: [String]) throws -> [TransactionRecord] {
        try ExactText.distinct(references).compactMap { try transaction(reference: $0) }
    }
}

/// An invoice to insert unless its account already has one of its number (an import's row).
public struct NewInvoice: Sendable {
    public var customerID: Int64
    public var terms: InvoiceTerms
    public var source: EntrySource

    public init(customerID: Int64, terms: InvoiceTerms, source: EntrySource) {
        self.customerID = customerID
        self.terms = terms
        self.source = source
    }
}

extension ARWriting {
    /// One at a time, in order: an engine whose statements cost no round trip (SQLite) gains
    /// nothing from a set.
    public func insertInvoicesIfNew(_ invoices: [NewInvoice]) throws -> [Int64?] {
        try invoices.map { try insertInvoiceIfNew(customerID: $0.customerID, terms: $0.terms, source: $0.source) }
    }

    /// One at a time, in order (SQLite).
    public func insertCustomers(_ customers: [NewCustomer]) throws -> [Int64] {
        try customers.map { try insertCustomer($0.profile, source: $0.source) }
    }

    /// One at a time, in order (SQLite).
    public func insertTransactions(_ transactions: [NewTransaction]) throws -> [Int64] {
        var ids: [Int64] = []
        ids.reserveCapacity(transactions.count)
        for t in transactions {
            ids.append(
                try insertTransaction(
                    reference: t.reference, customerID: t.customerID, invoiceNumber: t.invoiceNumber, date: t.date,
                    kind: t.kind, amount: t.amount, reversesID: try t.reversesID(given: ids[...]), source: t.source))
        }
        return ids
    }
}
