import Crypto
import Foundation
import HandoffDomain

/// The dashboard's login session: a cookie that proves its holder once typed a valid token (the
/// installation's own or a person's), and names who, without holding the token itself.
///
/// The cookie's value is `SUBJECT.EXPIRY.MAC`: the subject is `owner-` and a fingerprint of the
/// installation's token, or `p` and the person's id, and MAC is an HMAC-SHA256 of both under a
/// random key kept in the data folder (`dashboard-session.key`, readable by its owner only). No
/// session is kept on the server, so a restart keeps people logged in; changing the
/// installation's token ends the owner's sessions, and deleting the key file ends everyone's.
/// The cookie says who, never what they may do: the person's role, and
/// whether their token was revoked, are read on every request. Forms carry a CSRF token, an HMAC of the cookie
/// under the same key, so a page on another site cannot make a logged-in browser act.
struct DashboardSession: Sendable {
    static let cookieName = "handoff_session"
    /// Twelve hours: a working day.
    static let lifetime: Int64 = 12 * 3600

    private let key: SymmetricKey

    init(key: SymmetricKey) {
        self.key = key
    }

    /// A key derived from a secret (tests).
    init(secret: String) {
        self.init(key: SymmetricKey(data: SHA256.hash(data: Data("handoff dashboard session key\u{0}\(secret)".utf8))))
    }

    /// The key in `path`, made (32 random bytes, mode 0600) the first time.
    init(keyFile path: String) throws {
        if let data = FileManager.default.contents(atPath: path), data.count == 32 {
            self.init(key: SymmetricKey(data: data))
            return
        }
        let key = SymmetricKey(size: .bits256)
        let data = key.withUnsafeBytes { Data($0) }
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600])
        else {
            throw ServerError("cannot write the dashboard's session key at \(temporary)")
        }
        if rename(temporary, path) != 0 { throw ServerError("cannot write the dashboard's session key at \(path)") }
        self.init(key: key)
    }

    /// A new session cookie value for `subject` (`owner`, `p12`), valid for ``lifetime`` seconds from `now`.
    func issue(for subject: String, now: Int64) -> String {
        let expiry = now + Self.lifetime
        return "\(subject).\(expiry).\(mac("session|\(subject)|\(expiry)"))"
    }

    /// The subject of a cookie value issued with this token that has not expired, or `nil`.
    func subject(of value: String?, now: Int64) -> String? {
        guard let value else { return nil }
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, let expiry = Int64(parts[1]), expiry > now,
            let given = Hex.decode(String(parts[2]))
        else {
            return nil
        }
        let subject = String(parts[0])
        guard
            HMAC<SHA256>.isValidAuthenticationCode(
                given, authenticating: Data("session|\(subject)|\(expiry)".utf8), using: key)
        else {
            return nil
        }
        return subject
    }

    /// The CSRF token that forms of this session carry.
    func csrfToken(for cookie: String) -> String { mac("csrf|\(cookie)") }

    /// Whether a form's CSRF token belongs to this session's cookie (compared in constant time).
    func isValidCSRF(_ given: String?, cookie: String) -> Bool {
        guard let given, let bytes = Hex.decode(given) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(bytes, authenticating: Data("csrf|\(cookie)".utf8), using: key)
    }

    private func mac(_ text: String) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key))
    }
}

/// Compares two secrets in time that does not depend on where they differ.
func constantTimeEquals(_ given: String, _ expected: String) -> Bool {
    let a = Array(given.utf8), b = Array(expected.utf8)
    var difference = a.count ^ b.count
    for i in 0..<max(a.count, b.count) { difference |= Int((i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)) }
    return difference == 0 && !expected.isEmpty
}
