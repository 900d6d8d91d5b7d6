public import Foundation

/// Someone with their own GnuPG home and key pair, driven with the stock `gpg` command: the
/// agency on the other side of a test, or the business whose key Handoff is given.
public final class GPGParty {
    public let home: String
    public let fingerprint: String
    public let publicKeyFile: String
    public let secretKeyFile: String

    public init(_ name: String) throws {
        let dir = try temporaryDirectory("gpg-\(name)")
        home = dir.path
        chmod(home, 0o700)
        let uid = "\(name) <\(name.lowercased())@example.com>"
        let gen = try shell(
            "/usr/bin/gpg",
            [
                "--batch", "--homedir", home, "--passphrase", "", "--quick-generate-key", uid, "future-default",
                "default", "never",
            ])
        guard gen.status == 0 else { throw TestSetupError("gpg key generation failed: \(gen.output)") }
        let list = try shell("/usr/bin/gpg", ["--batch", "--homedir", home, "--with-colons", "--list-secret-keys"])
            .output
        let fpr = list.split(separator: "\n").first { $0.hasPrefix("fpr:") }.map {
            $0.split(separator: ":", omittingEmptySubsequences: false)[9]
        }
        guard let fpr else { throw TestSetupError("no fingerprint in \(list)") }
        fingerprint = String(fpr)
        publicKeyFile = home + "/public.asc"
        secretKeyFile = home + "/secret.asc"
        try shell(
            "/usr/bin/gpg",
            ["--batch", "--homedir", home, "--armor", "--output", publicKeyFile, "--export", fingerprint])
        try shell(
            "/usr/bin/gpg",
            [
                "--batch", "--homedir", home, "--pinentry-mode", "loopback", "--passphrase", "", "--armor",
                "--output", secretKeyFile, "--export-secret-keys", fingerprint])
    }

    /// Imports someone else's public key.
    public func trust(_ other: GPGParty) throws {
        try shell("/usr/bin/gpg", ["--batch", "--homedir", home, "--import", other.publicKeyFile])
    }

    /// `gpg --decrypt` as the agency would run it; returns the status output and the plain text.
    public func decrypt(_ path: String) throws -> (status: Int32, statusLines: String, plain: Data?) {
        let out = path + ".plain"
        let r = try shell(
            "/usr/bin/gpg",
            [
                "--batch", "--homedir", home, "--trust-model", "always", "--status-fd", "1", "--output", out,
                "--decrypt", path,
            ])
        defer { unlink(out) }
        return (r.status, r.output, FileManager.default.contents(atPath: out))
    }

    /// Encrypts to `recipient` and, when `sign`, signs with this party's key.
    public func encrypt(_ text: String, to recipient: GPGParty, sign: Bool = true) throws -> String {
        let input = home + "/in-\(UUID().uuidString)"
        try text.write(toFile: input, atomically: true, encoding: .utf8)
        let out = input + ".pgp"
        var args = [
            "--batch", "--homedir", home, "--trust-model", "always", "--recipient-file", recipient.publicKeyFile,
            "--output", out,
        ]
        if sign { args += ["--local-user", fingerprint, "--sign"] }
        let r = try shell("/usr/bin/gpg", args + ["--encrypt", input])
        guard r.status == 0 else { throw TestSetupError("gpg encrypt failed: \(r.output)") }
        return out
    }

    deinit {
        _ = try? shell("/usr/bin/gpgconf", ["--homedir", home, "--kill", "gpg-agent"])
        try? FileManager.default.removeItem(atPath: home)
    }
}
