/// Something that needs a person: the dashboard's "Needs attention" queue lists these, each
/// with what happened and the action that deals with it.
public struct AttentionItem: Hashable, Sendable {
    /// What happened.
    public enum Kind: String, Sendable, CaseIterable {
        /// An agency event that was not applied (unknown account, conflict, overpayment…).
        case heldEvent = "held_event"
        /// A received file that could not be used; nothing from it was applied.
        case quarantinedFile = "quarantined_file"
        /// A received file with the name of an earlier one and other content.
        case heldFile = "held_file"
        /// A file to send that failed for good.
        case failedTransfer = "failed_transfer"
        /// The agency's commission on a payment differs from the partner file's schedule.
        case commissionDifference = "commission_difference"
        /// A remittance statement that does not match what was recorded, or was refused.
        case remittanceDifference = "remittance_difference"
        /// An agency rejected an account (not yet cleared).
        case rejectedPlacement = "rejected_placement"
        /// An agency returned an account as uncollectable.
        case returnedAccount = "returned_account"
        /// An account got a hold (bankruptcy, deceased, cease contact, dispute…).
        case newHold = "new_hold"
        /// A request to an agency that the agency rejected or that could not be sent.
        case failedRequest = "failed_request"
        /// A reminder or final notice the mail server refused for good (5xx, a bad address).
        case failedMessage = "failed_message"
        /// A reminder or final notice interrupted during its SMTP transaction: a person confirms
        /// whether it went out, or sends it again.
        case unconfirmedMessage = "unconfirmed_message"
        /// An agency's licence for a region expires within 30 days (its partner file says when).
        case licenceExpiring = "licence_expiring"
        /// An agency objected to a recall more often than its terms entitle it to.
        case recallObjection = "recall_objection"
    }

    public var kind: Kind
    /// The row's id in its own table (event, inbox file, transfer, commission, statement,
    /// placement, audit entry or request).
    public var id: Int64
    public var partnerID: String?
    public var accountNumber: String?
    /// What it is about: a file name, an event key, a statement key, a request id.
    public var subject: String
    /// The reason, error or difference, as recorded.
    public var detail: String?
    /// For a commission difference: what the agency took less what the schedule gives, in
    /// minor units of `currency`.
    public var amount: Int64?
    public var currency: String?
    /// When it happened, as stored (RFC 3339, or a date).
    public var when: String
    /// For a held event: its kind (`payment_collected`, or `conflict` and `overpayment`, which
    /// only a person settles: they cannot be retried).
    public var eventKind: String?

    public init(kind: Kind, id: Int64, partnerID: String?, accountNumber: String?, subject: String, detail: String?,
                amount: Int64? = nil, currency: String? = nil, when: String, eventKind: String? = nil) {
        self.kind = kind
        self.id = id
        self.partnerID = partnerID
        self.accountNumber = accountNumber
        self.subject = subject
        self.detail = detail
        self.amount = amount
        self.currency = currency
        self.when = when
        self.eventKind = eventKind
    }
}
