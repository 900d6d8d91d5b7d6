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

    func apply(_ kind: ImportKind, _ row: RowReader) throws(RowError) -> RowOutcome {
        do {
            switch kind {
            case .customers: return try applyCustomer(row)
            case .invoices: return try applyInvoice(row)
            case .transactions: return try applyTransaction(row)
            }
        } catch let error as RowError {
            throw error
        } catch {
            // A storage failure is not the row's fault: it must stop the whole import.
            throw RowError(file: fileName, line: row.line, column: nil, message: "storage error: \(error)")
        }
    }

    func source(_ row: RowReader) -> EntrySource { EntrySource(kind: .file, name: fileName, line: row.line) }

    func account(_ row: RowReader) throws -> CustomerRecord {
        let number = try row.key("account_number")
        if let lastCustomer, lastCustomer.profile.accountNumber == number { return lastCustomer }
        guard let found = try ar.customer(accountNumber: number) else {
            throw row.error("account_number", "no account '\(number)' (import it in the customers file first)")
        }
        lastCustomer = found
        return found
    }

    // MARK: - Customers

    private func applyCustomer(_ row: RowReader) throws -> RowOutcome {
        let number = try row.key("account_number")
        let existing = try ar.customer(accountNumber: number)
        let profile = try CustomerRow.profile(
            from: row, recorded: existing?.profile, defaultCurrency: options.defaultCurrency)
        guard let existing else {
            let id = try ar.insertCustomer(profile, source: source(row))
            _ = try applyCompliance(row, customerID: id, profile: profile, isNew: true)
            return .added
        }
        let complianceChanged = try applyCompliance(row, customerID: existing.id, profile: profile, isNew: false)
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
            holdsAdded.append(AddedHold(accountNumber: number, hold: hold, source: "\(fileName):\(row.line)"))
        }
        lastCustomer = nil
        try ar.appendAudit(AuditEntry(actor: options.actor, action: "customer.updated", subject: profile.accountNumber,
                detail: CustomerRow.changes(from: existing.profile, to: profile), source: source(row)))
        return .changed
    }

    /// Stores what the row says for the compliance gate, and audits a change; whether it changed.
    private func applyCompliance(_ row: RowReader, customerID: Int64, profile: DebtorProfile, isNew: Bool) throws
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
        let recorded = isNew ? AccountCompliance() : try store.accountCompliance(customerID: customerID)
        guard let updated = try CustomerRow.compliance(from: row, recorded: recorded, holds: profile.holds),
            updated != recorded
        else {
            return false
        }
        try store.setAccountCompliance(customerID: customerID, updated)
        if !isNew {
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
        }
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

    private func applyInvoice(_ row: RowReader) throws -> RowOutcome {
        // A new invoice is inserted at once (the common case: one statement, no lookup); one
        // already recorded is compared with the row.
        let prepared = try prepareInvoice(row)
        let id = try ar.insertInvoiceIfNew(
            customerID: prepared.invoice.customerID, terms: prepared.invoice.terms, source: prepared.invoice.source)
        return try finishInvoice(prepared, inserted: id != nil)
    }

    /// An invoice row whose number the account already has: its amount must be the same; its
    /// dates and dispute flag may change, audited.
    private func applyRecordedInvoice(_ prepared: PreparedInvoice) throws -> RowOutcome {
        let row = prepared.row, customer = prepared.customer
        let number = prepared.invoice.terms.invoiceNumber, amount = prepared.invoice.terms.amount
        guard let existing = try ar.invoice(customerID: customer.id, invoiceNumber: number) else {
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
        try ar.appendAudit(AuditEntry(actor: options.actor, action: "invoice.updated",
                                      subject: "\(customer.profile.accountNumber)/\(number)",
                                      detail: changes.joined(separator: "; "), source: source(row)))
        return .changed
    }

    // MARK: - Transactions

    private func applyTransaction(_ row: RowReader) throws -> RowOutcome {
        let reference = try row.key("reference")
        let customer = try account(row)
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
        let reverses = row.optional("reverses")
        if kind == .paymentReversal && reverses == nil {
            throw row.error("reverses", "is required for a payment_reversal: the reference of the payment it reverses")
        }
        if kind != .paymentReversal && reverses != nil {
            throw row.error("reverses", "is only for a payment_reversal")
        }

        if let existing = try ar.transaction(reference: reference) {
            let existingReverses = try existing.reversesID.flatMap { id in try ar.transaction(id: id)?.reference }
            let same =
                existing.customerID == customer.id && existing.kind == kind && existing.amount == amount.minorUnits
                && existing.date == date && existing.invoiceNumber == invoiceNumber && existingReverses == reverses
            if same { return .unchanged }
            throw row.error(
                "reference", "'\(reference)' is already recorded with other content (from \(existing.source.label))")
        }

        var reversed: TransactionRecord?
        let shares: [Allocation.Share]
        switch kind {
        case .paymentReversal:
            guard let payment = try ar.transaction(reference: reverses!), payment.customerID == customer.id else {
                throw row.error("reverses", "no payment '\(reverses!)' on account \(customer.profile.accountNumber)")
            }
            guard payment.kind == .payment else {
                throw row.error("reverses", "'\(reverses!)' is a \(payment.kind.rawValue), not a payment")
            }
            reversed = payment
            var paid = try ar.shares(ofTransaction: payment.id)
            if let invoiceNumber {
                guard let invoice = try ar.invoice(customerID: customer.id, invoiceNumber: invoiceNumber),
                      paid.contains(where: { $0.invoiceID == invoice.id }) else {
                    throw row.error(
                        "invoice_number", "payment '\(payment.reference)' was not applied to invoice '\(invoiceNumber)'"
                    )
                }
                paid = paid.filter { $0.invoiceID == invoice.id }
            }
            switch Allocation.reversing(
                amount.minorUnits, of: paid, alreadyReversed: try ar.reversedShares(ofPayment: payment.id))
            {
            case .success(let s): shares = s
            case .failure(let failure):
                throw row.error(
                    "amount",
                    describe(failure, amount: amount, what: "what is left of payment '\(payment.reference)' to reverse")
                )
            }
        case .payment, .credit, .writeoff:
            if let invoiceNumber {
                let invoice = try namedInvoice(invoiceNumber, customer: customer, row: row)
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
                let items = try ar.invoices(customerID: customer.id).map(\.openItem)
                switch Allocation.lowering(amount.minorUnits, across: items) {
                case .success(let s): shares = s
                case .failure(let failure):
                    throw row.error("amount", describe(failure, amount: amount, what: "the account's open balance"))
                }
            }
        case .interest, .fee:
            if let invoiceNumber {
                let invoice = try namedInvoice(invoiceNumber, customer: customer, row: row)
                shares = [Allocation.Share(invoiceID: invoice.id, amount: amount.minorUnits)]
            } else {
                switch Allocation.raising(
                    amount.minorUnits, across: try ar.invoices(customerID: customer.id).map(\.openItem))
                {
                case .success(let s): shares = s
                case .failure:
                    throw row.error("invoice_number", "the account has no open invoice to charge: name the invoice")
                }
            }
        case .invoice:
            throw row.error("type", "invoices come from the invoices file")
        }

        let src = source(row)
        let id = try ar.insertTransaction(
            reference: reference, customerID: customer.id, invoiceNumber: invoiceNumber, date: date,
            kind: kind, amount: amount.minorUnits, reversesID: reversed?.id, source: src)
        for share in shares {
            try ar.appendLedgerEntry(
                NewLedgerEntry(
                    customerID: customer.id, invoiceID: share.invoiceID, transactionID: id, kind: kind,
                    amount: kind.sign * share.amount, currency: currency, effectiveDate: date, source: src))
        }
        return .added
    }

    private func namedInvoice(_ number: String, customer: CustomerRecord, row: RowReader) throws -> InvoiceRecord {
        guard let invoice = try ar.invoice(customerID: customer.id, invoiceNumber: number) else {
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
