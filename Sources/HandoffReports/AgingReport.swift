public import HandoffDomain
public import HandoffStore

/// The ageing report: each invoice's open balance in the bucket of its own days past due,
/// totalled per currency. Shared by `handoff aging` and the dashboard's overview.
public struct AgingReport: Encodable, Sendable {
    /// One currency's totals.
    public struct CurrencyTotals: Encodable, Sendable {
        public var currency: String
        /// Bucket name → minor units.
        public var buckets: [String: Int64]
        public var total: Int64
        public var invoices: Int
    }
    public var as_of: String
    public var currencies: [CurrencyTotals]

    public init(_ groups: [OpenBalanceByDueDate], asOf: CalendarDate) {
        as_of = asOf.iso
        var byCurrency: [Currency: CurrencyTotals] = [:]
        for group in groups {
            var totals = byCurrency[group.currency] ?? CurrencyTotals(
                currency: group.currency.code,
                buckets: Dictionary(uniqueKeysWithValues: AgingBucket.allCases.map { ($0.rawValue, 0) }), total: 0,
                invoices: 0)
            let bucket = PastDue(oldestOpenDueDate: group.dueDate, asOf: asOf).bucket
            totals.buckets[bucket.rawValue, default: 0] += group.balance
            totals.total += group.balance
            totals.invoices += group.invoices
            byCurrency[group.currency] = totals
        }
        currencies = byCurrency.keys.sorted().map { byCurrency[$0]! }
    }
}
