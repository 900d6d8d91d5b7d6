public import HandoffDomain
public import HandoffStore

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
        /// What the agency's statements covering the month remitted in this currency (net for
        /// a net agency, gross for a gross one; refused statements left out).
        public var remitted: Int64
        /// Net due less remitted, in this currency.
        public var difference: Int64 { net_due - remitted }

        public func encode(to encoder: any Encoder) throws {
            try figures.encode(to: encoder)
            enum K: String, CodingKey { case remittance_model, net_due, fees_owed, remitted, difference }
            var c = encoder.container(keyedBy: K.self)
            try c.encode(remittance_model, forKey: .remittance_model)
            try c.encode(net_due, forKey: .net_due)
            try c.encode(fees_owed, forKey: .fees_owed)
            try c.encode(remitted, forKey: .remitted)
            try c.encode(difference, forKey: .difference)
        }
    }
    /// YYYY-MM.
    public var month: String
    /// One row per agency and currency: every figure of a row is in its currency, and no
    /// figure adds two currencies.
    public var agencies: [Row]

    /// The first and last day of a `YYYY-MM` month, or nil when the text is not one.
    public static func days(ofMonth month: String) -> (from: CalendarDate, to: CalendarDate)? {
        let parts = month.split(separator: "-")
        guard parts.count == 2, let y = Int(parts[0]), let m = Int(parts[1]),
            let from = CalendarDate(year: y, month: m, day: 1),
              let to = CalendarDate(year: y, month: m, day: CalendarDate.daysIn(month: m, year: y)) else { return nil }
        return (from, to)
    }

    /// Builds the month's report from the store's figures and each partner's remittance model.
    public init(
        month: String, from: CalendarDate, to: CalendarDate, models: [String: RemittanceModel],
        reader: any ReportReading
    ) throws {
        var figures = try reader.agencyFigures(from: from, to: to)
        let remitted = try reader.remitted(from: from, to: to)
        // An agency that remitted in a currency it has no other figure in still gets its row.
        for (partner, byCurrency) in remitted {
            for code in byCurrency.keys where !figures.contains(where: { $0.partner == partner && $0.currency == code })
            {
                figures.append(AgencyMonthFigures(partner: partner, currency: code))
            }
        }
        figures.sort { ($0.partner, $0.currency) < ($1.partner, $1.currency) }
        self.month = month
        agencies = figures.map { f -> Row in
            let model = models[f.partner] ?? .net
            let fees = f.commission + f.direct_payment_fees
            return Row(
                figures: f, remittance_model: model.rawValue,
                net_due: model == .net ? f.collected_gross - fees : f.collected_gross, fees_owed: fees,
                remitted: remitted[f.partner]?[f.currency] ?? 0)
        }
    }
}
