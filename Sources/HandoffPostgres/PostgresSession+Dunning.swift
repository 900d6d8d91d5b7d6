import HandoffDomain
import HandoffStore

/// Dunning messages and the credit-hold list (v16-dunning): the twin of `SQLiteSession+Dunning`.
/// A message's exact bytes travel as hexadecimal text (`decode(?, 'hex')`, `encode(…, 'hex')`),
/// whatever the server's `bytea_output`.
extension PostgresSession: DunningWriting {
    static let dunningColumns = """
        m.id, m.customer_id, c.account_number, m.step, m.kind, m.cycle, m.message_id, m.recipient, m.subject, m.balance,
        m.currency, m.invoices, m.placement_date, m.as_of, encode(m.content, 'hex'), m.state, m.attempts, m.not_before,
        m.last_error, handoff_time(m.created_at), handoff_time(m.updated_at), handoff_time(m.sent_at)
        """

    private func decodeDunning(_ row: Row) throws -> DunningMessageRecord {
        let kindText: String = row[4]
        guard let kind = DunningStepKind(rawValue: kindText) else {
            throw PostgresError.unexpected("unknown dunning step kind \(kindText)")
        }
        let stateText: String = row[15]
        guard let stored = DunningDelivery.StoredState(rawValue: stateText) else {
            throw PostgresError.unexpected("unknown dunning message state \(stateText)")
        }
        let error: String? = row[18]
        let delivery = DunningDelivery(state: .init(restoring: stored, notBefore: row[17], error: error),
                                       attempts: row[16])
        let invoices: String = row[11]
        let placement: String? = row[12]
        let content: String = row[14]
        return DunningMessageRecord(
            id: row[0], customerID: row[1], accountNumber: row[2], step: row[3], kind: kind, cycle: row[5],
            messageID: row[6], recipient: row[7], subject: row[8], balance: row[9], currency: row[10],
            invoices: invoices.split(separator: "\n").map(String.init), placementDate: try placement.map(date),
            asOf: try date(row[13]), content: try Self.bytes(hex: content), delivery: delivery, lastError: error,
            createdAt: row[19], updatedAt: row[20], sentAt: row[21])
    }

