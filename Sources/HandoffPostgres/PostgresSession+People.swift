import HandoffDomain
public import HandoffStore

/// People with tokens of their own (v15-people): the twin of `SQLiteSession+People`. Only a
/// token's SHA-256 is kept; the name of an active person is unique by a partial index.
extension PostgresSession: PeopleWriting {
    private static let personColumns =
        "id, name, role, token_sha256, handoff_time(created_at), handoff_time(revoked_at)"

    private func decodePerson(_ row: Row) throws -> PersonRecord {
        let roleText: String = row[2]
        guard let role = Role(rawValue: roleText) else { throw PostgresError.unexpected("unknown role \(roleText)") }
        return PersonRecord(id: row[0], name: row[1], role: role, tokenSHA256: row[3], createdAt: row[4], revokedAt: row[5])
    }

    func people() throws -> [PersonRecord] {
        try Row.fetchAll(try db.cachedStatement(sql: "SELECT \(Self.personColumns) FROM people ORDER BY id"))
            .map(decodePerson)
    }

    func person(tokenSHA256: String) throws -> PersonRecord? {
        try Row.fetchOne(try db.cachedStatement(sql: "SELECT \(Self.personColumns) FROM people WHERE token_sha256 = ?"),
                         arguments: [tokenSHA256]).map(decodePerson)
    }

    func person(id: Int64) throws -> PersonRecord? {
        try Row.fetchOne(try db.cachedStatement(sql: "SELECT \(Self.personColumns) FROM people WHERE id = ?"),
                         arguments: [id]).map(decodePerson)
    }

    func activePerson(named name: String) throws -> PersonRecord? {
        try Row.fetchOne(try db.cachedStatement(sql: """
            SELECT \(Self.personColumns) FROM people WHERE name = ? AND revoked_at IS NULL
            """), arguments: [name]).map(decodePerson)
    }

    func insertPerson(name: String, role: Role, tokenSHA256: String) throws -> Int64 {
        try db.cachedStatement(sql: """
            INSERT INTO people (name, role, token_sha256, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id
            """).query([name, role.rawValue, tokenSHA256, now, now]).requiredInt64(0, 0)
    }

    func setRole(personID: Int64, _ role: Role) throws {
        try db.cachedStatement(sql: "UPDATE people SET role = ?, updated_at = ? WHERE id = ? AND revoked_at IS NULL")
            .execute(arguments: [role.rawValue, now, personID])
    }

    func revokePerson(id: Int64) throws {
        try db.cachedStatement(sql: "UPDATE people SET revoked_at = ?, updated_at = ? WHERE id = ? AND revoked_at IS NULL")
            .execute(arguments: [now, now, id])
    }
}

extension PostgresARStore {
    public func readPeople<T>(_ body: (any PeopleReading) throws -> T) throws -> T { try reading(body) }
    public func writePeople<T>(_ body: (any PeopleWriting) throws -> T) throws -> T { try writing(body) }
}
