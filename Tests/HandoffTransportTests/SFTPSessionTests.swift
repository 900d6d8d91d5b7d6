import Foundation
import HandoffTransport
import HandoffTestSupport
import Testing

/// A small upload in one SSH session (issue 13): the name check, the upload with its rename
/// and the size check share one login. The server logs each login (LogLevel INFO), and the
/// test counts them.
@Suite("SFTP upload in one session", .serialized)
struct SFTPSessionTests {
    /// A server that logs every accepted login.
    func loggingServer() throws -> TestSSHServer {
        let server = try TestSSHServer()
        let config = server.directory.appendingPathComponent("sshd_config").path
        try String(contentsOfFile: config, encoding: .utf8).replacingOccurrences(
            of: "LogLevel ERROR", with: "LogLevel INFO"
        )
            .write(toFile: config, atomically: true, encoding: .utf8)
        try server.restart()
        return server
    }

    func logins(_ server: TestSSHServer) throws -> Int {
        let log = try String(contentsOfFile: server.directory.appendingPathComponent("sshd.log").path, encoding: .utf8)
        return log.components(separatedBy: "Accepted publickey").count - 1
    }

    /// Waits for sshd to have logged `count` logins (it writes its log as the connection closes).
    func waitForLogins(_ server: TestSSHServer, atLeast count: Int) throws -> Int {
        for _ in 0..<50 where try logins(server) < count { usleep(20_000) }
        usleep(100_000)
        return try logins(server)
    }

    func client(_ server: TestSSHServer) throws -> SFTPClient {
        try SFTPClient(
            endpoint: SFTPEndpoint(
                host: "127.0.0.1", port: server.port, user: server.user, privateKeyFile: server.clientKey,
                hostKeySHA256: server.hostKeySHA256, timeoutSeconds: 10))
    }

    func localFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("handoff-one-\(UUID().uuidString).csv")
            .path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("One byte: one login for the check, the upload, the rename and the size check")
    func oneLogin() throws {
        let server = try loggingServer()
        let client = try client(server)
        let path = try localFile("x")
        #expect(try logins(server) == 0)
        #expect(try client.upload(localPath: path, directory: server.inbound, name: "ONE.csv") == .uploaded(size: 1))
        #expect(try waitForLogins(server, atLeast: 1) == 1)
        #expect(try String(contentsOfFile: server.inbound + "/ONE.csv", encoding: .utf8) == "x")
        #expect(try FileManager.default.contentsOfDirectory(atPath: server.inbound) == ["ONE.csv"])
    }

    @Test("Already there: ours counts as delivered, another is a conflict; each in one login, nothing overwritten")
    func alreadyThere() throws {
        let server = try loggingServer()
        let client = try client(server)
        let path = try localFile("a,b\r\n1,2\r\n")
        #expect(try client.upload(localPath: path, directory: server.inbound, name: "KRP.csv") == .uploaded(size: 10))
        #expect(
            try client.upload(localPath: path, directory: server.inbound, name: "KRP.csv") == .alreadyPresent(size: 10))
        #expect(try waitForLogins(server, atLeast: 2) == 2)
        let other = try localFile("a,b\r\n9,9\r\n")
        #expect(throws: TransportError.self) {
            try client.upload(localPath: other, directory: server.inbound, name: "KRP.csv")
        }
        do { _ = try client.upload(localPath: other, directory: server.inbound, name: "KRP.csv") } catch let e
            as TransportError
        {
            #expect(e.kind == .conflict, "\(e)")
        }
        #expect(try String(contentsOfFile: server.inbound + "/KRP.csv", encoding: .utf8) == "a,b\r\n1,2\r\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: server.inbound) == ["KRP.csv"])
    }

    @Test("A folder that is not there fails the upload, and nothing arrives anywhere")
    func refusedWrite() throws {
        let server = try loggingServer()
        let client = try client(server)
        let path = try localFile("x")
        #expect(throws: TransportError.self) {
            try client.upload(localPath: path, directory: server.inbound + "/no-such-folder", name: "ONE.csv")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: server.inbound).isEmpty)
    }

    @Test("Five small uploads, five logins (the time is printed, not asserted: the machine is shared)")
    func measured() throws {
        let server = try loggingServer()
        let client = try client(server)
        let path = try localFile("x")
        let start = Date()
        for i in 0..<5 { _ = try client.upload(localPath: path, directory: server.inbound, name: "ONE-\(i).csv") }
        let each = Date().timeIntervalSince(start) / 5 * 1000
        let logins = try waitForLogins(server, atLeast: 5)
        print("1-byte SFTP upload: \(Int(each)) ms, \(logins / 5) login each")
        #expect(logins == 5)
    }
}
