public import ArgumentParser
import Foundation
import HandoffDomain
import HandoffServer
import HandoffSQLite
import HandoffStore

extension Role: ExpressibleByArgument {}

/// `handoff people add|list|revoke|role`: the people who may use the dashboard and the API with
/// a token of their own, and their roles. Each change is audited with the actor `cli`.
struct PeopleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "people",
        abstract:
            "Give each person a token of their own and a role (viewer, operator, admin); list, change or revoke them.",
        discussion: """
            viewer: reads the dashboard and the API. operator: \
            also runs jobs, places after a preview, recalls, notifies and \
            clears. admin: everything, including people. The installation's own token \
            ([server] token_env or token_file) \
            stays an admin named "owner". A change holds from the person's next request, in sessions already open too.
            """,
        subcommands: [PeopleAdd.self, PeopleList.self, PeopleRevoke.self, PeopleRole.self])
}

/// `handoff people add NAME --role ROLE`: prints the new token once.
struct PeopleAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a person with a new token, printed this once (Handoff keeps only its SHA-256).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The person's name, as the audit log shows it (letters, digits, . _ - @).") var name: String
    @Option(help: "viewer, operator or admin.") var role: Role
    @Flag(help: "Print the person and the token as JSON.") var json = false

    func run() throws {
        let context = try global.open()
        let (person, token) = try PeopleAdmin.cli {
            try PeopleAdmin.add(name: name, role: role, by: "cli", in: context.people)
        }
        if json {
            print(try Output.json(PersonJSON(person, token: token)))
        } else {
            print(
                "\(person.name) is added as a \(person.role.rawValue). Their token, shown this once "
                    + "(Handoff keeps only its hash):"
            )
            print(token)
        }
    }
}

/// `handoff people list`: everyone ever added, with their role and whether their token works.
struct PeopleList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List everyone with a token of their own, revoked ones too.")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let context = try global.open()
        let people = try context.people.readPeople { try $0.people() }
        if json {
            print(try Output.json(["people": people.map { PersonJSON($0, token: nil) }]))
            return
        }
        print(Output.cell("NAME", 24) + " " + Output.cell("ROLE", 9) + " " + Output.cell("ADDED", 21) + " TOKEN")
        print(
            Output.cell("owner", 24) + " " + Output.cell("admin", 9) + " " + Output.cell("—", 21)
                + " the installation's own ([server] token_env or token_file)")
        for p in people {
            print(
                Output.cell(p.name, 24) + " " + Output.cell(p.role.rawValue, 9) + " " + Output.cell(p.createdAt, 21)
                    + " "
                    + (p.revokedAt.map { "revoked \($0)" } ?? "works"))
        }
        if people.isEmpty {
            print(
                "No one else yet: `handoff people add NAME --role viewer|operator|admin` gives a person "
                    + "a token of their own."
            )
        }
    }
}

/// `handoff people revoke NAME`.
struct PeopleRevoke: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a person's token (no one else's); it opens nothing from the next request on.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The person's name.") var name: String

    func run() throws {
        let context = try global.open()
        print(try PeopleAdmin.cli { try PeopleAdmin.revoke(name: name, by: "cli", in: context.people) })
    }
}

/// `handoff people role NAME ROLE`.
struct PeopleRole: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "role", abstract: "Give a person another role.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The person's name.") var name: String
    @Argument(help: "viewer, operator or admin.") var role: Role

    func run() throws {
        let context = try global.open()
        print(
            try PeopleAdmin.cli { try PeopleAdmin.setRole(name: name, role: role, by: "cli", in: context.people) })
    }
}

/// A person as `--json` prints them; the token only right after `add`.
struct PersonJSON: Encodable {
    var name: String
    var role: String
    var added: String
    var revoked: String?
    var token: String?

    init(_ p: PersonRecord, token: String?) {
        name = p.name
        role = p.role.rawValue
        added = p.createdAt
        revoked = p.revokedAt
        self.token = token
    }
}

extension PeopleAdmin {
    /// Runs a change, turning a refusal into the CLI's error (exit status 1, the words as they are).
    static func cli<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let refusal as PeopleAdmin.Refusal { throw CLIError(refusal.description) }
    }
}
