import Foundation
import HandoffDomain
import HandoffStore
import HandoffTestSupport
import HandoffTransport
import Testing

/// Three `handoff serve` on one PostgreSQL database and one data folder (docs/scaling.md), under
/// a steady load: new accounts imported wave after wave, the place, send and fetch jobs started
/// on whichever instance the test picks, an agency that answers every placement file in its
/// folder with an acknowledgement and a payment per account, and another that pushes an
/// acknowledgement and a payment per account as signed webhooks, each to two instances. One
/// instance at a time is killed with SIGKILL at a random moment and started again. Afterwards,
/// every account is placed once, every file reached its agency once, every event is stored
/// once, and every ledger sum is what the agencies paid.
///
/// It always runs on PostgreSQL (SQLite allows one `handoff serve` per installation).
@Suite("Several instances on one database", .serialized)
struct SeveralInstancesTests {
    static let token = "test-token-0123456789abcdef"
    static let webhookSecret = "webhook-secret-for-tests"
    static let waves = 12
    static let accountsPerWave = 8

    /// One `handoff serve`, on a port of its own that it keeps across restarts.
    final class Instance {
        let install: Installation
        let port: Int
        let environment: [String: String]
        let name: String
        var pid: pid_t = 0
        var starts = 0
        var base: String { "http://127.0.0.1:\(port)" }

        init(_ install: Installation, name: String, environment: [String: String]) throws {
            self.install = install
            self.name = name
            self.environment = environment
            port = try freeLoopbackPort()
        }

        func start() throws {
            starts += 1
            let log = install.root.appendingPathComponent("serve-\(name)-\(starts).log").path
            pid = try spawn(
                Handoff.binary.path, ["--config", install.configPath, "serve", "--port", String(port)], outputPath: log,
                environment: environment)
            try waitForPort(port, seconds: 30)
        }

        func kill9() {
            guard pid > 0 else { return }
            kill(pid, SIGKILL)
            _ = waitFor(pid)
            pid = 0
        }

        func stop() {
            guard pid > 0 else { return }
            kill(pid, SIGTERM)
            _ = waitFor(pid)
            pid = 0
        }
    }

    /// The test's own accounts: every invoice due on 1 May 2026, so that each account is past
    /// the placement rules' 120 days, and younger than 365 days (the local agency's 25% rate).
    static func writeWave(_ wave: Int, in install: Installation) throws -> (customers: String, invoices: String) {
        var customers =
            "account_number,type,business_name,first_name,last_name,contact_name,address1,address2,city,region,"
                + "postal_code,country,phone,email,tax_id,date_of_birth,currency,holds\n"
        var invoices = "account_number,invoice_number,invoice_date,due_date,amount,disputed\n"
        for i in 0..<accountsPerWave {
            let number = String(format: "W%02d-%02d", wave, i)
            if i % 2 == 0 {
                customers +=
                    "\(number),consumer,,Pat,Doe\(wave)x\(i),,\(i) Main St,,Columbus,OH,43215,US,,"
                        + "pat\(wave)x\(i)@mail.example,,1980-01-01,USD,\n"
            } else {
                customers +=
                    "\(number),business,Firm \(wave)-\(i) Ltd,,,Sam Roe,\(i) Market St,,Columbus,OH,43215,US,,"
                        + "ap\(wave)x\(i)@firm.example,,,USD,\n"
            }
            invoices += "\(number),INV-\(number)-1,2026-04-01,2026-05-01,300.00,false\n"
            invoices += "\(number),INV-\(number)-2,2026-04-15,2026-05-01,200.00,false\n"
        }
        return (
            try install.write("wave-\(wave)-customers.csv", customers),
            try install.write("wave-\(wave)-invoices.csv", invoices)
        )
    }

