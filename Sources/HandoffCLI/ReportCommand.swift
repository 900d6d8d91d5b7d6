import ArgumentParser
import HandoffDomain
import HandoffPartners
import HandoffReports
import HandoffSQLite
import HandoffStore

/// `handoff report reconciliation --month YYYY-MM`.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Reports for the accountant.",
        subcommands: [Reconciliation.self, Scorecard.self])

    struct Scorecard: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                """
                Per agency and placement month: accounts placed, rejected, open and returned, collected, \
                liquidation rate, commission, days to first payment.
                """
        )

        @OptionGroup var global: GlobalOptions

        @Flag(help: "JSON output (amounts in minor units, rates in basis points).")
        var json = false

        func run() throws {
            let context = try global.open()
            let rows = try context.store.readReconciliation { try $0.vintages() }
            if json { print(try Output.json(rows)); return }
            print(
                [
                    Output.cell("AGENCY", 20), Output.cell("VINTAGE", 7), "CUR", Output.cell("PLACED", 6, right: true),
                    Output.cell("REJ", 4, right: true),
                   Output.cell("OPEN", 5, right: true), Output.cell("ACCEPTED AMOUNT", 15, right: true),
                   Output.cell("COLLECTED", 12, right: true), Output.cell("LIQ.", 7, right: true),
                   Output.cell("COMMISSION", 11, right: true),
                   Output.cell("DAYS", 5, right: true), Output.cell("RETURNED", 8, right: true),
                ].joined(separator: "  "))
            for r in rows {
                let cur = Currency(code: r.currency) ?? .usd
                func t(_ v: Int64) -> String { Money(minorUnits: v, currency: cur).groupedText }
                print(
                    [
                        Output.cell(r.partner, 20), Output.cell(r.vintage, 7), r.currency,
                        Output.cell(String(r.placed_accounts), 6, right: true),
                        Output.cell(String(r.rejected_accounts), 4, right: true),
                        Output.cell(String(r.open_accounts), 5, right: true),
                       Output.cell(t(r.accepted_amount), 15, right: true), Output.cell(t(r.collected), 12, right: true),
                       Output.cell(Amount.format(r.liquidation_bp, digits: 2) + "%", 7, right: true),
                       Output.cell(t(r.commission), 11, right: true),
                       Output.cell(
                            r.average_days_to_first_payment.map { String(Int($0.rounded())) } ?? "-", 5, right: true),
                        Output.cell(Amount.format(r.returned_bp, digits: 2) + "%", 8, right: true),
                    ].joined(separator: "  "))
            }
            if rows.isEmpty { print("no placements yet") }
        }
    }

    struct Reconciliation: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                """
                Per agency and currency: placed, collected gross, commission, net due, \
                remitted, difference, direct payments with fees owed.
                """
        )

        @OptionGroup var global: GlobalOptions

        @Option(help: "The month, YYYY-MM.")
        var month: String

        @Flag(help: "JSON output (amounts in minor units).")
        var json = false

        func run() throws {
            guard let (from, to) = ReconciliationReport.days(ofMonth: month) else {
                throw ValidationError("--month '\(month)' is not YYYY-MM")
            }
            let context = try global.open()
            let models = Dictionary(uniqueKeysWithValues: try context.partners().map { ($0.id, $0.terms.remittance) })
            let report = try context.store.readReconciliation {
                try ReconciliationReport(month: month, from: from, to: to, models: models, reader: $0)
            }
            let rows = report.agencies
            if json { print(try Output.json(report)); return }
            print("Reconciliation for \(month)")
            print(
                [
                    Output.cell("AGENCY", 20), "CUR", Output.cell("PLACED", 6, right: true),
                    Output.cell("AMOUNT", 13, right: true),
                    Output.cell("COLLECTED", 12, right: true), Output.cell("COMMISSION", 11, right: true),
                    Output.cell("NET DUE", 12, right: true),
                    Output.cell("DIRECT", 12, right: true), Output.cell("FEES OWED", 10, right: true),
                ].joined(separator: "  "))
            for r in rows {
                let cur = Currency(code: r.figures.currency) ?? .usd
                func t(_ v: Int64) -> String { Money(minorUnits: v, currency: cur).groupedText }
                print(
                    [
                        Output.cell(r.figures.partner, 20), r.figures.currency,
                        Output.cell(String(r.figures.placed_accounts), 6, right: true),
                        Output.cell(t(r.figures.placed_amount), 13, right: true),
                        Output.cell(t(r.figures.collected_gross), 12, right: true),
                        Output.cell(t(r.figures.commission), 11, right: true),
                        Output.cell(t(r.net_due), 12, right: true),
                        Output.cell(t(r.figures.direct_payment_amount), 12, right: true),
                        Output.cell(t(r.fees_owed), 10, right: true),
                    ].joined(separator: "  "))
            }
            for r in rows where r.remitted != 0 || r.net_due != 0 {
                let cur = Currency(code: r.figures.currency)
                func m(_ v: Int64) -> String {
                    cur.map { Money(minorUnits: v, currency: $0).groupedText + " " + $0.code }
                        ?? "\(Amount.format(v, digits: 2)) \(r.figures.currency)"
                }
                print(
                    "  \(r.figures.partner) \(r.figures.currency): net due \(m(r.net_due)), "
                        + "remitted \(m(r.remitted)), difference \(m(r.difference))"
                )
            }
            if rows.isEmpty { print("(nothing in \(month))") }
        }
    }
}
