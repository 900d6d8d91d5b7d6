import Foundation

/// OpenPGP through GnuPG, in a home directory of Handoff's own (never the user's keyring).
/// Outgoing files are encrypted to the agency's key and signed with the business's key;
/// incoming files are decrypted and accepted only when signed by the agency's pinned key.
/// Results are read from gpg's status lines (`--status-file`), not from its exit code alone.
public struct OpenPGP: Sendable {
    /// The isolated GnuPG home (created with mode 0700).
    public let home: String
    public let gpg: String

    public init(home: String, gpg: String = "/usr/bin/gpg") throws {
        self.home = home
        self.gpg = gpg
        try FileManager.default.createDirectory(
            atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        chmod(home, 0o700)
    }

    /// Why a file was not accepted or not produced.
    public struct Failure: Error, CustomStringConvertible, Sendable, Equatable {
        public enum Kind: String, Sendable {
            case decrypt, unsigned, wrongSigner = "wrong_signer", badSignature = "bad_signature", encrypt, keys
        }
        public var kind: Kind
        /// What happened, in words, naming the file as the agency named it.
        public var message: String
        public var description: String { message }
    }

    /// What a verified incoming file was signed by.
    public struct Verified: Sendable, Equatable {
        /// Fingerprint of the primary key that signed it.
        public var signer: String
    }

    private func base() -> [String] {
        ["--batch", "--no-tty", "--homedir", home, "--trust-model", "always", "--pinentry-mode", "loopback"]
    }

    /// Imports keys from an armored or binary key file; returns the fingerprints imported.
    @discardableResult
    public func importKeys(file: String, passphraseFile: String? = nil) throws -> [String] {
        let status = home + "/status-\(UUID().uuidString)"
        defer { unlink(status) }
        var args = base() + ["--status-file", status]
        if let passphraseFile { args += ["--passphrase-file", passphraseFile] }
        let r = try Subprocess.run(gpg, args + ["--import", file])
        let lines = statusLines(status)
        let fingerprints = lines.filter { $0.first == "IMPORT_OK" }.compactMap { $0.count > 2 ? $0[2] : nil }
        guard r.status == 0 || !fingerprints.isEmpty else {
            throw Failure(kind: .keys, message: "\(file): gpg could not import it: \(r.output.prefix(300))")
        }
        return Array(Set(fingerprints)).sorted()
    }

    /// Encrypts `input` to the key in `recipientKeyFile` and signs it with `signer` (a
    /// fingerprint of a secret key in this home), writing `output` (binary, or ASCII armor).
    public func encryptAndSign(input: String, output: String, recipientKeyFile: String, signer: String,
                               passphraseFile: String? = nil, armor: Bool = false) throws {
        let status = home + "/status-\(UUID().uuidString)"
        defer { unlink(status) }
        let temporary = output + ".tmp-\(getpid())"
        unlink(temporary)
        var args =
            base() + [
                "--status-file", status, "--recipient-file", recipientKeyFile, "--local-user", signer, "--output",
                temporary,
            ]
        if let passphraseFile { args += ["--passphrase-file", passphraseFile] }
        if armor { args.append("--armor") }
        let r = try Subprocess.run(gpg, args + ["--sign", "--encrypt", input])
        let lines = statusLines(status)
        guard r.status == 0, lines.contains(where: { $0.first == "END_ENCRYPTION" }),
            lines.contains(where: { $0.first == "SIG_CREATED" })
        else {
            unlink(temporary)
            throw Failure(kind: .encrypt, message: "gpg could not encrypt and sign \(input): \(r.output.prefix(300))")
        }
        guard rename(temporary, output) == 0 else {
            throw Failure(kind: .encrypt, message: "\(output): \(String(cString: strerror(errno)))")
        }
    }

    /// Decrypts `input` into `output` and checks that it was signed by the key whose
    /// fingerprint is `expectedSigner`. An unsigned file, a file signed by any other key, a
    /// bad signature or a file that cannot be decrypted is refused, and `output` is removed.
    /// `name` is what a refusal calls the file (the agency's name for it; by default `input`).
    public func decryptAndVerify(input: String, output: String, expectedSigner: String, passphraseFile: String? = nil,
                                 name: String? = nil) throws -> Verified {
        let file = name ?? input
        let status = home + "/status-\(UUID().uuidString)"
        defer { unlink(status) }
        let temporary = output + ".tmp-\(getpid())"
        unlink(temporary)
        var args = base() + ["--status-file", status, "--output", temporary]
        if let passphraseFile { args += ["--passphrase-file", passphraseFile] }
        let r = try Subprocess.run(gpg, args + ["--decrypt", input])
        let lines = statusLines(status)
        func refuse(_ kind: Failure.Kind, _ message: String) -> Failure {
            unlink(temporary)
            return Failure(kind: kind, message: message)
        }
        guard lines.contains(where: { $0.first == "DECRYPTION_OKAY" }),
            !lines.contains(where: { $0.first == "DECRYPTION_FAILED" })
        else {
            throw refuse(
                .decrypt,
                "\(file) cannot be decrypted with this business's key: it was not encrypted for you, or is damaged")
        }
        if lines.contains(where: { $0.first == "BADSIG" }) {
            throw refuse(
                .badSignature,
                "\(file) has a signature that does not match its content: it was changed after the agency signed it")
        }
        let expected = expectedSigner.replacingOccurrences(of: " ", with: "").uppercased()
        guard let valid = lines.first(where: { $0.first == "VALIDSIG" }) else {
            if lines.contains(where: { $0.first == "ERRSIG" || $0.first == "NO_PUBKEY" }) {
                throw refuse(.wrongSigner, "\(file) is signed by a key that is not the agency's pinned key")
            }
            throw refuse(.unsigned, "\(file) is not signed: the agency's files must carry its signature")
        }
        // VALIDSIG <signing key fpr> <date> <time> <expire> <version> <reserved>
        // <pk algo> <hash algo> <class> <primary fpr>
        let signingKey = valid.count > 1 ? valid[1].uppercased() : ""
        let primary = valid.count > 10 ? valid[10].uppercased() : signingKey
        guard signingKey == expected || primary == expected else {
            throw refuse(
                .wrongSigner, "\(file) is signed by the key \(primary), not by the agency's pinned key \(expected)")
        }
        guard r.status == 0 else {
            throw refuse(.badSignature, "GnuPG reported a problem with \(file): \(r.output.prefix(300))")
        }
        guard rename(temporary, output) == 0 else {
            throw refuse(.decrypt, "\(output): \(String(cString: strerror(errno)))")
        }
        return Verified(signer: primary)
    }

    /// Stops the gpg-agent this home started.
    public func stopAgent() {
        _ = try? Subprocess.run("/usr/bin/gpgconf", ["--homedir", home, "--kill", "gpg-agent"])
    }

    private func statusLines(_ path: String) -> [[String]] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { line in
            guard line.hasPrefix("[GNUPG:] ") else { return nil }
            return line.dropFirst(9).split(separator: " ").map(String.init)
        }
    }
}
