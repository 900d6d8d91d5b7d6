import GRDB
import GRDBSQLite
public import HandoffStore

/// The tamper-evident chains (``AuditChain``) in SQLite: every write transaction seals the rows
/// it added to the ledger and the audit log before it commits, in order of id, a page at a time.
extension SQLiteSession: AuditChainReading {
    /// Rows sealed in one go; the page is read, then sealed (a query is never stepped over
    /// rows it updates).
    static let sealPage = 1_000

    /// The last id of each chain's table as a write transaction starts: it seals only the rows
    /// after it, its own. A row slipped into the table from outside stays unsealed, and `handoff
    /// audit verify` names it.
    func chainStart() throws -> [AuditChainName: Int64] {
        var start: [AuditChainName: Int64] = [:]
        for chain in AuditChainName.allCases {
            let last = try direct("SELECT COALESCE(MAX(id), 0) FROM \(chain.table)")
            defer { last.reset() }
            start[chain] = try last.step() ? last.int64(0) : 0
        }
        return start
    }

    /// Seals the rows of both chains added after `start` (every unsealed row when nil, as the
    /// migration that brought the chains does): each takes the next place and the hash linking
    /// it to the row before it.
    func sealAuditChains(after start: [AuditChainName: Int64]?) throws {
        for chain in AuditChainName.allCases { try seal(chain, after: start.map { $0[chain] ?? 0 } ?? Int64.min) }
    }

    /// Seals the rows this write transaction added to `chain` so far, while their pages are
    /// still in the cache: an import writes a million ledger rows in one transaction, and
    /// sealing them only at its end read and rewrote every page of them again (the import took
    /// three times as long). The chain is the same: rows are sealed in order of id either way.
    func sealAsWritten(_ chain: AuditChainName) throws {
        guard let start = chainStartPoint else { return }
        try seal(chain, after: start[chain] ?? 0)
    }

    /// A writer of ledger rows sealed as they are inserted: each row takes the next id, the
    /// next place in the chain and its hash in the insert itself, so that no row is read back and
    /// updated afterwards (which rewrote every page of them; an import of a million invoices
    /// took 1.9 times as long). The chain is the one ``seal(_:after:)`` would make: rows in
    /// order of id, each linked to the row before it. `nil` outside a write transaction.
    func sealedLedgerRows() throws -> SealedLedgerRows? {
        guard chainStartPoint != nil else { return nil }
        // Whatever another path wrote unsealed goes first, so that the chain's head is the last row.
        try sealAsWritten(.ledger)
        let last = try direct("SELECT COALESCE(MAX(id), 0) FROM ledger_entries")
        defer { last.reset() }
        let lastID = try last.step() ? last.int64(0) : 0
        let insert = try direct("""
            INSERT INTO ledger_entries (id, customer_id, invoice_id, transaction_id, kind, amount, \
            currency, effective_date,
                source_kind, source_name, source_line, source_event_id, recorded_at, chain_seq, chain_hash)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
            """)
        return SealedLedgerRows(insert: insert, lastID: lastID, head: try chainHead(.ledger))
    }

    private func seal(_ chain: AuditChainName, after start: Int64) throws {
        let unsealed = try direct("""
            SELECT \(chain.columns.joined(separator: ", ")) FROM \(chain.table) WHERE chain_hash IS NULL AND id > ?1
            ORDER BY id LIMIT \(Self.sealPage)
            """)
        unsealed.bind(1, start)
        var head: ChainHead?
        while true {
            var page: [(id: Int64, values: [ChainValue])] = []
            while try unsealed.step() {
                page.append((unsealed.int64(0), (0 ..< Int32(chain.columns.count)).map { unsealed.chainValue($0) }))
            }
            unsealed.reset()
            guard !page.isEmpty else { return }
            var current = try head ?? chainHead(chain)
            let update = try direct("UPDATE \(chain.table) SET chain_seq = ?1, chain_hash = ?2 WHERE id = ?3")
            for row in page {
                current.rows += 1
                current.hash = AuditChain.link(previous: current.hash, chain, row.values)
                update.bind(1, current.rows)
                update.bind(2, current.hash)
                update.bind(3, row.id)
                try update.execute()
            }
            head = current
            if page.count < Self.sealPage { return }
        }
    }

    func chainHead(_ chain: AuditChainName) throws -> ChainHead {
        let last = try direct("""
            SELECT chain_seq, chain_hash FROM \(chain.table) WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1
            """)
        defer { last.reset() }
        guard try last.step(), let hash = last.text(1) else {
            return ChainHead(chain: chain, rows: 0, hash: AuditChain.genesis)
        }
        return ChainHead(chain: chain, rows: last.int64(0), hash: hash)
    }

    func chainRows(_ chain: AuditChainName, afterSeq: Int64, limit: Int) throws -> [ChainRow] {
        let n = Int32(chain.columns.count)
        let page = try direct("""
            SELECT \(chain.columns.joined(separator: ", ")), chain_seq, chain_hash FROM \(chain.table)
            WHERE chain_seq > ?1 ORDER BY chain_seq LIMIT ?2
            """)
        defer { page.reset() }
        page.bind(1, afterSeq)
        page.bind(2, Int64(limit))
        var rows: [ChainRow] = []
        while try page.step() {
            rows.append(ChainRow(id: page.int64(0), seq: page.isNull(n) ? nil : page.int64(n), hash: page.text(n + 1),
                                 values: (0 ..< n).map { page.chainValue($0) }))
        }
        return rows
    }

