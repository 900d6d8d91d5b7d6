public import HandoffDomain

/// A placement batch: one file (or API batch) for one agency.
public struct BatchRecord: Hashable, Sendable {
    public var id: Int64
    public var partnerID: String
    /// The batch id the agency sees (Meridian's `batch_id`), or the file name.
    public var batchKey: String
    public var fileName: String
    public var controlName: String?
    /// The run's "as of" day.
    public var runDate: CalendarDate
    public var sequence: Int
    /// `staged` when written; the outbox moves it on through its ``BatchDelivery`` machine.
    public var state: BatchState
    public var accounts: Int
    public var invoices: Int
    /// Sum of placed balances in minor units.
    public var total: Int64
    public var sha256: String
    public var size: Int
    public var createdAt: String

    public init(
        id: Int64, partnerID: String, batchKey: String, fileName: String, controlName: String?, runDate: CalendarDate,
        sequence: Int,
        state: BatchState, accounts: Int, invoices: Int, total: Int64, sha256: String, size: Int, createdAt: String
    ) {
        self.id = id
        self.partnerID = partnerID
        self.batchKey = batchKey
        self.fileName = fileName
        self.controlName = controlName
        self.runDate = runDate
        self.sequence = sequence
        self.state = state
        self.accounts = accounts
        self.invoices = invoices
        self.total = total
        self.sha256 = sha256
        self.size = size
        self.createdAt = createdAt
    }
}

/// An account's placement with one agency, and where it stands.
public struct PlacementRecord: Hashable, Sendable {
    public var id: Int64
    public var customerID: Int64
    public var accountNumber: String
    public var partnerID: String
    public var tier: Int
    public var batchID: Int64?
    public var state: PlacementLifecycle.State
    public var agencyReference: String?
    public var placedOn: CalendarDate
    public var balance: Money
    public var oldestDueDate: CalendarDate
    public var daysPastDue: Int
    /// The agency's own code for the account's latest status (`PPA`, `promise_to_pay`…), if it sent one.
    public var agencyStatus: String?

    /// Why the placement ended (paid in full, settled, returned uncollectable, recalled,
    /// withdrawn), or `nil` while it has not.
    public var closureReason: ClosureReason? {
        if case .closed(let reason) = state { return reason }
        return nil
    }

    public init(id: Int64, customerID: Int64, accountNumber: String, partnerID: String, tier: Int, batchID: Int64?,
                state: PlacementLifecycle.State, agencyReference: String?, placedOn: CalendarDate, balance: Money,
                oldestDueDate: CalendarDate, daysPastDue: Int, agencyStatus: String? = nil) {
        self.id = id
        self.customerID = customerID
        self.accountNumber = accountNumber
        self.partnerID = partnerID
        self.tier = tier
        self.batchID = batchID
        self.state = state
        self.agencyReference = agencyReference
        self.placedOn = placedOn
        self.balance = balance
        self.oldestDueDate = oldestDueDate
        self.daysPastDue = daysPastDue
        self.agencyStatus = agencyStatus
    }
}

/// A placement to record.
public struct NewPlacement: Hashable, Sendable {
    public var customerID: Int64
    public var partnerID: String
    public var tier: Int
    public var batchID: Int64
    public var placedOn: CalendarDate
    public var balance: Money
    public var oldestDueDate: CalendarDate
    public var daysPastDue: Int
    /// The placed invoices with their balances then.
    public var invoices: [(invoiceID: Int64, balance: Int64)]
    /// The account's itemization, frozen with this placement when it is the account's first;
    /// nil when an earlier placement froze it.
    public var itemization: FrozenItemization?

    public init(customerID: Int64, partnerID: String, tier: Int, batchID: Int64, placedOn: CalendarDate, balance: Money,
                oldestDueDate: CalendarDate, daysPastDue: Int, invoices: [(invoiceID: Int64, balance: Int64)],
                itemization: FrozenItemization? = nil) {
        self.customerID = customerID
        self.partnerID = partnerID
        self.tier = tier
        self.batchID = batchID
        self.placedOn = placedOn
        self.balance = balance
        self.oldestDueDate = oldestDueDate
        self.daysPastDue = daysPastDue
        self.invoices = invoices
        self.itemization = itemization
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.customerID == b.customerID && a.partnerID == b.partnerID && a.batchID == b.batchID && a.placedOn == b.placedOn
    }
    public func hash(into h: inout Hasher) { h.combine(customerID); h.combine(batchID) }
}

