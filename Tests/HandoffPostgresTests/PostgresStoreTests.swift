import HandoffConfig
import HandoffDomain
import HandoffPostgres
import HandoffStore
import HandoffTestSupport
import Testing
import Foundation

/// The AR record in a real PostgreSQL 15 that the tests start themselves (``TestPostgresServer``).
@Suite struct PostgresStoreTests {
    let server: TestPostgresServer
    let database: String
    var settings: PostgresSettings {
        PostgresSettings(user: server.user, host: "127.0.0.1", port: server.port, database: database, sslMode: .disable)
    }

    init() throws {
        server = try TestPostgresServer.shared
        database = try server.createDatabase("store")
    }

    /// A store on a new database, with one account, one invoice of 100.00 and a payment of 40.00 on it.
    func storeWithABook() throws -> (store: PostgresARStore, invoiceID: Int64) {
        let store = try PostgresARStore(settings: settings, creating: true)
        let invoiceID = try store.write { w in
            let customer = try w.insertCustomer(
                DebtorProfile(
                    accountNumber: "A-1", type: .consumer, firstName: "Renée", lastName: "Côté",
                    currency: .cad), source: EntrySource(kind: .file, name: "customers.csv", line: 2))
            let terms = InvoiceTerms(
                invoiceNumber: "INV-1", invoiceDate: CalendarDate(iso: "2026-01-10")!,
                dueDate: CalendarDate(iso: "2026-02-09")!,
                amount: Money(minorUnits: 10_000, currency: .cad), disputed: false)
            let invoice = try w.insertInvoice(
                customerID: customer, terms: terms, source: EntrySource(kind: .file, name: "invoices.csv", line: 2))
            let payment = try w.insertTransaction(reference: "PAY-1", customerID: customer, invoiceNumber: "INV-1",
                date: CalendarDate(iso: "2026-03-01")!, kind: .payment, amount: 4_000, reversesID: nil,
                source: EntrySource(kind: .file, name: "transactions.csv", line: 2))
            try w.appendLedgerEntry(
                NewLedgerEntry(
                    customerID: customer, invoiceID: invoice, transactionID: payment, kind: .payment,
                    amount: -4_000, currency: .cad, effectiveDate: CalendarDate(iso: "2026-03-01")!,
                    source: EntrySource(kind: .file, name: "transactions.csv", line: 2)))
            try w.appendAudit(
                AuditEntry(actor: "test", action: "import.invoices", subject: "A-1", detail: "one invoice"))
            return invoice
        }
        return (store, invoiceID)
    }

    @Test(
        """
        A run whose job claim is lost (its connection ended) commits nothing more, and another instance takes \
        the claim over
        """
    )
    func aRunWhoseClaimIsLostCommitsNothingMore() throws {
        let (store, _) = try storeWithABook()
        let other = try PostgresARStore(settings: settings)
        func audits(_ detail: String) throws -> String? {
            try other.withConnection {
                try $0.query("SELECT count(*) FROM audit_log WHERE detail = $1", [detail]).text(0, 0)
            }
        }
        func note(_ detail: String) throws {
            try store.write {
                try $0.appendAudit(AuditEntry(actor: "test", action: "test.note", subject: "run", detail: detail))
            }
        }
        var afterLoss: (any Error)?
        let ran = try store.exclusively(.fetch) { () throws -> Bool in
            try note("while the claim is held")
            #expect(try other.exclusively(.fetch) { true } == nil, "no other instance takes a claim that is held")
            // The claim's connection ends, as it would in a network cut.
            _ = try other.withConnection { c in
                try c.query(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks "
                        + "WHERE locktype = 'advisory' AND objid = 3 AND objsubid = 2"
                )
            }
            var takenOver = false
            for _ in 0..<50 where !takenOver {
                takenOver = try other.exclusively(.fetch) { true } ?? false
                if !takenOver { Thread.sleep(forTimeInterval: 0.1) }
            }
            #expect(takenOver, "once the server let go of the lock, another instance takes the claim")
            do { try note("after the claim was lost") } catch { afterLoss = error }
            return true
        }
        #expect(ran == true)
        #expect(afterLoss is ClaimLost, "\(String(describing: afterLoss))")
        #expect(afterLoss.map { "\($0)" }?.contains("the claim on the fetch job was lost") == true)
        #expect(try audits("while the claim is held") == "1")
        #expect(try audits("after the claim was lost") == "0")
        // Outside any claim, writes go on as before.
        try note("after the run")
        #expect(try audits("after the run") == "1")
    }

