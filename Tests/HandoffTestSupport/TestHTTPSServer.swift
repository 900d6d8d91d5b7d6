public import Foundation

/// Certificates made with `openssl` for one test: a CA, a server certificate for 127.0.0.1,
/// a client certificate, and a second, unrelated CA with its own server certificate.
public final class TestCertificates {
    public let directory: URL
    public var caFile: String { directory.path + "/ca.pem" }
    public var serverCert: String { directory.path + "/server.pem" }
    public var serverKey: String { directory.path + "/server.key" }
    public var clientCert: String { directory.path + "/client.pem" }
    public var clientKey: String { directory.path + "/client.key" }
    public var otherCA: String { directory.path + "/other-ca.pem" }
    public var otherServerCert: String { directory.path + "/other-server.pem" }
    public var otherServerKey: String { directory.path + "/other-server.key" }
    public var otherClientCert: String { directory.path + "/other-client.pem" }
    public var otherClientKey: String { directory.path + "/other-client.key" }

    public init() throws {
        directory = try temporaryDirectory("certs")
        let d = directory.path
        func openssl(_ args: [String]) throws {
            let r = try shell("/usr/bin/openssl", args)
            guard r.status == 0 else { throw TestSetupError("openssl \(args.joined(separator: " ")): \(r.output)") }
        }
        try "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n".write(
            toFile: d + "/server.ext", atomically: true, encoding: .utf8)
        try "extendedKeyUsage=clientAuth\n".write(toFile: d + "/client.ext", atomically: true, encoding: .utf8)
        for ca in ["ca", "other-ca"] {
            try openssl([
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                "\(d)/\(ca).key",
                "-out", "\(d)/\(ca).pem", "-days", "2", "-subj", "/CN=Handoff test \(ca)"])
        }
        for (name, ca, ext) in [
            ("server", "ca", "server"), ("client", "ca", "client"), ("other-server", "other-ca", "server"),
            ("other-client", "other-ca", "client")] {
            try openssl([
                "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(d)/\(name).key",
                "-out", "\(d)/\(name).csr", "-subj", ext == "server" ? "/CN=127.0.0.1" : "/CN=HANDOFF01"])
            try openssl([
                "x509", "-req", "-in", "\(d)/\(name).csr", "-CA", "\(d)/\(ca).pem", "-CAkey", "\(d)/\(ca).key",
                "-CAcreateserial",
                "-out", "\(d)/\(name).pem", "-days", "2", "-extfile", "\(d)/\(ext).ext"])
        }
    }

    deinit { try? FileManager.default.removeItem(at: directory) }
}

/// The Meridian-like HTTPS server (`mcc_test_server.py`) on a free loopback port.
public final class TestHTTPSServer {
    public let port: Int
    public let logPath: String
    public let secret: String
    private var pid: pid_t

    public var baseURL: String { "https://127.0.0.1:\(port)/v2" }

    public init(
        certificates c: TestCertificates, useOtherServerCertificate: Bool = false, fail429: Int = 0, fail503: Int = 0,
        secret: String = "test-secret-\(UUID().uuidString)", eventsFile: String? = nil, resetHandshakes: Int = 0,
        stall: Int = 0,
        silent: Int = 0, clockOffset: Int = 0) throws {
        port = try freeLoopbackPort()
        logPath = c.directory.path + "/requests-\(port).jsonl"
        self.secret = secret
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "mcc_test_server.py"
        ).path
        pid = try spawn("/usr/bin/python3", [script, "--port", String(port),
                                             "--cert", useOtherServerCertificate ? c.otherServerCert : c.serverCert,
                                             "--key", useOtherServerCertificate ? c.otherServerKey : c.serverKey,
                                             "--client-ca", c.caFile, "--secret", secret, "--log", logPath,
                                             "--fail-429", String(fail429), "--fail-503", String(fail503),
                "--reset-handshakes", String(resetHandshakes), "--stall", String(stall), "--silent", String(silent),
                "--clock-offset", String(clockOffset)]
                                             + (eventsFile.map { ["--events", $0] } ?? []),
                        outputPath: c.directory.path + "/server-\(port).log")
        try waitForPort(port)
    }

    /// Every request the server authenticated (and the 401s, stalls and resets), in order.
    public func requests() -> [[String: Any]] {
        ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    public func stop() {
        guard pid > 0 else { return }
        kill(pid, SIGKILL)
        _ = waitFor(pid)
        pid = 0
    }

    deinit { stop() }
}
