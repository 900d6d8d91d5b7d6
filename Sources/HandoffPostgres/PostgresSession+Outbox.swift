import HandoffDomain
import HandoffStore

extension PostgresSession {
    private static let outboxColumns = """
        id, partner_id, batch_id, kind, local_path, remote_name, depends_on, size, sha256, \
        state, not_before, attempts, last_error,
        handoff_time(updated_at), handoff_time(confirmed_at), claimed_by
        """

    private func decodeOutbox(_ r: Row) throws -> OutboxRecord {
        let stateName: String = r[9]
        let lastError: String? = r[12]
        guard let stored = OutboxTransfer.StoredState(rawValue: stateName) else {
            throw PostgresError.unexpected("outbox \(r[0] as Int64) has state \(stateName)")
        }
        let state = OutboxTransfer.State(restoring: stored, notBefore: r[10], error: lastError)
        var record = OutboxRecord(
            id: r[0], partnerID: r[1], batchID: r[2], kind: r[3], localPath: r[4], remoteName: r[5], dependsOn: r[6],
            size: r[7], sha256: r[8], transfer: OutboxTransfer(state: state, attempts: r[11]), lastError: lastError,
            updatedAt: r[13], confirmedAt: r[14])
        record.claimedBy = r[15]
        return record
    }

    func outbox() throws -> [OutboxRecord] {
        try Row.fetchAll(try db.cachedStatement(sql: "SELECT \(Self.outboxColumns) FROM outbox ORDER BY id")).map(
            decodeOutbox)
    }

    func outboxRecord(id: Int64) throws -> OutboxRecord? {
        try Row.fetchOne(
            try db.cachedStatement(sql: "SELECT \(Self.outboxColumns) FROM outbox WHERE id = ?"), arguments: [id]
        ).map(decodeOutbox)
    }

    func insertOutbox(
        partnerID: String, batchID: Int64?, kind: String, localPath: String, remoteName: String, dependsOn: Int64?,
        size: Int64, sha256: String) throws -> Int64 {
        try db.cachedStatement(sql: """
            INSERT INTO outbox (partner_id, batch_id, kind, local_path, remote_name, depends_on, \
            size, sha256, state, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'staged', ?, ?) RETURNING id
            """).query([partnerID, batchID, kind, localPath, remoteName, dependsOn,
                size, sha256, now, now]).requiredInt64(0, 0)
    }

    func claimTransfer(id: Int64, claimant: String, forSeconds lease: Int64, replacing gone: String?) throws -> Bool {
        // The row is locked for the claim; an instance claiming it at the same moment skips it
        // rather than wait, and a claim still running elsewhere is left alone. The lease runs
        // on the database server's clock, which every instance shares.
        try Int64.fetchOne(try db.cachedStatement(sql: """
            UPDATE outbox SET claimed_by = ?, claimed_until = floor(extract(epoch FROM clock_timestamp()))::bigint + ?
            WHERE id = (SELECT id FROM outbox WHERE id = ?
                          AND (claimed_until IS NULL OR \
            claimed_until < floor(extract(epoch FROM clock_timestamp()))::bigint
                               OR claimed_by = ? OR claimed_by = ?)
                        FOR UPDATE SKIP LOCKED)
            RETURNING id
            """), arguments: [claimant, lease, id, claimant, gone]) != nil
    }

    func releaseTransfer(id: Int64, claimant: String) throws {
        try db.cachedStatement(
            sql: "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE id = ? AND claimed_by = ?"
        )
            .execute(arguments: [id, claimant])
    }

    func updateOutbox(id: Int64, _ transfer: OutboxTransfer, lastError: String?) throws {
        var notBefore: Int64?
        var error = lastError
        switch transfer.state {
        case .retryLater(let at, let e): notBefore = at; error = e
        case .failed(let reason): error = reason
        default: break
        }
        try db.cachedStatement(sql: """
            UPDATE outbox SET state = ?, not_before = ?, attempts = ?, last_error = ?, updated_at = ?,
                confirmed_at = CASE WHEN ? = 'confirmed' THEN COALESCE(confirmed_at, ?) ELSE confirmed_at END
            WHERE id = ?
            """).execute(arguments: [transfer.state.name, notBefore, transfer.attempts, error, now,
                transfer.state.name, now, id])
    }

    func batchState(id: Int64) throws -> BatchState? {
        guard
            let name = try String.fetchOne(
                try db.cachedStatement(sql: "SELECT state FROM placement_batches WHERE id = ?"), arguments: [id])
        else {
            return nil
        }
        guard let state = BatchState(rawValue: name) else {
            throw PostgresError.unexpected("batch \(id) has state \(name)")
        }
        return state
    }

    func updateBatchState(id: Int64, _ state: BatchState) throws {
        try db.cachedStatement(sql: "UPDATE placement_batches SET state = ? WHERE id = ?").execute(arguments: [
            state.rawValue, id,
        ])
    }

    func placementStates(batchID: Int64) throws -> [PlacementLifecycle.State] {
        try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT DISTINCT state, agency_reference, state_reason FROM placements WHERE batch_id = ? ORDER BY state
            """), arguments: [batchID]).map { r in
            let name: String = r[0]
            guard
                let state = PlacementLifecycle.State(
                    restoring: name, batchID: batchID, agencyReference: r[1], reason: r[2])
            else {
                throw PostgresError.unexpected("a placement of batch \(batchID) has state \(name)")
            }
            return state
        }
    }

    func movePlacements(batchID: Int64, from: PlacementLifecycle.State, to: PlacementLifecycle.State) throws {
        let old = from.storedFields, new = to.storedFields
        try db.cachedStatement(sql: """
            UPDATE placements SET state = ?, state_reason = COALESCE(?, state_reason), \
            agency_reference = COALESCE(?, agency_reference),
                updated_at = ?
            WHERE batch_id = ? AND state = ?
            """).execute(arguments: [new.name, new.reason, new.agencyReference, now, batchID, old.name])
    }

    func batchCurrency(id: Int64) throws -> String? {
        if let code = try String.fetchOne(
            try db.cachedStatement(sql: "SELECT currency FROM placements WHERE batch_id = ? ORDER BY id LIMIT 1"),
            arguments: [id]) {
            return code
        }
        return try String.fetchOne(try db.cachedStatement(sql: """
            SELECT COALESCE(r.currency, p.currency, c.currency) FROM agency_requests r
                JOIN customers c ON c.id = r.customer_id LEFT JOIN placements p ON p.id = r.placement_id
            WHERE r.batch_id = ? ORDER BY r.id LIMIT 1
            """), arguments: [id])
    }
}

extension PostgresMigrations {
    /// The twin of SQLite's `v20-transfer-claims`: who is sending a transfer, and until when
    /// (Unix seconds) their claim holds.
    static let transferClaims = """
        ALTER TABLE outbox ADD COLUMN claimed_by text;
        ALTER TABLE outbox ADD COLUMN claimed_until bigint;
        """
}
