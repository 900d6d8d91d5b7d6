import ArgumentParser

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
            ImportCommand.self,
            AccountsCommand.self,
            AccountCommand.self,
            AgingCommand.self,
            PartnersCommand.self,
            PlaceCommand.self,
            PlacementsCommand.self,
            NoticesCommand.self,
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
            ReportCommand.self,
            ExportCommand.self,
            ServeCommand.self,
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
        await main(args)
    }
}
