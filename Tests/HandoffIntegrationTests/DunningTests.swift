import Foundation
import HandoffConfig
import HandoffStore
import HandoffTestSupport
import Testing
import HandoffDomain

/// Reminders and final notices by e-mail against a real mail server (aiosmtpd, STARTTLS
/// required, its certificate made for the test), with the real binary and a real SQLite file.
@Suite("Dunning by e-mail", .serialized)
struct DunningTests {
    static let asOf = "2026-11-15"

    /// An installation with a small book: each account shows one rule of dunning.
    static func book(server: TestSMTPServer?, certificates: TestCertificates, smtpExtra: String = "") throws
        -> Installation
    {
        let install = try Installation(timezone: "America/Toronto", currency: "CAD")
        let header =
            "account_number,type,business_name,first_name,last_name,contact_name,address1,address2,"
            + "city,region,postal_code,"
            + "country,phone,email,tax_id,date_of_birth,currency,holds\n"
        func row(_ n: String, _ first: String, _ last: String, _ email: String, _ holds: String = "") -> String {
            "\(n),consumer,,\(first),\(last),,1 Main St,,Montréal,QC,H2J 2L3,CA,,\(email),,,CAD,\(holds)\n"
        }
        let customers =
            header
            + row("D-1001", "Renée", "\"Côté <b>&</b>\"", "renee@mail.example")
            + row("D-1002", "Bruno", "Bankrupt", "bruno@mail.example", "bankruptcy")
            + row("D-1003", "Dora", "Deceased", "dora@mail.example", "deceased")
            + row("D-1004", "Cecil", "Ceased", "cecil@mail.example", "cease_contact")
            + row("D-1005", "Dana", "Disputes", "dana@mail.example")
            + row("D-1006", "Nadia", "Nomail", "")
            + row("D-1007", "Olaf", "Ownclient", "olaf@mail.example", "do_not_place")
            + row("D-1008", "Fiona", "Final", "fiona@mail.example")
            + row("D-1009", "Boris", "Bounce", "bounce@mail.example")
        let invoices = """
            account_number,invoice_number,invoice_date,due_date,amount,disputed
            D-1001,INV-1,2026-09-01,2026-10-01,120.50,false
            D-1001,INV-2,2026-09-20,2026-10-20,80.00,false
            D-1001,INV-3,2026-11-01,2026-12-01,50.00,false
            D-1002,INV-4,2026-09-01,2026-10-01,100.00,false
            D-1003,INV-5,2026-09-01,2026-10-01,100.00,false
            D-1004,INV-6,2026-09-01,2026-10-01,100.00,false
            D-1005,INV-7,2026-09-01,2026-10-01,100.00,true
            D-1006,INV-8,2026-09-01,2026-10-01,100.00,false
            D-1007,INV-9,2026-09-01,2026-10-01,100.00,false
            D-1008,INV-10,2026-07-01,2026-08-01,900.00,false
            D-1009,INV-11,2026-09-01,2026-10-01,100.00,false

            """
        try customers.write(to: install.root.appendingPathComponent("customers.csv"), atomically: true, encoding: .utf8)
        try invoices.write(to: install.root.appendingPathComponent("invoices.csv"), atomically: true, encoding: .utf8)
        for kind in ["customers", "invoices"] {
            let r = try install.handoff(["import", kind, install.root.appendingPathComponent("\(kind).csv").path])
            try #require(r.status == 0, "import \(kind): \(r.stderr)")
        }
        let config = try String(contentsOfFile: install.configPath, encoding: .utf8)
            .replacingOccurrences(of: "final_notice_days = 0", with: "final_notice_days = 14")
        try config.write(toFile: install.configPath, atomically: true, encoding: .utf8)
        try install.appendConfig(
            """

            [smtp]
            url = "\(server?.url ?? "smtp://127.0.0.1:9")"
            ca_file = "\(certificates.caFile)"
            timeout_seconds = 20
            \(smtpExtra)

            [dunning]
            from = "Maple & Main Supply Co. <ar@maple.example>"
            reply_to = "Accounts <accounts@maple.example>"

            [[dunning.steps]]
            name = "first-reminder"
            kind = "reminder"
            days_past_due = 15

            [[dunning.steps]]
            name = "second-reminder"
            kind = "reminder"
            days_past_due = 45

            [[dunning.steps]]
            name = "final-notice"
            kind = "final_notice"
            days_past_due = 90

            """)
        return install
    }

