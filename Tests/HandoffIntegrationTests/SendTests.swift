import Foundation
import HandoffTestSupport
import Testing

/// Keystone end to end: placement file encrypted and signed, sent over SFTP to a real sshd,
/// control file computed from the encrypted bytes, opened by the agency with stock gpg.
@Suite("Sending placement files", .serialized)
struct SendTests {
    struct World {
        let install: Installation
        let server: TestSSHServer
        let business: GPGParty
        let agency: GPGParty
    }

    func world(fingerprint: String? = nil, sftpOptions: String = "", timeoutSeconds: Int? = nil) throws -> World {
        let install = try Installation(timezone: "America/Toronto", currency: "CAD")
        let server = try TestSSHServer(sftpOptions: sftpOptions)
        let business = try GPGParty("Business")
        let agency = try GPGParty("Agency")
        try agency.trust(business)
        try install.usePartners(["keystone-recovery"])
        let path = install.root.appendingPathComponent("partners/keystone-recovery.toml").path
        var text = try String(contentsOfFile: path, encoding: .utf8)
        let replacements = [
            "host = \"sftp.keystone.example\"": "host = \"127.0.0.1\"",
            "port = 22": "port = \(server.port)",
            "user = \"c10442\"": "user = \"\(server.user)\"",
            "private_key_file = \"/etc/handoff/keys/keystone_ed25519\"": "private_key_file = \"\(server.clientKey)\"",
            "host_key_sha256 = \"REPLACE-WITH-THE-FINGERPRINT-KRP-GAVE-YOU\"":
                "host_key_sha256 = \"\(fingerprint ?? server.hostKeySHA256)\"",
            "upload_dir = \"/inbound\"": "upload_dir = \"\(server.inbound)\"",
            "download_dir = \"/outbound\"": "download_dir = \"\(server.outbound)\"",
            "recipient_key_file = \"/etc/handoff/keys/keystone-public.asc\"":
                "recipient_key_file = \"\(agency.publicKeyFile)\"",
            "signing_key_file = \"/etc/handoff/keys/handoff-signing-secret.asc\"":
                "signing_key_file = \"\(business.secretKeyFile)\"",
            "partner_signing_fingerprint = \"REPLACE-WITH-KRP-SIGNING-KEY-FINGERPRINT\"":
                "partner_signing_fingerprint = \"\(agency.fingerprint)\""
        ]
        for (old, new) in replacements {
            try #require(text.contains(old), "partner file lacks \(old)")
            text = text.replacingOccurrences(of: old, with: new)
        }
        if let timeoutSeconds {
            try #require(text.contains("download_dir = "))
            text = text.replacingOccurrences(
                of: "download_dir = ", with: "timeout_seconds = \(timeoutSeconds)\ndownload_dir = ")
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try install.importSampleData()
        let placed = try install.handoff(["place", "--as-of", "2026-11-15", "--quiet"])
        try #require(placed.status == 0, "\(placed.stderr)")
        return World(install: install, server: server, business: business, agency: agency)
    }

    func sha256(_ path: String) throws -> String {
        String(try shell("/usr/bin/sha256sum", [path]).output.prefix(64))
    }

    @Test("Encrypted, signed, sent once over SFTP; the control file carries the SHA-256 of the .pgp as uploaded")
    func keystoneRoundTrip() throws {
        let w = try world()
        let sent = try w.install.handoff(["send"])
        #expect(sent.status == 0, "\(sent.stdout)\(sent.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: w.server.inbound).sorted()
        #expect(names == ["KRP_PLC_C10442_20261115_001.csv.pgp", "KRP_PLC_C10442_20261115_001.ctl"])

        // The agency decrypts with stock gpg and finds the business's signature and the staged file.
        let pgp = w.server.inbound + "/KRP_PLC_C10442_20261115_001.csv.pgp"
        let opened = try w.agency.decrypt(pgp)
        #expect(
            opened.status == 0 && opened.statusLines.contains("VALIDSIG")
                && opened.statusLines.contains(w.business.fingerprint))
        let staged = try Data(
            contentsOf: w.install.root.appendingPathComponent(
                "var/staging/keystone-recovery/KRP_PLC_C10442_20261115_001.csv"))
        #expect(opened.plain == staged)

        let control = try String(contentsOfFile: w.server.inbound + "/KRP_PLC_C10442_20261115_001.ctl", encoding: .utf8)
        #expect(control.hasSuffix(";sha256=\(try sha256(pgp))"))
        #expect(control.hasPrefix("records="))
        #expect(!control.hasSuffix("\n"))

        // Nothing is sent twice.
        let again = try w.install.handoff(["send"])
        #expect(again.stdout.contains("nothing to send"))
        let outbox = try w.install.handoff(["outbox", "--json"])
        let states = try #require(try JSONSerialization.jsonObject(with: Data(outbox.stdout.utf8)) as? [[String: Any]])
            .map { $0["state"] as? String }
        #expect(states == ["confirmed", "confirmed"])
        #expect(
            try dbCount(w.install, "SELECT COUNT(*) FROM placements WHERE state = 'sent'")
                == (try dbCount(w.install, "SELECT COUNT(*) FROM placements")))
    }

    @Test("A crash after the upload, before the database records it: the next run sends no second copy")
    func crashAfterUpload() throws {
        let w = try world()
        let crashed = try w.install.handoff(["send"], environment: ["HANDOFF_CRASH_AT": "send.after-upload"])
        #expect(crashed.status == 86)
        let pgp = w.server.inbound + "/KRP_PLC_C10442_20261115_001.csv.pgp"
        let first = try sha256(pgp)
        #expect(try dbCount(w.install, "SELECT COUNT(*) FROM outbox WHERE state = 'sending'") == 1)
        let resumed = try w.install.handoff(["send"])
        #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
        #expect(resumed.stdout.contains("already at the agency (not sent again)"))
        #expect(try sha256(pgp) == first)
        #expect(try FileManager.default.contentsOfDirectory(atPath: w.server.inbound).sorted()
                == ["KRP_PLC_C10442_20261115_001.csv.pgp", "KRP_PLC_C10442_20261115_001.ctl"])
        #expect(try dbCount(w.install, "SELECT COUNT(*) FROM outbox WHERE state = 'confirmed'") == 2)
    }

    @Test("A wrong host key fails permanently, says so in the outbox, and sends nothing")
    func wrongHostKey() throws {
        let w = try world(fingerprint: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        let sent = try w.install.handoff(["send"])
        #expect(sent.status != 0)
        #expect(sent.stdout.contains("failed: host_key_mismatch"), "\(sent.stdout)")
        let outbox = try w.install.handoff(["outbox"])
        #expect(outbox.stdout.contains("failed") && outbox.stdout.contains("host_key_mismatch"), "\(outbox.stdout)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: w.server.inbound).isEmpty)
    }
}

