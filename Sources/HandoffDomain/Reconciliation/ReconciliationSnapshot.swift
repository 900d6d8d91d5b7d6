/// What reconciliation knows, before it decides, of the accounts, payments, requests and
/// events a batch of one agency's events touches. The runner loads it in a few reads for a
/// whole chunk of a file (or a page of a feed); ``ReconciliationSnapshot/decide(_:from:)``
/// changes it as it decides, so each event sees what the events before it did.
///
/// Whatever the batch names and the snapshot lacks is absent from the AR record: an account
/// number not in ``accounts`` is unknown, a payment id not in ``payments`` has not arrived.
public struct ReconciliationSnapshot: Sendable, Hashable {
    /// The agency the events come from.
    public var partnerID: String
    public var commission: CommissionSchedule
    /// The date of an event that carries none.
    public var today: CalendarDate
    /// The accounts the batch names, by account number.
    public var accounts: [String: AccountSnapshot]
    /// Events recorded before under the keys the batch uses (and the keys of their conflicts), by key.
    public var seen: [String: SeenEvent]
    /// This agency's payments the batch's reversals name, by the agency's payment id.
    public var payments: [String: RecordedPayment]
    /// Transaction references already recorded (`partner:id`), among those the batch would book.
    public var recorded: Set<String>
    /// This agency's requests the batch names or may move, by request id.
    public var requests: [String: RequestSnapshot]

    public init(
        partnerID: String, commission: CommissionSchedule, today: CalendarDate,
        accounts: [String: AccountSnapshot] = [:],
        seen: [String: SeenEvent] = [:], payments: [String: RecordedPayment] = [:], recorded: Set<String> = [],
        requests: [String: RequestSnapshot] = [:]) {
        self.partnerID = partnerID
        self.commission = commission
        self.today = today
        self.accounts = accounts
        self.seen = seen
        self.payments = payments
        self.recorded = recorded
        self.requests = requests
    }
}

/// One account as reconciliation needs it.
public struct AccountSnapshot: Sendable, Hashable {
    public var customerID: Int64
    public var profile: DebtorProfile
    /// Its open (or rejected) placement with the agency, newest; `nil` when never placed with it.
    public var placement: PlacementSnapshot?
    /// The invoices that placement placed, with their balances now.
    public var placedInvoices: [OpenItem]
    /// The day the agency closed the account (its latest applied closing status), if it did.
    public var closedOn: CalendarDate?

    public var accountNumber: String { profile.accountNumber }
    public var currency: Currency { profile.currency }

    public init(
        customerID: Int64, profile: DebtorProfile, placement: PlacementSnapshot?, placedInvoices: [OpenItem],
        closedOn: CalendarDate?
    ) {
        self.customerID = customerID
        self.profile = profile
        self.placement = placement
        self.placedInvoices = placedInvoices
        self.closedOn = closedOn
    }
}

/// A placement as reconciliation needs it.
public struct PlacementSnapshot: Sendable, Hashable {
    public var id: Int64
    public var state: PlacementLifecycle.State
    public var placedOn: CalendarDate
    public var oldestDueDate: CalendarDate
    /// The agency's own code for the account's latest status, if it sent one.
    public var agencyStatus: String?

    public init(
        id: Int64, state: PlacementLifecycle.State, placedOn: CalendarDate, oldestDueDate: CalendarDate,
        agencyStatus: String?
    ) {
        self.id = id
        self.state = state
        self.placedOn = placedOn
        self.oldestDueDate = oldestDueDate
        self.agencyStatus = agencyStatus
    }
}

/// A payment the agency collected, as recorded: what a reversal of it needs.
public struct RecordedPayment: Sendable, Hashable {
    /// `partner:paymentID`.
    public var reference: String
    public var customerID: Int64
    public var accountNumber: String
    /// How it was applied, in order.
    public var shares: [Allocation.Share]
    /// What reversals restored of it so far, per invoice.
    public var reversed: [Int64: Int64]
    /// The commission rate it was booked at (parts per million; 0 when none was recorded).
    public var ratePPM: Int64

    public init(
        reference: String, customerID: Int64, accountNumber: String, shares: [Allocation.Share],
        reversed: [Int64: Int64], ratePPM: Int64
    ) {
        self.reference = reference
        self.customerID = customerID
        self.accountNumber = accountNumber
        self.shares = shares
        self.reversed = reversed
        self.ratePPM = ratePPM
    }
}

/// An event recorded before, under its key.
public struct SeenEvent: Sendable, Hashable {
    public var event: AgencyEvent
    /// Where it came from, in words (`KRP_ACT_….csv:3`, `keystone-recovery event 1c9e…`).
    public var sourceLabel: String
    public var state: AgencyEventState

    public init(event: AgencyEvent, sourceLabel: String, state: AgencyEventState) {
        self.event = event
        self.sourceLabel = sourceLabel
        self.state = state
    }
}

/// A request to the agency as reconciliation needs it.
public struct RequestSnapshot: Sendable, Hashable {
    public var requestID: String
    /// The placement it is about, if any.
    public var placementID: Int64?
    public var progress: AgencyRequestProgress
    /// Its order among the agency's requests (the store's id).
    public var order: Int64

    public var kind: String { progress.kind }

    public init(requestID: String, placementID: Int64?, kind: String, state: AgencyRequestState, order: Int64) {
        self.requestID = requestID
        self.placementID = placementID
        self.progress = AgencyRequestProgress(state: state, kind: kind)
        self.order = order
    }
}
