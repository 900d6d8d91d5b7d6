import HandoffDomain
import HandoffStore

extension PostgresSession {
    // MARK: - Candidates

    func forEachPlacementCandidate(asOf: CalendarDate, _ body: (PlacementCandidate) throws -> Void) throws {
        // The accounts with something past due, a page at a time in the order of their ids, each
        // page its own statement: what is planned for one page never outlives it. (One cursor for
        // the whole run was planned once, at its start; at 1,000,000 invoices each of its pages
        // took seconds, reading back a tuplestore spilled to disk, and the run did not finish in
        // 7 minutes.) What each account's decision and placement file need besides (its invoices,
        // its ledger, the invoices of a frozen itemization) is read for the whole page in one
        // statement each: across a network, statements per account would cost a round trip each,
        // 300,000 and more of them in a large run. A page sees the placements this run wrote for
        // earlier pages, which are other accounts'. Whether an account's itemization is frozen is
        // one probe of its key: written as `EXISTS`, the planner read the whole table into a hash
        // for every page (13 ms a page at 1,000,000 invoices, growing with each run).
        let statement = try db.cachedStatement(sql: """
            SELECT \(Self.qualifiedCustomerColumns),
                (SELECT MAX(t.date) FROM transactions t
                  WHERE t.customer_id = c.id AND t.kind = 'payment'
                    AND t.amount > COALESCE((SELECT SUM(r.amount) FROM transactions r WHERE r.reverses_id = t.id), 0)),
                (SELECT p.partner_id || '|' || p.placed_on FROM placements p
                  WHERE p.customer_id = c.id AND p.state NOT IN ('rejected', 'closed')),
                (SELECT string_agg(p.partner_id || '|' || p.tier || '|' || p.state || '|' \
            || COALESCE(p.state_reason, '') || '|'
                                   || CASE WHEN p.cleared_at IS NULL THEN '' ELSE 'cleared' END, E'\\n' ORDER BY p.id)
                   FROM placements p WHERE p.customer_id = c.id),
                (SELECT f.notice_date FROM final_notices f WHERE f.customer_id = c.id),
                (SELECT 1 FROM itemizations z WHERE z.customer_id = c.id) IS NOT NULL,
                (SELECT k.debt_kind FROM account_compliance k WHERE k.customer_id = c.id),
                (SELECT k.validation_notice_date FROM account_compliance k WHERE k.customer_id = c.id),
                (SELECT MIN(p.placed_on) FROM placements p WHERE p.customer_id = c.id
                   AND p.state IN ('sent', 'accepted', 'active', 'recall_pending', 'closed')
                   AND COALESCE(p.state_reason, '') != 'withdrawn')
            FROM customers c
            WHERE c.id IN (SELECT DISTINCT i.customer_id FROM invoices i
                           WHERE i.customer_id > ? AND i.balance > 0 AND i.due_date < ?
                           ORDER BY i.customer_id LIMIT ?)
            ORDER BY c.id
            """)
        var after: Int64 = 0
        while true {
            let page = try Row.fetchAll(statement, arguments: [after, asOf.iso, Int64(Self.candidatesPerPage)])
            guard let last = page.last else { return }
            try placementCandidates(page, body)
            guard page.count == Self.candidatesPerPage else { return }
            after = last[0]
        }
    }

    /// Accounts read in one page of candidates.
    static let candidatesPerPage = 1_000

    /// What a placement run reads about a page of candidates, kept while it decides them. A
    /// placement run writes placements, batches and notices, never invoices or the ledger, so
    /// what is kept stays true until the page is done.
    struct CandidatePage {
        /// The accounts of the page.
        var customers: Set<Int64>
        /// Their invoices, in the order of ``invoices(customerID:)``.
        var invoices: [Int64: [InvoiceRecord]]
        /// Their ledger rows, in the ledger's order.
        var ledger: [Int64: [(invoiceID: Int64, entry: Itemization.Entry)]]
    }

