import Foundation
import HandoffCSV
import HandoffLayout
import HandoffPartners
import Testing

/// One decision line of `handoff place --json`.
struct DecisionJSON: Codable, Equatable {
    var account_number: String
    var outcome: String
    var partner: String?
    var tier: Int?
    var reason_code: String?
    var balance: Int64?
}

struct PlaceJSON: Codable {
    struct Batch: Codable, Equatable {
        var partner: String
        var file: String
        var control_file: String?
        var accounts: Int
        var invoices: Int
        var total: Int64
        var sha256: String
    }
    var as_of: String
    var dry_run: Bool
    var decisions: [DecisionJSON]
    var batches: [Batch]
    var placed: Int
}

struct PlaceableFixture: Codable {
    var account_number: String
    var balance: Int64
    var currency: String
    var days_past_due: Int
    var invoices: [String]
}

func place(_ install: Installation, _ asOf: String, dryRun: Bool = false, environment: [String: String] = [:]) throws
    -> (Handoff.Result, PlaceJSON?)
{
    let r = try install.handoff(
        ["place", "--as-of", asOf, "--json"] + (dryRun ? ["--dry-run"] : []), environment: environment)
    return (r, r.status == 0 ? try JSONDecoder().decode(PlaceJSON.self, from: Data(r.stdout.utf8)) : nil)
}

func dbCount(_ install: Installation, _ sql: String) throws -> Int {
    try install.sqlRows(sql).first?.first.flatMap { $0.flatMap { Int($0) } } ?? -1
}

@Suite("Placement runs", .serialized)
struct PlacementTests {
    static let agencies = ["keystone-recovery", "meridian-commercial", "local-folder"]

    func sampleInstallation() throws -> Installation {
        let install = try Installation(timezone: "America/Toronto", currency: "CAD")
        try install.usePartners(Self.agencies)
        try install.importSampleData()
        return install
    }

    @Test(
        """
        A dry run changes nothing; the run places exactly the accounts the rules select, each with one agency; \
        a second run places nothing
        """
    )
    func dryRunThenPlace() throws {
        let install = try sampleInstallation()
        let (dryResult, dryRun) = try place(install, "2026-11-15", dryRun: true)
        let dry = try #require(dryRun, "\(dryResult.stderr)")
        #expect(try install.stagedFiles().isEmpty)
        #expect(try dbCount(install, "SELECT COUNT(*) FROM placements") == 0)
        #expect(try dbCount(install, "SELECT COUNT(*) FROM final_notices") == 0)

        let (result, placedRun) = try place(install, "2026-11-15")
        let run = try #require(placedRun, "\(result.stderr)")
        // Same decisions as the dry run, account by account.
        #expect(run.decisions == dry.decisions)

        // Exactly the accounts an independent computation of the rules selects, with the same balances.
        let expected = try JSONDecoder().decode([PlaceableFixture].self, from: Data(contentsOf: SampleDataTests.fixtures
            .appendingPathComponent("sample-placeable-2026-11-15.json")))
        let placed = run.decisions.filter { $0.outcome == "placed" }
        #expect(placed.map(\.account_number) == expected.map(\.account_number))
        #expect(placed.map(\.balance) == expected.map { Optional($0.balance) })
        #expect(run.placed == expected.count)

        // Each placed account is in exactly one staged file, and has one open placement.
        let files = try install.stagedFiles()
        var seen: [String: Int] = [:]
        for partnerID in Self.agencies {
            let partner = try PartnerLoader.load(
                path: install.root.appendingPathComponent("partners/\(partnerID).toml").path)
            for (name, data) in files
            where name.hasPrefix(partnerID + "/") && !name.hasSuffix(".ctl") && !name.hasSuffix(".done") {
                let reader = LayoutReader(
                    layout: partner.placement.layout, source: ByteSource(bytes: Array(data), name: name))
                var accounts = Set<String>()
                while let record = try reader.next() {
                    if record.kind == .row || record.kind == .account {
                        accounts.insert(record["account_number"]!.trimmingCharacters(in: .whitespaces))
                    }
                }
                for a in accounts { seen[a, default: 0] += 1 }
            }
        }
        #expect(seen.keys.sorted() == expected.map(\.account_number))
        #expect(seen.values.allSatisfy { $0 == 1 })
        #expect(try dbCount(install, "SELECT COUNT(*) FROM placements WHERE state = 'batched'") == expected.count)
        #expect(try dbCount(install, "SELECT COUNT(DISTINCT customer_id) FROM placements") == expected.count)
        // Meridian takes business accounts only.
        #expect(placed.filter { $0.partner == "meridian-commercial" }.allSatisfy { $0.account_number.hasPrefix("B-") })

        // A second run the same day places nothing and writes nothing.
        let (again, secondRun) = try place(install, "2026-11-15")
        let second = try #require(secondRun, "\(again.stderr)")
        #expect(second.placed == 0)
        #expect(second.batches.isEmpty)
        #expect(try install.stagedFiles() == files)
        #expect(second.decisions.filter { $0.reason_code == "with_agency" }.count == expected.count)
    }

