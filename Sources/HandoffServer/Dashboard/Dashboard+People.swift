import HandoffDomain
import HandoffStore
import Hummingbird
import Logging
import Foundation

/// The People page, for admins: everyone with a token of their own, adding a person (their token
/// shown once, on the answer page itself, never in a cookie or a redirect), changing a role and
/// revoking a token. Each change goes through ``PeopleAdmin``, audited under the admin's name.
extension Dashboard {
    func addPeople(to router: Router<HandoffRequestContext>) {
        router.get("/people") { request, _ in
            try await view(request, needs: .managePeople) { _ in ("people", try await peopleContext()) }
        }
        router.post("/people") { request, _ in
            let form = try await self.form(request)
            return try await action(request, form: form, needs: .managePeople) { signed in
                guard let people = directory.people else {
                    return flashRedirect(to: "/people", kind: "bad", "This database keeps no people.")
                }
                let name = (form["name"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                guard let role = form["role"].flatMap(Role.init(rawValue:)) else {
                    return flashRedirect(to: "/people", kind: "bad", "Choose a role: viewer, operator or admin.")
                }
                let actor = signed.caller.name
                let added: Result<String, PeopleAdmin.Refusal> = try await blocking {
                    do {
                        return .success(try PeopleAdmin.add(name: name, role: role, by: actor, in: people).1)
                    } catch let r as PeopleAdmin.Refusal {
                        return .failure(r)
                    }
                }
                switch added {
                case .failure(let refusal): return flashRedirect(to: "/people", kind: "bad", refusal.description)
                case .success(let token):
                    logger.info(
                        "person added",
                        metadata: ["person": "\(actor)", "added": "\(name)", "role": "\(role.rawValue)"])
                    var context = try await peopleContext()
                    context["new_token"] = token
                    context["new_name"] = name
                    context["flash"] = ["kind": "good", "text": "\(name) is added as a \(role.rawValue)."]
                    return page("people", context, request: request, cookie: signed)
                }
            }
        }
        router.post("/people/{name}/role") { request, context in
            let form = try await self.form(request)
            return try await action(request, form: form, needs: .managePeople) { signed in
                guard let role = form["role"].flatMap(Role.init(rawValue:)) else {
                    return flashRedirect(to: "/people", kind: "bad", "Choose a role: viewer, operator or admin.")
                }
                let name = context.parameters.get("name") ?? ""
                let actor = signed.caller.name
                return try await change(name) { try PeopleAdmin.setRole(name: name, role: role, by: actor, in: $0) }
            }
        }
        router.post("/people/{name}/revoke") { request, context in
            try await action(request, needs: .managePeople) { signed in
                let name = context.parameters.get("name") ?? ""
                let actor = signed.caller.name
                return try await change(name) { try PeopleAdmin.revoke(name: name, by: actor, in: $0) }
            }
        }
    }

    /// Runs one change to the people table, then back to the People page with what was done or why not.
    private func change(_ name: String, _ act: @escaping @Sendable (any PeopleStore) throws -> String) async throws
        -> Response
    {
        guard let people = directory.people else {
            return flashRedirect(to: "/people", kind: "bad", "This database keeps no people.")
        }
        let outcome: Result<String, PeopleAdmin.Refusal> = try await blocking {
            do { return .success(try act(people)) } catch let r as PeopleAdmin.Refusal { return .failure(r) }
        }
        switch outcome {
        case .success(let message):
            logger.info("people changed", metadata: ["subject": "\(name)", "outcome": "\(message)"])
            return flashRedirect(to: "/people", kind: "good", message + ".")
        case .failure(let refusal): return flashRedirect(to: "/people", kind: "bad", refusal.description)
        }
    }

    /// The People page's context: everyone ever added, newest last.
    func peopleContext() async throws -> DashboardPages.Context {
        guard let people = directory.people else {
            return ["nav_people": true, "no_people": true, "all_roles": Self.roleOptions]
        }
        return try await blocking {
            let everyone = try people.readPeople { try $0.people() }
            let rows = everyone.map { p -> DashboardPages.Context in
                var row: DashboardPages.Context = [
                    "name": p.name, "role": p.role.rawValue, "added": DashboardPages.stamp(p.createdAt),
                    "roles": Role.allCases.map {
                        ["value": $0.rawValue, "selected": $0 == p.role] as DashboardPages.Context
                    },
                ]
                if let revoked = p.revokedAt { row["revoked"] = DashboardPages.stamp(revoked) }
                return row
            }
            return ["nav_people": true, "people": rows, "all_roles": Self.roleOptions]
        }
    }

    static var roleOptions: [DashboardPages.Context] {
        Role.allCases.map { ["value": $0.rawValue, "label": $0.label] }
    }
}
