import ArgumentParser
import HandoffDomain
import HandoffSQLite
import HandoffStore

/// One account's line in `handoff accounts --json`.
struct AccountLine: Encodable {
    var account_number: String
    var name: String
    var type: String
    var currency: String
    /// Minor units of `currency`.
    var balance: Int64
    var oldest_past_due_date: String?
    var days_past_due: Int
    var aging_bucket: String
    var open_invoices: Int
    var holds: [String]

    init(_ summary: AccountSummary, asOf: CalendarDate) {
        let pastDue = PastDue(oldestOpenDueDate: summary.oldestOpenDueDate, asOf: asOf)
        account_number = summary.profile.accountNumber
        name = summary.profile.displayName
        type = summary.profile.type.rawValue
        currency = summary.balance.currency.code
        balance = summary.balance.minorUnits
        oldest_past_due_date = pastDue.oldestDueDate?.iso
        days_past_due = pastDue.days
        aging_bucket = pastDue.bucket.rawValue
        open_invoices = summary.openInvoices
        holds = summary.profile.holds.sorted().map(\.rawValue)
    }
}

/// `handoff accounts`: every account with its balance and age.
struct AccountsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accounts",
        abstract: "List accounts with balance, oldest past-due date, days past due and ageing bucket.",
        discussion:
            """
            As the accounts stood on the day: invoices issued on or before it, with their balances then (ledger \
            entries dated later are left out).
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
        if json { print("[", terminator: "") } else {
            print([Output.cell("ACCOUNT", 14), Output.cell("NAME", 28), Output.cell("TYPE", 8), "CUR",
                    Output.cell("BALANCE", 14, right: true), Output.cell("OLDEST DUE", 10),
                    Output.cell("DAYS", 5, right: true),
                   Output.cell("BUCKET", 7), Output.cell("OPEN", 4, right: true), "HOLDS"].joined(separator: "  "))
        }
        var first = true
        try context.store.read { ar in
            try ar.forEachAccount(asOf: day) { summary in
                let line = AccountLine(summary, asOf: day)
                if json {
                    print((first ? "\n  " : ",\n  ") + (try Output.json(line, pretty: false)), terminator: "")
                } else {
                    print(
                        [
                            Output.cell(line.account_number, 14), Output.cell(line.name, 28), Output.cell(line.type, 8),
                            line.currency,
                            Output.cell(summary.balance.groupedText, 14, right: true),
                            Output.cell(line.oldest_past_due_date ?? "-", 10),
                           Output.cell(String(line.days_past_due), 5, right: true), Output.cell(line.aging_bucket, 7),
                           Output.cell(String(line.open_invoices), 4, right: true), line.holds.joined(separator: ";")]
                        .joined(separator: "  "))
                }
                first = false
            }
        }
        if json { print(first ? "]" : "\n]") }
        if first && !json {
            Output.note("no accounts as of \(day): import the business's customers and invoices first "
                            + "(`handoff import customers FILE`, then `handoff import invoices FILE`; docs/import.md)")
        }
    }
}
