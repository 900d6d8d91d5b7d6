public import Foundation

/// A real mail server (Debian's python3-aiosmtpd, `smtp_test_server.py`) on a free loopback
/// port, with a certificate made for the test and STARTTLS required. Each message it accepted
/// is a file in ``outDirectory``; every attempt is a line of its log.
public final class TestSMTPServer {
    public let port: Int
    public let outDirectory: String
    public let logPath: String
    private var pid: pid_t

    /// `smtp://127.0.0.1:PORT`.
    public var url: String { "smtp://127.0.0.1:\(port)" }

    public init(
        certificates c: TestCertificates, useOtherServerCertificate: Bool = false, fail4xx: Int = 0,
        reject: [String] = [],
        user: String? = nil, password: String? = nil, offerSTARTTLS: Bool = true
    ) throws {
        port = try freeLoopbackPort()
        outDirectory = c.directory.path + "/mail-\(port)"
        logPath = c.directory.path + "/smtp-\(port).jsonl"
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "smtp_test_server.py"
        ).path
        var arguments = [
            script, "--port", String(port), "--cert", useOtherServerCertificate ? c.otherServerCert : c.serverCert,
            "--key", useOtherServerCertificate ? c.otherServerKey : c.serverKey, "--out", outDirectory, "--log",
            logPath,
            "--fail-4xx", String(fail4xx),
        ]
        for address in reject { arguments += ["--reject", address] }
        if let user, let password { arguments += ["--user", user, "--password", password] }
        if !offerSTARTTLS { arguments.append("--no-starttls") }
        pid = try spawn("/usr/bin/python3", arguments, outputPath: c.directory.path + "/smtp-\(port).log")
        try waitForPort(port, seconds: 20)
    }

    /// The messages accepted so far, in order, as their raw bytes.
    public func messages() -> [Data] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: outDirectory)) ?? []).filter {
            $0.hasSuffix(".eml")
        }.sorted()
        return names.compactMap { FileManager.default.contents(atPath: outDirectory + "/" + $0) }
    }

    /// Every event the server logged (`accepted`, `data_deferred`, `rcpt_rejected`, `auth`), in order.
    public func events() -> [[String: Any]] {
        ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// The server's own output (for a failing test's message).
    public var output: String {
        (try? String(
            contentsOfFile: (logPath as NSString).deletingLastPathComponent + "/smtp-\(port).log", encoding: .utf8))
            ?? ""
    }

    public func stop() {
        guard pid > 0 else { return }
        kill(pid, SIGKILL)
        _ = waitFor(pid)
        pid = 0
    }

    deinit { stop() }
}
