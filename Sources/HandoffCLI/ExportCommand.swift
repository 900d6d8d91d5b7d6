import ArgumentParser
import HandoffCSV
import HandoffReports

/// `handoff export journal --from D --to D --format hledger|csv|iif|xero`.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Exports for the accountant.", subcommands: [JournalExport.self])

    struct JournalExport: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "journal",
            abstract: "Double-entry journal of recoveries, commissions, fees owed, reversals, settlement allowances and remittances.")

        enum Format: String, ExpressibleByArgument, CaseIterable { case hledger, csv, iif, xero }

        @OptionGroup var global: GlobalOptions
        @Option(help: "First day, YYYY-MM-DD.") var from: String
        @Option(help: "Last day, YYYY-MM-DD.") var to: String
        @Option(help: "hledger, csv, iif or xero.") var format: Format = .hledger
        @Option(help: "Write to this file (atomically) instead of standard output.") var output: String?

        func run() throws {
            let context = try global.open()
            let start = try parseDate(from, option: "--from"), end = try parseDate(to, option: "--to")
            guard start <= end else { throw ValidationError("--from is after --to") }
            let partners = try context.partners()
            let entries = try context.store.readReconciliation { r in
                try Journal.build(r, partners: partners, accounts: context.config.journalAccounts, from: start, to: end)
            }
            let text: String
            switch format {
            case .hledger: text = Journal.hledger(entries)
            case .csv: text = Journal.csv(entries)
            case .iif: text = Journal.iif(entries)
            case .xero: text = Journal.xero(entries)
            }
            if let output {
                let file = try AtomicFileWriter(path: output)
                try file.write(text)
                try file.commit()
            } else {
                print(text, terminator: "")
            }
        }
    }
}
