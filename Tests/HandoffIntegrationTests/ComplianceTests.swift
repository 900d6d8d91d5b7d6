import Foundation
import HandoffConfig
import HandoffDomain
import Testing

/// The compliance gate with the real binary and a real SQLite file (issue 16): each rule, its
/// reason code in `place --dry-run`, and its absence from the files written.
@Suite("Compliance gate", .serialized)
struct ComplianceTests {
    struct Decision: Codable {
        var account_number: String; var outcome: String; var partner: String?; var reason_code: String?
                               var compliance_codes: [String]? }
    struct Run: Codable { var decisions: [Decision]; var placed: Int }

    /// The sample business with the example local-folder agency, its partner file amended.
    func installation(partner extra: String = "", timeBarred: String? = nil, limitationYears: Int? = nil) throws
        -> Installation
    {
        let install = try Installation(timezone: "America/Toronto", currency: "CAD")
        try install.usePartners(["local-folder"])
        let path = install.root.appendingPathComponent("partners/local-folder.toml").path
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text = text.replacingOccurrences(of: "[commission]", with: extra + "\n[commission]")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        var configText = try String(contentsOfFile: install.configPath, encoding: .utf8)
        if let timeBarred {
            configText = configText.replacingOccurrences(
                of: "time_barred = \"do_not_place\"", with: "time_barred = \"\(timeBarred)\"")
        }
        if let years = limitationYears {
            configText = configText.replacingOccurrences(of: "validation_period_days = 35\n", with: """
                validation_period_days = 35
                [[compliance.limitation]]
                region = "*"
                debt_kind = "*"
                years = \(years)

                """)
        }
        try configText.write(toFile: install.configPath, atomically: true, encoding: .utf8)
        try install.importSampleData()
        return install
    }

    func run(_ install: Installation, dryRun: Bool = true, asOf: String = "2026-11-15") throws -> [String: Decision] {
        let r = try install.handoff(["place", "--as-of", asOf, "--json"] + (dryRun ? ["--dry-run"] : []))
        try #require(r.status == 0, "\(r.stdout)\(r.stderr)")
        return Dictionary(
            uniqueKeysWithValues: try JSONDecoder().decode(Run.self, from: Data(r.stdout.utf8)).decisions.map {
                ($0.account_number, $0)
            })
    }

