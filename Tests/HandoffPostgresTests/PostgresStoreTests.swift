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

    /// A chunk's placement changes and statuses written as sets end where writing them one by
    /// one ends: one placement changed four times (an UPDATE … FROM that met it four times would
    /// apply one of them), a status repeated under one event key kept once.
    @Test func placementChangesAsASetEndAsOneByOne() throws {
        let (store, invoiceID) = try storeWithABook()
        let day = CalendarDate(iso: "2026-03-02")!
        let changes = [
            PlacementChange(placementID: 0, state: .accepted(agencyReference: "KREF"), agencyReference: nil,
                            agencyStatus: "ACT"),
            PlacementChange(placementID: 0, state: .active, agencyReference: nil, agencyStatus: "PPA"),
            PlacementChange(placementID: 0, state: .active, agencyReference: "KREF-2", agencyStatus: nil),
            PlacementChange(placementID: 0, state: .recallPending, agencyReference: nil, agencyStatus: nil),
        ]
        let statuses = [
            ReportedStatus(placementID: 0, date: day, code: "ACT", meaning: .active, eventKey: "status:1"),
            ReportedStatus(placementID: 0, date: day.adding(days: 1), code: "PPA", meaning: .disputed,
                           eventKey: "status:2"),
            ReportedStatus(placementID: 0, date: day.adding(days: 1), code: "PPA", meaning: .disputed,
                           eventKey: "status:2"),
        ]
        let (oneByOne, asSet) = try store.writeReconciliation { w -> (Int64, Int64) in
            // Two accounts (one open placement each): the first written one by one, the second as sets.
            let first = try #require(try w.customer(accountNumber: "A-1")).id
            let second = try w.insertCustomer(
                DebtorProfile(accountNumber: "A-2", type: .consumer, lastName: "Roy", currency: .cad),
                source: EntrySource(kind: .file, name: "customers.csv", line: 3))
            let secondInvoice = try w.insertInvoice(
                customerID: second,
                terms: InvoiceTerms(
                    invoiceNumber: "INV-2", invoiceDate: CalendarDate(iso: "2026-01-10")!,
                    dueDate: CalendarDate(iso: "2026-02-09")!, amount: Money(minorUnits: 6_000, currency: .cad),
                    disputed: false),
                source: EntrySource(kind: .file, name: "invoices.csv", line: 3))
            let batch = try w.insertBatch(
                BatchRecord(
                    id: 0, partnerID: "k", batchKey: "b", fileName: "f.csv", controlName: nil, runDate: day,
                    sequence: 1, state: .sent, accounts: 1, invoices: 1, total: 6_000, sha256: "x", size: 1,
                    createdAt: "now"))
            let placed = try w.insertPlacements(
                [(first, invoiceID), (second, secondInvoice)].map { customer, invoice in
                    NewPlacement(
                        customerID: customer, partnerID: "k", tier: 1, batchID: batch, placedOn: day,
                        balance: Money(minorUnits: 6_000, currency: .cad), oldestDueDate: day.adding(days: -21),
                        daysPastDue: 21, invoices: [(invoice, 6_000)])
                })
            let (a, b) = (placed[0], placed[1])
            for c in changes {
                try w.updatePlacement(
                    id: a, state: c.state, agencyReference: c.agencyReference, agencyStatus: c.agencyStatus)
            }
            for s in statuses {
                try w.recordPlacementStatus(
                    placementID: a, date: s.date, code: s.code, meaning: s.meaning, eventKey: s.eventKey)
            }
            try w.updatePlacements(changes.map { var c = $0; c.placementID = b; return c })
            try w.recordPlacementStatuses(statuses.map { var s = $0; s.placementID = b; return s })
            return (a, b)
        }
        let terms = try store.writeReconciliation { w in
            try #require(w as? any ComplianceReading).openPlacementTerms()
        }
        let a = try #require(terms.first { $0.placement.id == oneByOne })
        let b = try #require(terms.first { $0.placement.id == asSet })
        #expect(a.placement.state == .recallPending && a.placement.agencyReference == "KREF-2")
        #expect(a.placement.agencyStatus == "PPA")
        #expect(a.facts.statuses.map(\.code) == ["ACT", "PPA"])
        #expect(b.placement.state == a.placement.state && b.placement.agencyReference == a.placement.agencyReference)
        #expect(b.placement.agencyStatus == a.placement.agencyStatus && b.facts.statuses == a.facts.statuses)
    }

    /// libpq's parameters are C strings: a text holding a NUL would reach the server cut short
    /// at it. Such a parameter is refused as the server refuses the byte (22021), and nothing of
    /// the transaction stays; a NUL at the very end or start is caught as well as one inside.
    @Test(arguments: ["A-\u{0}9", "A-9\u{0}", "\u{0}A-9"])
    func aTextHoldingANULIsRefusedNeverCutShort(number: String) throws {
        let (store, _) = try storeWithABook()
        #expect {
            try store.write { w in
                _ = try w.insertCustomer(
                    DebtorProfile(accountNumber: number, type: .consumer, lastName: "Nul", currency: .cad),
                    source: EntrySource(kind: .file, name: "customers.csv", line: 9))
            }
        } throws: { error in
            guard case PostgresError.server(let state, _, _, _) = error else { return false }
            return state == "22021"
        }
        let stored = try store.read { r in try ["A-", "A-9", ""].compactMap { try r.customer(accountNumber: $0) } }
        #expect(stored.isEmpty)
    }

    /// A chunk's event records written as sets end as one by one: a key that comes twice in one
    /// list (waiting, then applied) ends applied, in one call, where one `INSERT … ON CONFLICT DO
    /// UPDATE` meeting the row twice would fail; an applied event is never replaced.
    @Test func eventRecordsWithAKeyTwiceEndAsOneByOne() throws {
        let (store, _) = try storeWithABook()
        func event(_ key: String, _ state: AgencyEventState, _ reason: String? = nil) -> NewAgencyEvent {
            NewAgencyEvent(
                partnerID: "k", key: key, inboxID: nil, accountNumber: "A-1", kind: "payment",
                payload: #"{"key":"\#(key)","note":"a \"quoted\" \\ value"}"#, state: state, reason: reason)
        }
        try store.writeReconciliation { w in
            try w.recordAgencyEvents([
                event("payment:P1", .waiting, "its payment has not arrived"), event("payment:P2", .applied),
                event("payment:P1", .applied), event("payment:P3", .held, "no account"),
            ])
            try w.recordAgencyEvents([event("payment:P2", .held, "late"), event("payment:P3", .applied)])
        }
        let recorded = try store.writeReconciliation { w in
            try w.agencyEvents(partnerID: "k", keys: ["payment:P1", "payment:P2", "payment:P3"])
        }
        #expect(recorded.map(\.key) == ["payment:P1", "payment:P2", "payment:P3"])
        #expect(recorded.map(\.state) == [.applied, .applied, .held])
        #expect(recorded[0].reason == nil && recorded[2].reason == "no account")
        #expect(recorded[0].payload.contains(#"a \"quoted\" \\ value"#))
    }
}
