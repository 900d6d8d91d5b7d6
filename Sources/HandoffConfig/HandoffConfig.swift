public import Foundation
public import HandoffDomain

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
    /// The SQLite database file (absolute); for a PostgreSQL installation, the file `[storage]
    /// database` would name (see ``storage``).
    public var databasePath: String
    /// Which engine holds the AR record, and where (`[storage]`).
    public var storage: StorageSettings
    /// The folder of partner files (absolute).
    public var partnersDirectory: String
    /// Handoff's own working folder: staging, archive, quarantine (absolute).
    public var dataDirectory: String
    /// The selection rules of placement runs (`[placement]`).
    public var placementRules: PlacementRules
    /// The business's compliance choices: limitation periods, time-barred debt, validation period (`[compliance]`).
    public var compliance = CompliancePolicy()
    /// Ledger account names for journal exports (`[journal]`).
    public var journalAccounts: JournalAccounts = JournalAccounts()
    /// `handoff serve` (`[server]`).
    public var server: ServerSettings = ServerSettings()
    /// The largest amount an import or an agency's file may carry (`[limits] max_amount`).
    public var maxAmount: AmountLimit = .default
    /// Reminders and the final notice by e-mail (`[dunning]`), if configured.
    public var dunning: DunningSettings?
    /// The business's mail server (`[smtp]`), if configured.
    public var smtp: SMTPSettings?
    /// The credit-hold list's rules and hook (`[credit_hold]`).
    public var creditHold = CreditHoldSettings()
    /// The work list's weighting (`[worklist]`).
    public var worklist = WorklistWeights()

    /// Where placement runs write files for the transport stage to send: `<data>/staging/<partner>/`.
    public var stagingDirectory: String { dataDirectory + "/staging" }

    /// The file Handoff reads when neither `--config` nor `HANDOFF_CONFIG` names one.
    public static let defaultPath = "config/handoff.toml"

    /// Reads and checks a configuration file. Every problem is reported, with its key.
    public static func load(path: String) throws -> HandoffConfig {
        let url = URL(fileURLWithPath: path)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(
                file: path, key: nil, problem: "cannot be read (run `handoff init` to create one, or pass --config)")
        }
        let text = try ConfigError.utf8Text(data, file: path)
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
        if zone == nil {
            problems.add("business.timezone", "'\(zoneName)' is not an IANA time zone (such as America/Toronto)")
        }
        let currencyCode = business.string("default_currency", default: "USD")
        let currency = Currency(code: currencyCode)
        if currency == nil {
            problems.add("business.default_currency", "'\(currencyCode)' is not an ISO 4217 currency code")
        }
        business.rejectUnknownKeys()

        let storageTable = top.table("storage") ?? TableReader([:], path: "storage", problems: problems)

        let paths = top.table("paths") ?? TableReader([:], path: "paths", problems: problems)
        let partners = paths.string("partners", default: "partners")
        let data = paths.string("data", default: "var")
        paths.rejectUnknownKeys()

        var rules = PlacementRules()
        if let p = top.table("placement") {
            rules.minDaysPastDue = p.int("min_days_past_due", default: rules.minDaysPastDue, range: 0...36_500)
            if let text = p.string("min_balance") {
                do { rules.minBalance = try DecimalAmount(parsing: text) } catch {
                    problems.add("placement.min_balance", "\(error)")
                }
            }
            rules.recentPaymentDays = p.int("recent_payment_days", default: rules.recentPaymentDays, range: 0...3650)
            if let days = p.int("final_notice_days") {
                if days < 0 { problems.add("placement.final_notice_days", "must not be negative") }
                rules.finalNoticeDays = days > 0 ? days : nil
            }
            if let basis = p.string("itemization_basis") {
                if let b = ItemizationBasis(rawValue: basis) { rules.itemizationBasis = b } else {
                    problems.add(
                        "placement.itemization_basis",
                        "'\(basis)' is not one of \(ItemizationBasis.allCases.map(\.rawValue).joined(separator: ", "))")
                }
            }
            p.rejectUnknownKeys()
        }

        var journal = JournalAccounts()
        if let j = top.table("journal") {
            journal.bank = j.string("bank", default: journal.bank)
            journal.receivable = j.string("receivable", default: journal.receivable)
            journal.agencyClearing = j.string("agency_clearing", default: journal.agencyClearing)
            journal.collectionFees = j.string("collection_fees", default: journal.collectionFees)
            journal.feesPayable = j.string("fees_payable", default: journal.feesPayable)
            journal.settlementAllowance = j.string("settlement_allowance", default: journal.settlementAllowance)
            for role in JournalAccounts.Role.allCases where journal.name(role).isEmpty {
                problems.add(
                    "journal.\(role.rawValue)", "must not be empty: it names the ledger account of \(role.meaning)")
            }
            if let c = j.table("codes") {
                for role in JournalAccounts.Role.allCases {
                    guard c.has(role.rawValue) else { continue }
                    if role.perAgency, case .table? = c.table[role.rawValue], let perAgency = c.table(role.rawValue) {
                        for (partner, node) in perAgency.table {
                            guard case .string(let code) = node, !code.isEmpty else {
                                problems.add(
                                    "journal.codes.\(role.rawValue).\(partner)",
                                    "must be a non-empty account code written as a string")
                                continue
                            }
                            journal.agencyCodes[partner, default: [:]][role] = code
                        }
                    } else if let code = c.string(role.rawValue) {
                        if code.isEmpty {
                            problems.add("journal.codes.\(role.rawValue)", "must not be empty")
                        } else {
                            journal.codes[role] = code
                        }
                    }
                }
                c.rejectUnknownKeys()
            }
            if let x = j.table("xero") {
                journal.xeroTaxRate = x.string("tax_rate", default: journal.xeroTaxRate)
                x.rejectUnknownKeys()
            }
            j.rejectUnknownKeys()
        }

        func absolute(_ p: String) -> String {
            p.hasPrefix("/") ? p : URL(fileURLWithPath: root).appendingPathComponent(p).standardizedFileURL.path
        }
        let storage = readStorage(storageTable, problems: problems, absolute: absolute)
        storageTable.rejectUnknownKeys()
        let database: String
        if case .sqlite(let path) = storage { database = path } else { database = "var/handoff.sqlite" }

        var server = ServerSettings()
        if let t = top.table("server") {
            server.host = t.string("host", default: server.host)
            server.port = t.int("port", default: server.port, range: 1...65535)
            server.tokenEnv = t.string("token_env", default: server.tokenEnv)
            server.tokenFile = t.string("token_file")
            server.placeEveryMinutes = t.int(
                "place_every_minutes", default: server.placeEveryMinutes, range: 0...525_600)
            server.sendEveryMinutes = t.int("send_every_minutes", default: server.sendEveryMinutes, range: 0...525_600)
            server.fetchEveryMinutes = t.int(
                "fetch_every_minutes", default: server.fetchEveryMinutes, range: 0...525_600)
            server.dunningEveryMinutes = t.int(
                "dunning_every_minutes", default: server.dunningEveryMinutes, range: 0...525_600)
            server.termsEveryMinutes = t.int(
                "terms_every_minutes", default: server.termsEveryMinutes, range: 0...525_600)
            server.anchorEveryMinutes = t.int(
                "anchor_every_minutes", default: server.anchorEveryMinutes, range: 0...525_600)
            if t.has("token") {
                problems.add(
                    "server.token", "a token is never written in the configuration: use token_env or token_file")
            }
            server.tlsCertificateFile = t.string("tls_certificate_file").map(absolute)
            server.tlsKeyFile = t.string("tls_key_file").map(absolute)
            if (server.tlsCertificateFile == nil) != (server.tlsKeyFile == nil) {
                problems.add(server.tlsKeyFile == nil ? "server.tls_key_file" : "server.tls_certificate_file",
                             "HTTPS needs both tls_certificate_file and tls_key_file")
            }
            server.behindHTTPSProxy = t.bool("behind_https_proxy", default: false)
            t.rejectUnknownKeys()
        }

        var maxAmount = AmountLimit.default
        if let t = top.table("limits") {
            if let text = t.string("max_amount") {
                do {
                    let amount = try DecimalAmount(parsing: text)
                    if amount.minorUnits(digits: 0) < 1 || amount.minorUnitsRoundingUp(digits: 0) > AmountLimit.ceiling
                    {
                        problems.add("limits.max_amount", "must be between 1 and \(AmountLimit.ceiling), not \(text)")
                    } else {
                        maxAmount = AmountLimit(maximum: amount)
                    }
                } catch { problems.add("limits.max_amount", "\(error)") }
            }
            t.rejectUnknownKeys()
        }

        let dunning = readDunning(top, absolute: absolute, finalNoticeDays: rules.finalNoticeDays, problems: problems)
        let smtp = readSMTP(top, absolute: absolute, problems: problems)
        if dunning != nil && smtp == nil {
            problems.add("smtp", "[dunning] sends e-mail: add an [smtp] table naming the mail server")
        }
        let creditHold = readCreditHold(top, problems: problems)
        let worklist = readWorklist(top, problems: problems)
        let compliance = readCompliance(top.table("compliance"), problems)

        top.rejectUnknownKeys()
        try problems.check()

        var config = HandoffConfig(
            file: file, root: root, businessName: name, timeZone: zone!, defaultCurrency: currency!,
            databasePath: absolute(database), storage: storage, partnersDirectory: absolute(partners),
            dataDirectory: absolute(data),
            placementRules: rules, journalAccounts: journal, server: server, maxAmount: maxAmount,
            dunning: dunning, smtp: smtp, creditHold: creditHold, worklist: worklist)
        config.compliance = compliance
        return config
    }

    /// `[compliance]`: what becomes of time-barred debt, the validation period, and the
    /// limitation periods, which have no defaults: the business fills them in.
    private static func readCompliance(_ t: TableReader?, _ problems: ConfigProblems) -> CompliancePolicy {
        var policy = CompliancePolicy()
        guard let t else { return policy }
        if let text = t.string("time_barred") {
            if let p = CompliancePolicy.TimeBarredPolicy(rawValue: text) { policy.timeBarred = p } else {
                problems.add(t.keyPath("time_barred"), "'\(text)' is not one of "
                             + CompliancePolicy.TimeBarredPolicy.allCases.map(\.rawValue).joined(separator: ", "))
            }
        }
        policy.validationPeriodDays = t.int(
            "validation_period_days", default: policy.validationPeriodDays, range: 0...365)
        var seen = Set<String>()
        for row in t.tables("limitation") {
            let region = row.requiredString("region")
            let kind = row.requiredString("debt_kind")
            let years = row.int("years")
            if !row.has("years") {
                problems.add(row.keyPath("years"), "is required: the limitation period in whole years")
            }
            if let y = years, !(1...100).contains(y) {
                problems.add(row.keyPath("years"), "must be between 1 and 100, not \(y)")
            }
            row.rejectUnknownKeys()
            guard let region, let kind, let years, (1...100).contains(years) else { continue }
            if !seen.insert(region + "|" + kind).inserted {
                problems.add(row.keyPath("region"), "\(region) with debt_kind \(kind) is listed twice")
            }
            policy.limitationPeriods.append(LimitationPeriod(region: region, debtKind: kind, years: years))
        }
        t.rejectUnknownKeys()
        return policy
    }

    /// Today's date in the business's time zone.
    public func today(now: Date = Date()) -> CalendarDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day], from: now)
        return CalendarDate(year: c.year!, month: c.month!, day: c.day!)!
    }

    /// The configuration `handoff init` writes: every key with its default and a comment.
    /// `postgres` puts a PostgreSQL database in `[storage]` instead of the SQLite file.
    public static func template(
        businessName: String, timeZone: String, currency: String, postgres: PostgresSettings? = nil
    ) -> String {
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
        \(postgres.map(postgresStorageLines) ?? sqliteStorageLines)

        [paths]
        # One TOML file per collection agency.
        partners = "partners"
        # Handoff's working folder: staging, archive of received files, quarantine.
        data = "var"

        [placement]
        # Days past due of the account's oldest open, undisputed, past-due invoice.
        min_days_past_due = 120
        # Least balance worth placing, in each account's own currency (a string: never a float).
        min_balance = "50.00"
        # An account that paid within this many days is not placed.
        recent_payment_days = 30
        # When above 0, an account must have had a final notice this many days before it is placed.
        final_notice_days = 0
        # newest_invoice_date (default) or newest_due_date: the Regulation F itemization date.
        itemization_basis = "newest_invoice_date"

        [compliance]
        # What Handoff checks before an account leaves is in docs/compliance.md. Past its limitation
        # period an account is not placed (do_not_place), or placed only with agencies whose partner
        # file accepts time-barred debt (agencies_that_accept).
        time_barred = "do_not_place"
        # Days after the validation notice during which a consumer may dispute or ask for validation.
        validation_period_days = 35
        # The limitation periods, per region and kind of debt. Handoff ships none: they are law that
        # differs by place and changes, so fill them in from your lawyer's advice. `*` matches any.
        # [[compliance.limitation]]
        # region = "PA"
        # debt_kind = "open_account"
        # years = 4

        [journal]
        # Ledger account names used by `handoff export journal`.
        bank = "assets:bank"
        receivable = "assets:accounts receivable"
        # Money an agency collected and has not yet remitted (one sub-account per agency).
        agency_clearing = "assets:agency clearing"
        collection_fees = "expenses:collection fees"
        # Fees a gross agency invoices (one sub-account per agency).
        fees_payable = "liabilities:agency fees payable"
        settlement_allowance = "expenses:settlement allowance"

        # Your chart of accounts' codes for the same accounts, which Xero posts by (and QuickBooks
        # shows beside its names). A per-agency account takes one code for every agency, or a
        # table: agency_clearing = { keystone-recovery = "615", meridian-commercial = "616" }.
        # [journal.codes]
        # bank = "090"
        # receivable = "610"
        # agency_clearing = "615"
        # collection_fees = "404"
        # fees_payable = "825"
        # settlement_allowance = "463"
        # [journal.xero]
        # tax_rate = "Tax Exempt"

        [server]
        # handoff serve listens here (loopback by default). Beyond this machine it serves HTTPS:
        # set tls_certificate_file and tls_key_file (PEM), or behind_https_proxy = true when an
        # HTTPS proxy in front terminates TLS.
        host = "127.0.0.1"
        port = 8080
        # tls_certificate_file = "/etc/handoff/tls/cert.pem"
        # tls_key_file = "/etc/handoff/tls/key.pem"
        # The API's bearer token comes from this environment variable (or token_file); never written here.
        token_env = "HANDOFF_API_TOKEN"
        # How often each job runs on its own (minutes; 0 = only on demand).
        place_every_minutes = 1440
        send_every_minutes = 15
        fetch_every_minutes = 15
        # Reminders and final notices by e-mail, and the credit-hold hook (docs/dunning.md).
        dunning_every_minutes = 1440
        # The terms job: recalls accounts whose agency's placement term ran out (docs/compliance.md).
        terms_every_minutes = 1440
        # The anchor job: writes where the ledger's and the audit log's chains end to the log and
        # to /metrics, so that a copy exists outside the database (docs/audit.md).
        anchor_every_minutes = 1440

        [limits]
        # The largest amount Handoff takes (an invoice, a transaction, an agency's amount), in each
        # currency's own units (a string: never a float); a larger one is refused where it comes in.
        max_amount = "1000000000.00"

        [credit_hold]
        # An account is on the credit-hold list (`handoff credit-holds`) once its oldest past-due
        # invoice is past due beyond this many days (0: no such rule), or its past-due balance
        # reaches past_due_amount; accounts with an agency or written off are always on it.
        days_past_due = 60
        # past_due_amount = "5000.00"
        # Run with the change as JSON on standard input when an account enters or leaves the list.
        # command = "/usr/local/bin/hold-orders"

        [worklist]
        # How `handoff worklist` ranks past-due accounts: percent for the amount, percent for the age.
        amount_weight = 60
        age_weight = 40

        # Reminders and the final notice by e-mail through your own mail server (docs/dunning.md).
        # [smtp]
        # url = "smtp://mail.example.com:587"     # STARTTLS required; or smtps://mail.example.com:465
        # user = "ar@example.com"
        # password_env = "HANDOFF_SMTP_PASSWORD"  # or password_file = "/etc/handoff/smtp-password"
        # [dunning]
        # from = "\(businessName) <ar@example.com>"
        # [[dunning.steps]]
        # name = "first-reminder"
        # kind = "reminder"
        # days_past_due = 15
        # [[dunning.steps]]
        # name = "second-reminder"
        # kind = "reminder"
        # days_past_due = 45
        # [[dunning.steps]]
        # name = "final-notice"
        # kind = "final_notice"      # needs [placement] final_notice_days above 0
        # days_past_due = 90

        """
    }
}

extension HandoffConfig {
    static let sqliteStorageLines = """
        # The embedded SQLite database (WAL mode: keep the -wal and -shm files beside it).
        database = "var/handoff.sqlite"
        """

    /// `[storage]` for a PostgreSQL database: its URL, where the password comes from, and TLS.
    static func postgresStorageLines(_ p: PostgresSettings) -> String {
        func quoted(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        var lines = [
            "# A PostgreSQL database holds the AR record (docs/configuration.md). Its password is never written here.",
            "url = \(quoted(p.displayURL))",
        ]
        if let env = p.passwordEnv { lines.append("password_env = \(quoted(env))") }
        if let file = p.passwordFile { lines.append("password_file = \(quoted(file))") }
        lines.append("# disable, require (encrypted, server not checked) or verify-full (its certificate checked).")
        lines.append("sslmode = \(quoted(p.sslMode.rawValue))")
        if let ca = p.caFile {
            lines.append("ca_file = \(quoted(ca))")
        } else if p.sslMode == .verifyFull {
            lines.append("# The CA that signed the server's certificate (default: the system's CAs).")
            lines.append("# ca_file = \"/etc/handoff/database-ca.pem\"")
        }
        return lines.joined(separator: "\n")
    }
}

/// The ledger accounts a journal export posts to (`[journal]` in the configuration): a
/// readable name per role (hledger, CSV, QuickBooks), and the business's own account code per
/// role (`[journal.codes]`; Xero posts by code) where the accountant gave one.
public struct JournalAccounts: Sendable, Equatable {
    /// What an account is for in Handoff's books.
    public enum Role: String, Sendable, CaseIterable, Hashable {
        case bank
        case receivable
        case agencyClearing = "agency_clearing"
        case collectionFees = "collection_fees"
        case feesPayable = "fees_payable"
        case settlementAllowance = "settlement_allowance"

        /// Whether the role has one account per agency (a sub-account in hledger; a code per agency, or one for all).
        public var perAgency: Bool { self == .agencyClearing || self == .feesPayable }

        /// The role in words, for errors.
        public var meaning: String {
            switch self {
            case .bank: return "the bank account remittances land in"
            case .receivable: return "the receivables"
            case .agencyClearing: return "money an agency collected and has not yet remitted"
            case .collectionFees: return "the agencies' commissions and fees (an expense)"
            case .feesPayable: return "fees a gross agency invoices (a liability)"
            case .settlementAllowance: return "what a settlement forgave (an expense)"
            }
        }
    }

    public var bank = "assets:bank"
    public var receivable = "assets:accounts receivable"
    public var agencyClearing = "assets:agency clearing"
    public var collectionFees = "expenses:collection fees"
    public var feesPayable = "liabilities:agency fees payable"
    public var settlementAllowance = "expenses:settlement allowance"
    /// The business's account code per role (`[journal.codes]`).
    public var codes: [Role: String] = [:]
    /// A code per agency for the per-agency roles (`[journal.codes] agency_clearing = { keystone-recovery = "615" }`).
    public var agencyCodes: [String: [Role: String]] = [:]
    /// The tax rate Xero's manual journal lines carry (`[journal.xero] tax_rate`).
    public var xeroTaxRate = "Tax Exempt"
    public init() {}

    /// The readable name of a role's account (per agency: a sub-account named for it).
    public func name(_ role: Role, partner: String? = nil) -> String {
        let base: String
        switch role {
        case .bank: base = bank
        case .receivable: base = receivable
        case .agencyClearing: base = agencyClearing
        case .collectionFees: base = collectionFees
        case .feesPayable: base = feesPayable
        case .settlementAllowance: base = settlementAllowance
        }
        guard role.perAgency, let partner, !base.isEmpty else { return base }
        return base + ":" + partner
    }

    /// The business's code for a role's account, if the accountant gave one.
    public func code(_ role: Role, partner: String? = nil) -> String? {
        if role.perAgency, let partner, let code = agencyCodes[partner]?[role] { return code }
        return codes[role]
    }
}
