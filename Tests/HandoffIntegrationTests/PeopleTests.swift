import Foundation
import HandoffTestSupport
import Testing

/// People with tokens of their own and roles, against a real `handoff serve` after a round trip:
/// `handoff people add|list|role|revoke`, each role allowed and refused on the API and the
/// dashboard (a 403 that says why), revocation from the next request on (sessions already open
/// too), the audit log naming the person, and no token in the logs or the database.
@Suite("People and roles", .serialized)
struct PeopleTests {
    static let ownerToken = "people-owner-token-0123456789abcdef"

    func request(_ args: [String]) throws -> (status: Int, headers: String, body: String) { try curlRequest(args) }

    /// The token `handoff people add` printed (its last line), and that it printed it.
    func add(_ install: Installation, _ name: String, _ role: String) throws -> String {
        let r = try install.handoff(["people", "add", name, "--role", role])
        try #require(r.status == 0, "\(r.stdout)\(r.stderr)")
        let token = try #require(r.stdout.split(separator: "\n").last.map(String.init))
        #expect(
            token.hasPrefix("hnd_") && token.count >= 40 && r.stdout.contains("\(name) is added as a \(role)"),
            "\(r.stdout)")
        return token
    }

    /// A dashboard session (the cookie) and its CSRF token, logged in with `token`.
    func login(_ base: String, _ token: String) throws -> (cookie: String, csrf: String) {
        let login = try request(["--data-urlencode", "token=\(token)", base + "/login"])
        try #require(login.status == 303, "\(login.headers)\(login.body)")
        let cookie = try #require(
            login.headers.components(separatedBy: "\r\n").first {
                $0.lowercased().hasPrefix("set-cookie: handoff_session=")
            }
            .map { String($0.dropFirst("set-cookie: ".count).split(separator: ";")[0]) })
        let page = try request(["-H", "Cookie: \(cookie)", base + "/"])
        let csrf = try #require(
            page.body.firstMatch(of: #/name="csrf" value="([0-9a-f]{64})"/#).map { String($0.output.1) })
        return (cookie, csrf)
    }

    func audit(_ install: Installation, actor: String, action: String, subject: String? = nil) throws -> Int {
        try dbCount(
            install,
            "SELECT COUNT(*) FROM audit_log WHERE actor = '\(actor)' AND action = '\(action)'"
                + (subject.map { " AND subject = '\($0)'" } ?? ""))
    }

    @Test(
        """
        Each role allowed and refused on the API and the dashboard; revocation and role changes hold at the \
        next request; audited by name; no token in logs or the database
        """
    )
    func rolesAndRevocation() throws {
        let install = try DashboardTests.roundTrip()

        // The CLI: a token per person, printed once; a second token for an active name, a reserved
        // name or an unknown role is refused and changes nothing.
        let alice = try add(install, "alice", "viewer")
        let bob = try add(install, "bob", "operator")
        let carol = try add(install, "carol", "admin")
        #expect(Set([alice, bob, carol]).count == 3)
        let again = try install.handoff(["people", "add", "alice", "--role", "admin"])
        #expect(again.status == 1 && again.stderr.contains("alice already has a token"), "\(again.stderr)")
        #expect(try install.handoff(["people", "add", "owner", "--role", "admin"]).status == 1)
        #expect(try install.handoff(["people", "add", "eve", "--role", "superuser"]).status == 64)
        #expect(try dbCount(install, "SELECT COUNT(*) FROM people") == 3)
        #expect(try audit(install, actor: "cli", action: "person.added", subject: "bob") == 1)
        let list = try install.handoff(["people", "list", "--json"])
        #expect(
            list.status == 0 && list.stdout.contains("\"carol\"") && list.stdout.contains("\"operator\"")
                && !list.stdout.contains("hnd_"), "\(list.stdout)")

        let serve = try RunningServe(install, token: Self.ownerToken)
        defer { serve.stop() }
        let base = serve.base
        func api(_ token: String, _ path: String, post: Bool = false) throws -> (
            status: Int, headers: String, body: String
        ) {
            try request(["-H", "Authorization: Bearer \(token)"] + (post ? ["-X", "POST"] : []) + [base + path])
        }

        // The API: every role reads; a viewer may not run a job (403, the one error shape, saying why);
        // an operator and an admin may, audited under their names.
        for token in [alice, bob, carol, Self.ownerToken] { #expect(try api(token, "/api/v1/accounts").status == 200) }
        let refused = try api(alice, "/api/v1/jobs/fetch", post: true)
        #expect(
            refused.status == 403 && refused.body.hasPrefix(#"{"error":{"message":""#)
                && refused.body.contains("needs the operator role")
                && refused.body.contains("alice is a viewer"), "\(refused)")
        #expect(try api(bob, "/api/v1/jobs/fetch", post: true).status == 200)
        #expect(try api(carol, "/api/v1/jobs/send", post: true).status == 200)
        #expect(try audit(install, actor: "bob", action: "job.fetch") == 1)
        #expect(try audit(install, actor: "carol", action: "job.send") == 1)
        #expect(try audit(install, actor: "alice", action: "job.fetch") == 0)
        #expect(try api("hnd_not-a-token-of-anyone-at-all", "/api/v1/accounts").status == 401)

        // The dashboard: a viewer reads, sees why the buttons are missing, and is refused with a page that says why.
        let a = try login(base, alice)
        let overview = try request(["-H", "Cookie: \(a.cookie)", base + "/"])
        #expect(
            overview.status == 200 && overview.body.contains("alice · viewer")
                && overview.body.contains("a viewer: you can read every page")
                && !overview.body.contains(#"action="/jobs/send""#) && !overview.body.contains(#"href="/people""#),
            "\(overview.body)")
        let viewerJob = try request(["-H", "Cookie: \(a.cookie)", "-d", "csrf=\(a.csrf)", base + "/jobs/send"])
        #expect(
            viewerJob.status == 403 && viewerJob.body.contains("Not allowed")
                && viewerJob.body.contains("needs the operator role"), "\(viewerJob.body)")
        let viewerRecall = try request([
            "-H", "Cookie: \(a.cookie)", "-d", "csrf=\(a.csrf)", "-d", "reason=paid", base + "/accounts/B-2013/recall",
        ])
        #expect(viewerRecall.status == 403)
        #expect(try request(["-H", "Cookie: \(a.cookie)", base + "/people"]).status == 403)
        #expect(
            try request(["-H", "Cookie: \(a.cookie)", base + "/accounts/B-2013"]).body.contains(
                "action=\"/accounts/B-2013/recall\"") == false)

        // An operator recalls (audited as bob) but may not manage people.
        let b = try login(base, bob)
        let recall = try request([
            "-H", "Cookie: \(b.cookie)", "-d", "csrf=\(b.csrf)", "--data-urlencode", "reason=paid us directly",
            base + "/accounts/B-2013/recall",
        ])
        #expect(recall.status == 303)
        #expect(try audit(install, actor: "bob", action: "placement.recall_requested", subject: "B-2013") == 1)
        #expect(try request(["-H", "Cookie: \(b.cookie)", base + "/people"]).status == 403)
        #expect(
            try request([
                "-H", "Cookie: \(b.cookie)", "-d", "csrf=\(b.csrf)", "-d", "name=mallory", "-d", "role=admin",
                base + "/people",
            ]).status == 403)

        // An admin adds a person (the token shown once on the page), changes a role and revokes.
        let c = try login(base, carol)
        let people = try request(["-H", "Cookie: \(c.cookie)", base + "/people"])
        #expect(
            people.status == 200 && people.body.contains("bob")
                && people.body.contains(#"href="/people" aria-current="page""#))
        let added = try request([
            "-H", "Cookie: \(c.cookie)", "-d", "csrf=\(c.csrf)", "-d", "name=dave", "-d", "role=viewer",
            base + "/people",
        ])
        let dave = try #require(
            added.body.firstMatch(of: #/(hnd_[A-Za-z0-9_-]{40,})/#).map { String($0.output.1) }, "\(added.body)")
        #expect(try api(dave, "/api/v1/accounts").status == 200)
        #expect(try audit(install, actor: "carol", action: "person.added", subject: "dave") == 1)
        #expect(
            try request(["-H", "Cookie: \(c.cookie)", base + "/people"]).body.contains(dave) == false,
            "the token is shown once")
        #expect(
            try request([
                "-H", "Cookie: \(c.cookie)", "-d", "csrf=\(c.csrf)", "-d", "role=operator", base + "/people/dave/role",
            ]).status == 303)
        #expect(try api(dave, "/api/v1/jobs/fetch", post: true).status == 200, "the new role holds at the next request")
        #expect(try audit(install, actor: "carol", action: "person.role_changed", subject: "dave") == 1)
        #expect(
            try request(["-H", "Cookie: \(c.cookie)", "-d", "csrf=\(c.csrf)", base + "/people/dave/revoke"]).status
                == 303)
        #expect(try api(dave, "/api/v1/accounts").status == 401)
        #expect(try audit(install, actor: "carol", action: "person.revoked", subject: "dave") == 1)

        // A role change from the CLI holds in the session already open; so does a revocation, which
        // touches no one else.
        #expect(try install.handoff(["people", "role", "alice", "operator"]).status == 0)
        #expect(try request(["-H", "Cookie: \(a.cookie)", "-d", "csrf=\(a.csrf)", base + "/jobs/fetch"]).status == 303)
        #expect(try audit(install, actor: "alice", action: "job.fetch") == 1)
        let revoke = try install.handoff(["people", "revoke", "alice"])
        #expect(revoke.status == 0 && revoke.stdout.contains("alice’s token is revoked"), "\(revoke.stdout)")
        let afterRevoke = try request(["-H", "Cookie: \(a.cookie)", base + "/"])
        #expect(
            afterRevoke.status == 303 && afterRevoke.headers.contains("/login"),
            "an open session of a revoked person ends")
        #expect(try api(alice, "/api/v1/accounts").status == 401)
        #expect(try request(["--data-urlencode", "token=\(alice)", base + "/login"]).status == 401)
        #expect(
            try api(bob, "/api/v1/accounts").status == 200
                && request(["-H", "Cookie: \(b.cookie)", base + "/"]).status == 200)
        #expect(try audit(install, actor: "cli", action: "person.revoked", subject: "alice") == 1)
        // Adding alice again gives a new token; the revoked one stays revoked and the old session stays ended.
        let alice2 = try add(install, "alice", "viewer")
        #expect(try api(alice2, "/api/v1/accounts").status == 200 && api(alice, "/api/v1/accounts").status == 401)
        #expect(try request(["-H", "Cookie: \(a.cookie)", base + "/"]).status == 303)

        // The logs name people and never hold a token; nor does the database (only SHA-256 hashes).
        serve.stop()
        let log = try String(contentsOfFile: install.root.appendingPathComponent("serve.log").path, encoding: .utf8)
        #expect(
            log.contains(#""person":"bob""#) && log.contains("role too low")
                && log.contains(#""message":"dashboard login""#), "\(log)")
        var stored = Data()
        switch install.engine {
        case .sqlite:
            for suffix in ["", "-wal"] {
                if let data = FileManager.default.contents(
                    atPath: install.root.appendingPathComponent("var/handoff.sqlite\(suffix)").path)
                {
                    stored.append(data)
                }
            }
            #expect(stored.count > 10_000)
        case .postgresql:
            // Every row of the tables a token could reach, as the server returns them.
            for table in ["people", "audit_log", "ledger_entries"] {
                for row in try install.sqlRows("SELECT CAST(t AS TEXT) FROM \(table) t") {
                    stored.append(Data((row[0] ?? "").utf8))
                }
            }
            #expect(stored.count > 1_000)
        }
        for token in [alice, alice2, bob, carol, dave, Self.ownerToken] {
            #expect(!log.contains(token), "a token in the log")
            #expect(stored.range(of: Data(token.utf8)) == nil, "a token in the database")
        }
        #expect(try dbCount(install, "SELECT COUNT(*) FROM people WHERE length(token_sha256) = 64") == 5)
    }

    @Test(
        """
        With an admin of its own the daemon starts without the installation's token, and with none it refuses; \
        a new installation token ends only the owner's sessions
        """
    )
    func withoutTheInstallationToken() throws {
        let install = try Installation()
        try install.jobsOnDemandOnly()
        func refused() throws -> String {
            let r = try Handoff.runTool(
                "/usr/bin/timeout",
                [
                    "30", Handoff.binary.path, "--config", install.configPath, "serve",
                    "--port", String(try freeLoopbackPort())])
            #expect(r.status == 1, "\(r.output)")
            return r.output
        }
        #expect(try refused().contains("nobody could sign in"), "no token, no person")
        _ = try add(install, "vera", "viewer")
        #expect(
            try refused().contains("handoff people add NAME --role admin"), "a viewer alone cannot run the installation"
        )
        let ada = try add(install, "ada", "admin")

        var serve = try RunningServe(install, token: "")
        #expect(try request(["-H", "Authorization: Bearer \(ada)", serve.base + "/api/v1/jobs"]).status == 200)
        #expect(
            try request(["-H", "Authorization: Bearer ", serve.base + "/api/v1/jobs"]).status == 401,
            "no empty owner token")
        let adaSession = try login(serve.base, ada)
        let keyFile = install.root.appendingPathComponent("var/dashboard-session.key").path
        let mode = (try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o600, "the session key is readable by its owner only")
        serve.stop()

        // The installation's token set, then changed: the owner's session ends, Ada's does not.
        serve = try RunningServe(install, token: "the-first-owner-token-0123")
        let ownerSession = try login(serve.base, "the-first-owner-token-0123")
        #expect(
            try request(["-H", "Cookie: \(adaSession.cookie)", serve.base + "/"]).status == 200,
            "a restart keeps people logged in")
        serve.stop()
        serve = try RunningServe(install, token: "the-second-owner-token-456")
        defer { serve.stop() }
        #expect(
            try request(["-H", "Cookie: \(ownerSession.cookie)", serve.base + "/"]).status == 303,
            "the old owner token's session is over")
        #expect(try request(["-H", "Cookie: \(adaSession.cookie)", serve.base + "/"]).status == 200)
    }
}