    @Test(
        """
        Three instances, one killed with SIGKILL at random moments, under placements, agency files and \
        webhooks: every account, file, event and payment exactly once
        """
    )
    func threeInstancesOneKilled() throws {
        var random = ArrivalOrderTests.Seeded(
            state: UInt64(ProcessInfo.processInfo.environment["HANDOFF_TEST_SEED"] ?? "") ?? 20_261_202)
        let certificates = try TestCertificates()
        let eventsFile = certificates.directory.appendingPathComponent("events.json").path
        try JSONSerialization.data(withJSONObject: ["events": []]).write(to: URL(fileURLWithPath: eventsFile))
        let meridian = try TestHTTPSServer(certificates: certificates, eventsFile: eventsFile)
        let install = try Installation(timezone: "America/New_York", currency: "USD", engine: .postgresql)
        try install.usePartners(["local-folder"])
        try install.useMeridian(server: meridian, certificates: certificates)
        try install.jobsOnDemandOnly()
        let environment = ["HANDOFF_API_TOKEN": Self.token, "HANDOFF_MERIDIAN_SECRET": meridian.secret,
                           "HANDOFF_MERIDIAN_WEBHOOK_SECRET": Self.webhookSecret]
        let instances = try ["a", "b", "c"].map { try Instance(install, name: $0, environment: environment) }
        defer { instances.forEach { $0.stop() } }
        for instance in instances { try instance.start() }

        let today = Self.today(timezone: "America/New_York")
        let inbound = install.root.appendingPathComponent("var/agencies/local-folder/inbound").path
        let outbound = install.root.appendingPathComponent("var/agencies/local-folder/outbound").path
        try FileManager.default.createDirectory(atPath: outbound, withIntermediateDirectories: true)
        var answeredFiles = Set<String>()
        var reuploads = 0                             // files that reached the local agency again after it took them
        let taken = install.root.appendingPathComponent("var/agencies/local-folder/taken").path
        try FileManager.default.createDirectory(atPath: taken, withIntermediateDirectories: true)
        var pushedAccounts = Set<String>()
        var localPaid: [String: Int] = [:]            // account → cents the local agency collected
        var meridianPaid: [String: Int] = [:]         // account → cents Meridian collected
        var sequence = 0
        var feed: [[String: Any]] = []
        var jobCalls: [pid_t] = []
        var kills = 0

        /// The local agency: every placement file whose control file has arrived gets an
        /// acknowledgement accepting each account and an activity file with a payment of 10.00
        /// on each (25% commission), once; it takes both files away, so that a file sent again
        /// shows.
        func localAgency() throws {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: inbound)) ?? []
            for done in names.sorted() where done.hasSuffix(".done") {
                let data = String(done.dropLast(5)) + ".csv"
                guard names.contains(data) else { continue }
                if answeredFiles.contains(data) {
                    reuploads += 1
                    unlink(inbound + "/" + data)
                    unlink(inbound + "/" + done)
                    continue
                }
                let rows = try String(contentsOfFile: inbound + "/" + data, encoding: .utf8).split(separator: "\n")
                    .dropFirst()
                let accounts = Array(
                    Set(rows.map { String($0.split(separator: ",", omittingEmptySubsequences: false)[0]) })
                ).sorted()
                var ack = "account_number,result,agency_reference,reason_code,reason_text\n"
                var activity =
                    "type,account_number,date,invoice_number,amount,commission,net,status,transaction_id,"
                        + "original_transaction_id,note\n"
                for account in accounts {
                    #expect(
                        localPaid[account] == nil,
                        "account \(account) reached the local agency in a second file, \(data)")
                    ack += "\(account),ACCEPTED,LFC-\(account),,\n"
                    activity += "PAYMENT,\(account),\(today),,10.00,2.50,7.50,,T-\(account),,\n"
                    localPaid[account] = 1000
                }
                let stem = String(data.dropFirst("PLACEMENT_".count).dropLast(4))
                try Data(ack.utf8).write(to: URL(fileURLWithPath: outbound + "/LFC_ACK_\(stem).csv"))
                try Data(activity.utf8).write(to: URL(fileURLWithPath: outbound + "/LFC_ACT_\(stem).csv"))
                answeredFiles.insert(data)
                try FileManager.default.moveItem(atPath: inbound + "/" + data, toPath: taken + "/" + data)
                try FileManager.default.moveItem(atPath: inbound + "/" + done, toPath: taken + "/" + done)
            }
        }

        /// Meridian: for every account in a batch it received (a placement on record as sent), an
        /// acknowledgement and a payment of 20.00 (18% fee), each pushed to two instances and
        /// added to its feed (numbered from 1 with no gap, as the spec says: a pushed event
        /// waits for the ones before it, which the next fetch of the feed brings).
        func meridianAgency() throws {
            let sent = try install.sqlRows("""
                SELECT c.account_number, b.batch_key FROM placements p JOIN customers c ON c.id = p.customer_id
                JOIN placement_batches b ON b.id = p.batch_id
                WHERE p.partner_id = 'meridian-commercial' AND b.state IN ('sent', 'receipted') \
                ORDER BY c.account_number
                """)
            for row in sent {
                guard let account = row[0], let batch = row[1], !pushedAccounts.contains(account) else { continue }
                pushedAccounts.insert(account)
                sequence += 2
                let ack: [String: Any] = [
                    "id": "ack-\(account)", "seq": sequence - 1, "type": "account.acknowledged",
                    "occurred_at": "\(today)T12:00:00Z",
                    "account_number": account, "batch_id": batch, "mcc_file_number": "M-\(account)",
                    "result": "accepted",
                    "reason": NSNull()]
                let pay: [String: Any] = [
                    "id": "pay-\(account)", "seq": sequence, "type": "payment.collected",
                    "occurred_at": "\(today)T13:00:00Z",
                    "account_number": account, "payment_id": "P-\(account)", "amount_cents": 2000, "fee_cents": 360,
                    "paid_at": today, "invoices": [] as [Any]]
                // Out of order on purpose for every other account: the payment first.
                for event in sequence % 4 == 0 ? [pay, ack] : [ack, pay] {
                    try push(event, copies: 2, random: &random)
                }
                meridianPaid[account] = 2000
                feed += [ack, pay]
            }
            try JSONSerialization.data(withJSONObject: ["events": feed]).write(to: URL(fileURLWithPath: eventsFile))
        }

        /// Pushes one event to `copies` different instances, each until one takes it (an agency
        /// retries a push until it gets a 2xx).
        func push(_ event: [String: Any], copies: Int, random: inout ArrivalOrderTests.Seeded) throws {
            var delivered = 0
            var tries = 0
            while delivered < copies {
                tries += 1
                try #require(tries < 60, "no instance took webhook \(event["id"] ?? "")")
                let instance = instances[Int(random.next() % 3)]
                if try Self.pushWebhook(event, to: instance.base, in: install) / 100 == 2 {
                    delivered += 1
                } else {
                    usleep(200_000)
                }
            }
        }

        /// Starts a job on an instance without waiting for its answer (a scheduler would not wait either).
        func startJob(_ job: String, on instance: Instance) throws {
            jobCalls.append(
                try spawn(
                    "/usr/bin/curl",
                    [
                        "-s", "-m", "120", "-X", "POST", "-H", "Authorization: Bearer \(Self.token)",
                        instance.base + "/api/v1/jobs/\(job)"]))
        }

        for wave in 1...Self.waves {
            let files = try Self.writeWave(wave, in: install)
            #expect(try install.handoff(["import", "customers", files.customers]).status == 0)
            #expect(try install.handoff(["import", "invoices", files.invoices]).status == 0)
            for job in ["place", "send", "fetch", "place", "send", "fetch"] {
                try startJob(job, on: instances[Int(random.next() % 3)])
            }
            usleep(UInt32(random.next() % 900_000))
            if random.next() % 3 != 0 {
                // SIGKILL at a random moment: in the middle of a job, a webhook, or nothing.
                let victim = instances[Int(random.next() % 3)]
                victim.kill9()
                kills += 1
                try victim.start()
            }
            try localAgency()
            try meridianAgency()
            usleep(300_000)
        }
        for pid in jobCalls { _ = waitFor(pid) }

        // Quiet now: every instance up; a few rounds of send and fetch, on different instances,
        // until the agencies have answered everything.
        for instance in instances where instance.pid == 0 { try instance.start() }
        for round in 0..<8 {
            let instance = instances[round % 3]
            for job in ["place", "send", "fetch"] {
                _ = try shell(
                    "/usr/bin/curl",
                    [
                        "-s", "-m", "120", "-X", "POST", "-H", "Authorization: Bearer \(Self.token)",
                        instance.base + "/api/v1/jobs/\(job)",
                    ])
            }
            try localAgency()
            try meridianAgency()
        }
        func count(_ sql: String) throws -> Int {
            Int(try install.sqlRows(sql).first?.first.flatMap { $0 } ?? "") ?? -1
        }

        if ProcessInfo.processInfo.environment["HANDOFF_TEST_DEBUG"] != nil {
            for sql in ["SELECT partner_id, state, COUNT(*) FROM agency_events GROUP BY 1, 2",
                        "SELECT partner_id, kind, state, COUNT(*) FROM inbox GROUP BY 1, 2, 3",
                        "SELECT state, reason, COUNT(*) FROM agency_events WHERE state <> 'applied' GROUP BY 1, 2",
                        "SELECT state, COUNT(*) FROM placements GROUP BY 1",
                        "SELECT state, reason, COUNT(*) FROM inbox WHERE state <> 'applied' GROUP BY 1, 2"] {
                print(sql, try install.sqlRows(sql))
            }
            print("local", localPaid.count, "meridian", meridianPaid.count)
        }
        // Every account placed, and once.
        let accounts = Self.waves * Self.accountsPerWave
        #expect(try count("SELECT COUNT(*) FROM placements") == accounts)
        #expect(try count("SELECT COUNT(DISTINCT customer_id) FROM placements") == accounts)
        #expect(
            localPaid.count + meridianPaid.count == accounts,
            "the agencies received \(localPaid.count) + \(meridianPaid.count) accounts")
        #expect(Set(localPaid.keys).isDisjoint(with: meridianPaid.keys))
        // Every file reached its agency, once: each batch the record holds as sent is one file in
        // the local agency's folder or one body Meridian took (a PUT that answered 201).
        #expect(try count("SELECT COUNT(*) FROM placement_batches WHERE state NOT IN ('sent', 'receipted')") == 0)
        #expect(try count("SELECT COUNT(*) FROM outbox WHERE state <> 'confirmed'") == 0)
        #expect(
            try count("SELECT COUNT(*) FROM placement_batches WHERE partner_id = 'local-folder'") == answeredFiles.count
        )
        let puts = meridian.requests().filter { ($0["method"] as? String) == "PUT" && ($0["status"] as? Int) == 201 }
        #expect(
            puts.count == (try count("SELECT COUNT(*) FROM placement_batches WHERE partner_id = 'meridian-commercial'"))
        )
        // A file goes again only when its sender died between the upload and recording it, so
        // never more often than an instance was killed (two instances sending one file would
        // show here).
        let putsPerBatch = Dictionary(grouping: meridian.requests().filter { ($0["method"] as? String) == "PUT" }) {
            $0["path"] as? String ?? ""
        }
        let resent = putsPerBatch.values.filter { $0.count > 1 }.count
        #expect(
            resent + reuploads <= kills,
            "\(resent) Meridian batches and \(reuploads) local files were sent again, with \(kills) kills")
        // Every event stored once and applied: an acknowledgement and a payment per account, each
        // pushed to two instances and read from the feed as well.
        #expect(
            try count(
                "SELECT COUNT(*) FROM inbox WHERE partner_id = 'meridian-commercial' AND remote_name LIKE 'event:%'")
                == 2 * meridianPaid.count)
        #expect(
            try count("SELECT COUNT(*) FROM agency_events WHERE partner_id = 'meridian-commercial'") == 2
                * meridianPaid.count)
        #expect(try count("SELECT COUNT(*) FROM agency_events WHERE state <> 'applied'") == 0)
        #expect(try count("SELECT COUNT(*) FROM placements WHERE state NOT IN ('accepted', 'active')") == 0)
        // Every payment once, and every ledger sum right.
        let paid = localPaid.values.reduce(0, +) + meridianPaid.values.reduce(0, +)
        #expect(try count("SELECT COUNT(*) FROM transactions WHERE kind = 'payment'") == accounts)
        #expect(try count("SELECT SUM(amount) FROM transactions WHERE kind = 'payment'") == paid)
        #expect(try count("""
            SELECT -SUM(l.amount) FROM ledger_entries l JOIN transactions t ON t.id = l.transaction_id \
            WHERE t.kind = 'payment'
            """) == paid)
        #expect(try count("SELECT SUM(amount) FROM ledger_entries") == accounts * 50_000 - paid)
        #expect(try count("SELECT SUM(expected) FROM commissions") == localPaid.count * 250 + meridianPaid.count * 360)
        let verify = try install.handoff(["audit", "verify"])
        #expect(
            verify.status == 0 && verify.stdout.contains("ledger: intact") && verify.stdout.contains("audit: intact"),
            "\(verify.stdout)")
        #expect(kills >= 4, "only \(kills) instances were killed")
        print(
            "several instances: \(accounts) accounts, \(answeredFiles.count) local files, \(puts.count) "
                + "Meridian batches, \(2 * meridianPaid.count) Meridian events pushed twice and in the feed, "
                + "\(kills) SIGKILLs, \(paid) cents paid, \(resent) batches and \(reuploads) files sent again")
    }

    /// Pushes one event to an instance as Meridian does (signed with its webhook secret);
    /// returns the HTTP status (0 when nothing answered).
    static func pushWebhook(_ event: [String: Any], to base: String, in install: Installation) throws -> Int {
        let body = String(
            decoding: try JSONSerialization.data(withJSONObject: event, options: [.sortedKeys]), as: UTF8.self)
        let bodyFile = try install.write("push-\(UUID().uuidString).json", body)
        defer { unlink(bodyFile) }
        let sha = String(try shell("/usr/bin/sha256sum", [bodyFile]).output.prefix(64))
        let signing = RequestSigning(clientID: "MCC", clientHeader: "X-MCC-Client", timestampHeader: "X-MCC-Timestamp",
            signatureHeader: "X-MCC-Signature", stringToSign: "{timestamp}\n{method}\n{path}\n{body_sha256}",
            secret: Array(Self.webhookSecret.utf8))
        let path = "/webhooks/meridian-commercial"
        let headers = signing.headers(
            method: "POST", path: path, bodySHA256: sha, timestamp: Int64(Date().timeIntervalSince1970))
        let r = try shell(
            "/usr/bin/curl",
            ["-s", "-m", "20", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "--data-binary", "@" + bodyFile]
                          + headers.flatMap { ["-H", "\($0.0): \($0.1)"] } + [base + path])
        return Int(r.output.suffix(3)) ?? 0
    }

    @Test(
        """
        Two daemons on one database, a job every minute: both run it when they start, then one of them a minute \
        later, not both
        """
    )
    func scheduleSharedEndToEnd() throws {
        let server = try TestPostgresServer()
        defer { server.stop() }
        let install = try Installation(
            timezone: "America/Toronto", currency: "CAD", engine: .postgresql, postgres: server)
        try install.jobsOnDemandOnly()
        // The chain anchor: a job that needs no agency, every minute.
        let config = try String(contentsOfFile: install.configPath, encoding: .utf8)
        try #require(config.contains("anchor_every_minutes = 0"))
        try config.replacingOccurrences(of: "anchor_every_minutes = 0", with: "anchor_every_minutes = 1")
            .write(toFile: install.configPath, atomically: true, encoding: .utf8)
        let environment = ["HANDOFF_API_TOKEN": Self.token]
        let instances = try ["a", "b"].map { try Instance(install, name: $0, environment: environment) }
        defer { instances.forEach { $0.stop() } }
        for instance in instances { try instance.start() }

        func lines(_ message: String) throws -> Int {
            try instances.map { instance in
                let log = install.root.appendingPathComponent("serve-\(instance.name)-1.log").path
                return try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
                    .filter { $0.contains("\"message\":\"\(message)\"") && $0.contains(#""job":"anchor""#) }.count
            }.reduce(0, +)
        }
        // Each daemon's first run goes at once; a minute after its run, each wakes again: the
        // first to wake takes the turn, the other finds it taken less than a minute ago.
        let finished = "job finished",
            refused = "job not started: another instance started it less than its interval ago"
        let deadline = Date().addingTimeInterval(110)
        while Date() < deadline, try lines(finished) < 3 || lines(refused) < 1 { Thread.sleep(forTimeInterval: 1) }
        #expect(try lines(finished) == 3, "runs of the anchor job")
        #expect(try lines(refused) == 1, "turns refused")
        #expect(try install.sqlRows("SELECT job FROM job_schedule").map { $0.first ?? nil } == ["anchor"])
    }

    @Test(
        """
        The database server stops under a running instance and comes back: /readyz goes unready and ready \
        again, a command stops with a clear error, a webhook is refused until it can be stored, then stored \
        once, and jobs run again
        """
    )
    func databaseRestart() throws {
        let server = try TestPostgresServer()
        defer { server.stop() }
        let install = try Installation(
            timezone: "America/Toronto", currency: "CAD", engine: .postgresql, postgres: server)
        try install.usePartners(["local-folder", "meridian-commercial"])
        try install.jobsOnDemandOnly()
        try install.importSampleData()
        let instance = try Instance(
            install, name: "a",
            environment: ["HANDOFF_API_TOKEN": Self.token, "HANDOFF_MERIDIAN_WEBHOOK_SECRET": Self.webhookSecret])
        defer { instance.stop() }
        try instance.start()
        func readyz() throws -> Int {
            Int(
                try shell(
                    "/usr/bin/curl",
                    ["-s", "-m", "20", "-o", "/dev/null", "-w", "%{http_code}", instance.base + "/readyz"]
                ).output) ?? 0
        }
        #expect(try readyz() == 200)
        let event: [String: Any] = [
            "id": "e-restart", "seq": 7, "type": "account.status_changed", "occurred_at": "2026-11-20T10:00:00Z",
            "account_number": "B-2001", "status": "legal", "note": NSNull()]

        try server.halt()
        #expect(try readyz() == 503)
        let place = try install.handoff(["place", "--quiet"])
        #expect(
            place.status != 0 && place.stderr.contains("127.0.0.1:\(server.port)")
                && !place.stderr.contains("Fatal error"), "\(place.stderr)")
        #expect(
            try Self.pushWebhook(event, to: instance.base, in: install) / 100 != 2,
            "a push was taken while nothing could store it")

        try server.start()
        var ready = false
        for _ in 0..<40 where !ready {
            ready = try readyz() == 200
            if !ready { usleep(250_000) }
        }
        #expect(ready, "/readyz never came back once the database did")
        #expect(try Self.pushWebhook(event, to: instance.base, in: install) == 200)
        #expect(try Self.pushWebhook(event, to: instance.base, in: install) == 200)
        #expect(
            try install.sqlRows("SELECT COUNT(*) FROM inbox WHERE remote_name = 'event:e-restart'").first?.first == "1")
        let job = try shell(
            "/usr/bin/curl",
            [
                "-s", "-m", "120", "-X", "POST", "-H", "Authorization: Bearer \(Self.token)",
                instance.base + "/api/v1/jobs/place",
            ])
        #expect(job.output.contains("\"ok\":true"), "\(job.output)")
        #expect(
            try install.sqlRows("SELECT COUNT(*) FROM placements").first?.first.flatMap { $0.flatMap { Int($0) } } ?? 0
                > 0)
    }

    @Test(
        """
        A job's claim held by another process: the command that would do the same work changes nothing and \
        exits 75, a dry run still reads, the API answers 409; once the claim ends, it runs
        """,
        arguments: [TestEngine.sqlite, .postgresql])
    func claimHeldElsewhere(engine: TestEngine) throws {
        let install = try Installation(engine: engine)
        try install.usePartners(["local-folder"])
        try install.jobsOnDemandOnly()
        try install.importSampleData()
        let store = try install.anyStore()
        let instance = try Instance(install, name: "a", environment: ["HANDOFF_API_TOKEN": Self.token])
        defer { instance.stop() }
        try instance.start()
        func placements() throws -> String? {
            try install.sqlRows("SELECT COUNT(*) FROM placements").first?.first ?? nil
        }
        let held: Void? = try store.exclusively(.place) {
            let place = try install.handoff(["place", "--quiet"])
            #expect(
                place.status == 75 && place.stderr.contains("the place job is running in another Handoff process"),
                "\(place.stderr)")
            #expect(try install.handoff(["place", "--dry-run", "--quiet"]).status == 0)
            let api = try shell(
                "/usr/bin/curl",
                [
                    "-s", "-w", "\n%{http_code}", "-X", "POST", "-H", "Authorization: Bearer \(Self.token)",
                    instance.base + "/api/v1/jobs/place"])
            #expect(api.output.hasSuffix("409") && api.output.contains("another Handoff process"), "\(api.output)")
            #expect(try placements() == "0")
            // Another job's claim is another matter.
            #expect(try install.handoff(["send"]).status == 0)
        }
        #expect(held != nil, "the test could not take the claim")
        let place = try install.handoff(["place", "--quiet"])
        #expect(place.status == 0, "\(place.stderr)")
        #expect(try placements() != "0")
    }

    @Test(
        """
        A transfer's claim: one claimant at a time, its own claim taken again, another's once it runs out on \
        the database's clock or its claimant is gone, and none after release
        """,
        arguments: [TestEngine.sqlite, .postgresql])
    func transferClaims(engine: TestEngine) throws {
        let install = try Installation(engine: engine)
        let store = try install.anyStore()
        let id = try store.writeOutbox { w in
            try w.insertOutbox(
                partnerID: "p", batchID: nil, kind: "data", localPath: "/x", remoteName: "x.csv", dependsOn: nil,
                size: 1, sha256: "00")
        }
        func claim(_ who: String, for lease: Int64 = 900, gone: String? = nil) throws -> Bool {
            try store.writeOutbox { try $0.claimTransfer(id: id, claimant: who, forSeconds: lease, replacing: gone) }
        }
        #expect(try claim("host/1/a"))
        #expect(try store.readOutbox { try $0.outboxRecord(id: id) }?.claimedBy == "host/1/a")
        #expect(try !claim("host/2/b"))
        // The claimant renews its own claim, here for one second of the database's clock.
        #expect(try claim("host/1/a", for: 1))
        #expect(try !claim("host/2/b"), "a claim is not taken over before it runs out")
        // The lease is whole seconds: one second is over at most two seconds later.
        Thread.sleep(forTimeInterval: 2.2)
        #expect(try claim("host/2/b"), "a claim that ran out is taken over")
        #expect(try claim("host/3/c", gone: "host/2/b"), "a dead claimant's claim is taken over at once")
        #expect(try !claim("host/2/b"))
        try store.writeOutbox { try $0.releaseTransfer(id: id, claimant: "host/2/b") }
        #expect(
            try store.readOutbox { try $0.outboxRecord(id: id) }?.claimedBy == "host/3/c",
            "only the claimant's own release counts")
        try store.writeOutbox { try $0.releaseTransfer(id: id, claimant: "host/3/c") }
        #expect(try store.readOutbox { try $0.outboxRecord(id: id) }?.claimedBy == nil)
        #expect(try claim("host/2/b"))
    }

    @Test(
        """
        A scheduled job's turn: one instance per interval between them, counted on the database's clock; \
        a daemon's first run takes it whatever came before
        """,
        arguments: [TestEngine.sqlite, .postgresql])
    func scheduledTurns(engine: TestEngine) throws {
        let install = try Installation(engine: engine)
        let store = try install.anyStore()
        func turn(_ work: ClaimedWork, every: Int64, _ who: String) throws -> Bool {
            try store.takeScheduledTurn(work, every: every, claimant: who)
        }
        #expect(try turn(.fetch, every: 900, "host/1/a"), "no run yet: the first instance takes the turn")
        #expect(try !turn(.fetch, every: 900, "host/2/b"), "another instance, within the interval, does not")
        #expect(try !turn(.fetch, every: 900, "host/1/a"), "nor does the same one")
        #expect(try turn(.send, every: 900, "host/2/b"), "another job's interval is its own")
        #expect(try turn(.fetch, every: 0, "host/3/c"), "a daemon's first run takes the turn")
        #expect(try install.sqlValue("SELECT started_by FROM job_schedule WHERE job = 'fetch'") == "host/3/c")
        // An interval of three seconds is over (less the two seconds' allowance) at most two seconds later.
        Thread.sleep(forTimeInterval: 2.2)
        #expect(try turn(.fetch, every: 3, "host/1/a"), "once the interval is over, the next instance takes the turn")
        #expect(try install.sqlValue("SELECT started_by FROM job_schedule WHERE job = 'fetch'") == "host/1/a")
    }

    @Test(
        """
        Returns are shared row by row: a file another process is applying is skipped with its agency's later \
        files, which wait for it; once it lets go, each is applied once
        """
    )
    func returnsClaimedRowByRow() throws {
        // Keystone's sample returns to the sample business, through local folders (as in ReconcileTests).
        let install = try ReconcileTests().keystoneByFolder(engine: .postgresql)
        try ReconcileTests().drop(ReconcileTests.files, into: install)
        let taken = try install.handoff(["fetch", "--no-apply"])
        try #require(taken.status == 0, "\(taken.stderr)")
        let store = try install.anyStore()
        let received = try store.readInbox { try $0.inbox() }.filter { $0.state == .received }.map(\.id).sorted()
        try #require(received.count == 3)

        // Another process's transaction holds the agency's first file, as while it applies it.
        let holding = DispatchSemaphore(value: 0), letGo = DispatchSemaphore(value: 0)
        let holder = Thread {
            _ = try? store.writeReconciliation { w in
                let claimed = try w.claimReceivedFile(id: received[0])
                holding.signal()
                letGo.wait()
                return claimed
            }
        }
        holder.start()
        holding.wait()
        let meanwhile = try install.handoff(["reconcile"])
        letGo.signal()
        #expect(meanwhile.status == 0, "\(meanwhile.stderr)")
        #expect(
            meanwhile.stdout.contains("applied 0, held 0, waiting 3"),
            "the held file and the two after it wait: \(meanwhile.stdout)")
        #expect(meanwhile.stdout.contains("another Handoff process is applying it now"), "\(meanwhile.stdout)")
        #expect(try install.sqlValue("SELECT count(*) FROM inbox WHERE state = 'received'") == "3")

        let after = try install.handoff(["reconcile"])
        #expect(after.stdout.contains("applied 7, held 0, waiting 0"), "\(after.stdout)")
        let again = try install.handoff(["reconcile"])
        #expect(again.stdout.contains("nothing to apply"), "\(again.stdout)")
        #expect(try install.sqlValue("SELECT count(*) FROM inbox WHERE state = 'applied'") == "3")
        let booked = try install.sqlRows(
            "SELECT kind, reference FROM transactions WHERE source_name LIKE 'KRP_ACT_%' ORDER BY id")
        #expect(
            booked == [
                ["payment", "keystone-recovery:T000000900001"],
                ["payment_reversal", "keystone-recovery:T000000900003"],
            ], "\(booked)")
    }

    /// Today in the business's time zone, as the agencies date their payments.
    static func today(timezone: String) -> String {
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: timezone)
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return formatter.string(from: Date())
    }
}
