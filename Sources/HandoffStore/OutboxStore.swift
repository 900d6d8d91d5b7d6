public import HandoffDomain

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
    /// The process sending it now, or that was when it died
    /// (``OutboxWriting/claimTransfer(id:claimant:forSeconds:replacing:)``).
    public var claimedBy: String?

    public init(
        id: Int64, partnerID: String, batchID: Int64?, kind: String, localPath: String, remoteName: String,
        dependsOn: Int64?,
        size: Int64, sha256: String, transfer: OutboxTransfer, lastError: String?, updatedAt: String,
        confirmedAt: String?
    ) {
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
    /// The state a batch is in now, or `nil` when there is no such batch.
    func batchState(id: Int64) throws -> BatchState?
    /// The currency a batch's file was written in: its first placement's (a placement run
    /// opens a batch with its first account's currency), or, for an updates file, its first
    /// request's (its amount's, or its account's when it carries none). `nil` for an empty batch.
    func batchCurrency(id: Int64) throws -> String?
}

public protocol OutboxWriting: OutboxReading {
    /// Adds a transfer (state `staged`); returns its id. The store refuses a second transfer
    /// of the same name to the same partner: no file name is ever sent twice.
    func insertOutbox(
        partnerID: String, batchID: Int64?, kind: String, localPath: String, remoteName: String, dependsOn: Int64?,
        size: Int64, sha256: String) throws -> Int64
    /// Stores a transfer's state machine and last error.
    func updateOutbox(id: Int64, _ transfer: OutboxTransfer, lastError: String?) throws
    /// Claims a transfer for `claimant` (one process) for `lease` seconds, so that several
    /// instances share the outbox without two sending one file at once. Answers `false`,
    /// changing nothing, while another claimant's claim has not run out, or while another
    /// instance is claiming it in a transaction of its own (PostgreSQL's `FOR UPDATE SKIP
    /// LOCKED`). A claim that runs out (its process died mid-transfer) may be taken over.
    /// The lease is counted on the database's clock, never the claimant's, so that a host
    /// whose clock runs ahead cannot take over a claim still running on another. The claim
    /// of `gone`, a claimant known to have died (a process of this machine that no longer
    /// runs), may be taken over at once.
    func claimTransfer(id: Int64, claimant: String, forSeconds lease: Int64, replacing gone: String?) throws -> Bool
    /// Ends `claimant`'s claim on a transfer (in the transaction that records what happened to it).
    func releaseTransfer(id: Int64, claimant: String) throws
    /// Stores a batch's new state, as its ``BatchDelivery`` machine moved it.
    func updateBatchState(id: Int64, _ state: BatchState) throws
    /// The distinct states of a batch's placements.
    func placementStates(batchID: Int64) throws -> [PlacementLifecycle.State]
    /// Moves every placement of a batch that is in `from` to `to` (one statement for the set).
    func movePlacements(batchID: Int64, from: PlacementLifecycle.State, to: PlacementLifecycle.State) throws
}

extension OutboxWriting {
    /// The batch's file reached the agency: each of its placements moves on by
    /// ``PlacementLifecycle/fileSent()``, applied once to each state they are in and written as
    /// a set. A placement the machine does not move (already `sent`, or withdrawn) stays as it is.
    public func placementsFileSent(batchID: Int64) throws {
        for state in try placementStates(batchID: batchID) {
            var lifecycle = PlacementLifecycle(state: state)
            switch lifecycle.fileSent() {
            case .markSent: try movePlacements(batchID: batchID, from: state, to: lifecycle.state)
            case .none, .invalid: continue
            case .recordBatch, .recordAcceptance, .recordImplicitAcceptance, .returnToBusiness, .markActive,
                .sendRecall,
                .recordRecallObjection, .resumeAfterFailedRecall, .close:
                throw TransitionRefused("fileSent on batch \(batchID) answered an action it never gives")
            }
        }
    }
}

/// A store with an outbox.
public protocol OutboxStore: PlacementStore {
    func readOutbox<T>(_ body: (any OutboxReading & PlacementReading) throws -> T) throws -> T
    func writeOutbox<T>(_ body: (any OutboxWriting & PlacementWriting) throws -> T) throws -> T
}
