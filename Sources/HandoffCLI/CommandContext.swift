import ArgumentParser
import Foundation
import HandoffConfig
import HandoffDomain
import HandoffPostgres
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

    /// Loads the configuration and opens the AR record in the engine `[storage]` names.
    func open() throws -> CommandContext {
        let config = try HandoffConfig.load(path: configPath)
        return CommandContext(config: config, store: try Self.openStore(config))
    }

    /// Opens the AR record `[storage]` names: the SQLite file, or the PostgreSQL database.
    /// A missing record is refused with ``missingDatabase(_:)``; nothing is created.
    static func openStore(_ config: HandoffConfig, creating: Bool = false) throws -> any CompleteStore {
        switch config.storage {
        case .sqlite(let path):
            do {
                return try SQLiteARStore(path: path, creating: creating)
            } catch is DatabaseMissing {
                throw missingDatabase(config)
            } catch {
                throw CLIError("cannot open the database \(path): \(error)")
            }
        case .postgresql(let settings):
            do {
                return try PostgresARStore(settings: settings, creating: creating)
            } catch is PostgresDatabaseHoldsNoRecord {
                throw missingDatabase(config)
            } catch let e as ConfigError {
                throw ConfigError(file: config.file, key: e.key, problem: e.problem)
            } catch let e as PostgresDatabaseNotEmpty {
                throw CLIError("\(e.description) (nothing was done; [storage] url in \(config.file))")
            } catch let e as PostgresError {
                throw CLIError("\(e.description) (nothing was done; check [storage] in \(config.file))")
            }
        }
    }

    /// The refusal of every command but `init` when the configured database does not exist:
    /// a typo in `[storage] database` (or `url`) must never start a new, empty AR record.
    static func missingDatabase(_ config: HandoffConfig) -> CLIError {
        switch config.storage {
        case .sqlite:
            return CLIError(
                "the database \(config.databasePath) does not exist (nothing was done): run `handoff init` "
                    + "to set up a new installation, "
                            + "or fix [storage] database in \(config.file)")
        case .postgresql(let settings):
            return CLIError(
                "the PostgreSQL database \(settings.displayURL) holds no Handoff AR record (nothing was done): "
                            + "run `handoff init` to set one up there, or fix [storage] url in \(config.file)")
        }
    }
}

/// An installation opened for one command.
struct CommandContext {
    let config: HandoffConfig
    let store: any CompleteStore

    /// Runs `body` holding the claim on `work` (``WorkClaims``), so that no other Handoff
    /// process on this record (the daemon on any machine, another command) does the same work
    /// at the same time. When one is, this says so and exits 75 (EX_TEMPFAIL), having changed
    /// nothing. A dry run only reads, and claims nothing.
    func claiming<T>(_ work: ClaimedWork, dryRun: Bool = false, _ body: () throws -> T) throws -> T {
        if dryRun { return try body() }
        guard let result = try store.exclusively(work, body) else {
            FileHandle.standardError.write(Data("handoff: \(WorkClaimedElsewhere(work))\n".utf8))
            throw ExitCode(SendCommand.temporaryFailure)
        }
        return result
    }

    /// The people and their tokens (`handoff people`).
    var people: any PeopleStore { store }

    /// The `--as-of` date, or today in the business's time zone.
    func asOf(_ text: String?) throws -> CalendarDate {
        guard let text else { return config.today() }
        return try parseDate(text, option: "--as-of")
    }
}

/// Parses a `YYYY-MM-DD` option value.
func parseDate(_ text: String, option: String) throws -> CalendarDate {
    guard let date = CalendarDate(iso: text) else {
        throw ValidationError("\(option) '\(text)' is not a date in the form YYYY-MM-DD")
    }
    return date
}

/// A failure to show the user as it is, with exit status 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
