import GRDB
import HandoffDomain
import HandoffStore

extension SQLiteSession {
    // MARK: - Candidates

    func forEachPlacementCandidate(asOf: CalendarDate, _ body: (PlacementCandidate) throws -> Void) throws {
        // One pass over the accounts with something past due; each account's open invoices
        // come from a prepared statement, so memory holds one account at a time.
        let cursor = try direct("""
            SELECT \(Self.qualifiedCustomerColumns),
                (SELECT MAX(t.date) FROM transactions t
                  WHERE t.customer_id = c.id AND t.kind = 'payment'
                    AND t.amount > COALESCE((SELECT SUM(r.amount) FROM transactions r WHERE r.reverses_id = t.id), 0)),
                (SELECT p.partner_id || '|' || p.placed_on FROM placements p
                  WHERE p.customer_id = c.id AND p.state NOT IN ('rejected', 'closed')),
                (SELECT group_concat(p.partner_id || '|' || p.tier || '|' || p.state || '|' || \
            COALESCE(p.state_reason, '') || '|'
                                     || CASE WHEN p.cleared_at IS NULL THEN '' ELSE 'cleared' END, char(10))
                   FROM placements p WHERE p.customer_id = c.id),
                (SELECT f.notice_date FROM final_notices f WHERE f.customer_id = c.id),
                EXISTS (SELECT 1 FROM itemizations z WHERE z.customer_id = c.id),
                (SELECT k.debt_kind FROM account_compliance k WHERE k.customer_id = c.id),
                (SELECT k.validation_notice_date FROM account_compliance k WHERE k.customer_id = c.id),
                (SELECT MIN(p.placed_on) FROM placements p WHERE p.customer_id = c.id
                   AND p.state IN ('sent', 'accepted', 'active', 'recall_pending', 'closed')
                   AND COALESCE(p.state_reason, '') != 'withdrawn')
            FROM customers c
            WHERE EXISTS (SELECT 1 FROM invoices i WHERE i.customer_id = c.id AND i.balance > 0 AND i.due_date < ?)
            ORDER BY c.id
            """)
        cursor.bind(1, asOf.iso)
        defer { cursor.reset() }
        let invoicesStatement = try direct("""
            SELECT id, invoice_number, invoice_date, due_date, balance, disputed FROM invoices
            WHERE customer_id = ? AND balance > 0
            """)
        let frozenStatement = try db.cachedStatement(
            sql: "SELECT invoice_id FROM itemization_invoices WHERE customer_id = ?")
        while try cursor.step() {
            let row = cursor
            let customer = try decodeCustomer(row)
            var open: [OpenItem] = []
            invoicesStatement.bind(1, customer.id)
            defer { invoicesStatement.reset() }
            while try invoicesStatement.step() {
                let r = invoicesStatement
                open.append(
                    OpenItem(
                        invoiceID: r.int64(0), invoiceNumber: r.text(1) ?? "", invoiceDate: try date(r.text(2) ?? ""),
                        dueDate: try date(r.text(3) ?? ""), balance: r.int64(4), disputed: r.int64(5) != 0))
            }
            let lastPayment = row.text(19)
            let openText = row.text(20)
            var openPlacement: (partnerID: String, since: CalendarDate)?
            if let openText {
                let parts = openText.split(separator: "|", omittingEmptySubsequences: false)
                openPlacement = (String(parts[0]), try date(String(parts[1])))
            }
            var past: [String: Int] = [:]
            var blocked = Set<String>()
            let history = row.text(21)
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
            let notice = row.text(22)
            let isFrozen = row.int64(23) != 0
            var frozen: Set<Int64>?
            if isFrozen { frozen = Set(try Int64.fetchAll(frozenStatement, arguments: [customer.id])) }
            try body(PlacementCandidate(
                    customerID: customer.id, profile: customer.profile, openInvoices: open,
                    lastPaymentDate: try lastPayment.map(date),
                    openPlacement: openPlacement, pastPartners: past, blockedPartners: blocked,
                    finalNoticeDate: try notice.map(date),
                frozenInvoiceIDs: frozen, debtKind: row.text(24), validationNoticeDate: try row.text(25).map(date),
                firstPlacedOn: try row.text(26).map(date)))
        }
    }

