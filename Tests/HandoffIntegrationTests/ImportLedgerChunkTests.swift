import Foundation
import Testing

/// An import writes its invoices' first ledger entries a chunk at a time (2,048 invoices of one
/// currency in a row): every invoice must still get exactly one, with its own amount, currency,
/// date and line, in the order of the invoices, across chunk ends and changes of currency, on
/// both engines.
@Suite("Importing invoices in chunks", .serialized)
struct ImportLedgerChunkTests {
    @Test("Each invoice gets one first ledger entry citing its line, across chunks and currencies; again, nothing")
    func firstEntriesInChunks() throws {
        let install = try Installation()
        let customers = """
            account_number,type,last_name,currency
            A-1,consumer,Alpha,CAD
            B-2,consumer,Beta,USD
            C-3,consumer,Gamma,EUR

            """
        var rows = ["account_number,invoice_number,invoice_date,due_date,amount"]
        func add(_ account: String, _ n: Int) {
            let day = 1 + n % 28
            rows.append(
                "\(account),N-\(n),2026-01-\(day < 10 ? "0" : "")\(day),2026-03-01,"
                    + "\(n).\(n % 100 < 10 ? "0" : "")\(n % 100)"
            )
        }
        for n in 1...2_500 { add("A-1", n) }                                   // past one chunk's end
        for n in 2_501...2_800 { add(["B-2", "C-3", "A-1"][n % 3], n) }         // another currency every row
        rows.append(rows[7])                                                  // a repeat: unchanged, no entry
        for n in 2_801...3_000 { add("C-3", n) }
        let invoices = rows.joined(separator: "\n") + "\n"

        for (kind, text) in [("customers", customers), ("invoices", invoices)] {
            let r = try install.handoff(["import", kind, try install.write("\(kind).csv", text)])
            try #require(r.status == 0, "import \(kind) failed: \(r.stderr)")
        }
        // The same SQL on both engines (HANDOFF_TEST_ENGINE), every value read as text.
        func number(_ sql: String) throws -> Int { Int(try #require(try install.sqlRows(sql).first?.first ?? nil))! }
        let wrong = try number("""
            SELECT COUNT(*) FROM invoices i JOIN customers c ON c.id = i.customer_id
            WHERE (SELECT COUNT(*) FROM ledger_entries l WHERE l.invoice_id = i.id) != 1
               OR NOT EXISTS (SELECT 1 FROM ledger_entries l WHERE l.invoice_id = i.id AND l.kind = 'invoice'
                              AND l.amount = i.amount AND l.currency = c.currency AND l.customer_id = i.customer_id
                              AND l.effective_date = i.invoice_date AND l.source_kind = 'file'
                              AND l.source_name = i.source_name AND l.source_line = i.source_line
                              AND l.transaction_id IS NULL)
            """)
        #expect(wrong == 0)
        #expect(try number("SELECT COUNT(*) FROM invoices") == 3_000)
        #expect(try number("SELECT COUNT(*) FROM ledger_entries") == 3_000)
        // Line n + 1 holds invoice N-n (the header is line 1), and the ledger follows the file.
        let lines = try install.sqlRows("""
            SELECT i.invoice_number, CAST(l.source_line AS TEXT), l.currency FROM ledger_entries l \
            JOIN invoices i ON i.id = l.invoice_id
            ORDER BY l.id
            """).map { row in row.map { $0 ?? "" }.joined(separator: ":") }
        #expect(lines.first == "N-1:2:CAD")
        #expect(lines[2_500] == "N-2501:2502:CAD")
        #expect(lines[2_501] == "N-2502:2503:USD")
        #expect(lines[2_502] == "N-2503:2504:EUR")
        #expect(lines.last == "N-3000:3002:EUR")
        #expect(lines == lines.sorted { a, b in
            Int(a.split(separator: ":")[1])! < Int(b.split(separator: ":")[1])!
        })

        let again = try install.handoff([
            "import", "invoices", install.root.appendingPathComponent("invoices.csv").path,
        ])
        #expect(again.status == 0)
        #expect(again.stdout.contains("no change"), "\(again.stdout)")
        #expect(try number("SELECT COUNT(*) FROM ledger_entries") == 3_000)
    }

    @Test(
        """
        PostgreSQL: a transaction that writes 12,000 invoices analyzes the tables it grew, inside it; \
        one of 3,000 does not
        """,
        .enabled(if: TestEngine.current == .postgresql))
    func statisticsFollowALargeImport() throws {
        let install = try Installation()
        try #require(try install.handoff(["import", "customers", try install.write("customers.csv", """
            account_number,type,last_name,currency
            A-1,consumer,Alpha,USD

            """)]).status == 0)
        func invoices(_ range: ClosedRange<Int>) -> String {
            (["account_number,invoice_number,invoice_date,due_date,amount"]
                + range.map { "A-1,N-\($0),2026-01-05,2026-03-01,1\($0 % 10).00" })
                .joined(separator: "\n") + "\n"
        }
        // Analyzed by hand (by Handoff), not by autovacuum: PostgreSQL counts the two apart.
        func analyzed(_ table: String) throws -> Int {
            try dbCount(install, "SELECT analyze_count FROM pg_stat_user_tables WHERE relname = '\(table)'")
        }
        try #require(
            try install.handoff(["import", "invoices", try install.write("small.csv", invoices(1...3_000))]).status == 0
        )
        #expect(try analyzed("invoices") == 0)
        #expect(try analyzed("ledger_entries") == 0)
        try #require(
            try install.handoff(["import", "invoices", try install.write("large.csv", invoices(3_001...15_000))]).status
                == 0)
        #expect(try analyzed("invoices") >= 1)
        #expect(try analyzed("ledger_entries") >= 1)
        // What was analyzed inside the import's transaction counts its rows.
        #expect(
            try dbCount(install, "SELECT CAST(reltuples AS bigint) FROM pg_class WHERE relname = 'invoices'") >= 10_000)
        #expect(try dbCount(install, "SELECT COUNT(*) FROM ledger_entries") == 15_000)
    }
}

