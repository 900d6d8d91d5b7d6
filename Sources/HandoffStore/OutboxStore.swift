import HandoffDomain

/// One file in the outbox: what it is, where it goes, and how far it got.
public struct OutboxRecord: Hashable, Sendable {
    public var id: Int64
    public var partnerID: String
    public var batchID: Int64?
    /// `data` or `control`.
    public var kind: String
    /// The file sent (in the staging or outgoing folder).
    public var localPath: String
    /// Its name at the agency.
    public var remoteName: String
    /// The transfer that must be confirmed first (a control file waits for its data file).
    public var dependsOn: Int64?
    public var size: Int64
    public var sha256: String
    public var transfer: OutboxTransfer
    public var lastError: String?
    public var updatedAt: String
    public var confirmedAt: String?

    public init(id: Int64, partnerID: String, batchID: Int64?, kind: String, localPath: String, remoteName: String, dependsOn: Int64?,
                size: Int64, sha256: String, transfer: OutboxTransfer, lastError: String?, updatedAt: String, confirmedAt: String?) {
        self.id = id
        self.partnerID = partnerID
        self.batchID = batchID
        self.kind = kind
        self.localPath = localPath
        self.remoteName = remoteName
        self.dependsOn = dependsOn
        self.size = size
        self.sha256 = sha256
        self.transfer = transfer
        self.lastError = lastError
        self.updatedAt = updatedAt
        self.confirmedAt = confirmedAt
    }
}

/// The outbox, in the same database as everything else.
public protocol OutboxReading {
    /// Every transfer, oldest first.
    func outbox() throws -> [OutboxRecord]
    func outboxRecord(id: Int64) throws -> OutboxRecord?
}

public protocol OutboxWriting: OutboxReading {
    /// Adds a transfer (state `staged`); returns its id. The store refuses a second transfer
    /// of the same name to the same partner: no file name is ever sent twice.
    func insertOutbox(partnerID: String, batchID: Int64?, kind: String, localPath: String, remoteName: String, dependsOn: Int64?,
                      size: Int64, sha256: String) throws -> Int64
    /// Stores a transfer's state machine and last error.
    func updateOutbox(id: Int64, _ transfer: OutboxTransfer, lastError: String?) throws
    /// Sets a batch's state (`queued`, `sent`) and moves its `batched` placements to `sent` when it is sent.
    func setBatchState(id: Int64, _ state: String) throws
}

/// A store with an outbox.
public protocol OutboxStore: PlacementStore {
    func readOutbox<T>(_ body: (any OutboxReading & PlacementReading) throws -> T) throws -> T
    func writeOutbox<T>(_ body: (any OutboxWriting & PlacementWriting) throws -> T) throws -> T
}
