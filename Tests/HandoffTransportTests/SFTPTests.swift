import Foundation
import Synchronization
import HandoffTransport
import HandoffTestSupport
import Testing

@Suite("SFTP against a real OpenSSH server", .serialized)
struct SFTPTests {
    func endpoint(_ server: TestSSHServer, key: String? = nil, fingerprint: String? = nil) -> SFTPEndpoint {
        SFTPEndpoint(host: "127.0.0.1", port: server.port, user: server.user, privateKeyFile: key ?? server.clientKey,
                     hostKeySHA256: fingerprint ?? server.hostKeySHA256, timeoutSeconds: 10)
    }

    func localFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("handoff-up-\(UUID().uuidString).csv")
            .path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("Upload under .part, rename, list, download, delete: a clean round trip")
    func roundTrip() throws {
        let server = try TestSSHServer()
        let client = try SFTPClient(endpoint: endpoint(server))
        let path = try localFile("a,b\r\n1,2\r\n")
        #expect(
            try client.upload(localPath: path, directory: server.inbound, name: "KRP_PLC_C10442_20261115_001.csv")
                == .uploaded(size: 10))
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: server.inbound) == ["KRP_PLC_C10442_20261115_001.csv"])
        #expect(
            try String(contentsOfFile: server.inbound + "/KRP_PLC_C10442_20261115_001.csv", encoding: .utf8)
                == "a,b\r\n1,2\r\n")

        try "returned".write(toFile: server.outbound + "/KRP_ACK_1.csv", atomically: true, encoding: .utf8)
        #expect(try client.list(directory: server.outbound) == ["KRP_ACK_1.csv"])
        let local = path + ".ack"
        #expect(try client.download(path: server.outbound + "/KRP_ACK_1.csv", to: local) == 8)
        #expect(try String(contentsOfFile: local, encoding: .utf8) == "returned")
        try client.delete(path: server.outbound + "/KRP_ACK_1.csv")
        #expect(try client.list(directory: server.outbound).isEmpty)
    }

    @Test(
        """
        A file already under its final name is never sent again: ours (same SHA-256) counts as delivered, \
        another is a conflict
        """
    )
    func neverTwice() throws {
        let server = try TestSSHServer()
        let client = try SFTPClient(endpoint: endpoint(server))
        try "first".write(toFile: server.inbound + "/f.csv", atomically: true, encoding: .utf8)
        #expect(
            try client.upload(localPath: try localFile("first"), directory: server.inbound, name: "f.csv")
                == .alreadyPresent(size: 5))
        // The same name and the same size, other bytes: never ours.
        let sameSize = try #require(throws: TransportError.self) {
            try client.upload(localPath: try localFile("fir5t"), directory: server.inbound, name: "f.csv")
        }
        #expect(sameSize.kind == .conflict && sameSize.isPermanent, "\(sameSize)")
        #expect(sameSize.message.hasPrefix("a different file named f.csv is already at the agency"), "\(sameSize)")
        let otherSize = try #require(throws: TransportError.self) {
            try client.upload(localPath: try localFile("second copy"), directory: server.inbound, name: "f.csv")
        }
        #expect(otherSize.kind == .conflict, "\(otherSize)")
        #expect(try String(contentsOfFile: server.inbound + "/f.csv", encoding: .utf8) == "first")
        #expect(try FileManager.default.contentsOfDirectory(atPath: server.inbound) == ["f.csv"])
    }

    @Test("A wrong host key is refused before anything is sent")
    func wrongHostKey() throws {
        let server = try TestSSHServer()
        let client = try SFTPClient(
            endpoint: endpoint(server, fingerprint: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
        let error = try #require(throws: TransportError.self) {
            try client.upload(localPath: try localFile("x"), directory: server.inbound, name: "f.csv")
        }
        #expect(error.kind == .hostKeyMismatch, "\(error)")
        #expect(error.isPermanent)
        #expect(try FileManager.default.contentsOfDirectory(atPath: server.inbound).isEmpty)
    }

    @Test("An unpinned host is refused and never contacted")
    func unpinned() throws {
        let error = try #require(throws: TransportError.self) {
            try SFTPClient(
                endpoint: SFTPEndpoint(host: "127.0.0.1", port: 1, user: "x", privateKeyFile: "/nonexistent"))
        }
        #expect(error.kind == .hostKeyNotPinned)
    }

    @Test("A key the server does not know fails authentication, permanently")
    func wrongClientKey() throws {
        let server = try TestSSHServer()
        let other = server.directory.appendingPathComponent("stranger_ed25519").path
        try shell("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", other])
        let client = try SFTPClient(endpoint: endpoint(server, key: other))
        let error = try #require(throws: TransportError.self) { try client.list(directory: server.outbound) }
        #expect(error.kind == .authentication, "\(error)")
        #expect(error.isPermanent)
    }

    @Test("A server that is not there is a temporary failure")
    func refused() throws {
        let port = try freeLoopbackPort()
        let client = try SFTPClient(
            endpoint: SFTPEndpoint(
                host: "127.0.0.1", port: port, user: "x", privateKeyFile: "/nonexistent",
                hostKeySHA256: "AAAA", timeoutSeconds: 5))
        let error = try #require(throws: TransportError.self) { try client.list(directory: "/") }
        #expect(error.kind == .connectionRefused, "\(error)")
        #expect(!error.isPermanent)
    }
}

