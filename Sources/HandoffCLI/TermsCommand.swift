import ArgumentParser
import HandoffDomain
import HandoffReconciliation
import HandoffStore

/// `handoff terms [--dry-run] [--as-of DATE]`: recall every account whose placement term ran out.
struct TermsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "terms",
        abstract: "Recall every account whose agency's placement term ([terms] in its partner file) ran out.",
        discussion: """
            Each recall goes through the agency's own recall procedure \
            (the recall request its partner file describes); \
            `handoff send` delivers it. Once the agency confirms, \
            the next placement run offers the account to the next tier. \
            `handoff serve` runs this every day. With --dry-run, shows what it would do and changes nothing.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "The day to judge the terms on, YYYY-MM-DD (default: today in the business's time zone).") var asOf:
        String?
    @Flag(help: "Show what would happen; change nothing.") var dryRun = false
    @Flag(help: "JSON output.") var json = false

    struct Line: Encodable {
        var account_number: String
        var partner: String
        var placed_on: String
        var decision: String
        var action: String
        var request_id: String?
    }

    static func name(_ d: PlacementTermClock.Decision) -> String {
        switch d {
        case .recall: return "recall"
        case .keep: return "keep"
        case .recallPending: return "recall_pending"
        case .objectionRespected: return "objection_respected"
        case .objectionNotEntitled: return "objection_not_entitled"
        case .notApplicable: return "not_applicable"
        }
    }

    func run() throws {
        let context = try global.open()
        let day = try context.asOf(asOf)
        let run = PlacementTermsRun(partners: try context.partners(), asOf: day, dryRun: dryRun)
        let lines = try context.claiming(.terms, dryRun: dryRun) { try run.run(store: context.store) }.map {
            Line(
                account_number: $0.accountNumber, partner: $0.partnerID, placed_on: $0.placedOn.iso,
                decision: Self.name($0.decision),
                action: $0.action, request_id: $0.requestID)
        }
        if json { print(try Output.json(lines)); return }
        print("Placement terms on \(day)\(dryRun ? " (dry run: nothing is changed)" : "")")
        for l in lines {
            print(
                Output.cell(l.account_number, 12) + "  " + Output.cell(l.partner, 20)
                    + "  placed \(l.placed_on)  \(l.action)")
        }
        let recalls = lines.filter { $0.decision == "recall" }.count
        print(
            "\n\(dryRun ? "Would recall" : "Recalled") \(recalls) account\(recalls == 1 ? "" : "s") "
                + "of \(lines.count) with agencies that set terms"
              + (recalls > 0 && !dryRun ? "; `handoff send` delivers the recalls" : ""))
    }
}
