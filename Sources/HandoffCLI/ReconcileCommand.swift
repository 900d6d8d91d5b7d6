import ArgumentParser
import HandoffConfig
import HandoffDomain
import HandoffReconciliation
import HandoffSQLite
import HandoffStore

/// `handoff reconcile`: apply what agencies returned.
struct ReconcileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Apply every received agency file and event not yet applied, in the order they arrived, exactly once."
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let context = try global.open()
        // The fetch job applies what it takes in: the same claim.
        try context.claiming(.fetch) { try Self.apply(context) }
    }

    static func apply(_ context: CommandContext) throws {
        let tally = try Reconciliation(
            store: context.store, partners: try context.partners(), today: context.config.today()
        ).run { l in
            guard l.outcome != "duplicate" else { return }
            print(
                "\(Output.cell(l.partnerID, 20))  \(Output.cell(l.account ?? "-", 12))  "
                    + "\(Output.cell(l.key, 30))  \(l.outcome)"
                  + (l.reason.map { ": \($0)" } ?? ""))
        }
        print(
            tally.total == 0
                ? "nothing to apply"
                : "applied \(tally.applied), held \(tally.held), waiting \(tally.waiting)"
              + (tally.duplicate > 0 ? ", already applied \(tally.duplicate)" : ""))
    }
}

/// `handoff events`: every agency event with what was done with it.
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract:
            """
            Every agency event: applied, waiting (a reversal before its payment), held for a person \
            or dismissed, with the reason.
            """,
        subcommands: [List.self, Retry.self, Dismiss.self],
        defaultSubcommand: List.self)

    /// `handoff events retry ID…`: after fixing what held them.
    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                """
                Apply held events again once their cause is fixed (the account imported, a rejection cleared…); \
                each stays held, with the new reason, if not.
                """
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The events' ids, as `handoff events` shows them.")
        var ids: [Int64] = []
        @Flag(help: "Every held event.")
        var all = false

        func validate() throws {
            if ids.isEmpty == !all { throw ValidationError("name the held events' ids, or --all") }
        }

        func run() throws {
            let context = try global.open()
            let reconciliation = Reconciliation(
                store: context.store, partners: try context.partners(), today: context.config.today())
            let targets =
                all
                ? try context.store.readReconciliation {
                    try $0.agencyEvents(notIn: ["applied", "waiting", "dismissed"], limit: Int.max)
                }
                .filter { $0.state == .held }.map(\.id).sorted() : ids
            var applied = 0
            for id in targets {
                do {
                    let line = try reconciliation.retryHeld(id: id, actor: "cli")
                    if line.outcome == "applied" { applied += 1 }
                    print(
                        "#\(id)  \(Output.cell(line.partnerID, 20))  "
                            + "\(Output.cell(line.account ?? "-", 12))  \(line.outcome)"
                            + (line.reason.map { ": \($0)" } ?? ""))
                } catch let e as ReconciliationError {
                    throw CLIError(e.description)
                }
            }
            print("applied \(applied), still held \(targets.count - applied)")
        }
    }

    /// `handoff events dismiss ID --reason TEXT`: a held event a person decided not to apply.
    struct Dismiss: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a held event aside for good, with the reason; nothing is booked.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The event's id, as `handoff events` shows it.")
        var id: Int64
        @Option(help: "Why it is set aside (kept in the event and the audit log).")
        var reason: String

        func run() throws {
            let context = try global.open()
            do {
                let line = try Reconciliation(
                    store: context.store, partners: try context.partners(), today: context.config.today()
                )
                    .dismissHeld(id: id, reason: reason, actor: "cli")
                print("#\(id)  \(line.partnerID)  \(line.account ?? "-")  \(line.reason ?? "dismissed")")
            } catch let e as ReconciliationError {
                throw CLIError(e.description)
            }
        }
    }
}

extension EventsCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every agency event with its state and reason.")

        @OptionGroup var global: GlobalOptions

        @Flag(help: "JSON output.")
        var json = false

        struct Line: Encodable {
            var id: Int64
            var partner: String
            var key: String
            var account_number: String?
            var kind: String
            var state: String
            var reason: String?
            var inbox_id: Int64?
        }

        func run() throws {
            let context = try global.open()
            let lines = try context.store.readReconciliation { try $0.agencyEvents() }.map {
                Line(
                    id: $0.id, partner: $0.partnerID, key: $0.key, account_number: $0.accountNumber, kind: $0.kind,
                    state: $0.state.rawValue, reason: $0.reason,
                    inbox_id: $0.inboxID)
            }
            if json { print(try Output.json(lines)); return }
            for l in lines {
                print(
                    "#\(l.id)  \(Output.cell(l.partner, 20))  \(Output.cell(l.account_number ?? "-", 12))  "
                        + "\(Output.cell(l.kind, 20))  \(l.state)"
                      + (l.reason.map { ": \($0)" } ?? ""))
            }
            if lines.isEmpty { print("no agency events") }
        }
    }
}

/// `handoff remittances`: each remittance statement, matched or with what differs.
struct RemittancesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remittances",
        abstract:
            """
            Each remittance statement: matched, or the transactions and amounts \
            that differ from what Handoff recorded.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "JSON output (amounts in minor units).")
    var json = false

    func run() throws {
        let context = try global.open()
        let statements = try context.store.readReconciliation { try $0.remittances() }
        if json { print(try Output.json(statements)); return }
        for r in statements {
            let currency = r.currency.flatMap { Currency(code: $0) }
            func money(_ m: Int64?) -> String {
                guard let m else { return "-" }
                return currency.map { Money(minorUnits: m, currency: $0).groupedText + " " + $0.code }
                    ?? Amount.format(m, digits: 2)
            }
            print(
                "\(Output.cell(r.partnerID, 20))  \(Output.cell(r.key, 30))  \(r.model)  "
                    + "amount \(money(r.amount))  commission \(money(r.commission))  net \(money(r.net))"
                  + (r.reference.map { "  ref \($0)" } ?? "") + "  \(r.state)")
            if let note = r.note { print("    \(note)") }
            for d in r.differences where d.field != "currency" {
                let what =
                    d.field == "already_remitted"
                    ? "already remitted by an earlier statement (\(money(d.recorded))), "
                        + "listed again with nothing changed since"
                    : "\(d.field) on the statement \(money(d.statement)), recorded \(money(d.recorded))"
                print("    \(d.transactionID): \(what)")
            }
        }
        if statements.isEmpty { print("no remittance statements") }
    }
}
