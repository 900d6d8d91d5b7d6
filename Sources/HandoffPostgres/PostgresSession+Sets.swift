import HandoffDomain
import HandoffStore

// MARK: - An import's rows written as sets: one statement for a chunk where each row was a round trip

extension PostgresSession {
    /// Takes `count` ids from a table's identity sequence, for rows written later as one set
    /// (a row of the set may then name another by its id).
    func reserveIDs(in table: String, count: Int) throws -> [Int64] {
        let ids = try Int64.fetchAll(try db.cachedStatement(sql: """
            SELECT nextval(pg_get_serial_sequence('\(table)', 'id')) FROM generate_series(1, ?::integer)
            """), arguments: [Int64(count)])
        guard ids.count == count else { throw PostgresError.unexpected("\(ids.count) ids for \(count) \(table)") }
        return ids
    }

    func insertCustomers(_ customers: [NewCustomer]) throws -> [Int64] {
        guard !customers.isEmpty else { return [] }
        // Two statements for the set: ids from the customers' sequence, then the rows.
        let ids = try reserveIDs(in: "customers", count: customers.count)
        let p = customers.map(\.profile)
        try db.cachedStatement(sql: """
            INSERT INTO customers (id, type, business_name, first_name, last_name, contact_name, address1, address2, \
            city, region, postal_code, country, phone, email, tax_id, date_of_birth, currency, holds,
                account_number, source, created_at, updated_at)
            SELECT r.id, r.type, r.business_name, r.first_name, r.last_name, r.contact_name, r.address1, r.address2, \
            r.city, r.region, r.postal_code, r.country, r.phone, r.email, r.tax_id, r.date_of_birth, r.currency, \
            r.holds, r.account_number, r.source, ?21, ?21
            FROM unnest(?1::bigint[], ?2::text[], ?3::text[], ?4::text[], ?5::text[], ?6::text[], ?7::text[], \
            ?8::text[], ?9::text[], ?10::text[], ?11::text[], ?12::text[], ?13::text[], ?14::text[], ?15::text[], \
            ?16::date[], ?17::text[], ?18::text[], ?19::text[], ?20::text[])
                WITH ORDINALITY AS r(id, type, business_name, first_name, last_name, contact_name, address1, \
            address2, city, region, postal_code, country, phone, email, tax_id, date_of_birth, currency, holds, \
            account_number, source, n)
            ORDER BY r.n
            """).execute(arguments: [
            pgArray(ids), pgArray(p.map(\.type.rawValue)), pgArray(p.map(\.businessName)), pgArray(p.map(\.firstName)),
            pgArray(p.map(\.lastName)), pgArray(p.map(\.contactName)), pgArray(p.map(\.address1)),
            pgArray(p.map(\.address2)), pgArray(p.map(\.city)), pgArray(p.map(\.region)), pgArray(p.map(\.postalCode)),
            pgArray(p.map(\.country)), pgArray(p.map(\.phone)), pgArray(p.map(\.email)), pgArray(p.map(\.taxID)),
            pgArray(p.map { $0.dateOfBirth?.iso }), pgArray(p.map(\.currency.code)),
            pgArray(p.map { Hold.listText($0.holds) }), pgArray(p.map(\.accountNumber)),
            pgArray(customers.map(\.source.label)), now,
        ])
        guard db.changesCount == customers.count else {
            throw PostgresError.unexpected("\(db.changesCount) customers inserted of \(customers.count)")
        }
        return ids
    }

