import HandoffCSV
import HandoffDomain
import HandoffStore

/// A transactions file's rows, applied a chunk at a time: the chunk's rows are decided in file
/// order against one read of what they touch (``TransactionSnapshot``), then written as sets
/// (their transactions, then their ledger entries). On PostgreSQL each row cost about six
/// round trips; a chunk of 1,000 costs about nine statements.
///
/// A row sees every row before it, in its chunk too: the snapshot moves balances and
/// restorations as rows are decided, and knows the transactions the chunk adds (a repeated
/// reference, a reversal of a payment a few lines up), exactly as if every row before it had
/// been applied one by one.
struct TransactionRows {
    /// A row waiting in the chunk, with its reference and account number once they are checked.
    struct Waiting {
        var record: CSVRecord
        var row: RowReader
        var keys: Result<Keys, RowError>
    }

    /// A row's keys, read before the chunk is decided.
    struct Keys {
        var reference: String
        var accountNumber: String
        var reverses: String?
    }

    /// Rows decided and written together.
    static let chunkSize = 1_000

    private(set) var waiting: [Waiting] = []

    var isEmpty: Bool { waiting.isEmpty }
    var isFull: Bool { waiting.count >= Self.chunkSize }

    /// The keys of a row, checked in the order a row's errors are reported: the reference,
    /// then the account number.
    static func keys(_ row: RowReader) throws(RowError) -> Keys {
        let reference = try row.key("reference")
        let accountNumber = try row.key("account_number")
        return Keys(reference: reference, accountNumber: accountNumber, reverses: row.optional("reverses"))
    }

    mutating func append(_ record: CSVRecord, _ row: RowReader, _ keys: Result<Keys, RowError>) {
        waiting.append(Waiting(record: record, row: row, keys: keys))
    }

    /// Decides the chunk's rows in order, writes what they add, and answers each row's
    /// outcome, in order. A row's error leaves the rest of the chunk to apply; a storage
    /// failure throws.
    mutating func apply(_ ar: any ARWriting, options: ImportOptions, fileName: String) throws
        -> [(record: CSVRecord, outcome: Result<RowOutcome, RowError>)]
    {
        defer { waiting.removeAll(keepingCapacity: true) }
        var accountNumbers: [String] = []
        var references: [String] = []
        for case .success(let keys) in waiting.map(\.keys) {
            accountNumbers.append(keys.accountNumber)
            references.append(keys.reference)
            if let reverses = keys.reverses { references.append(reverses) }
        }
        var snapshot = try TransactionSnapshot.load(ar, accountNumbers: accountNumbers, references: references)

        var outcomes: [(record: CSVRecord, outcome: Result<RowOutcome, RowError>)] = []
        outcomes.reserveCapacity(waiting.count)
        for entry in waiting {
            do throws(RowError) {
                let keys = try entry.keys.get()
                let source = EntrySource(kind: .file, name: fileName, line: entry.row.line)
                let added = try snapshot.decide(entry.row, keys, options: options, source: source)
                outcomes.append((entry.record, .success(added ? .added : .unchanged)))
            } catch {
                outcomes.append((entry.record, .failure(error)))
            }
        }

        let added = snapshot.added
        let ids = try ar.insertTransactions(added.map(\.transaction))
        var entries: [NewLedgerEntry] = []
        for (decided, id) in zip(added, ids) {
            let t = decided.transaction
            for share in decided.shares {
                entries.append(
                    NewLedgerEntry(
                        customerID: t.customerID, invoiceID: share.invoiceID, transactionID: id, kind: t.kind,
                        amount: t.kind.sign * share.amount, currency: decided.currency, effectiveDate: t.date,
                        source: t.source))
            }
        }
        try ar.appendLedgerEntries(entries)
        return outcomes
    }
}

/// What a chunk of transaction rows touches, read before any of them is decided: the accounts,
/// their invoices, the transactions recorded under the chunk's references, and what each
/// payment the chunk reverses was spread over and has had restored. Deciding a row adds its
/// transaction and moves the balances and restorations it changes, so that later rows see it;
/// no I/O.
struct TransactionSnapshot {
    /// A transaction: one recorded (by id), or one an earlier row of the chunk added (by its
    /// place in ``added``).
    typealias Key = NewTransaction.Reversed

    // Keys compared byte for byte, as the database compares them (``ExactText``).
    var customers: [ExactText: CustomerRecord] = [:]
    /// The transactions recorded under the chunk's references, by reference.
    var transactions: [ExactText: TransactionRecord] = [:]
    /// Each account's invoices, oldest due date first, with their balances as decided so far.
    var invoices: [Int64: [InvoiceRecord]] = [:]
    /// An invoice's place in its account's list in `invoices`, by account and invoice number.
    var invoiceIndex: [Int64: [ExactText: Int]] = [:]
    /// An invoice's place in its account's list in `invoices`, by invoice id.
    var place: [Int64: Int] = [:]
    /// How each payment was spread over invoices, in the order its entries were written.
    var paymentShares: [Key: [Allocation.Share]] = [:]
    /// What reversals restored of each payment, per invoice, as decided so far.
    var reversed: [Key: [Int64: Int64]] = [:]
    /// What the chunk's rows add, in file order.
    private(set) var added: [Decided] = []
    /// The place in ``added`` of each reference the chunk adds.
    private var listed: [ExactText: Int] = [:]