    /// Every file staged, as one text.
    func staged(_ install: Installation) throws -> String {
        try install.stagedFiles().values.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "\n")
    }

    @Test("Licences: a region without one, and one expired, are refused with their codes; neither reaches the file")
    func licences() throws {
        let install = try installation(partner: """
            [compliance]
            licences = [{ region = "QC", expires = 2026-12-01 }, { region = "NS", expires = "2026-11-14" }]
            """)
        let d = try run(install)
        #expect(d["A-1001"]?.outcome == "placed")                                       // QC, licensed until 2026-12-01
        #expect(
            d["B-2006"]?.reason_code == "no_eligible_agency"
                && d["B-2006"]?.compliance_codes == ["licence_expired"]) // NS, expired
        #expect(d["B-2010"]?.compliance_codes == ["not_licensed"])                       // SK
        let text = try install.handoff(["place", "--as-of", "2026-11-15", "--dry-run"]).stdout
        #expect(text.contains("[licence_expired]") && text.contains("[not_licensed]"), "\(text)")
        _ = try run(install, dryRun: false)
        let files = try staged(install)
        #expect(files.contains("A-1001") && !files.contains("B-2006") && !files.contains("B-2010"))
        #expect(!files.contains("licence") && !files.contains("not_licensed"))
        // A partner file with a region listed twice, or a licence without its date, is refused by `partners check`.
        let bad = try installation(
            partner: "[compliance]\nlicences = [{ region = \"QC\", expires = 2026-12-01 }, { region = \"QC\" }]\n")
        let check = try bad.handoff(["partners", "check"])
        #expect(
            check.status != 0 && (check.stdout + check.stderr).contains("compliance.licences[1].expires"),
            "\(check.stdout)\(check.stderr)")
    }

    @Test(
        """
        Holds: set and lifted with `handoff hold`, audited; \
        each keeps the account back with its code; the attorney's name is required
        """
    )
    func holds() throws {
        let install = try installation()
        #expect(try run(install)["A-1001"]?.outcome == "placed")
        let noName = try install.handoff([
            "hold", "add", "A-1001", "attorney_represented", "--note", "letter from counsel",
        ])
        #expect(noName.status == 1 && noName.stderr.contains("--attorney-name"), "\(noName.stderr)")
        let added = try install.handoff([
            "hold", "add", "A-1001", "attorney_represented", "--note", "letter from counsel",
            "--attorney-name", "J. Rivera", "--attorney-phone", "+1 514-555-0100"])
        #expect(
            added.status == 0 && added.stdout.contains("hold attorney_represented set on A-1001"),
            "\(added.stdout)\(added.stderr)")
        #expect(try install.handoff(["hold", "add", "A-1001", "attorney_represented", "--note", "again"]).status == 1)
        for hold in ["minor", "active_duty_military", "identity_theft", "validation_requested"] {
            #expect(try install.handoff(["hold", "add", "B-2006", hold, "--note", "told by phone"]).status == 0)
        }
        let d = try run(install)
        #expect(d["A-1001"]?.reason_code == "hold" && d["A-1001"]?.compliance_codes == ["attorney_represented"])
        #expect(
            d["B-2006"]?.compliance_codes == [
                "active_duty_military", "identity_theft", "minor", "validation_requested",
            ])
        let audit = try install.sqlRows(
            "SELECT actor || ' ' || action || ' ' || subject || ' ' || detail FROM audit_log "
                + "WHERE action LIKE 'customer.hold%' ORDER BY id"
        ).map { $0[0] ?? "" }
        #expect(audit.first == "cli customer.hold_added A-1001 attorney_represented: letter from counsel")
        #expect(audit.count == 5)
        let removed = try install.handoff([
            "hold", "remove", "A-1001", "attorney_represented", "--note", "counsel withdrew",
        ])
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(try run(install)["A-1001"]?.outcome == "placed")
        #expect(try install.handoff(["hold", "remove", "A-1001", "minor", "--note", "x"]).status == 1)
        _ = try run(install, dryRun: false)
        let files = try staged(install)
        #expect(!files.contains("B-2006") && !files.contains("Rivera") && !files.contains("military"))
    }

    @Test(
        """
        A hold set on an account an agency holds is sent to it; \
        a request about an account it no longer holds is refused
        """
    )
    func holdsPushed() throws {
        let install = try installation(partner: "")
        // local-folder takes updates in no file: the hold's request waits, named on `handoff requests`.
        _ = try run(install, dryRun: false)
        #expect(try install.handoff(["send"]).status == 0)
        try install.sqlExecute(
            "UPDATE placements SET state = 'active' WHERE "
                + "customer_id = (SELECT id FROM customers WHERE account_number = 'A-1001')"
        )
        let added = try install.handoff(["hold", "add", "A-1001", "identity_theft", "--note", "police report 42"])
        #expect(added.status == 0 && added.stdout.contains("identity_theft IDT-"), "\(added.stdout)\(added.stderr)")
        #expect(try install.handoff(["requests"]).stdout.contains("identity_theft"))
        // The agency gives the account back before the request goes: the gate keeps it from the agency.
        try install.sqlExecute("""
                UPDATE placements SET state = 'closed', state_reason = 'returned_uncollectable'
                WHERE customer_id = (SELECT id FROM customers WHERE account_number = 'A-1001')
                """)
        let sent = try install.handoff(["send"])
        #expect(sent.stdout.contains("not_with_agency"), "\(sent.stdout)\(sent.stderr)")
        struct Request: Codable { var kind: String; var state: String; var last_error: String? }
        let requests = try JSONDecoder().decode(
            [Request].self, from: Data(try install.handoff(["requests", "--json"]).stdout.utf8))
        #expect(
            requests.first { $0.kind == "identity_theft" }.map { "\($0.state) \($0.last_error ?? "")" }?.hasPrefix(
                "failed not_with_agency") == true)
    }

    @Test(
        """
        A hold imported for an account an agency already holds is queued for that agency, once; \
        an agency that cannot carry it is named at once
        """
    )
    func importedHoldsPushed() throws {
        let install = try installation(partner: "")
        _ = try run(install, dryRun: false)
        #expect(try install.handoff(["send"]).status == 0)
        let header = try String(
            contentsOf: Handoff.repositoryRoot.appendingPathComponent("sample-data/customers.csv"), encoding: .utf8
        )
            .split(separator: "\n")[0]
        let row = try String(
            contentsOf: Handoff.repositoryRoot.appendingPathComponent("sample-data/customers.csv"), encoding: .utf8
        )
            .split(separator: "\n").first { $0.hasPrefix("A-1001,") }!
        // The accounting system now says A-1001 is deceased (the holds column is the last).
        let file = try install.write("holds.csv", "\(header)\n\(row)deceased\n")
        let imported = try install.handoff(["import", "customers", file])
        #expect(
            imported.status == 0
                && imported.stdout.contains("hold deceased imported for A-1001; local-folder holds it: deceased DEC-"),
                "\(imported.stdout)\(imported.stderr)")
        // Importing the same file again adds nothing, so tells nothing again.
        #expect(try install.handoff(["import", "customers", file]).stdout.contains("no change"))
        _ = try install.handoff(["send"])
        struct Request: Codable { var kind: String; var account_number: String; var request_id: String }
        func deceased() throws -> [Request] {
            try JSONDecoder().decode(
                [Request].self, from: Data(try install.handoff(["requests", "--json"]).stdout.utf8)
            )
                .filter { $0.kind == "deceased" }
        }
        #expect(try deceased().map(\.account_number) == ["A-1001"], "queued for the agency that holds A-1001")
        _ = try install.handoff(["send"])
        #expect(try deceased().count == 1, "and only once")
        // local-folder's partner file carries no such request: `hold add` says so at once.
        let added = try install.handoff(["hold", "add", "A-1001", "minor", "--note", "born 2010"])
        #expect(
            added.status == 0
                && added.stdout.contains("WARNING: local-folder's partner file has no way to carry a minor request"),
                "\(added.stdout)\(added.stderr)")
    }

    @Test(
        """
        The overview shows a licence that expires within 30 days, \
        and the accounts whose placement term runs out within 14
        """
    )
    func overviewShowsLicencesAndRecallsToCome() throws {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "America/Toronto")
        let expires = formatter.string(from: Date().addingTimeInterval(10 * 86_400))
        let install = try installation(partner: """
            [compliance]
            licences = [{ region = "QC", expires = "\(expires)" }]

            [terms]
            placement_days = 7

            """)
        try install.jobsOnDemandOnly()
        let placed = try install.handoff(["place"])
        #expect(placed.status == 0, "\(placed.stderr)")
        #expect(try install.handoff(["send"]).status == 0)
        // The agency took A-1001 (its acknowledgement, as the sample returns would say):
        // its term runs from its placement.
        try install.sqlExecute(
            "UPDATE placements SET state = 'accepted' WHERE "
                + "customer_id = (SELECT id FROM customers WHERE account_number = 'A-1001')"
        )
        let token = "overview-test-token-0123456789"
        let serve = try RunningServe(install, token: token)
        defer { serve.stop() }
        let login = try curlRequest(["--data-urlencode", "token=\(token)", serve.base + "/login"])
        let cookie = try #require(
            login.headers.components(separatedBy: "\r\n").first {
                $0.lowercased().hasPrefix("set-cookie: handoff_session=")
            })
        let session = String(cookie.dropFirst("set-cookie: ".count).split(separator: ";")[0])
        let overview = try curlRequest(["-H", "Cookie: \(session)", serve.base + "/"]).body
        #expect(
            overview.contains("local-folder’s licence for QC expires on \(expires)"),
            "the licence on the attention queue")
        let recalls = try #require(
            overview.range(of: "To be recalled in the next 14 days").map {
                String(overview[$0.upperBound...].prefix(3000))
            })
        #expect(
            recalls.contains(#"<a href="/accounts/A-1001">A-1001</a>"#) && recalls.contains("placement days"),
            "\(recalls.prefix(800))")
    }

    @Test(
        """
        An agency that reports the validation notice sets the account's notice date, once; \
        a date recorded before stays
        """
    )
    func validationNoticeReportedByTheAgency() throws {
        let install = try installation(partner: "")
        let path = install.root.appendingPathComponent("partners/local-folder.toml").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(
                of: "statuses = { ACTIVE = \"active\",",
                with: "statuses = { NOTICE = \"validation_notice_sent\", ACTIVE = \"active\",")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        _ = try run(install, dryRun: false)
        #expect(try install.handoff(["send"]).status == 0)
        let outbound = install.root.appendingPathComponent("var/agencies/local-folder/outbound")
        try FileManager.default.createDirectory(at: outbound, withIntermediateDirectories: true)
        let header =
            "type,account_number,date,invoice_number,amount,commission,net,status,transaction_id,"
                + "original_transaction_id,note\n"
        try (header + "STATUS,A-1001,2026-11-20,,,,,NOTICE,,,validation notice mailed\n")
            .write(
                to: outbound.appendingPathComponent("LFC_ACT_DEMO01_20261120.csv"), atomically: true, encoding: .utf8)
        let fetched = try install.handoff(["fetch"])
        #expect(fetched.status == 0, "\(fetched.stdout)\(fetched.stderr)")
        func notice() throws -> [String?] {
            try install.sqlRows("""
                SELECT validation_notice_date, validation_notice_source FROM account_compliance
                WHERE customer_id = (SELECT id FROM customers WHERE account_number = 'A-1001')
                """).first ?? []
        }
        #expect(try notice() == ["2026-11-20", "local-folder"], "\(fetched.stdout)")
        #expect(
            try install.sqlRows("SELECT COUNT(*) FROM audit_log WHERE action = 'customer.validation_notice'").first?
                .first == "1")
        // A later report of another notice does not move the first date.
        try (header + "STATUS,A-1001,2026-11-25,,,,,NOTICE,,,sent again\n")
            .write(
                to: outbound.appendingPathComponent("LFC_ACT_DEMO01_20261125.csv"), atomically: true, encoding: .utf8)
        _ = try install.handoff(["fetch"])
        #expect(try notice() == ["2026-11-20", "local-folder"])
        // The placement's status is still the agency's last working status, not the notice.
        #expect(try install.sqlRows("""
            SELECT COUNT(*) FROM placements p JOIN customers c ON c.id = p.customer_id
            WHERE c.account_number = 'A-1001' AND p.agency_status = 'NOTICE'
            """).first?.first == "0")
    }

    @Test("An attorney's contact goes in place of the debtor's where the agency's updates layout has the fields")
    func attorneyInTheUpdatesFile() throws {
        let install = try ReconcileTests().keystoneByFolder()
        try ReconcileTests().drop([ReconcileTests.files[0]], into: install)
        #expect(try install.handoff(["fetch"]).status == 0)
        // A copy of Keystone's partner file whose updates carry the hold, and the attorney's name and phone.
        let path = install.root.appendingPathComponent("partners/keystone-recovery.toml").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(
                of: "dispute = \"DSP\", bankruptcy = \"BKR\" } },",
                with: "dispute = \"DSP\", bankruptcy = \"BKR\", attorney_represented = \"ATT\" } },"
            )
            .replacingOccurrences(of: "  { name = \"note\", source = \"update.note\" },\n]", with: """
                  { name = "note", source = "update.note" },
                  { name = "attorney", source = "update.attorney_name" },
                  { name = "attorney_phone", source = "update.attorney_phone" },
                ]
                """)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let added = try install.handoff([
            "hold", "add", "A-1001", "attorney_represented", "--note", "letter of representation",
            "--attorney-name", "Maître Lavoie", "--attorney-phone", "+1 514-555-0199"])
        #expect(added.status == 0 && !added.stdout.contains("WARNING"), "\(added.stdout)\(added.stderr)")
        let sent = try install.handoff(["send"])
        #expect(sent.status == 0, "\(sent.stdout)\(sent.stderr)")
        let inbound = install.root.appendingPathComponent("var/krp/inbound")
        let updates = try FileManager.default.contentsOfDirectory(atPath: inbound.path).filter {
            $0.hasPrefix("KRP_UPD_") && $0.hasSuffix(".csv")
        }
        let file = try #require(
            updates.first.map { try String(contentsOf: inbound.appendingPathComponent($0), encoding: .utf8) })
        let lines = file.split(separator: "\r\n").map(String.init)
        #expect(lines.first?.hasSuffix(",note,attorney,attorney_phone") == true, "\(lines)")
        #expect(
            lines.contains { $0.contains(",ATT,A-1001,K000481516,") && $0.hasSuffix(",Maître Lavoie,+1 514-555-0199") },
            "\(lines)")
    }

    @Test(
        """
        Imported: the compliance columns and the military flag; \
        an attorney hold without the attorney's name is refused with its line
        """
    )
    func imported() throws {
        let install = try installation()
        let file = try install.write("compliance.csv", """
            account_number,type,business_name,last_name,debt_kind,validation_notice_date,active_duty_military
            B-2006,business,Harbourfront Marine Ltd.,,open_account,2026-08-03,true

            """)
        let imported = try install.handoff(["import", "customers", file])
        #expect(imported.status == 0, "\(imported.stdout)\(imported.stderr)")
        #expect(try run(install)["B-2006"]?.compliance_codes == ["active_duty_military"])
        let stored = try install.sqlRows("""
                SELECT debt_kind, validation_notice_date, validation_notice_source FROM account_compliance
                WHERE customer_id = (SELECT id FROM customers WHERE account_number = 'B-2006')
                """).first
        #expect(stored?[0] == "open_account" && stored?[1] == "2026-08-03" && stored?[2] == "import")
        let bad = try install.write(
            "attorney.csv",
            "account_number,type,business_name,holds\nB-2010,business,Prairie Sky Farms Ltd.,attorney_represented\n")
        let refused = try install.handoff(["import", "customers", bad])
        #expect(refused.status == 1 && refused.stderr.contains("attorney_name"), "\(refused.stderr)")
        #expect(try run(install)["B-2010"]?.outcome == "placed")
    }

    @Test(
        """
        Time-barred: no period configured, nothing barred; past it, not placed, \
        or placed only where accepted with time_barred in the file
        """
    )
    func timeBarred() throws {
        // B-2006 last paid on 2026-01-10, which starts its period: one year runs out on 2027-01-10.
        // A-1001 stays inside it.
        let none = try installation()
        #expect(try run(none, asOf: "2027-01-15")["B-2006"]?.outcome == "placed")
        let refuse = try installation(timeBarred: "do_not_place", limitationYears: 1)
        var d = try run(refuse, asOf: "2027-01-15")
        #expect(d["B-2006"]?.reason_code == "compliance" && d["B-2006"]?.compliance_codes == ["time_barred"])
        #expect(d["A-1001"]?.outcome == "placed")
        let notAccepted = try installation(timeBarred: "agencies_that_accept", limitationYears: 1)
        #expect(try run(notAccepted, asOf: "2027-01-15")["B-2006"]?.compliance_codes == ["time_barred_not_accepted"])
        let accepted = try installation(
            partner: "[compliance]\naccepts_time_barred = true\n", timeBarred: "agencies_that_accept",
            limitationYears: 1)
        // Taking time-barred debt without the field that tells the agency which accounts are is refused.
        let unmarked = try accepted.handoff(["partners", "check"])
        #expect(unmarked.status != 0 && (unmarked.stdout + unmarked.stderr).contains("compliance.accepts_time_barred"),
                "\(unmarked.stdout)\(unmarked.stderr)")
        let path = accepted.root.appendingPathComponent("partners/local-folder.toml").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: "  { name = \"account_number\", source = \"account.number\", required = true },",
                with:
                    "  { name = \"account_number\", source = \"account.number\", required = true },\n"
                        + "  { name = \"time_barred\", source = \"account.time_barred\", "
                        + "map = { true = \"Y\", false = \"N\" } },"
            )
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        d = try run(accepted, dryRun: false, asOf: "2027-01-15")
        #expect(d["B-2006"]?.outcome == "placed")
        let lines = try staged(accepted).split(separator: "\n")
        #expect(
            lines.contains { $0.hasPrefix("B-2006,Y,") } && lines.contains { $0.hasPrefix("A-1001,N,") },
            "\(lines.prefix(3))")
    }

    @Test("[compliance] in the configuration: no limitation period by default; every mistake named with its key")
    func configuration() throws {
        let template = HandoffConfig.template(businessName: "X", timeZone: "America/Toronto", currency: "CAD")
        let config = try HandoffConfig.parse(template, file: "c.toml", root: "/srv/handoff")
        #expect(config.compliance == CompliancePolicy())
        #expect(config.compliance.limitationPeriods.isEmpty && config.compliance.timeBarred == .doNotPlace)
        let good = try HandoffConfig.parse("""
            [compliance]
            time_barred = "agencies_that_accept"
            validation_period_days = 40
            [[compliance.limitation]]
            region = "PA"
            debt_kind = "open_account"
            years = 4
            """, file: "c.toml", root: "/srv")
        #expect(
            good.compliance
                == CompliancePolicy(
                    limitationPeriods: [LimitationPeriod(region: "PA", debtKind: "open_account", years: 4)],
                    timeBarred: .agenciesThatAccept, validationPeriodDays: 40))
        do {
            _ = try HandoffConfig.parse("""
                [compliance]
                time_barred = "sometimes"
                [[compliance.limitation]]
                region = "PA"
                debt_kind = "note"
                [[compliance.limitation]]
                region = "PA"
                debt_kind = "note"
                years = 400
                """, file: "c.toml", root: "/srv")
            Issue.record("a bad [compliance] was accepted")
        } catch let e as ConfigErrors {
            let lines = e.errors.map(\.description)
            #expect(
                lines.contains(
                    "c.toml: compliance.time_barred: 'sometimes' is not one of do_not_place, agencies_that_accept"),
                "\(lines)")
            #expect(
                lines.contains(
                    "c.toml: compliance.limitation[0].years: is required: the limitation period in whole years"),
                "\(lines)")
            #expect(
                lines.contains("c.toml: compliance.limitation[1].years: must be between 1 and 100, not 400"), "\(lines)"
            )
        }
    }
}
