import Foundation
import HandoffDomain
import HandoffStore

/// Reads and writes the AR record inside one PostgreSQL transaction: the twin of `SQLiteSession`,
/// method for method, so that both engines answer the store protocols alike.
final class PostgresSession: PlacementWriting, OutboxWriting, InboxWriting, ReconciliationWriting {
    let db: PGDatabase
    /// The time of this access, written to every row it stamps.
    private(set) lazy var now: String = timestampNow()

    /// Ledger entries appended and still to be written, in order (see ``flushLedger()``): the
    /// balances they move are moved at once, their rows are written in sets.
    private var heldBackLedger: [NewLedgerEntry] = []
    /// The ledger chain's head while this transaction holds the chain's lock (taken by the
    /// first entries it writes sealed); nil before.
    var ledgerChainHead: ChainHead?
    /// The page of candidates a placement run is deciding, with what was read about them (see
    /// ``forEachPlacementCandidate(asOf:_:)``); nil outside a placement run.
    var candidatePage: CandidatePage?

    init(db: PGDatabase) {
        self.db = db
        db.beforeLedgerStatement = { [unowned self] in try self.flushLedger() }
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

    /// A customer from the columns of ``customerColumns``: `text(i)` is column `i`'s value.
    private func decodeCustomer(id: Int64, text: (Int) -> String?) throws -> CustomerRecord {
        let code = text(17) ?? ""
        guard let currency = Currency(code: code) else { throw PostgresError.unexpected("unknown currency \(code)") }
        let typeText = text(2) ?? ""
        guard let type = DebtorType(rawValue: typeText) else {
            throw PostgresError.unexpected("unknown debtor type \(typeText)")
        }
        let holds: Set<Hold>
        switch Hold.parseList(text(18) ?? "") {
        case .success(let h): holds = h
        case .failure(let e): throw PostgresError.unexpected("unknown hold \(e.name)")
        }
        guard let accountNumber = text(1) else {
            throw PostgresError.unexpected("customer \(id) has no account number")
        }
        let profile = DebtorProfile(
            accountNumber: accountNumber, type: type, businessName: text(3), firstName: text(4),
            lastName: text(5), contactName: text(6), address1: text(7), address2: text(8),
            city: text(9), region: text(10), postalCode: text(11), country: text(12),
            phone: text(13), email: text(14), taxID: text(15),
            dateOfBirth: text(16).flatMap { CalendarDate(iso: $0) }, currency: currency, holds: holds)
        return CustomerRecord(id: id, profile: profile)
    }

    func customer(accountNumber: String) throws -> CustomerRecord? {
        let statement = try db.cachedStatement(
            sql: "SELECT \(Self.customerColumns) FROM customers WHERE account_number = ?")
        return try Row.fetchOne(statement, arguments: [accountNumber]).map { try decodeCustomer($0) }
    }

    func customer(id: Int64) throws -> CustomerRecord? {
        let statement = try db.cachedStatement(sql: "SELECT \(Self.customerColumns) FROM customers WHERE id = ?")
        return try Row.fetchOne(statement, arguments: [id]).map { try decodeCustomer($0) }
    }

    private func profileArguments(_ p: DebtorProfile) -> [(any PGBindable)?] {
        [p.type.rawValue, p.businessName, p.firstName, p.lastName, p.contactName, p.address1, p.address2, p.city,
         p.region, p.postalCode, p.country, p.phone, p.email, p.taxID, p.dateOfBirth?.iso, p.currency.code,
         Hold.listText(p.holds)]
    }

    func insertCustomer(_ profile: DebtorProfile, source: EntrySource) throws -> Int64 {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO customers (type, business_name, first_name, last_name, contact_name, address1, address2, city,
                region, postal_code, country, phone, email, tax_id, date_of_birth, currency, holds,
                account_number, source, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
            """)
        let inserted = try statement.query(
            StatementArguments(profileArguments(profile) + [profile.accountNumber, source.label, now, now]))
        return try inserted.requiredInt64(0, 0)
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
        guard let currency = Currency(code: code) else { throw PostgresError.unexpected("unknown currency \(code)") }
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
        if let page = candidatePage, page.customers.contains(customerID) { return page.invoices[customerID] ?? [] }
        let statement = try db.cachedStatement(sql: """
            SELECT \(Self.invoiceColumns) FROM invoices WHERE customer_id = ? \
            ORDER BY due_date, invoice_date, invoice_number
            """)
        return try Row.fetchAll(statement, arguments: [customerID]).map(decodeInvoice)
    }

    func invoices(customerIDs: [Int64]) throws -> [Int64: [InvoiceRecord]] {
        guard !customerIDs.isEmpty else { return [:] }
        let statement = try db.cachedStatement(sql: """
            SELECT \(Self.invoiceColumns) FROM invoices WHERE customer_id = ANY(?::bigint[]) \
            ORDER BY customer_id, due_date, invoice_date, invoice_number
            """)
        var out: [Int64: [InvoiceRecord]] = [:]
        for id in customerIDs { out[id] = [] }
        for invoice in try Row.fetchAll(statement, arguments: [pgArray(customerIDs)]).map(decodeInvoice) {
            out[invoice.customerID, default: []].append(invoice)
        }
        return out
    }

    func insertInvoice(customerID: Int64, terms: InvoiceTerms, source: EntrySource) throws -> Int64 {
        guard let id = try insertInvoiceIfNew(customerID: customerID, terms: terms, source: source) else {
            throw PostgresError.unexpected("invoice \(terms.invoiceNumber) already exists for customer \(customerID)")
        }
        return id
    }

    func insertInvoiceIfNew(customerID: Int64, terms: InvoiceTerms, source: EntrySource) throws -> Int64? {
        // ON CONFLICT names the uniqueness of (customer, number) alone: a CHECK still fails loudly.
        let insert = try db.cachedStatement(sql: """
            INSERT INTO invoices (customer_id, invoice_number, invoice_date, due_date, amount, balance, disputed,
                source_line, source_kind, source_name, created_at, updated_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8, ?9, ?10, ?10)
            ON CONFLICT (customer_id, invoice_number) DO NOTHING RETURNING id
            """)
        let result = try insert.query([
            customerID, terms.invoiceNumber, terms.invoiceDate.iso, terms.dueDate.iso, terms.amount.minorUnits,
            terms.disputed, source.line, source.kind.rawValue, source.name, now])
        guard result.count == 1 else { return nil }
        let id = try result.requiredInt64(0, 0)
        // The invoice's first ledger entry is its original amount (the balance already holds
        // it): written with the others of its chunk, in the order of the invoices.
        try holdBack(Self.firstEntry(invoiceID: id, customerID: customerID, terms: terms, source: source))
        return id
    }

    /// The invoices of an import's chunk in one statement: their values bound as arrays, inserted
    /// in the order given, each unless its account has one of its number (or it came earlier in
    /// the list). Each inserted id is matched back to its invoice by account and number.
    /// An invoice's first ledger entry: its original amount, on its date.
    static func firstEntry(invoiceID: Int64, customerID: Int64, terms: InvoiceTerms, source: EntrySource)
        -> NewLedgerEntry
    {
        NewLedgerEntry(
            customerID: customerID, invoiceID: invoiceID, transactionID: nil, kind: .invoice,
            amount: terms.amount.minorUnits,
            currency: terms.amount.currency, effectiveDate: terms.invoiceDate, source: source)
    }

    /// Ledger rows held back before ``flushLedger()`` writes them as one set.
    static let ledgerRowsPerWrite = 2_048

    /// Holds a ledger entry back to be written with others; the caller moves its balance.
    func holdBack(_ entry: NewLedgerEntry) throws {
        heldBackLedger.append(entry)
        if heldBackLedger.count >= Self.ledgerRowsPerWrite { try flushLedger() }
    }

    /// Forgets the entries held back and the chain's head: the savepoint they were appended in
    /// was rolled back, and with it every row written since (``undoable(_:)``).
    func forgetHeldBackLedger() {
        heldBackLedger.removeAll(keepingCapacity: true)
        ledgerChainHead = nil
    }

    /// Writes the ledger entries held back since the last call (an import's invoices' first
    /// entries, its transactions' shares, a reconciliation's payments), in one statement, in
    /// order, each already sealed: its id taken from the ledger's sequence, its place and hash
    /// computed here under the chain's lock (held from then until the transaction ends), so
    /// that no row is written twice. Sealing them after the fact by an `UPDATE` wrote every
    /// row a second time, with a new version in each of the table's indexes. It runs before
    /// any statement that names the ledger (``PGDatabase/beforeLedgerStatement``) and before
    /// the store commits: the ledger is never seen without them.
    func flushLedger() throws {
        guard !heldBackLedger.isEmpty else { return }
        let entries = heldBackLedger
        heldBackLedger.removeAll(keepingCapacity: true)
        var head = try lockLedgerChain()
        let ids = try reserveIDs(in: "ledger_entries", count: entries.count)
        var seqs: [Int64] = [], hashes: [String] = []
        seqs.reserveCapacity(entries.count)
        hashes.reserveCapacity(entries.count)
        for (entry, id) in zip(entries, ids) {
            head.rows += 1
            head.hash = AuditChain.link(previous: head.hash, .ledger, entry.chainValues(id: id, recordedAt: now))
            seqs.append(head.rows)
            hashes.append(head.hash)
        }
        ledgerChainHead = head
        try db.cachedStatement(sql: """
            INSERT INTO ledger_entries (id, customer_id, invoice_id, transaction_id, kind, amount, currency, \
            effective_date,
                source_kind, source_name, source_line, source_event_id, recorded_at, chain_seq, chain_hash)
            SELECT e.id, e.customer_id, e.invoice_id, e.transaction_id, e.kind, e.amount, e.currency, e.effective_date,
                e.source_kind, e.source_name, e.source_line, e.source_event_id, ?15, e.seq, e.hash
            FROM unnest(?1::bigint[], ?2::bigint[], ?3::bigint[], ?4::bigint[], ?5::text[], ?6::bigint[], ?7::text[], \
            ?8::date[],
                ?9::text[], ?10::text[], ?11::bigint[], ?12::text[], ?13::bigint[], ?14::text[])
                WITH ORDINALITY AS e(id, customer_id, invoice_id, transaction_id, kind, amount, currency, \
            effective_date,
                    source_kind, source_name, source_line, source_event_id, seq, hash, n)
            ORDER BY e.n
            """).execute(arguments: [
                pgArray(ids), pgArray(entries.map(\.customerID)), pgArray(entries.map(\.invoiceID)),
            pgArray(entries.map(\.transactionID)), pgArray(entries.map(\.kind.rawValue)),
            pgArray(entries.map(\.amount)),
            pgArray(entries.map(\.currency.code)), pgArray(entries.map(\.effectiveDate.iso)),
            pgArray(entries.map(\.source.kind.rawValue)),
            pgArray(entries.map(\.source.name)), pgArray(entries.map { $0.source.line.map(Int64.init) }),
            pgArray(entries.map(\.source.eventID)), pgArray(seqs), pgArray(hashes), now,
            ])
        guard db.changesCount == entries.count else {
            throw PostgresError.unexpected("\(db.changesCount) ledger entries written for \(entries.count) held back")
        }
    }

    func updateInvoiceTerms(id: Int64, _ terms: InvoiceTerms) throws {
        let statement = try db.cachedStatement(sql: """
            UPDATE invoices SET invoice_date = ?, due_date = ?, disputed = ?, updated_at = ? WHERE id = ?
            """)
        try statement.execute(arguments: [terms.invoiceDate.iso, terms.dueDate.iso, terms.disputed, now, id])
    }

    // MARK: - Transactions and the ledger

    private static let transactionColumns = """
        id, reference, customer_id, invoice_number, date, kind, amount, reverses_id, source_kind, source_name, \
        source_line, source_event_id
        """

    private func decodeTransaction(_ row: Row) throws -> TransactionRecord {
        let kindText: String = row[5]
        guard let kind = EntryKind(rawValue: kindText) else {
            throw PostgresError.unexpected("unknown transaction kind \(kindText)")
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
        let statement = try db.cachedStatement(sql: """
            INSERT INTO transactions (reference, customer_id, invoice_number, date, kind, amount, reverses_id,
                source_kind, source_name, source_line, source_event_id, recorded_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
            """)
        return try statement.query([reference, customerID, invoiceNumber, date.iso, kind.rawValue, amount, reversesID,
            source.kind.rawValue, source.name, source.line, source.eventID, now,
        ]).requiredInt64(0, 0)
    }

    func transactions(references: [String]) throws -> [TransactionRecord] {
        guard !references.isEmpty else { return [] }
        let statement = try db.cachedStatement(
            sql: "SELECT \(Self.transactionColumns) FROM transactions WHERE reference = ANY(?::text[])")
        return try Row.fetchAll(statement, arguments: [try list(references)]).map(decodeTransaction)
    }

    func shares(ofTransaction id: Int64) throws -> [Allocation.Share] {
        let statement = try db.cachedStatement(
            sql: "SELECT invoice_id, amount FROM ledger_entries WHERE transaction_id = ? ORDER BY id")
        return try Row.fetchAll(statement, arguments: [id]).map { row in
            let amount: Int64 = row[1]
            return Allocation.Share(invoiceID: row[0], amount: abs(amount))
        }
    }

    func reversedShares(ofPayment id: Int64) throws -> [Int64: Int64] {
        // `IS NOT NULL` names the partial index of reversals: planned once for every payment, in
        // an import whose own transactions no statistics know yet, the statement read every
        // transaction in id order instead, and each reversal cost more than the one before.
        let statement = try db.cachedStatement(sql: """
            SELECT l.invoice_id, SUM(l.amount) FROM ledger_entries l JOIN transactions t ON t.id = l.transaction_id
            WHERE t.reverses_id = ? AND t.reverses_id IS NOT NULL GROUP BY l.invoice_id
            """)
        var result: [Int64: Int64] = [:]
        for row in try Row.fetchAll(statement, arguments: [id]) { result[row[0]] = row[1] }
        return result
    }

    func appendLedgerEntry(_ entry: NewLedgerEntry) throws {
        try holdBack(entry)
        let update = try db.cachedStatement(
            sql: "UPDATE invoices SET balance = balance + ?, updated_at = ? WHERE id = ?")
        try update.execute(arguments: [entry.amount, now, entry.invoiceID])
        guard db.changesCount == 1 else {
            throw PostgresError.unexpected("ledger entry for unknown invoice \(entry.invoiceID)")
        }
    }

    func ledger(customerID: Int64) throws -> [LedgerEntry] {
        let statement = try db.cachedStatement(sql: """
            SELECT l.id, l.customer_id, l.invoice_id, i.invoice_number, l.transaction_id, t.reference, l.kind, l.amount,
                   l.currency, l.effective_date, l.source_kind, l.source_name, l.source_line, l.source_event_id, \
            handoff_time(l.recorded_at)
            FROM ledger_entries l JOIN invoices i ON i.id = l.invoice_id LEFT JOIN transactions t \
            ON t.id = l.transaction_id
            WHERE l.customer_id = ? ORDER BY l.id
            """)
        return try Row.fetchAll(statement, arguments: [customerID]).map { row in
            let kindText: String = row[6]
            let code: String = row[8]
            guard let kind = EntryKind(rawValue: kindText), let currency = Currency(code: code) else {
                throw PostgresError.unexpected("ledger entry \(row[0] as Int64) is unreadable")
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
                WHERE c.account_number ILIKE ?1 ESCAPE '\\' OR c.business_name ILIKE ?1 ESCAPE '\\' \
                OR c.contact_name ILIKE ?1 ESCAPE '\\'
                   OR (COALESCE(c.first_name, '') || ' ' || COALESCE(c.last_name, '')) ILIKE ?1 ESCAPE '\\'
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
            FROM customers c \(filter) ORDER BY c.account_number LIMIT ?\(arguments.count + 1) \
            OFFSET ?\(arguments.count + 2)
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
            SELECT c.currency, i.due_date, SUM(i.balance), COUNT(*) FROM invoices i JOIN customers c \
            ON c.id = i.customer_id
            WHERE i.balance > 0 GROUP BY c.currency, i.due_date ORDER BY c.currency, i.due_date
            """)).map { row in
            let code: String = row[0]
            guard let currency = Currency(code: code) else {
                throw PostgresError.unexpected("unknown currency \(code)")
            }
            return OpenBalanceByDueDate(
                currency: currency, dueDate: try date(row[1]), balance: row[2], invoices: row[3])
        }
    }

    func counts() throws -> RecordCounts {
        let row = try Row.fetchOne(try db.cachedStatement(sql: """
            SELECT (SELECT COUNT(*) FROM customers), (SELECT COUNT(*) FROM invoices),
                   (SELECT COUNT(*) FROM transactions), (SELECT COUNT(*) FROM ledger_entries)
            """))!
        return RecordCounts(customers: row[0], invoices: row[1], transactions: row[2], ledgerEntries: row[3])
    }

    // MARK: - Audit and imports

    func appendAudit(_ entry: AuditEntry) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO audit_log (at, actor, action, subject, detail, source) VALUES (?, ?, ?, ?, ?, ?)
            """)
        try statement.execute(arguments: [
            now, entry.actor, entry.action, entry.subject, entry.detail, entry.source?.label,
        ])
    }

    func recordImport(_ run: ImportRun) throws {
        try db.cachedStatement(sql: """
            INSERT INTO import_runs (kind, file_name, sha256, size, rows, added, changed, unchanged, rejected, \
            imported_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [run.kind, run.fileName, run.sha256, run.size, run.rows, run.added, run.changed,
                             run.unchanged, run.rejected, now])
    }

