public import HandoffDomain

/// An agency event as recorded: applied, waiting (a reversal before its payment), or held
/// for a person (unknown account, not with that agency, a file rejected whole…).
public struct EventRecord: Hashable, Sendable {
    public var id: Int64
    public var partnerID: String
    public var key: String
    public var inboxID: Int64?
    public var accountNumber: String?
    public var kind: String
    /// The event as JSON, so that a waiting event can be applied later.
    public var payload: String
    /// Where the event stands: applied, held, waiting or dismissed (stored as its raw value).
    public var state: AgencyEventState
    public var reason: String?

    public init(id: Int64, partnerID: String, key: String, inboxID: Int64?, accountNumber: String?, kind: String,
                payload: String, state: AgencyEventState, reason: String?) {
        self.id = id
        self.partnerID = partnerID
        self.key = key
        self.inboxID = inboxID
        self.accountNumber = accountNumber
        self.kind = kind
        self.payload = payload
        self.state = state
        self.reason = reason
    }
}

/// An agency event to record under its key, with its state and reason.
public struct NewAgencyEvent: Hashable, Sendable {
    public var partnerID: String
    public var key: String
    public var inboxID: Int64?
    public var accountNumber: String?
    public var kind: String
    /// The event and its source as JSON, so that a waiting or held event can be applied later.
    public var payload: String
    public var state: AgencyEventState
    public var reason: String?

    public init(partnerID: String, key: String, inboxID: Int64?, accountNumber: String?, kind: String, payload: String,
                state: AgencyEventState, reason: String?) {
        self.partnerID = partnerID
        self.key = key
        self.inboxID = inboxID
        self.accountNumber = accountNumber
        self.kind = kind
        self.payload = payload
        self.state = state
        self.reason = reason
    }
}

/// A commission the agency earns (or gives back) on one transaction: what Handoff computes
/// from the partner's schedule beside what the agency reported.
public struct CommissionRecord: Hashable, Sendable {
    public var partnerID: String
    public var customerID: Int64
    public var transactionID: Int64?
    public var eventKey: String
    /// `collection`, `reversal` or `direct_payment`.
    public var kind: String
    /// The amount the commission is on (minor units, negative for a reversal).
    public var base: Int64
    public var ratePPM: Int64
    public var expected: Int64
    public var reported: Int64?
    public var currency: String
    /// The date of the transaction (or echo) the commission is on.
    public var date: CalendarDate?

    public init(
        partnerID: String, customerID: Int64, transactionID: Int64?, eventKey: String, kind: String, base: Int64,
        ratePPM: Int64,
        expected: Int64, reported: Int64?, currency: String, date: CalendarDate? = nil) {
        self.partnerID = partnerID
        self.customerID = customerID
        self.transactionID = transactionID
        self.eventKey = eventKey
        self.kind = kind
        self.base = base
        self.ratePPM = ratePPM
        self.expected = expected
        self.reported = reported
        self.currency = currency
        self.date = date
    }

    /// The agency reported a different commission than the schedule gives: flagged, never accepted silently.
    public var differs: Bool { reported.map { $0 != expected } ?? false }
}

