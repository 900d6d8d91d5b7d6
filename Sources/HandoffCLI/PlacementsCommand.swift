import ArgumentParser
import Foundation
import HandoffDomain
import HandoffSQLite
import HandoffStore

/// `handoff placements`: batches and placed accounts with their state.
struct PlacementsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "placements",
        abstract: "List placement batches and placed accounts with their state.")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "JSON output.")
    var json = false

    struct BatchLine: Encodable {
        var id: Int64
        var partner: String
        var batch: String
        var file: String
        var control_file: String?
        var run_date: String
        var state: String
        var accounts: Int
        var invoices: Int
        var total: Int64
        var sha256: String
        var size: Int
    }
    struct PlacementLine: Encodable {
        var account_number: String
        var partner: String
        var tier: Int
        var batch_id: Int64?
        var state: String
        /// Why the placement ended (`paid_in_full`, `settled`, `returned_uncollectable`,
        /// `recalled`, `withdrawn`); absent while it is open or when rejected.
        var closure_reason: String?
        /// The agency's own code for its latest status of the account (`PPA`, `promise_to_pay`…);
        /// absent until it sends one.
        var agency_status: String?
        var agency_reference: String?
        var placed_on: String
        var balance: Int64
        var currency: String
        var days_past_due: Int
    }

    /// What a person reads after a placement's line: why it closed and the agency's last
    /// status code, as `  (paid in full; agency status PAID)`; empty when neither is known.
    static func why(closureReason: String?, agencyStatus: String?) -> String {
        let parts = [closureReason.map { $0.replacingOccurrences(of: "_", with: " ") },
                     agencyStatus.map { "agency status \($0)" }].compactMap { $0 }
        return parts.isEmpty ? "" : "  (" + parts.joined(separator: "; ") + ")"
    }

    func run() throws {
        let context = try global.open()
        try context.store.readPlacements { r in
            let batches = try r.batches().map {
                BatchLine(
                    id: $0.id, partner: $0.partnerID, batch: $0.batchKey, file: $0.fileName,
                    control_file: $0.controlName,
                    run_date: $0.runDate.iso, state: $0.state.rawValue, accounts: $0.accounts, invoices: $0.invoices,
                    total: $0.total,
                    sha256: $0.sha256, size: $0.size)
            }
            if json {
                print("{\"batches\":" + (try Output.json(batches, pretty: false)) + ",\"placements\":[", terminator: "")
            } else {
                print("Batches")
                for b in batches {
                    print(
                        "  #\(b.id)  \(b.run_date)  \(Output.cell(b.partner, 20))  \(Output.cell(b.file, 40))  "
                            + "\(b.state)  \(b.accounts) accounts, \(b.invoices) invoices"
                    )
                }
                if batches.isEmpty { print("  none") }
                print("\nPlacements")
            }
            var first = true
            // The words of docs/accounting.md: placed (all), open (with the agency now), rejected, closed (and why).
            var placed = 0, open = 0, rejected = 0
            var closed: [String: Int] = [:]
            try r.forEachPlacement { p in
                placed += 1
                if p.state.isOpen { open += 1 } else if p.state.name == "rejected" { rejected += 1 } else {
                    closed[
                        (p.closureReason?.rawValue ?? p.state.name).replacingOccurrences(of: "_", with: " "), default: 0
                    ] += 1
                }
                let line = PlacementLine(
                    account_number: p.accountNumber, partner: p.partnerID, tier: p.tier, batch_id: p.batchID,
                    state: p.state.name, closure_reason: p.closureReason?.rawValue, agency_status: p.agencyStatus,
                    agency_reference: p.agencyReference, placed_on: p.placedOn.iso,
                    balance: p.balance.minorUnits, currency: p.balance.currency.code, days_past_due: p.daysPastDue)
                if json {
                    print((first ? "" : ",") + (try Output.json(line, pretty: false)), terminator: "")
                } else {
                    print(
                        "  \(Output.cell(p.accountNumber, 12))  \(Output.cell(p.partnerID, 20))  tier \(p.tier)  "
                            + "\(Output.cell(p.state.name, 14))  "
                            + "\(p.placedOn)  "
                            + "\(Output.cell(p.balance.groupedText, 12, right: true)) \(p.balance.currency.code)"
                            + (p.batchID.map { "  batch #\($0)" } ?? "")
                            + Self.why(closureReason: line.closure_reason, agencyStatus: line.agency_status))
                }
                first = false
            }
            if json { print("]}") } else if first { print("  none") } else {
                let closedCount = closed.values.reduce(0, +)
                let reasons = closed.keys.sorted().map { "\(closed[$0]!) \($0)" }.joined(separator: ", ")
                print(
                    "\n\(placed) placed: \(open) open, \(rejected) rejected, \(closedCount) closed"
                        + (reasons.isEmpty ? "" : " (\(reasons))"))
            }
        }
    }
}

/// `handoff notices`: final notices recorded by placement runs, with a CSV for mail merge.
struct NoticesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notices",
        abstract: "List the final notices placement runs recorded; --csv writes them for a mail merge.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Write a CSV file for a mail merge (spreadsheet-safe).")
    var csv: String?

    func run() throws {
        let context = try global.open()
        let notices = try context.store.readPlacements { try $0.finalNotices() }
        if let csv {
            let writer = CSVWriterFile(path: csv)
            try writer.write(notices)
            print("\(notices.count) notice\(notices.count == 1 ? "" : "s") written to \(csv)")
            return
        }
        for n in notices {
            print(
                "\(n.noticeDate)  \(Output.cell(n.profile.accountNumber, 12))  "
                    + "\(Output.cell(n.profile.displayName, 30))  \(n.balance.groupedText) \(n.balance.currency.code)"
            )
        }
        if notices.isEmpty { print("no final notices recorded") }
    }
}
