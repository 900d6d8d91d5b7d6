import Foundation
import HandoffDomain
import HandoffStore
import Testing

/// A small book worked out by hand (see the comments for each balance).
enum HandBook {
    static let customers = """
        account_number,type,business_name,first_name,last_name,address1,city,region,postal_code,country,currency,holds
        A-1001,consumer,,Renée,Côté,12 Rue Saint-Paul,Montréal,QC,H2Y 1Z8,CA,CAD,
        B-2002,business,"Smith, Jones & Co.",,,400 Liberty Ave,Pittsburgh,PA,15222,US,USD,
        B-2003,business,"The ""Blue Door"" Café",,,1 Main St,Buffalo,NY,14201,US,USD,bankruptcy
        A-1004,consumer,,Zoë,Müller,5 Elm St,Austin,TX,73301,US,,

        """
    static let invoices = """
        account_number,invoice_number,invoice_date,due_date,amount,disputed
        A-1001,INV-7001,2026-01-15,2026-02-14,700.00,false
        A-1001,INV-7044,2026-03-01,2026-03-31,550,false
        B-2002,INV-6120,2025-09-05,2025-10-05,"8,430.10",
        B-2003,INV-5001,2026-10-01,2026-10-31,120.5,
        B-2003,INV-5002,2026-11-01,2026-12-01,99.99,
        A-1004,INV-9001,2026-07-01,2026-07-31,300.00,true
        A-1004,INV-9002,2026-08-01,2026-08-31,200.00,false

        """
    // A-1001: 700.00 + 550.00 − 100.00 (P1, oldest first: INV-7001) + 25.00 (F1 on INV-7044) = 1,175.00;
    //         oldest open due 2026-02-14 → 274 days on 2026-11-15 → 121+.
    // B-2002: 8,430.10 − 430.10 (C1) − 1,000.00 (P2) + 400.00 (R2 reverses part of P2) = 7,400.00;
    //         due 2025-10-05 → 406 days.
    // B-2003: 120.50 + 99.99 = 220.49; INV-5001 due 2026-10-31 → 15 days → 1-30 (INV-5002 not yet due).
    // A-1004: 300.00 (disputed) + 200.00 − 250.00 (P4: undisputed INV-9002 first, 200.00, then 50.00
    //         on the disputed one)
    //         = 250.00, all on INV-9001, due 2026-07-31 → 107 days → 91-120.
    static let transactions = """
        reference,account_number,invoice_number,date,type,amount,reverses
        P1,A-1001,,2026-02-14,payment,100.00,
        F1,A-1001,INV-7044,2026-04-01,fee,25,
        C1,B-2002,,2025-11-01,credit,430.10,
        P2,B-2002,,2025-12-01,payment,1000,
        R2,B-2002,,2025-12-10,payment_reversal,400,P2
        P4,A-1004,,2026-09-15,payment,250.00,

        """
    static let expected: [AccountFigures] = [
        .init(
            account_number: "A-1001", balance: 117500, currency: "CAD", oldest_past_due_date: "2026-02-14",
            days_past_due: 274, aging_bucket: "121+", open_invoices: 2),
        .init(
            account_number: "A-1004", balance: 25000, currency: "USD", oldest_past_due_date: "2026-07-31",
            days_past_due: 107, aging_bucket: "91-120", open_invoices: 1),
        .init(
            account_number: "B-2002", balance: 740000, currency: "USD", oldest_past_due_date: "2025-10-05",
            days_past_due: 406, aging_bucket: "121+", open_invoices: 1),
        .init(
            account_number: "B-2003", balance: 22049, currency: "USD", oldest_past_due_date: "2026-10-31",
            days_past_due: 15, aging_bucket: "1-30", open_invoices: 2),
    ]

    static func load(_ install: Installation) throws {
        for (kind, text) in [("customers", customers), ("invoices", invoices), ("transactions", transactions)] {
            let r = try install.handoff(["import", kind, try install.write("\(kind).csv", text)])
            try #require(r.status == 0, "import \(kind) failed: \(r.stderr)")
        }
    }
}

/// The fields of `accounts --json` that a hand computation gives.
struct AccountFigures: Codable, Equatable, Sendable {
    var account_number: String
    var balance: Int64
    var currency: String
    var oldest_past_due_date: String?
    var days_past_due: Int
    var aging_bucket: String
    var open_invoices: Int
}

