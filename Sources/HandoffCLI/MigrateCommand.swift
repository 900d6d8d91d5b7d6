import ArgumentParser
import Foundation
import HandoffConfig
import HandoffPostgres
import HandoffSQLite

/// `handoff migrate --to postgresql://…`: copies an installation's SQLite AR record into an
/// empty PostgreSQL database in one transaction, checks every table's count and every sum of
/// money per currency on both sides, and commits only when they agree.
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy this installation's SQLite AR record into an empty PostgreSQL database, and check the copy.",
        discussion: """
            Nothing is visible in PostgreSQL until every row is copied and every count and sum agrees; if it stops \
            halfway, the database is left empty and a rerun starts clean. The SQLite file is never changed. Stop \
            `handoff serve` first, and afterwards set [storage] url (and remove database) as the command says.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "The empty PostgreSQL database: postgresql://USER@HOST:PORT/DATABASE.")
    var to: String

    @Option(help: "The environment variable that holds the database password.")
    var passwordEnv: String?

    @Option(help: "A file whose first line is the database password.")
    var passwordFile: String?

    @Option(help: "disable, require or verify-full (the default: the server's certificate checked).")
    var sslmode: String?

    @Option(help: "With verify-full: the CA certificate (PEM) that signed the server's certificate.")
    var caFile: String?

    func run() throws {
        let config = try HandoffConfig.load(path: global.configPath)
        guard case .sqlite(let path) = config.storage else {
            throw CLIError(
                "this installation already keeps its AR record in PostgreSQL ([storage] url in \(config.file)): "
                           + "handoff migrate copies an SQLite one")
        }
        let source: SQLiteARStore
        do { source = try SQLiteARStore(path: path) } catch is DatabaseMissing {
            throw GlobalOptions.missingDatabase(config)
        }
        var initOptions = try InitCommand.parse(["--database-url", to])
        initOptions.passwordEnv = passwordEnv
        initOptions.passwordFile = passwordFile
        initOptions.sslmode = sslmode
        initOptions.caFile = caFile
        guard let settings = try initOptions.postgresSettings() else { return }

        let target: PostgresCopyTarget
        do {
            target = try PostgresCopyTarget(settings: settings)
        } catch let e as ConfigError {
            throw CLIError("\(e.storageOption ?? "--to"): \(e.problem) (nothing was copied)")
        } catch let e as PostgresDatabaseNotEmpty {
            throw CLIError(
                "\(e.url) is not empty (\(e.tables)): handoff migrate copies only "
                    + "into an empty database (nothing was copied)"
            )
        } catch {
            throw CLIError("\(error) (nothing was copied)")
        }

        var copied: [(table: String, rows: Int)] = []
        for table in PostgresCopyTarget.tables {
            let columns = try target.columns(of: table)
            let sqliteColumns = try source.columns(of: table)
            guard Set(columns) == Set(sqliteColumns) else {
                throw CLIError(
                    "the table \(table) has other columns in SQLite "
                        + "(\(sqliteColumns.joined(separator: ", "))) than in PostgreSQL "
                        + "(\(columns.joined(separator: ", "))): the two schemas are out of step (nothing was copied)")
            }
            var rows = 0
            try target.copy(table: table, columns: columns) { write in
                try withoutActuallyEscaping(write) { write in
                    try source.forEachRow(of: table, columns: columns) { row in
                        try write(row)
                        rows += 1
                    }
                }
            }
            copied.append((table, rows))
        }
        try target.moveIdentitiesPastCopiedRows()

        var differences: [String] = []
        for check in Self.checks {
            let before = try source.rows(check.sql), after = try target.rows(check.sql)
            if before != after {
                differences.append("\(check.label): SQLite \(Self.show(before)), PostgreSQL \(Self.show(after))")
            }
        }
        guard differences.isEmpty else {
            throw CLIError("the copy does not match the SQLite record, so nothing was kept in PostgreSQL:\n  "
                           + differences.joined(separator: "\n  "))
        }
        try target.commit()

        print("Copied the AR record from \(path) into \(target.displayURL):")
        for (table, rows) in copied {
            print("  \(table.padding(toLength: 22, withPad: " ", startingAt: 0)) \(rows) rows")
        }
        print(
            "Checked on both sides: \(Self.checks.count) counts and sums "
                + "(rows per table; ledger, invoices, transactions,"
        )
        print(
            "commissions, placements and remittances per currency; every invoice's balance "
                + "is the sum of its ledger entries)."
        )
        for line in try source.rows(Self.ledgerSums) {
            print(
                "  ledger \(line[0] ?? "?"): \(line[1] ?? "0") entries, sum \(line[2] ?? "0") minor units, "
                    + "the same in both"
            )
        }
        print("Next: stop Handoff, and in \(config.file) replace [storage] database with")
        print("  url = \"\(settings.displayURL)\"")
        if let env = settings.passwordEnv { print("  password_env = \"\(env)\"") }
        if let file = settings.passwordFile { print("  password_file = \"\(file)\"") }
        print("  sslmode = \"\(settings.sslMode.rawValue)\"")
        if let ca = settings.caFile { print("  ca_file = \"\(ca)\"") }
        print("The SQLite file was not changed.")
    }

    static let ledgerSums =
        "SELECT currency, COUNT(*), SUM(amount) FROM ledger_entries GROUP BY currency ORDER BY currency"

    /// What must read the same in both databases, by the same SQL on each. Each is one pass
    /// over its tables (the invoice balances against one grouped sum of the ledger, not a sum per
    /// invoice: SQLite has no index of the ledger by invoice, and a million invoices would each
    /// scan it).
    static let checks: [(label: String, sql: String)] =
        PostgresCopyTarget.tables.map { ("rows in \($0)", "SELECT COUNT(*) FROM \($0)") } + [
        ("ledger per currency", ledgerSums),
        ("invoices per currency", """
            SELECT c.currency, SUM(i.amount), SUM(i.balance) FROM invoices i JOIN customers c ON c.id = i.customer_id
            GROUP BY c.currency ORDER BY c.currency
            """),
        ("invoices whose balance is not the sum of their ledger entries", """
            SELECT COUNT(*) FROM invoices i
            LEFT JOIN (SELECT invoice_id, SUM(amount) AS total FROM ledger_entries GROUP BY invoice_id) \
            l ON l.invoice_id = i.id
            WHERE i.balance != COALESCE(l.total, 0)
            """),
        ("transactions per currency and kind", """
            SELECT c.currency, t.kind, COUNT(*), SUM(t.amount) FROM transactions t \
            JOIN customers c ON c.id = t.customer_id
            GROUP BY c.currency, t.kind ORDER BY c.currency, t.kind
            """),
        ("commissions per currency", """
            SELECT currency, SUM(base), SUM(expected), SUM(COALESCE(reported, 0)) FROM commissions \
            GROUP BY currency ORDER BY currency
            """),
            (
                "placements per currency",
                "SELECT currency, COUNT(*), SUM(balance) FROM placements GROUP BY currency ORDER BY currency"
            ),
        ("remittances per currency", """
            SELECT COALESCE(currency, ''), SUM(amount), SUM(commission), SUM(net) FROM remittances
            GROUP BY COALESCE(currency, '') ORDER BY COALESCE(currency, '')
            """),
        ("requests per currency", """
            SELECT COALESCE(currency, ''), COUNT(*), SUM(COALESCE(amount, 0)) FROM agency_requests
            GROUP BY COALESCE(currency, '') ORDER BY COALESCE(currency, '')
            """),
    ]

    private static func show(_ rows: [[String?]]) -> String {
        rows.map { "(" + $0.map { $0 ?? "NULL" }.joined(separator: ", ") + ")" }.joined(separator: " ")
    }
}
