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

extension DashboardTemplates {
    static let people = """
    {{<layout}}
    {{$title}}People{{/title}}
    {{$content}}
    <h1>People</h1>
    <p class="count">Each person logs in with a token of their own. A viewer reads; an operator also runs jobs, places \
    after a preview, recalls, notifies and clears; an admin also manages people. A revoked token opens nothing from \
    the next request on, sessions already open included.</p>
    {{#new_token}}
    <section class="card token" role="status">
      <h2>{{new_name}}’s token</h2>
      <p>Give it to {{new_name}} now, by a safe way: it is shown this once and Handoff keeps only its hash.</p>
      <p class="mono token-value">{{new_token}}</p>
    </section>
    {{/new_token}}
    {{#no_people}}<p class="error">This installation’s database keeps no people: only its own token opens the \
    dashboard.</p>{{/no_people}}
    <section class="card">
      <h2>Everyone</h2>
      <div class="scroll"><table class="wide">
        <thead><tr><th>Name</th><th>Role</th><th>Added</th><th>Token</th><th></th></tr></thead>
        <tbody>
        <tr><td>owner</td><td>admin</td><td>—</td><td>the installation’s own token ([server] token_env or \
    token_file)</td><td></td></tr>
        {{#people}}
        <tr class="{{#revoked}}muted{{/revoked}}"><td>{{name}}</td><td>{{role}}</td><td class="when">{{added}}</td>
          <td>{{#revoked}}revoked {{revoked}}{{/revoked}}{{^revoked}}works{{/revoked}}</td>
          <td>{{^revoked}}<div class="actions">
            <form method="post" action="/people/{{name}}/role" class="search">\
    <input type="hidden" name="csrf" value="{{csrf}}">
              <select name="role" aria-label="New role for {{name}}">{{#roles}}\
    <option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/roles}}</select>
              <button type="submit">Change role</button></form>
            <form method="post" action="/people/{{name}}/revoke"><input type="hidden" name="csrf" value="{{csrf}}">\
    <button type="submit">Revoke {{name}}’s token</button></form>
          </div>{{/revoked}}</td></tr>
        {{/people}}
        </tbody>
      </table></div>
    </section>
    <section class="card">
      <h2>Add a person</h2>
      <form method="post" action="/people" class="stack">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="person-name">Name (letters, digits, dots, dashes; shown in the audit log)</label>
        <input id="person-name" name="name" required placeholder="e.g. alice or front-desk">
        <label for="person-role">Role</label>
        <select id="person-role" name="role">{{#all_roles}}<option value="{{value}}">{{label}}</option>{{/all_roles}}\
    </select>
        <button type="submit" class="primary">Add and show the token</button>
      </form>
    </section>
    {{/content}}
    {{/layout}}
    """
}