func accountFigures(_ install: Installation, asOf: String = "2026-11-15") throws -> [AccountFigures] {
    let r = try install.handoff(["accounts", "--as-of", asOf, "--json"])
    try #require(r.status == 0, "\(r.stderr)")
    return try JSONDecoder().decode([AccountFigures].self, from: Data(r.stdout.utf8))
}

@Suite("Importing a business's receivables", .serialized)
struct ImportTests {
    @Test("Balances and days past due match the hand computation, to the cent")
    func handComputation() throws {
        let install = try Installation()
        try HandBook.load(install)
        #expect(try accountFigures(install) == HandBook.expected)
    }

    @Test("The same files again change nothing, and say so")
    func idempotent() throws {
        let install = try Installation()
        try HandBook.load(install)
        let before = try install.handoff(["accounts", "--as-of", "2026-11-15", "--json"]).stdout
        let counts = try install.anyStore().read { try $0.counts() }
        for kind in ["customers", "invoices", "transactions"] {
            let r = try install.handoff(["import", kind, install.root.appendingPathComponent("\(kind).csv").path])
            #expect(r.status == 0)
            #expect(r.stdout.contains("no change"), "\(kind): \(r.stdout)")
        }
        #expect(try install.handoff(["accounts", "--as-of", "2026-11-15", "--json"]).stdout == before)
        #expect(try install.anyStore().read { try $0.counts() } == counts)
    }