@Suite("SFTP when the server dies mid-upload", .serialized)
struct SFTPInterruptionTests {
    final class Box: @unchecked Sendable { var result: Result<UploadOutcome, any Error>? }

    @Test("Nothing appears under the final name; the next attempt delivers the file once")
    func killedMidUpload() throws {
        let server = try TestSSHServer()
        let client = try SFTPClient(endpoint: SFTPEndpoint(host: "127.0.0.1", port: server.port, user: server.user,
                privateKeyFile: server.clientKey, hostKeySHA256: server.hostKeySHA256,
                timeoutSeconds: 10))
        let local = FileManager.default.temporaryDirectory.appendingPathComponent("handoff-big-\(UUID().uuidString)")
            .path
        let size = 256 << 20
        FileManager.default.createFile(atPath: local, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: local))
        try handle.truncate(atOffset: UInt64(size))
        try handle.close()
        defer { unlink(local) }

        let final = server.inbound + "/KRP_PLC_C10442_20261115_001.csv"
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let inbound = server.inbound
        DispatchQueue.global().async {
            box.result = Result {
                try client.upload(localPath: local, directory: inbound, name: "KRP_PLC_C10442_20261115_001.csv")
            }
            done.signal()
        }
        // Wait until part of the file has arrived, then kill the server.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let partSize =
                (try? FileManager.default.attributesOfItem(atPath: final + ".part")[.size] as? NSNumber)?.intValue ?? 0
            if partSize > 0 { break }
            usleep(2_000)
        }
        server.kill()
        done.wait()
        guard case .failure(let error)? = box.result else {
            Issue.record("the upload finished before the server was killed: \(String(describing: box.result))")
            return
        }
        #expect((error as? TransportError)?.isPermanent == false, "\(error)")
        #expect((error as? TransportError)?.kind == .network, "a clear error: \(error)")
        #expect(!FileManager.default.fileExists(atPath: final))

        try server.restart()
        #expect(
            try client.upload(localPath: local, directory: server.inbound, name: "KRP_PLC_C10442_20261115_001.csv")
                == .uploaded(size: Int64(size)))
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: server.inbound) == ["KRP_PLC_C10442_20261115_001.csv"])
        #expect(
            try client.upload(localPath: local, directory: server.inbound, name: "KRP_PLC_C10442_20261115_001.csv")
                == .alreadyPresent(size: Int64(size)))
    }
}

@Suite("libcurl on several threads at once")
struct CurlAsyncTests {
    @Test("Blocking transfers run side by side, each on its own thread, as the daemon's thread pools run them")
    func concurrentLists() throws {
        let server = try TestSSHServer()
        try "x".write(toFile: server.outbound + "/a.csv", atomically: true, encoding: .utf8)
        let client = try SFTPClient(endpoint: SFTPEndpoint(host: "127.0.0.1", port: server.port, user: server.user,
                privateKeyFile: server.clientKey, hostKeySHA256: server.hostKeySHA256))
        let outbound = server.outbound
        let lists = Mutex<[[String]]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            let listed = (try? client.list(directory: outbound)) ?? []
            lists.withLock { $0.append(listed) }
        }
        #expect(lists.withLock { $0 } == Array(repeating: ["a.csv"], count: 4))
        #expect(Curl.version.contains("libssh2"))
    }
}

@Suite("SFTP keys", .serialized)
struct SFTPKeyTests {
    @Test("An ECDSA key with a passphrase authenticates")
    func ecdsaWithPassphrase() throws {
        let server = try TestSSHServer()
        let key = server.directory.appendingPathComponent("ecdsa_key").path
        try shell("/usr/bin/ssh-keygen", ["-q", "-t", "ecdsa", "-b", "256", "-N", "correct horse", "-f", key])
        try String(contentsOfFile: key + ".pub", encoding: .utf8).write(
            toFile: server.directory.appendingPathComponent("authorized_keys").path,
            atomically: true, encoding: .utf8)
        try "x".write(toFile: server.outbound + "/a.csv", atomically: true, encoding: .utf8)
        let good = try SFTPClient(
            endpoint: SFTPEndpoint(
                host: "127.0.0.1", port: server.port, user: server.user, privateKeyFile: key,
                passphrase: "correct horse", hostKeySHA256: server.hostKeySHA256))
        #expect(try good.list(directory: server.outbound) == ["a.csv"])
        let wrong = try SFTPClient(
            endpoint: SFTPEndpoint(
                host: "127.0.0.1", port: server.port, user: server.user, privateKeyFile: key,
                passphrase: "wrong", hostKeySHA256: server.hostKeySHA256))
        #expect(throws: TransportError.self) { try wrong.list(directory: server.outbound) }
    }

