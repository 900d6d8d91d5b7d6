import Crypto
import HandoffCSV
import HandoffDomain
public import HandoffStore

/// Imports a business's customers, invoices and transactions from CSV into the AR record.
///
/// A file is one transaction: every row applies or none does. Rows are streamed, so a file
/// of millions of rows imports in constant memory. Imports are idempotent: a row that
/// matches what is recorded changes nothing.
public struct Importer: Sendable {
    public let store: any ARStore
    public let options: ImportOptions

    public init(store: any ARStore, options: ImportOptions) {
        self.store = store
        self.options = options
    }

    /// Imports one file. Throws ``ImportFailed`` (and changes nothing) when a row is bad and
    /// there is no reject file.
    public func importFile(_ kind: ImportKind, path: String) throws -> ImportReport {
        let source = try ByteSource(path: path)
        var hasher = SHA256()
        source.observer = { chunk in hasher.update(data: chunk) }
        let reader = CSVReader(source: source)
        let displayName = path

        guard let headerRecord = try reader.next() else {
            throw ImportFailed(
                file: displayName,
                errors: [
                    RowError(
                        file: displayName, line: 1, column: nil, message: "the file is empty: a header row is required")
                ], badRows: 1)
        }
        let spec = Self.columns(for: kind)
        let columns = try ColumnMap(
            header: headerRecord, file: displayName, required: spec.required, optional: spec.optional,
            ignoreUnknown: options.ignoreUnknownColumns)

        let rejects = try options.rejectFile.map { try RejectWriter(path: $0, header: headerRecord.fields) }
        defer { rejects?.discardIfOpen() }

        let options = self.options
        let report = try store.write { ar -> ImportReport in
            var report = ImportReport(kind: kind, file: displayName, sha256: "")
            var errors: [RowError] = []
            var badRows = 0
            let rowImporter = RowImporter(ar: ar, options: options, fileName: displayName)
            // A customers file: each account number's first line, to refuse a second row of it.
            var firstLines: [String: Int] = [:]
            func count(_ outcome: RowOutcome) {
                switch outcome {
                case .added: report.added += 1
                case .changed: report.changed += 1
                case .unchanged: report.unchanged += 1
                }
            }
            func reject(_ record: CSVRecord, _ error: RowError) throws {
                badRows += 1
                if errors.count < ImportFailed.listed { errors.append(error) }
                if let rejects { try rejects.write(record: record, error: error) }
            }
            // Invoice rows wait in a chunk, checked, so that the store inserts the chunk as one
            // set (one statement on PostgreSQL, where each row was a round trip); every row's
            // outcome is still counted, and its error written, in the order of the file.
            var chunk: [(record: CSVRecord, row: RowReader, failure: RowError?)] = []
            func applyChunk() throws {
                guard !chunk.isEmpty else { return }
                // The chunk's accounts, read in one statement; then each row is checked, in order.
                let numbers = chunk.compactMap { $0.failure == nil ? $0.row.optional("account_number") : nil }
                rowImporter.remember(try ar.customers(accountNumbers: ExactText.distinct(numbers)), for: numbers)
                let prepared = chunk.map { entry -> (CSVRecord, Result<RowImporter.PreparedInvoice, RowError>) in
                    if let failure = entry.failure { return (entry.record, .failure(failure)) }
                    do throws(RowError) {
                        return (entry.record, .success(try rowImporter.prepareInvoice(entry.row)))
                    } catch {
                        return (entry.record, .failure(error))
                    }
                }
                let ready = prepared.compactMap { entry -> NewInvoice? in
                    if case .success(let prepared) = entry.1 { return prepared.invoice }
                    return nil
                }
                let ids = try ar.insertInvoicesIfNew(ready)
                // A row whose invoice is already recorded (a re-import) is compared with it: the
                // invoices of those rows' accounts, read in one statement.
                let recordedAccounts = Set(zip(ready, ids).compactMap { $1 == nil ? $0.customerID : nil })
                let recorded = recordedAccounts.isEmpty ? [:] : try ar.invoices(customerIDs: Array(recordedAccounts))
                rowImporter.remember(recorded)
                var next = 0
                for (record, prepared) in prepared {
                    switch prepared {
                    case .failure(let error):
                        try reject(record, error)
                    case .success(let prepared):
                        let inserted = ids[next] != nil
                        next += 1
                        do throws(RowError) { count(try rowImporter.finishInvoice(prepared, inserted: inserted)) } catch
                        { try reject(record, error) }
                    }
                }
                chunk.removeAll(keepingCapacity: true)
            }
            // Transaction rows wait in a chunk too, decided against one read of what they touch
            // and written as sets (``TransactionRows``).
            var transactionRows = TransactionRows()
            func applyTransactionRows() throws {
                guard !transactionRows.isEmpty else { return }
                for (record, outcome) in try transactionRows.apply(ar, options: options, fileName: displayName) {
                    switch outcome {
                    case .success(let outcome): count(outcome)
                    case .failure(let error): try reject(record, error)
                    }
                }
            }
            // Customer rows wait in a chunk too: their accounts read together, the new ones
            // inserted as one set (``CustomerRows``).
            var customerRows = CustomerRows()
            func applyCustomerRows() throws {
                guard !customerRows.isEmpty else { return }
                for (record, outcome) in try customerRows.apply(rowImporter, ar) {
                    switch outcome {
                    case .success(let outcome): count(outcome)
                    case .failure(let error): try reject(record, error)
                    }
                }
            }
            while true {
                let record: CSVRecord?
                do { record = try reader.next() } catch let e as CSVSyntaxError {
                    // A broken file structure cannot be skipped row by row: refuse the file,
                    // listing the errors of the rows before it too (those still in a chunk are
                    // checked first; the file is refused whole, so nothing they write stays).
                    try applyChunk()
                    try applyTransactionRows()
                    try applyCustomerRows()
                    let column = e.field <= columns.header.count ? columns.header[e.field - 1] : nil
                    throw ImportFailed(
                        file: displayName,
                        errors: errors + [
                            RowError(file: displayName, line: e.line, column: column, message: e.message)
                        ],
                                       badRows: badRows + 1)
                }
                guard let record else { break }
                report.rows += 1
                let row = RowReader(columns: columns, record: record)
                if kind == .invoices {
                    let fields = "has \(record.fields.count) fields, the header has \(columns.header.count)"
                    let whole = record.fields.count == columns.header.count
                    chunk.append((record, row, whole ? nil : row.error(nil, fields)))
                    if chunk.count >= Self.invoiceChunk { try applyChunk() }
                    if report.rows & 0xFFF == 0 { options.progress?(reader.bytesRead, reader.totalBytes) }
                    continue
                }
                if kind == .transactions {
                    let keys: Result<TransactionRows.Keys, RowError>
                    do throws(RowError) {
                        if record.fields.count != columns.header.count {
                            throw row.error(
                                nil, "has \(record.fields.count) fields, the header has \(columns.header.count)")
                        }
                        keys = .success(try TransactionRows.keys(row))
                    } catch {
                        keys = .failure(error)
                    }
                    transactionRows.append(record, row, keys)
                    if transactionRows.isFull { try applyTransactionRows() }
                    if report.rows & 0xFFF == 0 { options.progress?(reader.bytesRead, reader.totalBytes) }
                    continue
                }
                let accountNumber: Result<String, RowError>
                do throws(RowError) {
                    if record.fields.count != columns.header.count {
                        throw row.error(
                            nil, "has \(record.fields.count) fields, the header has \(columns.header.count)")
                    }
                    try CustomerRow.checkUnique(row, firstLines: &firstLines)
                    accountNumber = .success(try row.key("account_number"))
                } catch {
                    accountNumber = .failure(error)
                }
                customerRows.append(record, row, accountNumber)
                if customerRows.isFull { try applyCustomerRows() }
                if report.rows & 0xFFF == 0 { options.progress?(reader.bytesRead, reader.totalBytes) }
            }
            try applyChunk()
            try applyTransactionRows()
            try applyCustomerRows()
            options.progress?(reader.bytesRead, reader.totalBytes)

            if rejects == nil && badRows > 0 {
                throw ImportFailed(file: displayName, errors: errors, badRows: badRows)
            }
            report.rejected = rejects == nil ? 0 : badRows
            report.holdsAdded = rowImporter.holdsAdded
            report.rejections = rejects == nil ? [] : errors
            report.sha256 = Hex.encode(hasher.finalize())
            if !report.changedNothing {
                let run = ImportRun(
                    kind: kind.rawValue, fileName: displayName, sha256: report.sha256, size: reader.bytesRead,
                    rows: report.rows, added: report.added, changed: report.changed,
                    unchanged: report.unchanged, rejected: report.rejected)
                try ar.recordImport(run)
                try ar.appendAudit(
                    AuditEntry(
                        actor: options.actor, action: "import.\(kind.rawValue)", subject: displayName,
                        detail: report.summary + " sha256=\(report.sha256)"))
            }
            return report
        }
        try rejects?.commit()
        return report
    }

