import HandoffDomain
import HandoffStore

/// Applies one validated row of an import file to the AR record.
final class RowImporter {
    let ar: any ARWriting
    let options: ImportOptions
    let fileName: String
    /// The last account looked up: rows of one account usually come together.
    private var lastCustomer: CustomerRecord?
    /// Holds added to accounts already recorded, in file order.
    private(set) var holdsAdded: [AddedHold] = []

    init(ar: any ARWriting, options: ImportOptions, fileName: String) {
        self.ar = ar
        self.options = options
        self.fileName = fileName
    }

    /// Runs `body`, turning a failure of the store into a ``RowError`` of the row: a storage
    /// failure is not the row's fault, and stops the whole import.
    private func storing<T>(_ row: RowReader, _ body: () throws -> T) throws(RowError) -> T {
        do {
            return try body()
        } catch let error as RowError {
            throw error
        } catch {
            throw RowError(file: fileName, line: row.line, column: nil, message: "storage error: \(error)")
        }
    }

    func source(_ row: RowReader) -> EntrySource { EntrySource(kind: .file, name: fileName, line: row.line) }

    /// Accounts read for a chunk of rows, and the numbers that were looked for (byte for byte).
    private var known: [ExactText: CustomerRecord] = [:]
    private var lookedFor: Set<ExactText> = []

    /// Keeps the accounts read for a chunk (looked for under `numbers`), so that its rows find
    /// theirs, or find none, without a statement each.
    func remember(_ customers: [CustomerRecord], for numbers: [String]) {
        known = Dictionary(customers.map { (ExactText($0.profile.accountNumber), $0) }, uniquingKeysWith: { a, _ in a })
        lookedFor = Set(numbers.map(ExactText.init))
    }

    /// Invoices read for a chunk of re-imported rows, by account and number (byte for byte),
    /// kept as the rows change them.
    private struct InvoiceKey: Hashable {
        var customerID: Int64
        var number: ExactText
    }
    private var knownInvoices: [InvoiceKey: InvoiceRecord] = [:]
    private var invoicesOf: Set<Int64> = []

    /// Keeps the invoices of these accounts (all of each), read for a chunk.
    func remember(_ invoices: [Int64: [InvoiceRecord]]) {
        knownInvoices = [:]
        for list in invoices.values {
            for i in list {
                knownInvoices[InvoiceKey(customerID: i.customerID, number: ExactText(i.terms.invoiceNumber))] = i
            }
        }
        invoicesOf = Set(invoices.keys)
    }

    /// The invoice of this number in an account: from the chunk's read when it has the account.
    private func recordedInvoice(customerID: Int64, number: String) throws -> InvoiceRecord? {
        guard invoicesOf.contains(customerID) else {
            return try ar.invoice(customerID: customerID, invoiceNumber: number)
        }
        return knownInvoices[InvoiceKey(customerID: customerID, number: ExactText(number))]
    }

    func account(_ row: RowReader) throws -> CustomerRecord {
        let number = try row.key("account_number")
        let key = ExactText(number)
        if let lastCustomer, ExactText(lastCustomer.profile.accountNumber) == key { return lastCustomer }
        // The chunk's read answers for the numbers it looked for; another is looked up alone.
        let found = try known[key] ?? (lookedFor.contains(key) ? nil : ar.customer(accountNumber: number))
        guard let found else {
            throw row.noAccount(number)
        }
        lastCustomer = found
        return found
    }

    // MARK: - Customers

    /// A customers row for an account not yet recorded, checked without writing anything:
    /// what ``finishNewCustomer(_:id:)`` needs once its chunk is inserted.
    struct PreparedCustomer {
        let row: RowReader
        let customer: NewCustomer
        /// The row's compliance facts, when it has any to store.
        let compliance: AccountCompliance?
    }

