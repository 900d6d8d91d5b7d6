import ArgumentParser
import HandoffConfig
import HandoffPartners
import HandoffDomain
import HandoffReconciliation
import HandoffSQLite
import HandoffStore

/// `handoff recall ACCOUNT --reason TEXT`: ask the agency that holds an account to give it back.
struct RecallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recall",
        abstract:
            """
            Ask the agency that holds an account to return it; `handoff send` delivers the request, \
            the agency's answer confirms or objects.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The account number.")
    var account: String

    @Option(help: "Why the business recalls it (sent to the agency).")
    var reason: String

    func run() throws {
        let context = try global.open()
        let today = context.config.today()
        let message = try AccountRequests.cli {
            try context.store.writeReconciliation { w in
                try AccountRequests.recall(account: account, reason: reason, actor: "cli", today: today, in: w)
            }
        }
        print(message)
    }
}

/// `handoff notify ACCOUNT --kind dispute|bankruptcy|deceased|cease_contact --note TEXT`.
struct NotifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract:
            """
            Tell the agency that holds an account about a dispute, a bankruptcy, \
            a death or a cease-contact request the business received.
            """
    )

    enum Kind: String, ExpressibleByArgument, CaseIterable { case dispute, bankruptcy, deceased, cease_contact }

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The account number.") var account: String
    @Option(help: "dispute, bankruptcy, deceased or cease_contact.") var kind: Kind
    @Option(help: "What the business received, in a few words.") var note: String

    func run() throws {
        let context = try global.open()
        let today = context.config.today()
        let notice = AccountRequests.Notice(rawValue: kind.rawValue)!
        let message = try AccountRequests.cli {
            try context.store.writeReconciliation { w in
                try AccountRequests.notify(
                    account: account, notice: notice, note: note, actor: "cli", today: today, in: w)
            }
        }
        print(message)
    }
}

/// `handoff requests`: every request to an agency, with its state.
struct RequestsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "requests",
        abstract:
            """
            Requests to agencies (recalls, direct payments, adjustments, notices): \
            queued, sent, accepted, confirmed, objected, rejected or failed.
            """
    )

    @OptionGroup var global: GlobalOptions
    @Flag(help: "JSON output.") var json = false

    struct Line: Encodable {
        var id: Int64
        var partner: String
        var account_number: String
        var kind: String
        var request_id: String
        var amount: Int64?
        var currency: String?
        var date: String
        var state: String
        var last_error: String?
    }

    func run() throws {
        let context = try global.open()
        let lines = try context.store.readReconciliation { try $0.requests(state: nil) }.map {
            Line(
                id: $0.id, partner: $0.partnerID, account_number: $0.accountNumber, kind: $0.kind,
                request_id: $0.requestID,
                amount: $0.amount?.minorUnits, currency: $0.amount?.currency.code, date: $0.date.iso,
                state: $0.state.rawValue, last_error: $0.lastError)
        }
        if json { print(try Output.json(lines)); return }
        for l in lines {
            print(
                "#\(l.id)  \(Output.cell(l.partner, 20))  \(Output.cell(l.account_number, 12))  "
                    + "\(Output.cell(l.kind, 14))  \(Output.cell(l.request_id, 20))  \(l.state)"
                  + (l.last_error.map { ": \($0)" } ?? ""))
        }
        if lines.isEmpty { print("no requests") }
    }
}

/// `handoff clear ACCOUNT --partner ID`: lift an agency's rejection of an account.
struct ClearCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clear",
        abstract:
            """
            Clear an agency's rejection of an account (after fixing its cause), \
            so that the agency may be offered it again.
            """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The account number.") var account: String
    @Option(help: "The agency that rejected it.") var partner: String

    func run() throws {
        let context = try global.open()
        let agencies = PartnerLoader.loadAll(directory: context.config.partnersDirectory).partners.map(\.id)
        let message = try AccountRequests.cli {
            try context.store.writeReconciliation { w in
                try AccountRequests.clear(account: account, partner: partner, agencies: agencies, actor: "cli", in: w)
            }
        }
        print(message)
    }
}

extension AccountRequests {
    /// A refusal as the CLI reports it (one line, exit status 1).
    static func cli(_ body: () throws -> String) throws -> String {
        do { return try body() } catch let refusal as Refusal { throw CLIError(refusal.description) }
    }
}