    func date(_ text: String) throws -> CalendarDate {
        guard let d = CalendarDate(iso: text) else { throw PostgresError.unexpected("unreadable date \(text)") }
        return d
    }
}


/// An invoice's first ledger entry (its original amount), waiting to be written with the
/// others of its chunk.
extension NewLedgerEntry {
    /// The entry as the ledger chain hashes it, in ``AuditChainName/columns`` order: what the
    /// row will hold once written with this id at this moment.
    func chainValues(id: Int64, recordedAt: String) -> [ChainValue] {
        AuditChainName.ledger.columns.map { column in
            switch column {
            case "id": .integer(id)
            case "customer_id": .integer(customerID)
            case "invoice_id": .integer(invoiceID)
            case "transaction_id": transactionID.map { .integer($0) } ?? .null
            case "kind": .text(kind.rawValue)
            case "amount": .integer(amount)
            case "currency": .text(currency.code)
            case "effective_date": .text(effectiveDate.iso)
            case "source_kind": .text(source.kind.rawValue)
            case "source_name": .text(source.name)
            case "source_line": source.line.map { .integer(Int64($0)) } ?? .null
            case "source_event_id": source.eventID.map { .text($0) } ?? .null
            case "recorded_at": .text(recordedAt)
            default: .null
            }
        }
    }
}
