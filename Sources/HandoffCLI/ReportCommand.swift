import ArgumentParser
import HandoffDomain
import HandoffPartners
import HandoffStore

/// `handoff report reconciliation --month YYYY-MM`.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Reports for the accountant.",
        subcommands: [Reconciliation.self, Scorecard.self])

    struct Scorecard: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per agency and placement month: accounts and amount placed, collected, liquidation rate, commission, days to first payment, share returned.")

        @OptionGroup var global: GlobalOptions

        @Flag(help: "JSON output (amounts in minor units, rates in basis points).")
        var json = false

        func run() throws {
            let context = try global.open()
            let rows = try context.store.readReconciliation { try $0.vintages() }
            if json { print(try Output.json(rows)); return }
            print([Output.cell("AGENCY", 20), Output.cell("VINTAGE", 7), "CUR", Output.cell("ACCTS", 5, right: true), Output.cell("PLACED", 13, right: true),
                   Output.cell("COLLECTED", 12, right: true), Output.cell("LIQ.", 7, right: true), Output.cell("COMMISSION", 11, right: true),
                   Output.cell("DAYS", 5, right: true), Output.cell("RETURNED", 8, right: true)].joined(separator: "  "))
            for r in rows {
                let cur = Currency(code: r.currency) ?? .usd
                func t(_ v: Int64) -> String { Money(minorUnits: v, currency: cur).groupedText }
                print([Output.cell(r.partner, 20), Output.cell(r.vintage, 7), r.currency, Output.cell(String(r.accounts), 5, right: true),
                       Output.cell(t(r.placed_amount), 13, right: true), Output.cell(t(r.collected), 12, right: true),
                       Output.cell(Amount.format(r.liquidation_bp, digits: 2) + "%", 7, right: true), Output.cell(t(r.commission), 11, right: true),
                       Output.cell(r.average_days_to_first_payment.map { String(Int($0.rounded())) } ?? "-", 5, right: true),
                       Output.cell(Amount.format(r.returned_bp, digits: 2) + "%", 8, right: true)].joined(separator: "  "))
            }
            if rows.isEmpty { print("no placements yet") }
        }
    }

    struct Reconciliation: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per agency and currency: placed, collected gross, commission, net due, remitted, difference, direct payments with fees owed.")

        @OptionGroup var global: GlobalOptions

        @Option(help: "The month, YYYY-MM.")
        var month: String

        @Flag(help: "JSON output (amounts in minor units).")
        var json = false

        struct Row: Encodable {
            var figures: AgencyMonthFigures
            var remittance_model: String
            /// Net: collected less commission less direct-payment fees (what the agency owes the business).
            /// Gross: collected (the agency invoices commission and fees separately).
            var net_due: Int64
            /// Commission and direct-payment fees the business owes (gross agencies invoice them).
            var fees_owed: Int64

            func encode(to encoder: any Encoder) throws {
                try figures.encode(to: encoder)
                enum K: String, CodingKey { case remittance_model, net_due, fees_owed }
                var c = encoder.container(keyedBy: K.self)
                try c.encode(remittance_model, forKey: .remittance_model)
                try c.encode(net_due, forKey: .net_due)
                try c.encode(fees_owed, forKey: .fees_owed)
            }
        }
        struct Report: Encodable {
            var month: String
            var agencies: [Row]
            /// By partner: statements dated in the month (net for a net agency, gross for a gross one).
            var remitted: [String: Int64]
            /// By partner: net due less remitted (all currencies of the partner together, as its statements count them).
            var difference: [String: Int64]
        }

        func run() throws {
            let parts = month.split(separator: "-")
            guard parts.count == 2, let y = Int(parts[0]), let m = Int(parts[1]), let from = CalendarDate(year: y, month: m, day: 1) else {
                throw ValidationError("--month '\(month)' is not YYYY-MM")
            }
            let to = CalendarDate(year: y, month: m, day: CalendarDate.daysIn(month: m, year: y))!
            let context = try global.open()
            let models = Dictionary(uniqueKeysWithValues: try context.partners().map { ($0.id, $0.terms.remittance) })
            let (figures, remitted) = try context.store.readReconciliation { r in (try r.agencyFigures(from: from, to: to), try r.remitted(from: from, to: to)) }
            let rows = figures.map { f -> Row in
                let model = models[f.partner] ?? .net
                let fees = f.commission + f.direct_payment_fees
                return Row(figures: f, remittance_model: model.rawValue, net_due: model == .net ? f.collected_gross - fees : f.collected_gross, fees_owed: fees)
            }
            var difference: [String: Int64] = [:]
            for partner in Set(rows.map(\.figures.partner)).union(remitted.keys) {
                difference[partner] = rows.filter { $0.figures.partner == partner }.reduce(0) { $0 + $1.net_due } - (remitted[partner] ?? 0)
            }
            let report = Report(month: month, agencies: rows, remitted: remitted, difference: difference)
            if json { print(try Output.json(report)); return }
            print("Reconciliation for \(month)")
            print([Output.cell("AGENCY", 20), "CUR", Output.cell("PLACED", 6, right: true), Output.cell("AMOUNT", 13, right: true),
                   Output.cell("COLLECTED", 12, right: true), Output.cell("COMMISSION", 11, right: true), Output.cell("NET DUE", 12, right: true),
                   Output.cell("DIRECT", 12, right: true), Output.cell("FEES OWED", 10, right: true)].joined(separator: "  "))
            for r in rows {
                let cur = Currency(code: r.figures.currency) ?? .usd
                func t(_ v: Int64) -> String { Money(minorUnits: v, currency: cur).groupedText }
                print([Output.cell(r.figures.partner, 20), r.figures.currency, Output.cell(String(r.figures.placed_accounts), 6, right: true),
                       Output.cell(t(r.figures.placed_amount), 13, right: true), Output.cell(t(r.figures.collected_gross), 12, right: true),
                       Output.cell(t(r.figures.commission), 11, right: true), Output.cell(t(r.net_due), 12, right: true),
                       Output.cell(t(r.figures.direct_payment_amount), 12, right: true), Output.cell(t(r.fees_owed), 10, right: true)].joined(separator: "  "))
            }
            for partner in difference.keys.sorted() {
                print("  \(partner): remitted \(Amount.format(remitted[partner] ?? 0, digits: 2)), difference \(Amount.format(difference[partner]!, digits: 2))")
            }
            if rows.isEmpty { print("(nothing in \(month))") }
        }
    }
}
