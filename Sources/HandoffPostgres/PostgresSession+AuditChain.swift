public import HandoffStore

/// The tamper-evident chains (``AuditChain``) in PostgreSQL: every write transaction seals the
/// rows it added to the ledger and the audit log before it commits, under an advisory lock so
/// that two instances never take the same place, a page at a time.
extension PostgresSession: AuditChainReading {
    /// Rows sealed in one statement.
    static let sealPage = 1_000

    /// The lock every instance takes while it seals a chain.
    static func chainLock(_ chain: AuditChainName) -> Int64 {
        switch chain {
        case .ledger: 0x4841_4E44_4F46_4611
        case .audit: 0x4841_4E44_4F46_4612
        }
    }

    /// The chain's columns as SQLite stores them: dates as `YYYY-MM-DD`, moments as RFC 3339
    /// in UTC, so that a chain copied by `handoff migrate` hashes the same on both engines.
    static func contentColumns(_ chain: AuditChainName) -> String {
        chain.columns.map { column in
            switch (chain, column) {
            case (.ledger, "effective_date"): "to_char(effective_date, 'YYYY-MM-DD')"
            case (.ledger, "recorded_at"): "handoff_time(recorded_at)"
            case (.audit, "at"): "handoff_time(at)"
            default: column
            }
        }.joined(separator: ", ")
    }

    /// The columns of each chain that hold integers (the rest hold text).
    static func integerColumns(_ chain: AuditChainName) -> Set<String> {
        switch chain {
        case .ledger: ["id", "customer_id", "invoice_id", "transaction_id", "amount", "source_line"]
        case .audit: ["id"]
        }
    }

    private func chainValues(_ chain: AuditChainName, _ row: Row) -> [ChainValue] {
        let integers = Self.integerColumns(chain)
        return chain.columns.enumerated().map { index, column in
            let text: String? = row[index]
            guard let text else { return .null }
            if integers.contains(column), let number = Int64(text) { return .integer(number) }
            return .text(text)
        }
    }

    /// The last id of each chain's table as a write transaction starts: it seals only the rows
    /// after it, its own. A row slipped into the table from outside stays unsealed, and `handoff
    /// audit verify` names it.
    func chainStart() throws -> [AuditChainName: Int64] {
        var start: [AuditChainName: Int64] = [:]
        for chain in AuditChainName.allCases {
            start[chain] =
                try Row.fetchOne(try db.cachedStatement(sql: "SELECT COALESCE(MAX(id), 0) FROM \(chain.table)")).map {
                    $0[0]
                } ?? 0
        }
        return start
    }

    /// Seals the rows of both chains added after `start` that carry no place (every unsealed
    /// row when nil, as the migration that brought the chains does).
    ///
    /// It walks the ids of the rows still unsealed after `start` in ranges of ``sealPage``, and
    /// reads and updates each range by its bounds. A page taken as "the next 1,000 unsealed
    /// rows after the last one" was planned, in a transaction that had just written its rows
    /// (no statistics know them yet), as a scan of every unsealed row followed by a sort, and
    /// its update as a hash join over the whole table: each page cost a scan of the table, and
    /// an import of 1,000,000 invoices spent most of its time sealing. A range of ids bounds
    /// what each statement may touch, whatever plan it gets.
    func sealAuditChains(after start: [AuditChainName: Int64]?) throws {
        for chain in AuditChainName.allCases {
            // Only the unsealed rows' span is walked: rows written sealed (an import's first
            // entries) are not in the index of unsealed rows.
            let floor = start.map { $0[chain] ?? 0 } ?? Int64.min
            guard let bounds = try Row.fetchOne(try db.cachedStatement(sql: """
                SELECT MIN(id) - 1, MAX(id) FROM \(chain.table) WHERE chain_hash IS NULL AND id > ?
                """), arguments: [floor]) else { continue }
            let first: Int64? = bounds[0], end: Int64? = bounds[1]
            guard let after = first, let last = end else { continue }
            let mine = """
                SELECT \(Self.contentColumns(chain)) FROM \(chain.table)
                WHERE id > ? AND id <= ? AND chain_hash IS NULL ORDER BY id
                """
            // The rows are this transaction's own, so they may be read before the lock; the head
            // is read under it, so that no other instance takes the same place.
            var locked = false
            var head = ChainHead(chain: chain, rows: 0, hash: AuditChain.genesis)
            var low = after
            while low < last {
                let high = low + min(Int64(Self.sealPage), last - low)
                defer { low = high }
                let page = try Row.fetchAll(try db.cachedStatement(sql: mine), arguments: [low, high])
                guard !page.isEmpty else { continue }
                if !locked {
                    try db.execute(sql: "SELECT pg_advisory_xact_lock(?)", arguments: [Self.chainLock(chain)])
                    head = try chainHead(chain)
                    locked = true
                }
                var ids: [Int64] = [], seqs: [Int64] = [], hashes: [String] = []
                for row in page {
                    head.rows += 1
                    head.hash = AuditChain.link(previous: head.hash, chain, chainValues(chain, row))
                    ids.append(row[0])
                    seqs.append(head.rows)
                    hashes.append(head.hash)
                }
                try db.cachedStatement(sql: """
                    UPDATE \(chain.table) t SET chain_seq = v.seq, chain_hash = v.hash
                    FROM unnest(?1::bigint[], ?2::bigint[], ?3::text[]) AS v(id, seq, hash)
                    WHERE t.id = v.id AND t.id > ?4 AND t.id <= ?5
                    """).execute(arguments: [pgArray(ids), pgArray(seqs), pgArray(hashes), low, high])
            }
        }
    }

