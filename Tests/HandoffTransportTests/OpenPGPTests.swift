import Foundation
import HandoffTransport
import HandoffTestSupport
import Testing

@Suite("OpenPGP with real GnuPG on the other side", .serialized)
struct OpenPGPTests {
    /// Handoff's own home holding the business's secret key and the agency's public key.
    func handoffHome(business: GPGParty, agency: GPGParty) throws -> OpenPGP {
        let pgp = try OpenPGP(home: try temporaryDirectory("handoff-gnupg").path)
        try pgp.importKeys(file: business.secretKeyFile)
        try pgp.importKeys(file: agency.publicKeyFile)
        return pgp
    }

    @Test("Handoff encrypts and signs; the agency's stock gpg decrypts it and sees the business's signature")
    func outgoing() throws {
        let business = try GPGParty("Business"), agency = try GPGParty("Agency")
        try agency.trust(business)
        let pgp = try handoffHome(business: business, agency: agency)
        defer { pgp.stopAgent(); try? FileManager.default.removeItem(atPath: pgp.home) }
        let plain = pgp.home + "/KRP_PLC_C10442_20261115_001.csv"
        try "client_id,account_number\r\nC10442,A-1001\r\n".write(toFile: plain, atomically: true, encoding: .utf8)
        let sealed = plain + ".pgp"
        try pgp.encryptAndSign(
            input: plain, output: sealed, recipientKeyFile: agency.publicKeyFile, signer: business.fingerprint)
        let opened = try agency.decrypt(sealed)
        #expect(opened.status == 0, "\(opened.statusLines)")
        #expect(opened.plain == Data("client_id,account_number\r\nC10442,A-1001\r\n".utf8))
        #expect(opened.statusLines.contains("VALIDSIG"))
        #expect(opened.statusLines.contains(business.fingerprint))
    }

    @Test("A file the agency signed is decrypted and accepted")
    func incoming() throws {
        let business = try GPGParty("Business"), agency = try GPGParty("Agency")
        let pgp = try handoffHome(business: business, agency: agency)
        defer { pgp.stopAgent(); try? FileManager.default.removeItem(atPath: pgp.home) }
        let sealed = try agency.encrypt("record_type,account_number\nPMT,A-1001\n", to: business)
        let out = pgp.home + "/act.csv"
        let verified = try pgp.decryptAndVerify(input: sealed, output: out, expectedSigner: agency.fingerprint)
        #expect(verified.signer == agency.fingerprint)
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "record_type,account_number\nPMT,A-1001\n")
    }

    @Test("An unsigned file, a file signed by another key, and a corrupt file are refused, and nothing is written")
    func refused() throws {
        let business = try GPGParty("Business"), agency = try GPGParty("Agency"), stranger = try GPGParty("Stranger")
        let pgp = try handoffHome(business: business, agency: agency)
        defer { pgp.stopAgent(); try? FileManager.default.removeItem(atPath: pgp.home) }
        let out = pgp.home + "/out.csv"

        let unsigned = try agency.encrypt("x\n", to: business, sign: false)
        let e1 = try #require(throws: OpenPGP.Failure.self) {
            try pgp.decryptAndVerify(input: unsigned, output: out, expectedSigner: agency.fingerprint)
        }
        #expect(e1.kind == .unsigned)

        let foreign = try stranger.encrypt("x\n", to: business)
        let e2 = try #require(throws: OpenPGP.Failure.self) {
            try pgp.decryptAndVerify(input: foreign, output: out, expectedSigner: agency.fingerprint)
        }
        #expect(e2.kind == .wrongSigner)

        // Signed by a key Handoff knows, but not the agency's pinned one.
        try pgp.importKeys(file: stranger.publicKeyFile)
        let e3 = try #require(throws: OpenPGP.Failure.self) {
            try pgp.decryptAndVerify(input: foreign, output: out, expectedSigner: agency.fingerprint)
        }
        #expect(e3.kind == .wrongSigner)

        let good = try agency.encrypt("x\n", to: business)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        bytes[bytes.count / 2] ^= 0xFF
        let corrupt = good + ".corrupt"
        try bytes.write(to: URL(fileURLWithPath: corrupt))
        let e4 = try #require(throws: OpenPGP.Failure.self) {
            try pgp.decryptAndVerify(input: corrupt, output: out, expectedSigner: agency.fingerprint)
        }
        #expect(e4.kind == .decrypt || e4.kind == .badSignature, "\(e4)")

        let notForUs = try agency.encrypt("x\n", to: stranger)
        let e5 = try #require(throws: OpenPGP.Failure.self) {
            try pgp.decryptAndVerify(input: notForUs, output: out, expectedSigner: agency.fingerprint)
        }
        #expect(e5.kind == .decrypt)
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