@Suite("Fetching what agencies return", .serialized)
struct FetchTests {
    struct InboxLine: Codable {
        var id: Int64; var kind: String; var name: String; var state: String; var reason: String?; var sha256: String
    }

    func inbox(_ install: Installation) throws -> [InboxLine] {
        try JSONDecoder().decode([InboxLine].self, from: Data(try install.handoff(["inbox", "--json"]).stdout.utf8))
    }

    /// The agency writes a file into its outbound folder: encrypted to the business and signed.
    func drop(_ text: String, as name: String, by signer: GPGParty, in w: SendTests.World, sign: Bool = true) throws
        -> String
    {
        let sealed = try signer.encrypt(text, to: w.business, sign: sign)
        let target = w.server.outbound + "/" + name
        try? FileManager.default.removeItem(atPath: target)
        try FileManager.default.copyItem(atPath: sealed, toPath: target)
        return String(try shell("/usr/bin/sha256sum", [target]).output.prefix(64))
    }

    static let ack =
        "account_number,reference,result,krp_reference,reason_code,reason_text\r\nA-1001,,ACCEPTED,K000481516,,\r\n"

    @Test(
        """
        Verified, archived unchanged, deduplicated; same name with new content held; wrong signer, corrupt and \
        unparsable files quarantined
        """
    )
    func intake() throws {
        let w = try SendTests().world()
        let name = "KRP_ACK_C10442_KRP_PLC_C10442_20261115_001.csv.pgp"
        let sha = try drop(Self.ack, as: name, by: w.agency, in: w)

        let first = try w.install.handoff(["fetch", "--no-apply"])
        #expect(first.stdout.contains("received (acknowledgement)"), "\(first.stdout)\(first.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: w.server.outbound).isEmpty)
        var lines = try inbox(w.install)
        #expect(
            lines.count == 1 && lines[0].state == "received" && lines[0].kind == "acknowledgement"
                && lines[0].sha256 == sha)
        let archived = w.install.root.appendingPathComponent("var/archive/\(sha.prefix(2))/\(sha)").path
        #expect(String(try shell("/usr/bin/sha256sum", [archived]).output.prefix(64)) == sha)

        // The same file again (KRP re-sent it): skipped, removed, not stored twice.
        try FileManager.default.copyItem(atPath: archived, toPath: w.server.outbound + "/" + name)
        let again = try w.install.handoff(["fetch", "--no-apply"])
        #expect(again.stdout.contains("already received"), "\(again.stdout)")
        #expect(try inbox(w.install).count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: w.server.outbound).isEmpty)

