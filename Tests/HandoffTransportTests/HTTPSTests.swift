import Foundation
import HandoffTestSupport
import HandoffTransport
import Testing

@Suite("HTTPS with mutual TLS against a real server", .serialized)
struct HTTPSTests {
    func signing(_ secret: String) -> RequestSigning {
        RequestSigning(
            clientID: "HANDOFF01", clientHeader: "X-MCC-Client", timestampHeader: "X-MCC-Timestamp",
            signatureHeader: "X-MCC-Signature",
            stringToSign: "{timestamp}\n{method}\n{path}\n{body_sha256}", secret: Array(secret.utf8))
    }

    func client(
        _ c: TestCertificates, _ server: TestHTTPSServer, ca: String? = nil, cert: String?? = nil, key: String?? = nil,
        secret: String? = nil) -> HTTPSClient {
        var client = HTTPSClient(endpoint: HTTPSEndpoint(
                baseURL: server.baseURL, caFile: ca ?? c.caFile, clientCertificateFile: cert ?? c.clientCert,
                clientKeyFile: key ?? c.clientKey,
            timeoutSeconds: 10, signing: signing(secret ?? server.secret)))
        client.sleep = { Thread.sleep(forTimeInterval: min($0, 1.0)) }
        return client
    }

    static let batch = Array("H\r\nD\r\nI\r\nT\r\n".utf8)

    @Test(
        """
        PUT a batch: 201 with a receipt; the same body again: 200, nothing placed twice; another body: 409; \
        GET the receipt
        """
    )
    func roundTrip() throws {
        let c = try TestCertificates()
        let server = try TestHTTPSServer(certificates: c)
        let api = client(c, server)
        let first = try api.request(
            "PUT", "/placements/HO-20261115-001", body: .bytes(Self.batch), contentType: "text/plain; charset=us-ascii",
            idempotencyKey: "HO-20261115-001")
        #expect(first.status == 201, "\(first.text)")
        #expect(first.text.contains("\"batch_id\": \"HO-20261115-001\""))
        #expect(try api.request("PUT", "/placements/HO-20261115-001", body: .bytes(Self.batch)).status == 200)
        #expect(try api.request("PUT", "/placements/HO-20261115-001", body: .bytes(Array("X\r\n".utf8))).status == 409)
        let receipt = try api.request("GET", "/placements/HO-20261115-001")
        #expect(receipt.status == 200 && receipt.text.contains("processed"))
    }

    @Test("A bad signature is refused with 401")
    func badSignature() throws {
        let c = try TestCertificates()
        let server = try TestHTTPSServer(certificates: c)
        #expect(try client(c, server, secret: "not-the-secret").request("GET", "/placements/X").status == 401)
    }

    @Test("429 with Retry-After, then success; 503, then success with the same idempotency key")
    func retries() throws {
        let c = try TestCertificates()
        let server = try TestHTTPSServer(certificates: c, fail429: 1, fail503: 2)
        let started = Date()
        let r = try client(c, server).request(
            "PUT", "/placements/HO-1", body: .bytes(Self.batch), idempotencyKey: "HO-1")
        #expect(r.status == 201)
        let log = server.requests()
        #expect(log.map { $0["status"] as? Int } == [429, 503, 503, 201])
        #expect(Set(log.compactMap { $0["idempotency_key"] as? String }) == ["HO-1"])
        #expect(Date().timeIntervalSince(started) >= 1.0)      // Retry-After: 1 was honoured
    }

    @Test("An untrusted server certificate is refused, permanently, before anything is sent")
    func untrustedServer() throws {
        let c = try TestCertificates()
        let server = try TestHTTPSServer(certificates: c, useOtherServerCertificate: true)
        let error = try #require(throws: TransportError.self) {
            try client(c, server).request("PUT", "/placements/HO-1", body: .bytes(Self.batch))
        }
        #expect(error.kind == .tls && error.isPermanent, "\(error)")
        #expect(server.requests().isEmpty)
    }

    @Test("A missing or wrong client certificate is refused by the server", arguments: ["missing", "wrong"])
    func clientCertificate(which: String) throws {
        let c = try TestCertificates()
        let server = try TestHTTPSServer(certificates: c)
        let api = which == "missing" ? client(c, server, cert: .some(nil), key: .some(nil))
                                     : client(c, server, cert: .some(c.otherClientCert), key: .some(c.otherClientKey))
        #expect(throws: TransportError.self) { try api.request("GET", "/placements/X") }
        #expect(server.requests().isEmpty)
    }
}

