import HandoffDomain
import HandoffStore

/// The AR record as it stood on a day. An invoice counts from its invoice date, and its balance
/// on day D is its amount moved by the ledger entries of transactions dated on or before D.
/// `invoices.balance` is its amount moved by every such entry whatever its date (the invoice's
/// own first entry, which has no transaction, is its amount), so the balance on D is
/// `balance` less the entries dated after D: usually none or a few, so these queries cost about
/// what the same queries over `balance` alone cost. Sums stay in SQL: the later entries are
/// summed per invoice in one pass and joined to the invoices issued by D.
extension PostgresSession {
    /// Each invoice issued on or before `?1` (a `YYYY-MM-DD` date) as `id`, `customer_id`,
    /// `invoice_date`, `due_date` and `balance`, its balance as of that day.
    static let invoiceBalancesAsOf = """
        SELECT i.id, i.customer_id, i.invoice_date, i.due_date, i.balance - COALESCE(m.later, 0) AS balance
        FROM invoices i LEFT JOIN (
            SELECT invoice_id, SUM(amount) AS later FROM ledger_entries
            WHERE transaction_id IS NOT NULL AND effective_date > ?1 GROUP BY invoice_id
        ) m ON m.invoice_id = i.id
        WHERE i.invoice_date <= ?1
        """

    func invoices(customerID: Int64, asOf: CalendarDate) throws -> [InvoiceRecord] {
        // The same columns as `invoiceColumns`, with the balance as of the day; the account's
        // ledger rows are found through ledger_by_customer.
        let statement = try db.cachedStatement(sql: """
            SELECT i.id, i.customer_id, i.invoice_number, i.invoice_date, i.due_date, i.amount,
                   i.balance - COALESCE(m.later, 0), i.disputed, i.source_kind, i.source_name, i.source_line,
                   (SELECT currency FROM customers WHERE customers.id = i.customer_id)
            FROM invoices i LEFT JOIN (
                SELECT invoice_id, SUM(amount) AS later FROM ledger_entries
                WHERE customer_id = ?1 AND transaction_id IS NOT NULL AND effective_date > ?2 GROUP BY invoice_id
            ) m ON m.invoice_id = i.id
            WHERE i.customer_id = ?1 AND i.invoice_date <= ?2
            ORDER BY i.due_date, i.invoice_date, i.invoice_number
            """)
        return try Row.fetchAll(statement, arguments: [customerID, asOf.iso]).map(decodeInvoice)
    }

    func forEachAccount(asOf: CalendarDate, _ body: (AccountSummary) throws -> Void) throws {
        let cursor = try Row.fetchCursor(try db.cachedStatement(sql: """
            SELECT \(Self.qualifiedCustomerColumns), COALESCE(a.balance, 0), a.oldest, COALESCE(a.open, 0)
            FROM customers c LEFT JOIN (
                SELECT customer_id, SUM(balance) AS balance, MIN(CASE WHEN balance > 0 THEN due_date END) AS oldest,
                       COUNT(*) FILTER (WHERE balance > 0) AS open
                FROM (\(Self.invoiceBalancesAsOf)) b GROUP BY customer_id
            ) a ON a.customer_id = c.id
            ORDER BY c.account_number
            """), arguments: [asOf.iso])
        while let row = try cursor.next() {
            let customer = try decodeCustomer(row)
            let oldest: String? = row[20]
            try body(AccountSummary(
                customerID: customer.id, profile: customer.profile,
                balance: Money(minorUnits: row[19], currency: customer.profile.currency),
                oldestOpenDueDate: try oldest.map(date), openInvoices: row[21]))
        }
    }

    /// Whether any transaction's ledger entry is dated after `day` (by ledger_by_transaction_date).
    func hasLedgerEntries(after day: CalendarDate) throws -> Bool {
        try Bool.fetchOne(try db.cachedStatement(sql: """
            SELECT EXISTS (SELECT 1 FROM ledger_entries WHERE transaction_id IS NOT NULL AND effective_date > ?)
            """), arguments: [day.iso]) ?? true
    }

    func openBalancesByDueDate(asOf: CalendarDate) throws -> [OpenBalanceByDueDate] {
        // With no entry dated after the day, every invoice issued by then has its balance of
        // that day in `balance`: the same answer, without summing the later entries.
        let balances = try hasLedgerEntries(after: asOf) ? "(\(Self.invoiceBalancesAsOf))" : "invoices"
        return try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT c.currency, b.due_date, SUM(b.balance), COUNT(*)
            FROM \(balances) b JOIN customers c ON c.id = b.customer_id
            WHERE b.balance > 0 AND b.invoice_date <= ?1 GROUP BY c.currency, b.due_date ORDER BY c.currency, b.due_date
            """), arguments: [asOf.iso]).map { row in
            let code: String = row[0]
            guard let currency = Currency(code: code) else {
                throw PostgresError.unexpected("unknown currency \(code)")
            }
            return OpenBalanceByDueDate(
                currency: currency, dueDate: try date(row[1]), balance: row[2], invoices: row[3])
        }
    }
}