    /// A message as Python's own e-mail parser reads it: an independent MIME decoder.
    static func parse(_ data: Data) throws -> [String: String] {
        let script = """
            import email, email.policy, json, sys
            m = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)
            print(json.dumps({"subject": str(m["subject"]), "to": str(m["to"]), "from": str(m["from"]), \
            "message_id": str(m["message-id"]),
                              "reply_to": str(m["reply-to"]), "type": m.get_content_type(),
                              "text": m.get_body(("plain",)).get_content(), \
            "html": m.get_body(("html",)).get_content()}))
            """
        let r = try shell("/usr/bin/python3", ["-c", script], input: data)
        try #require(r.status == 0, "python could not parse the message: \(r.output)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: String])
    }

    static func messages(_ install: Installation) throws -> [[String: Any]] {
        let r = try install.handoff(["dunning", "messages", "--json"])
        try #require(r.status == 0, "\(r.stderr)")
        return try #require((try decodeJSON(r.stdout) as? [String: Any])?["messages"] as? [[String: Any]])
    }

    @Test(
        """
        One message per customer covering every past-due invoice, accents and HTML escaping intact; \
        a rerun sends nothing
        """
    )
    func oneMessagePerCustomer() throws {
        let certificates = try TestCertificates()
        let server = try TestSMTPServer(certificates: certificates, reject: ["bounce@mail.example"])
        let install = try Self.book(server: server, certificates: certificates)
        let run = try install.handoff(["dunning", "--as-of", Self.asOf])
        #expect(run.status == 1, "the refused address makes the run fail for a person: \(run.stdout) \(run.stderr)")
        let mail = server.messages()
        #expect(mail.count == 3, "D-1001 and D-1007 reminders and D-1008's final notice: \(run.stdout)")
        let parsed = try mail.map(Self.parse)
        let renee = try #require(parsed.first { $0["to"]?.contains("renee@mail.example") == true })
        #expect(renee["subject"] == "Reminder: 200.50 CAD past due on account D-1001")
        #expect(renee["to"]?.contains("Renée Côté <b>&</b>") == true, "\(renee["to"] ?? "")")
        #expect(
            renee["from"]?.contains("Maple & Main Supply Co.") == true
                && renee["from"]?.contains("<ar@maple.example>") == true)
        #expect(renee["reply_to"] == "Accounts <accounts@maple.example>")
        #expect(renee["type"] == "multipart/alternative")
        let text = renee["text"] ?? "", html = renee["html"] ?? ""
        #expect(text.contains("Dear Renée Côté <b>&</b>,"))
        #expect(text.contains("Invoice INV-1, due 2026-10-01: 120.50 CAD (45 days past due)"))
        #expect(text.contains("Invoice INV-2, due 2026-10-20: 80.00 CAD (26 days past due)"))
        #expect(!text.contains("INV-3"), "an invoice not yet due is not past due")
        #expect(html.contains("Dear Renée Côté &lt;b&gt;&amp;&lt;/b&gt;,"), "\(html)")
        #expect(!html.contains("<b>&</b>"))
        let messageID = try #require(renee["message_id"])
        #expect(messageID.hasPrefix("<dunning.second-reminder.2026-10-01.") && messageID.hasSuffix("@maple.example>"))
        let fiona = try #require(parsed.first { $0["to"]?.contains("fiona@mail.example") == true })
        #expect(fiona["subject"] == "Final notice: account D-1008 goes to a collection agency on 2026-11-29")
        #expect(fiona["text"]?.contains("by 2026-11-29") == true)
        for event in server.events() where event["event"] as? String == "accepted" {
            #expect(event["tls"] as? Bool == true)
        }

        // The final notice counts once the server took it: the placement wait runs from today.
        let notices = try install.handoff(["notices"])
        #expect(notices.stdout.contains("2026-11-15  D-1008"), "\(notices.stdout)")