    /// A row decided: the transaction to record, and its shares of the account's invoices.
    struct Decided {
        var transaction: NewTransaction
        var shares: [Allocation.Share]
        var currency: Currency
    }

    /// A transaction as a row compares itself with it: recorded, or added earlier in the chunk.
    struct Known {
        var key: Key
        var reference: String
        var customerID: Int64
        var kind: EntryKind
        var amount: Int64
        var date: CalendarDate
        var invoiceNumber: String?
        var reverses: Key?
        var source: EntrySource
    }

    /// Reads what rows with these account numbers and references (theirs and the payments they
    /// reverse) touch: five statements, whatever the chunk's size.
    static func load(_ ar: any ARReading, accountNumbers: [String], references: [String]) throws -> Self {
        var s = TransactionSnapshot()
        for c in try ar.customers(accountNumbers: ExactText.distinct(accountNumbers)) {
            s.customers[ExactText(c.profile.accountNumber)] = c
        }
        for t in try ar.transactions(references: ExactText.distinct(references)) {
            s.transactions[ExactText(t.reference)] = t
        }
        s.invoices = try ar.invoices(customerIDs: s.customers.values.map(\.id))
        for (customerID, list) in s.invoices {
            var index: [ExactText: Int] = [:]
            for (n, invoice) in list.enumerated() {
                index[ExactText(invoice.terms.invoiceNumber)] = n
                s.place[invoice.id] = n
            }
            s.invoiceIndex[customerID] = index
        }
        let payments = s.transactions.values.filter { $0.kind == .payment }.map(\.id)
        for (id, shares) in try ar.shares(ofTransactions: payments) { s.paymentShares[.recorded(id: id)] = shares }
        for (id, restored) in try ar.reversedShares(ofPayments: payments) { s.reversed[.recorded(id: id)] = restored }
        return s
    }

    /// The transaction with this reference: recorded, or added by an earlier row of the chunk.
    func known(_ reference: String) -> Known? {
        if let t = transactions[ExactText(reference)] {
            return Known(
                key: .recorded(id: t.id), reference: t.reference, customerID: t.customerID, kind: t.kind,
                amount: t.amount, date: t.date, invoiceNumber: t.invoiceNumber,
                reverses: t.reversesID.map { .recorded(id: $0) }, source: t.source)
        }
        if let n = listed[ExactText(reference)] {
            let t = added[n].transaction
            return Known(
                key: .listed(index: n), reference: t.reference, customerID: t.customerID, kind: t.kind,
                amount: t.amount, date: t.date, invoiceNumber: t.invoiceNumber, reverses: t.reverses, source: t.source)
        }
        return nil
    }