    /// Checks a row for a new account: its profile, and its compliance facts if it has any.
    func prepareNewCustomer(_ row: RowReader) throws(RowError) -> PreparedCustomer {
        let profile = try CustomerRow.profile(from: row, recorded: nil, defaultCurrency: options.defaultCurrency)
        var compliance: AccountCompliance?
        if let updated = try CustomerRow.compliance(from: row, recorded: AccountCompliance(), holds: profile.holds),
            updated != AccountCompliance()
        {
            // The compliance facts live in a store protocol of their own (issue 16).
            guard ar is any ComplianceWriting else {
                throw RowError(
                    file: fileName, line: row.line, column: nil,
                    message: "storage error: this store cannot keep compliance facts")
            }
            compliance = updated
        }
        return PreparedCustomer(
            row: row, customer: NewCustomer(profile: profile, source: source(row)), compliance: compliance)
    }

    /// Stores a new account's compliance facts once its chunk has given it an id (checked
    /// before: only the store can fail here, and that stops the import).
    func finishNewCustomer(_ prepared: PreparedCustomer, id: Int64) throws {
        guard let compliance = prepared.compliance, let store = ar as? any ComplianceWriting else { return }
        try store.setAccountCompliance(customerID: id, compliance)
    }

    /// A customers row for an account already recorded: its profile and compliance facts are
    /// compared with the record, and what differs is changed and audited.
    func applyRecordedCustomer(_ row: RowReader, existing: CustomerRecord) throws(RowError) -> RowOutcome {
        let profile = try CustomerRow.profile(
            from: row, recorded: existing.profile, defaultCurrency: options.defaultCurrency)
        return try storing(row) {
            let complianceChanged = try applyCompliance(row, customerID: existing.id, profile: profile)
            if existing.profile == profile { return complianceChanged ? .changed : .unchanged }
            if existing.profile.currency != profile.currency, try !ar.invoices(customerID: existing.id).isEmpty {
                throw row.error(
                    "currency",
                    "the account is in \(existing.profile.currency.code) and has invoices: "
                        + "its currency cannot change to \(profile.currency.code)"
                )
            }
            try ar.updateCustomer(id: existing.id, profile)
            for hold in profile.holds.subtracting(existing.profile.holds).sorted() {
                holdsAdded.append(
                    AddedHold(accountNumber: profile.accountNumber, hold: hold, source: "\(fileName):\(row.line)"))
            }
            lastCustomer = nil
            try ar.appendAudit(
                AuditEntry(
                    actor: options.actor, action: "customer.updated", subject: profile.accountNumber,
                    detail: CustomerRow.changes(from: existing.profile, to: profile), source: source(row)))
            return .changed
        }
    }

    /// Stores what the row says for a recorded account's compliance gate, and audits a change;
    /// whether it changed.
    private func applyCompliance(_ row: RowReader, customerID: Int64, profile: DebtorProfile) throws
        -> Bool
    {
        let hasColumns = CustomerRow.complianceColumns.contains(where: { row.columns.has($0) })
        guard hasColumns || profile.holds.contains(.attorney) else { return false }
        // The compliance facts live in a store protocol of their own (issue 16).
        guard let store = ar as? any ComplianceWriting else {
            throw RowError(
                file: fileName, line: row.line, column: nil,
                message: "storage error: this store cannot keep compliance facts")
        }
        let recorded = try store.accountCompliance(customerID: customerID)
        guard let updated = try CustomerRow.compliance(from: row, recorded: recorded, holds: profile.holds),
            updated != recorded
        else {
            return false
        }
        try store.setAccountCompliance(customerID: customerID, updated)
        var changes: [String] = []
        if updated.debtKind != recorded.debtKind {
            changes.append("debt_kind \(recorded.debtKind ?? "∅") → \(updated.debtKind ?? "∅")")
        }
        if updated.validationNoticeDate != recorded.validationNoticeDate {
            changes.append(
                "validation_notice_date \(recorded.validationNoticeDate?.iso ?? "∅") → "
                    + "\(updated.validationNoticeDate?.iso ?? "∅")"
            )
        }
        if updated.attorney != recorded.attorney { changes.append("attorney contact changed") }
        try ar.appendAudit(
            AuditEntry(
                actor: options.actor, action: "customer.compliance_updated", subject: profile.accountNumber,
                detail: changes.joined(separator: "; "), source: source(row)))
        return true
    }

    // MARK: - Invoices

