/// One file an agency sent, as received.
public struct InboxRecord: Hashable, Sendable {
    public var id: Int64
    public var partnerID: String
    /// The return kind from the partner file (`acknowledgement`, `activity`…), or `unknown`.
    public var kind: String
    public var remoteName: String
    /// Lower-case hex SHA-256 of the bytes as received (encrypted, if they were).
    public var sha256: String
    public var size: Int64
    /// The raw bytes in the content-addressed archive.
    public var archivePath: String
    /// The decrypted, verified text, when it was encrypted; the raw file otherwise.
    public var plainPath: String?
    /// `received` (verified, stored, ready for reconciliation), `held` (same name as an earlier
    /// file with other content: a person decides), `quarantined` (cannot be decrypted, bad
    /// signature, does not parse), `applied` (reconciled).
    public var state: String
    public var reason: String?
    public var receivedAt: String

    public init(id: Int64, partnerID: String, kind: String, remoteName: String, sha256: String, size: Int64, archivePath: String,
                plainPath: String?, state: String, reason: String?, receivedAt: String) {
        self.id = id
        self.partnerID = partnerID
        self.kind = kind
        self.remoteName = remoteName
        self.sha256 = sha256
        self.size = size
        self.archivePath = archivePath
        self.plainPath = plainPath
        self.state = state
        self.reason = reason
        self.receivedAt = receivedAt
    }
}

public protocol InboxReading {
    /// Every received file, oldest first.
    func inbox() throws -> [InboxRecord]
    /// Files of a partner with this remote name.
    func inbox(partnerID: String, remoteName: String) throws -> [InboxRecord]
    /// The latest `limit` files and every one held or quarantined, newest first.
    func recentInbox(limit: Int) throws -> [InboxRecord]
    /// How many files each partner has in each state (partner → state → count).
    func inboxCounts() throws -> [String: [String: Int]]
}

public protocol InboxWriting: InboxReading {
    /// The last position read from a partner's event feed.
    func feedCursor(partnerID: String) throws -> String?
    /// Moves a partner's feed cursor (in the same transaction as the events it covers).
    func setFeedCursor(partnerID: String, _ cursor: String) throws
    /// Records a received file; the store refuses the same partner, name and hash twice.
    func insertInbox(partnerID: String, kind: String, remoteName: String, sha256: String, size: Int64, archivePath: String,
                     plainPath: String?, state: String, reason: String?) throws -> Int64
}

/// A store with an inbox.
public protocol InboxStore: OutboxStore {
    func readInbox<T>(_ body: (any InboxReading) throws -> T) throws -> T
    func writeInbox<T>(_ body: (any InboxWriting) throws -> T) throws -> T
}
