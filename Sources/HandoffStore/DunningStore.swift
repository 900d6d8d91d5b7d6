public import HandoffDomain

/// One dunning message as recorded: to whom, for which step and cycle, its exact bytes, and
/// where it stands.
public struct DunningMessageRecord: Hashable, Sendable {
    public var id: Int64
    public var customerID: Int64
    public var accountNumber: String
    public var step: String
    public var kind: DunningStepKind
    /// The dunning cycle (the due date of the oldest past-due invoice when it was written).
    public var cycle: String
    /// The stable Message-ID (without angle brackets).
    public var messageID: String
    public var recipient: String
    public var subject: String
    /// The past-due total the message names, in minor units of `currency`.
    public var balance: Int64
    public var currency: String
    /// The invoice numbers it covers.
    public var invoices: [String]
    /// For a final notice: the placement date it names.
    public var placementDate: CalendarDate?
    /// The day the message was written for.
    public var asOf: CalendarDate
    /// The whole message (RFC 5322), exactly as sent and sent again.
    public var content: [UInt8]
    public var delivery: DunningDelivery
    public var lastError: String?
    public var createdAt: String
    public var updatedAt: String
    /// When the server accepted it.
    public var sentAt: String?

    public init(
        id: Int64, customerID: Int64, accountNumber: String, step: String, kind: DunningStepKind, cycle: String,
        messageID: String, recipient: String, subject: String, balance: Int64, currency: String, invoices: [String],
        placementDate: CalendarDate?, asOf: CalendarDate, content: [UInt8], delivery: DunningDelivery,
        lastError: String?, createdAt: String, updatedAt: String, sentAt: String?
    ) {
        self.id = id
        self.customerID = customerID
        self.accountNumber = accountNumber
        self.step = step
        self.kind = kind
        self.cycle = cycle
        self.messageID = messageID
        self.recipient = recipient
        self.subject = subject
        self.balance = balance
        self.currency = currency
        self.invoices = invoices
        self.placementDate = placementDate
        self.asOf = asOf
        self.content = content
        self.delivery = delivery
        self.lastError = lastError
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.sentAt = sentAt
    }
}

/// A dunning message about to be recorded (state `sending`, before its SMTP transaction).
public struct NewDunningMessage: Hashable, Sendable {
    public var customerID: Int64
    public var step: String
    public var kind: DunningStepKind
    public var cycle: String
    public var messageID: String
    public var recipient: String
    public var subject: String
    public var balance: Money
    public var invoices: [String]
    public var placementDate: CalendarDate?
    public var asOf: CalendarDate
    public var content: [UInt8]

    public init(
        customerID: Int64, step: String, kind: DunningStepKind, cycle: String, messageID: String, recipient: String,
        subject: String, balance: Money, invoices: [String], placementDate: CalendarDate?, asOf: CalendarDate,
        content: [UInt8]
    ) {
        self.customerID = customerID
        self.step = step
        self.kind = kind
        self.cycle = cycle
        self.messageID = messageID
        self.recipient = recipient
        self.subject = subject
        self.balance = balance
        self.invoices = invoices
        self.placementDate = placementDate
        self.asOf = asOf
        self.content = content
    }
}

/// One account on the credit-hold list as last recorded (to tell entering from leaving).
public struct CreditHoldListed: Hashable, Sendable {
    public var customerID: Int64
    /// The reasons, sorted, joined by `;`.
    public var reasons: String
    public var since: CalendarDate
    public init(customerID: Int64, reasons: String, since: CalendarDate) {
        self.customerID = customerID
        self.reasons = reasons
        self.since = since
    }
}

/// What dunning, the credit-hold list and the work list read.
public protocol DunningReading: PlacementReading {
    /// Every dunning message, oldest first.
    func dunningMessages() throws -> [DunningMessageRecord]
    /// The dunning messages of one account, oldest first.
    func dunningMessages(customerID: Int64) throws -> [DunningMessageRecord]
    func dunningMessage(id: Int64) throws -> DunningMessageRecord?
    /// The steps recorded so far, per account.
    func recordedDunningSteps() throws -> [Int64: Set<RecordedDunningStep>]
    /// What the credit-hold rules need, for every account with an open invoice, an open
    /// placement or a write-off.
    func creditHoldFacts() throws -> [CreditHoldFacts]
    /// The credit-hold list as last recorded.
    func recordedCreditHolds() throws -> [CreditHoldListed]
}

/// What dunning writes, inside one transaction.
public protocol DunningWriting: DunningReading, PlacementWriting {
    /// Records a message in the state `sending`; returns its id, or `nil` when the account
    /// already has that step in that cycle (another run recorded it first): then nothing is written.
    func insertDunningMessage(_ message: NewDunningMessage) throws -> Int64?
    /// Stores a message's state machine and last error (`sentAt` once accepted).
    func updateDunningMessage(id: Int64, _ delivery: DunningDelivery, lastError: String?) throws
    /// Gives a message not yet sent a new recipient, and the content addressed to it (a resend
    /// after the customer's address was corrected).
    func readdressDunningMessage(id: Int64, recipient: String, content: [UInt8]) throws
    /// Records an account on the credit-hold list (or its new reasons).
    func recordCreditHold(_ entry: CreditHoldListed) throws
    /// Removes an account from the recorded credit-hold list.
    func removeCreditHold(customerID: Int64) throws
}

/// A store that keeps dunning messages and the credit-hold list.
public protocol DunningStore: PlacementStore {
    func readDunning<T>(_ body: (any DunningReading) throws -> T) throws -> T
    func writeDunning<T>(_ body: (any DunningWriting) throws -> T) throws -> T
}
