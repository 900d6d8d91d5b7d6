public import HandoffDomain
public import HandoffStore

/// Adding people, changing their roles and revoking their tokens, each in one transaction with
/// its audit entry naming who did it. `handoff people` and the dashboard's People page both
/// come here, so that both refuse and audit alike. No token ever reaches the audit log.
public enum PeopleAdmin {
    /// Why a change to the people table was not made, in words for the person who asked.
    public struct Refusal: Error, CustomStringConvertible, Sendable {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Names that already mean something in the audit log, or the owner's token.
    static let reserved: Set<String> = ["owner", "cli", "api", "dashboard", "schedule", "daemon", "import", "system"]

    /// Why `name` cannot be a person's name, or `nil` when it can: 1 to 64 letters, digits,
    /// `.`, `_`, `-` or `@`, starting with a letter or digit, and not a reserved word.
    public static func problem(withName name: String) -> String? {
        let allowed = name.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)))
                || ".-_@".unicodeScalars.contains($0)
        }
        guard !name.isEmpty, name.count <= 64, allowed, let first = name.unicodeScalars.first,
            !".-_@".unicodeScalars.contains(first)
        else {
            return
                "“\(name)” is not a name Handoff can use: give 1 to 64 letters, "
                + "digits, dots, dashes, underscores or @, "
                + "starting with a letter or digit (for example alice or front-desk)"
        }
        guard !reserved.contains(name.lowercased()) else {
            return
                "“\(name)” already names something in the audit log "
                    + "(\(reserved.sorted().joined(separator: ", "))): choose another name"
        }
        return nil
    }

    /// Adds a person with a new token; returns the record and the token, which is shown once
    /// and never stored.
    public static func add(name: String, role: Role, by actor: String, in store: any PeopleStore) throws -> (
        PersonRecord, String
    ) {
        if let problem = problem(withName: name) { throw Refusal(problem) }
        let token = PeopleDirectory.newToken()
        let record: PersonRecord = try store.writePeople { w in
            if try w.activePerson(named: name) != nil {
                throw Refusal(
                    "\(name) already has a token; revoke it first "
                        + "(`handoff people revoke \(name)`) to give them a new one"
                )
            }
            let id = try w.insertPerson(name: name, role: role, tokenSHA256: PeopleDirectory.hash(token))
            try w.appendAudit(
                AuditEntry(actor: actor, action: "person.added", subject: name, detail: "role \(role.rawValue)"))
            guard let record = try w.person(id: id) else { throw Refusal("\(name) was not added") }
            return record
        }
        return (record, token)
    }

    /// Gives an active person another role; returns what was done, in words.
    public static func setRole(name: String, role: Role, by actor: String, in store: any PeopleStore) throws -> String {
        try store.writePeople { w in
            guard let person = try w.activePerson(named: name) else { throw noSuchPerson(name) }
            guard person.role != role else { return "\(name) is already a \(role.rawValue); nothing changed" }
            try w.setRole(personID: person.id, role)
            try w.appendAudit(
                AuditEntry(
                    actor: actor, action: "person.role_changed", subject: name,
                    detail: "\(person.role.rawValue) → \(role.rawValue)"))
            return "\(name) is now a \(role.rawValue) (was a \(person.role.rawValue)); it holds from their next request"
        }
    }

    /// Revokes an active person's token (no one else's); returns what was done, in words.
    public static func revoke(name: String, by actor: String, in store: any PeopleStore) throws -> String {
        try store.writePeople { w in
            guard let person = try w.activePerson(named: name) else { throw noSuchPerson(name) }
            try w.revokePerson(id: person.id)
            try w.appendAudit(
                AuditEntry(
                    actor: actor, action: "person.revoked", subject: name, detail: "was a \(person.role.rawValue)"))
            return "\(name)’s token is revoked: it opens nothing from the next request on, dashboard sessions included"
        }
    }

    static func noSuchPerson(_ name: String) -> Refusal {
        Refusal("there is no one named \(name) with a working token (`handoff people list` lists everyone)")
    }
}
