/// What moved an invoice's balance. Every ledger entry has one.
public enum EntryKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// The invoice itself: its original amount, the first entry of every invoice.
    case invoice
    /// Money the debtor paid the business.
    case payment
    /// A credit memo: the business lowers what is owed.
    case credit
    /// Interest charged.
    case interest
    /// A fee charged (late fee, NSF fee...).
    case fee
    /// An amount the business gave up on.
    case writeoff
    /// An earlier payment that did not hold (returned cheque, charge-back): the balance comes back.
    case paymentReversal = "payment_reversal"

    /// +1 when the entry raises the balance owed, −1 when it lowers it.
    public var sign: Int64 {
        switch self {
        case .invoice, .interest, .fee, .paymentReversal: return 1
        case .payment, .credit, .writeoff: return -1
        }
    }

    /// The kinds a business's transactions file may carry (an invoice comes from the invoices file).
    public static let transactionKinds: [EntryKind] = [.payment, .credit, .interest, .fee, .writeoff, .paymentReversal]
}
