import Foundation
import HandoffTestSupport
import Testing

/// Faults on the wire (issue 12, findings 11-16): real servers, faults injected mid-transfer.
/// In each case the error says what happened, nothing is lost, and a retry delivers once.
@Suite("Faults on the wire", .serialized)
struct WireFaultTests {
    struct OutboxLine: Codable {
        var id: Int64; var kind: String; var remote_name: String; var state: String; var attempts: Int;
        var last_error: String?
    }

    static func outbox(_ install: Installation) throws -> [OutboxLine] {
        try JSONDecoder().decode([OutboxLine].self, from: Data(try install.handoff(["outbox", "--json"]).stdout.utf8))
    }

    static func batchState(_ install: Installation) throws -> String? {
        try install.sqlValue("SELECT state FROM placement_batches ORDER BY id LIMIT 1")
    }

    static let data = "KRP_PLC_C10442_20261115_001.csv.pgp"
    static let control = "KRP_PLC_C10442_20261115_001.ctl"

    @Test(
        """
        Finding 11: a different file with our name and our size at the agency is a conflict, not a delivery; \
        the control file is not sent
        """
    )
    func sameNameSameSize() throws {
        let w = try SendTests().world()
        // Our file arrives, then the process dies before recording it...
        #expect(try w.install.handoff(["send"], environment: ["HANDOFF_CRASH_AT": "send.after-upload"]).status == 86)
        // ...and meanwhile the agency's folder holds another file of that name and size.
        let remote = w.server.inbound + "/" + Self.data
        let size = try #require(try FileManager.default.attributesOfItem(atPath: remote)[.size] as? NSNumber).intValue
        try Data(repeating: 0x41, count: size).write(to: URL(fileURLWithPath: remote))

        let sent = try w.install.handoff(["send"])
        #expect(sent.status == 1, "\(sent.stdout)\(sent.stderr)")
        #expect(!sent.stdout.contains("already at the agency (not sent again)"), "\(sent.stdout)")
        #expect(
            sent.stdout.contains("failed: conflict: a different file named \(Self.data) is already at the agency"),
            "\(sent.stdout)")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: w.server.inbound) == [Self.data],
            "the control file must not be sent")
        let lines = try Self.outbox(w.install)
        #expect(lines.map(\.state) == ["failed", "staged"], "\(lines)")
        #expect(lines[0].last_error?.hasPrefix("conflict: a different file named \(Self.data)") == true)
        #expect(try Self.batchState(w.install) == "queued")
        #expect(try dbCount(w.install, "SELECT COUNT(*) FROM placements WHERE state = 'sent'") == 0)
        // The agency's file is untouched.
        #expect(try Data(contentsOf: URL(fileURLWithPath: remote)) == Data(repeating: 0x41, count: size))
    }

    @Test("Finding 12: a file of our name with another size is a conflict (not a network error) and is not retried")
    func sameNameOtherSize() throws {
        let w = try SendTests().world()
        let remote = w.server.inbound + "/" + Self.data
        try Data(repeating: 0x42, count: 32).write(to: URL(fileURLWithPath: remote))
        let sent = try w.install.handoff(["send"])
        #expect(sent.status == 1, "\(sent.stdout)\(sent.stderr)")
        #expect(
            sent.stdout.contains("failed: conflict: a different file named \(Self.data) is already at the agency"),
            "\(sent.stdout)")
        #expect(!sent.stdout.contains("network"), "\(sent.stdout)")
        let lines = try Self.outbox(w.install)
        #expect(lines.map(\.state) == ["failed", "staged"] && lines[0].attempts == 1, "\(lines)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: w.server.inbound) == [Self.data])
        #expect(try Data(contentsOf: URL(fileURLWithPath: remote)).count == 32)
        // A later run names the file that failed, with why, and how to retry it: not only "see handoff outbox".
        let later = try w.install.handoff(["send"])
        #expect(
            later.status == 1 && later.stderr.contains("1 file failed permanently:")
                && later.stderr.contains("\(Self.data): conflict: a different file named")
                    && later.stderr.contains("handoff outbox retry"), "\(later.stderr)")

        // Once the agency has moved its file away, a person retries and ours goes exactly once.
        try FileManager.default.removeItem(atPath: remote)
        #expect(try w.install.handoff(["outbox", "retry", String(lines[0].id)]).status == 0)
        let again = try w.install.handoff(["send"])
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: w.server.inbound).sorted() == [Self.data, Self.control])
        #expect(try Self.outbox(w.install).map(\.state) == ["confirmed", "confirmed"])
        #expect(try Self.batchState(w.install) == "sent")
    }

    // MARK: Finding 15: labels that say what happened

    @Test(
        """
        Finding 15: a folder that refuses writes after a good login is a permission error, not authentication; \
        fixed, the file goes once
        """
    )
    func folderRefusesWrites() throws {
        let w = try SendTests().world(sftpOptions: "-R")
        let sent = try w.install.handoff(["send"])
        #expect(sent.status == 1, "\(sent.stdout)\(sent.stderr)")
        #expect(
            sent.stdout.contains(
                "failed: permission: the agency's folder \(w.server.inbound) refused the write of \(Self.data).part"),
            "\(sent.stdout)")
        #expect(!sent.stdout.contains("authentication"), "\(sent.stdout)")
        let lines = try Self.outbox(w.install)
        #expect(lines.map(\.state) == ["failed", "staged"], "\(lines)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: w.server.inbound).isEmpty)

        try w.server.restart(sftpOptions: "")
        #expect(try w.install.handoff(["outbox", "retry", String(lines[0].id)]).status == 0)
        let again = try w.install.handoff(["send"])
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: w.server.inbound).sorted() == [Self.data, Self.control])
        #expect(try Self.outbox(w.install).map(\.state) == ["confirmed", "confirmed"])
    }

    @Test(
        """
        Finding 15: a refused delete after a file is recorded says so (not rename_failed); nothing is taken \
        twice, and it goes once allowed
        """
    )
    func deleteRefused() throws {
        let w = try SendTests().world(sftpOptions: "-P remove")
        let name = "KRP_ACK_C10442_KRP_PLC_C10442_20261115_001.csv.pgp"
        _ = try FetchTests().drop(FetchTests.ack, as: name, by: w.agency, in: w)
        let first = try w.install.handoff(["fetch", "--no-apply"])
        #expect(
            first.stdout.contains(
                """
                received (acknowledgement); but not removed from the server: permission: the agency's server \
                refused to delete
                """
            ),
                "\(first.stdout)")
        #expect(!first.stdout.contains("rename_failed"), "\(first.stdout)")
        #expect(first.status == 1, "\(first.stdout)\(first.stderr)")
        #expect(try dbCount(w.install, "SELECT COUNT(*) FROM inbox") == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: w.server.outbound) == [name])

        let second = try w.install.handoff(["fetch", "--no-apply"])
        #expect(second.stdout.contains("already received"), "\(second.stdout)")
        #expect(try dbCount(w.install, "SELECT COUNT(*) FROM inbox") == 1)

        try w.server.restart(sftpOptions: "")
        let third = try w.install.handoff(["fetch", "--no-apply"])
        #expect(third.status == 0, "\(third.stdout)\(third.stderr)")
        #expect(
            third.stdout.contains("already received (same name and content): skipped, removed from the server"),
            "\(third.stdout)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: w.server.outbound).isEmpty)
        #expect(try dbCount(w.install, "SELECT COUNT(*) FROM inbox") == 1)
    }

    static var root: Bool { getuid() == 0 }

    /// A small tmpfs mounted on `path` and filled up: a full disk there until `free()`.
    final class FullDisk {
        let path: String
        init(_ path: String) throws {
            self.path = path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            let mounted = try shell("/bin/mount", ["-t", "tmpfs", "-o", "size=128k", "tmpfs", path])
            try #require(mounted.status == 0, "mount: \(mounted.output)")
            try shell("/bin/sh", ["-c", "dd if=/dev/zero of='\(path)/filler' bs=4096 2>/dev/null; true"])
        }
        func free() { unlink(path + "/filler") }
        deinit { _ = try? shell("/bin/umount", ["-l", path]) }
    }

    @Test(
        """
        Finding 15: a full disk while a fetched file is written names the local path and says no space is left; \
        nothing lost, then taken once
        """,
        .enabled(if: WireFaultTests.root))
    func fullDiskWhileFetching() throws {
        let w = try SendTests().world()
        let name = "KRP_ACK_C10442_KRP_PLC_C10442_20261115_001.csv.pgp"
        _ = try FetchTests().drop(FetchTests.ack, as: name, by: w.agency, in: w)
        let incoming = w.install.root.appendingPathComponent("var/incoming/keystone-recovery").path
        let disk = try FullDisk(incoming)
        let full = try w.install.handoff(["fetch", "--no-apply"])
        #expect(
            full.stdout.contains(
                "failed, left on the server: no_space: \(incoming)/\(name).download: no space left on the device"),
            "\(full.stdout)")
        #expect(!full.stdout.contains("Failure writing output"), "\(full.stdout)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: w.server.outbound) == [name])
        #expect(try dbCount(w.install, "SELECT COUNT(*) FROM inbox") == 0)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: incoming) == ["filler"],
            "no partial download is left behind")

        disk.free()
        let again = try w.install.handoff(["fetch", "--no-apply"])
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(again.stdout.contains("received (acknowledgement)"), "\(again.stdout)")
        #expect(try dbCount(w.install, "SELECT COUNT(*) FROM inbox") == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: w.server.outbound).isEmpty)
    }

    @Test(
        """
        A full disk where files are prepared to send: the batch stays staged with the path and 'no space'; once \
        freed it goes once
        """,
        .enabled(if: WireFaultTests.root))
    func fullDiskWhileQueueing() throws {
        let w = try SendTests().world()
        let outgoing = w.install.root.appendingPathComponent("var/outgoing/keystone-recovery").path
        let disk = try FullDisk(outgoing)
        let full = try w.install.handoff(["send"])
        #expect(
            full.stdout.contains("not queued (still staged): no_space: \(outgoing): no space left on the device"),
            "\(full.stdout)")
        #expect(try Self.batchState(w.install) == "staged")
        #expect(try Self.outbox(w.install).isEmpty)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: outgoing) == ["filler"],
            "nothing half-written is left behind")
        #expect(try FileManager.default.contentsOfDirectory(atPath: w.server.inbound).isEmpty)

        disk.free()
        let again = try w.install.handoff(["send"])
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: w.server.inbound).sorted() == [Self.data, Self.control])
        #expect(try Self.outbox(w.install).map(\.state) == ["confirmed", "confirmed"])
    }

    // MARK: Finding 16: time and exit statuses

    /// Meridian's partner file pointed at a test server, with a short timeout, and a placement made.
    static func meridian(_ server: TestHTTPSServer, _ certificates: TestCertificates, timeout: Int = 2) throws
        -> Installation
    {
        let install = try Installation(timezone: "America/Toronto", currency: "CAD")
        var text = try Installation.meridianPartnerText(server: server, certificates: certificates)
        try #require(text.contains("base_url = "))
        text = text.replacingOccurrences(of: "base_url = ", with: "timeout_seconds = \(timeout)\nbase_url = ")
        try text.write(
            toFile: install.root.appendingPathComponent("partners/meridian-commercial.toml").path, atomically: true,
            encoding: .utf8)
        try install.importSampleData()
        try #require(try install.handoff(["place", "--as-of", "2026-11-15", "--quiet"]).status == 0)
        return install
    }

    /// Makes every transfer waiting to be retried due now (as time passing would).
    static func makeDue(_ install: Installation) throws {
        try install.sqlExecute("UPDATE outbox SET not_before = 0 WHERE state = 'retry_later'")
    }

    @Test(
        """
        Finding 16: a stalled HTTPS server holds send no longer than the budget (2 x timeout_seconds), exits 75 \
        with the file retry_later; the retry puts it once
        """
    )
    func stalledHTTPS() throws {
        let certificates = try TestCertificates()
        let server = try TestHTTPSServer(certificates: certificates, stall: 1)
        let install = try Self.meridian(server, certificates)
        let secret = ["HANDOFF_MERIDIAN_SECRET": server.secret]
        let started = Date()
        let stalled = try install.handoff(["send"], environment: secret)
        let took = Date().timeIntervalSince(started)
        #expect(stalled.status == 75, "\(stalled.stdout)\(stalled.stderr)")
        #expect(took < 5.5, "send took \(took) s with timeout_seconds = 2")
        #expect(
            stalled.stdout.contains("will retry after") && stalled.stdout.contains("timed_out"), "\(stalled.stdout)")
        var lines = try Self.outbox(install)
        #expect(lines.map(\.state) == ["retry_later"] && lines[0].attempts == 1, "\(lines)")
        #expect(lines[0].last_error?.contains("no more attempts in this run") == true, "\(lines)")
        #expect(server.requests().map { "\($0["status"] ?? "")" } == ["stalled"])

        // Not due yet: nothing is tried, and the run still says work is waiting.
        let early = try install.handoff(["send"], environment: secret)
        #expect(early.status == 75 && server.requests().count == 1, "\(early.stdout)")

        try Self.makeDue(install)
        let retried = try install.handoff(["send"], environment: secret)
        #expect(retried.status == 0, "\(retried.stdout)\(retried.stderr)")
        lines = try Self.outbox(install)
        #expect(lines.map(\.state) == ["confirmed"], "\(lines)")
        let puts = server.requests().filter { $0["method"] as? String == "PUT" }
        #expect(puts.map { "\($0["status"] ?? "")" } == ["stalled", "201"])
    }

    @Test(
        """
        Finding 13: resets during the TLS handshake on every attempt leave the file retry_later (exit 75), not \
        failed; the retry puts it once
        """
    )
    func resetHandshakeSend() throws {
        let certificates = try TestCertificates()
        let server = try TestHTTPSServer(certificates: certificates, resetHandshakes: 5)
        let install = try Self.meridian(server, certificates, timeout: 10)
        let secret = ["HANDOFF_MERIDIAN_SECRET": server.secret]
        let sent = try install.handoff(["send"], environment: secret)
        #expect(sent.status == 75, "\(sent.stdout)\(sent.stderr)")
        #expect(
            sent.stdout.contains("will retry after") && sent.stdout.contains("network:")
                && sent.stdout.contains("Connection reset by peer"),
                "\(sent.stdout)")
        #expect(try Self.outbox(install).map(\.state) == ["retry_later"])
        try Self.makeDue(install)
        let retried = try install.handoff(["send"], environment: secret)
        #expect(retried.status == 0, "\(retried.stdout)\(retried.stderr)")
        #expect(try Self.outbox(install).map(\.state) == ["confirmed"])
        #expect(server.requests().filter { $0["method"] as? String == "PUT" }.map { $0["status"] as? Int } == [201])
    }

    @Test("Finding 14: with this machine's clock 10 minutes ahead, send says so from the server's Date header")
    func clockAheadSend() throws {
        let certificates = try TestCertificates()
        let server = try TestHTTPSServer(certificates: certificates, clockOffset: -600)
        let install = try Self.meridian(server, certificates)
        let sent = try install.handoff(["send"], environment: ["HANDOFF_MERIDIAN_SECRET": server.secret])
        #expect(sent.status == 1, "\(sent.stdout)\(sent.stderr)")
        #expect(
            sent.stdout.contains("HTTP 401")
                && sent.stdout.contains(
                    """
                    the agency refused the signature; this machine's clock is about 600 s ahead of the server's \
                    (Date header)
                    """
                ),
                "\(sent.stdout)")
    }

    @Test(
        """
        Finding 16: a stalled event feed: fetch ends within the budget and exits 75; the next fetch takes each \
        event once
        """
    )
    func stalledFeed() throws {
        let certificates = try TestCertificates()
        let events = Handoff.repositoryRoot.appendingPathComponent(
            "Tests/HandoffLayoutTests/Fixtures/MCC_events_after_117.json"
        ).path
        let server = try TestHTTPSServer(certificates: certificates, eventsFile: events, stall: 1)
        let install = try Self.meridian(server, certificates)
        let secret = ["HANDOFF_MERIDIAN_SECRET": server.secret]
        let started = Date()
        let stalled = try install.handoff(["fetch", "--no-apply"], environment: secret)
        #expect(Date().timeIntervalSince(started) < 5.5)
        #expect(stalled.status == 75, "\(stalled.stdout)\(stalled.stderr)")
        #expect(
            stalled.stdout.contains("event feed") && stalled.stdout.contains("failed: timed_out"), "\(stalled.stdout)")
        #expect(try dbCount(install, "SELECT COUNT(*) FROM inbox") == 0)
        let again = try install.handoff(["fetch", "--no-apply"], environment: secret)
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(try dbCount(install, "SELECT COUNT(*) FROM inbox") == 4)
        #expect(try install.handoff(["fetch", "--no-apply"], environment: secret).status == 0)
        #expect(try dbCount(install, "SELECT COUNT(*) FROM inbox") == 4)
    }

    @Test(
        """
        Finding 16: a frozen sshd: send ends within the timeout and exits 75 with the file retry_later; after it \
        recovers the file goes once
        """
    )
    func frozenSSHSend() throws {
        let w = try SendTests().world(timeoutSeconds: 2)
        w.server.freeze()
        let started = Date()
        let frozen = try w.install.handoff(["send"])
        let took = Date().timeIntervalSince(started)
        w.server.thaw()
        #expect(frozen.status == 75, "\(frozen.stdout)\(frozen.stderr)")
        #expect(took < 5.5, "send took \(took) s with timeout_seconds = 2")
        #expect(try Self.outbox(w.install).map(\.state) == ["retry_later", "staged"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: w.server.inbound).isEmpty)
        try Self.makeDue(w.install)
        let again = try w.install.handoff(["send"])
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: w.server.inbound).sorted() == [Self.data, Self.control])
        #expect(try Self.outbox(w.install).map(\.state) == ["confirmed", "confirmed"])
    }

    @Test(
        """
        An sshd that is gone when send runs: a temporary failure (exit 75), nothing at the agency; restarted, \
        the files go once
        """
    )
    func sshdGone() throws {
        let w = try SendTests().world(timeoutSeconds: 2)
        w.server.kill()
        let down = try w.install.handoff(["send"])
        #expect(down.status == 75, "\(down.stdout)\(down.stderr)")
        #expect(
            down.stdout.contains("will retry after") && down.stdout.contains("connection_refused"), "\(down.stdout)")
        #expect(try Self.outbox(w.install).map(\.state) == ["retry_later", "staged"])
        try w.server.restart()
        try Self.makeDue(w.install)
        let again = try w.install.handoff(["send"])
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: w.server.inbound).sorted() == [Self.data, Self.control])
        #expect(try Self.outbox(w.install).map { "\($0.state) \($0.attempts)" } == ["confirmed 2", "confirmed 1"])
    }
}