/// A remittance statement and how it matched Handoff's own records.
///
/// A statement is matched and stored per currency: no statement names one, but each line
/// names a transaction Handoff recorded in one currency. A statement whose lines span
/// currencies is split, each part matched on its own, and every part flagged for a person
/// (one transfer of money carries one currency).
public struct RemittanceRecord: Hashable, Sendable, Codable {
    /// One way a statement differs from what Handoff recorded.
    public struct Difference: Hashable, Sendable, Codable {
        public var transactionID: String
        /// `amount`, `commission`, `unknown` (not recorded by Handoff), `missing` (recorded,
        /// not on the statement), `already_remitted` (an earlier statement remitted it and
        /// nothing changed since) or `currency` (the statement spans currencies).
        public var field: String
        public var statement: Int64?
        public var recorded: Int64?
        public init(transactionID: String, field: String, statement: Int64?, recorded: Int64?) {
            self.transactionID = transactionID
            self.field = field
            self.statement = statement
            self.recorded = recorded
        }
        enum CodingKeys: String, CodingKey {
            case transactionID = "transaction_id", field, statement, recorded
        }
    }
    /// What one statement remitted for one transaction (a payment, reversal or direct
    /// payment, by the agency's id): a later statement that lists it again remits only what
    /// changed since (a reversal, counting negative).
    public struct Item: Hashable, Sendable, Codable {
        public var transactionID: String
        public var amount: Int64
        public var commission: Int64
        public init(transactionID: String, amount: Int64, commission: Int64) {
            self.transactionID = transactionID
            self.amount = amount
            self.commission = commission
        }
        enum CodingKeys: String, CodingKey {
            case transactionID = "transaction_id", amount, commission
        }
    }
    public var partnerID: String
    public var key: String
    /// `net` or `gross`.
    public var model: String
    public var amount: Int64
    public var commission: Int64
    public var net: Int64
    public var reference: String?
    public var date: String?
    /// `matched`, `mismatch` or `refused` (its own totals disagree: applied not at all).
    public var state: String
    public var differences: [Difference]
    public var note: String?
    /// The month (YYYY-MM) of the latest transaction the statement covers.
    public var period: String?
    /// The ISO 4217 code of what this statement (or this part of it) lists; `nil` when no
    /// line names a transaction Handoff knows.
    public var currency: String?
    /// What it remitted per transaction (stored with it; not read back by ``ReconciliationWriting/remittances()``).
    public var items: [Item] = []

    enum CodingKeys: String, CodingKey {
        case partnerID = "partner", key, model, amount, commission, net, reference, date, state, differences, note,
            period, currency
    }

    public init(
        partnerID: String, key: String, model: String, amount: Int64, commission: Int64, net: Int64, reference: String?,
        date: String?,
        state: String, differences: [Difference], note: String?, period: String? = nil, currency: String? = nil
    ) {
        self.partnerID = partnerID
        self.key = key
        self.model = model
        self.amount = amount
        self.commission = commission
        self.net = net
        self.reference = reference
        self.date = date
        self.state = state
        self.differences = differences
        self.note = note
        self.period = period
        self.currency = currency
    }
}

/// A request to an agency about one account, queued until sent.
public struct AgencyRequestRecord: Hashable, Sendable {
    public var id: Int64
    public var partnerID: String
    public var customerID: Int64
    public var accountNumber: String
    public var agencyReference: String?
    public var kind: String
    public var requestID: String
    public var amount: Money?
    public var date: CalendarDate
    public var reason: String?
    public var note: String?
    /// Where the request stands: queued, sent, accepted (the agency acknowledged it; a recall or
    /// dispute awaits its status), confirmed, objected, rejected (the agency refused it) or failed
    /// (stored as its raw value).
    public var state: AgencyRequestState
    public var lastError: String?

    public init(id: Int64, partnerID: String, customerID: Int64, accountNumber: String, agencyReference: String?,
                kind: String, requestID: String, amount: Money?, date: CalendarDate, reason: String?, note: String?,
                state: AgencyRequestState, lastError: String?) {
        self.id = id
        self.partnerID = partnerID
        self.customerID = customerID
        self.accountNumber = accountNumber
        self.agencyReference = agencyReference
        self.kind = kind
        self.requestID = requestID
        self.amount = amount
        self.date = date
        self.reason = reason
        self.note = note
        self.state = state
        self.lastError = lastError
    }
}

