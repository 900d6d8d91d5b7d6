import Foundation
import HandoffTestSupport
import HandoffTransport
import Testing

/// `handoff serve` as a real process on a free loopback port, against a temporary installation.
@Suite("handoff serve", .serialized)
struct ServeTests {
    static let token = "test-token-0123456789abcdef"
    static let webhookSecret = "webhook-secret-for-tests"

    func curl(_ args: [String]) throws -> (status: Int, body: String) {
        let r = try shell("/usr/bin/curl", ["-s", "-w", "\n%{http_code}"] + args)
        let lines = r.output.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    @Test(
        """
        Health, the API with and without its token, signed, badly signed, stale and duplicate webhooks, a job on \
        demand, one instance, SIGTERM
        """
    )
    func serve() throws {
        let install = try Installation(timezone: "America/Toronto", currency: "CAD")
        try install.usePartners(["local-folder", "meridian-commercial"])
        try install.jobsOnDemandOnly()
        try install.importSampleData()
        let port = try freeLoopbackPort()
        let env = ["HANDOFF_API_TOKEN": Self.token, "HANDOFF_MERIDIAN_WEBHOOK_SECRET": Self.webhookSecret]
        let log = install.root.appendingPathComponent("serve.log").path
        let pid = try spawn(
            Handoff.binary.path, ["--config", install.configPath, "serve", "--port", String(port)], outputPath: log,
            environment: env)
        var stopped = false
        defer { if !stopped { kill(pid, SIGKILL); _ = waitFor(pid) } }
        try waitForPort(port)
        let base = "http://127.0.0.1:\(port)"

        #expect(try curl([base + "/healthz"]).status == 200)
        #expect(try curl([base + "/readyz"]).status == 200)
        #expect(try curl([base + "/api/v1/accounts"]).status == 401)
        #expect(
            try curl(["-H", "Authorization: Bearer wrong-token-0000000000", base + "/api/v1/accounts"]).status == 401)
        let accounts = try curl([
            "-H", "Authorization: Bearer \(Self.token)", base + "/api/v1/accounts?limit=5&offset=0",
        ])
        #expect(accounts.status == 200 && accounts.body.contains("\"total\":36"), "\(accounts.body)")
        // Search and paging run in SQL: by name in either case, wildcards taken literally, the last page short.
        let search = try curl(["-H", "Authorization: Bearer \(Self.token)", base + "/api/v1/accounts?q=blue%20DOOR"])
        #expect(search.body.contains("\"total\":1") && search.body.contains("B-2002"), "\(search.body)")
        #expect(
            try curl(["-H", "Authorization: Bearer \(Self.token)", base + "/api/v1/accounts?q=%25"]).body.contains(
                "\"total\":0"))
        #expect(
            try curl(["-H", "Authorization: Bearer \(Self.token)", base + "/api/v1/accounts?q=_"]).body.contains(
                "\"total\":0"))
        let last = try curl(["-H", "Authorization: Bearer \(Self.token)", base + "/api/v1/accounts?limit=5&offset=35"])
        #expect(
            last.body.components(separatedBy: "\"account_number\"").count - 1 == 1
                && last.body.contains("\"total\":36"), "\(last.body)")

        // Webhooks: Meridian's signature and 300-second window, stored once, exactly as the feed would.
        let signing = RequestSigning(
            clientID: "MCC", clientHeader: "X-MCC-Client", timestampHeader: "X-MCC-Timestamp",
            signatureHeader: "X-MCC-Signature",
            stringToSign: "{timestamp}\n{method}\n{path}\n{body_sha256}", secret: Array(Self.webhookSecret.utf8))
        let event =
            #"""
            {"id":"e-99","seq":99,"type":"account.status_changed","occurred_at":"2026-11-20T10:00:00Z",\#
            "account_number":"B-2001","status":"legal","note":null}
            """#
        let bodySHA = String(try shell("/bin/sh", ["-c", "printf '%s' '\(event)' | sha256sum"]).output.prefix(64))
        func post(_ path: String, timestamp: Int64, secretOK: Bool = true) throws -> (status: Int, body: String) {
            var headers = signing.headers(method: "POST", path: path, bodySHA256: bodySHA, timestamp: timestamp)
            if !secretOK { headers[2].1 = String(repeating: "0", count: 64) }
            return try curl(
                headers.flatMap { ["-H", "\($0.0): \($0.1)"] } + ["-X", "POST", "--data-binary", event, base + path])
        }
        let now = Int64(Date().timeIntervalSince1970)
        let first = try post("/webhooks/meridian-commercial", timestamp: now)
        #expect(first.status == 200 && first.body.contains("\"stored\":true"), "\(first.body)")
        #expect(try post("/webhooks/meridian-commercial", timestamp: now).body.contains("\"stored\":false"))
        #expect(try post("/webhooks/meridian-commercial", timestamp: now, secretOK: false).status == 401)
        #expect(try post("/webhooks/meridian-commercial", timestamp: now - 301).status == 401)
        #expect(try post("/webhooks/nobody", timestamp: now).status == 404)
        #expect(try dbCount(install, "SELECT COUNT(*) FROM inbox WHERE remote_name = 'event:e-99'") == 1)

        // A placement job on demand writes its batches.
        let job = try curl(["-X", "POST", "-H", "Authorization: Bearer \(Self.token)", base + "/api/v1/jobs/place"])
        #expect(job.status == 200 && job.body.contains("\"ok\":true"), "\(job.body)")
        #expect(try dbCount(install, "SELECT COUNT(*) FROM placement_batches") >= 1)

        // Metrics for Prometheus, without a token.
        let metrics = try curl([base + "/metrics"])
        #expect(
            metrics.status == 200 && metrics.body.contains("handoff_job_runs_total{job=\"place\",outcome=\"ok\"} 1"),
            "\(metrics.body)")
        #expect(
            metrics.body.contains("handoff_accounts_placed_total")
                && metrics.body.contains("handoff_job_last_success_timestamp_seconds"))
        // Each metric says what it counts.
        #expect(
            metrics.body.contains("# HELP handoff_job_runs_total Runs of a scheduled job, by outcome")
                && metrics.body.contains("# HELP handoff_accounts_placed_total Accounts placed with agencies"),
            "\(metrics.body)")

        // One instance per installation on SQLite; on PostgreSQL a second one shares the database.
        if install.engine == .sqlite {
            let second = try shell(
                Handoff.binary.path,
                ["--config", install.configPath, "serve", "--port", String(try freeLoopbackPort())], environment: env)
            #expect(second.status != 0 && second.output.contains("already running"), "\(second.output)")
        } else {
            let port2 = try freeLoopbackPort()
            let second = try spawn(
                Handoff.binary.path, ["--config", install.configPath, "serve", "--port", String(port2)],
                outputPath: install.root.appendingPathComponent("serve-2.log").path, environment: env)
            defer { kill(second, SIGTERM); _ = waitFor(second) }
            try waitForPort(port2)
            #expect(try curl(["http://127.0.0.1:\(port2)/readyz"]).status == 200)
        }

        // Every route of the OpenAPI description answers as described (never a 404 for a listed route).
        let spec = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: Handoff.repositoryRoot.appendingPathComponent("docs/openapi.json")))
                as? [String: Any])
        let paths = try #require(spec["paths"] as? [String: [String: Any]])
        #expect(paths.count == 14)    // with /api/v1/credit-holds (issue 17)
        for (path, methods) in paths {
            for method in methods.keys {
                let concrete = path.replacingOccurrences(of: "{number}", with: "A-1001").replacingOccurrences(
                    of: "{name}", with: "fetch"
                )
                    .replacingOccurrences(of: "{partner}", with: "meridian-commercial")
                let r = try curl([
                    "-X", method.uppercased(), "-H", "Authorization: Bearer \(Self.token)", base + concrete,
                ])
                let documented =
                    ((methods[method] as? [String: Any])?["responses"] as? [String: Any])?.keys.map { Int($0) ?? 0 }
                    ?? []
                #expect(
                    documented.contains(r.status),
                    "\(method.uppercased()) \(concrete) answered \(r.status), documented \(documented)")
            }
        }

        kill(pid, SIGTERM)
        #expect(waitFor(pid) == 0)
        stopped = true

        // Logs are JSON lines (the output is not a terminal), and never hold a secret.
        let logLines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(!logLines.isEmpty)
        #expect(
            logLines.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) is [String: Any] },
            "\(logLines)")
        #expect(!logLines.contains { $0.contains(Self.token) || $0.contains(Self.webhookSecret) })
        // The job run over the API is logged as such; the anchor job (off here) never ran; the stop is logged last.
        #expect(
            logLines.contains {
                $0.contains(#""message":"job finished""#) && $0.contains(#""by":"api""#)
                    && $0.contains(#""job":"place""#)
            },
                "\(logLines)")
        #expect(!logLines.contains { $0.contains("audit chain anchor") })
        #expect(logLines.last?.contains("handoff serve stopped") == true, "\(logLines.last ?? "")")
    }
}

@Suite("handoff serve stopped in the middle of a job", .serialized)
struct ServeShutdownTests {
    @Test(
        """
        SIGTERM during a placement job: the job finishes, the process exits cleanly, and after a restart \
        nothing is placed twice
        """
    )
    func sigtermMidJob() throws {
        let install = try Installation(timezone: "America/Toronto", currency: "CAD")
        try install.usePartners(["local-folder"])
        try install.jobsOnDemandOnly()
        try install.importSampleData()
        let env = ["HANDOFF_API_TOKEN": ServeTests.token, "HANDOFF_PAUSE_AT": "placement.before-commit:3"]
        let port = try freeLoopbackPort()
        let pid = try spawn(Handoff.binary.path, ["--config", install.configPath, "serve", "--port", String(port)],
                            outputPath: install.root.appendingPathComponent("serve.log").path, environment: env)
        try waitForPort(port)
        // Start the job (it pauses 3 s before committing), then ask the daemon to stop.
        let response = install.root.appendingPathComponent("job.json").path
        let curlPID = try spawn(
            "/usr/bin/curl",
            [
                "-s", "-o", response, "-X", "POST", "-H", "Authorization: Bearer \(ServeTests.token)",
                "http://127.0.0.1:\(port)/api/v1/jobs/place"])
        Thread.sleep(forTimeInterval: 1)
        kill(pid, SIGTERM)
        #expect(waitFor(pid) == 0)
        _ = waitFor(curlPID)
        let answer = (try? String(contentsOfFile: response, encoding: .utf8)) ?? ""
        #expect(answer.contains("\"ok\":true"), "\(answer)")
        let placed = try dbCount(install, "SELECT COUNT(*) FROM placements")
        #expect(placed > 0)
        #expect(try dbCount(install, "SELECT COUNT(*) FROM placement_batches") == 1)

        // Restarted, the same job places nothing new.
        let again = try spawn(Handoff.binary.path, ["--config", install.configPath, "serve", "--port", String(port)],
            outputPath: install.root.appendingPathComponent("serve2.log").path,
            environment: ["HANDOFF_API_TOKEN": ServeTests.token])
        try waitForPort(port)
        let second = try shell(
            "/usr/bin/curl",
            [
                "-s", "-X", "POST", "-H", "Authorization: Bearer \(ServeTests.token)",
                "http://127.0.0.1:\(port)/api/v1/jobs/place",
            ])
        #expect(second.output.contains("placed 0"), "\(second.output)")
        kill(again, SIGTERM)
        #expect(waitFor(again) == 0)
        #expect(try dbCount(install, "SELECT COUNT(*) FROM placements") == placed)
        #expect(try dbCount(install, "SELECT COUNT(*) FROM placement_batches") == 1)
    }
}
