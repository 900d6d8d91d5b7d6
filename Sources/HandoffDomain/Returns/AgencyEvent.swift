/// Everything an agency can tell the business, in one model for every agency: each partner
/// file maps its agency's own files or events onto it (`[returns.KIND.events]`).
public struct AgencyEvent: Hashable, Sendable, Codable {
    /// What happened.
    public enum Kind: Hashable, Sendable, Codable {
        /// The agency accepted a placed account, with its own reference for it.
        case accepted(agencyReference: String?)
        /// The agency refused a placed account.
        case rejected(reason: String)
        /// The agency accepted an update the business sent (a recall, a direct payment, an
        /// adjustment, a notice), named by the business's own request id.
        case updateAccepted(requestID: String)
        /// The agency refused an update the business sent, with its reason.
        case updateRejected(requestID: String, reason: String)
        /// The agency refused a whole file (never to be taken for per-account rejections).
        case fileRejected(reason: String)
        /// The agency's status for the account changed (its own code, and what it means).
        case statusChanged(code: String, meaning: StatusMeaning)
        /// Money the agency collected: gross, with its commission and the net when it says them.
        /// `invoices` says how the agency applied it; empty means oldest open invoice first.
        case paymentCollected(
            paymentID: String, gross: Int64, commission: Int64?, net: Int64?, invoices: [InvoiceAmount])
        /// An earlier collected payment that did not hold.
        case paymentReversed(reversalID: String, paymentID: String, amount: Int64, commission: Int64?)
        /// The agency's echo of a direct payment the business reported, with the commission the
        /// business owes on it. Never a second payment.
        case directPaymentEcho(transactionID: String, clientReference: String?, amount: Int64, commission: Int64?)
        /// One line of a remittance statement: a transaction as the agency counts it.
        case remittanceLine(transactionID: String, amount: Int64, commission: Int64, net: Int64)
        /// A statement's total line: what reached (or will reach) the business.
        case remittanceTotal(amount: Int64, commission: Int64, net: Int64, reference: String?)
        /// A whole statement in one event (an API's remittance notice): gross wired, fee
        /// invoiced, the payments it covers.
        case remittanceStatement(
            statementID: String, gross: Int64, fee: Int64, paymentIDs: [String], reference: String?)
    }

    public var partnerID: String
    /// `nil` for a file-level event.
    public var accountNumber: String?
    public var date: CalendarDate?
    public var kind: Kind
    /// Identifies the event at this agency so that it is applied once: a transaction or event
    /// id, or the file and line it came from.
    public var key: String
    /// The agency's own note, if any.
    public var note: String?

    public init(
        partnerID: String, accountNumber: String?, date: CalendarDate?, kind: Kind, key: String, note: String? = nil
    ) {
        self.partnerID = partnerID
        self.accountNumber = accountNumber
        self.date = date
        self.kind = kind
        self.key = key
        self.note = note
    }
}

/// What an agency status code means to Handoff.
public enum StatusMeaning: String, Hashable, Sendable, CaseIterable, Codable {
    /// The agency is working the account (active, payment plan, skip tracing, legal…).
    case active
    /// The debtor disputes the debt.
    case disputed
    /// Collection stopped, for a reason the agency's code does not say.
    case stopped
    /// Collection stopped: the debtor filed for bankruptcy. The account gets the `bankruptcy` hold.
    case bankruptcy
    /// Collection stopped: the debtor died. The account gets the `deceased` hold.
    case deceased
    /// Collection stopped: the debtor asked collectors to stop contacting them.
    /// The account gets the `cease_contact` hold.
    case ceaseContact = "cease_contact"
    /// Closed: paid in full.
    case paidInFull = "paid_in_full"
    /// Closed: settled for less, the rest forgiven by the business's authority.
    case settled
    /// Closed: returned as uncollectable.
    case returnedUncollectable = "returned_uncollectable"
    /// The agency confirmed a recall.
    case recallConfirmed = "recall_confirmed"
    /// The agency objected to a recall and keeps the account.
    case recallObjected = "recall_objected"
    /// The agency sent the debtor the validation notice (Regulation F), on the event's date:
    /// the account's notice date, where none was recorded before (docs/compliance.md).
    case validationNoticeSent = "validation_notice_sent"

    /// How the account's placement ends, when this status ends it.
    public var closure: ClosureReason? {
        switch self {
        case .paidInFull: return .paidInFull
        case .settled: return .settled
        case .returnedUncollectable: return .returnedUncollectable
        case .recallConfirmed: return .recalled
        case .active, .disputed, .stopped, .bankruptcy, .deceased, .ceaseContact, .recallObjected,
            .validationNoticeSent:
            return nil
        }
    }

    /// The hold this status puts on the account in the AR record, so that no later run places it again.
    public var hold: Hold? {
        switch self {
        case .bankruptcy: return .bankruptcy
        case .deceased: return .deceased
        case .ceaseContact: return .ceaseContact
        default: return nil
        }
    }
}

/// Part of a payment on one invoice, as the agency reports it.
public struct InvoiceAmount: Hashable, Sendable, Codable {
    public var invoiceNumber: String
    /// Minor units.
    public var amount: Int64
    public init(invoiceNumber: String, amount: Int64) {
        self.invoiceNumber = invoiceNumber
        self.amount = amount
    }
}
