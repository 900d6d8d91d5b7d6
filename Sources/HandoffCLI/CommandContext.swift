import ArgumentParser
import Foundation
import HandoffConfig
import HandoffDomain
import HandoffSQLite
import HandoffStore

/// Options every command that works on an installation takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The configuration file (default: $HANDOFF_CONFIG, else config/handoff.toml).")
    var config: String?

    /// The configuration file to read.
    var configPath: String {
        if let config { return config }
        if let env = ProcessInfo.processInfo.environment["HANDOFF_CONFIG"], !env.isEmpty { return env }
        return HandoffConfig.defaultPath
    }

    /// Loads the configuration and opens the AR record.
    func open() throws -> CommandContext {
        let config = try HandoffConfig.load(path: configPath)
        let store: SQLiteARStore
        do {
            store = try SQLiteARStore(path: config.databasePath)
        } catch is DatabaseMissing {
            throw Self.missingDatabase(config)
        } catch {
            throw CLIError("cannot open the database \(config.databasePath): \(error)")
        }
        return CommandContext(config: config, store: store)
    }

    /// The refusal of every command but `init` when the configured database does not exist:
    /// a typo in `[storage] database` must never start a new, empty AR record.
    static func missingDatabase(_ config: HandoffConfig) -> CLIError {
        CLIError("the database \(config.databasePath) does not exist (nothing was done): run `handoff init` to set up a new installation, "
                 + "or fix [storage] database in \(config.file)")
    }
}

/// An installation opened for one command.
struct CommandContext {
    let config: HandoffConfig
    let store: SQLiteARStore

    /// The `--as-of` date, or today in the business's time zone.
    func asOf(_ text: String?) throws -> CalendarDate {
        guard let text else { return config.today() }
        return try parseDate(text, option: "--as-of")
    }
}

/// Parses a `YYYY-MM-DD` option value.
func parseDate(_ text: String, option: String) throws -> CalendarDate {
    guard let date = CalendarDate(iso: text) else { throw ValidationError("\(option) '\(text)' is not a date in the form YYYY-MM-DD") }
    return date
}

/// A failure to show the user as it is, with exit status 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
