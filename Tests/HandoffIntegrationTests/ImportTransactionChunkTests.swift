import Foundation
import HandoffStore
import Testing

/// A transactions file is decided a chunk of rows at a time against one read of what they
/// touch (`TransactionRows`). Each row must still see every row before it, as if the rows had
/// been applied one by one.
@Suite("Transactions imported a chunk at a time")
struct ImportTransactionChunkTests {
    /// Rows that depend on the rows before them in the same chunk. On the hand book, A-1001
    /// owes 600.00 on INV-7001 and 575.00 on INV-7044; P2 paid 1,000.00 on B-2002, of which R2
    /// reversed 400.00.
    static let dependentRows = """
        reference,account_number,invoice_number,date,type,amount,reverses
        Q1,A-1001,INV-7001,2026-10-01,payment,500.00,
        Q2,A-1001,INV-7001,2026-10-02,payment,150.00,
        Q3,B-2002,,2026-10-03,payment_reversal,300.00,P2
        Q4,B-2002,,2026-10-04,payment_reversal,400.00,P2
        Q5,A-1001,,2026-10-05,payment,150.00,
        Q6,A-1001,,2026-10-06,payment_reversal,100.00,Q1
        Q1,A-1001,INV-7001,2026-10-01,payment,500.00,
        Q6,A-1001,,2026-10-06,payment_reversal,100.00,Q5

        """

