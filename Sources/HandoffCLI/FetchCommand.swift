import ArgumentParser
import Foundation
import HandoffAgencyLink
import HandoffConfig
import HandoffDomain
import HandoffIntake
import HandoffOutbox
import HandoffSQLite
import HandoffStore

/// `handoff fetch`: take in what the agencies sent back.
struct FetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract:
            """
            Download what agencies returned: verify, archive, deduplicate; \
            quarantine what fails (see `handoff inbox`).
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Only this partner.")
    var partner: String?

    @Flag(help: "Only take files in; do not apply them (`handoff reconcile` does).")
    var noApply = false

    func run() throws {
        let context = try global.open()
        let partners = try context.partners(), factory = TransportFactory(root: context.config.root)
        let receipts = Receipts(
            store: context.store, partners: partners, factory: factory, dataDirectory: context.config.dataDirectory)
        let intake = Intake(
            store: context.store, partners: partners, factory: factory, dataDirectory: context.config.dataDirectory)
        let reports = try context.claiming(.fetch) {
            let reports = try receipts.poll(only: partner) + intake.fetch(only: partner)
            for r in reports { print("\(Output.cell(r.partnerID, 20))  \(Output.cell(r.name, 44))  \(r.outcome)") }
            if reports.isEmpty { print("nothing to fetch") }
            if !noApply { try ReconcileCommand.apply(context) }
            return reports
        }
        let permanent = reports.filter { $0.failure == .permanent }.count
        let temporary = reports.filter { $0.failure == .temporary }.count
        if permanent > 0 {
            throw CLIError(
                "\(permanent) failure\(permanent == 1 ? "" : "s") a person must fix "
                    + "(and \(temporary) temporary): see above"
            )
        }
        if temporary > 0 {
            FileHandle.standardError.write(
                Data(
                    """
                    \(temporary) temporary failure\(temporary == 1 ? "" : "s"): left at the agency; \
                    the next `handoff fetch` tries again\n
                    """
                        .utf8))
            throw ExitCode(SendCommand.temporaryFailure)
        }
    }
}

/// `handoff inbox`: every received file with its state.
struct InboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inbox",
        abstract: "Every file received from the agencies: kind, state, reason, size and SHA-256.")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "JSON output.")
    var json = false

    struct Line: Encodable {
        var id: Int64
        var partner: String
        var kind: String
        var name: String
        var state: String
        var reason: String?
        var size: Int64
        var sha256: String
        var received_at: String
    }

    func run() throws {
        let context = try global.open()
        let lines = try context.store.readInbox { try $0.inbox() }.map {
            Line(
                id: $0.id, partner: $0.partnerID, kind: $0.kind, name: $0.remoteName, state: $0.state.rawValue,
                reason: $0.reason, size: $0.size,
                sha256: $0.sha256, received_at: $0.receivedAt)
        }
        if json {
            print(try Output.json(lines))
            return
        }
        for l in lines {
            print(
                "#\(l.id)  \(Output.cell(l.partner, 20))  \(Output.cell(l.name, 44))  "
                    + "\(Output.cell(l.kind, 15))  \(l.state)"
                  + (l.reason.map { "\n      \($0)" } ?? ""))
        }
        if lines.isEmpty { print("the inbox is empty") }
    }
}
