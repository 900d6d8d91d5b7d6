import Foundation
import HandoffTestSupport
import HandoffTransport
import Testing

/// Sends a 200 MB file over loopback SFTP with Handoff and with `curl -T` (same server, same
/// key), checks both arrive intact, and prints both throughputs for docs/benchmarks.md. It
/// asserts correctness, never a speed.
@Suite("Transfer throughput", .serialized)
struct ThroughputTests {
    @Test("200 MB over SFTP: Handoff beside curl")
    func sftp200MB() throws {
        let server = try TestSSHServer()
        let file = server.directory.appendingPathComponent("big.bin").path
        try #require(try shell("/bin/sh", ["-c", "head -c 209715200 /dev/urandom > '\(file)'"]).status == 0)
        let sha = String(try shell("/usr/bin/sha256sum", [file]).output.prefix(64))
        let client = try SFTPClient(
            endpoint: SFTPEndpoint(
                host: "127.0.0.1", port: server.port, user: server.user, privateKeyFile: server.clientKey,
                hostKeySHA256: server.hostKeySHA256))
        let t0 = Date()
        #expect(
            try client.upload(localPath: file, directory: server.inbound, name: "handoff.bin")
                == .uploaded(size: 209_715_200))
        let handoffSeconds = Date().timeIntervalSince(t0)
        let t1 = Date()
        let curl = try shell("/usr/bin/curl", ["-sS", "--key", server.clientKey, "--pubkey", server.clientKey + ".pub",
                "--hostpubsha256", server.hostKeySHA256, "-u", server.user + ":", "-T", file,
                "sftp://127.0.0.1:\(server.port)\(server.inbound)/curl.bin"])
        let curlSeconds = Date().timeIntervalSince(t1)
        #expect(curl.status == 0, "\(curl.output)")
        #expect(String(try shell("/usr/bin/sha256sum", [server.inbound + "/handoff.bin"]).output.prefix(64)) == sha)
        #expect(String(try shell("/usr/bin/sha256sum", [server.inbound + "/curl.bin"]).output.prefix(64)) == sha)
        let mb = 200.0
        print(String(format: "THROUGHPUT sftp 200 MB: handoff %.1f MB/s (%.2f s), curl %.1f MB/s (%.2f s), ratio %.2f",
                     mb / handoffSeconds, handoffSeconds, mb / curlSeconds, curlSeconds, curlSeconds / handoffSeconds))
    }
}
