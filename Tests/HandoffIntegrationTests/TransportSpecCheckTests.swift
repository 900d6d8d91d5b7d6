import Foundation
import HandoffTestSupport
import Testing

/// `[transport]` is checked when partner files load: `handoff partners check` names every
/// problem in it with its file and key, and nothing is read later with a silent default.
@Suite("partners check names every problem in [transport]")
struct TransportSpecCheckTests {
    /// A shipped partner file with lines replaced, and the problems `partners check` must name (in its order).
    static let cases: [(partner: String, replacements: [(String, String)], errors: [String])] = [
        ("meridian-commercial", [("requests_per_second = 10", "request_per_second = 10")],
         ["transport.request_per_second: is not a known key of a https transport"]),
        ("meridian-commercial", [("string_to_sign = \"{timestamp}\\n{method}\\n{path}\\n{body_sha256}\"\n", "")],
         ["transport.signing.string_to_sign: is required"]),
        (
            "meridian-commercial",
            [("signature_header = \"X-MCC-Signature\"\n", ""), ("timestamp_header = \"X-MCC-Timestamp\"\n", "")],
         ["transport.signing.signature_header: is required", "transport.signing.timestamp_header: is required"]),
        ("meridian-commercial", [("items = \"events\", ", ""), ("placement = { method = \"PUT\", ", "placement = { ")],
         ["transport.events.items: is required", "transport.placement.method: is required"]),
        ("meridian-commercial", [("secret_env = \"HANDOFF_MERIDIAN_WEBHOOK_SECRET\"", "secret = \"hunter2\"")],
         ["transport.webhook.secret: a secret is never written in a partner file: use secret_env or secret_file",
          "transport.webhook: needs secret_env or secret_file: the secret the agency signs its pushes with"]),
        (
            "meridian-commercial",
            [("\"/accounts/{account.number}/recall\", fields", "\"/accounts/{account.number}/recall\", feilds")],
         ["transport.requests.recall.feilds: is not a known key"]),
        ("keystone-recovery", [("upload_dir = \"/inbound\"\n", ""), ("port = 22", "port = \"22\"")],
         ["transport.port: must be a whole number, not a string", "transport.upload_dir: is required for SFTP"]),
        ("local-folder", [("inbox = \"var/agencies/local-folder/outbound\"", "timeout_seconds = 0")],
            [
                "transport.timeout_seconds: must be between 1 and 3600, not 0",
                "transport.inbox: is required for a local transport",
            ]
        ),
    ]

    @Test("Each bad [transport] key is named with its file and key, and the partner is not used",
          arguments: 0..<TransportSpecCheckTests.cases.count)
    func badTransport(index: Int) throws {
        let (partner, replacements, errors) = Self.cases[index]
        let install = try Installation()
        try install.usePartners([partner])
        let before = try install.handoff(["partners", "check"])
        #expect(before.status == 0, "\(before.stderr)")
        let path = install.root.appendingPathComponent("partners/\(partner).toml").path
        var text = try String(contentsOfFile: path, encoding: .utf8)
        for (line, replacement) in replacements {
            try #require(text.contains(line), "\(partner).toml holds no \(line)")
            text = text.replacingOccurrences(of: line, with: replacement)
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let check = try install.handoff(["partners", "check"])
        #expect(check.status == 1)
        for error in errors {
            #expect(check.stderr.contains("error  \(path): \(error)\n"), "\(error)\n\(check.stderr)")
        }
        let count = errors.count
        #expect(
            check.stderr.contains("Error: \(count) problem\(count == 1 ? "" : "s") in partner files"), "\(check.stderr)"
        )
    }
}