    @Test("A crash at any point of a run leaves the whole batch or none of it, and the next run delivers it once",
          arguments: ["placement.file-renamed", "placement.before-commit"])
    func crash(point: String) throws {
        let reference = try sampleInstallation()
        let (_, clean) = try place(reference, "2026-11-15")
        let cleanRun = try #require(clean)

        let install = try sampleInstallation()
        let (crashed, _) = try place(install, "2026-11-15", environment: ["HANDOFF_CRASH_AT": point])
        #expect(crashed.status == 86)
        #expect(try dbCount(install, "SELECT COUNT(*) FROM placements") == 0)
        #expect(try dbCount(install, "SELECT COUNT(*) FROM placement_batches") == 0)

        let (_, rerun) = try place(install, "2026-11-15")
        let run = try #require(rerun)
        #expect(run.batches == cleanRun.batches)
        #expect(try install.stagedFiles() == (try reference.stagedFiles()))
        #expect(try dbCount(install, "SELECT COUNT(*) FROM placements") == cleanRun.placed)
    }

    @Test("With a final-notice period, a run records notices first and places only after the period")
    func finalNotices() throws {
        let install = try Installation(timezone: "America/Toronto", currency: "CAD")
        try install.usePartners(["local-folder"])
        try install.appendConfig("")
        let config = try String(contentsOfFile: install.configPath, encoding: .utf8)
        try config.replacingOccurrences(of: "final_notice_days = 0", with: "final_notice_days = 30")
            .write(toFile: install.configPath, atomically: true, encoding: .utf8)
        try install.importSampleData()

        let (_, first) = try place(install, "2026-11-15")
        let run1 = try #require(first)
        #expect(run1.placed == 0)
        let noticed = run1.decisions.filter { $0.outcome == "final_notice" }.map(\.account_number)
        #expect(noticed.count == 16)
        let list = try install.handoff(["notices"])
        #expect(list.stdout.contains("2026-11-15  A-1001"))
        let csvPath = install.root.appendingPathComponent("notices.csv").path
        #expect(try install.handoff(["notices", "--csv", csvPath]).status == 0)
        let csv = try String(contentsOfFile: csvPath, encoding: .utf8)
        #expect(
            csv.hasPrefix(
                """
                account_number,name,contact_name,address1,address2,city,region,postal_code,country,email,\
                balance,currency,notice_date\r\n
                """
            ))
        #expect(csv.components(separatedBy: "\r\n").count == 16 + 2)

