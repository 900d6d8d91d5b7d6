import Foundation
import GRDB
import HandoffDomain
import HandoffStore

/// Reads and writes the AR record inside one GRDB access (a read, or one write transaction).
final class SQLiteSession: PlacementWriting, OutboxWriting, InboxWriting, ReconciliationWriting {
    let db: Database
    /// The time of this access, written to every row it stamps.
    private(set) lazy var now: String = timestampNow()

    /// The invoice insert of an import, prepared once per access (see ``insertInvoiceIfNew``).
    private var invoiceInsertStatement: (statement: DirectStatement, source: EntrySource)?
    /// The customer lookup by account number (see ``customer(accountNumber:)``).
    private var customerByNumber: DirectStatement?
    /// Invoices inserted whose first ledger entries are still to be written.
    private var invoiceLedger = PendingInvoiceLedger()
    /// Where each chain stood as this write transaction started (``chainStart()``): it seals
    /// the rows after it. `nil` outside a write transaction.
    var chainStartPoint: [AuditChainName: Int64]?
    /// Audit rows appended since the audit chain was last sealed (``sealAsWritten(_:)``).
    private var auditRowsToSeal = 0

    /// Hot statements of this access run through SQLite's C API (see ``direct(_:)``).
    private var directStatements: [String: DirectStatement] = [:]

    init(db: Database) { self.db = db }

    /// A statement bound and stepped directly (``DirectStatement``), prepared once per access.
    func direct(_ sql: String) throws -> DirectStatement {
        if let prepared = directStatements[sql] { return prepared }
        let statement = try DirectStatement(db, sql: sql)
        directStatements[sql] = statement
        return statement
    }

    // MARK: - Customers

    static let customerColumns = """
        id, account_number, type, business_name, first_name, last_name, contact_name, address1, address2, city,
        region, postal_code, country, phone, email, tax_id, date_of_birth, currency, holds
        """

