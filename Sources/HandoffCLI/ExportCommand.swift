import ArgumentParser
import HandoffConfig
import HandoffCSV
import HandoffDomain
import HandoffReports
import HandoffSQLite
import HandoffStore

/// `handoff export journal --from D --to D --format hledger|csv|iif|xero`.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Exports for the accountant.", subcommands: [JournalExport.self])

    struct JournalExport: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "journal",
            abstract:
                """
                Double-entry journal of recoveries, commissions, fees owed, \
                reversals, settlement allowances and remittances.
                """
        )

        enum Format: String, ExpressibleByArgument, CaseIterable { case hledger, csv, iif, xero }

        @OptionGroup var global: GlobalOptions
        @Option(help: "First day, YYYY-MM-DD.") var from: String
        @Option(help: "Last day, YYYY-MM-DD.") var to: String
        @Option(help: "hledger, csv, iif or xero.") var format: Format = .hledger
        @Option(help: "Write to this file (atomically) instead of standard output.") var output: String?
        @Option(
            help:
                """
                Only this currency's entries (ISO 4217); iif and xero files carry one currency, \
                so a period with several needs it.
                """
        )
        var currency: String?

        func run() throws {
            let context = try global.open()
            let start = try parseDate(from, option: "--from"), end = try parseDate(to, option: "--to")
            guard start <= end else { throw ValidationError("--from is after --to") }
            let partners = try context.partners()
            let chosen = try currency.map { code -> Currency in
                guard let c = Currency(code: code) else {
                    throw ValidationError("--currency '\(code)' is not an ISO 4217 currency code")
                }
                return c
            }
            let accounts = context.config.journalAccounts
            var entries = try context.store.readReconciliation { r in
                try Journal.build(r, partners: partners, accounts: accounts, from: start, to: end)
            }
            if let chosen { entries = entries.filter { $0.postings.first?.amount.currency == chosen } }
            // Every refusal comes before anything is written.
            let text: String
            do {
                switch format {
                case .hledger: text = Journal.hledger(entries)
                case .csv: text = Journal.csv(entries, accounts: accounts)
                case .iif:
                    text = Journal.iif(
                        try Journal.oneCurrency(entries, chosen, format: "QuickBooks IIF"), accounts: accounts)
                case .xero:
                    text = try Journal.xero(
                        try Journal.oneCurrency(entries, chosen, format: "Xero manual journal"), accounts: accounts)
                }
            } catch let error as JournalExportError {
                throw CLIError("cannot export: \(error)")
            }
            if let output {
                // A file the user asked for: its permissions follow their umask, as any other program's output does.
                let file = try AtomicFileWriter(path: output, mode: 0o666)
                try file.write(text)
                try file.commit()
            } else {
                print(text, terminator: "")
            }
        }
    }
}