    /// Takes the ledger chain's lock for the rest of the transaction (once) and answers with
    /// where the chain ends, counting the rows this transaction has sealed already.
    func lockLedgerChain() throws -> ChainHead {
        if let head = ledgerChainHead { return head }
        try db.execute(sql: "SELECT pg_advisory_xact_lock(?)", arguments: [Self.chainLock(.ledger)])
        let head = try chainHead(.ledger)
        ledgerChainHead = head
        return head
    }

    func chainHead(_ chain: AuditChainName) throws -> ChainHead {
        guard let row = try Row.fetchOne(try db.cachedStatement(sql: """
            SELECT chain_seq, chain_hash FROM \(chain.table) WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1
            """)) else { return ChainHead(chain: chain, rows: 0, hash: AuditChain.genesis) }
        return ChainHead(chain: chain, rows: row[0], hash: row[1])
    }

    func chainRows(_ chain: AuditChainName, afterSeq: Int64, limit: Int) throws -> [ChainRow] {
        let n = chain.columns.count
        return try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT \(Self.contentColumns(chain)), chain_seq, chain_hash FROM \(chain.table)
            WHERE chain_seq > ? ORDER BY chain_seq LIMIT ?
            """), arguments: [afterSeq, Int64(limit)]).map { row in
            ChainRow(id: row[0], seq: row[n], hash: row[n + 1], values: chainValues(chain, row))
        }
    }

    func firstUnsealedRow(_ chain: AuditChainName) throws -> Int64? {
        try Row.fetchOne(try db.cachedStatement(sql: """
            SELECT id FROM \(chain.table) WHERE chain_hash IS NULL OR chain_seq IS NULL ORDER BY id LIMIT 1
            """)).map { $0[0] }
    }
}

extension PostgresARStore {
    public func readAuditChain<T>(_ body: (any AuditChainReading) throws -> T) throws -> T {
        try reading(body)
    }
}

extension PostgresMigrations {
    /// The tamper-evident chains (issue 16), the twin of SQLite's `v19-audit-chain`: each
    /// ledger and audit row gets its place and hash. The append-only trigger now lets exactly
    /// one update through, the one that seals a row not yet sealed, changing nothing else. The
    /// rows already there are sealed by the store right after it migrates.
    static let auditChains = ["ledger_entries", "audit_log"].map { t in
        """
        ALTER TABLE \(t) ADD COLUMN chain_seq bigint, ADD COLUMN chain_hash text;
        CREATE UNIQUE INDEX \(t)_by_chain_seq ON \(t)(chain_seq);
        CREATE INDEX \(t)_unsealed ON \(t)(id) WHERE chain_hash IS NULL;
        DROP TRIGGER \(t)_append_only ON \(t);
        CREATE TRIGGER \(t)_no_delete BEFORE DELETE ON \(t) FOR EACH ROW EXECUTE FUNCTION handoff_refuse_change();
        CREATE TRIGGER \(t)_sealed_once BEFORE UPDATE ON \(t) FOR EACH ROW EXECUTE FUNCTION handoff_seal_once();
        """
    }.joined(separator: "\n")
    static let sealOnce = """
        CREATE FUNCTION handoff_seal_once() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.chain_hash IS NULL AND NEW.chain_hash IS NOT NULL AND NEW.chain_seq IS NOT NULL
               AND (to_jsonb(NEW) - 'chain_seq' - 'chain_hash') = (to_jsonb(OLD) - 'chain_seq' - 'chain_hash') THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
        END $$;
        """
}