    @Test("A file with one bad row is refused with file, line and column, and nothing changes", arguments: [
            (
                "invoices",
                """
                account_number,invoice_number,invoice_date,due_date,amount\n\
                A-1001,N-1,2026-01-01,2026-01-31,10.00\n\
                A-1001,N-2,2026-01-01,2026-01-31,12.345\n
                """,
                3, "amount"
            ),
            (
                "invoices",
                "account_number,invoice_number,invoice_date,due_date,amount\nZ-9,N-1,2026-01-01,2026-01-31,10.00\n", 2,
                "account_number"
            ),
            (
                "invoices",
                "account_number,invoice_number,invoice_date,due_date,amount\nA-1001,N-1,2026-01-01,2026-02-30,10.00\n",
                2, "due_date"
            ),
            (
                "invoices",
                """
                account_number,invoice_number,invoice_date,due_date,amount\n\
                A-1001,INV-7001,2026-01-15,2026-02-14,701.00\n
                """,
                2, "amount"
            ),
            (
                "transactions",
                """
                reference,account_number,date,type,amount,reverses\n\
                X1,A-1001,2026-05-01,payment,5.00,\n\
                X2,A-1001,2026-05-01,payment_reversal,1.00,NOPE\n
                """,
                3, "reverses"
            ),
            (
                "transactions", "reference,account_number,date,type,amount\nP1,A-1001,2026-02-14,payment,99.00\n", 2,
                "reference"
            ),
            (
                "transactions", "reference,account_number,date,type,amount\nX1,B-2003,2026-11-02,payment,220.50\n", 2,
                "amount"
            ),
        ("transactions", "reference,account_number,date,type,amount\nX1,B-2003,2026-11-02,refund,1.00\n", 2, "type"),
        (
                "customers", "account_number,type,business_name\nB-9,business,Fine Ltd\nB-10,partnership,Bad Ltd\n", 3,
                "type"
            ),
        ("customers", "account_number,type,last_name,country,region\nA-9,consumer,Doe,US,ZZ\n", 2, "region"),
    ] as [(String, String, Int, String)])
    func badRow(kind: String, text: String, line: Int, column: String) throws {
        let install = try Installation()
        try HandBook.load(install)
        let before = try install.handoff(["accounts", "--as-of", "2026-11-15", "--json"]).stdout
        let counts = try install.anyStore().read { try $0.counts() }
        let path = try install.write("bad.csv", text)
        let r = try install.handoff(["import", kind, path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("\(path):\(line): column '\(column)'"), "\(r.stderr)")
        #expect(r.stderr.contains("nothing was imported"))
        #expect(try install.handoff(["accounts", "--as-of", "2026-11-15", "--json"]).stdout == before)
        #expect(try install.anyStore().read { try $0.counts() } == counts)
    }

    @Test("With --reject-file the good rows apply and the bad ones are written with their reasons")
    func rejectFile() throws {
        let install = try Installation()
        try HandBook.load(install)
        let path = try install.write("mixed.csv", """
            account_number,invoice_number,invoice_date,due_date,amount
            A-1001,N-1,2026-01-01,2026-01-31,10.00
            A-1001,N-2,2026-01-01,2026-01-31,abc
            B-2002,N-3,2026-01-01,2026-01-31,"1,000.00"

            """)
        let rejects = install.root.appendingPathComponent("rejects.csv").path
        let r = try install.handoff(["import", "invoices", path, "--reject-file", rejects])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("2 added") && r.stdout.contains("1 rejected"), "\(r.stdout)")
        let written = try String(contentsOfFile: rejects, encoding: .utf8)
        #expect(
            written == "account_number,invoice_number,invoice_date,due_date,amount,error_line,error_column,error\r\n"
                + "A-1001,N-2,2026-01-01,2026-01-31,abc,3,amount,'abc' is not an amount in CAD\r\n")
        let figures = try accountFigures(install)
        #expect(figures.first { $0.account_number == "A-1001" }?.balance == 118500)
        #expect(figures.first { $0.account_number == "B-2002" }?.balance == 840000)
    }

    @Test("An invoice changed twice in one file: each change is audited from what the row before it left")
    func invoiceChangedTwiceInOneFile() throws {
        let install = try Installation()
        try HandBook.load(install)
        let path = try install.write("repeated.csv", """
            account_number,invoice_number,invoice_date,due_date,amount
            A-1001,INV-7001,2026-01-15,2026-03-01,700.00
            A-1001,N-1,2026-01-15,2026-02-01,5.00
            A-1001,N-1,2026-01-15,2026-02-10,5.00
            A-1001,INV-7001,2026-01-15,2026-04-01,700.00
            A-1001,N-1,2026-01-15,2026-02-10,6.00

            """)
        let rejects = install.root.appendingPathComponent("rejects.csv").path
        let r = try install.handoff(["import", "invoices", path, "--reject-file", rejects])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("1 added, 3 changed") && r.stdout.contains("1 rejected"), "\(r.stdout)")
        let audit = try install.sqlRows(
            "SELECT subject || ': ' || detail FROM audit_log WHERE action = 'invoice.updated' ORDER BY id"
        ).map { $0[0] ?? "" }
        #expect(
            audit == [
                "A-1001/INV-7001: due_date 2026-02-14 → 2026-03-01", "A-1001/N-1: due_date 2026-02-01 → 2026-02-10",
                "A-1001/INV-7001: due_date 2026-03-01 → 2026-04-01",
            ])
        #expect(try String(contentsOfFile: rejects, encoding: .utf8).contains("is recorded at 5.00, not 6.00"))
    }

    @Test("A re-imported invoice may change its due date and dispute flag, audited; never its amount")
    func invoiceChanges() throws {
        let install = try Installation()
        try HandBook.load(install)
        let path = try install.write("changed.csv", """
            account_number,invoice_number,invoice_date,due_date,amount,disputed
            A-1001,INV-7001,2026-01-15,2026-03-01,700.00,true

            """)
        let r = try install.handoff(["import", "invoices", path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("1 changed"))
        // Read with SQL both engines take.
        let audit = try install.sqlRows(
            "SELECT subject || ': ' || detail FROM audit_log WHERE action = 'invoice.updated' ORDER BY id"
        )
            .map { $0[0] ?? "" }
        #expect(audit == ["A-1001/INV-7001: due_date 2026-02-14 → 2026-03-01; disputed false → true"])
        // Oldest open due date of A-1001 is now INV-7001's new one.
        let figures = try accountFigures(install)
        #expect(figures.first { $0.account_number == "A-1001" }?.oldest_past_due_date == "2026-03-01")
    }

    @Test(
        """
        One file naming an invoice three times, within one chunk: \
        added, then changed, then refused for its amount, in the file's order
        """
    )
    func invoiceRepeatedInOneFile() throws {
        let install = try Installation()
        try HandBook.load(install)
        let path = try install.write("repeats.csv", """
            account_number,invoice_number,invoice_date,due_date,amount
            A-1001,R-1,2026-01-15,2026-02-14,10.00
            A-1001,R-2,2026-01-15,2026-02-14,20.00
            A-1001,R-1,2026-01-15,2026-03-01,10.00
            A-1001,R-1,2026-01-15,2026-03-01,11.00
            A-1001,R-3,2026-01-15,2026-02-14,30.00

            """)
        let refused = try install.handoff(["import", "invoices", path])
        #expect(
            refused.status != 0
                && refused.stderr.contains(":5: column 'amount': invoice R-1 is recorded at 10.00, not 11.00"),
            "\(refused.stderr)")
        #expect(try install.sqlRows("SELECT COUNT(*) FROM invoices WHERE invoice_number LIKE 'R-%'")[0][0] == "0")
        let rejects = install.root.appendingPathComponent("rejects.csv").path
        let r = try install.handoff(["import", "invoices", path, "--reject-file", rejects])
        #expect(
            r.status == 0 && r.stdout.contains("3 added, 1 changed, 0 unchanged, 1 rejected"), "\(r.stdout)\(r.stderr)")
        #expect(
            try String(contentsOfFile: rejects, encoding: .utf8).contains(
                "A-1001,R-1,2026-01-15,2026-03-01,11.00,5,amount,"))
        let rows = try install.sqlRows("""
            SELECT i.invoice_number || ' ' || CAST(i.due_date AS TEXT) || ' ' || CAST(i.amount AS TEXT) || ' ' || \
            CAST(l.source_line AS TEXT)
            FROM invoices i JOIN ledger_entries l ON l.invoice_id = i.id WHERE i.invoice_number LIKE 'R-%' ORDER BY l.id
            """).map { $0[0] ?? "" }
        #expect(rows == ["R-1 2026-03-01 1000 2", "R-2 2026-02-14 2000 3", "R-3 2026-02-14 3000 6"])
        let audit = try install.sqlRows(
            "SELECT subject || ': ' || detail FROM audit_log WHERE action = 'invoice.updated' ORDER BY id"
        )
            .map { $0[0] ?? "" }
        #expect(audit == ["A-1001/R-1: due_date 2026-02-14 → 2026-03-01"])
    }

    @Test("Unknown, missing and repeated columns refuse the file; --ignore-unknown skips unknown ones")
    func headers() throws {
        let install = try Installation()
        try HandBook.load(install)
        let unknown = try install.write(
            "u.csv",
            "account_number,invoice_number,invoice_date,due_date,amount,memo\n"
                + "A-1001,N-1,2026-01-01,2026-01-31,1.00,hi\n"
        )
        let r1 = try install.handoff(["import", "invoices", unknown])
        #expect(r1.status != 0 && r1.stderr.contains(":1: column 'memo': is not a known column"), "\(r1.stderr)")
        let r2 = try install.handoff(["import", "invoices", unknown, "--ignore-unknown"])
        #expect(r2.status == 0 && r2.stdout.contains("1 added"), "\(r2.stderr)")
        let missing = try install.write(
            "m.csv", "account_number,invoice_number,due_date,amount\nA-1001,N-1,2026-01-31,1.00\n")
        let r3 = try install.handoff(["import", "invoices", missing])
        #expect(
            r3.status != 0 && r3.stderr.contains("column 'invoice_date': required column is missing"), "\(r3.stderr)")
        let twice = try install.write("t.csv", "account_number,invoice_number,invoice_date,due_date,amount,Amount\n")
        let r4 = try install.handoff(["import", "invoices", twice])
        #expect(r4.status != 0 && r4.stderr.contains("column 'amount': appears twice"), "\(r4.stderr)")
    }

    @Test("A byte order mark, CRLF line endings and columns in another order are accepted")
    func exportQuirks() throws {
        let install = try Installation()
        try HandBook.load(install)
        let path = install.root.appendingPathComponent("bom.csv")
        try Data(
            [0xEF, 0xBB, 0xBF]
                + Array(
                    """
                    amount,due_date,invoice_date,invoice_number,account_number\r\n\
                    5.00,2026-01-31,2026-01-01,N-1,A-1004\r\n
                    """
                        .utf8)
        ).write(to: path)
        let r = try install.handoff(["import", "invoices", path.path])
        #expect(r.status == 0 && r.stdout.contains("1 added"), "\(r.stderr)")
    }

    @Test("Every invoice's balance is the sum of its ledger entries, and the ledger is append-only")
    func ledgerInvariants() throws {
        let install = try Installation()
        try HandBook.load(install)
        let mismatches = try install.sqlInt("""
            SELECT COUNT(*) FROM invoices i
            WHERE i.balance != (SELECT SUM(amount) FROM ledger_entries l WHERE l.invoice_id = i.id)
            """)
        #expect(mismatches == 0)
        // The database itself refuses, on either engine: rewriting the ledger, erasing the audit
        // log, a balance below zero.
        #expect(throws: (any Error).self) { try install.sqlExecute("UPDATE ledger_entries SET amount = 0") }
        #expect(throws: (any Error).self) { try install.sqlExecute("DELETE FROM audit_log") }
        #expect(throws: (any Error).self) { try install.sqlExecute("UPDATE invoices SET balance = -1") }
        #expect(try install.sqlInt("SELECT COUNT(*) FROM ledger_entries WHERE amount = 0") == 0)
        #expect(try install.sqlInt("SELECT COUNT(*) FROM audit_log") ?? 0 > 0)
        if install.engine == .sqlite {
            #expect(try install.sqlValue("PRAGMA journal_mode") == "wal")
            #expect(try install.sqlValue("PRAGMA foreign_keys") == "1")
        }
    }

    @Test("Every ledger row says where it came from")
    func ledgerSources() throws {
        let install = try Installation()
        try HandBook.load(install)
        let r = try install.handoff(["account", "show", "B-2002", "--as-of", "2026-11-15", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let view = try #require(try decodeJSON(r.stdout) as? [String: Any])
        let ledger = try #require(view["ledger"] as? [[String: Any]])
        let summary = ledger.map { e -> String in
            let source = e["source"] as! [String: Any]
            return "\(e["kind"]!) \(e["amount"]!) \((source["name"] as! NSString).lastPathComponent):\(source["line"]!)"
        }
        #expect(summary == ["invoice 843010 invoices.csv:4", "credit -43010 transactions.csv:4",
                            "payment -100000 transactions.csv:5", "payment_reversal 40000 transactions.csv:6"])
        #expect(view["balance"] as? Int == 740000)
    }
}

