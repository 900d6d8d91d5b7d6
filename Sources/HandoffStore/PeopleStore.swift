public import HandoffDomain

/// A person who may use the dashboard and the API with a token of their own. The token itself
/// is never stored: only its SHA-256, so that a copy of the database gives no way in.
public struct PersonRecord: Hashable, Sendable {
    public var id: Int64
    /// The name the audit log and the logs show (`alice`, `front-desk`).
    public var name: String
    public var role: Role
    /// Lower-case hex SHA-256 of the person's token.
    public var tokenSHA256: String
    /// When the person was added (RFC 3339, UTC).
    public var createdAt: String
    /// When the person's token was revoked (RFC 3339, UTC); `nil` while it works.
    public var revokedAt: String?

    public init(id: Int64, name: String, role: Role, tokenSHA256: String, createdAt: String, revokedAt: String?) {
        self.id = id
        self.name = name
        self.role = role
        self.tokenSHA256 = tokenSHA256
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    /// Whether the person's token still works.
    public var isActive: Bool { revokedAt == nil }
}

/// What the people table answers.
public protocol PeopleReading {
    /// Everyone ever added, revoked ones too, in the order they were added.
    func people() throws -> [PersonRecord]
    /// The person whose token hashes to `tokenSHA256`, revoked or not.
    func person(tokenSHA256: String) throws -> PersonRecord?
    /// The person with this id, revoked or not.
    func person(id: Int64) throws -> PersonRecord?
    /// The active person of this name, if there is one.
    func activePerson(named name: String) throws -> PersonRecord?
}

/// What changes the people table, inside one transaction with its audit entry.
public protocol PeopleWriting: PeopleReading {
    /// Adds an active person; returns their id. The store refuses a second active person of
    /// the same name and a token hash already known.
    func insertPerson(name: String, role: Role, tokenSHA256: String) throws -> Int64
    /// Changes an active person's role.
    func setRole(personID: Int64, _ role: Role) throws
    /// Revokes a person's token: it stops working at once, dashboard sessions included.
    func revokePerson(id: Int64) throws
    /// Appends to the audit log.
    func appendAudit(_ entry: AuditEntry) throws
}

/// People with named tokens and roles, as one storage engine keeps them (both engines do; a
/// server given none lets only the installation's own token, the admin "owner", in).
public protocol PeopleStore: Sendable {
    /// Runs `body` with a consistent view of the people table.
    func readPeople<T>(_ body: (any PeopleReading) throws -> T) throws -> T
    /// Runs `body` in one transaction.
    func writePeople<T>(_ body: (any PeopleWriting) throws -> T) throws -> T
}
