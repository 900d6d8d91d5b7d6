import HandoffDomain
import HandoffStore

extension PostgresSession {
    private static let inboxColumns = """
        id, partner_id, kind, remote_name, sha256, size, archive_path, plain_path, \
        state, reason, handoff_time(received_at)
        """

    private func decodeInbox(_ r: Row) throws -> InboxRecord {
        let stateName: String = r[8]
        guard let state = InboxFileState(rawValue: stateName) else {
            throw PostgresError.unexpected("inbox file \(r[0] as Int64) has state \(stateName)")
        }
        return InboxRecord(
            id: r[0], partnerID: r[1], kind: r[2], remoteName: r[3], sha256: r[4], size: r[5], archivePath: r[6],
            plainPath: r[7],
            state: state, reason: r[9], receivedAt: r[10])
    }

    func inboxRecord(id: Int64) throws -> InboxRecord? {
        try Row.fetchOne(
            try db.cachedStatement(sql: "SELECT \(Self.inboxColumns) FROM inbox WHERE id = ?"), arguments: [id]
        ).map(decodeInbox)
    }

    func updateInboxState(id: Int64, _ state: InboxFileState, reason: String?) throws {
        try db.cachedStatement(sql: "UPDATE inbox SET state = ?, reason = ? WHERE id = ?").execute(arguments: [
            state.rawValue, reason, id,
        ])
    }

    func inbox() throws -> [InboxRecord] {
        try Row.fetchAll(try db.cachedStatement(sql: "SELECT \(Self.inboxColumns) FROM inbox ORDER BY id")).map(
            decodeInbox)
    }

    func recentInbox(limit: Int) throws -> [InboxRecord] {
        try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT \(Self.inboxColumns) FROM inbox
            WHERE state IN ('held', 'quarantined') OR id > (SELECT COALESCE(MAX(id), 0) FROM inbox) - ?
            ORDER BY id DESC
            """), arguments: [limit]).map(decodeInbox)
    }

    func inboxCounts() throws -> [String: [String: Int]] {
        var counts: [String: [String: Int]] = [:]
        for row in try Row.fetchAll(
            try db.cachedStatement(sql: "SELECT partner_id, state, COUNT(*) FROM inbox GROUP BY partner_id, state"))
        {
            counts[row[0] as String, default: [:]][row[1] as String] = row[2] as Int
        }
        return counts
    }

    func inbox(partnerID: String, remoteName: String) throws -> [InboxRecord] {
        try Row.fetchAll(
            try db.cachedStatement(
                sql: "SELECT \(Self.inboxColumns) FROM inbox WHERE partner_id = ? AND remote_name = ? ORDER BY id"),
                         arguments: [partnerID, remoteName]).map(decodeInbox)
    }

    func insertInbox(
        partnerID: String, kind: String, remoteName: String, sha256: String, size: Int64, archivePath: String,
        plainPath: String?, state: InboxFileState, reason: String?) throws -> Int64 {
        try db.cachedStatement(sql: """
            INSERT INTO inbox (partner_id, kind, remote_name, sha256, size, archive_path, \
            plain_path, state, reason, received_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
            """).query([partnerID, kind, remoteName, sha256, size, archivePath, plainPath, state.rawValue, reason,
                now]).requiredInt64(0, 0)
    }

    func feedCursor(partnerID: String) throws -> String? {
        try String.fetchOne(
            try db.cachedStatement(sql: "SELECT cursor FROM feed_cursors WHERE partner_id = ?"), arguments: [partnerID])
    }

    func setFeedCursor(partnerID: String, _ cursor: String) throws {
        try db.cachedStatement(sql: """
            INSERT INTO feed_cursors (partner_id, cursor, updated_at) VALUES (?, ?, ?)
            ON CONFLICT (partner_id) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at
            """).execute(arguments: [partnerID, cursor, now])
    }
}