        // The same name with other content: held for a person, never processed.
        _ = try drop(Self.ack.replacingOccurrences(of: "ACCEPTED", with: "REJECTED"), as: name, by: w.agency, in: w)
        _ = try w.install.handoff(["fetch", "--no-apply"])
        lines = try inbox(w.install)
        #expect(lines.last?.state == "held" && lines.last?.reason?.contains("same name as file #1") == true, "\(lines)")

        // Signed by someone else, unsigned, corrupt, or not in the layout: quarantined with the reason.
        let stranger = try GPGParty("Stranger")
        _ = try drop(Self.ack, as: "KRP_ACT_C10442_20261120.csv.pgp", by: stranger, in: w)
        _ = try drop(Self.ack, as: "KRP_ACT_C10442_20261121.csv.pgp", by: w.agency, in: w, sign: false)
        _ = try drop("record_type,wrong\r\n", as: "KRP_ACT_C10442_20261122.csv.pgp", by: w.agency, in: w)
        try Data([0x85, 0x01, 0x02, 0x03]).write(
            to: URL(fileURLWithPath: w.server.outbound + "/KRP_ACT_C10442_20261123.csv.pgp"))
        let bad = try w.install.handoff(["fetch", "--no-apply"])
        #expect(bad.status == 0, "\(bad.stderr)")
        lines = try inbox(w.install)
        let byName = Dictionary(lines.map { ($0.name, $0) }, uniquingKeysWith: { _, later in later })
        #expect(byName["KRP_ACT_C10442_20261120.csv.pgp"]?.state == "quarantined")
        // Each reason names the agency's file, never the archive, in words.
        #expect(
            byName["KRP_ACT_C10442_20261120.csv.pgp"]?.reason?.hasPrefix(
                "KRP_ACT_C10442_20261120.csv.pgp is signed by a key that is not the agency's pinned key") == true,
                "\(String(describing: byName["KRP_ACT_C10442_20261120.csv.pgp"]))")
        #expect(
            byName["KRP_ACT_C10442_20261121.csv.pgp"]?.reason?.hasPrefix(
                "KRP_ACT_C10442_20261121.csv.pgp is not signed") == true)
        #expect(
            !lines.contains { $0.reason?.contains("archive") == true || $0.reason?.contains("wrong_signer") == true },
            "\(lines)")
        #expect(
            byName["KRP_ACT_C10442_20261122.csv.pgp"]?.reason?.contains("HEADER") == true,
            "\(String(describing: byName["KRP_ACT_C10442_20261122.csv.pgp"]))")
        #expect(
            byName["KRP_ACT_C10442_20261123.csv.pgp"]?.reason?.hasPrefix(
                "KRP_ACT_C10442_20261123.csv.pgp cannot be decrypted") == true)
        // Nothing received is lost: every file's raw bytes are in the archive, and the server is empty.
        for line in lines {
            #expect(
                FileManager.default.fileExists(
                    atPath: w.install.root.appendingPathComponent("var/archive/\(line.sha256.prefix(2))/\(line.sha256)")
                        .path))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: w.server.outbound).isEmpty)
    }

    @Test("A crash after the file is recorded but before the remote copy is deleted: the next fetch skips it")
    func crashBeforeDelete() throws {
        let w = try SendTests().world()
        _ = try drop(Self.ack, as: "KRP_ACK_C10442_X.csv.pgp", by: w.agency, in: w)
        let crashed = try w.install.handoff(
            ["fetch", "--no-apply"], environment: ["HANDOFF_CRASH_AT": "fetch.after-commit"])
        #expect(crashed.status == 86)
        #expect(try FileManager.default.contentsOfDirectory(atPath: w.server.outbound) == ["KRP_ACK_C10442_X.csv.pgp"])
        let again = try w.install.handoff(["fetch", "--no-apply"])
        #expect(again.stdout.contains("already received"))
        #expect(try inbox(w.install).count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: w.server.outbound).isEmpty)
    }
}