    /// An invoice row checked and ready to insert: what ``finishInvoice(_:inserted:)`` needs
    /// once the insert of its chunk has said whether it was new.
    struct PreparedInvoice {
        let row: RowReader
        let customer: CustomerRecord
        let invoice: NewInvoice
        /// Whether the row has a `disputed` value (an invoice already recorded keeps its flag otherwise).
        let disputedGiven: Bool?
    }

    /// Checks an invoice row (its account, dates and amount) without writing anything.
    func prepareInvoice(_ row: RowReader) throws(RowError) -> PreparedInvoice {
        do {
            let customer = try account(row)
            let currency = customer.profile.currency
            let number = try row.key("invoice_number")
            let invoiceDate = try row.date("invoice_date")
            let dueDate = try row.date("due_date")
            if dueDate < invoiceDate {
                throw row.error("due_date", "\(dueDate) is before the invoice date \(invoiceDate)")
            }
            let amount = try row.positiveAmount("amount", currency: currency, limit: options.maxAmount)
            let disputedGiven = try row.bool("disputed")
            let terms = InvoiceTerms(
                invoiceNumber: number, invoiceDate: invoiceDate, dueDate: dueDate, amount: amount,
                disputed: disputedGiven ?? false)
            return PreparedInvoice(
                row: row, customer: customer,
                invoice: NewInvoice(customerID: customer.id, terms: terms, source: source(row)),
                disputedGiven: disputedGiven)
        } catch let error as RowError {
            throw error
        } catch {
            throw RowError(file: fileName, line: row.line, column: nil, message: "storage error: \(error)")
        }
    }

    /// What a prepared invoice row did, once its chunk was inserted: added when the insert
    /// took it; otherwise it is compared with the invoice recorded under its number.
    func finishInvoice(_ prepared: PreparedInvoice, inserted: Bool) throws(RowError) -> RowOutcome {
        if inserted { return .added }
        do {
            return try applyRecordedInvoice(prepared)
        } catch let error as RowError {
            throw error
        } catch {
            throw RowError(file: fileName, line: prepared.row.line, column: nil, message: "storage error: \(error)")
        }
    }

    /// An invoice row whose number the account already has: its amount must be the same; its
    /// dates and dispute flag may change, audited.
    private func applyRecordedInvoice(_ prepared: PreparedInvoice) throws -> RowOutcome {
        let row = prepared.row, customer = prepared.customer
        let number = prepared.invoice.terms.invoiceNumber, amount = prepared.invoice.terms.amount
        guard let existing = try recordedInvoice(customerID: customer.id, number: number) else {
            throw row.error("invoice_number", "invoice \(number) could be neither added nor found")
        }
        if existing.terms.amount != amount {
            throw row.error(
                "amount",
                "invoice \(number) is recorded at \(existing.terms.amount.decimalText), not \(amount.decimalText): "
                            + "an amount never changes on re-import (record a credit or fee transaction instead)")
        }
        var terms = existing.terms
        terms.invoiceDate = prepared.invoice.terms.invoiceDate
        terms.dueDate = prepared.invoice.terms.dueDate
        if let disputedGiven = prepared.disputedGiven { terms.disputed = disputedGiven }
        guard terms != existing.terms else { return .unchanged }
        var changes: [String] = []
        if terms.invoiceDate != existing.terms.invoiceDate {
            changes.append("invoice_date \(existing.terms.invoiceDate) → \(terms.invoiceDate)")
        }
        if terms.dueDate != existing.terms.dueDate {
            changes.append("due_date \(existing.terms.dueDate) → \(terms.dueDate)")
        }
        if terms.disputed != existing.terms.disputed {
            changes.append("disputed \(existing.terms.disputed) → \(terms.disputed)")
        }
        try ar.updateInvoiceTerms(id: existing.id, terms)
        if invoicesOf.contains(customer.id) {
            var changed = existing
            changed.terms = terms
            knownInvoices[InvoiceKey(customerID: customer.id, number: ExactText(number))] = changed
        }
        try ar.appendAudit(AuditEntry(actor: options.actor, action: "invoice.updated",
                                      subject: "\(customer.profile.accountNumber)/\(number)",
                                      detail: changes.joined(separator: "; "), source: source(row)))
        return .changed
    }
}
