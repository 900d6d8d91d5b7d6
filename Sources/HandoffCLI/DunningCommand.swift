import ArgumentParser
import Foundation
import HandoffConfig
import HandoffDomain
import HandoffDunning
import HandoffStore

/// `handoff dunning`: reminders and the final notice by e-mail, and the credit-hold hook.
struct DunningCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dunning",
        abstract: "Send the reminders and final notices that are due by e-mail (--dry-run lists who would get what).",
        subcommands: [Run.self, Messages.self, Confirm.self, Resend.self],
        defaultSubcommand: Run.self)

    /// `handoff dunning [--dry-run]`.
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Send each due step once per account and cycle; then tell the [credit_hold] command of changes.")

        @OptionGroup var global: GlobalOptions
        @Flag(help: "List who would get which message; send and record nothing.") var dryRun = false
        @Option(help: "The day to run as (YYYY-MM-DD; default today).") var asOf: String?
        @Flag(help: "One JSON object: every account's outcome, and the counts.") var json = false

        func run() throws {
            let context = try global.open()
            let day = try context.asOf(asOf)
            if context.config.dunning == nil && dryRun {
                throw CLIError(
                    "no [dunning] table in \(context.config.file): add the steps and an [smtp] table (docs/dunning.md)")
            }
            var lines: [DunningRun.Line] = []
            if !json && !dryRun { print("Dunning run for \(day)") }
            if !json && dryRun { print("Dunning run for \(day) (dry run: nothing is sent or recorded)") }
            let outcome: DunningJob.Outcome
            do {
                outcome = try context.claiming(.dunning, dryRun: dryRun) {
                    try DunningJob.perform(
                        config: context.config, store: context.store, asOf: day, dryRun: dryRun
                    ) { line in
                        lines.append(line)
                        if !json { print(Self.text(line)) }
                    }
                }
            } catch let error as DunningSetupError {
                throw CLIError(error.description)
            } catch let error as DunningTemplates.Problem {
                throw CLIError(error.description)
            }
            if json {
                struct Body: Encodable {
                    var as_of: String
                    var dry_run: Bool
                    var messages: [DunningRun.Line]
                    var summary: DunningRun.Summary
                    var credit_hold_changes: [CreditHoldChange]
                }
                print(
                    try Output.json(
                        Body(
                            as_of: day.iso, dry_run: dryRun, messages: lines, summary: outcome.summary,
                            credit_hold_changes: outcome.holdChanges)))
            } else {
                for c in outcome.holdChanges { print("credit hold: \(c.account_number) \(c.change)") }
                print(outcome.text)
            }
            for f in outcome.holdFailures { Output.note(f) }
            let s = outcome.summary
            if s.failed > 0 || s.unconfirmed > 0 {
                throw CLIError(
                    "\(s.failed) message(s) refused for good and \(s.unconfirmed) to confirm: "
                        + "`handoff dunning messages` "
                        + "lists them; fix the address, then `handoff dunning resend ID`, "
                        + "or `handoff dunning confirm ID`"
                )
            }
            if s.retryLater > 0 || !outcome.holdFailures.isEmpty {
                Output.note("\(s.retryLater) message(s) to retry later: the next `handoff dunning` tries again")
                throw ExitCode(SendCommand.temporaryFailure)
            }
        }

        static func text(_ l: DunningRun.Line) -> String {
            let money = l.balance.flatMap { b in
                l.currency.flatMap(Currency.init(code:)).map { Money(minorUnits: b, currency: $0) }
            }
            let amount = money.map { " \($0.groupedText) \($0.currency.code)" } ?? ""
            let head =
                "\(Output.cell(l.account_number, 12))  \(Output.cell(l.outcome, 12))  \(Output.cell(l.step ?? "-", 16))"
            switch l.outcome {
            case "would_send", "sent":
                let placement = l.placement_date.map { "; placement on \($0)" } ?? ""
                return head
                    + "  to \(l.email ?? "")\(amount), "
                    + "invoices \((l.invoices ?? []).joined(separator: ", "))\(placement)"
            default:
                return head + "  \(l.detail ?? "")"
            }
        }
    }

    /// `handoff dunning messages`: every message, with its state.
    struct Messages: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "messages",
            abstract: "Every reminder and final notice recorded, with its state and last error.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "JSON.") var json = false
        @Option(help: "Only this account.") var account: String?

        func run() throws {
            let context = try global.open()
            let all = try context.store.readDunning { try $0.dunningMessages() }.filter {
                account == nil || $0.accountNumber == account
            }
            if json {
                struct Row: Encodable {
                    var id: Int64, account_number: String, step: String, kind: String, cycle: String, message_id: String
                    var recipient: String, subject: String, balance: Int64, currency: String, invoices: [String]
                    var placement_date: String?, state: String, attempts: Int, last_error: String?, created_at: String
                    var sent_at: String?
                }
                print(
                    try Output.json([
                        "messages": all.map {
                            Row(
                                id: $0.id, account_number: $0.accountNumber, step: $0.step, kind: $0.kind.rawValue,
                                cycle: $0.cycle,
                                message_id: $0.messageID, recipient: $0.recipient, subject: $0.subject,
                                balance: $0.balance, currency: $0.currency,
                                invoices: $0.invoices, placement_date: $0.placementDate?.iso,
                                state: $0.delivery.state.stored.rawValue,
                                attempts: $0.delivery.attempts, last_error: $0.lastError, created_at: $0.createdAt,
                                sent_at: $0.sentAt)
                        }
                    ]))
                return
            }
            for m in all {
                print(
                    "#\(m.id)  \(Output.cell(m.accountNumber, 12))  \(Output.cell(m.step, 16))  "
                        + "\(Output.cell(m.delivery.state.stored.rawValue, 12))"
                        + "  \(m.createdAt.prefix(10))  \(m.recipient)" + (m.lastError.map { "  \($0)" } ?? ""))
            }
            if all.isEmpty { print("no dunning messages recorded") }
        }
    }

    /// `handoff dunning confirm ID`.
    struct Confirm: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "confirm",
            abstract: "Record that an unconfirmed message did reach the mail server.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The message's id (`handoff dunning messages`).") var id: Int64

        func run() throws {
            let context = try global.open()
            do {
                let m = try DunningByHand.confirm(id: id, store: context.store)
                print("#\(id) \(m.accountNumber) \(m.step): recorded as sent")
            } catch let error as DunningByHand.Refused { throw CLIError(error.description) }
        }
    }

    /// `handoff dunning resend ID`.
    struct Resend: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "resend",
            abstract: "Send a failed or unconfirmed message again at the next run (same Message-ID).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The message's id (`handoff dunning messages`).") var id: Int64

        func run() throws {
            let context = try global.open()
            do {
                let m = try DunningByHand.resend(id: id, store: context.store)
                print("#\(id) \(m.accountNumber) \(m.step): sent again by the next `handoff dunning`")
            } catch let error as DunningByHand.Refused { throw CLIError(error.description) }
        }
    }
}