    func itemizationEntries(customerID: Int64, invoiceIDs: Set<Int64>) throws -> [Itemization.Entry] {
        try flushInvoiceLedger()
        let query = try direct(
            "SELECT invoice_id, kind, amount, effective_date FROM ledger_entries WHERE customer_id = ?")
        query.bind(1, customerID)
        defer { query.reset() }
        var out: [Itemization.Entry] = []
        while try query.step() {
            guard invoiceIDs.contains(query.int64(0)) else { continue }
            let kindText = query.text(1) ?? ""
            guard let kind = EntryKind(rawValue: kindText) else {
                throw StoreError.corrupt("unknown ledger kind \(kindText)")
            }
            out.append(Itemization.Entry(kind: kind, amount: query.int64(2), date: try date(query.text(3) ?? "")))
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
            throw StoreError.corrupt("itemization of customer \(customerID)")
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
            total, sha256, size, created_at
            FROM placement_batches ORDER BY id DESC
            """)).map { r in
            let stateName: String = r[7]
            guard let state = BatchState(rawValue: stateName) else {
                throw StoreError.corrupt("batch \(r[0] as Int64) has state \(stateName)")
            }
            return BatchRecord(
                id: r[0], partnerID: r[1], batchKey: r[2], fileName: r[3], controlName: r[4], runDate: try date(r[5]),
                sequence: r[6], state: state, accounts: r[8], invoices: r[9], total: r[10], sha256: r[11], size: r[12],
                createdAt: r[13])
        }
    }

    static let placementColumns = """
        p.id, p.customer_id, c.account_number, p.partner_id, p.tier, p.batch_id, p.state, p.agency_reference, \
        p.state_reason,
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
            throw StoreError.corrupt("placement \(r[0] as Int64) has state \(stateName)")
        }
        let code: String = r[11]
        guard let currency = Currency(code: code) else { throw StoreError.corrupt("unknown currency \(code)") }
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
            SELECT \(Self.placementColumns) FROM placements p JOIN customers c ON c.id = p.customer_id ORDER BY p.id \
            LIMIT ? OFFSET ?
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
            ON CONFLICT (partner_id, day, kind) DO UPDATE SET last = last + 1
            """).execute(arguments: [partnerID, day.iso, kind])
        return try Int.fetchOne(
            try db.cachedStatement(
                sql: "SELECT last FROM placement_sequences WHERE partner_id = ? AND day = ? AND kind = ?"),
                                arguments: [partnerID, day.iso, kind])!
    }

    func insertBatch(_ b: BatchRecord) throws -> Int64 {
        try db.cachedStatement(sql: """
            INSERT INTO placement_batches (partner_id, batch_key, file_name, control_name, run_date, sequence, state, \
            accounts, invoices,
                total, sha256, size, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [b.partnerID, b.batchKey, b.fileName, b.controlName, b.runDate.iso, b.sequence,
                             b.state.rawValue, b.accounts, b.invoices, b.total, b.sha256, b.size, now])
        return db.lastInsertedRowID
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
        // In-process, a statement costs no round trip: each placement is written in turn.
        try placements.map { p in
            let id = try insertPlacement(p)
            if let z = p.itemization { try freezeItemization(customerID: p.customerID, z) }
            return id
        }
    }

    private func insertPlacement(_ p: NewPlacement) throws -> Int64 {
        // A new placement is selected, then written into its batch: the state stored is the one its machine reaches.
        var lifecycle = PlacementLifecycle()
        guard case .recordBatch = lifecycle.batchWritten(batchID: p.batchID) else {
            throw StoreError.corrupt("a new placement could not be written into batch \(p.batchID)")
        }
        let insert = try db.cachedStatement(sql: """
            INSERT INTO placements (customer_id, partner_id, tier, batch_id, state, placed_on, balance, currency, \
            oldest_due_date,
                days_past_due, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try insert.execute(arguments: [
            p.customerID, p.partnerID, p.tier, p.batchID, lifecycle.state.name, p.placedOn.iso, p.balance.minorUnits,
            p.balance.currency.code,
            p.oldestDueDate.iso, p.daysPastDue, now, now])
        let id = db.lastInsertedRowID
        let invoice = try direct("INSERT INTO placement_invoices (placement_id, invoice_id, balance) VALUES (?, ?, ?)")
        invoice.bind(1, id)
        for i in p.invoices {
            invoice.bind(2, i.invoiceID)
            invoice.bind(3, i.balance)
            try invoice.execute()
        }
        return id
    }

    private func freezeItemization(customerID: Int64, _ z: FrozenItemization) throws {
        try db.cachedStatement(sql: """
            INSERT INTO itemizations (customer_id, date, amount, currency, basis, frozen_at) VALUES (?, ?, ?, ?, ?, ?)
            """).execute(arguments: [customerID, z.date.iso, z.amount.minorUnits, z.amount.currency.code,
                z.basis.rawValue, now])
        let statement = try direct("INSERT INTO itemization_invoices (customer_id, invoice_id) VALUES (?, ?)")
        statement.bind(1, customerID)
        for id in z.invoiceIDs.sorted() {
            statement.bind(2, id)
            try statement.execute()
        }
    }

    func recordFinalNotice(customerID: Int64, date: CalendarDate, balance: Money) throws {
        try db.cachedStatement(sql: """
            INSERT INTO final_notices (customer_id, notice_date, balance, currency, created_at) VALUES (?, ?, ?, ?, ?)
            """).execute(arguments: [customerID, date.iso, balance.minorUnits, balance.currency.code, now])
    }
}
