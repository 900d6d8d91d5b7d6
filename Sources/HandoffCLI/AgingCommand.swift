import ArgumentParser
import HandoffDomain
import HandoffStore

/// The ageing report: each invoice's open balance in the bucket of its own days past due,
/// totalled per currency.
struct AgingReport: Encodable {
    struct CurrencyTotals: Encodable {
        var currency: String
        /// Bucket name → minor units.
        var buckets: [String: Int64]
        var total: Int64
        var invoices: Int
    }
    var as_of: String
    var currencies: [CurrencyTotals]

    init(_ groups: [OpenBalanceByDueDate], asOf: CalendarDate) {
        as_of = asOf.iso
        var byCurrency: [Currency: CurrencyTotals] = [:]
        for group in groups {
            var totals = byCurrency[group.currency] ?? CurrencyTotals(
                currency: group.currency.code,
                buckets: Dictionary(uniqueKeysWithValues: AgingBucket.allCases.map { ($0.rawValue, 0) }), total: 0, invoices: 0)
            let bucket = PastDue(oldestOpenDueDate: group.dueDate, asOf: asOf).bucket
            totals.buckets[bucket.rawValue, default: 0] += group.balance
            totals.total += group.balance
            totals.invoices += group.invoices
            byCurrency[group.currency] = totals
        }
        currencies = byCurrency.keys.sorted().map { byCurrency[$0]! }
    }
}

/// `handoff aging`: totals per ageing bucket and currency.
struct AgingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aging",
        abstract: "Totals of open balances per ageing bucket and currency.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "The day to age on, YYYY-MM-DD (default: today in the business's time zone).")
    var asOf: String?

    @Flag(help: "JSON: money as integer minor units beside a currency field.")
    var json = false

    func run() throws {
        let context = try global.open()
        let day = try context.asOf(asOf)
        let report = AgingReport(try context.store.read { try $0.openBalancesByDueDate() }, asOf: day)
        if json {
            print(try Output.json(report))
            return
        }
        print("Accounts receivable ageing as of \(day)")
        let widths = 18
        print(([Output.cell("CUR", 4)] + AgingBucket.allCases.map { Output.cell($0.rawValue, widths, right: true) }
               + [Output.cell("TOTAL", widths + 1, right: true)]).joined(separator: " "))
        for totals in report.currencies {
            let currency = Currency(code: totals.currency)!
            func text(_ v: Int64) -> String { Money(minorUnits: v, currency: currency).groupedText }
            print(([Output.cell(totals.currency, 4)]
                   + AgingBucket.allCases.map { Output.cell(text(totals.buckets[$0.rawValue] ?? 0), widths, right: true) }
                   + [Output.cell(text(totals.total), widths + 1, right: true)]).joined(separator: " "))
        }
        if report.currencies.isEmpty { print("(no open invoices)") }
    }
}
