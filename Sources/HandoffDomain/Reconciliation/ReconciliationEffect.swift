/// One change reconciliation decided, for the runner to write. Effects carry no source: every
/// effect of an event is written citing that event's file and line, or event id.
public enum ReconciliationEffect: Sendable, Hashable {
    /// Store a placement's lifecycle state, and the agency's reference and status when it gave them.
    case placement(id: Int64, state: PlacementLifecycle.State, agencyReference: String?, agencyStatus: String?)
    /// Record a transaction and its ledger entries.
    case booking(Booking)
    /// Record the commission the agency earns (or gives back) on a transaction or an echo.
    case commission(CommissionDue)
    /// Store the account's profile with a hold added, and audit it (`customer.hold_added`).
    case holdAdded(customerID: Int64, profile: DebtorProfile, hold: Hold, detail: String)
    /// Move a request to the agency (named by its request id) to a new state.
    case request(requestID: String, state: AgencyRequestState, error: String?)
    /// Record, held for a person, what a payment brought beyond what was placed.
    case overpayment(key: String, accountNumber: String, reason: String)
    /// Audit a settlement allowance written off (`settlement.allowance`).
    case settlementAudited(accountNumber: String, detail: String)
    /// Record the day the agency sent the debtor the validation notice, unless one is recorded.
    case validationNotice(customerID: Int64, date: CalendarDate)
}

/// A transaction with how it spreads over invoices.
public struct Booking: Sendable, Hashable {
    /// Unique: `partner:paymentID`, `partner:reversalID`, `partner:settlement:KEY`.
    public var reference: String
    public var customerID: Int64
    public var date: CalendarDate
    public var kind: EntryKind
    /// Positive, in minor units of `currency`.
    public var amount: Int64
    public var currency: Currency
    /// The reference of the payment a reversal reverses.
    public var reverses: String?
    /// Its ledger entries: per invoice, the signed change to the balance (sum: `kind.sign × amount`).
    public var entries: [Allocation.Share]

    public init(
        reference: String, customerID: Int64, date: CalendarDate, kind: EntryKind, amount: Int64, currency: Currency,
        reverses: String?, entries: [Allocation.Share]) {
        self.reference = reference
        self.customerID = customerID
        self.date = date
        self.kind = kind
        self.amount = amount
        self.currency = currency
        self.reverses = reverses
        self.entries = entries
    }
}

/// What an agency's commission is on. Stored as its raw value.
public enum CommissionKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// On a payment the agency collected.
    case collection
    /// Given back on a reversal of one (negative).
    case reversal
    /// Owed on a payment the debtor made to the business directly, which the agency echoed.
    case directPayment = "direct_payment"
}

/// A commission as Handoff computes it from the schedule, beside what the agency reported.
public struct CommissionDue: Sendable, Hashable {
    public var customerID: Int64
    /// The reference of the transaction it is on (the business's own for a direct payment; `nil` when unknown).
    public var transactionReference: String?
    /// `payment:ID`, `reversal:ID` or `direct:ID`.
    public var eventKey: String
    public var kind: CommissionKind
    /// The amount it is on (negative for a reversal).
    public var base: Int64
    public var ratePPM: Int64
    public var expected: Int64
    public var reported: Int64?
    public var currency: Currency
    public var date: CalendarDate

    public init(
        customerID: Int64, transactionReference: String?, eventKey: String, kind: CommissionKind, base: Int64,
        ratePPM: Int64,
        expected: Int64, reported: Int64?, currency: Currency, date: CalendarDate) {
        self.customerID = customerID
        self.transactionReference = transactionReference
        self.eventKey = eventKey
        self.kind = kind
        self.base = base
        self.ratePPM = ratePPM
        self.expected = expected
        self.reported = reported
        self.currency = currency
        self.date = date
    }
}

extension CommissionSchedule {
    /// The commission on `base` minor units for an account placed on `placedOn` whose oldest
    /// invoice fell due on `oldestDueDate`, while the agency's status is `status`: the rate
    /// (parts per million, 0 when no rate applies) and the amount. The one place Handoff
    /// computes what an agency earns on what it collected or what the business collected directly.
    public func due(on base: Int64, placedOn: CalendarDate, oldestDueDate: CalendarDate, status: String?) -> (
        ratePPM: Int64, expected: Int64
    ) {
        guard let rate = rate(ageDays: placedOn.days(since: oldestDueDate), status: status) else { return (0, 0) }
        return (rate.partsPerMillion, commission(on: base, rate: rate))
    }

    /// What the agency gives back when `amount` of a payment booked at `ratePPM` is reversed (negative).
    public func givenBack(on amount: Int64, ratePPM: Int64) -> Int64 {
        commission(on: 0 - amount, rate: Rate(partsPerMillion: ratePPM))
    }
}
