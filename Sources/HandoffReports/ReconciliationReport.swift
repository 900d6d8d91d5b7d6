import HandoffDomain
import HandoffStore

/// The accountant's month: per agency and currency, what was placed and collected, the
/// commission, what the agency owes (net due) and what it remitted. Shared by
/// `handoff report reconciliation` and the dashboard.
public struct ReconciliationReport: Encodable, Sendable {
    /// One agency in one currency.
    public struct Row: Encodable, Sendable {
        public var figures: AgencyMonthFigures
        public var remittance_model: String
        /// Net: collected less commission less direct-payment fees (what the agency owes the business).
        /// Gross: collected (the agency invoices commission and fees separately).
        public var net_due: Int64
        /// Commission and direct-payment fees the business owes (gross agencies invoice them).
        public var fees_owed: Int64

        public func encode(to encoder: any Encoder) throws {
            try figures.encode(to: encoder)
            enum K: String, CodingKey { case remittance_model, net_due, fees_owed }
            var c = encoder.container(keyedBy: K.self)
            try c.encode(remittance_model, forKey: .remittance_model)
            try c.encode(net_due, forKey: .net_due)
            try c.encode(fees_owed, forKey: .fees_owed)
        }
    }
    /// YYYY-MM.
    public var month: String
    public var agencies: [Row]
    /// By partner: statements dated in the month (net for a net agency, gross for a gross one).
    public var remitted: [String: Int64]
    /// By partner: net due less remitted (all currencies of the partner together, as its statements count them).
    public var difference: [String: Int64]

    /// The first and last day of a `YYYY-MM` month, or nil when the text is not one.
    public static func days(ofMonth month: String) -> (from: CalendarDate, to: CalendarDate)? {
        let parts = month.split(separator: "-")
        guard parts.count == 2, let y = Int(parts[0]), let m = Int(parts[1]), let from = CalendarDate(year: y, month: m, day: 1),
              let to = CalendarDate(year: y, month: m, day: CalendarDate.daysIn(month: m, year: y)) else { return nil }
        return (from, to)
    }

    /// Builds the month's report from the store's figures and each partner's remittance model.
    public init(month: String, from: CalendarDate, to: CalendarDate, models: [String: RemittanceModel], reader: any ReportReading) throws {
        let figures = try reader.agencyFigures(from: from, to: to)
        remitted = try reader.remitted(from: from, to: to)
        self.month = month
        agencies = figures.map { f -> Row in
            let model = models[f.partner] ?? .net
            let fees = f.commission + f.direct_payment_fees
            return Row(figures: f, remittance_model: model.rawValue, net_due: model == .net ? f.collected_gross - fees : f.collected_gross, fees_owed: fees)
        }
        var difference: [String: Int64] = [:]
        for partner in Set(agencies.map(\.figures.partner)).union(remitted.keys) {
            difference[partner] = agencies.filter { $0.figures.partner == partner }.reduce(0) { $0 + $1.net_due } - (remitted[partner] ?? 0)
        }
        self.difference = difference
    }
}