    func dunningMessages() throws -> [DunningMessageRecord] {
        try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT \(Self.dunningColumns) FROM dunning_messages m JOIN customers c ON c.id = m.customer_id ORDER BY m.id
            """)).map(decodeDunning)
    }

    func dunningMessages(customerID: Int64) throws -> [DunningMessageRecord] {
        try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT \(Self.dunningColumns) FROM dunning_messages m JOIN customers c ON c.id = m.customer_id
            WHERE m.customer_id = ? ORDER BY m.id
            """), arguments: [customerID]).map(decodeDunning)
    }

    func dunningMessage(id: Int64) throws -> DunningMessageRecord? {
        try Row.fetchOne(try db.cachedStatement(sql: """
            SELECT \(Self.dunningColumns) FROM dunning_messages m JOIN customers c ON c.id = m.customer_id
            WHERE m.id = ?
            """), arguments: [id]).map(decodeDunning)
    }

    func recordedDunningSteps() throws -> [Int64: Set<RecordedDunningStep>] {
        var out: [Int64: Set<RecordedDunningStep>] = [:]
        let steps = try db.cachedStatement(sql: "SELECT customer_id, step, cycle FROM dunning_messages")
        for row in try Row.fetchAll(steps) {
            out[row[0] as Int64, default: []].insert(RecordedDunningStep(step: row[1], cycle: row[2]))
        }
        return out
    }

    func creditHoldFacts() throws -> [CreditHoldFacts] {
        let rows = try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT c.id, c.account_number, c.type, c.business_name, c.first_name, c.last_name, c.currency,
                (SELECT p.partner_id || '|' || p.placed_on FROM placements p
                  WHERE p.customer_id = c.id AND p.state NOT IN ('rejected', 'closed')),
                (SELECT MAX(t.date) FROM transactions t WHERE t.customer_id = c.id AND t.kind = 'writeoff')
            FROM customers c
            WHERE EXISTS (SELECT 1 FROM invoices i WHERE i.customer_id = c.id AND i.balance > 0)
               OR EXISTS (SELECT 1 FROM placements p
                          WHERE p.customer_id = c.id AND p.state NOT IN ('rejected', 'closed'))
               OR EXISTS (SELECT 1 FROM transactions t WHERE t.customer_id = c.id AND t.kind = 'writeoff')
            ORDER BY c.account_number
            """))
        // In the order `invoices(customerID:)` gives: PostgreSQL promises no order without one.
        let invoices = try db.cachedStatement(sql: """
            SELECT id, invoice_number, invoice_date, due_date, balance, disputed FROM invoices
            WHERE customer_id = ? AND balance > 0
            ORDER BY due_date, invoice_date, invoice_number
            """)
        return try rows.map { row in
            let id: Int64 = row[0]
            let code: String = row[6]
            guard let currency = Currency(code: code) else {
                throw PostgresError.unexpected("unknown currency \(code)")
            }
            let open = try Row.fetchAll(invoices, arguments: [id]).map { r in
                OpenItem(invoiceID: r[0], invoiceNumber: r[1], invoiceDate: try date(r[2]), dueDate: try date(r[3]),
                         balance: r[4], disputed: r[5])
            }
            let business: String? = row[3], first: String? = row[4], last: String? = row[5]
            let person = [first, last].compactMap { $0 }.joined(separator: " ")
            let type: String = row[2]
            let name = type == "business" ? (business ?? person) : (person.isEmpty ? (business ?? "") : person)
            var partner: String?, since: CalendarDate?
            if let placed: String = row[7] {
                let parts = placed.split(separator: "|", omittingEmptySubsequences: false)
                partner = String(parts[0])
                since = try date(String(parts[1]))
            }
            let writeOff: String? = row[8]
            return CreditHoldFacts(customerID: id, accountNumber: row[1], name: name, currency: currency,
                                   openInvoices: open, placedWith: partner, placedOn: since,
                                   lastWriteOff: try writeOff.map(date))
        }
    }

    func recordedCreditHolds() throws -> [CreditHoldListed] {
        try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT customer_id, reasons, since FROM credit_holds ORDER BY customer_id
            """)).map { CreditHoldListed(customerID: $0[0], reasons: $0[1], since: try date($0[2])) }
    }

    func insertDunningMessage(_ m: NewDunningMessage) throws -> Int64? {
        let inserted = try db.cachedStatement(sql: """
            INSERT INTO dunning_messages (customer_id, step, kind, cycle, message_id, recipient, subject, balance,
                currency, invoices, placement_date, as_of, content, state, attempts, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, decode(?, 'hex'), 'sending', 1, ?, ?)
            ON CONFLICT DO NOTHING RETURNING id
            """).query([m.customerID, m.step, m.kind.rawValue, m.cycle, m.messageID, m.recipient, m.subject,
                        m.balance.minorUnits, m.balance.currency.code, m.invoices.joined(separator: "\n"),
                        m.placementDate?.iso, m.asOf.iso, Self.hex(m.content), now, now])
        guard inserted.count == 1 else { return nil }
        return try inserted.requiredInt64(0, 0)
    }

    func readdressDunningMessage(id: Int64, recipient: String, content: [UInt8]) throws {
        try db.cachedStatement(sql: """
            UPDATE dunning_messages SET recipient = ?, content = decode(?, 'hex'), updated_at = ? \
            WHERE id = ? AND state != 'sent'
            """).execute(arguments: [recipient, Self.hex(content), now, id])
    }

    func updateDunningMessage(id: Int64, _ delivery: DunningDelivery, lastError: String?) throws {
        var notBefore: Int64?
        var error = lastError
        switch delivery.state {
        case .retryLater(let at, let e): notBefore = at; error = e
        case .failed(let reason), .withdrawn(let reason): error = reason
        case .sending, .sent, .unconfirmed: break
        }
        let sent = delivery.state == .sent
        try db.cachedStatement(sql: """
            UPDATE dunning_messages SET state = ?, attempts = ?, not_before = ?, last_error = ?, updated_at = ?,
                sent_at = CASE WHEN ? AND sent_at IS NULL THEN ? ELSE sent_at END
            WHERE id = ?
            """).execute(arguments: [delivery.state.stored.rawValue, delivery.attempts, notBefore, error, now, sent,
                                     now, id])
    }

    func recordCreditHold(_ entry: CreditHoldListed) throws {
        try db.cachedStatement(sql: """
            INSERT INTO credit_holds (customer_id, reasons, since, recorded_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (customer_id) DO UPDATE SET reasons = excluded.reasons, since = excluded.since,
                recorded_at = excluded.recorded_at
            """).execute(arguments: [entry.customerID, entry.reasons, entry.since.iso, now])
    }

    func removeCreditHold(customerID: Int64) throws {
        try db.cachedStatement(sql: "DELETE FROM credit_holds WHERE customer_id = ?").execute(arguments: [customerID])
    }

    /// Bytes as lowercase hexadecimal digits, for `decode(?, 'hex')`.
    private static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for b in bytes {
            text.append(digits[Int(b >> 4)])
            text.append(digits[Int(b & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The bytes `encode(…, 'hex')` wrote.
    private static func bytes(hex text: String) throws -> [UInt8] {
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else {
            throw PostgresError.unexpected("a dunning message's content is not hexadecimal")
        }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var i = 0
        while i < digits.count {
            guard let high = value(digits[i]), let low = value(digits[i + 1]) else {
                throw PostgresError.unexpected("a dunning message's content is not hexadecimal")
            }
            out.append(high << 4 | low)
            i += 2
        }
        return out
    }
}
