/// How a transaction's amount spreads over an account's invoices. Pure: it is given the
/// open items and returns the shares, and the caller writes them as ledger entries.
public enum Allocation {
    /// A part of a transaction that lands on one invoice, as a positive amount in minor units.
    public struct Share: Hashable, Sendable {
        public var invoiceID: Int64
        public var amount: Int64
        public init(invoiceID: Int64, amount: Int64) {
            self.invoiceID = invoiceID
            self.amount = amount
        }
    }

    /// Why an amount cannot be allocated.
    public enum Failure: Error, Equatable, Sendable {
        /// Lowering by this much would take the invoice(s) below zero by `excess`.
        case exceedsBalance(excess: Int64)
        /// There is no open invoice to put the amount on.
        case noOpenInvoice
        /// A reversal larger than what is left of the payment to reverse.
        case exceedsPayment(excess: Int64)
        /// The amount is zero or negative: nothing can be lowered, raised or restored by it.
        case notPositive
    }

    /// The order in which an amount without an invoice number is applied: undisputed invoices
    /// oldest first, then disputed ones oldest first.
    public static func applicationOrder(_ items: [OpenItem]) -> [OpenItem] {
        items.filter { !$0.disputed }.sorted(by: OpenItem.oldestFirst)
            + items.filter(\.disputed).sorted(by: OpenItem.oldestFirst)
    }

    /// Lowers balances (a payment, credit or write-off) by `amount` over the open `items`,
    /// in ``applicationOrder(_:)``, each down to zero before the next. An amount larger
    /// than all open balances is a failure, never a silent credit.
    public static func lowering(_ amount: Int64, across items: [OpenItem]) -> Result<[Share], Failure> {
        guard amount > 0 else { return .failure(.notPositive) }
        var left = amount
        var shares: [Share] = []
        for item in applicationOrder(items) where item.balance > 0 {
            let take = min(left, item.balance)
            shares.append(Share(invoiceID: item.invoiceID, amount: take))
            left -= take
            if left == 0 { return .success(shares) }
        }
        return .failure(.exceedsBalance(excess: left))
    }

    /// Raises a balance (interest, a fee) by `amount`: all of it on the first open invoice
    /// in ``applicationOrder(_:)``.
    public static func raising(_ amount: Int64, across items: [OpenItem]) -> Result<[Share], Failure> {
        guard amount > 0 else { return .failure(.notPositive) }
        guard let first = applicationOrder(items).first(where: { $0.balance > 0 }) else {
            return .failure(.noOpenInvoice)
        }
        return .success([Share(invoiceID: first.invoiceID, amount: amount)])
    }

    /// Restores `amount` of a payment that was applied as `paid` (in the order it was
    /// applied), of which `alreadyReversed` (per invoice) has been restored before. The
    /// last invoice the payment reached is restored first, as undoing it step by step would.
    public static func reversing(_ amount: Int64, of paid: [Share], alreadyReversed: [Int64: Int64]) -> Result<
        [Share], Failure
    > {
        guard amount > 0 else { return .failure(.notPositive) }
        var reversedSoFar = alreadyReversed
        var left = amount
        var shares: [Share] = []
        for share in paid.reversed() {
            let open = share.amount - reversedSoFar[share.invoiceID, default: 0]
            guard open > 0 else { continue }
            let take = min(left, open)
            shares.append(Share(invoiceID: share.invoiceID, amount: take))
            reversedSoFar[share.invoiceID, default: 0] += take
            left -= take
            if left == 0 { return .success(shares) }
        }
        return .failure(.exceedsPayment(excess: left))
    }
}
