import Foundation
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
        try text.replacingOccurrences(of: "database = \"var/handoff.sqlite\"", with: "database = \"var/handofff.sqlite\"")
            .write(toFile: install.configPath, atomically: true, encoding: .utf8)
        return install.root.appendingPathComponent("var/handofff.sqlite").path
    }

    @Test("A misspelt [storage] database is refused by every command but init, naming the path; nothing is created")
    func missingDatabase() throws {
        let install = try Installation()
        let typo = try misspeltDatabase(install)
        let expected = "Error: the database \(typo) does not exist (nothing was done): run `handoff init` to set up a new installation, "
            + "or fix [storage] database in \(install.configPath)\n"
        for command in [["fetch"], ["accounts", "--as-of", "2026-11-15"], ["aging"], ["place", "--dry-run"], ["send"], ["reconcile"],
                        ["import", "customers", Handoff.repositoryRoot.appendingPathComponent("sample-data/customers.csv").path]] {
            let r = try install.handoff(command)
            #expect(r.status == 1, "\(command)")
            #expect(r.stderr == expected, "\(command): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: typo), "\(command) created \(typo)")
        }
        // The daemon too: it stops at once rather than serve an empty record.
        let serve = try install.handoff(["serve", "--port", "1"], environment: ["HANDOFF_API_TOKEN": "test-token-0123456789abcdef"])
        #expect(serve.status == 1)
        #expect(serve.stderr == expected, "\(serve.stderr)")
        #expect(!FileManager.default.fileExists(atPath: typo))
        // The real database, set up by init, still opens.
        let text = try String(contentsOfFile: install.configPath, encoding: .utf8)
        try text.replacingOccurrences(of: "handofff.sqlite", with: "handoff.sqlite").write(toFile: install.configPath, atomically: true, encoding: .utf8)
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
            #expect(r.stderr == "Error: \(install.configPath): is not valid UTF-8 text (the first bad byte is at offset \(offset)): save it as UTF-8\n",
                    "\(r.stderr)")
        }
    }

    // MARK: - Customers: one row per account, no control characters

    @Test("A customers file with an account number twice is refused, naming both lines, whether the rows differ or not")
    func duplicateAccount() throws {
        let install = try Installation()
        for second in ["A-1001,consumer,,Renée,Côté,12 Rue Saint-Paul,Montréal", "A-1001,consumer,,Renee,Cote,99 Other St,Laval"] {
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
                  \(path):4: column 'account_number': 'A-1001' is on line 2 too: an account number may appear only once in a customers file

                """, "\(r.stderr)")
            #expect(try dbCount(install, "SELECT COUNT(*) FROM customers") == 0)
        }
        // With --reject-file the first row applies and the second is written with its reason.
        let rejects = install.root.appendingPathComponent("rejects.csv").path
        let r = try install.handoff(["import", "customers", install.root.appendingPathComponent("dup.csv").path, "--reject-file", rejects])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try dbCount(install, "SELECT COUNT(*) FROM customers") == 2)
        #expect(try dbCount(install, "SELECT COUNT(*) FROM customers WHERE account_number = 'A-1001' AND first_name = 'Renée'") == 1)
        #expect(try String(contentsOfFile: rejects, encoding: .utf8).contains(
            "A-1001,consumer,,Renee,Cote,99 Other St,Laval,4,account_number,'A-1001' is on line 2 too"))
    }

    @Test("A control character in any customer field that reaches an agency file is refused with file, line and column",
          arguments: [("first_name", "Ren\u{0}ée", "U+0000", 4), ("last_name", "C\u{1B}[2Jôté", "U+001B", 2), ("address1", "12 Rue\tSaint-Paul", "U+0009", 7),
                      ("city", "Montr\u{7F}éal", "U+007F", 6), ("address2", "App. 3\u{85}", "U+0085", 7), ("business_name", "Côté\u{2028}Inc", "U+2028", 5),
                      ("postal_code", "H2Y\r1Z8", "U+000D", 4)])
    func controlCharacters(column: String, value: String, code: String, at: Int) throws {
        let install = try Installation()
        let columns = ["account_number", "type", "business_name", "first_name", "last_name", "address1", "address2", "city", "postal_code"]
        var row = ["A-1001", "consumer", "", "Renée", "Côté", "12 Rue Saint-Paul", "", "Montréal", "H2Y 1Z8"]
        row[columns.firstIndex(of: column)!] = "\"\(value)\""
        let path = try install.write("customers.csv", columns.joined(separator: ",") + "\nB-2002,business,Acme,,,1 Main St,,Buffalo,14201\n"
                                     + row.joined(separator: ",") + "\n")
        let r = try install.handoff(["import", "customers", path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("  \(path):3: column '\(column)': holds a control character (\(code)) at character \(at): remove it"), "\(r.stderr)")
        #expect(try dbCount(install, "SELECT COUNT(*) FROM customers") == 0)
    }

    // MARK: - Partner files: names that stay in staging and change per run, date formats that exist

    /// The example agency's partner file with one line replaced, and what `partners check` must say.
    static let badPartnerFiles: [(line: String, replacement: String, error: String)] = [
        ("file_name = \"PLACEMENT_{partner.client_id}_{batch.date:yyyyMMdd}_{batch.sequence:000}.csv\"",
         "file_name = \"../../../escape_{batch.sequence:000}.csv\"",
         "placement.file_name: '../../../escape_{batch.sequence:000}.csv' makes names such as '../../../escape_001.csv', "
            + "which must not hold / or \\: a file name stays inside the staging folder"),
        ("file_name = \"PLACEMENT_{partner.client_id}_{batch.date:yyyyMMdd}_{batch.sequence:000}.csv\"",
         "file_name = \"PLACEMENT.csv\"",
         "placement.file_name: 'PLACEMENT.csv' is the same name on every run: it must hold a part that changes, {batch.sequence:000}, "
            + "a date such as {batch.date:yyyyMMdd}, or {batch.id} with a batch_id that holds one, so that no run overwrites an earlier file"),
        ("file_name = \"PLACEMENT_{partner.client_id}_{batch.date:yyyyMMdd}_{batch.sequence:000}.done\"",
         "file_name = \".PLACEMENT_{batch.date:yyyyMMdd}_{batch.sequence:000}.done\"",
         "placement.control.file_name: '.PLACEMENT_{batch.date:yyyyMMdd}_{batch.sequence:000}.done' makes names such as "
            + "'.PLACEMENT_20261115_001.done', which must not start with . (a hidden file)"),
        ("file_name = \"PLACEMENT_{partner.client_id}_{batch.date:yyyyMMdd}_{batch.sequence:000}.csv\"",
         "file_name = \"PLACEMENT_{batch.date:yyyy/MM/dd}_{batch.sequence:000}.csv\"",
         "placement.file_name: 'PLACEMENT_{batch.date:yyyy/MM/dd}_{batch.sequence:000}.csv' makes names such as "
            + "'PLACEMENT_2026/11/15_001.csv', which must not hold / or \\: a file name stays inside the staging folder"),
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
         "returns.activity.date_format: 'yyyy-MM' is not a date format dates can be read with: it needs yyyy, MM and dd, once each"),
    ]

    @Test("partners check refuses a file name that leaves staging or never changes, and a date format with unknown letters; place refuses to run",
          arguments: EntranceValidationTests.badPartnerFiles)
    func badPartnerFile(line: String, replacement: String, error: String) throws {
        let install = try Installation()
        try install.usePartners(["local-folder"])
        #expect(try install.handoff(["partners", "check"]).status == 0)
        let path = install.root.appendingPathComponent("partners/local-folder.toml").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try #require(text.contains(line))
        try text.replacingOccurrences(of: line, with: replacement).write(toFile: path, atomically: true, encoding: .utf8)
        let check = try install.handoff(["partners", "check"])
        #expect(check.status == 1)
        #expect(check.stderr == "error  \(path): \(error)\nError: 1 problem in partner files: those partners are not used until fixed\n",
                "\(check.stderr)")
        try install.importSampleData()
        let place = try install.handoff(["place", "--as-of", "2026-11-15", "--quiet"])
        #expect(place.status == 1)
        #expect(place.stderr.contains("error  \(path): \(error)\n") && place.stderr.contains("nothing was placed"), "\(place.stderr)")
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
}