public protocol ReconciliationWriting: PlacementWriting, InboxWriting, ReportReading, DashboardReading {
    /// Queues a request (once per partner and request id).
    func queueRequest(
        partnerID: String, customerID: Int64, placementID: Int64?, kind: String, requestID: String, amount: Money?,
        date: CalendarDate, reason: String?, note: String?) throws
    /// Requests in a state, oldest first.
    func requests(state: AgencyRequestState?) throws -> [AgencyRequestRecord]
    func setRequestState(id: Int64, _ state: AgencyRequestState, error: String?, batchID: Int64?) throws
    /// Payments the business recorded itself (imported) for accounts an agency holds, made on or
    /// after their placement and not yet reported to that agency: each becomes a direct-payment report.
    func unreportedDirectPayments() throws -> [(placement: PlacementRecord, transaction: TransactionRecord)]
    /// Non-agency credits and write-offs on accounts an agency holds, made after placement, not yet reported.
    func unreportedAdjustments() throws -> [(placement: PlacementRecord, transaction: TransactionRecord)]
    /// Clears an agency's rejection of an account, so that the agency may be offered it again.
    func clearRejection(customerID: Int64, partnerID: String) throws -> Bool
    /// The invoices a placement placed.
    func placedInvoiceIDs(placementID: Int64) throws -> Set<Int64>
    /// Adds a batch of another kind than a placement (an updates file).
    func setBatchKind(id: Int64, _ kind: String) throws
    func batchKind(id: Int64) throws -> String
    /// Records a remittance statement once (a second time with the same key changes nothing).
    func recordRemittance(_ r: RemittanceRecord) throws
    /// Every remittance statement, oldest first.
    func remittances() throws -> [RemittanceRecord]
    /// What earlier statements of an agency remitted for each of these transactions (the
    /// agency's ids), summed: absent when none listed it.
    func remittedItems(partnerID: String, transactionIDs: [String]) throws -> [String: RemittanceRecord.Item]
    /// The event recorded with this id, if any.
    func agencyEvent(id: Int64) throws -> EventRecord?
    /// Sets a recorded event's state and reason (a held event retried or dismissed by a person).
    func setEventState(id: Int64, _ state: AgencyEventState, reason: String?) throws
    /// The event recorded under this key, if any.
    func agencyEvent(partnerID: String, key: String) throws -> EventRecord?
    /// Records an event with its state; replaces a waiting one with the same key.
    func recordAgencyEvent(
        partnerID: String, key: String, inboxID: Int64?, accountNumber: String?, kind: String, payload: String,
        state: AgencyEventState, reason: String?) throws
    /// Events waiting to be applied, oldest first.
    func waitingEvents() throws -> [EventRecord]
    /// Claims a received file (or feed event) for this transaction, which applies it: `true`
    /// when it is still `received` and no other transaction holds it, `false` otherwise,
    /// changing nothing. On PostgreSQL the row stays locked (`FOR UPDATE SKIP LOCKED`) until
    /// this transaction ends, however it ends, so that several instances applying returns at
    /// once share the files, each applied by one of them; on SQLite one writer at a time
    /// holds the whole database.
    func claimReceivedFile(id: Int64) throws -> Bool
    /// Claims a waiting event for this transaction, as ``claimReceivedFile(id:)`` claims a file:
    /// `true` when it is still `waiting` and no other transaction holds it.
    func claimWaitingEvent(id: Int64) throws -> Bool
    /// Every recorded event, oldest first.
    func agencyEvents() throws -> [EventRecord]
    /// The events about one account, oldest first.
    func agencyEvents(accountNumber: String) throws -> [EventRecord]
    /// Events whose state is none of `states`, newest first, at most `limit` of them.
    func agencyEvents(notIn states: Set<String>, limit: Int) throws -> [EventRecord]
    /// Each batch's placed balance by currency (batch id → currency code → minor units).
    func batchTotals() throws -> [Int64: [String: Int64]]
    /// How many events are in each state.
    func agencyEventCounts() throws -> [String: Int]
    /// The open (or rejected) placement of an account with a partner, newest first.
    func placement(customerID: Int64, partnerID: String) throws -> PlacementRecord?
    /// Stores a placement's lifecycle state, agency reference and reason.
    func updatePlacement(id: Int64, state: PlacementLifecycle.State, agencyReference: String?, agencyStatus: String?)
        throws
    /// The agency status code last reported for a placement.
    func agencyStatus(placementID: Int64) throws -> String?
    /// Records a status the agency reported for a placement, on its date, once per event key
    /// (the term clock reads payment plans and objections from these).
    func recordPlacementStatus(
        placementID: Int64, date: CalendarDate, code: String, meaning: StatusMeaning, eventKey: String) throws
    func recordCommission(_ c: CommissionRecord) throws
    func commissions() throws -> [CommissionRecord]
    /// One agency's commission recorded under an event key (`payment:ID`, `reversal:ID`, `direct:ID`), if any.
    func commission(partnerID: String, eventKey: String) throws -> CommissionRecord?
    /// Every commission recorded for one agency, in the order recorded.
    func commissions(partnerID: String) throws -> [CommissionRecord]
    /// Every request to an agency about one account, oldest first.
    func requests(customerID: Int64) throws -> [AgencyRequestRecord]
    /// The request to an agency with this request id, if Handoff ever queued one.
    func requests(partnerID: String, requestID: String) throws -> AgencyRequestRecord?
    /// Moves one request, named by the agency and its request id, to a new state (an
    /// acknowledgement or echo of an update); returns the request as it was, or `nil` when
    /// Handoff never sent such a request to that agency.
    func setRequestState(partnerID: String, requestID: String, to state: AgencyRequestState, error: String?) throws
        -> AgencyRequestRecord?
    /// Runs `body` so that, when it throws, nothing it wrote stays (a savepoint inside the
    /// transaction): one agency event that cannot be booked never takes the rest of its file with it.
    func undoable<T>(_ body: () throws -> T) throws -> T
    // MARK: What a chunk of one agency's events touches, read in one statement each

