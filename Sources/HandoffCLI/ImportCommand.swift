public import ArgumentParser
import HandoffConfig
import HandoffDomain
public import HandoffImport
import HandoffReconciliation
import HandoffStore

/// `handoff import customers|invoices|transactions FILE`.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import customers, invoices or transactions from CSV (see docs/import.md).",
        discussion:
            """
            Each file is one transaction: every row applies, or none does. \
            Importing the same file again changes nothing.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "What the file holds: customers, invoices or transactions.")
    var kind: ImportKind

    @Argument(help: "The CSV file.")
    var file: String

    @Flag(help: "Skip columns Handoff does not know instead of refusing the file.")
    var ignoreUnknown = false

    @Option(help: "Apply the good rows and write the bad ones, with their reasons, to this CSV file.")
    var rejectFile: String?

    @Flag(help: "No progress bar.")
    var quiet = false

    func run() throws {
        let context = try global.open()
        var options = ImportOptions(defaultCurrency: context.config.defaultCurrency)
        options.maxAmount = context.config.maxAmount
        options.ignoreUnknownColumns = ignoreUnknown
        options.rejectFile = rejectFile
        options.actor = "cli"
        let bar = (!quiet && Output.stderrIsTerminal) ? ProgressBar(label: "importing \(file)") : nil
        if let bar { options.progress = { done, total in bar.update(done, total) } }
        let importer = Importer(store: context.store, options: options)
        let report: ImportReport
        do {
            report = try importer.importFile(kind, path: file)
            bar?.finish()
        } catch let failed as ImportFailed {
            bar?.finish()
            throw CLIError(failed.description)
        }
        print(report.summary)
        // A hold added to an account an agency holds is told to that agency, as `hold add` does.
        if !report.holdsAdded.isEmpty {
            let partners = (try? context.partners()) ?? []
            let today = context.config.today()
            let told = try context.store.writeCompliance { w in
                try report.holdsAdded.compactMap { added in
                    try AccountHolds.imported(
                        account: added.accountNumber, hold: added.hold, source: added.source, actor: "import",
                        today: today, partners: partners, in: w)
                }
            }
            for outcome in told where outcome.requestID != nil { print(outcome.message) }
        }
        if report.rejected > 0, let rejectFile {
            print("\(report.rejected) bad row\(report.rejected == 1 ? "" : "s") written to \(rejectFile):")
            for e in report.rejections.prefix(10) { print("  \(e)") }
        }
    }
}

extension ImportKind: ExpressibleByArgument {}