        let again = try install.handoff(["dunning", "--as-of", Self.asOf])
        #expect(server.messages().count == 3, "a rerun sends nothing again: \(again.stdout)")
        let later = try install.handoff(["dunning", "--as-of", "2026-11-20"])
        #expect(server.messages().count == 3, "the same step in the same cycle is not sent again: \(later.stdout)")
    }

    @Test(
        """
        Each hold (bankruptcy, deceased, cease contact, a dispute) stops its step; \
        do_not_place stops only the final notice
        """
    )
    func holdsStopSteps() throws {
        let certificates = try TestCertificates()
        let install = try Self.book(server: nil, certificates: certificates)
        let r = try install.handoff(["dunning", "--dry-run", "--json", "--as-of", Self.asOf])
        try #require(r.status == 0, "\(r.stderr)")
        let lines = try #require((try decodeJSON(r.stdout) as? [String: Any])?["messages"] as? [[String: Any]])
        func outcome(_ account: String) -> (String?, String?) {
            let l = lines.first { $0["account_number"] as? String == account }
            return (l?["outcome"] as? String, (l?["reason_code"] as? String) ?? (l?["step"] as? String))
        }
        #expect(outcome("D-1001") == ("would_send", "second-reminder"))
        #expect(outcome("D-1002") == ("skipped", "hold"))
        #expect(outcome("D-1003") == ("skipped", "hold"))
        #expect(outcome("D-1004") == ("skipped", "hold"))
        #expect(outcome("D-1005") == ("skipped", "disputed"))
        #expect(outcome("D-1006") == ("skipped", "no_email"))
        #expect(outcome("D-1007") == ("would_send", "second-reminder"))
        #expect(outcome("D-1008") == ("would_send", "final-notice"))
        #expect(try Self.messages(install).isEmpty, "a dry run records nothing")
    }

    @Test(
        """
        Killed (SIGKILL) between the SMTP transaction and its record: \
        never sent again unattended; a person confirms it
        """
    )
    func killedAfterTransaction() throws {
        let certificates = try TestCertificates()
        let server = try TestSMTPServer(certificates: certificates)
        let install = try Self.book(server: server, certificates: certificates)
        let pid = try spawn(
            Handoff.binary.path, ["--config", install.configPath, "dunning", "--as-of", Self.asOf],
            outputPath: install.root.appendingPathComponent("killed.log").path,
            environment: ["HANDOFF_PAUSE_AT": "dunning.after-smtp:60"])
        let deadline = Date().addingTimeInterval(60)
        while server.messages().isEmpty && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        kill(pid, SIGKILL)
        #expect(waitFor(pid) == 128 + SIGKILL)
        try #require(server.messages().count == 1, "the server took the first message before the kill")
        let first = try #require(try Self.messages(install).first)
        #expect(first["state"] as? String == "sending")

        let rerun = try install.handoff(["dunning", "--as-of", Self.asOf])
        #expect(rerun.status == 1, "a message to confirm needs a person: \(rerun.stdout)")
        #expect(rerun.stdout.contains("unconfirmed"))
        let after = try Self.messages(install)
        let same = try #require(after.first { $0["id"] as? Int == first["id"] as? Int })
        #expect(same["state"] as? String == "unconfirmed")
        let delivered = try server.messages().map(Self.parse)
        let ids = delivered.compactMap { $0["message_id"] }
        #expect(Set(ids).count == ids.count, "no message went twice: \(ids)")
        #expect(ids.filter { $0 == "<\(first["message_id"] as? String ?? "")>" }.count == 1)

        // On the attention queue for a person, with what to do.
        let store = try install.anyStore()
        let attention = try store.readReconciliation {
            try $0.needsAttention(since: .init(iso: "2026-01-01")!, limit: 50)
        }
        let item = try #require(attention.first { $0.kind == .unconfirmedMessage })
        #expect(item.accountNumber == "D-1001" && item.detail == first["message_id"] as? String)
        let confirm = try install.handoff(["dunning", "confirm", "\(first["id"] as? Int ?? 0)"])
        #expect(confirm.status == 0, "\(confirm.stderr)")
        let third = try install.handoff(["dunning", "--as-of", Self.asOf])
        #expect(third.status == 0, "\(third.stdout) \(third.stderr)")
        #expect(server.messages().count == delivered.count, "confirming sends nothing")
    }

    @Test("A 4xx answer is retried with backoff (exit 75), then the message goes once")
    func temporaryThenSuccess() throws {
        let certificates = try TestCertificates()
        let server = try TestSMTPServer(certificates: certificates, fail4xx: 1)
        let install = try Self.book(server: server, certificates: certificates)
        let first = try install.handoff(["dunning", "--as-of", Self.asOf])
        #expect(first.status == 75 || first.status == 1, "\(first.stdout) \(first.stderr)")
        let waiting = try Self.messages(install).filter { $0["state"] as? String == "retry_later" }
        #expect(waiting.count == 1, "the first message met the 451")
        #expect((waiting.first?["last_error"] as? String)?.contains("451") == true)
        let sent = server.messages().count
        // Not yet due: nothing moves.
        _ = try install.handoff(["dunning", "--as-of", Self.asOf])
        #expect(server.messages().count == sent)
        try install.sqlExecute("UPDATE dunning_messages SET not_before = 0 WHERE state = 'retry_later'")
        _ = try install.handoff(["dunning", "--as-of", Self.asOf])
        #expect(server.messages().count == sent + 1)
        #expect(try Self.messages(install).filter { $0["state"] as? String == "retry_later" }.isEmpty)
        #expect(server.events().filter { $0["event"] as? String == "data_deferred" }.count == 1)
    }

    @Test("A 5xx answer fails the message for good and puts it on the attention queue for a person")
    func permanentFailureForAPerson() throws {
        let certificates = try TestCertificates()
        let server = try TestSMTPServer(certificates: certificates, reject: ["bounce@mail.example"])
        let install = try Self.book(server: server, certificates: certificates)
        let r = try install.handoff(["dunning", "--as-of", Self.asOf])
        #expect(r.status == 1)
        #expect(r.stderr.contains("handoff dunning resend"), "\(r.stderr)")
        let failed = try Self.messages(install).filter { $0["state"] as? String == "failed" }
        #expect(failed.map { $0["account_number"] as? String } == ["D-1009"])
        #expect((failed.first?["last_error"] as? String)?.contains("550") == true, "\(failed)")
        let store = try install.anyStore()
        let attention = try store.readReconciliation {
            try $0.needsAttention(since: .init(iso: "2026-01-01")!, limit: 50)
        }
        let item = try #require(attention.first { $0.kind == .failedMessage })
        #expect(item.accountNumber == "D-1009")
        #expect(item.detail?.contains("550") == true)
        // A rerun does not try it again on its own.
        _ = try install.handoff(["dunning", "--as-of", Self.asOf])
        #expect(server.events().filter { $0["event"] as? String == "rcpt_rejected" }.count == 1)
    }

    @Test("A server whose certificate does not verify is refused: nothing is sent, the message fails for a person")
    func unverifiedCertificateRefused() throws {
        let certificates = try TestCertificates()
        let server = try TestSMTPServer(certificates: certificates, useOtherServerCertificate: true)
        let install = try Self.book(server: server, certificates: certificates)
        let r = try install.handoff(["dunning", "--as-of", Self.asOf])
        #expect(r.status == 1)
        #expect(server.messages().isEmpty)
        let states = try Self.messages(install).map { $0["state"] as? String }
        #expect(states.allSatisfy { $0 == "failed" } && !states.isEmpty, "\(states)")
        #expect((try Self.messages(install).first?["last_error"] as? String)?.contains("certificate") == true)
    }

    @Test("A server that offers no STARTTLS is refused: nothing crosses in clear, the message fails for a person")
    func plainTextServerRefused() throws {
        let certificates = try TestCertificates()
        let server = try TestSMTPServer(certificates: certificates, offerSTARTTLS: false)
        let install = try Self.book(server: server, certificates: certificates)
        let r = try install.handoff(["dunning", "--as-of", Self.asOf])
        #expect(r.status != 0, "\(r.stdout)\(r.stderr)")
        #expect(server.messages().isEmpty, "no message was handed to a server without TLS")
        let states = Set(try Self.messages(install).compactMap { $0["state"] as? String })
        #expect(!states.contains("sent") && !states.isEmpty, "\(states)")
    }

    @Test("The login's password comes from the environment and appears in no output or record")
    func passwordNeverShown() throws {
        let certificates = try TestCertificates()
        let secret = "s3cret-\(UUID().uuidString)"
        let server = try TestSMTPServer(certificates: certificates, user: "ar@maple.example", password: secret)
        let install = try Self.book(
            server: server, certificates: certificates, smtpExtra: "user = \"ar@maple.example\"")
        let missing = try install.handoff(["dunning", "--as-of", Self.asOf])
        #expect(missing.status == 1 && missing.stderr.contains("HANDOFF_SMTP_PASSWORD"), "\(missing.stderr)")
        let r = try install.handoff(
            ["dunning", "--as-of", Self.asOf, "--json"], environment: ["HANDOFF_SMTP_PASSWORD": secret])
        #expect(server.messages().count == 4, "\(r.stdout) \(r.stderr)")
        #expect(!(r.stdout + r.stderr).contains(secret))
        #expect(server.events().contains { $0["event"] as? String == "auth" && $0["ok"] as? Bool == true })
        let stored: Data
        switch install.engine {
        case .sqlite:
            stored = try Data(
                contentsOf: URL(fileURLWithPath: try HandoffConfig.load(path: install.configPath).databasePath))
        case .postgresql:
            stored = Data(
                try ["dunning_messages", "audit_log"].flatMap {
                    try install.sqlRows("SELECT CAST(t AS TEXT) FROM \($0) t")
                }
                .map { $0[0] ?? "" }.joined().utf8)
        }
        #expect(!stored.isEmpty && stored.range(of: Data(secret.utf8)) == nil)
    }

    @Test("The credit-hold list says why and since when; its hook hears each account enter and leave once")
    func creditHolds() throws {
        let certificates = try TestCertificates()
        let install = try Self.book(server: nil, certificates: certificates)
        let log = install.root.appendingPathComponent("hook.jsonl").path
        let config = try String(contentsOfFile: install.configPath, encoding: .utf8)
            .replacingOccurrences(
                of: "# command = \"/usr/local/bin/hold-orders\"", with: "command = \"cat >> '\(log)'\""
            )
            .replacingOccurrences(of: "[dunning]", with: "[dunning_unused]")
        // Without [dunning]: the credit-hold list alone.
        let plain = config.components(separatedBy: "\n[smtp]")[0]
        try plain.write(toFile: install.configPath, atomically: true, encoding: .utf8)
        let r = try install.handoff(["credit-holds", "--json", "--as-of", Self.asOf])
        try #require(r.status == 0, "\(r.stderr)")
        let entries = try #require((try decodeJSON(r.stdout) as? [String: Any])?["credit_holds"] as? [[String: Any]])
        #expect(
            entries.map { $0["account_number"] as? String } == ["D-1008"], "only D-1008 is past due more than 60 days")
        let reasons = try #require(entries.first?["reasons"] as? [[String: Any]])
        #expect(reasons.first?["reason"] as? String == "past_due_days")
        #expect(
            reasons.first?["since"] as? String == "2026-10-01",
            "60 days after 2026-08-01 is 2026-09-30; held from the next day")
        let csv = try install.handoff(["credit-holds", "--csv", "--as-of", Self.asOf])
        #expect(
            csv.stdout.hasPrefix(
                "account_number,name,since,reasons,past_due,currency\n"
                    + "D-1008,Fiona Final,2026-10-01,past_due_days,900.00,CAD"
            ),
            "\(csv.stdout)")

        _ = try install.handoff(["dunning", "--as-of", Self.asOf])
        _ = try install.handoff(["dunning", "--as-of", Self.asOf])
        var lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1, "entered once, however many runs: \(lines)")
        #expect(lines.first?.contains("\"change\":\"entered\"") == true && lines.first?.contains("D-1008") == true)
        // Paid: it leaves the list, once.
        try
            """
            reference,account_number,invoice_number,date,type,amount,reverses\n\
            PMT-1,D-1008,INV-10,2026-11-16,payment,900.00,\n
            """
            .write(to: install.root.appendingPathComponent("t.csv"), atomically: true, encoding: .utf8)
        #expect(
            try install.handoff(["import", "transactions", install.root.appendingPathComponent("t.csv").path]).status
                == 0)
        _ = try install.handoff(["dunning", "--as-of", "2026-11-17"])
        _ = try install.handoff(["dunning", "--as-of", "2026-11-17"])
        lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2 && lines.last?.contains("\"change\":\"left\"") == true, "\(lines)")
    }

    @Test("A credit-hold hook that fails is offered the change again at the next run, and the run says so (exit 75)")
    func failingHookIsRetried() throws {
        let certificates = try TestCertificates()
        let install = try Self.book(server: nil, certificates: certificates)
        let log = install.root.appendingPathComponent("hook.jsonl").path
        let flag = install.root.appendingPathComponent("ordering-system-up").path
        // The ordering system is down until the flag file exists.
        let config = try String(contentsOfFile: install.configPath, encoding: .utf8)
            .replacingOccurrences(of: "# command = \"/usr/local/bin/hold-orders\"",
                                  with: "command = \"test -e '\(flag)' && cat >> '\(log)'\"")
            .replacingOccurrences(of: "[dunning]", with: "[dunning_unused]")
        try config.components(separatedBy: "\n[smtp]")[0].write(
            toFile: install.configPath, atomically: true, encoding: .utf8)
        let down = try install.handoff(["dunning", "--as-of", Self.asOf])
        #expect(down.status == 75, "a hook that failed is a temporary failure: \(down.stdout)\(down.stderr)")
        #expect(!FileManager.default.fileExists(atPath: log))
        FileManager.default.createFile(atPath: flag, contents: nil)
        let up = try install.handoff(["dunning", "--as-of", Self.asOf])
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(
            lines.count == 1 && lines.first?.contains("\"change\":\"entered\"") == true, "offered again, once: \(lines)"
        )
        _ = try install.handoff(["dunning", "--as-of", Self.asOf])
        #expect(try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").count == 1)
    }

    @Test("The work list ranks past-due accounts by amount and age, each with its next step and date")
    func worklist() throws {
        let certificates = try TestCertificates()
        let install = try Self.book(server: nil, certificates: certificates)
        let r = try install.handoff(["worklist", "--json", "--as-of", Self.asOf])
        try #require(r.status == 0, "\(r.stderr)")
        let rows = try #require((try decodeJSON(r.stdout) as? [String: Any])?["accounts"] as? [[String: Any]])
        #expect(rows.first?["account_number"] as? String == "D-1008", "largest and oldest first")
        #expect(rows.first?["score"] as? Int == 1000)
        #expect(
            rows.first?["next_step"] as? String == "final_notice"
                && rows.first?["next_step_date"] as? String == Self.asOf)
        let bruno = try #require(rows.first { $0["account_number"] as? String == "D-1002" })
        #expect(bruno["next_step"] as? String == "none")
        let renee = try #require(rows.first { $0["account_number"] as? String == "D-1001" })
        #expect(renee["next_step"] as? String == "reminder" && renee["next_step_date"] as? String == Self.asOf)
        // D-1001 has the most past due after D-1008 (200.50): it ranks above the 100.00 accounts of the same age.
        let order = rows.compactMap { $0["account_number"] as? String }
        #expect(order.firstIndex(of: "D-1001")! < order.firstIndex(of: "D-1009")!)
    }

    @Test(
        """
        Attorney representation, a minor, active duty, an identity-theft claim \
        and a validation request each stop every step
        """
    )
    func complianceHoldsStopDunning() throws {
        let certificates = try TestCertificates()
        let install = try Self.book(server: nil, certificates: certificates)
        for kind in ["attorney_represented", "minor", "active_duty_military", "identity_theft", "validation_requested"]
        {
            let attorney = kind == "attorney_represented" ? ["--attorney-name", "Maître Lavoie"] : []
            let added = try install.handoff(["hold", "add", "D-1008", kind, "--note", "a letter came"] + attorney)
            try #require(added.status == 0, "\(kind): \(added.stderr)")
            let r = try install.handoff(["dunning", "--dry-run", "--json", "--as-of", Self.asOf])
            let lines = try #require((try decodeJSON(r.stdout) as? [String: Any])?["messages"] as? [[String: Any]])
            let fiona = lines.first { $0["account_number"] as? String == "D-1008" }
            #expect(
                fiona?["outcome"] as? String == "skipped" && fiona?["reason_code"] as? String == "hold",
                "\(kind): \(fiona ?? [:])")
            #expect(try install.handoff(["hold", "remove", "D-1008", kind, "--note", "answered"]).status == 0)
        }
        let r = try install.handoff(["dunning", "--dry-run", "--json", "--as-of", Self.asOf])
        let lines = try #require((try decodeJSON(r.stdout) as? [String: Any])?["messages"] as? [[String: Any]])
        #expect(
            lines.first { $0["account_number"] as? String == "D-1008" }?["outcome"] as? String == "would_send",
            "each hold lifted")
    }

    @Test(
        """
        The daemon sends reminders on its schedule; \
        the account's story, the attention queue and the work list show them
        """
    )
    func scheduledByTheDaemon() throws {
        let certificates = try TestCertificates()
        let server = try TestSMTPServer(certificates: certificates, reject: ["bounce@mail.example"])
        let install = try Self.book(server: server, certificates: certificates)
        try install.jobsOnDemandOnly()
        let config = try String(contentsOfFile: install.configPath, encoding: .utf8)
            .replacingOccurrences(of: "dunning_every_minutes = 0", with: "dunning_every_minutes = 1")
        try config.write(toFile: install.configPath, atomically: true, encoding: .utf8)
        let token = "dunning-test-token-0123456789"
        let serve = try RunningServe(install, token: token)
        defer { serve.stop() }
        // The dunning job starts with the daemon (today's date: every book invoice is long past due).
        var summary: String?
        for _ in 0 ..< 300 where summary == nil {
            usleep(100_000)
            let jobs = try curlRequest(["-H", "Authorization: Bearer \(token)", serve.base + "/api/v1/jobs"])
            summary = ((try? decodeJSON(jobs.body)) as? [String: Any]).flatMap { $0["jobs"] as? [[String: Any]] }?
                .first { $0["job"] as? String == "dunning" }?["last_summary"] as? String
        }
        #expect(
            summary?.contains("3 sent") == true && summary?.contains("1 failed") == true,
            "\(summary ?? "the job never ran")")
        let sent = try server.messages().map(Self.parse)
        #expect(sent.count == 3, "D-1001, D-1007 and D-1008 are e-mailed once: \(sent.map { $0["to"] ?? "" })")
        #expect(sent.contains { $0["to"]?.contains("renee@mail.example") == true })

        let login = try curlRequest(["--data-urlencode", "token=\(token)", serve.base + "/login"])
        let cookie = try #require(
            login.headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie:") })
        let session = String(cookie.dropFirst("set-cookie:".count).split(separator: ";")[0]).trimmingCharacters(
            in: .whitespaces)
        func page(_ path: String) throws -> String {
            let r = try curlRequest(["-H", "Cookie: \(session)", serve.base + path])
            #expect(r.status == 200, "\(path): \(r.status)")
            return r.body
        }
        let story = try page("/accounts/D-1001")
        #expect(story.contains("Reminder") || story.contains("Final notice"), "the account's story shows its message")
        #expect(story.contains("e-mailed"), "and that the server took it")
        let bounced = try page("/accounts/D-1009")
        #expect(bounced.contains("refused by the mail server"), "a refusal shows on the account")
        let overview = try page("/")
        #expect(overview.contains("e-mail to D-1009 was refused by the mail server"), "the attention queue names it")
        #expect(overview.contains("handoff dunning resend"))
        // The credit-hold list the ordering system reads: each account with why and since when.
        let holds = try curlRequest(["-H", "Authorization: Bearer \(token)", serve.base + "/api/v1/credit-holds"])
        let entries = ((try? decodeJSON(holds.body)) as? [String: Any])?["credit_holds"] as? [[String: Any]] ?? []
        let fionaHold = entries.first { $0["account_number"] as? String == "D-1008" }
        #expect(fionaHold != nil && (fionaHold?["since"] as? String)?.count == 10, "\(holds.body)")
        #expect(
            ((fionaHold?["reasons"] as? [[String: Any]]) ?? []).contains { $0["reason"] as? String == "past_due_days" },
            "\(holds.body)")
        let worklist = try page("/worklist")
        #expect(worklist.contains("D-1008") && worklist.contains("D-1001"), "the work list ranks the past-due accounts")
    }

    @Test(
        """
        A final notice the server refused is no notice: the placement clock does not start, \
        and a resend after the fix starts it once
        """
    )
    func refusedFinalNoticeIsNoNotice() throws {
        let certificates = try TestCertificates()
        let server = try TestSMTPServer(certificates: certificates, reject: ["fiona@mail.example"])
        let install = try Self.book(server: server, certificates: certificates)
        _ = try install.handoff(["dunning", "--as-of", Self.asOf])
        let fiona = try #require(try Self.messages(install).first { $0["account_number"] as? String == "D-1008" })
        #expect(fiona["state"] as? String == "failed" && fiona["kind"] as? String == "final_notice", "\(fiona)")
        #expect(!(try install.handoff(["notices"]).stdout.contains("D-1008")), "a refused final notice starts no clock")
        // Placement does not record a notice of its own while e-mail gives them: it waits.
        let placed = try install.handoff(["place", "--dry-run", "--as-of", Self.asOf])
        #expect(!placed.stdout.contains("D-1008  ") || placed.stdout.contains("final_notice"), "\(placed.stdout)")
        // The address corrected in the accounting system and imported; the message sent again by hand, once.
        let header =
            "account_number,type,business_name,first_name,last_name,contact_name,address1,address2,"
            + "city,region,postal_code,"
            + "country,phone,email,tax_id,date_of_birth,currency,holds\n"
        let fixed = try install.write(
            "fixed.csv",
            header + "D-1008,consumer,,Fiona,Final,,1 Main St,,Montréal,QC,H2J 2L3,CA,,fiona@fixed.example,,,CAD,\n")
        #expect(try install.handoff(["import", "customers", fixed]).status == 0)
        let id = try #require(fiona["id"] as? Int)
        let resent = try install.handoff(["dunning", "resend", String(id)])
        #expect(resent.status == 0, "\(resent.stdout)\(resent.stderr)")
        _ = try install.handoff(["dunning", "--as-of", Self.asOf])
        let delivered = try server.messages().map(Self.parse).filter { $0["to"]?.contains("fixed.example") == true }
        let sameID = (fiona["message_id"] as? String).map { $0.hasPrefix("<") ? $0 : "<\($0)>" }
        #expect(
            delivered.count == 1 && delivered.first?["message_id"] == sameID,
            "the same Message-ID: \(delivered.first?["message_id"] ?? "") \(sameID ?? "")")
        #expect(try install.handoff(["notices"]).stdout.contains("D-1008"), "accepted now: the notice is given")
        #expect(try install.handoff(["dunning", "resend", String(id)]).status != 0, "a message sent is not sent again")
        _ = try install.handoff(["dunning", "--as-of", Self.asOf])
        #expect(
            server.messages().map { String(decoding: $0, as: UTF8.self) }.filter { $0.contains("fixed.example") }.count
                == 1,
                "a message already sent is not sent again")
    }

    @Test(
        """
        The work list's weights live in config: all on age puts the oldest first; \
        weights that do not add up to 100 are refused
        """
    )
    func worklistWeights() throws {
        let certificates = try TestCertificates()
        let install = try Self.book(server: nil, certificates: certificates)
        func order() throws -> [String] {
            let r = try install.handoff(["worklist", "--json", "--as-of", Self.asOf])
            try #require(r.status == 0, "\(r.stderr)")
            let rows = try #require((try decodeJSON(r.stdout) as? [String: Any])?["accounts"] as? [[String: Any]])
            return rows.compactMap { $0["account_number"] as? String }
        }
        // D-1009 owes less than D-1001 (110.00 against 200.50) but for longer (since 2026-08-15 against 2026-10-01).
        let older = try install.write(
            "older.csv",
            "account_number,invoice_number,invoice_date,due_date,amount,disputed\n"
                + "D-1009,INV-12,2026-07-15,2026-08-15,10.00,false\n"
        )
        #expect(try install.handoff(["import", "invoices", older]).status == 0)
        var config = try String(contentsOfFile: install.configPath, encoding: .utf8)
        func weigh(amount: Int, age: Int) throws -> [String] {
            config = config.replacing(#/amount_weight = [0-9]+/#, with: "amount_weight = \(amount)")
                .replacing(#/age_weight = [0-9]+/#, with: "age_weight = \(age)")
            try config.write(toFile: install.configPath, atomically: true, encoding: .utf8)
            return try order()
        }
        let byAmount = try weigh(amount: 100, age: 0)
        #expect(
            byAmount.firstIndex(of: "D-1001")! < byAmount.firstIndex(of: "D-1009")!,
            "all on the amount: the larger balance first; \(byAmount)")
        let byAge = try weigh(amount: 0, age: 100)
        #expect(
            byAge.firstIndex(of: "D-1009")! < byAge.firstIndex(of: "D-1001")!,
            "all on age: the older debt first; \(byAge)")
        config = config.replacing(#/age_weight = [0-9]+/#, with: "age_weight = 50")
        try config.write(toFile: install.configPath, atomically: true, encoding: .utf8)
        let refused = try install.handoff(["worklist", "--as-of", Self.asOf])
        #expect(
            refused.status != 0 && refused.stderr.contains("amount_weight and age_weight must add up to 100, not 50"),
            "\(refused.stderr)")
    }
}