/// `handoff credit-holds`: the accounts that should not buy on open terms.
struct CreditHoldsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credit-holds",
        abstract: "Every account that should not buy on open terms, with why and since when (--csv, --json).")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "CSV on standard output (account_number,name,since,reasons,past_due,currency).") var csv = false
    @Flag(help: "JSON.") var json = false
    @Option(help: "The day to list as of (YYYY-MM-DD; default today).") var asOf: String?

    func run() throws {
        let context = try global.open()
        let day = try context.asOf(asOf)
        let entries = try CreditHoldList.current(
            store: context.store, rules: context.config.creditHold.rules, asOf: day)
        if json {
            struct Body: Encodable { var as_of: String; var credit_holds: [CreditHoldEntry] }
            print(try Output.json(Body(as_of: day.iso, credit_holds: entries)))
            return
        }
        if csv {
            func field(_ s: String) -> String {
                var t = s
                if let f = t.first, "=+-@\t\r".contains(f) { t = "'" + t }
                return t.contains(where: { ",\"\n\r".contains($0) })
                    ? "\"" + t.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : t
            }
            print("account_number,name,since,reasons,past_due,currency")
            for e in entries {
                let money =
                    Currency(code: e.currency).map { Money(minorUnits: e.past_due, currency: $0).decimalText }
                    ?? "\(e.past_due)"
                print(
                    [
                        e.account_number, e.name, e.since, e.reasons.map(\.reason).joined(separator: ";"), money,
                        e.currency,
                    ]
                    .map(field).joined(separator: ","))
            }
            return
        }
        for e in entries {
            print(
                "\(Output.cell(e.account_number, 12))  \(Output.cell(e.name, 30))  since \(e.since)  "
                    + e.reasons.map { "\($0.reason) (\($0.detail), since \($0.since))" }.joined(separator: "; "))
        }
        print(
            entries.isEmpty
                ? "no account is on credit hold"
                : "\(entries.count) account\(entries.count == 1 ? "" : "s") on credit hold")
    }
}

/// `handoff worklist`: past-due accounts not with an agency, largest and oldest first.
struct WorklistCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worklist",
        abstract:
            "Past-due accounts not with an agency, ranked by amount and age, each with its next step and its date.")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "JSON.") var json = false
    @Option(help: "The day to rank as of (YYYY-MM-DD; default today).") var asOf: String?

    struct Row: Encodable {
        var rank: Int, account_number: String, name: String, past_due: Int64, currency: String, days_past_due: Int,
            score: Int
        var next_step: String, next_step_date: String?, next_step_detail: String
    }

    static func rows(_ entries: [WorklistEntry]) -> [Row] {
        entries.enumerated().map { i, e in
            Row(
                rank: i + 1, account_number: e.profile.accountNumber, name: e.profile.displayName,
                past_due: e.pastDue.minorUnits,
                currency: e.pastDue.currency.code, days_past_due: e.daysPastDue, score: e.score, next_step: e.next.code,
                next_step_date: e.next.date?.iso, next_step_detail: e.next.text)
        }
    }

    func run() throws {
        let context = try global.open()
        let day = try context.asOf(asOf)
        let entries = try WorklistBuilder.build(config: context.config, store: context.store, asOf: day)
        if json {
            struct Body: Encodable {
                var as_of: String; var amount_weight: Int; var age_weight: Int; var accounts: [Row]
            }
            print(
                try Output.json(
                    Body(
                        as_of: day.iso, amount_weight: context.config.worklist.amountPercent,
                        age_weight: context.config.worklist.agePercent, accounts: Self.rows(entries))))
            return
        }
        print(
            "Work list for \(day) (score: \(context.config.worklist.amountPercent)% amount, "
                + "\(context.config.worklist.agePercent)% age)"
        )
        for r in Self.rows(entries) {
            let money = Currency(code: r.currency).map { Money(minorUnits: r.past_due, currency: $0).groupedText } ?? ""
            print(
                "\(Output.cell(String(r.rank), 4, right: true))  \(Output.cell(r.account_number, 12))  "
                    + "\(Output.cell(r.name, 26))  "
                    + "\(Output.cell(money, 14, right: true)) \(r.currency)  "
                    + "\(Output.cell("\(r.days_past_due) d", 7, right: true))  "
                    + "\(Output.cell(String(r.score), 4, right: true))  \(r.next_step_detail)")
        }
        if entries.isEmpty { print("no past-due account outside an agency") }
    }
}