    @Test("A row sees the balances, reversals and references of the rows before it in its chunk")
    func rowsSeeEarlierRows() throws {
        let install = try Installation()
        try HandBook.load(install)
        let path = try install.write("dependent.csv", Self.dependentRows)
        let rejects = install.root.appendingPathComponent("rejects.csv").path
        let r = try install.handoff(["import", "transactions", path, "--reject-file", rejects])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(
            r.stdout.contains("4 added") && r.stdout.contains("1 unchanged") && r.stdout.contains("3 rejected"),
            "\(r.stdout)")
        let written = try String(contentsOfFile: rejects, encoding: .utf8)
        #expect(
            written
                == "reference,account_number,invoice_number,date,type,amount,reverses,error_line,error_column,error\r\n"
                + "Q2,A-1001,INV-7001,2026-10-02,payment,150.00,,3,amount,"
                + "150.00 exceeds the open balance of invoice INV-7001 (100.00) by 50.00\r\n"
                + "Q4,B-2002,,2026-10-04,payment_reversal,400.00,P2,5,amount,"
                + "400.00 exceeds what is left of payment 'P2' to reverse by 100.00\r\n"
                + "Q6,A-1001,,2026-10-06,payment_reversal,100.00,Q5,9,reference,"
                + "'Q6' is already recorded with other content (from \(path):7)\r\n")
        let figures = try accountFigures(install)
        // A-1001: 1,175.00 − 500.00 (Q1) − 150.00 (Q5: 100.00 on INV-7001, 50.00 on INV-7044)
        //         + 100.00 (Q6 restores Q1 on INV-7001) = 625.00.
        #expect(figures.first { $0.account_number == "A-1001" }?.balance == 62500)
        // B-2002: 7,400.00 + 300.00 (Q3) = 7,700.00.
        #expect(figures.first { $0.account_number == "B-2002" }?.balance == 770000)
        let mismatches = try install.sqlInt("""
            SELECT COUNT(*) FROM invoices i
            WHERE i.balance != (SELECT SUM(amount) FROM ledger_entries l WHERE l.invoice_id = i.id)
            """)
        #expect(mismatches == 0)
    }

    @Test("A file gives the same book as its rows imported one file each")
    func sameAsOneByOne() throws {
        let chunked = try Installation()
        try HandBook.load(chunked)
        let path = try chunked.write("dependent.csv", Self.dependentRows)
        let r = try chunked.handoff([
            "import", "transactions", path, "--reject-file", chunked.root.appendingPathComponent("r.csv").path,
        ])
        #expect(r.status == 0, "\(r.stderr)")

        let alone = try Installation()
        try HandBook.load(alone)
        let lines = Self.dependentRows.split(separator: "\n")
        for (n, line) in lines.dropFirst().enumerated() {
            let one = try alone.write("row\(n).csv", "\(lines[0])\n\(line)\n")
            _ = try alone.handoff([
                "import", "transactions", one, "--reject-file", alone.root.appendingPathComponent("r\(n).csv").path,
            ])
        }
        #expect(try accountFigures(chunked) == accountFigures(alone))
        let perInvoice = "SELECT invoice_id, kind, amount FROM ledger_entries ORDER BY id"
        #expect(try chunked.sqlRows(perInvoice) == alone.sqlRows(perInvoice))
        #expect(try chunked.anyStore().read { try $0.counts() } == alone.anyStore().read { try $0.counts() })
    }

    @Test("Across chunk boundaries, each row sees the balance the rows before it left")
    func acrossChunks() throws {
        let install = try Installation()
        try HandBook.load(install)
        // INV-7044 owes 575.00: 2,300 payments of 0.25 pay it, the 200 after them find it paid.
        var text = "reference,account_number,invoice_number,date,type,amount\n"
        for n in 1 ... 2_500 { text += "K\(n),A-1001,INV-7044,2026-10-01,payment,0.25\n" }
        let path = try install.write("many.csv", text)
        let rejects = install.root.appendingPathComponent("rejects.csv").path
        let r = try install.handoff(["import", "transactions", path, "--reject-file", rejects])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("2300 added") && r.stdout.contains("200 rejected"), "\(r.stdout)")
        let written = try String(contentsOfFile: rejects, encoding: .utf8).split(separator: "\r\n")
        #expect(written.count == 201)
        #expect(written.dropFirst().first?.hasPrefix("K2301,") == true)
        #expect(
            written.dropFirst().first?.hasSuffix("0.25 exceeds the open balance of invoice INV-7044 (0.00) by 0.25")
                == true)
        #expect(try install.sqlInt("SELECT balance FROM invoices WHERE invoice_number = 'INV-7044'") == 0)
        // Again: every row is recorded, the 200 are refused again, nothing changes.
        let again = try install.handoff(["import", "transactions", path, "--reject-file", rejects])
        #expect(again.stdout.contains("2300 unchanged") && again.stdout.contains("200 rejected"), "\(again.stdout)")
        #expect(try install.sqlInt("SELECT COUNT(*) FROM transactions WHERE reference LIKE 'K%'") == 2_300)
    }

    @Test("References and invoice numbers match byte for byte, as the database matches them")
    func exactBytes() throws {
        let install = try Installation()
        try HandBook.load(install)
        // "É" as one scalar, and as "E" with a combining accent: equal as Swift strings, two
        // different references (and no such invoice) to the database.
        let composed = "PAY-\u{C9}", decomposed = "PAY-E\u{301}"
        let path = try install.write("accents.csv", """
            reference,account_number,invoice_number,date,type,amount,reverses
            \(composed),A-1001,INV-7001,2026-10-01,payment,10.00,
            \(decomposed),A-1001,INV-7001,2026-10-01,payment,10.00,
            X-1,A-1001,INV-7\u{301}001,2026-10-01,payment,1.00,

            """)
        let rejects = install.root.appendingPathComponent("rejects.csv").path
        let r = try install.handoff(["import", "transactions", path, "--reject-file", rejects])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("2 added") && r.stdout.contains("1 rejected"), "\(r.stdout)")
        #expect(try String(contentsOfFile: rejects, encoding: .utf8).contains("no invoice 'INV-7\u{301}001'"))
        #expect(try install.sqlInt("SELECT balance FROM invoices WHERE invoice_number = 'INV-7001'") == 58_000)
    }

    @Test("A NUL in a reversal's reference is that row's error, and the rest of the file applies")
    func nulInReverses() throws {
        let install = try Installation()
        try HandBook.load(install)
        let path = try install.write("nul.csv", """
            reference,account_number,invoice_number,date,type,amount,reverses
            N-1,A-1001,,2026-10-01,payment,1.00,P1\u{0}X
            N-2,A-1001,,2026-10-01,payment_reversal,1.00,P1\u{0}X
            N-3,A-1001,,2026-10-01,payment,2.00,

            """)
        let rejects = install.root.appendingPathComponent("rejects.csv").path
        let r = try install.handoff(["import", "transactions", path, "--reject-file", rejects])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("1 added") && r.stdout.contains("2 rejected"), "\(r.stdout)")
        let written = try String(contentsOfFile: rejects, encoding: .utf8)
        #expect(written.contains("2,reverses,is only for a payment_reversal"), "\(written)")
        #expect(written.contains("3,reverses,no payment 'P1"), "\(written)")
        // P1 itself (a payment of 100.00 on A-1001) is not reversed.
        #expect(try install.sqlInt("SELECT COUNT(*) FROM transactions WHERE kind = 'payment_reversal'") == 1)
    }

    @Test("A file refused for its CSV structure also names the errors of the rows before it")
    func syntaxErrorListsEarlierRows() throws {
        let install = try Installation()
        try HandBook.load(install)
        let path = try install.write("broken.csv", """
            reference,account_number,date,type,amount
            T1,NOPE,2026-10-01,payment,1.00
            T2,A-1001,2026-10-01,payment,1"0

            """)
        let r = try install.handoff(["import", "transactions", path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("\(path):2: column 'account_number'"), "\(r.stderr)")
        #expect(r.stderr.contains("\(path):3"), "\(r.stderr)")
        #expect(try install.sqlInt("SELECT COUNT(*) FROM transactions WHERE reference LIKE 'T%'") == 0)
    }
}
