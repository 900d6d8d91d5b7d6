public import HandoffDomain

/// The three files a business's accounting system exports for Handoff.
public enum ImportKind: String, Sendable, CaseIterable {
    case customers, invoices, transactions
}

/// How an import behaves.
public struct ImportOptions: Sendable {
    /// Skip columns Handoff does not know instead of refusing the file.
    public var ignoreUnknownColumns = false
    /// Apply the good rows and write the bad ones, with their reasons, to this CSV file,
    /// instead of refusing the whole file.
    public var rejectFile: String?
    /// The currency of a customer row that names none.
    public var defaultCurrency: Currency
    /// The largest amount an invoice or a transaction may have (`[limits] max_amount`).
    public var maxAmount: AmountLimit = .default
    /// Who is importing, for the audit log.
    public var actor = "import"
    /// Called now and then with bytes read and the file's size: for a progress bar.
    public var progress: (@Sendable (_ bytesRead: Int, _ totalBytes: Int?) -> Void)?

    public init(defaultCurrency: Currency) {
        self.defaultCurrency = defaultCurrency
    }
}

/// What one row did.
public enum RowOutcome: Sendable {
    /// The row created a record.
    case added
    /// The row changed a record's non-money fields.
    case changed
    /// The row matched what was already recorded.
    case unchanged
}

/// A row that cannot be applied: file, line, column and why.
public struct RowError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    public var line: Int
    /// The column's name from the header, or `nil` for the row as a whole.
    public var column: String?
    public var message: String

    public init(file: String, line: Int, column: String?, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        if let column { return "\(file):\(line): column '\(column)': \(message)" }
        return "\(file):\(line): \(message)"
    }
}

/// A file refused whole: nothing of it was applied.
public struct ImportFailed: Error, CustomStringConvertible, Sendable {
    public var file: String
    /// The first errors (at most ``ImportFailed/listed``).
    public var errors: [RowError]
    /// How many rows were bad in all.
    public var badRows: Int

    /// How many errors an import keeps to show.
    public static let listed = 50

    public var description: String {
        var text = "\(file): refused, nothing was imported (\(badRows) bad row\(badRows == 1 ? "" : "s")):\n"
        text += errors.map { "  \($0)" }.joined(separator: "\n")
        if badRows > errors.count { text += "\n  … and \(badRows - errors.count) more" }
        return text
    }
}

/// What an import did.
public struct ImportReport: Sendable, Equatable {
    public var kind: ImportKind
    public var file: String
    public var sha256: String
    public var rows = 0
    public var added = 0
    public var changed = 0
    public var unchanged = 0
    /// Rows written to the reject file (only with a reject file).
    public var rejected = 0
    /// The first rejected rows' errors.
    public var rejections: [RowError] = []
    /// Holds the file added to accounts already recorded, for the agencies that hold them.
    public var holdsAdded: [AddedHold] = []

    /// Whether the import changed nothing at all.
    public var changedNothing: Bool { added == 0 && changed == 0 }

    /// One line for a person: `invoices.csv: 12 rows: 10 added, 1 changed, 1 unchanged`.
    public var summary: String {
        if rows > 0 && changedNothing && rejected == 0 {
            return "\(file): no change (\(rows) row\(rows == 1 ? "" : "s"), all already recorded)"
        }
        var text =
            "\(file): \(rows) row\(rows == 1 ? "" : "s"): \(added) added, \(changed) changed, \(unchanged) unchanged"
        if rejected > 0 { text += ", \(rejected) rejected" }
        return text
    }
}

/// A hold a customers file added to an account already recorded (`handoff import` tells the
/// agency that holds the account, as `handoff hold add` does).
public struct AddedHold: Sendable, Equatable {
    public var accountNumber: String
    public var hold: Hold
    /// The file and line that added it.
    public var source: String
    public init(accountNumber: String, hold: Hold, source: String) {
        self.accountNumber = accountNumber
        self.hold = hold
        self.source = source
    }
}