    /// Invoice rows inserted as one set.
    static let invoiceChunk = 1_000

    /// The columns each kind of file may have.
    static func columns(for kind: ImportKind) -> (required: [String], optional: [String]) {
        switch kind {
        case .customers:
            return (["account_number", "type"],
                [
                    "business_name", "first_name", "last_name", "contact_name", "address1", "address2", "city",
                    "region",
                    "postal_code", "country", "phone", "email", "tax_id", "date_of_birth", "currency", "holds"]
                        + CustomerRow.complianceColumns)
        case .invoices:
            return (["account_number", "invoice_number", "invoice_date", "due_date", "amount"], ["disputed"])
        case .transactions:
            return (["reference", "account_number", "date", "type", "amount"], ["invoice_number", "reverses"])
        }
    }
}

/// Writes rejected rows, with their reasons, as CSV beside the good ones being applied.
final class RejectWriter {
    private let file: AtomicFileWriter
    private let csv = CSVWriter()
    private var open = true

    init(path: String, header: [String]) throws {
        file = try AtomicFileWriter(path: path)
        try file.write(csv.line(header + ["error_line", "error_column", "error"]))
    }

    func write(record: CSVRecord, error: RowError) throws {
        try file.write(csv.line(record.fields + [String(error.line), error.column ?? "", error.message]))
    }

    func commit() throws {
        open = false
        try file.commit()
    }

    func discardIfOpen() {
        if open { file.discard() }
    }
}
