import GRDB
import HandoffDomain
public import HandoffStore

extension SQLiteSession: PeopleWriting {
    private static let personColumns = "id, name, role, token_sha256, created_at, revoked_at"

    private func decodePerson(_ row: Row) throws -> PersonRecord {
        let roleText: String = row["role"]
        guard let role = Role(rawValue: roleText) else { throw StoreError.corrupt("unknown role \(roleText)") }
        return PersonRecord(
            id: row["id"], name: row["name"], role: role, tokenSHA256: row["token_sha256"],
            createdAt: row["created_at"],
            revokedAt: row["revoked_at"])
    }

    func people() throws -> [PersonRecord] {
        try Row.fetchAll(db, sql: "SELECT \(Self.personColumns) FROM people ORDER BY id").map(decodePerson)
    }

    func person(tokenSHA256: String) throws -> PersonRecord? {
        try Row.fetchOne(
            db, sql: "SELECT \(Self.personColumns) FROM people WHERE token_sha256 = ?", arguments: [tokenSHA256]
        )
        .map(decodePerson)
    }

    func person(id: Int64) throws -> PersonRecord? {
        try Row.fetchOne(db, sql: "SELECT \(Self.personColumns) FROM people WHERE id = ?", arguments: [id]).map(
            decodePerson)
    }

    func activePerson(named name: String) throws -> PersonRecord? {
        try Row.fetchOne(
            db, sql: "SELECT \(Self.personColumns) FROM people WHERE name = ? AND revoked_at IS NULL", arguments: [name]
        )
        .map(decodePerson)
    }

    func insertPerson(name: String, role: Role, tokenSHA256: String) throws -> Int64 {
        try db.execute(
            sql: """
                INSERT INTO people (name, role, token_sha256, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
                """, arguments: [name, role.rawValue, tokenSHA256, now, now])
        return db.lastInsertedRowID
    }

    func setRole(personID: Int64, _ role: Role) throws {
        try db.execute(
            sql: "UPDATE people SET role = ?, updated_at = ? WHERE id = ? AND revoked_at IS NULL",
            arguments: [role.rawValue, now, personID])
    }

    func revokePerson(id: Int64) throws {
        try db.execute(
            sql: "UPDATE people SET revoked_at = ?, updated_at = ? WHERE id = ? AND revoked_at IS NULL",
            arguments: [now, now, id])
    }
}

extension SQLiteARStore: PeopleStore {
    public func readPeople<T>(_ body: (any PeopleReading) throws -> T) throws -> T {
        try pool.read { db in try body(SQLiteSession(db: db)) }
    }

    public func writePeople<T>(_ body: (any PeopleWriting) throws -> T) throws -> T {
        try writing(body)
    }
}
