import ArgumentParser
import HandoffDomain
import HandoffReports
import HandoffSQLite
import HandoffStore

/// `handoff aging`: totals per ageing bucket and currency.
struct AgingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aging",
        abstract: "Totals of open balances per ageing bucket and currency, as they stood on the day.",
        discussion:
            """
            Counts the invoices issued on or before the day, with their balances then: \
            ledger entries dated later are left out.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "The day to age on, YYYY-MM-DD (default: today in the business's time zone).")
    var asOf: String?

    @Flag(help: "JSON: money as integer minor units beside a currency field.")
    var json = false

    func run() throws {
        let context = try global.open()
        let day = try context.asOf(asOf)
        let report = AgingReport(try context.store.read { try $0.openBalancesByDueDate(asOf: day) }, asOf: day)
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
                    + AgingBucket.allCases.map {
                        Output.cell(text(totals.buckets[$0.rawValue] ?? 0), widths, right: true)
                    }
                   + [Output.cell(text(totals.total), widths + 1, right: true)]).joined(separator: " "))
        }
        if report.currencies.isEmpty { print("(no open invoices)") }
    }
}