    /// Decides one row against what is recorded and what the rows before it decided: true when
    /// it adds a transaction (in ``added``), false when it is recorded already with the same
    /// content. Its errors are the ones the row would have had applied alone, checked in the
    /// same order.
    mutating func decide(_ row: RowReader, _ keys: TransactionRows.Keys, options: ImportOptions, source: EntrySource)
        throws(RowError) -> Bool
    {
        let reference = keys.reference
        guard let customer = customers[ExactText(keys.accountNumber)] else {
            throw row.noAccount(keys.accountNumber)
        }
        let currency = customer.profile.currency
        let date = try row.date("date")
        let typeText = try row.required("type")
        guard let kind = EntryKind(rawValue: typeText.lowercased()), EntryKind.transactionKinds.contains(kind) else {
            throw row.error(
                "type",
                "'\(typeText)' is not one of \(EntryKind.transactionKinds.map(\.rawValue).joined(separator: ", "))")
        }
        let amount = try row.positiveAmount("amount", currency: currency, limit: options.maxAmount)
        let invoiceNumber = row.optional("invoice_number")
        let reverses = keys.reverses
        if kind == .paymentReversal && reverses == nil {
            throw row.error("reverses", "is required for a payment_reversal: the reference of the payment it reverses")
        }
        if kind != .paymentReversal && reverses != nil {
            throw row.error("reverses", "is only for a payment_reversal")
        }

        if let existing = known(reference) {
            // The reversed payment, compared by key: both transactions are known by reference.
            let sameReversed: Bool
            switch (existing.reverses, reverses) {
            case (nil, nil): sameReversed = true
            case (let key?, let payment?): sameReversed = known(payment)?.key == key
            default: sameReversed = false
            }
            let same =
                existing.customerID == customer.id && existing.kind == kind && existing.amount == amount.minorUnits
                && existing.date == date && existing.invoiceNumber == invoiceNumber && sameReversed
            if same { return false }
            throw row.error(
                "reference", "'\(reference)' is already recorded with other content (from \(existing.source.label))")
        }

        var reversedPayment: Key?
        let shares: [Allocation.Share]
        switch kind {
        case .paymentReversal:
            let reverses = reverses!
            guard let payment = known(reverses), payment.customerID == customer.id else {
                throw row.error("reverses", "no payment '\(reverses)' on account \(customer.profile.accountNumber)")
            }
            guard payment.kind == .payment else {
                throw row.error("reverses", "'\(reverses)' is a \(payment.kind.rawValue), not a payment")
            }
            reversedPayment = payment.key
            var paid = paymentShares[payment.key] ?? []
            if let invoiceNumber {
                guard let invoice = invoice(customer.id, invoiceNumber),
                      paid.contains(where: { $0.invoiceID == invoice.id }) else {
                    throw row.error(
                        "invoice_number", "payment '\(payment.reference)' was not applied to invoice '\(invoiceNumber)'"
                    )
                }
                paid = paid.filter { $0.invoiceID == invoice.id }
            }
            switch Allocation.reversing(amount.minorUnits, of: paid, alreadyReversed: reversed[payment.key] ?? [:]) {
            case .success(let s): shares = s
            case .failure(let failure):
                throw row.error(
                    "amount",
                    describe(failure, amount: amount, what: "what is left of payment '\(payment.reference)' to reverse")
                )
            }
        case .payment, .credit, .writeoff:
            if let invoiceNumber {
                let invoice = try named(invoiceNumber, customer: customer, row: row)
                guard invoice.balance >= amount.minorUnits else {
                    let excess = Money(minorUnits: amount.minorUnits - invoice.balance, currency: currency)
                    throw row.error(
                        "amount",
                        "\(amount.decimalText) exceeds the open balance of invoice \(invoiceNumber) "
                            + "(\(Money(minorUnits: invoice.balance, currency: currency).decimalText)) "
                            + "by \(excess.decimalText)"
                    )
                }
                shares = [Allocation.Share(invoiceID: invoice.id, amount: amount.minorUnits)]
            } else {
                let items = (invoices[customer.id] ?? []).map(\.openItem)
                switch Allocation.lowering(amount.minorUnits, across: items) {
                case .success(let s): shares = s
                case .failure(let failure):
                    throw row.error("amount", describe(failure, amount: amount, what: "the account's open balance"))
                }
            }
        case .interest, .fee:
            if let invoiceNumber {
                let invoice = try named(invoiceNumber, customer: customer, row: row)
                shares = [Allocation.Share(invoiceID: invoice.id, amount: amount.minorUnits)]
            } else {
                switch Allocation.raising(amount.minorUnits, across: (invoices[customer.id] ?? []).map(\.openItem)) {
                case .success(let s): shares = s
                case .failure:
                    throw row.error("invoice_number", "the account has no open invoice to charge: name the invoice")
                }
            }
        case .invoice:
            throw row.error("type", "invoices come from the invoices file")
        }

        // What the store will hold once the chunk is written: each invoice's balance, and what
        // reversals restored of the payment. Checked, as the store's own sum is.
        var moved = invoices[customer.id] ?? []
        var restored = reversedPayment.map { reversed[$0] ?? [:] }
        for share in shares {
            guard let n = place[share.invoiceID] else {
                throw row.error("amount", "names invoice #\(share.invoiceID), which is not on the account")
            }
            do {
                moved[n].balance = try Amount.add(moved[n].balance, kind.sign * share.amount, what: "the balance")
                if restored != nil {
                    restored![share.invoiceID] = try Amount.add(
                        restored![share.invoiceID] ?? 0, kind.sign * share.amount, what: "what was reversed")
                }
            } catch {
                throw row.error("amount", "\(amount.decimalText): \(error)")
            }
        }
        invoices[customer.id] = moved
        if let payment = reversedPayment { reversed[payment] = restored }
        let index = added.count
        if kind == .payment { paymentShares[.listed(index: index)] = shares }
        listed[ExactText(reference)] = index
        added.append(
            Decided(
                transaction: NewTransaction(
                    reference: reference, customerID: customer.id, invoiceNumber: invoiceNumber, date: date,
                    kind: kind, amount: amount.minorUnits, reverses: reversedPayment, source: source),
                shares: shares, currency: currency))
        return true
    }

    private func invoice(_ customerID: Int64, _ number: String) -> InvoiceRecord? {
        guard let n = invoiceIndex[customerID]?[ExactText(number)] else { return nil }
        return invoices[customerID]?[n]
    }

    private func named(_ number: String, customer: CustomerRecord, row: RowReader) throws(RowError) -> InvoiceRecord {
        guard let invoice = invoice(customer.id, number) else {
            throw row.error("invoice_number", "no invoice '\(number)' on account \(customer.profile.accountNumber)")
        }
        return invoice
    }

    private func describe(_ failure: Allocation.Failure, amount: Money, what: String) -> String {
        switch failure {
        case .exceedsBalance(let excess), .exceedsPayment(let excess):
            return
                "\(amount.decimalText) exceeds \(what) "
                    + "by \(Money(minorUnits: excess, currency: amount.currency).decimalText)"
        case .noOpenInvoice:
            return "there is no open invoice"
        case .notPositive:
            return "\(amount.decimalText) is not more than zero"
        }
    }
}
