public import HandoffDomain

/// How the dashboard's accounts list is narrowed and ordered. Every filter and order is
/// done by the engine, so that a page of the list costs the same at any size of AR record.
public struct AccountListQuery: Hashable, Sendable {
    /// The order of the list.
    public enum Order: String, Hashable, Sendable, CaseIterable {
        /// By account number (the default).
        case account
        /// Largest open balance first, currency by currency (amounts in two currencies are never compared).
        case balance
        /// Most days past due first (the oldest open due date first).
        case daysPastDue = "days"
    }

    /// Part of an account number or a name, or `nil` for every account.
    public var search: String?
    /// Only accounts with a hold (bankruptcy, cease contact…).
    public var hasHold: Bool
    /// Only accounts with an open placement (`true`), or never or no longer placed (`false`).
    public var placed: Bool?
    /// Only accounts whose oldest open invoice is this far past due on `asOf`.
    public var bucket: AgingBucket?
    public var order: Order
    /// The day days past due are counted to.
    public var asOf: CalendarDate

    public init(
        search: String? = nil, hasHold: Bool = false, placed: Bool? = nil, bucket: AgingBucket? = nil,
        order: Order = .account,
        asOf: CalendarDate) {
        self.search = search
        self.hasHold = hasHold
        self.placed = placed
        self.bucket = bucket
        self.order = order
        self.asOf = asOf
    }
}

/// One account in the dashboard's list: its balance and age, and what a creditor checks
/// before acting on it (holds, disputed invoices, the agency that has it).
public struct AccountListRow: Hashable, Sendable {
    public var summary: AccountSummary
    /// Open invoices the customer disputes.
    public var disputedInvoices: Int
    /// The latest placement's agency and state (`active`, `closed`…), when it was ever placed.
    public var agency: String?
    public var placementState: String?

    public init(summary: AccountSummary, disputedInvoices: Int, agency: String?, placementState: String?) {
        self.summary = summary
        self.disputedInvoices = disputedInvoices
        self.agency = agency
        self.placementState = placementState
    }
}

/// A remittance statement as the dashboard lists it: the record and when it arrived.
public struct RemittanceListRow: Hashable, Sendable {
    public var record: RemittanceRecord
    /// When Handoff recorded it (RFC 3339, UTC).
    public var recordedAt: String

    public init(record: RemittanceRecord, recordedAt: String) {
        self.record = record
        self.recordedAt = recordedAt
    }
}

/// A request to an agency as the dashboard lists it: the record and when its state last changed.
public struct RequestListRow: Hashable, Sendable {
    public var record: AgencyRequestRecord
    /// When its state last changed (RFC 3339, UTC).
    public var updatedAt: String

    public init(record: AgencyRequestRecord, updatedAt: String) {
        self.record = record
        self.updatedAt = updatedAt
    }
}

/// Reads only the owner's dashboard makes: bounded pages, newest first.
public protocol DashboardReading {
    /// One page of the accounts list, and how many accounts the query matches in all.
    func accountList(_ query: AccountListQuery, offset: Int, limit: Int) throws -> (total: Int, rows: [AccountListRow])
    /// When each of these agency events was recorded (RFC 3339, UTC), by id.
    func agencyEventTimes(ids: [Int64]) throws -> [Int64: String]
    /// The latest `limit` remittance statements (each currency's part on its own), newest first.
    func latestRemittances(limit: Int) throws -> [RemittanceListRow]
    /// The latest `limit` requests to agencies, newest first.
    func latestRequests(limit: Int) throws -> [RequestListRow]
}
