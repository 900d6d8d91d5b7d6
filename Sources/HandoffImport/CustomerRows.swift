import HandoffCSV
import HandoffDomain
import HandoffStore

/// A customers file's rows, applied a chunk at a time: the chunk's accounts are read in one
/// statement, and the new ones are inserted as one set once every row of the chunk is checked.
/// An account already recorded is compared with its row, and changed, row by row. On
/// PostgreSQL a new account cost two round trips; a chunk of 1,000 costs three statements.
///
/// No row depends on another: a customers file names each account once (a repeat is refused
/// before it reaches the chunk).
struct CustomerRows {
    /// A row waiting in the chunk, with its account number once it is checked.
    struct Waiting {
        var record: CSVRecord
        var row: RowReader
        var accountNumber: Result<String, RowError>
    }

    /// Rows read and inserted together.
    static let chunkSize = 1_000

    private(set) var waiting: [Waiting] = []

    var isEmpty: Bool { waiting.isEmpty }
    var isFull: Bool { waiting.count >= Self.chunkSize }

    mutating func append(_ record: CSVRecord, _ row: RowReader, _ accountNumber: Result<String, RowError>) {
        waiting.append(Waiting(record: record, row: row, accountNumber: accountNumber))
    }

    /// Applies the chunk's rows and answers each row's outcome, in order. A row's error leaves
    /// the rest of the chunk to apply; a storage failure throws.
    mutating func apply(_ rows: RowImporter, _ ar: any ARWriting) throws
        -> [(record: CSVRecord, outcome: Result<RowOutcome, RowError>)]
    {
        defer { waiting.removeAll(keepingCapacity: true) }
        // Account numbers compared byte for byte, as the database compares them.
        var recorded: [ExactText: CustomerRecord] = [:]
        let numbers = ExactText.distinct(waiting.compactMap { try? $0.accountNumber.get() })
        for c in try ar.customers(accountNumbers: numbers) { recorded[ExactText(c.profile.accountNumber)] = c }

        var outcomes: [(record: CSVRecord, outcome: Result<RowOutcome, RowError>)] = []
        outcomes.reserveCapacity(waiting.count)
        var fresh: [RowImporter.PreparedCustomer] = []
        for entry in waiting {
            do throws(RowError) {
                let number = try entry.accountNumber.get()
                if let existing = recorded[ExactText(number)] {
                    let outcome = try rows.applyRecordedCustomer(entry.row, existing: existing)
                    outcomes.append((entry.record, .success(outcome)))
                } else {
                    fresh.append(try rows.prepareNewCustomer(entry.row))
                    outcomes.append((entry.record, .success(.added)))
                }
            } catch {
                outcomes.append((entry.record, .failure(error)))
            }
        }
        let ids = try ar.insertCustomers(fresh.map(\.customer))
        for (prepared, id) in zip(fresh, ids) { try rows.finishNewCustomer(prepared, id: id) }
        return outcomes
    }
}
