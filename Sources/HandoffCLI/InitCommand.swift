import ArgumentParser
import Foundation
import HandoffConfig
import HandoffDomain
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

    func run() throws {
        guard TimeZone(identifier: timezone) != nil else { throw ValidationError("'\(timezone)' is not an IANA time zone") }
        guard !businessName.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw ValidationError("the business name must not hold line breaks or other control characters")
        }
        guard Currency(code: currency) != nil else { throw ValidationError("'\(currency)' is not an ISO 4217 currency code") }
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
        let name = businessName.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        let text = HandoffConfig.template(businessName: name, timeZone: timezone, currency: currency)
        try Data(text.utf8).write(to: configFile, options: .atomic)
        let config = try HandoffConfig.load(path: configFile.path)
        let store = try SQLiteARStore(path: config.databasePath, creating: true)
        print("Created \(configFile.path)")
        print("Created the AR record at \(store.path) (schema: \(try store.appliedMigrations().joined(separator: ", ")))")
        print("Next: handoff --config \(configFile.path) import customers FILE")
    }
}