    /// The newest placement with the agency of each of these customers, as reconciliation needs it (by customer id).
    func latestPlacements(customerIDs: [Int64], partnerID: String) throws -> [Int64: PlacementSnapshot]
    /// The invoices each of these placements placed, with their balances now, oldest due first (by placement id).
    func placedInvoices(placementIDs: [Int64]) throws -> [Int64: [OpenItem]]
    /// The agency's events recorded under these keys.
    func agencyEvents(partnerID: String, keys: [String]) throws -> [EventRecord]
    /// The agency's applied status events about these accounts (to find the day it closed each).
    func appliedStatusEvents(partnerID: String, accountNumbers: [String]) throws -> [EventRecord]
    /// The transactions recorded under these references: reference → (id, customer id).
    func transactionIDs(references: [String]) throws -> [String: (id: Int64, customerID: Int64)]
    /// The commission rates (parts per million) recorded for the agency under these event keys.
    func commissionRates(partnerID: String, eventKeys: [String]) throws -> [String: Int64]
    /// The agency's requests with these request ids or about these placements.
    func requestSnapshots(partnerID: String, requestIDs: [String], placementIDs: [Int64]) throws -> [RequestSnapshot]

    // MARK: What a chunk of events writes, a few statements for all of it

    /// ``updatePlacement(id:state:agencyReference:agencyStatus:)`` for each change, in order,
    /// as one set where the engine gains by it: each placement's row ends as if its changes
    /// were written one by one (``PlacementChange/stored(_:)``).
    func updatePlacements(_ changes: [PlacementChange]) throws
    /// ``recordPlacementStatus(placementID:date:code:meaning:eventKey:)`` for each, in order,
    /// as one set where the engine gains by it (a repeat of a placement's event key is kept once).
    func recordPlacementStatuses(_ statuses: [ReportedStatus]) throws

    /// Records commissions, in order, as a set (SQLite: one prepared insert run per row).
    func recordCommissions(_ commissions: [CommissionRecord]) throws
    /// Records events, in order, as a set (SQLite: one prepared insert run per row); each
    /// replaces only a `waiting` event with its key, and a key twice in the list ends as if the
    /// two were written one after the other.
    func recordAgencyEvents(_ events: [NewAgencyEvent]) throws

    /// Whether an error is the database refusing what it was asked to store (a constraint,
    /// an integer overflow), as opposed to a fault of the database itself (disk, I/O).
    func isRefusal(_ error: any Error) -> Bool
}

public protocol ReconciliationStore: InboxStore {
    func writeReconciliation<T>(_ body: (any ReconciliationWriting) throws -> T) throws -> T
    /// A read-only view (its writing methods fail).
    func readReconciliation<T>(_ body: (any ReconciliationWriting) throws -> T) throws -> T
}
