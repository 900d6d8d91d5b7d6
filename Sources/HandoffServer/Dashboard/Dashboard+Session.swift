import Crypto
import Foundation
import HandoffDomain

/// The dashboard's login session: a cookie that proves its holder once typed the API token,
/// without holding the token itself.
///
/// The cookie's value is `EXPIRY.MAC`, where MAC is an HMAC-SHA256 of the expiry under a key
/// derived from the token. Nothing is kept on the server, so a restart keeps people logged in,
/// and changing the token logs everyone out. Forms carry a CSRF token, an HMAC of the cookie
/// under the same key, so a page on another site cannot make a logged-in browser act.
struct DashboardSession: Sendable {
    static let cookieName = "handoff_session"
    /// Twelve hours: a working day.
    static let lifetime: Int64 = 12 * 3600

    private let key: SymmetricKey

    init(token: String) {
        key = SymmetricKey(data: SHA256.hash(data: Data("handoff dashboard session key\u{0}\(token)".utf8)))
    }

    /// A new session cookie value, valid for ``lifetime`` seconds from `now`.
    func issue(now: Int64) -> String {
        let expiry = now + Self.lifetime
        return "\(expiry).\(mac("session|\(expiry)"))"
    }

    /// Whether a cookie value was issued with this token and has not expired.
    func isValid(_ value: String?, now: Int64) -> Bool {
        guard let value else { return false }
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let expiry = Int64(parts[0]), expiry > now, let given = Hex.decode(String(parts[1])) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: Data("session|\(expiry)".utf8), using: key)
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