@Suite("HTTPS public-key pinning", .serialized)
struct HTTPSPinTests {
    @Test("The right pin connects; any other is refused before anything is sent")
    func pin() throws {
        let c = try TestCertificates()
        let server = try TestHTTPSServer(certificates: c)
        let pin = try shell(
            "/bin/sh",
            [
                "-c",
                "openssl x509 -in '\(c.serverCert)' -pubkey -noout | openssl pkey -pubin -outform der "
                    + "| openssl dgst -sha256 -binary | base64",
            ]
        )
            .output.trimmingCharacters(in: .whitespacesAndNewlines)
        func client(_ pinned: String) -> HTTPSClient {
            HTTPSClient(
                endpoint: HTTPSEndpoint(
                    baseURL: server.baseURL, caFile: c.caFile, clientCertificateFile: c.clientCert,
                    clientKeyFile: c.clientKey,
                    pinnedPublicKey: "sha256//" + pinned, timeoutSeconds: 10,
                    signing: HTTPSTests().signing(server.secret)))
        }
        #expect(try client(pin).request("GET", "/placements/NONE").status == 404)
        let error = try #require(throws: TransportError.self) {
            try client("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").request("GET", "/placements/NONE")
        }
        #expect(error.kind == .tls && error.isPermanent, "\(error)")
        #expect(server.requests().count == 1)
    }
}

@Suite("HTTPS faults on the wire", .serialized)
struct HTTPSFaultTests {
    @Test(
        """
        A connection reset during the TLS handshake is a temporary fault: retried with backoff, then the request \
        goes once
        """
    )
    func resetDuringHandshake() throws {
        let c = try TestCertificates()
        let server = try TestHTTPSServer(certificates: c, resetHandshakes: 2)
        let r = try HTTPSTests().client(c, server).request(
            "PUT", "/placements/HO-1", body: .bytes(HTTPSTests.batch), idempotencyKey: "HO-1")
        #expect(r.status == 201)
        let log = server.requests()
        #expect(log.filter { $0["connection"] != nil }.count == 2, "\(log)")
        #expect(log.compactMap { $0["status"] as? Int } == [201])
    }

    @Test("A reset on every attempt ends as a temporary network error, never a permanent TLS one")
    func resetEveryTime() throws {
        let c = try TestCertificates()
        let server = try TestHTTPSServer(certificates: c, resetHandshakes: 100)
        var api = HTTPSTests().client(c, server)
        api.sleep = { _ in }
        let error = try #require(throws: TransportError.self) { try api.request("GET", "/placements/X") }
        #expect(error.kind == .network && !error.isPermanent, "\(error)")
        #expect(error.message.contains("Connection reset by peer"), "\(error)")
        #expect(server.requests().count == 5)
    }

    @Test("A refused signature from a clock 10 minutes fast says so, from the server's Date header")
    func clockAhead() throws {
        let c = try TestCertificates()
        let server = try TestHTTPSServer(certificates: c, clockOffset: -600)
        let api = HTTPSTests().client(c, server)
        let response = try api.request("GET", "/placements/X")
        #expect(response.status == 401)
        let error = api.failure(response, "GET /placements/X")
        #expect(
            error.message.contains(
                """
                the agency refused the signature; this machine's clock is about 600 s ahead of the server's \
                (Date header)
                """
            ), "\(error)")
        #expect(error.message.contains("fix the clock"), "\(error)")
        // With the clocks in step, a refusal points at the secret instead.
        let other = try TestHTTPSServer(certificates: c)
        let wrongSecret = HTTPSTests().client(c, other, secret: "not-the-secret")
        let refused = try wrongSecret.request("GET", "/placements/X")
        #expect(
            wrongSecret.failure(refused, "GET").message.contains("this machine's clock agrees with the server's"),
            "\(wrongSecret.failure(refused, "GET"))")
    }

    @Test(
        """
        A server that takes the connection and never answers (no handshake, or no answer): each attempt ends at \
        the timeout, and the run's budget stops the retries
        """,
        arguments: ["silent", "stall"])
    func neverAnswers(fault: String) throws {
        let c = try TestCertificates()
        let server =
            fault == "silent"
            ? try TestHTTPSServer(certificates: c, silent: 100) : try TestHTTPSServer(certificates: c, stall: 100)
        var api = HTTPSClient(
            endpoint: HTTPSEndpoint(
                baseURL: server.baseURL, caFile: c.caFile, clientCertificateFile: c.clientCert,
                clientKeyFile: c.clientKey, timeoutSeconds: 2, signing: HTTPSTests().signing(server.secret),
                deadline: Deadline(seconds: 4)))
        api.sleep = { Thread.sleep(forTimeInterval: $0) }
        let started = Date()
        let error = try #require(throws: TransportError.self) {
            try api.request("PUT", "/placements/HO-1", body: .bytes(HTTPSTests.batch))
        }
        let took = Date().timeIntervalSince(started)
        #expect(error.kind == .timedOut && !error.isPermanent, "\(error)")
        #expect(error.message.contains("no more attempts in this run"), "\(error)")
        #expect(took >= 2 && took < 3.5, "took \(took) s")
        #expect(server.requests().count == 1, "\(server.requests())")
    }
}
