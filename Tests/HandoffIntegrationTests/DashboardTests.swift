import Foundation
import HandoffStore
import HandoffTestSupport
import Testing

/// The dashboard of a real `handoff serve` after a whole round trip with the example agency:
/// its login, session cookie, CSRF checks and escaping over HTTP, then a real headless
/// Chromium driven through the login and every page and account action at 1400 px and at 390 px,
/// keeping a screenshot of each (`NN-page-WIDTH.png`) in `ci-artifacts/screenshots/` (or
/// `$HANDOFF_ARTIFACTS_DIR/screenshots`).
@Suite("Dashboard", .serialized)
struct DashboardTests {
    static let token = "dashboard-token-0123456789abcdef"

    /// An installation that placed with the example agency, sent the file, and took in the
    /// agency's acknowledgement and activity from sample-data/agency-returns.
    static func roundTrip() throws -> Installation {
        let install = try Installation(timezone: "America/Toronto", currency: "CAD")
        try install.usePartners(["local-folder"])
        try install.jobsOnDemandOnly()
        try install.importSampleData()
        for args in [["place", "--as-of", "2026-11-15", "--quiet"], ["send"]] {
            let r = try install.handoff(args)
            try #require(r.status == 0, "\(args): \(r.stderr)")
        }
        let outbound = install.root.appendingPathComponent("var/agencies/local-folder/outbound")
        try FileManager.default.createDirectory(at: outbound, withIntermediateDirectories: true)
        let returns = Handoff.repositoryRoot.appendingPathComponent("sample-data/agency-returns")
        for name in try FileManager.default.contentsOfDirectory(atPath: returns.path) {
            try FileManager.default.copyItem(
                at: returns.appendingPathComponent(name), to: outbound.appendingPathComponent(name))
        }
        let fetch = try install.handoff(["fetch"])
        try #require(fetch.status == 0 && fetch.stdout.contains("applied 25, held 0"), "\(fetch.stdout)\(fetch.stderr)")
        let bankrupt = try install.handoff(["account", "show", "A-1013", "--json"])
        try #require(
            bankrupt.stdout.contains("\"bankruptcy\""), "the agency's BANKRUPT status adds the hold: \(bankrupt.stdout)"
        )
        return install
    }

    /// `curl` with the response headers in the output, so that cookies and redirects can be checked.
    func request(_ args: [String]) throws -> (status: Int, headers: String, body: String) { try curlRequest(args) }

    func header(_ name: String, in headers: String) -> String? {
        headers.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
            .map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
    }

    @Test(
        """
        Login, session cookie, CSRF, escaping and pages over HTTP; then a real Chromium through login, \
        overview, an account and every page, with screenshots
        """
    )
    func dashboard() throws {
        let install = try Self.roundTrip()
        // One payment for an account Handoff does not know: held, for a person to decide on the files page.
        try """
            type,account_number,date,invoice_number,amount,commission,net,status,transaction_id,\
            original_transaction_id,note
            PAYMENT,C-3002,2026-11-26,,80.00,20.00,60.00,,LF-T0101,,
            """.write(
                to: install.root.appendingPathComponent(
                    "var/agencies/local-folder/outbound/LFC_ACT_DEMO01_20261126.csv"),
                atomically: true, encoding: .utf8)
        #expect(try install.handoff(["fetch"]).stdout.contains("applied 0, held 1"))
        let heldID = try dbCount(install, "SELECT id FROM agency_events WHERE state = 'held'")
        try #require(heldID > 0)
        // A remittance statement that differs from what Handoff recorded (the example agency sends none).
        try install.anyStore().writeReconciliation { w in
            try w.recordRemittance(RemittanceRecord(
                    partnerID: "local-folder", key: "LFC_REM_DEMO01_202611.csv", model: "net", amount: 230_000,
                    commission: 57_500, net: 172_500,
                reference: "REM-2026-11", date: "2026-11-30", state: "mismatch",
                differences: [.init(transactionID: "LF-T0002", field: "amount", statement: 190_000, recorded: 200_000),
                              .init(transactionID: "LF-T0999", field: "unknown", statement: 40_000, recorded: nil)],
                note: nil, period: "2026-11", currency: "USD"))
        }
        let port = try freeLoopbackPort()
        let log = install.root.appendingPathComponent("serve.log").path
        let pid = try spawn(
            Handoff.binary.path, ["--config", install.configPath, "serve", "--port", String(port)], outputPath: log,
            environment: ["HANDOFF_API_TOKEN": Self.token])
        defer { kill(pid, SIGTERM); _ = waitFor(pid) }
        try waitForPort(port)
        let base = "http://127.0.0.1:\(port)"

        // Without a session every page sends the browser to the login form, and back after.
        let anonymous = try request([base + "/accounts?q=B-2"])
        #expect(
            anonymous.status == 303 && header("Location", in: anonymous.headers) == "/login?next=/accounts?q%3DB-2",
            "\(anonymous.headers)")

        // A wrong token is refused; the right one sets a session cookie that is not the token.
        let wrong = try request(["--data-urlencode", "token=not-the-token-at-all", base + "/login"])
        #expect(wrong.status == 401 && wrong.body.contains("not this installation"))
        #expect(header("Set-Cookie", in: wrong.headers) == nil)
        let login = try request([
            "--data-urlencode", "token=\(Self.token)", "--data-urlencode", "next=//evil.example/", base + "/login",
        ])
        #expect(
            login.status == 303 && header("Location", in: login.headers) == "/",
            "a login never redirects off the server: \(login.headers)")
        let cookie = try #require(header("Set-Cookie", in: login.headers))
        #expect(
            cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict")
                && !cookie.contains(Self.token), "\(cookie)")
        let session = try #require(cookie.split(separator: ";").first.map(String.init))

        // The overview after the round trip: receivables, what the agency collected, net due.
        // The sample agency collected in November 2026: that month's overview, whatever today is.
        let overview = try request(["-H", "Cookie: \(session)", base + "/?month=2026-11"])
        #expect(overview.status == 200)
        for text in ["Receivables by age", "With agencies", "7,000.00 USD", "833.00 CAD", "4,850.00 USD", "624.75 CAD"]
        {
            #expect(overview.body.contains(text), "the overview shows \(text)")
        }
        // Needs attention: the held event with its Retry button, and the bankruptcy the agency reported.
        #expect(overview.body.contains("Needs attention (") && overview.body.contains("for C-3002 was not applied")
                && overview.body.contains("action=\"/events/\(heldID)/retry\"")
                && overview.body.contains("A-1013 got a hold"), "\(overview.body)")
        let csp = header("Content-Security-Policy", in: overview.headers) ?? ""
        #expect(csp.contains("default-src 'none'") && !overview.body.contains("<script"))

        // A forged or expired cookie is no session.
        let forged = String(session.dropLast(4)) + "0000"
        #expect(try request(["-H", "Cookie: \(forged)", base + "/"]).status == 303)
        #expect(
            try request(["-H", "Cookie: handoff_session=1.\(String(repeating: "0", count: 64))", base + "/"]).status
                == 303)

        // Names are escaped: the sample's `The "Blue Door" Café` cannot break out of its element.
        let account = try request(["-H", "Cookie: \(session)", base + "/accounts/B-2002"])
        #expect(account.status == 200 && account.body.contains("The &quot;Blue Door&quot; Café"))
        let b2001 = try request(["-H", "Cookie: \(session)", base + "/accounts/B-2001"])
        #expect(
            b2001.body.contains("Placed with local-folder") && b2001.body.contains("LF-000108")
                && b2001.body.contains("2,000.00 USD"))
        #expect(try request(["-H", "Cookie: \(session)", base + "/accounts/NOPE-1"]).status == 404)
        // The agency's BANKRUPT status put the bankruptcy hold on the account, so it is never placed again.
        #expect(try request(["-H", "Cookie: \(session)", base + "/accounts/A-1013"]).body.contains("hold: bankruptcy"))

        // Actions need this session's CSRF token; with it, the job runs and the browser is sent back.
        let noCSRF = try request(["-H", "Cookie: \(session)", "-d", "csrf=00", base + "/jobs/send"])
        #expect(noCSRF.status == 403)
        let csrf = try #require(
            overview.body.range(of: #"name="csrf" value="([0-9a-f]{64})""#, options: .regularExpression)
            .map { String(overview.body[$0].dropFirst(#"name="csrf" value=""#.count).dropLast()) })
        let send = try request(["-H", "Cookie: \(session)", "-d", "csrf=\(csrf)", base + "/jobs/send"])
        #expect(
            send.status == 303 && header("Location", in: send.headers) == "/files"
                && (header("Set-Cookie", in: send.headers) ?? "").contains("handoff_flash="))
        // The held event: shown with Retry and Dismiss; dismissing needs a reason, and then it no longer waits.
        let files = try request(["-H", "Cookie: \(session)", base + "/files"])
        #expect(
            files.body.contains("no account &#39;C-3002&#39;") || files.body.contains("no account 'C-3002'"),
            "\(files.body)")
        #expect(files.body.contains("/events/\(heldID)/retry") && files.body.contains("/events/\(heldID)/dismiss"))
        let retry = try request(["-H", "Cookie: \(session)", "-d", "csrf=\(csrf)", base + "/events/\(heldID)/retry"])
        #expect(retry.status == 303 && (header("Set-Cookie", in: retry.headers) ?? "").contains("handoff_flash="))
        #expect(
            try dbCount(install, "SELECT COUNT(*) FROM agency_events WHERE state = 'held'") == 1,
            "still no such account: still held")
        #expect(
            try request([
                "-H", "Cookie: \(session)", "-d", "csrf=\(csrf)", "-d", "reason=", base + "/events/\(heldID)/dismiss",
            ]).status == 303)
        #expect(
            try dbCount(install, "SELECT COUNT(*) FROM agency_events WHERE state = 'held'") == 1,
            "no reason, no dismissal")
        let dismiss = try request([
            "-H", "Cookie: \(session)", "-d", "csrf=\(csrf)", "--data-urlencode", "reason=not our customer",
            base + "/events/\(heldID)/dismiss",
        ])
        #expect(dismiss.status == 303)
        #expect(
            try dbCount(
                install,
                "SELECT COUNT(*) FROM agency_events WHERE state = 'dismissed' AND "
                    + "reason = 'dismissed: not our customer'"
            ) == 1)
        let preview = try request(["-H", "Cookie: \(session)", "-d", "csrf=\(csrf)", base + "/placements/preview"])
        #expect(preview.status == 200 && preview.body.contains("Preview: what a run today would do"))
        // Placing is never one click: the run needs the preview's count, /jobs/place goes to the preview,
        // and a count that no longer holds places nothing and shows the new preview.
        let placedBefore = try dbCount(install, "SELECT COUNT(*) FROM placements")
        let blind = try request(["-H", "Cookie: \(session)", "-d", "csrf=\(csrf)", base + "/placements/run"])
        #expect(blind.status == 303 && header("Location", in: blind.headers) == "/placements")
        let viaJobs = try request(["-H", "Cookie: \(session)", "-d", "csrf=\(csrf)", base + "/jobs/place"])
        #expect(viaJobs.status == 303 && header("Location", in: viaJobs.headers) == "/placements")
        let stale = try request([
            "-H", "Cookie: \(session)", "-d", "csrf=\(csrf)", "-d", "expected=99999", base + "/placements/run",
        ])
        #expect(stale.status == 200 && stale.body.contains("changed since the preview"), "\(stale.body)")
        #expect(
            try dbCount(install, "SELECT COUNT(*) FROM placements") == placedBefore,
            "nothing is placed without a confirmed preview")
        let expected = try #require(
            preview.body.range(of: #"name="expected" value="[0-9]+""#, options: .regularExpression)
            .map { Int(preview.body[$0].dropFirst(#"name="expected" value=""#.count).dropLast())! })
        #expect(
            preview.body.contains("Confirm: place \(expected == 1 ? "1 account" : "\(expected) accounts")"),
            "\(preview.body)")
        let confirmed = try request([
            "-H", "Cookie: \(session)", "-d", "csrf=\(csrf)", "-d", "expected=\(expected)", base + "/placements/run",
        ])
        #expect(confirmed.status == 303)
        #expect(try dbCount(install, "SELECT COUNT(*) FROM placements") == placedBefore + expected)
        #expect(try request(["-H", "Cookie: \(session)", base + "/assets/handoff.css"]).status == 200)

        try pagesAndActions(install, base: base, session: session, csrf: csrf)

        // The API beside the dashboard: a 401 says how to authenticate, and every error has one shape.
        let unauthorized = try request([base + "/api/v1/accounts"])
        #expect(
            unauthorized.status == 401
                && header("WWW-Authenticate", in: unauthorized.headers) == "Bearer realm=\"handoff\""
                    && unauthorized.body.hasPrefix(#"{"error":{"message":"#), "\(unauthorized)")
        let missing = try request(["-H", "Authorization: Bearer \(Self.token)", base + "/api/v1/accounts/NOPE-1"])
        #expect(
            missing.status == 404 && missing.body == #"{"error":{"message":"no account 'NOPE-1'"}}"#, "\(missing.body)")
        let jobs = try request(["-H", "Authorization: Bearer \(Self.token)", base + "/api/v1/jobs"])
        #expect(
            jobs.body.range(
                of: #""last_success":"20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z""#,
                options: .regularExpression) != nil,
                "RFC 3339 times: \(jobs.body)")
        // The money collected is the business's own figure: only a scrape with the token sees it.
        let anonymousMetrics = try request([base + "/metrics"])
        #expect(anonymousMetrics.status == 200 && anonymousMetrics.body.contains("handoff_job_runs_total")
                    && !anonymousMetrics.body.contains("handoff_collected_minor_units"))
        let metrics = try request(["-H", "Authorization: Bearer \(Self.token)", base + "/metrics"])
        #expect(metrics.body.contains(#"handoff_collected_minor_units{currency="USD"}"#), "\(metrics.body)")
        // The log: the dashboard's job with who ran it and values of their own JSON types, the refused
        // login; never a token, right or wrong.
        // A file the agency garbled, fetched by the daemon: quarantined, and logged on its own.
        try "garbage\n".write(
            to: install.root.appendingPathComponent("var/agencies/local-folder/outbound/LFC_ACT_DEMO01_20261127.csv"),
            atomically: true, encoding: .utf8)
        // And a payment for another account Handoff does not know: held, for the browser to retry from Needs attention.
        try """
            type,account_number,date,invoice_number,amount,commission,net,status,transaction_id,\
            original_transaction_id,note
            PAYMENT,C-3003,2026-11-27,,50.00,12.50,37.50,,LF-T0102,,
            """.write(
                to: install.root.appendingPathComponent(
                    "var/agencies/local-folder/outbound/LFC_ACT_DEMO01_20261128.csv"),
                atomically: true, encoding: .utf8)
        let fetched = try request(["-H", "Cookie: \(session)", "-d", "csrf=\(csrf)", base + "/jobs/fetch"])
        #expect(fetched.status == 303)
        let logText = try String(contentsOfFile: log, encoding: .utf8)
        #expect(
            logText.contains(#""message":"agency file not taken in""#)
                && logText.contains("LFC_ACT_DEMO01_20261127.csv"), "\(logText)")
        #expect(
            logText.contains(#""by":"dashboard""#) && logText.contains(#""job":"send""#)
                && !logText.contains(#""ok":""#)
                    && (logText.contains(#""ok":true"#) || logText.contains(#""ok":false"#)), "\(logText)")
        #expect(logText.contains("dashboard login refused") && logText.contains("API request refused"), "\(logText)")
        #expect(!logText.contains(Self.token) && !logText.contains("not-the-token-at-all"))

        // One more account past the age, so that the browser previews a placement and confirms it.
        let extraCustomers = try install.write("extra-customers.csv", """
            account_number,type,business_name,first_name,last_name,contact_name,address1,address2,city,region,\
            postal_code,country,phone,email,tax_id,date_of_birth,currency,holds
            B-2099,business,"Late & Co.",,,Pat Late,1 Late St,,Philadelphia,PA,19102,US,,ap@late.example,,,USD,

            """)
        let extraInvoices = try install.write("extra-invoices.csv", """
            account_number,invoice_number,invoice_date,due_date,amount,disputed
            B-2099,INV-9901,2026-04-10,2026-05-10,4254.76,false

            """)
        #expect(try install.handoff(["import", "customers", extraCustomers]).status == 0)
        #expect(try install.handoff(["import", "invoices", extraInvoices]).status == 0)

        // A real browser, as the business owner would use it.
        let chromium = "/usr/bin/chromium"
        try #require(
            FileManager.default.isExecutableFile(atPath: chromium),
            "Debian's chromium is needed (scripts/install-system-packages installs it)")
        let artifacts = ProcessInfo.processInfo.environment["HANDOFF_ARTIFACTS_DIR"].map { URL(fileURLWithPath: $0) }
            ?? Handoff.repositoryRoot.appendingPathComponent("ci-artifacts")
        let screenshots = artifacts.appendingPathComponent("screenshots")
        try? FileManager.default.removeItem(at: screenshots)
        let tokenFile = install.root.appendingPathComponent("config/api-token").path
        try Self.token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let driver = Handoff.repositoryRoot.appendingPathComponent(
            "Tests/HandoffIntegrationTests/Browser/drive_dashboard.py"
        ).path
        let run = try shell(
            "/usr/bin/python3",
            [
                driver, "--chromium", chromium, "--base", base, "--token-file", tokenFile, "--account", "B-2001",
                "--recall", "B-2011,B-2002", "--out", screenshots.path])
        #expect(run.status == 0, "\(run.output)")
        let steps = run.output.split(separator: "\n").filter { $0.hasPrefix("{") }
        #expect(
            steps.count > 60 && steps.last?.contains("\"done\"") == true
                && !steps.contains { $0.contains("\"ok\": false") }, "\(run.output)")
        let pages = [
            "01-login", "02-overview", "03-accounts-placed-by-balance", "03-accounts-on-hold", "04-account",
            "05-agencies", "06-files",
            "07-placement-preview", "08-remittances", "09-requests", "09-worklist", "10-account-actions",
            "11-account-recalled", "12-account-notified",
            "13-attention-retried", "14-people", "15-person-added", "16-viewer-overview", "17-viewer-refused",
            "18-person-revoked",
        ]
        for name in ["19-event-dismissed", "20-placement-confirmed"] {
            let png = try Data(contentsOf: screenshots.appendingPathComponent("\(name)-1400.png"))
            #expect(png.count > 10_000, "\(name)-1400.png is a real screenshot")
        }
        for name in pages {
            for width in [1400, 390] {
                let png = try Data(contentsOf: screenshots.appendingPathComponent("\(name)-\(width).png"))
                #expect(
                    png.count > 10_000 && png.starts(with: [0x89, 0x50, 0x4E, 0x47]),
                    "\(name)-\(width).png is a real screenshot")
            }
        }
        // What the browser did, as the CLI would have: recalled and notified, audited under the name of who
        // logged in (the installation's own token: "owner"); the people it added and revoked, too.
        for account in ["B-2011", "B-2002"] {
            #expect(
                try dbCount(
                    install,
                    "SELECT COUNT(*) FROM audit_log WHERE actor = 'owner' AND action = 'placement.recall_requested' "
                        + "AND subject = '\(account)'"
                ) == 1)
            #expect(
                try dbCount(
                    install,
                    "SELECT COUNT(*) FROM audit_log WHERE actor = 'owner' AND action = 'agency.notify' "
                        + "AND subject = '\(account)'"
                ) == 1)
        }
        for width in [1400, 390] {
            #expect(
                try dbCount(
                    install,
                    "SELECT COUNT(*) FROM audit_log WHERE actor = 'owner' "
                        + "AND action IN ('person.added', 'person.revoked') AND subject = 'clerk-\(width)'"
                ) == 2)
        }
    }

    /// The pages added for issue 15 over HTTP: dates on the files page, the accounts list's
    /// filters and orders, the remittances and requests pages, and recall, notify and clear from an
    /// account's page (refused without this session's CSRF token; audited under the person's name).
    func pagesAndActions(_ install: Installation, base: String, session: String, csrf: String) throws {
        func get(_ path: String) throws -> (status: Int, headers: String, body: String) {
            try request(["-H", "Cookie: \(session)", base + path])
        }
        func post(_ path: String, _ fields: [String], csrf token: String? = nil) throws -> (
            status: Int, headers: String, body: String
        ) {
            try request(
                ["-H", "Cookie: \(session)", "--data-urlencode", "csrf=\(token ?? csrf)"]
                    + fields.flatMap { ["--data-urlencode", $0] } + [base + path])
        }
        func audit(_ action: String, _ subject: String) throws -> Int {
            try dbCount(
                install,
                "SELECT COUNT(*) FROM audit_log WHERE actor = 'owner' AND action = '\(action)' "
                    + "AND subject = '\(subject)'"
            )
        }
        func accounts(_ body: String) -> [String] {
            body.matches(of: #/<tr><td><a href="/accounts/[^"]+">([^<]+)</a>/#).map { String($0.output.1) }
        }

        // Every outbox file, inbox file and agency event is dated.
        let files = try get("/files")
        let stamps = files.body.matches(
            of: #/<td class="when">20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} UTC</td>/#
        ).count
        let rows = try dbCount(install, "SELECT COUNT(*) FROM outbox") + dbCount(install, "SELECT COUNT(*) FROM inbox")
            + dbCount(install, "SELECT COUNT(*) FROM agency_events WHERE state NOT IN ('applied', 'dismissed')")
        #expect(rows > 2 && stamps == rows, "\(stamps) dated rows of \(rows)")
        // States and kinds in words, never the names Handoff stores them under.
        let cells = files.body.matches(of: #/<td[^>]*>([^<]*)</td>/#).map { String($0.output.1) }
        for stored in [
            "payment_collected", "status_changed", "direct_payment_echo", "retry_later", "quarantined", "confirmed",
            "receipted",
        ] {
            #expect(!cells.contains(stored), "the Files page shows '\(stored)' as it is stored")
        }
        #expect(
            cells.contains("taken in") && cells.contains("delivered") && cells.contains("acknowledgement"), "\(cells)")

        // The accounts list: holds and disputes shown; filters and orders done by the store, with paging.
        let onHold = try get("/accounts?hold=1")
        let held = try dbCount(install, "SELECT COUNT(*) FROM customers WHERE holds != ''")
        #expect(
            held >= 1 && accounts(onHold.body).count == held && onHold.body.contains("hold: bankruptcy")
                && onHold.body.contains("A-1013"), "\(onHold.body)")
        let placed = accounts(try get("/accounts?placed=yes").body)
        let open = try dbCount(
            install, "SELECT COUNT(DISTINCT customer_id) FROM placements WHERE state NOT IN ('rejected', 'closed')")
        #expect(placed.count == min(open, 50) && placed.contains("B-2001") && !placed.contains("B-2014"), "\(placed)")
        let notPlaced = accounts(try get("/accounts?placed=no").body)
        #expect(!notPlaced.contains("B-2001") && Set(notPlaced).isDisjoint(with: placed))
        let byBalance = accounts(try get("/accounts?sort=balance").body)
        let largest = try install.sqlRows("""
            SELECT c.account_number FROM customers c
            ORDER BY c.currency, COALESCE((SELECT SUM(balance) FROM invoices i WHERE i.customer_id = c.id), 0) DESC, \
            c.account_number LIMIT 3
            """).map { $0[0] ?? "" }
        #expect(Array(byBalance.prefix(3)) == largest, "\(byBalance)")
        let aged = try get("/accounts?sort=days&bucket=121%2B").body
        let byAge = accounts(aged)
        // Days past due count to the installation's today (its time zone), which the footer names.
        let asOf = try #require(
            aged.firstMatch(of: #/figures as of ([0-9]{4}-[0-9]{2}-[0-9]{2})/#).map { String($0.output.1) })
        let cutoff =
            install.engine == .sqlite ? "date(\(asOf.sqlLiteral), '-121 days')" : "DATE \(asOf.sqlLiteral) - 121"
        let oldest = try install.sqlRows("""
            SELECT c.account_number FROM customers c JOIN invoices i ON i.customer_id = c.id AND i.balance > 0
            GROUP BY c.id, c.account_number HAVING MIN(i.due_date) <= \(cutoff) \
            ORDER BY MIN(i.due_date), c.account_number
            """).map { $0[0] ?? "" }
        #expect(!oldest.isEmpty && byAge == Array(oldest.prefix(50)), "\(byAge) against \(oldest)")
        let disputes = try dbCount(
            install, "SELECT COUNT(*) FROM invoices WHERE CAST(disputed AS INTEGER) = 1 AND balance > 0")
        if disputes > 0 { #expect(try get("/accounts").body.contains("disputed")) }

        // The remittances page: the statement per currency, its state and its differences in words.
        let remittances = try get("/remittances")
        #expect(
            remittances.status == 200 && remittances.body.contains("LFC_REM_DEMO01_202611.csv")
                && remittances.body.contains("differs from Handoff’s records")
                && remittances.body.contains("LF-T0002: the statement says 1,900.00 USD, Handoff recorded 2,000.00 USD")
                && remittances.body.contains("LF-T0999: on the statement (400.00 USD) but never recorded by Handoff"),
            "\(remittances.body)")
        #expect(
            remittances.body.contains(#"href="/remittances" aria-current="page""#)
                && remittances.body.contains(#"href="/requests""#))
        // The overview's Needs attention says the same in words and leads to the statement.
        let overview = try get("/")
        #expect(
            overview.body.contains("LF-T0002: the statement says 1,900.00 USD, Handoff recorded 2,000.00 USD")
                && overview.body.contains(#"<a href="/remittances">See the statement</a>"#),
                "\(overview.body)")

        // Recall, notify and clear from an account's page.
        let page = try get("/accounts/B-2013")
        #expect(
            page.body.contains(#"action="/accounts/B-2013/recall""#)
                && page.body.contains(#"action="/accounts/B-2013/notify""#))
        let requestsBefore = try dbCount(install, "SELECT COUNT(*) FROM agency_requests")
        for (path, fields) in [
            ("/accounts/B-2013/recall", ["reason=paid us directly"]),
            ("/accounts/B-2006/notify", ["kind=dispute", "note=disputes invoice"]),
            ("/accounts/B-2014/clear", ["partner=local-folder"])] {
            #expect(try post(path, fields, csrf: "00").status == 403, "\(path) needs this session's CSRF token")
            #expect(
                try request(
                    ["--data-urlencode", "csrf=\(csrf)"] + fields.flatMap { ["--data-urlencode", $0] } + [base + path]
                ).status == 303)
        }
        #expect(
            try dbCount(install, "SELECT COUNT(*) FROM agency_requests") == requestsBefore,
            "no request without a session and its CSRF token")
        #expect(try dbCount(install, """
            SELECT COUNT(*) FROM audit_log WHERE action IN ('placement.recall_requested', 'agency.notify', \
            'placement.rejection_cleared')
            """) == 0)
        #expect(
            try dbCount(
                install,
                "SELECT COUNT(*) FROM placements p JOIN customers c ON c.id = p.customer_id WHERE "
                    + "c.account_number = 'B-2014' AND p.cleared_at IS NOT NULL"
            ) == 0)

        let recall = try post("/accounts/B-2013/recall", ["reason=paid us directly"])
        #expect(recall.status == 303 && header("Location", in: recall.headers) == "/accounts/B-2013")
        #expect(try audit("placement.recall_requested", "B-2013") == 1)
        #expect(try dbCount(install, """
            SELECT COUNT(*) FROM agency_requests r JOIN customers c ON c.id = r.customer_id
            WHERE c.account_number = 'B-2013' AND r.kind = 'recall' AND r.state = 'queued' \
            AND r.reason = 'paid us directly'
            """) == 1)
        let flash = try #require(header("Set-Cookie", in: recall.headers)?.split(separator: ";").first.map(String.init))
        let shown = try request(["-H", "Cookie: \(session); \(flash)", base + "/accounts/B-2013"])
        #expect(
            shown.body.contains("recall of B-2013 from local-folder queued") && shown.body.contains("RCL-"),
            "\(shown.body)")
        // Again: refused as the CLI refuses it, and nothing more is queued or audited.
        let again = try post("/accounts/B-2013/recall", ["reason=again"])
        let refusal = try #require(
            header("Set-Cookie", in: again.headers)?.split(separator: ";").first.map(String.init))
        #expect(
            try request(["-H", "Cookie: \(session); \(refusal)", base + "/accounts/B-2013"]).body.contains(
                "a recall is already pending"))
        #expect(try audit("placement.recall_requested", "B-2013") == 1)
        #expect(
            try post("/accounts/B-2013/recall", ["reason=  "]).status == 303
                && audit("placement.recall_requested", "B-2013") == 1, "a recall needs a reason")

        #expect(
            try post("/accounts/B-2006/notify", ["kind=dispute", "note=customer disputes invoice 1042"]).status == 303)
        #expect(try audit("agency.notify", "B-2006") == 1)
        #expect(
            try dbCount(
                install,
                "SELECT COUNT(*) FROM audit_log WHERE actor = 'owner' AND "
                    + "detail = 'dispute to local-folder: customer disputes invoice 1042'"
            ) == 1)
        #expect(
            try post("/accounts/B-2006/notify", ["kind=lawsuit", "note=x"]).status == 303
                && audit("agency.notify", "B-2006") == 1, "only the known notices")

        let b2014 = try get("/accounts/B-2014")
        #expect(
            b2014.body.contains(#"action="/accounts/B-2014/clear""#)
                && b2014.body.contains("Clear local-folder’s rejection"))
        #expect(try post("/accounts/B-2014/clear", ["partner=local-folder"]).status == 303)
        #expect(try audit("placement.rejection_cleared", "B-2014") == 1)
        #expect(
            try post("/accounts/B-2014/clear", ["partner=local-folder"]).status == 303
                && audit("placement.rejection_cleared", "B-2014") == 1,
                "a rejection is cleared once")
        let nobody = try post("/accounts/B-2014/clear", ["partner=nobody"])
        let noAgency = try #require(
            header("Set-Cookie", in: nobody.headers)?.split(separator: ";").first.map(String.init))
        #expect(
            try request(["-H", "Cookie: \(session); \(noAgency)", base + "/accounts/B-2014"]).body.contains(
                "there is no agency"))

        // The requests page: each with account, kind, id, amount, date, state and last error.
        let requests = try get("/requests")
        #expect(
            requests.status == 200 && requests.body.contains(#"<a href="/accounts/B-2013">B-2013</a>"#)
                && requests.body.contains("RCL-")
                && requests.body.contains("DSP-") && requests.body.contains("waiting to be sent"), "\(requests.body)")
    }
}
