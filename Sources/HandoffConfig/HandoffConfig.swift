import Foundation
import HandoffDomain

/// Handoff's configuration, read from `config/handoff.toml` (see `docs/configuration.md`).
/// Relative paths in the file are relative to the directory that holds the config folder
/// (the installation's root), so an installation can be moved as a whole.
public struct HandoffConfig: Sendable {
    /// The configuration file this was read from.
    public var file: String
    /// The installation root that relative paths start from.
    public var root: String
    /// The business's name, shown in reports and sent where an agency asks for it.
    public var businessName: String
    /// The business's IANA time zone: it decides which calendar day "today" is.
    public var timeZone: TimeZone
    /// The currency of accounts whose import row names none.
    public var defaultCurrency: Currency
    /// The SQLite database file (absolute).
    public var databasePath: String
    /// The folder of partner files (absolute).
    public var partnersDirectory: String
    /// Handoff's own working folder: staging, archive, quarantine (absolute).
    public var dataDirectory: String

    /// The file Handoff reads when neither `--config` nor `HANDOFF_CONFIG` names one.
    public static let defaultPath = "config/handoff.toml"

    /// Reads and checks a configuration file. Every problem is reported, with its key.
    public static func load(path: String) throws -> HandoffConfig {
        let url = URL(fileURLWithPath: path)
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, key: nil, problem: "cannot be read (run `handoff init` to create one, or pass --config)")
        }
        let configDir = url.deletingLastPathComponent()
        // config/handoff.toml → the root is the folder above config/.
        let root = configDir.lastPathComponent == "config" ? configDir.deletingLastPathComponent().path : configDir.path
        return try parse(text, file: path, root: root)
    }

    /// Parses configuration text; `root` anchors relative paths.
    public static func parse(_ text: String, file: String, root: String) throws -> HandoffConfig {
        let doc = try TOMLNode.parse(text, file: file)
        let problems = ConfigProblems(file: file)
        let top = TableReader(doc, problems: problems)

        let business = top.table("business") ?? TableReader([:], path: "business", problems: problems)
        let name = business.string("name", default: "")
        let zoneName = business.string("timezone", default: "UTC")
        let zone = TimeZone(identifier: zoneName)
        if zone == nil { problems.add("business.timezone", "'\(zoneName)' is not an IANA time zone (such as America/Toronto)") }
        let currencyCode = business.string("default_currency", default: "USD")
        let currency = Currency(code: currencyCode)
        if currency == nil { problems.add("business.default_currency", "'\(currencyCode)' is not an ISO 4217 currency code") }
        business.rejectUnknownKeys()

        let storage = top.table("storage") ?? TableReader([:], path: "storage", problems: problems)
        let database = storage.string("database", default: "var/handoff.sqlite")
        storage.rejectUnknownKeys()

        let paths = top.table("paths") ?? TableReader([:], path: "paths", problems: problems)
        let partners = paths.string("partners", default: "partners")
        let data = paths.string("data", default: "var")
        paths.rejectUnknownKeys()

        top.rejectUnknownKeys()
        try problems.check()

        func absolute(_ p: String) -> String {
            p.hasPrefix("/") ? p : URL(fileURLWithPath: root).appendingPathComponent(p).standardizedFileURL.path
        }
        return HandoffConfig(file: file, root: root, businessName: name, timeZone: zone!, defaultCurrency: currency!,
                             databasePath: absolute(database), partnersDirectory: absolute(partners), dataDirectory: absolute(data))
    }

    /// Today's date in the business's time zone.
    public func today(now: Date = Date()) -> CalendarDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day], from: now)
        return CalendarDate(year: c.year!, month: c.month!, day: c.day!)!
    }

    /// The configuration `handoff init` writes: every key with its default and a comment.
    public static func template(businessName: String, timeZone: String, currency: String) -> String {
        """
        # Handoff configuration. Every key is described in docs/configuration.md.
        # Relative paths are relative to the folder that holds this config/ folder.

        [business]
        name = "\(businessName)"
        # IANA time zone: decides which calendar day "today" is for ageing and placement.
        timezone = "\(timeZone)"
        # ISO 4217 currency of accounts whose import row names none.
        default_currency = "\(currency)"

        [storage]
        # The embedded SQLite database (WAL mode: keep the -wal and -shm files beside it).
        database = "var/handoff.sqlite"

        [paths]
        # One TOML file per collection agency.
        partners = "partners"
        # Handoff's working folder: staging, archive of received files, quarantine.
        data = "var"

        """
    }
}