    @Test("An RSA key fails with an error that says why")
    func rsaExplained() throws {
        let server = try TestSSHServer()
        let key = server.directory.appendingPathComponent("rsa_key").path
        try shell("/usr/bin/ssh-keygen", ["-q", "-t", "rsa", "-b", "3072", "-N", "", "-f", key])
        try String(contentsOfFile: key + ".pub", encoding: .utf8).write(
            toFile: server.directory.appendingPathComponent("authorized_keys").path,
            atomically: true, encoding: .utf8)
        let client = try SFTPClient(
            endpoint: SFTPEndpoint(
                host: "127.0.0.1", port: server.port, user: server.user, privateKeyFile: key,
                hostKeySHA256: server.hostKeySHA256))
        let error = try #require(throws: TransportError.self) { try client.list(directory: server.outbound) }
        #expect(error.kind == .authentication)
        #expect(error.message.contains("use an Ed25519 or ECDSA key"), "\(error)")
    }
}

@Suite("SFTP when the server freezes", .serialized)
struct SFTPFreezeTests {
    final class Box: @unchecked Sendable { var result: Result<UploadOutcome, any Error>?; var failedAt: Date? }

    @Test(
        """
        Frozen mid-upload: the transfer stops once nothing has moved for timeout_seconds (not seconds later); \
        the retry delivers once
        """
    )
    func frozenMidUpload() throws {
        let server = try TestSSHServer()
        let client = try SFTPClient(
            endpoint: SFTPEndpoint(
                host: "127.0.0.1", port: server.port, user: server.user, privateKeyFile: server.clientKey,
                hostKeySHA256: server.hostKeySHA256, timeoutSeconds: 2))
        let local = FileManager.default.temporaryDirectory.appendingPathComponent("handoff-big-\(UUID().uuidString)")
            .path
        let size = 256 << 20
        FileManager.default.createFile(atPath: local, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: local))
        try handle.truncate(atOffset: UInt64(size))
        try handle.close()
        defer { unlink(local) }
        let name = "KRP_PLC_C10442_20261115_001.csv"
        let final = server.inbound + "/" + name
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let inbound = server.inbound
        DispatchQueue.global().async {
            box.result = Result { try client.upload(localPath: local, directory: inbound, name: name) }
            box.failedAt = Date()
            done.signal()
        }
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline,
            ((try? FileManager.default.attributesOfItem(atPath: final + ".part")[.size] as? NSNumber)?.intValue ?? 0)
                == 0
        {
            usleep(2_000)
        }
        server.freeze()
        let frozenAt = Date()
        done.wait()
        server.thaw()
        guard case .failure(let error)? = box.result, let failedAt = box.failedAt else {
            Issue.record("the upload finished before the server froze: \(String(describing: box.result))")
            return
        }
        let t = try #require(error as? TransportError)
        #expect(t.kind == .timedOut && !t.isPermanent, "\(t)")
        #expect(t.message.contains("nothing moved for 2 s (timeout_seconds): the server stopped answering"), "\(t)")
        let waited = failedAt.timeIntervalSince(frozenAt)
        // libcurl checks about once a second while idle, and closing takes up to a second more.
        #expect(waited >= 2 && waited < 5, "a 2 s timeout held the upload \(waited) s after the server froze")
        #expect(!FileManager.default.fileExists(atPath: final))

        try server.restart()
        #expect(
            try client.upload(localPath: local, directory: server.inbound, name: name) == .uploaded(size: Int64(size)))
        #expect(try FileManager.default.contentsOfDirectory(atPath: server.inbound) == [name])
    }

    @Test("A server that takes the connection and never answers: the connect timeout holds")
    func frozenBeforeLogin() throws {
        let server = try TestSSHServer()
        let client = try SFTPClient(
            endpoint: SFTPEndpoint(
                host: "127.0.0.1", port: server.port, user: server.user, privateKeyFile: server.clientKey,
                hostKeySHA256: server.hostKeySHA256, timeoutSeconds: 2))
        server.freeze()
        defer { server.thaw() }
        let started = Date()
        let error = try #require(throws: TransportError.self) { try client.list(directory: server.outbound) }
        #expect(error.kind == .timedOut && !error.isPermanent, "\(error)")
        #expect(Date().timeIntervalSince(started) < 3.5)
    }
}

