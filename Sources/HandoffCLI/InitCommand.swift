import ArgumentParser
import Foundation
import HandoffConfig
import HandoffDomain
import HandoffPostgres
import HandoffSQLite

/// `handoff init`: a working configuration and database in a fresh directory.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a working configuration, partners folder and database in a directory.")

    @Argument(help: "The directory to set up (created if missing).")
    var directory: String = "."

    @Option(help: "The business's name.")
    var businessName = "My Business"

    @Option(help: "The business's IANA time zone.")
    var timezone = "America/New_York"

    @Option(help: "The default ISO 4217 currency.")
    var currency = "USD"

    @Option(
        help:
            """
            Keep the AR record in this PostgreSQL database (postgresql://USER@HOST:PORT/DATABASE, empty) \
            instead of SQLite.
            """
    )
    var databaseURL: String?

    @Option(help: "With --database-url: the environment variable that holds the database password.")
    var passwordEnv: String?

    @Option(help: "With --database-url: a file whose first line is the database password.")
    var passwordFile: String?

    @Option(
        help: "With --database-url: disable, require or verify-full (the default: the server's certificate checked).")
    var sslmode: String?

    @Option(help: "With --database-url and verify-full: the CA certificate (PEM) that signed the server's certificate.")
    var caFile: String?

    func run() throws {
        guard TimeZone(identifier: timezone) != nil else {
            throw ValidationError("'\(timezone)' is not an IANA time zone")
        }
        guard !businessName.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw ValidationError("the business name must not hold line breaks or other control characters")
        }
        guard Currency(code: currency) != nil else {
            throw ValidationError("'\(currency)' is not an ISO 4217 currency code")
        }
        let fm = FileManager.default
        let root = URL(fileURLWithPath: directory)
        let configDir = root.appendingPathComponent("config")
        let configFile = configDir.appendingPathComponent("handoff.toml")
        if fm.fileExists(atPath: configFile.path) {
            throw CLIError("\(configFile.path) already exists: Handoff is already set up there (nothing was changed)")
        }
        for dir in [configDir, root.appendingPathComponent("partners"), root.appendingPathComponent("var")] {
            try fm.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        }
        let name = businessName.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
            of: "\"", with: "\\\"")
        let text = HandoffConfig.template(
            businessName: name, timeZone: timezone, currency: currency, postgres: try postgresSettings())
        // The configuration is checked, and a PostgreSQL database set up, before anything is written.
        let config = try HandoffConfig.parse(text, file: configFile.path, root: root.standardizedFileURL.path)
        let location: String
        let schema: [String]
        switch config.storage {
        case .sqlite:
            try Data(text.utf8).write(to: configFile, options: .atomic)
            let sqlite = try SQLiteARStore(path: config.databasePath, creating: true)
            (location, schema) = ("at " + sqlite.path, try sqlite.appliedMigrations())
        case .postgresql(let settings):
            let postgres: PostgresARStore
            do {
                postgres = try PostgresARStore(settings: settings, creating: true)
            } catch let e as ConfigError {
                throw CLIError("\(e.storageOption ?? ""): \(e.problem) (nothing was written)")
            } catch {
                throw CLIError("\(error) (nothing was written)")
            }
            try Data(text.utf8).write(to: configFile, options: .atomic)
            (location, schema) = ("in the PostgreSQL database \(postgres.displayURL)", try postgres.appliedMigrations())
        }
        print("Created \(configFile.path)")
        print("Created the AR record \(location) (schema: \(schema.joined(separator: ", ")))")
        print("Next: handoff --config \(configFile.path) import customers FILE")
    }

    /// The PostgreSQL database the options name, or `nil` for the SQLite default. Each
    /// problem names its option.
    func postgresSettings() throws -> PostgresSettings? {
        guard let databaseURL else {
            for (option, value) in [
                ("--password-env", passwordEnv), ("--password-file", passwordFile), ("--sslmode", sslmode),
                ("--ca-file", caFile),
            ]
            where value != nil {
                throw ValidationError("\(option) goes with --database-url (the SQLite default needs no password)")
            }
            return nil
        }
        let parts: (user: String, host: String, port: Int, database: String)
        switch PostgresSettings.parseURL(databaseURL) {
        case .success(let p): parts = p
        case .failure(let problem): throw ValidationError("--database-url \(problem.reason)")
        }
        if passwordEnv != nil && passwordFile != nil {
            throw ValidationError("give either --password-env or --password-file, not both")
        }
        var mode = PostgresSettings.SSLMode.verifyFull
        if let sslmode {
            guard let m = PostgresSettings.SSLMode(rawValue: sslmode) else {
                throw ValidationError(
                    "--sslmode '\(sslmode)' is not one of "
                        + "\(PostgresSettings.SSLMode.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            mode = m
        }
        let cwd = FileManager.default.currentDirectoryPath
        func absolute(_ path: String) -> String {
            path.hasPrefix("/") ? path : URL(fileURLWithPath: cwd).appendingPathComponent(path).path
        }
        return PostgresSettings(
            user: parts.user, host: parts.host, port: parts.port, database: parts.database, passwordEnv: passwordEnv,
            passwordFile: passwordFile.map(absolute), sslMode: mode, caFile: caFile.map(absolute))
    }
}
