import Foundation
import HandoffTestSupport
import Testing

/// `handoff serve` beyond localhost: HTTPS from `[server] tls_certificate_file` and
/// `tls_key_file`, so that the dashboard's Secure cookie works on a LAN; and a refusal to serve
/// plain HTTP at an address other than loopback unless an HTTPS proxy is said to be in front.
@Suite("handoff serve over HTTPS", .serialized)
struct ServeTLSTests {
    static let token = "tls-token-0123456789abcdef"

    func setServer(_ install: Installation, host: String, extra: String) throws {
        let config = try String(contentsOfFile: install.configPath, encoding: .utf8)
            .replacingOccurrences(
                of: #"(?m)^host = "[^"]*"$"#, with: "host = \"\(host)\"\n\(extra)", options: .regularExpression)
        try config.write(toFile: install.configPath, atomically: true, encoding: .utf8)
    }

    @Test("Plain HTTP on a LAN address is refused at start with what to set; behind_https_proxy allows it")
    func plainHTTPBeyondLoopback() throws {
        let install = try Installation()
        try install.jobsOnDemandOnly()
        try setServer(install, host: "0.0.0.0", extra: "")
        let refused = try install.handoff(
            ["serve", "--port", String(try freeLoopbackPort())], environment: ["HANDOFF_API_TOKEN": Self.token])
        #expect(
            refused.status == 1 && refused.stderr.contains("tls_certificate_file")
                && refused.stderr.contains("behind_https_proxy"), "\(refused.stderr)")

        try setServer(install, host: "0.0.0.0", extra: "behind_https_proxy = true")
        let port = try freeLoopbackPort()
        let pid = try spawn(Handoff.binary.path, ["--config", install.configPath, "serve", "--port", String(port)],
            outputPath: install.root.appendingPathComponent("serve.log").path,
            environment: ["HANDOFF_API_TOKEN": Self.token])
        defer { kill(pid, SIGTERM); _ = waitFor(pid) }
        try waitForPort(port)
        #expect(
            try shell(
                "/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/healthz"]
            ).output == "200")
    }

    @Test("With a certificate and key it serves HTTPS only: the health check, the API and the dashboard's login cookie")
    func https() throws {
        let certificates = try TestCertificates()
        let install = try Installation()
        try install.jobsOnDemandOnly()
        try install.importSampleData()
        try setServer(install, host: "127.0.0.1",
            extra: "tls_certificate_file = \"\(certificates.serverCert)\"\ntls_key_file = \"\(certificates.serverKey)\""
        )
        let port = try freeLoopbackPort()
        let pid = try spawn(Handoff.binary.path, ["--config", install.configPath, "serve", "--port", String(port)],
            outputPath: install.root.appendingPathComponent("serve.log").path,
            environment: ["HANDOFF_API_TOKEN": Self.token])
        defer { kill(pid, SIGTERM); _ = waitFor(pid) }
        try waitForPort(port)
        let base = "https://127.0.0.1:\(port)"
        func curl(_ args: [String]) throws -> String {
            try shell("/usr/bin/curl", ["-s", "--cacert", certificates.caFile] + args).output
        }
        #expect(try curl(["-o", "/dev/null", "-w", "%{http_code}", base + "/healthz"]) == "200")
        #expect(
            try curl(["-H", "Authorization: Bearer \(Self.token)", base + "/api/v1/accounts?limit=1"]).contains(
                "\"total\":36"))
        let login = try curl(["-D", "-", "-o", "/dev/null", "--data-urlencode", "token=\(Self.token)", base + "/login"])
        #expect(login.lowercased().contains("set-cookie: handoff_session=") && login.contains("Secure"), "\(login)")
        // The certificate is checked by the client as any browser would: another CA is refused.
        #expect(
            try shell(
                "/usr/bin/curl",
                ["-s", "--cacert", certificates.otherCA, "-o", "/dev/null", "-w", "%{http_code}", base + "/healthz"]
            ).output == "000")
        // Plain HTTP on the same port gets no answer from the API.
        #expect(
            try shell(
                "/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/healthz"]
            ).output != "200")
    }

    @Test("A missing key file is a configuration error naming the key")
    func halfConfigured() throws {
        let install = try Installation()
        try setServer(install, host: "127.0.0.1", extra: "tls_certificate_file = \"/etc/ssl/handoff.pem\"")
        let r = try install.handoff(
            ["serve", "--port", String(try freeLoopbackPort())], environment: ["HANDOFF_API_TOKEN": Self.token])
        #expect(r.status == 1 && r.stderr.contains("server.tls_key_file") && r.stderr.contains("both"), "\(r.stderr)")
    }
}
