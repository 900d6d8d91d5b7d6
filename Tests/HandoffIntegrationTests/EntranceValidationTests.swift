import Foundation
import HandoffTestSupport
import Testing

/// Bad input at the entrance (issue 12): what the configuration, an import file or a partner
/// file holds is checked where it comes in, and refused in words that name the file, the
/// line or key, and the problem, before it can do harm further in.
@Suite("Entrance validation", .serialized)
struct EntranceValidationTests {
    // MARK: - A missing database is never created behind the user's back

    /// The installation's configuration with `[storage] database` pointing at a misspelt file.
    func misspeltDatabase(_ install: Installation) throws -> String {
        let text = try String(contentsOfFile: install.configPath, encoding: .utf8)
        try text.replacingOccurrences(
            of: "database = \"var/handoff.sqlite\"", with: "database = \"var/handofff.sqlite\""
        )
            .write(toFile: install.configPath, atomically: true, encoding: .utf8)
        return install.root.appendingPathComponent("var/handofff.sqlite").path
    }

    @Test("A misspelt [storage] database is refused by every command but init, naming the path; nothing is created")
    func missingDatabase() throws {
        let install = try Installation()
        let typo = try misspeltDatabase(install)
        let expected =
            "Error: the database \(typo) does not exist (nothing was done): run `handoff init` "
            + "to set up a new installation, or fix [storage] database in \(install.configPath)\n"
        for command in [
            ["fetch"], ["accounts", "--as-of", "2026-11-15"], ["aging"], ["place", "--dry-run"], ["send"],
            ["reconcile"],
            ["import", "customers", Handoff.repositoryRoot.appendingPathComponent("sample-data/customers.csv").path],
        ] {
            let r = try install.handoff(command)
            #expect(r.status == 1, "\(command)")
            #expect(r.stderr == expected, "\(command): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: typo), "\(command) created \(typo)")
        }
        // The daemon too: it stops at once rather than serve an empty record (killed after 30 s if it serves instead).
        let serve = try shell(
            "/usr/bin/timeout",
            [
                "30", Handoff.binary.path, "--config", install.configPath, "serve", "--port",
                String(try freeLoopbackPort()),
            ],
                              environment: ["HANDOFF_API_TOKEN": "test-token-0123456789abcdef"])
        #expect(serve.status == 1)
        #expect(serve.output == expected, "\(serve.output)")
        #expect(!FileManager.default.fileExists(atPath: typo))
        // The real database, set up by init, still opens.
        let text = try String(contentsOfFile: install.configPath, encoding: .utf8)
        try text.replacingOccurrences(of: "handofff.sqlite", with: "handoff.sqlite").write(
            toFile: install.configPath, atomically: true, encoding: .utf8)
        #expect(try install.handoff(["accounts"]).status == 0)
    }

    // MARK: - A configuration that is not UTF-8