    @Test func initCreatesEveryMigrationOnAnEmptyDatabaseAndOpensItAgain() throws {
        let store = try PostgresARStore(settings: settings, creating: true)
        #expect(try store.appliedMigrations() == PostgresMigrations.names)
        let again = try PostgresARStore(settings: settings)
        #expect(try again.appliedMigrations() == PostgresMigrations.names)
        #expect(try server.psql(database: database, "SELECT count(*) FROM handoff_migrations").output
            .trimmingCharacters(in: .whitespacesAndNewlines) == String(PostgresMigrations.names.count))
    }

    @Test func aDatabaseWithoutARecordIsRefusedUnlessCreatingAndOneOfSomethingElseAlways() throws {
        #expect(throws: PostgresDatabaseHoldsNoRecord.self) { try PostgresARStore(settings: settings) }
        try server.psql(database: database, "CREATE TABLE orders (id int)")
        #expect(throws: PostgresDatabaseNotEmpty.self) { try PostgresARStore(settings: settings, creating: true) }
        #expect(try server.psql(database: database, "SELECT to_regclass('customers') IS NULL").output.hasPrefix("t"))
    }

    @Test(arguments: ["ledger_entries", "audit_log"])
    func theAppendOnlyTablesRefuseUpdateDeleteAndTruncate(table: String) throws {
        _ = try storeWithABook()
        let before = try server.psql(database: database, "SELECT count(*) FROM \(table)").output
        for sql in ["UPDATE \(table) SET id = id", "DELETE FROM \(table)", "TRUNCATE \(table) CASCADE"] {
            let result = try server.psql(database: database, sql)
            #expect(result.status != 0, "\(sql) was allowed")
            #expect(result.output.contains("\(table) is append-only"), "\(sql): \(result.output)")
        }
        #expect(try server.psql(database: database, "SELECT count(*) FROM \(table)").output == before)
        #expect(before.trimmingCharacters(in: .whitespacesAndNewlines) != "0")
    }

    @Test func theLedgerHoldsEveryCentWithItsCurrencyAndSource() throws {
        let (store, invoiceID) = try storeWithABook()
        let (ledger, invoice, counts) = try store.read { r in
            let customer = try #require(try r.customer(accountNumber: "A-1"))
            #expect(customer.profile.firstName == "Renée")
            return (try r.ledger(customerID: customer.id), try r.invoices(customerID: customer.id), try r.counts())
        }
        #expect(
            ledger.map(\.amount) == [
                Money(minorUnits: 10_000, currency: .cad), Money(minorUnits: -4_000, currency: .cad),
            ])
        #expect(ledger.map(\.source.label) == ["invoices.csv:2", "transactions.csv:2"])
        #expect(ledger.first?.recordedAt.hasSuffix("Z") == true)
        #expect(invoice.map(\.balance) == [6_000])
        #expect(invoice.first?.id == invoiceID)
        #expect(counts == RecordCounts(customers: 1, invoices: 1, transactions: 1, ledgerEntries: 2))
    }

    @Test func aBalanceBelowZeroIsRefusedAndChangesNothing() throws {
        let (store, invoiceID) = try storeWithABook()
        let customerID = try store.read { try #require(try $0.customer(accountNumber: "A-1")).id }
        #expect(throws: PostgresError.self) {
            try store.write { w in
                try w.appendLedgerEntry(
                    NewLedgerEntry(
                        customerID: customerID, invoiceID: invoiceID, transactionID: nil, kind: .credit,
                        amount: -7_000, currency: .cad, effectiveDate: CalendarDate(iso: "2026-03-02")!,
                        source: EntrySource(kind: .api, name: "test")))
            }
        }
        #expect(try store.read { try $0.counts().ledgerEntries } == 2)
        #expect(try store.read { try $0.invoices(customerID: customerID).map(\.balance) } == [6_000])
    }

    @Test func anInvoiceNumberTwiceIsWrittenOnce() throws {
        let (store, _) = try storeWithABook()
        let again = try store.write { w -> Int64? in
            let customer = try #require(try w.customer(accountNumber: "A-1"))
            let terms = InvoiceTerms(
                invoiceNumber: "INV-1", invoiceDate: CalendarDate(iso: "2026-01-10")!,
                dueDate: CalendarDate(iso: "2026-02-09")!,
                amount: Money(minorUnits: 10_000, currency: .cad), disputed: false)
            return try w.insertInvoiceIfNew(
                customerID: customer.id, terms: terms, source: EntrySource(kind: .file, name: "again.csv", line: 2))
        }
        #expect(again == nil)
        #expect(
            try store.read { try $0.counts() }
                == RecordCounts(customers: 1, invoices: 1, transactions: 1, ledgerEntries: 2))
    }

    /// A chunk of invoices goes to the server as array literals: numbers and file names holding
    /// the characters an array literal quotes or escapes come back exactly as given, and each
    /// id is matched to its own invoice.
    @Test func aChunkOfInvoicesKeepsEveryCharacterOfItsTexts() throws {
        let (store, _) = try storeWithABook()
        let numbers = [#"Q"1"#, #"B\2"#, #"\"#, "{3,4}", "NULL", " 5 ", "Ünïcödé-6", #"\"7\""#]
        let file = #"da "ta"\in,voices.csv"#
        let ids = try store.write { w -> [Int64?] in
            let customer = try #require(try w.customer(accountNumber: "A-1"))
            let invoices = numbers.enumerated().map { n, number in
                NewInvoice(customerID: customer.id,
                           terms: InvoiceTerms(invoiceNumber: number, invoiceDate: CalendarDate(iso: "2026-01-10")!,
                                               dueDate: CalendarDate(iso: "2026-02-09")!,
                        amount: Money(minorUnits: Int64(100 * (n + 1)), currency: .cad), disputed: n % 2 == 0),
                           source: EntrySource(kind: .file, name: file, line: n + 2))
            }
            return try w.insertInvoicesIfNew(invoices)
        }
        #expect(ids.allSatisfy { $0 != nil })
        let recorded = try store.read { r -> [InvoiceRecord] in
            try r.invoices(customerID: try #require(try r.customer(accountNumber: "A-1")).id)
        }
        for (n, number) in numbers.enumerated() {
            let invoice = try #require(
                recorded.first { $0.terms.invoiceNumber == number }, "invoice \(number) was not recorded")
            #expect(invoice.id == ids[n])
            #expect(invoice.terms.amount.minorUnits == Int64(100 * (n + 1)))
            #expect(invoice.terms.disputed == (n % 2 == 0))
            #expect(invoice.source.name == file)
        }
        let ledger = try store.read { r in
            try r.ledger(customerID: try #require(try r.customer(accountNumber: "A-1")).id)
        }
        let sources = ledger.filter { $0.kind == .invoice && $0.source.name == file }.compactMap(\.source.line)
        #expect(sources.sorted() == Array(2 ..< numbers.count + 2))
    }
}
