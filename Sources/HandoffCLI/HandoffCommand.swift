public import ArgumentParser
import Foundation

/// `handoff`: the root command. Every capability is a subcommand; the executable is this.
@available(macOS 10.15, macCatalyst 13, iOS 13, tvOS 13, watchOS 6, *)
public struct HandoffCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "handoff",
        abstract: "Hands old receivables to collection agencies and brings the money back into the books.",
        discussion: """
            Handoff keeps an AR record (customers, invoices, payments) in an embedded SQLite database, \
            selects accounts past an age threshold, places them with agencies, and reconciles what they return.
            Configuration: --config PATH, else $HANDOFF_CONFIG, else config/handoff.toml.
            """,
        version: "0.1.0",
        subcommands: [
            InitCommand.self,
            MigrateCommand.self,
            ImportCommand.self,
            AccountsCommand.self,
            AccountCommand.self,
            AgingCommand.self,
            PartnersCommand.self,
            PlaceCommand.self,
            PlacementsCommand.self,
            NoticesCommand.self,
            DunningCommand.self,
            AuditCommand.self,
            CreditHoldsCommand.self,
            WorklistCommand.self,
            SendCommand.self,
            OutboxCommand.self,
            FetchCommand.self,
            InboxCommand.self,
            ReconcileCommand.self,
            EventsCommand.self,
            RemittancesCommand.self,
            RecallCommand.self,
            NotifyCommand.self,
            RequestsCommand.self,
            ClearCommand.self,
            HoldCommand.self,
            TermsCommand.self,
            ReportCommand.self,
            ExportCommand.self,
            ServeCommand.self,
            PeopleCommand.self,
            ToolCommand.self,
        ]
    )

    public init() {}
}

#if canImport(Glibc)
import Glibc
#endif

@available(macOS 10.15, macCatalyst 13, iOS 13, tvOS 13, watchOS 6, *)
extension HandoffCommand {
    /// Runs the command line. `--config PATH` may stand before the subcommand
    /// (`handoff --config c.toml accounts`) as well as after it.
    public static func runCommandLine(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) async {
        var args = arguments
        while let first = args.first {
            if first == "--config", args.count >= 2 {
                setenv("HANDOFF_CONFIG", args[1], 1)
                args.removeFirst(2)
            } else if first.hasPrefix("--config=") {
                setenv("HANDOFF_CONFIG", String(first.dropFirst("--config=".count)), 1)
                args.removeFirst()
            } else {
                break
            }
        }
        if let first = args.first, !first.hasPrefix("-"), first != "help", let suggestion = unknownCommand(first) {
            FileHandle.standardError.write(Data(suggestion.utf8))
            Foundation.exit(64)
        }
        await main(args)
    }

    /// The words for a command that is not one (`handoff acounts`): the nearest commands by
    /// edit distance, or `nil` when `word` is a command.
    static func unknownCommand(_ word: String) -> String? {
        let names = configuration.subcommands.compactMap { $0.configuration.commandName }
        guard !names.contains(word) else { return nil }
        let ranked = names.map { (name: $0, distance: editDistance(word.lowercased(), $0)) }.sorted {
            ($0.distance, $0.name) < ($1.distance, $1.name)
        }
        let close = ranked.filter { $0.distance <= max(2, word.count / 3) }.prefix(2).map { "'\($0.name)'" }
        return "Error: '\(word)' is not a handoff command."
            + (close.isEmpty ? "" : " Did you mean \(close.joined(separator: " or "))?")
            + "\nSee 'handoff --help' for the commands.\n"
    }

    /// Levenshtein distance over characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
}