    @Test("A configuration saved as Latin-1 is refused as not UTF-8, naming the path and the bad byte's offset")
    func configNotUTF8() throws {
        let install = try Installation()
        var bytes = Array(try String(contentsOfFile: install.configPath, encoding: .utf8).utf8)
        let name = Array("name = \"Test Co.\"".utf8)
        let at = try #require((0...(bytes.count - name.count)).first { Array(bytes[$0..<($0 + name.count)]) == name })
        // "Café Co." as an editor set to Latin-1 writes it: é is the single byte 0xE9.
        bytes.replaceSubrange(at..<(at + name.count), with: Array("name = \"Caf".utf8) + [0xE9] + Array(" Co.\"".utf8))
        try Data(bytes).write(to: URL(fileURLWithPath: install.configPath))
        let offset = at + "name = \"Caf".utf8.count
        for command in [["accounts"], ["partners", "check"]] {
            let r = try install.handoff(command)
            #expect(r.status == 1)
            #expect(
                r.stderr
                    == """
                        Error: \(install.configPath): is not valid UTF-8 text \
                        (the first bad byte is at offset \(offset)): save it as UTF-8\n
                        """,
                    "\(r.stderr)")
        }
    }

    // MARK: - Customers: one row per account, no control characters

    @Test("A customers file with an account number twice is refused, naming both lines, whether the rows differ or not")
    func duplicateAccount() throws {
        let install = try Installation()
        for second in [
            "A-1001,consumer,,Renée,Côté,12 Rue Saint-Paul,Montréal", "A-1001,consumer,,Renee,Cote,99 Other St,Laval",
        ] {
            let path = try install.write("dup.csv", """
                account_number,type,business_name,first_name,last_name,address1,city
                A-1001,consumer,,Renée,Côté,12 Rue Saint-Paul,Montréal
                B-2002,business,"Smith, Jones & Co.",,,400 Liberty Ave,Pittsburgh
                \(second)

                """)
            let r = try install.handoff(["import", "customers", path])
            #expect(r.status == 1)
            #expect(r.stderr == """
                Error: \(path): refused, nothing was imported (1 bad row):
                  \(path):4: column 'account_number': 'A-1001' is on line 2 too: \
                an account number may appear only once in a customers file

                """, "\(r.stderr)")
            #expect(try dbCount(install, "SELECT COUNT(*) FROM customers") == 0)
        }
        // With --reject-file the first row applies and the second is written with its reason.
        let rejects = install.root.appendingPathComponent("rejects.csv").path
        let r = try install.handoff([
            "import", "customers", install.root.appendingPathComponent("dup.csv").path, "--reject-file", rejects,
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try dbCount(install, "SELECT COUNT(*) FROM customers") == 2)
        #expect(
            try dbCount(
                install, "SELECT COUNT(*) FROM customers WHERE account_number = 'A-1001' AND first_name = 'Renée'") == 1
        )
        #expect(try String(contentsOfFile: rejects, encoding: .utf8).contains(
            "A-1001,consumer,,Renee,Cote,99 Other St,Laval,4,account_number,'A-1001' is on line 2 too"))
    }

    @Test("A control character in any customer field that reaches an agency file is refused with file, line and column",
        arguments: [
            ("first_name", "Ren\u{0}ée", "U+0000", 4), ("last_name", "C\u{1B}[2Jôté", "U+001B", 2),
            ("address1", "12 Rue\tSaint-Paul", "U+0009", 7),
            ("city", "Montr\u{7F}éal", "U+007F", 6), ("address2", "App. 3\u{85}", "U+0085", 7),
            ("business_name", "Côté\u{2028}Inc", "U+2028", 5),
            ("postal_code", "H2Y\r1Z8", "U+000D", 4)])
    func controlCharacters(column: String, value: String, code: String, at: Int) throws {
        let install = try Installation()
        let columns = [
            "account_number", "type", "business_name", "first_name", "last_name", "address1", "address2", "city",
            "postal_code",
        ]
        var row = ["A-1001", "consumer", "", "Renée", "Côté", "12 Rue Saint-Paul", "", "Montréal", "H2Y 1Z8"]
        row[columns.firstIndex(of: column)!] = "\"\(value)\""
        let path = try install.write(
            "customers.csv",
            columns.joined(separator: ",") + "\nB-2002,business,Acme,,,1 Main St,,Buffalo,14201\n"
                                     + row.joined(separator: ",") + "\n")
        let r = try install.handoff(["import", "customers", path])
        #expect(r.status == 1)
        #expect(
            r.stderr.contains(
                "  \(path):3: column '\(column)': holds a control character (\(code)) at character \(at): remove it"),
            "\(r.stderr)")
        #expect(try dbCount(install, "SELECT COUNT(*) FROM customers") == 0)
    }

    // MARK: - Partner files: names that stay in staging and change per run, date formats that exist

    /// The example agency's partner file with one line replaced, and what `partners check` must say.
    static let badPartnerFiles: [(line: String, replacement: String, error: String)] = [
        ("file_name = \"PLACEMENT_{partner.client_id}_{batch.date:yyyyMMdd}_{batch.sequence:000}.csv\"",
         "file_name = \"../../../escape_{batch.sequence:000}.csv\"",
         "placement.file_name: '../../../escape_{batch.sequence:000}.csv' makes names such as "
            + "'../../../escape_001.csv', which must not hold / or \\: a file name stays inside the staging folder"),
        ("file_name = \"PLACEMENT_{partner.client_id}_{batch.date:yyyyMMdd}_{batch.sequence:000}.csv\"",
         "file_name = \"PLACEMENT.csv\"",
         "placement.file_name: 'PLACEMENT.csv' is the same name on every run: it must hold a part that changes, "
                + "{batch.sequence:000}, a date such as {batch.date:yyyyMMdd}, "
                + "or {batch.id} with a batch_id that holds one, so that no run overwrites an earlier file"
        ),
        ("file_name = \"PLACEMENT_{partner.client_id}_{batch.date:yyyyMMdd}_{batch.sequence:000}.done\"",
         "file_name = \".PLACEMENT_{batch.date:yyyyMMdd}_{batch.sequence:000}.done\"",
         "placement.control.file_name: '.PLACEMENT_{batch.date:yyyyMMdd}_{batch.sequence:000}.done' "
            + "makes names such as '.PLACEMENT_20261115_001.done', which must not start with . (a hidden file)"),
        ("file_name = \"PLACEMENT_{partner.client_id}_{batch.date:yyyyMMdd}_{batch.sequence:000}.csv\"",
         "file_name = \"PLACEMENT_{batch.date:yyyy/MM/dd}_{batch.sequence:000}.csv\"",
         "placement.file_name: 'PLACEMENT_{batch.date:yyyy/MM/dd}_{batch.sequence:000}.csv' makes names such as "
                + "'PLACEMENT_2026/11/15_001.csv', which must not hold / or \\: "
                + "a file name stays inside the staging folder"
        ),
        ("file_name = \"PLACEMENT_{partner.client_id}_{batch.date:yyyyMMdd}_{batch.sequence:000}.csv\"",
         "file_name = \"PLACEMENT_{batch.date:qqqq}_{batch.sequence:000}.csv\"",
         "placement.file_name: {batch.date:qqqq}: 'qqqq' is not a date format: 'qqqq' is not one of yyyy, yy, MM, dd "
            + "(other characters, such as - / . or a space, are written as they are)"),
        ("date_format = \"yyyy-MM-dd\"", "date_format = \"qqqq\"",
         "returns.activity.date_format: 'qqqq' is not a date format: 'qqqq' is not one of yyyy, MM, dd "
            + "(other characters, such as - / . or a space, are written as they are)"),
        ("date_format = \"yyyy-MM-dd\"", "date_format = \"yyyy-mm-dd\"",
         "returns.activity.date_format: 'yyyy-mm-dd' is not a date format: 'mm' is not one of yyyy, MM, dd "
            + "(other characters, such as - / . or a space, are written as they are)"),
        ("date_format = \"yyyy-MM-dd\"", "date_format = \"yyyy-MM\"",
            "returns.activity.date_format: 'yyyy-MM' is not a date format dates can be read with: "
                + "it needs yyyy, MM and dd, once each"
        ),
    ]

    @Test(
        """
        partners check refuses a file name that leaves staging or never changes, \
        and a date format with unknown letters; place refuses to run
        """,
        arguments: EntranceValidationTests.badPartnerFiles)
    func badPartnerFile(line: String, replacement: String, error: String) throws {
        let install = try Installation()
        try install.usePartners(["local-folder"])
        #expect(try install.handoff(["partners", "check"]).status == 0)
        let path = install.root.appendingPathComponent("partners/local-folder.toml").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try #require(text.contains(line))
        try text.replacingOccurrences(of: line, with: replacement).write(
            toFile: path, atomically: true, encoding: .utf8)
        let check = try install.handoff(["partners", "check"])
        #expect(check.status == 1)
        #expect(
            check.stderr
                == """
                    error  \(path): \(error)\n\
                    Error: 1 problem in partner files: those partners are not used until fixed\n
                    """,
                "\(check.stderr)")
        try install.importSampleData()
        let place = try install.handoff(["place", "--as-of", "2026-11-15", "--quiet"])
        #expect(place.status == 1)
        #expect(
            place.stderr.contains("error  \(path): \(error)\n") && place.stderr.contains("nothing was placed"),
            "\(place.stderr)")
        #expect(try install.stagedFiles().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: install.root.appendingPathComponent("escape_001.csv").path))
    }

    @Test("Every shipped partner file passes the new name and date-format checks")
    func shippedPartners() throws {
        let install = try Installation()
        try install.usePartners(["keystone-recovery", "meridian-commercial", "local-folder"])
        let r = try install.handoff(["partners", "check"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty, "\(r.stderr)")
    }

    // MARK: - Amounts have a limit at every entrance

    static let oneCustomer = """
        account_number,type,business_name,first_name,last_name,currency
        A-1001,consumer,,Renée,Côté,USD

        """

    @Test(
        """
        Two invoices of 50,000,000,000,000,000.00 are refused at import, with file, line and column; \
        accounts and aging still work
        """
    )
    func hugeInvoices() throws {
        let install = try Installation()
        #expect(
            try install.handoff(["import", "customers", try install.write("customers.csv", Self.oneCustomer)]).status
                == 0)
        let invoices = try install.write("invoices.csv", """
            account_number,invoice_number,invoice_date,due_date,amount
            A-1001,INV-1,2026-01-15,2026-02-14,50000000000000000.00
            A-1001,INV-2,2026-01-16,2026-02-15,50000000000000000.00

            """)
        let r = try install.handoff(["import", "invoices", invoices])
        #expect(r.status == 1)
        let refusal =
            "50000000000000000.00 USD is more than the largest amount Handoff takes, 1000000000.00 USD "
                + "([limits] max_amount in the configuration)"
        #expect(r.stderr == """
            Error: \(invoices): refused, nothing was imported (2 bad rows):
              \(invoices):2: column 'amount': \(refusal)
              \(invoices):3: column 'amount': \(refusal)

            """, "\(r.stderr)")
        for command in [["accounts", "--as-of", "2026-11-15", "--json"], ["aging", "--as-of", "2026-11-15", "--json"]] {
            let out = try install.handoff(command)
            #expect(out.status == 0, "\(command): \(out.stderr)")
        }
    }

    @Test("The limit itself is taken, a cent more is refused, in invoices and in transactions")
    func limitBoundary() throws {
        let install = try Installation()
        #expect(
            try install.handoff(["import", "customers", try install.write("customers.csv", Self.oneCustomer)]).status
                == 0)
        let invoices = try install.write("invoices.csv", """
            account_number,invoice_number,invoice_date,due_date,amount
            A-1001,INV-1,2026-01-15,2026-02-14,"1,000,000,000.00"
            A-1001,INV-2,2026-01-16,2026-02-15,1000000000.00

            """)
        let ok = try install.handoff(["import", "invoices", invoices])
        #expect(ok.status == 0, "\(ok.stderr)")
        let over = try install.write(
            "over.csv",
            "account_number,invoice_number,invoice_date,due_date,amount\n"
                + "A-1001,INV-3,2026-01-17,2026-02-16,1000000000.01\n"
        )
        let r = try install.handoff(["import", "invoices", over])
        #expect(
            r.stderr.contains(
                """
                \(over):2: column 'amount': 1000000000.01 USD \
                is more than the largest amount Handoff takes, 1000000000.00 USD
                """
            ),
                "\(r.stderr)")
        let transactions = try install.write("transactions.csv", """
            reference,account_number,invoice_number,date,type,amount
            P1,A-1001,,2026-03-01,payment,100.00
            F1,A-1001,INV-1,2026-03-02,fee,1000000000.01

            """)
        let t = try install.handoff(["import", "transactions", transactions])
        #expect(t.status == 1)
        #expect(t.stderr == """
            Error: \(transactions): refused, nothing was imported (1 bad row):
              \(transactions):3: column 'amount': 1000000000.01 USD is more than the largest amount Handoff takes, \
            1000000000.00 USD ([limits] max_amount in the configuration)

            """, "\(t.stderr)")
        let accounts = try install.handoff(["accounts", "--as-of", "2026-11-15", "--json"])
        #expect(
            accounts.status == 0 && accounts.stdout.contains("200000000000"), "\(accounts.stdout) \(accounts.stderr)")
    }

    @Test("[limits] max_amount sets the limit, in each currency's own units; a bad value is refused with its key")
    func configuredLimit() throws {
        let install = try Installation(currency: "JPY")
        let text = try String(contentsOfFile: install.configPath, encoding: .utf8)
        #expect(text.contains("[limits]\n"), "init writes the key with its default")
        try text.replacingOccurrences(of: "max_amount = \"1000000000.00\"", with: "max_amount = \"500.00\"")
            .write(toFile: install.configPath, atomically: true, encoding: .utf8)
        #expect(
            try install.handoff([
                "import", "customers",
                try install.write("customers.csv", "account_number,type,last_name\nA-1,consumer,Sato\n"),
            ]).status == 0)
        let invoices = try install.write(
            "invoices.csv",
            "account_number,invoice_number,invoice_date,due_date,amount\n"
                + "A-1,I-1,2026-01-15,2026-02-14,500\nA-1,I-2,2026-01-15,2026-02-14,501\n"
        )
        let r = try install.handoff(["import", "invoices", invoices])
        #expect(r.stderr == """
            Error: \(invoices): refused, nothing was imported (1 bad row):
              \(invoices):3: column 'amount': 501 JPY is more than the largest amount Handoff takes, 500 JPY \
            ([limits] max_amount in the configuration)

            """, "\(r.stderr)")
        for (value, problem) in [
            ("\"0.50\"", "must be between 1 and 10000000000, not 0.50"),
            ("\"-5\"", "must be between 1 and 10000000000, not -5"),
            ("\"10000000000.01\"", "must be between 1 and 10000000000, not 10000000000.01"),
            ("1000.0", "must be a string, not a decimal number"), ("\"lots\"", "'lots' is not an amount"),
        ] {
            try text.replacingOccurrences(of: "max_amount = \"1000000000.00\"", with: "max_amount = \(value)")
                .write(toFile: install.configPath, atomically: true, encoding: .utf8)
            let bad = try install.handoff(["accounts"])
            #expect(bad.status == 1)
            #expect(bad.stderr == "Error: \(install.configPath): limits.max_amount: \(problem)\n", "\(bad.stderr)")
        }
    }

    @Test("An agency's amount beyond the limit is not booked: its file is quarantined with the field named")
    func hugeAgencyAmount() throws {
        let install = try Installation()
        try install.usePartners(["local-folder"])
        try install.importSampleData()
        let inbox = install.root.appendingPathComponent("var/agencies/local-folder/outbound")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        try Data("""
            type,account_number,date,invoice_number,amount,commission,net,status,transaction_id,\
            original_transaction_id,note
            PAYMENT,A-1001,2026-11-18,,50000000000000000.00,0.00,50000000000000000.00,,LF-T0001,,too much

            """.utf8).write(to: inbox.appendingPathComponent("LFC_ACT_DEMO01_20261125.csv"))
        _ = try install.handoff(["fetch"])
        let listed = try install.handoff(["inbox", "--json"])
        #expect(
            listed.stdout.contains(
                "PAYMENT: amount 50000000000000000.00 is more than the largest amount Handoff takes, 1000000000.00 "
                                       + "([limits] max_amount in the configuration)"), "\(listed.stdout)")
        #expect(listed.stdout.contains("quarantined"), "\(listed.stdout)")
        #expect(try dbCount(install, "SELECT COUNT(*) FROM transactions WHERE reference LIKE '%LF-T0001%'") == 0)
        let accounts = try install.handoff(["accounts", "--as-of", "2026-11-15"])
        #expect(accounts.status == 0, "\(accounts.stderr)")
    }
}