        let (_, waiting) = try place(install, "2026-12-14")
        #expect(try #require(waiting).placed == 0)
        #expect(try #require(waiting).decisions.filter { $0.reason_code == "final_notice_waiting" }.count == 16)
        let (_, ready) = try place(install, "2026-12-15")
        #expect(try #require(ready).placed >= 16)
    }

    @Test("An account the first agency returns goes to the next tier, with the same itemization")
    func tierRotation() throws {
        let install = try Installation(timezone: "America/Toronto", currency: "CAD")
        try install.usePartners(["local-folder"])
        let second = try String(
            contentsOfFile: install.root.appendingPathComponent("partners/local-folder.toml").path, encoding: .utf8
        )
            .replacingOccurrences(of: "id = \"local-folder\"", with: "id = \"second-agency\"")
            .replacingOccurrences(of: "tier = 1", with: "tier = 2")
            .replacingOccurrences(of: "client_id = \"DEMO01\"", with: "client_id = \"DEMO02\"")
        try second.write(
            toFile: install.root.appendingPathComponent("partners/second-agency.toml").path, atomically: true,
            encoding: .utf8)
        try install.importSampleData()

        let (_, first) = try place(install, "2026-11-15")
        let run1 = try #require(first)
        #expect(
            run1.decisions.filter { $0.outcome == "placed" }.allSatisfy { $0.partner == "local-folder" && $0.tier == 1 }
        )

        // The first agency returns A-1002 as uncollectable.
        try install.sqlExecute("""
                UPDATE placements SET state = 'closed', state_reason = 'returned_uncollectable'
                WHERE customer_id = (SELECT id FROM customers WHERE account_number = 'A-1002')
                """)
        // A consumer account: the next tier gets it once its validation period (35 days from its
        // first placement, its notice date being unknown) is over (issue 16's compliance gate).
        let (_, early) = try place(install, "2026-12-01", dryRun: true)
        #expect(
            try #require(early).decisions.first { $0.account_number == "A-1002" }?.reason_code == "no_eligible_agency")
        let (_, later) = try place(install, "2026-12-21")
        let run2 = try #require(later)
        let a1002 = try #require(run2.decisions.first { $0.account_number == "A-1002" })
        #expect(a1002.outcome == "placed" && a1002.partner == "second-agency" && a1002.tier == 2)
        // Accounts that became placeable since go to the first tier, as always.
        #expect(
            run2.decisions.filter { $0.outcome == "placed" && $0.account_number != "A-1002" }.allSatisfy {
                $0.partner == "local-folder"
            })

        // Both files itemize A-1002 from the same date with the same amounts.
        func itemization(_ partner: String, _ file: String) throws -> [String] {
            let data = try #require(try install.stagedFiles()["\(partner)/\(file)"])
            let line = try #require(
                String(decoding: data, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("A-1002,") })
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return Array(fields[15...20])
        }
        let firstFile = try #require(run1.batches.first { $0.partner == "local-folder" }).file
        let secondFile = try #require(run2.batches.first { $0.partner == "second-agency" }).file
        #expect(try itemization("local-folder", firstFile) == (try itemization("second-agency", secondFile)))

        // Once every tier has had it, it is not placed again.
        try install.sqlExecute(
            "UPDATE placements SET state = 'closed', state_reason = 'returned_uncollectable' "
                + "WHERE partner_id = 'second-agency'"
        )
        let (_, third) = try place(install, "2026-12-15")
        #expect(
            try #require(third).decisions.first { $0.account_number == "A-1002" }?.reason_code == "agencies_exhausted")
    }

    @Test("partners check names the file, the key and the problem; an unpinned SFTP host is refused")
    func partnersCheck() throws {
        let install = try Installation()
        try install.usePartners(["keystone-recovery"])
        #expect(try install.handoff(["partners", "check"]).status == 0)
        let path = install.root.appendingPathComponent("partners/keystone-recovery.toml").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(
            of: """
                host_key_sha256 = \"REPLACE-WITH-THE-FINGERPRINT-KRP-GAVE-YOU\" \
                # base64 SHA-256 of the host key, from onboarding
                """,
            with: ""
        )
            .replacingOccurrences(of: "tier = 1 ", with: "tier = \"one\" ")
        .replacingOccurrences(
            of: "{ name = \"region\", source = \"account.region\"",
            with: "{ name = \"region\", source = \"account.regoin\""
        )
            .write(toFile: path, atomically: true, encoding: .utf8)
        let r = try install.handoff(["partners", "check"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("\(path): transport: the server's host key must be pinned"), "\(r.stderr)")
        #expect(r.stderr.contains("\(path): tier: must be a whole number, not a string"), "\(r.stderr)")
        #expect(r.stderr.contains("unknown value 'account.regoin'"), "\(r.stderr)")
        let placeRun = try install.handoff(["place", "--as-of", "2026-11-15"])
        #expect(placeRun.status != 0 && placeRun.stderr.contains("nothing was placed"))
    }

    @Test(
        """
        More accounts than a page of candidates and a set of writes (2,500): each placed once, with its own \
        invoices, balance and itemization
        """
    )
    func morePlacementsThanOnePage() throws {
        // Placement reads candidates and writes placements a thousand at a time (PostgreSQL reads
        // each page's invoices and ledger in one statement): nothing may cross from one account
        // to another at a page's edge. Every third account has a payment, so its itemization has
        // payments, and the agency's check of itemization against balance refuses a mix-up.
        let install = try Installation(timezone: "America/Toronto", currency: "USD")
        try install.usePartners(["local-folder"])
        let accounts = 2_500
        func account(_ n: Int) -> String { "P-" + String(n + 10_000) }
        var customers = ["account_number,type,last_name,currency"]
        var invoices = ["account_number,invoice_number,invoice_date,due_date,amount"]
        var transactions = ["reference,account_number,invoice_number,date,type,amount,reverses"]
        for n in 1...accounts {
            customers.append("\(account(n)),consumer,Payer \(n),USD")
            invoices.append(
                "\(account(n)),A-\(n),2025-12-15,2026-01-15,\(100 + n % 50).\(n % 100 < 10 ? "0" : "")\(n % 100)")
            invoices.append("\(account(n)),B-\(n),2026-01-15,2026-02-15,75.25")
            if n % 3 == 0 { transactions.append("PAY-\(n),\(account(n)),A-\(n),2026-03-01,payment,10.00,") }
        }
        for (kind, rows) in [("customers", customers), ("invoices", invoices), ("transactions", transactions)] {
            let r = try install.handoff([
                "import", kind, try install.write("\(kind).csv", rows.joined(separator: "\n") + "\n"), "--quiet",
            ])
            try #require(r.status == 0, "import \(kind): \(r.stderr)")
        }
        let (result, run) = try place(install, "2026-11-15")
        let placed = try #require(run, "\(result.stderr)")
        #expect(placed.placed == accounts)
        #expect(Set(placed.decisions.filter { $0.outcome == "placed" }.map(\.account_number)).count == accounts)
        // Every placement holds exactly its own account's two invoices, at their balances.
        #expect(try dbCount(install, "SELECT COUNT(*) FROM placements") == accounts)
        #expect(try dbCount(install, """
            SELECT COUNT(*) FROM placements p
            WHERE p.balance != (SELECT SUM(x.balance) FROM placement_invoices x WHERE x.placement_id = p.id)
               OR p.balance != (SELECT SUM(i.balance) FROM invoices i WHERE i.customer_id = p.customer_id)
               OR 2 != (SELECT COUNT(*) FROM placement_invoices x JOIN invoices i ON i.id = x.invoice_id
                        WHERE x.placement_id = p.id AND i.customer_id = p.customer_id AND x.balance = i.balance)
            """) == 0)
        // One itemization per account, frozen on exactly the placed invoices, for their amounts.
        #expect(try dbCount(install, """
            SELECT COUNT(*) FROM placements p LEFT JOIN itemizations z ON z.customer_id = p.customer_id
            WHERE z.customer_id IS NULL
               OR z.amount != (SELECT SUM(i.amount) FROM invoices i WHERE i.customer_id = p.customer_id)
               OR 2 != (SELECT COUNT(*) FROM itemization_invoices v JOIN placement_invoices x \
            ON x.invoice_id = v.invoice_id
                        WHERE v.customer_id = p.customer_id AND x.placement_id = p.id)
            """) == 0)
        #expect(try dbCount(install, "SELECT COUNT(*) FROM itemization_invoices") == 2 * accounts)
        // An account with a payment: 10.00 less, as the ledger says.
        let paid = account(999)
        #expect(try install.sqlValue("""
            SELECT CAST(p.balance AS TEXT) FROM placements p JOIN customers c ON c.id = p.customer_id \
            WHERE c.account_number = '\(paid)'
            """) == String(((100 + 999 % 50) * 100 + 999 % 100) + 7_525 - 1_000))
        let file = try #require(try install.stagedFiles().first { $0.key.hasSuffix(".csv") }?.value)
        #expect(String(decoding: file, as: UTF8.self).split(separator: "\n").count == 1 + 2 * accounts)
        let (_, again) = try place(install, "2026-11-15")
        #expect(again?.placed == 0)
    }
}

@Suite("Batch ids", .serialized)
struct BatchIDTests {
    @Test("A batch id the agency would refuse (characters, length) stops the run before anything is written")
    func invalidBatchID() throws {
        let install = try Installation(timezone: "America/Toronto", currency: "CAD")
        try install.usePartners(["meridian-commercial"])
        let path = install.root.appendingPathComponent("partners/meridian-commercial.toml").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: "batch_id = \"HO-{batch.date:yyyyMMdd}-{batch.sequence:000}\"",
                                      with: "batch_id = \"HO {batch.date:yyyyMMdd}/{batch.sequence:000}\"")
            .write(toFile: path, atomically: true, encoding: .utf8)
        try install.importSampleData()
        let r = try install.handoff(["place", "--as-of", "2026-11-15", "--quiet"])
        #expect(r.status != 0)
        #expect(
            r.stderr.contains(
                "meridian-commercial: batch id 'HO 20261115/001' holds characters the agency does not allow"),
            "\(r.stderr)")
        #expect(try dbCount(install, "SELECT COUNT(*) FROM placements") == 0)
        #expect(try install.stagedFiles().isEmpty)
    }
}