/// The itemization frozen at an account's first placement.
public struct FrozenItemization: Hashable, Sendable {
    public var date: CalendarDate
    public var amount: Money
    public var basis: ItemizationBasis
    public var invoiceIDs: Set<Int64>
    public init(date: CalendarDate, amount: Money, basis: ItemizationBasis, invoiceIDs: Set<Int64>) {
        self.date = date
        self.amount = amount
        self.basis = basis
        self.invoiceIDs = invoiceIDs
    }
}

/// A final notice recorded for an account.
public struct FinalNoticeRecord: Hashable, Sendable {
    public var customerID: Int64
    public var profile: DebtorProfile
    public var noticeDate: CalendarDate
    public var balance: Money
    public init(customerID: Int64, profile: DebtorProfile, noticeDate: CalendarDate, balance: Money) {
        self.customerID = customerID
        self.profile = profile
        self.noticeDate = noticeDate
        self.balance = balance
    }
}

/// What a placement run and the placement commands read.
/// Placements still open with one agency in one currency.
public struct OpenPlacementTotal: Hashable, Sendable {
    public var partnerID: String
    public var currency: String
    public var accounts: Int
    /// Minor units of `currency`.
    public var balance: Int64
    public init(partnerID: String, currency: String, accounts: Int, balance: Int64) {
        self.partnerID = partnerID
        self.currency = currency
        self.accounts = accounts
        self.balance = balance
    }
}

public protocol PlacementReading: ARReading {
    /// Every account with an open invoice past due on `asOf`, with what the selection rules
    /// need, one at a time (constant memory).
    func forEachPlacementCandidate(asOf: CalendarDate, _ body: (PlacementCandidate) throws -> Void) throws
    /// The ledger entries of these invoices of an account, for an itemization.
    func itemizationEntries(customerID: Int64, invoiceIDs: Set<Int64>) throws -> [Itemization.Entry]
    /// The itemization frozen at the account's first placement, if it was placed before.
    func frozenItemization(customerID: Int64) throws -> FrozenItemization?
    /// Every batch, newest first.
    func batches() throws -> [BatchRecord]
    /// Every placement, in the order made.
    func forEachPlacement(_ body: (PlacementRecord) throws -> Void) throws
    /// Per agency and currency, the placements still open (neither rejected nor closed) and
    /// the balance they held when placed.
    func openPlacementTotals() throws -> [OpenPlacementTotal]
    /// Every placement of one account.
    func placements(customerID: Int64) throws -> [PlacementRecord]
    /// One page of placements in the order they were made, and how many there are in all.
    func placements(offset: Int, limit: Int) throws -> (total: Int, page: [PlacementRecord])
    /// Every final notice, oldest first.
    func finalNotices() throws -> [FinalNoticeRecord]
}

/// What a placement run writes, inside one transaction.
public protocol PlacementWriting: ARWriting, PlacementReading {
    /// The next number in a per-partner, per-day sequence (1, 2, 3…).
    func nextSequence(partnerID: String, day: CalendarDate, kind: String) throws -> Int
    /// Adds a batch; returns its id.
    func insertBatch(_ batch: BatchRecord) throws -> Int64
    /// Records a batch's final counts, hash and size once its file is complete.
    func completeBatch(id: Int64, accounts: Int, invoices: Int, total: Int64, sha256: String, size: Int) throws
    /// Records the name of a batch's control file.
    func setControlName(batchID: Int64, _ name: String) throws
    /// Adds placements with their invoices, and freezes the itemizations they carry, as one set:
    /// each in the state ``PlacementLifecycle/batchWritten(batchID:)`` moves a selected placement
    /// to (`batched`). Returns their ids, in order. The store refuses a second open placement
    /// of one account. A placement run hands them over a page at a time, so that a database
    /// across a network is asked a few statements per page, not several per account.
    func insertPlacements(_ placements: [NewPlacement]) throws -> [Int64]
    /// Records a final notice for an account.
    func recordFinalNotice(customerID: Int64, date: CalendarDate, balance: Money) throws
}

/// A store that keeps placements as well as the AR record.
public protocol PlacementStore: ARStore {
    func readPlacements<T>(_ body: (any PlacementReading) throws -> T) throws -> T
    func writePlacements<T>(_ body: (any PlacementWriting) throws -> T) throws -> T
}