    func firstUnsealedRow(_ chain: AuditChainName) throws -> Int64? {
        let first = try direct(
            "SELECT id FROM \(chain.table) WHERE chain_hash IS NULL OR chain_seq IS NULL ORDER BY id LIMIT 1")
        defer { first.reset() }
        return try first.step() ? first.int64(0) : nil
    }
}

/// Ledger rows inserted sealed (``SQLiteSession/sealedLedgerRows()``): the values hashed are
/// the values bound, each as SQLite stores it in its column (integers as integers, text as text).
struct SealedLedgerRows {
    let insert: DirectStatement
    private(set) var lastID: Int64
    private(set) var head: ChainHead

    init(insert: DirectStatement, lastID: Int64, head: ChainHead) {
        self.insert = insert
        self.lastID = lastID
        self.head = head
    }

    /// Inserts one row, sealed; returns its id.
    @discardableResult
    mutating func append(
        customerID: Int64, invoiceID: Int64, transactionID: Int64?, kind: String, amount: Int64, currency: String,
        effectiveDate: String, sourceKind: String, sourceName: String, sourceLine: Int64?, sourceEventID: String?,
        recordedAt: String) throws -> Int64 {
        let id = lastID + 1
        // Bound from the very values hashed, in the chain's column order (``AuditChainName/columns``).
        let values: [ChainValue] = [
            .integer(id), .integer(customerID), .integer(invoiceID), transactionID.map(ChainValue.integer) ?? .null,
            .text(kind),
            .integer(amount), .text(currency), .text(effectiveDate), .text(sourceKind), .text(sourceName),
            sourceLine.map(ChainValue.integer) ?? .null, sourceEventID.map(ChainValue.text) ?? .null, .text(recordedAt),
        ]
        let hash = AuditChain.link(previous: head.hash, .ledger, values)
        for (i, value) in values.enumerated() { insert.bind(Int32(i + 1), value) }
        insert.bind(14, head.rows + 1)
        insert.bind(15, hash)
        try insert.execute()
        lastID = id
        head.rows += 1
        head.hash = hash
        return id
    }
}

extension DirectStatement {
    /// Binds a value as the chain hashes it: an integer, a text or NULL.
    func bind(_ index: Int32, _ value: ChainValue) {
        switch value {
        case .integer(let v): bind(index, v)
        case .text(let v): bind(index, v)
        case .null: bind(index, String?.none)
        }
    }

    /// The value in the 0-based `column` as the chain hashes it, by the type SQLite stored
    /// (a number written as text, or a real, no longer hashes as it did).
    func chainValue(_ column: Int32) -> ChainValue {
        switch sqlite3_column_type(handle, column) {
        case SQLITE_NULL: .null
        case SQLITE_INTEGER: .integer(int64(column))
        case SQLITE_TEXT: .text(text(column) ?? "")
        default: .text("\(sqlite3_column_type(handle, column)):" + (text(column) ?? ""))
        }
    }
}

extension SQLiteARStore: AuditChainStore {
    public func readAuditChain<T>(_ body: (any AuditChainReading) throws -> T) throws -> T {
        try pool.read { db in try body(SQLiteSession(db: db)) }
    }
}

extension Migrations {
    /// The tamper-evident chains (issue 16): each ledger and audit row gets its place in its
    /// chain and its hash. The append-only triggers now let exactly one update through, the
    /// one that seals a row not yet sealed; the rows already there are sealed at once.
    static func addAuditChains(_ db: Database) throws {
        for chain in AuditChainName.allCases {
            let t = chain.table
            let content = chain.columns.joined(separator: ", ")
            try db.execute(sql: """
                ALTER TABLE \(t) ADD COLUMN chain_seq INTEGER;
                ALTER TABLE \(t) ADD COLUMN chain_hash TEXT;
                CREATE UNIQUE INDEX \(t)_by_chain_seq ON \(t)(chain_seq);
                CREATE INDEX \(t)_unsealed ON \(t)(id) WHERE chain_hash IS NULL;
                DROP TRIGGER \(t)_no_update;
                CREATE TRIGGER \(t)_no_update BEFORE UPDATE OF \(content) ON \(t)
                    BEGIN SELECT RAISE(ABORT, '\(t) is append-only'); END;
                CREATE TRIGGER \(t)_sealed_once BEFORE UPDATE OF chain_seq, chain_hash ON \(t)
                    WHEN OLD.chain_hash IS NOT NULL OR NEW.chain_hash IS NULL OR NEW.chain_seq IS NULL
                    BEGIN SELECT RAISE(ABORT, '\(t) is append-only: a row is sealed once'); END;
                """)
        }
        try SQLiteSession(db: db).sealAuditChains(after: nil)
    }
}
