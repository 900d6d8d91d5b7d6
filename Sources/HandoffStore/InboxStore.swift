public import HandoffDomain

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
    /// signature, does not parse, cannot be applied), `applied` (reconciled); see ``InboxFile``.
    public var state: InboxFileState
    public var reason: String?
    public var receivedAt: String

    public init(
        id: Int64, partnerID: String, kind: String, remoteName: String, sha256: String, size: Int64,
        archivePath: String,
        plainPath: String?, state: InboxFileState, reason: String?, receivedAt: String) {
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
    /// One file by its id.
    func inboxRecord(id: Int64) throws -> InboxRecord?
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
    /// Records a received file in the state ``InboxFile/arrived(_:)`` gave it; the store
    /// refuses the same partner, name and hash twice.
    func insertInbox(
        partnerID: String, kind: String, remoteName: String, sha256: String, size: Int64, archivePath: String,
        plainPath: String?, state: InboxFileState, reason: String?) throws -> Int64
    /// Stores a file's new state, as its ``InboxFile`` machine moved it (see
    /// ``setInboxState(id:_:reason:)``, which goes through the machine).
    func updateInboxState(id: Int64, _ state: InboxFileState, reason: String?) throws
}

extension InboxWriting {
    /// Moves a received file on as reconciliation found it: `.applied`, or `.quarantined`
    /// with the reason. The move goes through the file's ``InboxFile`` machine: a repeat
    /// changes nothing, and a move the machine refuses (applying a held file, say) throws
    /// ``TransitionRefused`` and changes nothing.
    public func setInboxState(id: Int64, _ state: InboxFileState, reason: String?) throws {
        guard let record = try inboxRecord(id: id) else { throw TransitionRefused("inbox file #\(id) does not exist") }
        var file = InboxFile(state: record.state)
        let action: InboxFile.Action
        switch state {
        case .applied: action = file.applied()
        case .quarantined: action = file.cannotBeApplied(reason: reason ?? "")
        case .received, .held: action = .invalid(reason: "a file is \(state.rawValue) only as it arrives")
        }
        switch action {
        case .none: return
        case .recordApplied: try updateInboxState(id: id, .applied, reason: reason)
        case .quarantine(let why): try updateInboxState(id: id, .quarantined, reason: why)
        case .record(let next, let why): try updateInboxState(id: id, next, reason: why)
        case .invalid(let why): throw TransitionRefused("inbox file #\(id): \(why)")
        }
    }
}

/// A store with an inbox.
public protocol InboxStore: OutboxStore {
    func readInbox<T>(_ body: (any InboxReading) throws -> T) throws -> T
    func writeInbox<T>(_ body: (any InboxWriting) throws -> T) throws -> T
}

/// A state machine refused a move a caller asked the store for; nothing changed.
public struct TransitionRefused: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