@Suite("Sending Meridian batches over HTTPS", .serialized)
struct MeridianSendTests {
    @Test(
        """
        PUT once with the batch id as idempotency key; a resend after a crash is answered 200 and nothing is \
        placed twice
        """
    )
    func meridian() throws {
        let certificates = try TestCertificates()
        let events = Handoff.repositoryRoot.appendingPathComponent(
            "Tests/HandoffLayoutTests/Fixtures/MCC_events_after_117.json"
        ).path
        let server = try TestHTTPSServer(certificates: certificates, fail503: 1, eventsFile: events)
        let install = try Installation(timezone: "America/Toronto", currency: "CAD")
        try install.usePartners(["meridian-commercial"])
        let path = install.root.appendingPathComponent("partners/meridian-commercial.toml").path
        var text = try String(contentsOfFile: path, encoding: .utf8)
        for (old, new) in [
            "base_url = \"https://api.meridian.example/v2\"": "base_url = \"\(server.baseURL)\"",
            "ca_file = \"/etc/handoff/keys/meridian-ca.pem\"": "ca_file = \"\(certificates.caFile)\"",
            "client_certificate_file = \"/etc/handoff/keys/meridian-client.pem\"":
                "client_certificate_file = \"\(certificates.clientCert)\"",
            "client_key_file = \"/etc/handoff/keys/meridian-client.key\"":
                "client_key_file = \"\(certificates.clientKey)\""
        ] {
            try #require(text.contains(old))
            text = text.replacingOccurrences(of: old, with: new)
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try install.importSampleData()
        #expect(try install.handoff(["place", "--as-of", "2026-11-15", "--quiet"]).status == 0)
        let secret = ["HANDOFF_MERIDIAN_SECRET": server.secret]

        // Without the secret in the environment, nothing is sent and the reason says why.
        let noSecret = try install.handoff(["send"])
        #expect(noSecret.stdout.contains("HANDOFF_MERIDIAN_SECRET"), "\(noSecret.stdout)")
        #expect(server.requests().isEmpty)
        #expect(try install.handoff(["outbox"]).stdout.contains("failed"))
        // Once the secret is set, a person puts the transfer back in line.
        #expect(try install.handoff(["outbox", "retry", "1"]).status == 0)
        #expect(
            try install.handoff(["outbox", "retry", "1"]).stderr.contains(
                "only a failed transfer can be retried by hand"))

        let crashed = try install.handoff(
            ["send"], environment: secret.merging(["HANDOFF_CRASH_AT": "send.after-upload"]) { a, _ in a })
        #expect(crashed.status == 86)
        let resumed = try install.handoff(["send"], environment: secret)
        #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
        #expect(
            resumed.stdout.contains("MCC_batch_HO-20261115-001.txt")
                && resumed.stdout.contains("already at the agency"), "\(resumed.stdout)")

        let staged = install.root.appendingPathComponent(
            "var/staging/meridian-commercial/MCC_batch_HO-20261115-001.txt"
        ).path
        let sha = String(try shell("/usr/bin/sha256sum", [staged]).output.prefix(64))
        let puts = server.requests().filter { $0["method"] as? String == "PUT" }
        #expect(puts.map { $0["status"] as? Int } == [503, 201, 200])
        #expect(
            puts.allSatisfy {
                $0["path"] as? String == "/v2/placements/HO-20261115-001"
                    && $0["idempotency_key"] as? String == "HO-20261115-001"
                                  && $0["body_sha256"] as? String == sha })
        #expect(try dbCount(install, "SELECT COUNT(*) FROM outbox WHERE state = 'confirmed'") == 1)

        // The event feed: every event stored once, by id, and the cursor kept.
        let fetched = try install.handoff(["fetch", "--no-apply"], environment: secret)
        #expect(
            fetched.stdout.contains("event:0d9e8f7a-6b5c-4d3e-8f2a-1b0c9d8e7f61")
                && fetched.stdout.contains("received (payment.collected)"),
                "\(fetched.stdout)\(fetched.stderr)")
        #expect(
            fetched.stdout.contains("receipt:HO-20261115-001")
                && fetched.stdout.contains("received (receipt); status processed is final: no longer polled"),
                "\(fetched.stdout)")
        #expect(try install.sqlValue("SELECT state FROM placement_batches") == "receipted")
        #expect(try dbCount(install, "SELECT COUNT(*) FROM inbox WHERE state = 'received' AND kind != 'receipt'") == 4)
        #expect(try install.sqlValue("SELECT cursor FROM feed_cursors") == "121")
        let quiet = try install.handoff(["fetch", "--no-apply"], environment: secret).stdout
        #expect(
            quiet.contains("no new events") && !quiet.contains("receipt:"),
            "a processed batch's receipt is not polled again: \(quiet)")
        #expect(
            server.requests().filter {
                $0["method"] as? String == "GET" && ($0["path"] as? String)?.hasPrefix("/v2/placements/") == true
            }.count == 1)
        // The same events replayed (the cursor lost): nothing is stored twice.
        try install.sqlExecute("UPDATE feed_cursors SET cursor = '0'")
        _ = try install.handoff(["fetch", "--no-apply"], environment: secret)
        #expect(try dbCount(install, "SELECT COUNT(*) FROM inbox") == 5)
    }
}
