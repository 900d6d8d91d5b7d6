import Foundation
import HandoffDomain
import HandoffStore
import Testing

@testable import HandoffServer

/// An in-memory people table, for the directory's and PeopleAdmin's logic without a database.
final class MemoryPeople: PeopleStore, PeopleWriting, @unchecked Sendable {
    private let lock = NSLock()
    var rows: [PersonRecord] = []
    var audit: [AuditEntry] = []

    func readPeople<T>(_ body: (any PeopleReading) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(self)
    }
    func writePeople<T>(_ body: (any PeopleWriting) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(self)
    }

    func people() throws -> [PersonRecord] { rows }
    func person(tokenSHA256: String) throws -> PersonRecord? { rows.first { $0.tokenSHA256 == tokenSHA256 } }
    func person(id: Int64) throws -> PersonRecord? { rows.first { $0.id == id } }
    func activePerson(named name: String) throws -> PersonRecord? { rows.first { $0.name == name && $0.isActive } }
    func insertPerson(name: String, role: Role, tokenSHA256: String) throws -> Int64 {
        let id = Int64(rows.count + 1)
        rows.append(
            PersonRecord(
                id: id, name: name, role: role, tokenSHA256: tokenSHA256, createdAt: "2026-12-02T10:00:00Z",
                revokedAt: nil))
        return id
    }
    func setRole(personID: Int64, _ role: Role) throws {
        rows = rows.map {
            var p = $0
            if p.id == personID { p.role = role }
            return p
        }
    }
    func revokePerson(id: Int64) throws {
        rows = rows.map {
            var p = $0
            if p.id == id { p.revokedAt = "2026-12-02T11:00:00Z" }
            return p
        }
    }
    func appendAudit(_ entry: AuditEntry) throws { audit.append(entry) }
}

@Suite("People: tokens, roles and revocation")
struct PeopleDirectoryTests {
    let owner = "owner-token-0123456789abcdef"

    @Test("The owner's token is the admin owner; a person's token names them until revoked; anything else names nobody")
    func tokens() throws {
        let store = MemoryPeople()
        let directory = PeopleDirectory(ownerToken: owner, people: store)
        #expect(try directory.caller(token: owner) == .owner)
        let (alice, token) = try PeopleAdmin.add(name: "alice", role: .viewer, by: "cli", in: store)
        #expect(
            token.hasPrefix("hnd_") && token.count == 47 && alice.tokenSHA256 == PeopleDirectory.hash(token)
                && !alice.tokenSHA256.contains(token))
        #expect(try directory.caller(token: token) == Caller(name: "alice", role: .viewer, personID: alice.id))
        #expect(try directory.caller(sessionSubject: "p\(alice.id)")?.name == "alice")
        #expect(
            try directory.caller(token: token + "x") == nil && directory.caller(token: "") == nil
                && directory.caller(token: PeopleDirectory.hash(token)) == nil)
        _ = try PeopleAdmin.setRole(name: "alice", role: .operator, by: "owner", in: store)
        #expect(try directory.caller(token: token)?.role == .operator)
        _ = try PeopleAdmin.revoke(name: "alice", by: "owner", in: store)
        #expect(try directory.caller(token: token) == nil && directory.caller(sessionSubject: "p\(alice.id)") == nil)
        #expect(
            try directory.caller(token: owner) == .owner
                && directory.caller(sessionSubject: directory.ownerSubject!) == .owner)
        // An owner session belongs to the token it was opened with: another token's, or none, opens nothing.
        #expect(try directory.caller(sessionSubject: "owner") == nil)
        #expect(
            try PeopleDirectory(ownerToken: "another-owner-token-0123", people: store).caller(
                sessionSubject: directory.ownerSubject!) == nil)
        #expect(
            try PeopleDirectory(ownerToken: nil, people: store).caller(sessionSubject: directory.ownerSubject!) == nil)
        #expect(try PeopleDirectory(ownerToken: nil, people: store).caller(token: "") == nil)
        #expect(try directory.caller(sessionSubject: "p") == nil && directory.caller(sessionSubject: "alice") == nil)
        #expect(store.audit.map(\.action) == ["person.added", "person.role_changed", "person.revoked"])
        #expect(
            store.audit.map(\.actor) == ["cli", "owner", "owner"] && !store.audit.contains { $0.detail.contains(token) }
        )
        // Without a people table, only the owner's token opens anything.
        #expect(try PeopleDirectory(ownerToken: owner, people: nil).caller(token: token) == nil)
        #expect(PeopleDirectory.newToken() != PeopleDirectory.newToken())
    }

    @Test("A name must be plain and not already mean something; one working token per name")
    func names() throws {
        let store = MemoryPeople()
        for bad in ["", "owner", "CLI", "a b", "-x", String(repeating: "a", count: 65), "é"] {
            #expect(PeopleAdmin.problem(withName: bad) != nil, "\(bad)")
            #expect(throws: PeopleAdmin.Refusal.self) {
                try PeopleAdmin.add(name: bad, role: .viewer, by: "cli", in: store)
            }
        }
        for good in ["alice", "front-desk", "j.smith@example.com", "Bob_2"] {
            #expect(PeopleAdmin.problem(withName: good) == nil, "\(good)")
        }
        _ = try PeopleAdmin.add(name: "bob", role: .admin, by: "cli", in: store)
        #expect(throws: PeopleAdmin.Refusal.self) {
            try PeopleAdmin.add(name: "bob", role: .viewer, by: "cli", in: store)
        }
        #expect(throws: PeopleAdmin.Refusal.self) { try PeopleAdmin.revoke(name: "nobody", by: "cli", in: store) }
        _ = try PeopleAdmin.revoke(name: "bob", by: "cli", in: store)
        let (again, _) = try PeopleAdmin.add(name: "bob", role: .viewer, by: "cli", in: store)
        #expect(
            again.id != store.rows[0].id && store.rows.count == 2, "a revoked name may be given again, under a new id")
    }
}