@Suite("Re-importing customers", .serialized)
struct CustomerReimportTests {
    @Test("A column the file lacks keeps the recorded value; an empty cell clears it; each change is audited")
    func partialColumns() throws {
        let install = try Installation()
        try HandBook.load(install)
        // B-2003 has a bankruptcy hold and is in USD; this export has neither column.
        let path = try install.write("contacts.csv", """
            account_number,type,business_name,address1,city
            B-2003,business,"The ""Blue Door"" Café",2 Main St,

            """)
        let r = try install.handoff(["import", "customers", path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("1 changed"), "\(r.stdout)")
        let customer = try #require(try install.anyStore().read { try $0.customer(accountNumber: "B-2003") })
        #expect(customer.profile.holds == [.bankruptcy])
        #expect(customer.profile.currency == .usd)
        #expect(customer.profile.address1 == "2 Main St")
        #expect(customer.profile.city == nil)
        #expect(customer.profile.region == "NY")
        let audit = try install.sqlRows(
            "SELECT detail FROM audit_log WHERE action = 'customer.updated' AND subject = 'B-2003'"
        ).map { $0[0] ?? "" }
        #expect(audit == ["address1 1 Main St → 2 Main St; city Buffalo → ∅"])
    }

    @Test("An account's currency cannot change once it has invoices")
    func currencyLocked() throws {
        let install = try Installation()
        try HandBook.load(install)
        let path = try install.write("cur.csv", "account_number,type,last_name,currency\nA-1001,consumer,Côté,USD\n")
        let r = try install.handoff(["import", "customers", path])
        #expect(r.status != 0)
        #expect(r.stderr.contains(":2: column 'currency': the account is in CAD and has invoices"), "\(r.stderr)")
    }
}