    /// Decides a page of candidates: reads their invoices, ledger rows and frozen itemizations
    /// in one statement each, keeps them for ``invoices(customerID:)`` and
    /// ``itemizationEntries(customerID:invoiceIDs:)`` while `body` runs for each, then forgets them.
    private func placementCandidates(_ page: [Row], _ body: (PlacementCandidate) throws -> Void) throws {
        guard !page.isEmpty else { return }
        let ids = pgArray(page.map { $0[0] as Int64 })
        let invoices = Dictionary(grouping: try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT \(Self.invoiceColumns) FROM invoices WHERE customer_id = ANY(?::bigint[])
            ORDER BY customer_id, due_date, invoice_date, invoice_number
            """), arguments: [ids]).map(decodeInvoice), by: \.customerID)
        var ledger: [Int64: [(invoiceID: Int64, entry: Itemization.Entry)]] = [:]
        for r in try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT customer_id, invoice_id, kind, amount, effective_date FROM ledger_entries \
            WHERE customer_id = ANY(?::bigint[]) ORDER BY id
            """), arguments: [ids]) {
            let kindText: String = r[2]
            guard let kind = EntryKind(rawValue: kindText) else {
                throw PostgresError.unexpected("unknown ledger kind \(kindText)")
            }
            ledger[r[0], default: []].append((r[1], Itemization.Entry(kind: kind, amount: r[3], date: try date(r[4]))))
        }
        let frozenCustomers = page.filter { $0[23] as Bool }.map { $0[0] as Int64 }
        var frozenInvoices: [Int64: Set<Int64>] = [:]
        if !frozenCustomers.isEmpty {
            for r in try Row.fetchAll(try db.cachedStatement(sql: """
                SELECT customer_id, invoice_id FROM itemization_invoices WHERE customer_id = ANY(?::bigint[])
                """), arguments: [pgArray(frozenCustomers)]) {
                frozenInvoices[r[0], default: []].insert(r[1])
            }
        }
        candidatePage = CandidatePage(customers: Set(page.map { $0[0] as Int64 }), invoices: invoices, ledger: ledger)
        defer { candidatePage = nil }
        for row in page {
            let customer = try decodeCustomer(row)
            let open = (invoices[customer.id] ?? []).filter { $0.balance > 0 }.map(\.openItem)
            let lastPayment: String? = row[19]
            let openText: String? = row[20]
            var openPlacement: (partnerID: String, since: CalendarDate)?
            if let openText {
                let parts = openText.split(separator: "|", omittingEmptySubsequences: false)
                openPlacement = (String(parts[0]), try date(String(parts[1])))
            }
            var past: [String: Int] = [:]
            var blocked = Set<String>()
            let history: String? = row[21]
            for line in (history ?? "").split(separator: "\n") {
                let f = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
                guard f.count == 5 else { continue }
                let (partner, tier, state, reason, cleared) = (f[0], Int(f[1]) ?? 0, f[2], f[3], f[4] == "cleared")
                if state == "rejected" {
                    if !cleared { blocked.insert(partner) }
                } else if !(state == "closed" && reason == ClosureReason.withdrawn.rawValue) {
                    past[partner] = max(past[partner] ?? 0, tier)
                }
            }
            let notice: String? = row[22]
            let isFrozen: Bool = row[23]
            let frozen: Set<Int64>? = isFrozen ? frozenInvoices[customer.id] ?? [] : nil
            let debtKind: String? = row[24]
            let validationNotice: String? = row[25]
            let firstPlaced: String? = row[26]
            try body(PlacementCandidate(
                    customerID: customer.id, profile: customer.profile, openInvoices: open,
                    lastPaymentDate: try lastPayment.map(date),
                    openPlacement: openPlacement, pastPartners: past, blockedPartners: blocked,
                    finalNoticeDate: try notice.map(date),
                frozenInvoiceIDs: frozen, debtKind: debtKind, validationNoticeDate: try validationNotice.map(date),
                firstPlacedOn: try firstPlaced.map(date)))
        }
    }

    func itemizationEntries(customerID: Int64, invoiceIDs: Set<Int64>) throws -> [Itemization.Entry] {
        if let page = candidatePage, page.customers.contains(customerID) {
            return (page.ledger[customerID] ?? []).filter { invoiceIDs.contains($0.invoiceID) }.map(\.entry)
        }
        let query = try db.cachedStatement(sql: """
            SELECT invoice_id, kind, amount, effective_date FROM ledger_entries WHERE customer_id = ? ORDER BY id
            """)
        var out: [Itemization.Entry] = []
        for r in try Row.fetchAll(query, arguments: [customerID]) {
            guard invoiceIDs.contains(r[0]) else { continue }
            let kindText: String = r[1]
            guard let kind = EntryKind(rawValue: kindText) else {
                throw PostgresError.unexpected("unknown ledger kind \(kindText)")
            }
            out.append(Itemization.Entry(kind: kind, amount: r[2], date: try date(r[3])))
        }
        return out
    }

    func frozenItemization(customerID: Int64) throws -> FrozenItemization? {
        guard
            let row = try Row.fetchOne(
                try db.cachedStatement(
                    sql: "SELECT date, amount, currency, basis FROM itemizations WHERE customer_id = ?"),
                                         arguments: [customerID]) else { return nil }
        let code: String = row[2]
        let basisText: String = row[3]
        guard let currency = Currency(code: code), let basis = ItemizationBasis(rawValue: basisText) else {
            throw PostgresError.unexpected("itemization of customer \(customerID)")
        }
        let ids = try Int64.fetchAll(
            try db.cachedStatement(sql: "SELECT invoice_id FROM itemization_invoices WHERE customer_id = ?"),
            arguments: [customerID])
        return FrozenItemization(
            date: try date(row[0]), amount: Money(minorUnits: row[1], currency: currency), basis: basis,
            invoiceIDs: Set(ids))
    }

    // MARK: - Batches and placements

    func batches() throws -> [BatchRecord] {
        try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT id, partner_id, batch_key, file_name, control_name, run_date, sequence, state, accounts, invoices, \
            total, sha256, size, handoff_time(created_at)
            FROM placement_batches ORDER BY id DESC
            """)).map { r in
            let stateName: String = r[7]
            guard let state = BatchState(rawValue: stateName) else {
                throw PostgresError.unexpected("batch \(r[0] as Int64) has state \(stateName)")
            }
            return BatchRecord(
                id: r[0], partnerID: r[1], batchKey: r[2], fileName: r[3], controlName: r[4], runDate: try date(r[5]),
                sequence: r[6], state: state, accounts: r[8], invoices: r[9], total: r[10], sha256: r[11], size: r[12],
                createdAt: r[13])
        }
    }

    static let placementColumns = """
        p.id, p.customer_id, c.account_number, p.partner_id, p.tier, p.batch_id, p.state, \
        p.agency_reference, p.state_reason,
        p.placed_on, p.balance, p.currency, p.oldest_due_date, p.days_past_due, p.agency_status
        """

    func decodePlacement(_ r: Row) throws -> PlacementRecord {
        let stateName: String = r[6]
        let batchID: Int64? = r[5]
        let reference: String? = r[7]
        let reason: String? = r[8]
        guard
            let state = PlacementLifecycle.State(
                restoring: stateName, batchID: batchID, agencyReference: reference, reason: reason)
        else {
            throw PostgresError.unexpected("placement \(r[0] as Int64) has state \(stateName)")
        }
        let code: String = r[11]
        guard let currency = Currency(code: code) else { throw PostgresError.unexpected("unknown currency \(code)") }
        return PlacementRecord(
            id: r[0], customerID: r[1], accountNumber: r[2], partnerID: r[3], tier: r[4], batchID: batchID,
            state: state,
            agencyReference: reference, placedOn: try date(r[9]), balance: Money(minorUnits: r[10], currency: currency),
            oldestDueDate: try date(r[12]), daysPastDue: r[13], agencyStatus: r[14])
    }

    func openPlacementTotals() throws -> [OpenPlacementTotal] {
        // Open means what `PlacementLifecycle.State.isOpen` means, and what the placements_one_open index enforces.
        try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT partner_id, currency, COUNT(*), SUM(balance) FROM placements
            WHERE state NOT IN ('rejected', 'closed') GROUP BY partner_id, currency ORDER BY partner_id, currency
            """)).map { OpenPlacementTotal(partnerID: $0[0], currency: $0[1], accounts: $0[2], balance: $0[3]) }
    }

    func forEachPlacement(_ body: (PlacementRecord) throws -> Void) throws {
        let cursor = try Row.fetchCursor(db, sql: """
            SELECT \(Self.placementColumns) FROM placements p JOIN customers c ON c.id = p.customer_id ORDER BY p.id
            """)
        while let row = try cursor.next() { try body(try decodePlacement(row)) }
    }

    func placements(customerID: Int64) throws -> [PlacementRecord] {
        try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT \(Self.placementColumns) FROM placements p JOIN customers c ON c.id = p.customer_id \
            WHERE p.customer_id = ? ORDER BY p.id
            """), arguments: [customerID]).map(decodePlacement)
    }

    func placements(offset: Int, limit: Int) throws -> (total: Int, page: [PlacementRecord]) {
        let total = try Int.fetchOne(try db.cachedStatement(sql: "SELECT COUNT(*) FROM placements")) ?? 0
        let page = try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT \(Self.placementColumns) FROM placements p JOIN customers c ON c.id = p.customer_id \
            ORDER BY p.id LIMIT ? OFFSET ?
            """), arguments: [max(limit, 0), max(offset, 0)]).map(decodePlacement)
        return (total, page)
    }

    func finalNotices() throws -> [FinalNoticeRecord] {
        try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT \(Self.qualifiedCustomerColumns), f.notice_date, f.balance, f.currency
            FROM final_notices f JOIN customers c ON c.id = f.customer_id ORDER BY f.notice_date, c.account_number
            """)).map { r in
            let customer = try decodeCustomer(r)
            let code: String = r[21]
            return FinalNoticeRecord(customerID: customer.id, profile: customer.profile, noticeDate: try date(r[19]),
                balance: Money(minorUnits: r[20], currency: Currency(code: code) ?? customer.profile.currency))
        }
    }

    // MARK: - Writing

    func nextSequence(partnerID: String, day: CalendarDate, kind: String) throws -> Int {
        try db.cachedStatement(sql: """
            INSERT INTO placement_sequences (partner_id, day, kind, last) VALUES (?, ?, ?, 1)
            ON CONFLICT (partner_id, day, kind) DO UPDATE SET last = placement_sequences.last + 1
            RETURNING last
            """).query([partnerID, day.iso, kind]).requiredInt64(0, 0).asInt
    }

    func insertBatch(_ b: BatchRecord) throws -> Int64 {
        try db.cachedStatement(sql: """
            INSERT INTO placement_batches (partner_id, batch_key, file_name, control_name, run_date, sequence, \
            state, accounts, invoices,
                total, sha256, size, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
            """).query([b.partnerID, b.batchKey, b.fileName, b.controlName, b.runDate.iso, b.sequence,
                        b.state.rawValue, b.accounts,
                        b.invoices, b.total, b.sha256, b.size, now]).requiredInt64(0, 0)
    }

    func completeBatch(id: Int64, accounts: Int, invoices: Int, total: Int64, sha256: String, size: Int) throws {
        try db.execute(
            sql:
                "UPDATE placement_batches SET accounts = ?, invoices = ?, total = ?, sha256 = ?, size = ? WHERE id = ?",
                arguments: [accounts, invoices, total, sha256, size, id])
    }

    func setControlName(batchID: Int64, _ name: String) throws {
        try db.cachedStatement(sql: "UPDATE placement_batches SET control_name = ? WHERE id = ?").execute(arguments: [
            name, batchID,
        ])
    }

    func insertPlacements(_ placements: [NewPlacement]) throws -> [Int64] {
        guard !placements.isEmpty else { return [] }
        // A new placement is selected, then written into its batch: the state stored is the one its machine reaches.
        let states = try placements.map { p in
            var lifecycle = PlacementLifecycle()
            guard case .recordBatch = lifecycle.batchWritten(batchID: p.batchID) else {
                throw PostgresError.unexpected("a new placement could not be written into batch \(p.batchID)")
            }
            return lifecycle.state.name
        }
        // Four statements for the whole set, whatever its size: ids from the placements' sequence,
        // then the placements, their invoices, and the itemizations frozen with them.
        let ids = try reserveIDs(in: "placements", count: placements.count)
        try db.cachedStatement(sql: """
            INSERT INTO placements (id, customer_id, partner_id, tier, batch_id, state, placed_on, \
            balance, currency, oldest_due_date,
                days_past_due, created_at, updated_at)
            SELECT u.id, u.customer_id, u.partner_id, u.tier, u.batch_id, u.state, u.placed_on, \
            u.balance, u.currency, u.oldest_due_date,
                u.days_past_due, ?12, ?12
            FROM unnest(?1::bigint[], ?2::bigint[], ?3::text[], ?4::bigint[], ?5::bigint[], ?6::text[], \
            ?7::date[], ?8::bigint[],
                ?9::text[], ?10::date[], ?11::bigint[])
                WITH ORDINALITY AS u(id, customer_id, partner_id, tier, batch_id, state, \
            placed_on, balance, currency, oldest_due_date,
                    days_past_due, n)
            ORDER BY u.n
            """).execute(arguments: [
                pgArray(ids), pgArray(placements.map(\.customerID)), pgArray(placements.map(\.partnerID)),
                pgArray(placements.map { Int64($0.tier) }), pgArray(placements.map(\.batchID)), pgArray(states),
                pgArray(placements.map(\.placedOn.iso)), pgArray(placements.map(\.balance.minorUnits)),
                pgArray(placements.map(\.balance.currency.code)), pgArray(placements.map(\.oldestDueDate.iso)),
                pgArray(placements.map { Int64($0.daysPastDue) }), now,
            ])
        let placed = zip(ids, placements).flatMap { id, p in p.invoices.map { (id, $0.invoiceID, $0.balance) } }
        try db.cachedStatement(sql: """
            INSERT INTO placement_invoices (placement_id, invoice_id, balance)
            SELECT u.placement_id, u.invoice_id, u.balance FROM unnest(?1::bigint[], ?2::bigint[], ?3::bigint[])
                WITH ORDINALITY AS u(placement_id, invoice_id, balance, n)
            ORDER BY u.n
            """).execute(arguments: [pgArray(placed.map(\.0)), pgArray(placed.map(\.1)), pgArray(placed.map(\.2))])
        guard db.changesCount == placed.count else {
            throw PostgresError.unexpected("\(db.changesCount) placed invoices written for \(placed.count)")
        }
        let frozen = placements.compactMap { p in p.itemization.map { (p.customerID, $0) } }
        guard !frozen.isEmpty else { return ids }
        try db.cachedStatement(sql: """
            INSERT INTO itemizations (customer_id, date, amount, currency, basis, frozen_at)
            SELECT u.customer_id, u.date, u.amount, u.currency, u.basis, ?6
            FROM unnest(?1::bigint[], ?2::date[], ?3::bigint[], ?4::text[], ?5::text[]) \
            WITH ORDINALITY AS u(customer_id, date, amount,
                currency, basis, n)
            ORDER BY u.n
            """).execute(arguments: [
                pgArray(frozen.map(\.0)), pgArray(frozen.map(\.1.date.iso)), pgArray(frozen.map(\.1.amount.minorUnits)),
                pgArray(frozen.map(\.1.amount.currency.code)), pgArray(frozen.map(\.1.basis.rawValue)), now,
            ])
        let frozenInvoices = frozen.flatMap { customerID, z in z.invoiceIDs.sorted().map { (customerID, $0) } }
        try db.cachedStatement(sql: """
            INSERT INTO itemization_invoices (customer_id, invoice_id)
            SELECT u.customer_id, u.invoice_id FROM unnest(?1::bigint[], ?2::bigint[]) \
            WITH ORDINALITY AS u(customer_id, invoice_id, n)
            ORDER BY u.n
            """).execute(arguments: [pgArray(frozenInvoices.map(\.0)), pgArray(frozenInvoices.map(\.1))])
        return ids
    }

    func recordFinalNotice(customerID: Int64, date: CalendarDate, balance: Money) throws {
        try db.cachedStatement(sql: """
            INSERT INTO final_notices (customer_id, notice_date, balance, currency, created_at) VALUES (?, ?, ?, ?, ?)
            """).execute(arguments: [customerID, date.iso, balance.minorUnits, balance.currency.code, now])
    }
}
