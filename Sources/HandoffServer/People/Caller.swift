import Crypto
import Foundation
public import HandoffDomain
public import HandoffStore
public import Hummingbird
import Logging

/// Who made a request: the installation's own token (the admin named "owner"), or a person with
/// a token of their own and a role.
public struct Caller: Sendable, Hashable {
    /// The name the audit log and the logs show.
    public var name: String
    public var role: Role
    /// The person's id in the people table; `nil` for the owner.
    public var personID: Int64?

    public init(name: String, role: Role, personID: Int64?) {
        self.name = name
        self.role = role
        self.personID = personID
    }

    /// The installation's own token, from `[server] token_env` or `token_file`: always an admin.
    public static let owner = Caller(name: "owner", role: .admin, personID: nil)

    /// What a dashboard session remembers of its holder: `owner`, or `p` and the person's id.
    var sessionSubject: String { personID.map { "p\($0)" } ?? "owner" }

    /// Why this caller may not do `action`, or `nil` when they may.
    public func refusal(_ action: Permission) -> String? { action.refusal(person: name, role: role) }
}

/// Finds who a token or a dashboard session belongs to. The owner's token is compared in
/// constant time; a person's token is hashed (SHA-256) and looked up, and the stored hash is
/// compared in constant time too. Every answer is read afresh, so a revocation or a new role
/// holds from the next request on, for sessions already open as well.
public struct PeopleDirectory: Sendable {
    /// The installation's own token, when one is set: with people of their own, it may be left out.
    let ownerToken: String?
    /// The engine's people table, when the engine has one.
    let people: (any PeopleStore)?

    public init(ownerToken: String?, people: (any PeopleStore)?) {
        self.ownerToken = ownerToken
        self.people = people
    }

    /// The subject of the owner's dashboard sessions: `owner-` and a fingerprint of the
    /// installation's token, so that changing the token ends the owner's sessions (and nobody
    /// else's).
    var ownerSubject: String? {
        ownerToken.map { "owner-" + Self.hash("session\u{0}" + $0).prefix(16) }
    }

    /// Whether anyone can come in: the installation's token, or an admin with a token of their own.
    public func hasAdmin() throws -> Bool {
        if ownerToken != nil { return true }
        guard let people else { return false }
        return try people.readPeople { try $0.people() }.contains { $0.isActive && $0.role == .admin }
    }

    /// The caller a bearer token names, or `nil` when it names nobody (or a revoked person).
    public func caller(token given: String) throws -> Caller? {
        if let ownerToken, constantTimeEquals(given, ownerToken) { return .owner }
        guard let people, !given.isEmpty, given.utf8.count <= 512 else { return nil }
        let hash = Self.hash(given)
        guard let person = try people.readPeople({ try $0.person(tokenSHA256: hash) }), person.isActive,
            constantTimeEquals(person.tokenSHA256, hash)
        else { return nil }
        return Caller(name: person.name, role: person.role, personID: person.id)
    }

    /// The caller a dashboard session's subject names, or `nil` when that person was revoked.
    func caller(sessionSubject subject: String) throws -> Caller? {
        if subject.hasPrefix("owner") { return subject == ownerSubject ? .owner : nil }
        guard let people, subject.hasPrefix("p"), let id = Int64(subject.dropFirst()) else { return nil }
        guard let person = try people.readPeople({ try $0.person(id: id) }), person.isActive else { return nil }
        return Caller(name: person.name, role: person.role, personID: person.id)
    }

    /// Lower-case hex SHA-256 of a token: what the people table keeps.
    public static func hash(_ token: String) -> String { Hex.encode(Data(SHA256.hash(data: Data(token.utf8)))) }

    /// A new token: `hnd_` and 32 random bytes from the system's generator, base64url.
    public static func newToken() -> String {
        let key = SymmetricKey(size: .bits256)
        let bytes = key.withUnsafeBytes { Data($0) }
        return "hnd_"
            + bytes.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(
                of: "/", with: "_"
            )
            .replacingOccurrences(of: "=", with: "")
    }
}

/// The request context of every route: Hummingbird's own, and the caller the bearer token named
/// (set by ``BearerTokenMiddleware`` on the API's routes).
public struct HandoffRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Who made the request, once the token was checked.
    public var caller: Caller?

    public init(source: Source) {
        coreContext = .init(source: source)
        caller = nil
    }

    /// The caller, when they may do `action`; otherwise a 403 that says why, in the API's one
    /// error shape (`{"error":{"message":…}}`), logged with the person's name.
    func require(_ action: Permission) throws -> Caller {
        guard let caller else { throw HTTPError(.unauthorized, message: "a valid bearer token is required") }
        if let refusal = caller.refusal(action) {
            logger.warning(
                "API request refused: role too low",
                metadata: [
                    "person": "\(caller.name)", "role": "\(caller.role.rawValue)",
                    "needs": "\(action.leastRole.rawValue)",
                ])
            throw HTTPError(.forbidden, message: refusal)
        }
        return caller
    }
}
