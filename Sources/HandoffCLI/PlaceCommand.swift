import ArgumentParser
import Foundation
import HandoffConfig
import HandoffDomain
import HandoffLayout
import HandoffPlacement
import HandoffStore

/// `handoff place`: a placement run.
struct PlaceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "place",
        abstract: "Select accounts, allocate them to agencies and write each agency's placement batch.",
        discussion: """
            With --dry-run, shows what would be placed where and why not for the rest, and changes nothing. \
            Without it, writes the batches to the staging folder and records them, all in one transaction; \
            running it again for the same day places nothing new.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "The day of the run, YYYY-MM-DD (default: today in the business's time zone).")
    var asOf: String?

    @Flag(help: "Show what would happen; change nothing.")
    var dryRun = false

    @Flag(help: "JSON output.")
    var json = false

    @Flag(help: "Only the summary, not a line per account.")
    var quiet = false

    func run() throws {
        let context = try global.open()
        let day = try context.asOf(asOf)
        let partners = try context.partners()
        if partners.isEmpty {
            throw CLIError(
                "there is no agency to place with: put one partner file per agency in "
                    + "\(context.config.partnersDirectory) "
                    + "(docs/partners.md), check it with `handoff partners check`, "
                    + "then run this again; nothing was placed"
            )
        }
        let run = PlacementRun(
            options: .init(
                asOf: day, dryRun: dryRun, rules: context.config.placementRules, partners: partners,
                businessName: context.config.businessName, stagingDirectory: context.config.stagingDirectory,
                finalNoticeByEmail: context.config.finalNoticeByEmail,
                compliance: context.config.compliance))
        var first = true
        // The heading is printed once the run holds its claim: a refusal leaves no half a document.
        let summary = try context.claiming(.place, dryRun: dryRun) {
            if json { print("{\"as_of\":\"\(day.iso)\",\"dry_run\":\(dryRun),\"decisions\":[", terminator: "") }
            else if !quiet { print("Placement run for \(day)\(dryRun ? " (dry run: nothing is changed)" : "")") }
            return try run.run(store: context.store) { decision in
                if quiet { return }
                if json {
                    print(
                        (first ? "\n  " : ",\n  ")
                            + ((try? Output.json(DecisionLine(decision), pretty: false)) ?? "{}"), terminator: "")
                    first = false
                } else {
                    print(DecisionLine(decision).text)
                }
            }
        }
        if json {
            print(first ? "]," : "\n],")
            let tail = RunSummaryJSON(summary)
            let encoded = try Output.json(tail, pretty: false)
            print(String(encoded.dropFirst()))      // the summary's fields close the object
        } else {
            print(RunSummaryJSON(summary).text(dryRun: dryRun))
        }
    }
}

/// One account's decision, for people and programs.
struct DecisionLine: Encodable {
    var account_number: String
    var name: String
    var outcome: String
    var partner: String?
    var tier: Int?
    var batch: String?
    var reason_code: String?
    /// The compliance gate's codes, when it kept the account back (docs/compliance.md).
    var compliance_codes: [String]?
    var reason: String?
    var balance: Int64?
    var currency: String?
    var days_past_due: Int?

    init(_ d: PlacementRun.Decision) {
        account_number = d.accountNumber
        name = d.name
        balance = d.balance?.minorUnits
        currency = d.balance?.currency.code
        days_past_due = d.daysPastDue
        switch d.outcome {
        case .placed(let p, let t, let b):
            outcome = "placed"; partner = p; tier = t; batch = b
        case .finalNoticeRecorded:
            outcome = "final_notice"; reason_code = "final_notice_recorded";
            reason = "final notice recorded; placeable once its waiting period ends"
        case .notPlaced(let why):
            outcome = "not_placed"; reason_code = why.code.rawValue; reason = why.detail
            compliance_codes = why.reasons.isEmpty ? nil : why.reasons.map(\.rawValue)
        case .refused(let p, let refusal):
            outcome = "refused"; partner = p; reason_code = refusal.reason;
            reason = "\(refusal.field): \(refusal.message)"
        }
    }

    var text: String {
        let amount =
            balance.flatMap { b in
                currency.flatMap { Currency(code: $0) }.map {
                    Money(minorUnits: b, currency: $0).groupedText + " " + $0.code
                }
            } ?? ""
        let head = Output.cell(account_number, 12) + "  " + Output.cell(name, 26) + "  "
        switch outcome {
        case "placed": return head + "→ \(partner!) (tier \(tier!))  \(amount), \(days_past_due ?? 0) days"
        case "refused": return head + "refused by \(partner!)'s layout: \(reason_code!): \(reason!)"
        case "final_notice": return head + "final notice recorded (\(amount))"
        default:
            let codes = compliance_codes.map { " [\($0.joined(separator: ","))]" } ?? ""
            return head + "not placed: \(reason!)" + codes
        }
    }
}

/// The run's totals.
struct RunSummaryJSON: Encodable {
    struct Batch: Encodable {
        var partner: String
        var batch: String
        var file: String
        var control_file: String?
        var accounts: Int
        var invoices: Int
        var total: Int64
        var sha256: String
    }
    var batches: [Batch]
    var placed: Int
    var final_notices: Int
    var refused: Int
    var not_placed: [String: Int]

    init(_ s: PlacementRun.Summary) {
        batches = s.batches.map {
            Batch(
                partner: $0.partnerID, batch: $0.batchKey, file: $0.fileName, control_file: $0.controlName,
                accounts: $0.accounts, invoices: $0.invoices, total: $0.total, sha256: $0.sha256)
        }
        placed = s.placed
        final_notices = s.noticesRecorded
        refused = s.refused
        not_placed = Dictionary(uniqueKeysWithValues: s.notPlaced.map { ($0.key.rawValue, $0.value) })
    }

    func text(dryRun: Bool) -> String {
        let notices = "\(final_notices) final notice\(final_notices == 1 ? "" : "s") \(dryRun ? "due" : "recorded")"
        let notPlaced = not_placed.isEmpty
            ? "none" : not_placed.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        var lines: [String] = [
            "",
            "\(dryRun ? "Would place" : "Placed") \(placed) account\(placed == 1 ? "" : "s"); "
                + "\(refused) refused by a layout; \(notices); not placed: \(notPlaced)",
        ]
        for b in batches {
            lines.append(
                "  \(b.partner): \(b.file) (\(b.accounts) accounts, "
                    + "\(b.invoices) invoices)\(b.control_file.map { " + \($0)" } ?? "")"
            )
        }
        if !dryRun && batches.isEmpty { lines.append("  no new batch") }
        return lines.joined(separator: "\n")
    }
}