    func insertInvoicesIfNew(_ invoices: [NewInvoice]) throws -> [Int64?] {
        guard invoices.count > 1 else {
            return try invoices.map {
                try insertInvoiceIfNew(customerID: $0.customerID, terms: $0.terms, source: $0.source)
            }
        }
        let insert = try db.cachedStatement(sql: """
            INSERT INTO invoices (customer_id, invoice_number, invoice_date, due_date, amount, balance, disputed,
                source_line, source_kind, source_name, created_at, updated_at)
            SELECT r.customer_id, r.number, r.invoice_date, r.due_date, r.amount, r.amount, r.disputed, r.line, \
            r.kind, r.name, ?10, ?10
            FROM unnest(?1::bigint[], ?2::text[], ?3::date[], ?4::date[], ?5::bigint[], ?6::boolean[], ?7::bigint[], \
            ?8::text[], ?9::text[])
                WITH ORDINALITY AS r(customer_id, number, invoice_date, due_date, amount, disputed, line, kind, name, n)
            ORDER BY r.n
            ON CONFLICT (customer_id, invoice_number) DO NOTHING RETURNING id, customer_id, invoice_number
            """)
        let result = try insert.query([
            pgArray(invoices.map(\.customerID)), pgArray(invoices.map(\.terms.invoiceNumber)),
            pgArray(invoices.map(\.terms.invoiceDate.iso)),
            pgArray(invoices.map(\.terms.dueDate.iso)), pgArray(invoices.map(\.terms.amount.minorUnits)),
            "{" + invoices.map { $0.terms.disputed ? "t" : "f" }.joined(separator: ",") + "}",
            "{" + invoices.map { $0.source.line.map(String.init) ?? "NULL" }.joined(separator: ",") + "}",
            pgArray(invoices.map(\.source.kind.rawValue)), pgArray(invoices.map(\.source.name)), now,
        ])
        struct Key: Hashable { var customerID: Int64; var number: ExactText }
        var inserted: [Key: Int64] = [:]
        for row in 0 ..< result.count {
            guard let number = result.text(row, 2) else {
                throw PostgresError.unexpected("an invoice inserted without its number")
            }
            let key = Key(customerID: try result.requiredInt64(row, 1), number: ExactText(number))
            inserted[key] = try result.requiredInt64(row, 0)
        }
        var ids: [Int64?] = []
        ids.reserveCapacity(invoices.count)
        for invoice in invoices {
            // The first of a number takes the id; a repeat later in the list finds it taken.
            let id = inserted.removeValue(
                forKey: Key(customerID: invoice.customerID, number: ExactText(invoice.terms.invoiceNumber)))
            ids.append(id)
            guard let id else { continue }
            // Its first ledger entry waits with the others of its chunk, in the order of the invoices.
            try holdBack(
                Self.firstEntry(
                    invoiceID: id, customerID: invoice.customerID, terms: invoice.terms, source: invoice.source))
        }
        guard inserted.isEmpty else {
            throw PostgresError.unexpected("\(inserted.count) invoices inserted that were not asked for")
        }
        return ids
    }

    func insertTransactions(_ transactions: [NewTransaction]) throws -> [Int64] {
        guard !transactions.isEmpty else { return [] }
        // Two statements for the set: ids from the transactions' sequence (so that a reversal
        // can name a payment of the same list), then the rows. A reversal's key to its payment
        // is checked at the end of the statement, when the payment is in.
        let ids = try reserveIDs(in: "transactions", count: transactions.count)
        var reversed: [Int64?] = []
        reversed.reserveCapacity(transactions.count)
        for (n, t) in transactions.enumerated() { reversed.append(try t.reversesID(given: ids[..<n])) }
        try db.cachedStatement(sql: """
            INSERT INTO transactions (id, reference, customer_id, invoice_number, date, kind, amount, reverses_id,
                source_kind, source_name, source_line, source_event_id, recorded_at)
            SELECT r.id, r.reference, r.customer_id, r.invoice_number, r.date, r.kind, r.amount, r.reverses_id, \
            r.source_kind, r.source_name, r.source_line, r.source_event_id, ?13
            FROM unnest(?1::bigint[], ?2::text[], ?3::bigint[], ?4::text[], ?5::date[], ?6::text[], ?7::bigint[], \
            ?8::bigint[], ?9::text[], ?10::text[], ?11::bigint[], ?12::text[])
                WITH ORDINALITY AS r(id, reference, customer_id, invoice_number, date, kind, amount, reverses_id, \
            source_kind, source_name, source_line, source_event_id, n)
            ORDER BY r.n
            """).execute(arguments: [
            pgArray(ids), pgArray(transactions.map(\.reference)), pgArray(transactions.map(\.customerID)),
            pgArray(transactions.map(\.invoiceNumber)), pgArray(transactions.map(\.date.iso)),
            pgArray(transactions.map(\.kind.rawValue)), pgArray(transactions.map(\.amount)), pgArray(reversed),
            pgArray(transactions.map(\.source.kind.rawValue)), pgArray(transactions.map(\.source.name)),
            pgArray(transactions.map { $0.source.line.map(Int64.init) }), pgArray(transactions.map(\.source.eventID)),
            now,
        ])
        guard db.changesCount == transactions.count else {
            throw PostgresError.unexpected("\(db.changesCount) transactions inserted of \(transactions.count)")
        }
        return ids
    }
}
