import Foundation
public import HandoffPartners
import HandoffTransport

extension TransportFactory {
    /// A secret a partner file names by where it is kept: an environment variable, or a file
    /// (relative to the installation root; its trailing newlines are not part of the
    /// secret). `nil` when the partner file names neither. `key` names the setting in errors
    /// (`passphrase`, `signing secret`…). An empty environment variable counts as not set
    /// unless `emptyAllowed`.
    public func secret(_ source: SecretSource?, key: String, partner: Partner, emptyAllowed: Bool = false) throws
        -> String?
    {
        switch source {
        case nil:
            return nil
        case .environment(let env)?:
            guard let value = environment[env], emptyAllowed || !value.isEmpty else {
                throw TransportError(
                    .configuration, "\(partner.id): the environment variable \(env) (\(key)) is not set")
            }
            return value
        case .file(let file)?:
            guard let value = try? String(contentsOfFile: path(file), encoding: .utf8) else {
                throw TransportError(.configuration, "\(partner.id): the \(key) file \(file) cannot be read")
            }
            return value.trimmingCharacters(in: .newlines)
        }
    }

    /// Runs `body` with the file gpg reads a key's passphrase from: `passphrase_file` as
    /// named, or, for `passphrase_env`, a private temporary file (mode 0600) in Handoff's
    /// GnuPG home that is removed when `body` returns or throws; `nil` when the key has no
    /// passphrase.
    func withPassphraseFile<T>(_ source: SecretSource?, partner: Partner, _ body: (String?) throws -> T) throws -> T {
        if case .file(let file)? = source { return try body(path(file)) }
        guard let value = try secret(source, key: "passphrase_env", partner: partner, emptyAllowed: true) else {
            return try body(nil)
        }
        let home = URL(fileURLWithPath: root).appendingPathComponent("var/gnupg").path
        try FileManager.default.createDirectory(
            atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let temporary = home + "/passphrase-\(UUID().uuidString)"
        guard
            FileManager.default.createFile(
                atPath: temporary, contents: Data(value.utf8), attributes: [.posixPermissions: 0o600])
        else {
            throw TransportError(.localFile, "cannot write a passphrase file in \(home)")
        }
        defer { unlink(temporary) }
        return try body(temporary)
    }
}
