public import ArgumentParser
public import HandoffDomain
import HandoffReconciliation
import HandoffStore
import HandoffConfig

/// `handoff hold add|remove ACCOUNT KIND --note TEXT`: set or lift a hold on an account.
struct HoldCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hold",
        abstract:
            "Set or lift a hold on an account (attorney, minor, military, identity theft, validation requested…).",
        discussion: """
            A hold keeps the account from every placement run (docs/compliance.md). A hold set on an account an agency \
            already holds is sent to that agency as a request; `handoff send` delivers it. \
            Both are audited with the note.
            """,
        subcommands: [HoldAddCommand.self, HoldRemoveCommand.self])
}

extension Hold: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

/// `handoff hold add ACCOUNT KIND --note TEXT [--attorney-name …]`.
struct HoldAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Set a hold on an account.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The account number.") var account: String
    @Argument(help: "The hold: \(Hold.allCases.map(\.rawValue).joined(separator: ", ")).") var kind: Hold
    @Option(help: "Why, in a few words (audited, and sent to the agency).") var note: String
    @Option(help: "For attorney_represented: the attorney's name.") var attorneyName: String?
    @Option(help: "For attorney_represented: the attorney's phone.") var attorneyPhone: String?
    @Option(help: "For attorney_represented: the attorney's e-mail.") var attorneyEmail: String?
    @Option(help: "For attorney_represented: the attorney's postal address, on one line.") var attorneyAddress: String?

    func validate() throws {
        if kind != .attorney
            && [attorneyName, attorneyPhone, attorneyEmail, attorneyAddress].contains(where: { $0 != nil })
        {
            throw ValidationError("--attorney-… options go only with the attorney_represented hold")
        }
        if attorneyName == nil && [attorneyPhone, attorneyEmail, attorneyAddress].contains(where: { $0 != nil }) {
            throw ValidationError("--attorney-name is required with the attorney's phone, e-mail or address")
        }
    }

    func run() throws {
        let context = try global.open()
        let today = context.config.today()
        let partners = (try? context.partners()) ?? []
        let attorney = attorneyName.map {
            AttorneyContact(name: $0, phone: attorneyPhone, email: attorneyEmail, address: attorneyAddress)
        }
        let message = try AccountRequests.cli {
            try context.store.writeCompliance { w in
                try AccountHolds.add(
                    account: account, hold: kind, note: note, attorney: attorney, actor: "cli", today: today,
                    partners: partners, in: w).message
            }
        }
        print(message)
    }
}

/// `handoff hold remove ACCOUNT KIND --note TEXT`.
struct HoldRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Lift a hold from an account.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The account number.") var account: String
    @Argument(help: "The hold to lift.") var kind: Hold
    @Option(help: "Why it is lifted (audited).") var note: String

    func run() throws {
        let context = try global.open()
        let message = try AccountRequests.cli {
            try context.store.writeCompliance { w in
                try AccountHolds.remove(account: account, hold: kind, note: note, actor: "cli", in: w)
            }
        }
        print(message)
    }
}