    /// The customer columns qualified by the alias `c`, for queries that join other tables.
    static let qualifiedCustomerColumns = customerColumns.split(separator: ",")
        .map { "c." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")

    func decodeCustomer(_ row: Row, offset: Int = 0) throws -> CustomerRecord {
        try decodeCustomer(id: row[offset]) { row[offset + $0] }
    }

    /// A customer from the current row of a statement read directly (``DirectStatement``).
    func decodeCustomer(_ statement: DirectStatement, offset: Int32 = 0) throws -> CustomerRecord {
        try decodeCustomer(id: statement.int64(offset)) { statement.text(offset + Int32($0)) }
    }

    /// A customer from the columns of ``customerColumns``: `text(i)` is column `i`'s value.
    private func decodeCustomer(id: Int64, text: (Int) -> String?) throws -> CustomerRecord {
        let code = text(17) ?? ""
        guard let currency = Currency(code: code) else { throw StoreError.corrupt("unknown currency \(code)") }
        let typeText = text(2) ?? ""
        guard let type = DebtorType(rawValue: typeText) else {
            throw StoreError.corrupt("unknown debtor type \(typeText)")
        }
        let holds: Set<Hold>
        switch Hold.parseList(text(18) ?? "") {
        case .success(let h): holds = h
        case .failure(let e): throw StoreError.corrupt("unknown hold \(e.name)")
        }
        guard let accountNumber = text(1) else { throw StoreError.corrupt("customer \(id) has no account number") }
        let profile = DebtorProfile(
            accountNumber: accountNumber, type: type, businessName: text(3), firstName: text(4),
            lastName: text(5), contactName: text(6), address1: text(7), address2: text(8),
            city: text(9), region: text(10), postalCode: text(11), country: text(12),
            phone: text(13), email: text(14), taxID: text(15),
            dateOfBirth: text(16).flatMap { CalendarDate(iso: $0) }, currency: currency, holds: holds)
        return CustomerRecord(id: id, profile: profile)
    }

    func customer(accountNumber: String) throws -> CustomerRecord? {
        // Read directly: an import looks up every account its rows name.
        if customerByNumber == nil {
            customerByNumber = try DirectStatement(
                db, sql: "SELECT \(Self.customerColumns) FROM customers WHERE account_number = ?")
        }
        let query = customerByNumber!
        query.bind(1, accountNumber)
        defer { query.reset() }
        return try query.step() ? decodeCustomer(query) : nil
    }

    func customer(id: Int64) throws -> CustomerRecord? {
        let statement = try db.cachedStatement(sql: "SELECT \(Self.customerColumns) FROM customers WHERE id = ?")
        return try Row.fetchOne(statement, arguments: [id]).map { try decodeCustomer($0) }
    }

    private func profileArguments(_ p: DebtorProfile) -> [(any DatabaseValueConvertible)?] {
        [p.type.rawValue, p.businessName, p.firstName, p.lastName, p.contactName, p.address1, p.address2, p.city,
         p.region, p.postalCode, p.country, p.phone, p.email, p.taxID, p.dateOfBirth?.iso, p.currency.code,
         Hold.listText(p.holds)]
    }

    func insertCustomer(_ profile: DebtorProfile, source: EntrySource) throws -> Int64 {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO customers (type, business_name, first_name, last_name, contact_name, address1, address2, city,
                region, postal_code, country, phone, email, tax_id, date_of_birth, currency, holds,
                account_number, source, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try statement.execute(
            arguments: StatementArguments(profileArguments(profile) + [profile.accountNumber, source.label, now, now]))
        return db.lastInsertedRowID
    }

    func updateCustomer(id: Int64, _ profile: DebtorProfile) throws {
        let statement = try db.cachedStatement(sql: """
            UPDATE customers SET type = ?, business_name = ?, first_name = ?, last_name = ?, contact_name = ?,
                address1 = ?, address2 = ?, city = ?, region = ?, postal_code = ?, country = ?, phone = ?, email = ?,
                tax_id = ?, date_of_birth = ?, currency = ?, holds = ?, updated_at = ?
            WHERE id = ?
            """)
        try statement.execute(arguments: StatementArguments(profileArguments(profile) + [now, id]))
    }

    // MARK: - Invoices

    static let invoiceColumns = """
        id, customer_id, invoice_number, invoice_date, due_date, amount, balance, disputed, source_kind, source_name,
        source_line, (SELECT currency FROM customers WHERE customers.id = invoices.customer_id)
        """

    func decodeInvoice(_ row: Row) throws -> InvoiceRecord {
        let code: String = row[11]
        guard let currency = Currency(code: code) else { throw StoreError.corrupt("unknown currency \(code)") }
        let terms = InvoiceTerms(
            invoiceNumber: row[2], invoiceDate: try date(row[3]), dueDate: try date(row[4]),
            amount: Money(minorUnits: row[5], currency: currency), disputed: row[7])
        let kind: String = row[8]
        return InvoiceRecord(id: row[0], customerID: row[1], terms: terms, balance: row[6],
            source: EntrySource(kind: EntrySource.Kind(rawValue: kind) ?? .file, name: row[9], line: row[10]))
    }

    func invoice(customerID: Int64, invoiceNumber: String) throws -> InvoiceRecord? {
        let statement = try db.cachedStatement(
            sql: "SELECT \(Self.invoiceColumns) FROM invoices WHERE customer_id = ? AND invoice_number = ?")
        return try Row.fetchOne(statement, arguments: [customerID, invoiceNumber]).map(decodeInvoice)
    }

    func invoices(customerID: Int64) throws -> [InvoiceRecord] {
        // Read directly: a placement run reads every placed account's invoices.
        let query = try direct("""
            SELECT \(Self.invoiceColumns) FROM invoices WHERE customer_id = ? ORDER BY \
            due_date, invoice_date, invoice_number
            """)
        query.bind(1, customerID)
        defer { query.reset() }
        var invoices: [InvoiceRecord] = []
        while try query.step() {
            let code = query.text(11) ?? ""
            guard let currency = Currency(code: code) else { throw StoreError.corrupt("unknown currency \(code)") }
            let terms = InvoiceTerms(
                invoiceNumber: query.text(2) ?? "", invoiceDate: try date(query.text(3) ?? ""),
                dueDate: try date(query.text(4) ?? ""),
                amount: Money(minorUnits: query.int64(5), currency: currency), disputed: query.int64(7) != 0)
            invoices.append(InvoiceRecord(
                id: query.int64(0), customerID: query.int64(1), terms: terms, balance: query.int64(6),
                source: EntrySource(
                        kind: EntrySource.Kind(rawValue: query.text(8) ?? "") ?? .file, name: query.text(9) ?? "",
                        line: query.isNull(10) ? nil : Int(query.int64(10)))))
        }
        return invoices
    }

    func insertInvoice(customerID: Int64, terms: InvoiceTerms, source: EntrySource) throws -> Int64 {
        guard let id = try insertInvoiceIfNew(customerID: customerID, terms: terms, source: source) else {
            throw StoreError.corrupt("invoice \(terms.invoiceNumber) already exists for customer \(customerID)")
        }
        return id
    }

    func insertInvoiceIfNew(customerID: Int64, terms: InvoiceTerms, source: EntrySource) throws -> Int64? {
        // ON CONFLICT names the uniqueness of (customer, number) alone: a CHECK still fails loudly.
        let insert = try invoiceInsert(source)
        insert.bind(1, customerID)
        insert.bind(2, terms.invoiceNumber)
        insert.bind(3, terms.invoiceDate.iso)
        insert.bind(4, terms.dueDate.iso)
        insert.bind(5, terms.amount.minorUnits)
        insert.bind(6, terms.disputed ? 1 : 0)
        insert.bind(7, source.line.map(Int64.init))
        try insert.execute()
        guard db.changesCount == 1 else { return nil }
        let id = db.lastInsertedRowID
        // The invoice's first ledger entry is its original amount (the balance already holds
        // it): written with the others of its chunk, in the order of the invoices.
        try invoiceLedger.add(id, currency: terms.amount.currency, session: self)
        return id
    }

    /// The invoice insert, its source and time bound once for as long as they stay the same.
    private func invoiceInsert(_ source: EntrySource) throws -> DirectStatement {
        if let prepared = invoiceInsertStatement, prepared.source.kind == source.kind,
            prepared.source.name == source.name
        {
            return prepared.statement
        }
        let statement = try invoiceInsertStatement?.statement ?? DirectStatement(db, sql: """
            INSERT INTO invoices (customer_id, invoice_number, invoice_date, due_date, amount, balance, disputed,
                source_line, source_kind, source_name, created_at, updated_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8, ?9, ?10, ?10)
            ON CONFLICT (customer_id, invoice_number) DO NOTHING
            """)
        statement.bind(8, source.kind.rawValue)
        statement.bind(9, source.name)
        statement.bind(10, now)
        invoiceInsertStatement = (statement, source)
        return statement
    }

    /// Writes the first ledger entries of the invoices inserted since the last call, in one
    /// statement. Every method that reads or writes `ledger_entries` calls it first, and so
    /// does the store before it commits: the ledger is never seen without them.
    func flushInvoiceLedger() throws {
        try invoiceLedger.flush(session: self)
    }

    func updateInvoiceTerms(id: Int64, _ terms: InvoiceTerms) throws {
        let statement = try db.cachedStatement(sql: """
            UPDATE invoices SET invoice_date = ?, due_date = ?, disputed = ?, updated_at = ? WHERE id = ?
            """)
        try statement.execute(arguments: [terms.invoiceDate.iso, terms.dueDate.iso, terms.disputed, now, id])
    }

    // MARK: - Transactions and the ledger

    private static let transactionColumns = """
        id, reference, customer_id, invoice_number, date, kind, amount, reverses_id, source_kind, \
        source_name, source_line, source_event_id
        """

    private func decodeTransaction(_ row: Row) throws -> TransactionRecord {
        let kindText: String = row[5]
        guard let kind = EntryKind(rawValue: kindText) else {
            throw StoreError.corrupt("unknown transaction kind \(kindText)")
        }
        let sourceKind: String = row[8]
        return TransactionRecord(
            id: row[0], reference: row[1], customerID: row[2], invoiceNumber: row[3], date: try date(row[4]),
            kind: kind,
            amount: row[6], reversesID: row[7],
            source: EntrySource(
                kind: EntrySource.Kind(rawValue: sourceKind) ?? .file, name: row[9], line: row[10], eventID: row[11]))
    }

    func transaction(reference: String) throws -> TransactionRecord? {
        let statement = try db.cachedStatement(
            sql: "SELECT \(Self.transactionColumns) FROM transactions WHERE reference = ?")
        return try Row.fetchOne(statement, arguments: [reference]).map(decodeTransaction)
    }

    func transaction(id: Int64) throws -> TransactionRecord? {
        let statement = try db.cachedStatement(sql: "SELECT \(Self.transactionColumns) FROM transactions WHERE id = ?")
        return try Row.fetchOne(statement, arguments: [id]).map(decodeTransaction)
    }

    func transactions(customerID: Int64) throws -> [TransactionRecord] {
        let statement = try db.cachedStatement(
            sql: "SELECT \(Self.transactionColumns) FROM transactions WHERE customer_id = ? ORDER BY id")
        return try Row.fetchAll(statement, arguments: [customerID]).map(decodeTransaction)
    }

    func insertTransaction(
        reference: String, customerID: Int64, invoiceNumber: String?, date: CalendarDate, kind: EntryKind,
        amount: Int64, reversesID: Int64?, source: EntrySource) throws -> Int64 {
        // Bound directly: reconciliation inserts one per payment and reversal.
        let insert = try direct("""
            INSERT INTO transactions (reference, customer_id, invoice_number, date, kind, amount, reverses_id,
                source_kind, source_name, source_line, source_event_id, recorded_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
            """)
        insert.bind(1, reference)
        insert.bind(2, customerID)
        insert.bind(3, invoiceNumber)
        insert.bind(4, date.iso)
        insert.bind(5, kind.rawValue)
        insert.bind(6, amount)
        insert.bind(7, reversesID)
        insert.bind(8, source.kind.rawValue)
        insert.bind(9, source.name)
        insert.bind(10, source.line.map(Int64.init))
        insert.bind(11, source.eventID)
        insert.bind(12, now)
        try insert.execute()
        return db.lastInsertedRowID
    }

    func shares(ofTransaction id: Int64) throws -> [Allocation.Share] {
        try flushInvoiceLedger()
        let statement = try db.cachedStatement(
            sql: "SELECT invoice_id, amount FROM ledger_entries WHERE transaction_id = ? ORDER BY id")
        return try Row.fetchAll(statement, arguments: [id]).map { row in
            let amount: Int64 = row[1]
            return Allocation.Share(invoiceID: row[0], amount: abs(amount))
        }
    }

    func reversedShares(ofPayment id: Int64) throws -> [Int64: Int64] {
        try flushInvoiceLedger()
        let statement = try db.cachedStatement(sql: """
            SELECT l.invoice_id, SUM(l.amount) FROM ledger_entries l JOIN transactions t ON t.id = l.transaction_id
            WHERE t.reverses_id = ? GROUP BY l.invoice_id
            """)
        var result: [Int64: Int64] = [:]
        for row in try Row.fetchAll(statement, arguments: [id]) { result[row[0]] = row[1] }
        return result
    }

    func appendLedgerEntry(_ entry: NewLedgerEntry) throws {
        try insertLedgerRow(entry)
        let update = try db.cachedStatement(
            sql: "UPDATE invoices SET balance = balance + ?, updated_at = ? WHERE id = ?")
        try update.execute(arguments: [entry.amount, now, entry.invoiceID])
        guard db.changesCount == 1 else {
            throw StoreError.corrupt("ledger entry for unknown invoice \(entry.invoiceID)")
        }
    }

    private func insertLedgerRow(_ entry: NewLedgerEntry) throws {
        try flushInvoiceLedger()
        let statement = try db.cachedStatement(sql: """
            INSERT INTO ledger_entries (customer_id, invoice_id, transaction_id, kind, amount, currency, effective_date,
                source_kind, source_name, source_line, source_event_id, recorded_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try statement.execute(arguments: [
            entry.customerID, entry.invoiceID, entry.transactionID, entry.kind.rawValue, entry.amount,
            entry.currency.code, entry.effectiveDate.iso, entry.source.kind.rawValue,
            entry.source.name, entry.source.line, entry.source.eventID, now])
    }

    func ledger(customerID: Int64) throws -> [LedgerEntry] {
        try flushInvoiceLedger()
        let statement = try db.cachedStatement(sql: """
            SELECT l.id, l.customer_id, l.invoice_id, i.invoice_number, l.transaction_id, t.reference, l.kind, l.amount,
                   l.currency, l.effective_date, l.source_kind, l.source_name, l.source_line, \
            l.source_event_id, l.recorded_at
            FROM ledger_entries l JOIN invoices i ON i.id = l.invoice_id \
            LEFT JOIN transactions t ON t.id = l.transaction_id
            WHERE l.customer_id = ? ORDER BY l.id
            """)
        return try Row.fetchAll(statement, arguments: [customerID]).map { row in
            let kindText: String = row[6]
            let code: String = row[8]
            guard let kind = EntryKind(rawValue: kindText), let currency = Currency(code: code) else {
                throw StoreError.corrupt("ledger entry \(row[0] as Int64) is unreadable")
            }
            let sourceKind: String = row[10]
            return LedgerEntry(
                id: row[0], customerID: row[1], invoiceID: row[2], invoiceNumber: row[3], transactionID: row[4],
                reference: row[5],
                kind: kind, amount: Money(minorUnits: row[7], currency: currency), effectiveDate: try date(row[9]),
                source: EntrySource(
                    kind: EntrySource.Kind(rawValue: sourceKind) ?? .file, name: row[11], line: row[12],
                    eventID: row[13]),
                recordedAt: row[14])
        }
    }

    // MARK: - Views

    func accounts(matching search: String?, offset: Int, limit: Int) throws -> (total: Int, page: [AccountSummary]) {
        var filter = ""
        var arguments: [any DatabaseValueConvertible] = []
        if let search, !search.isEmpty {
            // Every character literal: LIKE's wildcards in the search are escaped.
            let escaped = search.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_")
            filter = """
                WHERE c.account_number LIKE ?1 ESCAPE '\\' OR c.business_name LIKE ?1 ESCAPE '\\' \
                OR c.contact_name LIKE ?1 ESCAPE '\\'
                   OR (COALESCE(c.first_name, '') || ' ' || COALESCE(c.last_name, '')) LIKE ?1 ESCAPE '\\'
                """
            arguments.append("%\(escaped)%")
        }
        let total =
            try Int.fetchOne(
                try db.cachedStatement(sql: "SELECT COUNT(*) FROM customers c \(filter)"),
                arguments: StatementArguments(arguments)) ?? 0
        let rows = try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT \(Self.qualifiedCustomerColumns),
                   COALESCE((SELECT SUM(balance) FROM invoices i WHERE i.customer_id = c.id), 0),
                   (SELECT MIN(due_date) FROM invoices i WHERE i.customer_id = c.id AND i.balance > 0),
                   (SELECT COUNT(*) FROM invoices i WHERE i.customer_id = c.id AND i.balance > 0)
            FROM customers c \(filter) ORDER BY c.account_number \
            LIMIT ?\(arguments.count + 1) OFFSET ?\(arguments.count + 2)
            """), arguments: StatementArguments(arguments + [max(limit, 0), max(offset, 0)]))
        let page = try rows.map { row in
            let customer = try decodeCustomer(row)
            let oldest: String? = row[20]
            return AccountSummary(customerID: customer.id, profile: customer.profile,
                                  balance: Money(minorUnits: row[19], currency: customer.profile.currency),
                                  oldestOpenDueDate: try oldest.map(date), openInvoices: row[21])
        }
        return (total, page)
    }

    func openBalancesByDueDate() throws -> [OpenBalanceByDueDate] {
        try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT c.currency, i.due_date, SUM(i.balance), COUNT(*) \
            FROM invoices i JOIN customers c ON c.id = i.customer_id
            WHERE i.balance > 0 GROUP BY c.currency, i.due_date ORDER BY c.currency, i.due_date
            """)).map { row in
            let code: String = row[0]
            guard let currency = Currency(code: code) else { throw StoreError.corrupt("unknown currency \(code)") }
            return OpenBalanceByDueDate(
                currency: currency, dueDate: try date(row[1]), balance: row[2], invoices: row[3])
        }
    }

    func counts() throws -> RecordCounts {
        try flushInvoiceLedger()
        let row = try Row.fetchOne(try db.cachedStatement(sql: """
            SELECT (SELECT COUNT(*) FROM customers), (SELECT COUNT(*) FROM invoices),
                   (SELECT COUNT(*) FROM transactions), (SELECT COUNT(*) FROM ledger_entries)
            """))!
        return RecordCounts(customers: row[0], invoices: row[1], transactions: row[2], ledgerEntries: row[3])
    }

    // MARK: - Audit and imports

    func appendAudit(_ entry: AuditEntry) throws {
        let insert = try direct(
            "INSERT INTO audit_log (at, actor, action, subject, detail, source) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        insert.bind(1, now)
        insert.bind(2, entry.actor)
        insert.bind(3, entry.action)
        insert.bind(4, entry.subject)
        insert.bind(5, entry.detail)
        insert.bind(6, entry.source?.label)
        try insert.execute()
        auditRowsToSeal += 1
        if auditRowsToSeal >= PendingInvoiceLedger.chunk {
            try sealAsWritten(.audit)
            auditRowsToSeal = 0
        }
    }

    func recordImport(_ run: ImportRun) throws {
        try db.cachedStatement(sql: """
            INSERT INTO import_runs (kind, file_name, sha256, size, rows, added, changed, \
            unchanged, rejected, imported_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [run.kind, run.fileName, run.sha256, run.size, run.rows, run.added, run.changed,
                             run.unchanged, run.rejected, now])
    }

    func date(_ text: String) throws -> CalendarDate {
        guard let d = CalendarDate(iso: text) else { throw StoreError.corrupt("unreadable date \(text)") }
        return d
    }
}

/// The database holds something Handoff never writes: a sign of damage or of a foreign edit.
public enum StoreError: Error, CustomStringConvertible {
    case corrupt(String)
    public var description: String {
        switch self {
        case .corrupt(let what): return "the AR record is damaged: \(what)"
        }
    }
}
