public import HandoffConfig
public import HandoffDomain
import HandoffLayout

/// How one kind of agency return maps onto ``AgencyEvent``s, from the partner file:
///
///     [returns.activity]
///     event_type_field = "record_type"
///     statuses = { PIF = "paid_in_full", SIF = "settled", … }
///     [returns.activity.events]
///     PMT = { event = "payment_collected", id = "transaction_id", account = "account_number", … }
///
/// Each record's type field picks a rule; the rule names the record's fields that fill the
/// event. Amounts are decimal text (`amount_format = "decimal"`, `amount_digits`) or whole
/// minor units (`"minor_units"`); dates are read with `date_format` from their first characters.
public struct EventMapping: Sendable {
    /// One record type's rule: the event it makes and where each value comes from.
    public struct Rule: Sendable {
        public var event: String
        public var fields: [String: String]
    }

    public var typeField: String
    public var rules: [String: Rule]
    /// Agency status code → meaning.
    public var statuses: [String: StatusMeaning]
    public var amountFormat: String
    public var amountDigits: Int
    public var dateFormat: String
    /// The largest amount a record may carry (`[limits] max_amount`; ``PartnerLoader`` sets it).
    public var maxAmount = AmountLimit.default

    static let events = [
        "accepted", "rejected", "acknowledged", "file_rejected", "status_changed", "payment_collected",
        "payment_reversed",
        "direct_payment_echo", "remittance_line", "remittance_total", "remittance_statement", "ignored",
    ]
    static let fieldKeys = [
        "id", "account", "date", "amount", "commission", "net", "invoice", "invoices", "payment", "payments",
        "reference",
        "reason", "note", "status", "result", "accepted_value", "request"]

    /// Reads `event_type_field`, `statuses`, `amount_format`, `amount_digits`, `date_format`
    /// and the `events` table from a return kind's table.
    public static func read(_ t: TableReader) -> EventMapping? {
        guard t.has("events") else { return nil }
        let typeField = t.requiredString("event_type_field") ?? ""
        var statuses: [String: StatusMeaning] = [:]
        if let s = t.table("statuses") {
            for (code, node) in s.table {
                guard case .string(let meaning) = node, let m = StatusMeaning(rawValue: meaning) else {
                    s.problems.add(
                        s.keyPath(code),
                        "must be one of \(StatusMeaning.allCases.map(\.rawValue).joined(separator: ", "))")
                    continue
                }
                statuses[code] = m
            }
        }
        let amountFormat = t.string("amount_format", default: "decimal")
        if amountFormat != "decimal" && amountFormat != "minor_units" {
            t.problems.add(t.keyPath("amount_format"), "must be decimal or minor_units")
        }
        let digits = t.int("amount_digits", default: 2, range: 0...4)
        let dateFormat = t.string("date_format", default: "yyyy-MM-dd")
        var rules: [String: Rule] = [:]
        if let e = t.table("events") {
            for (type, node) in e.table {
                guard case .table(let r) = node else {
                    e.problems.add(e.keyPath(type), "must be a table such as { event = \"payment_collected\", … }");
                    continue
                }
                let reader = TableReader(r, path: e.keyPath(type), problems: e.problems)
                let event = reader.requiredString("event") ?? ""
                if !events.contains(event) {
                    reader.problems.add(
                        reader.keyPath("event"), "'\(event)' is not one of \(events.joined(separator: ", "))")
                }
                var fields: [String: String] = [:]
                for key in fieldKeys { if let v = reader.string(key) { fields[key] = v } }
                reader.rejectUnknownKeys()
                rules[type] = Rule(event: event, fields: fields)
            }
        }
        return EventMapping(
            typeField: typeField, rules: rules, statuses: statuses, amountFormat: amountFormat, amountDigits: digits,
            dateFormat: dateFormat)
    }

    /// The keys a return kind's table may hold for its mapping.
    public static let keys: Set<String> = [
        "event_type_field", "statuses", "amount_format", "amount_digits", "date_format", "events",
    ]

    /// A record's values, by field name: a CSV row, a fixed-width record, or a JSON event.
    public typealias Values = (String) -> Any?

    /// The events one record makes. `origin` identifies the record (file hash and line, or
    /// event id) for events that carry no id of their own.
    public func events(_ values: Values, partnerID: String, origin: String) throws(MappingError) -> [AgencyEvent] {
        // A NUL is no text: SQLite would keep it and PostgreSQL cannot, so an id or account
        // number holding one would mean one thing on one engine and another on the other.
        func refuseNUL(_ name: String, _ label: String) throws(MappingError) {
            guard let raw = values(name) as? String, raw.holdsNUL else { return }
            throw MappingError(message: "\(label)\(name) holds a NUL character (byte 0), which is not text")
        }
        try refuseNUL(typeField, "")
        let type = text(values(typeField)) ?? ""
        guard let rule = rules[type] else {
            throw MappingError(message: "\(typeField) '\(type)' has no rule in the partner file")
        }
        for name in rule.fields.values.sorted() { try refuseNUL(name, "\(type): ") }
        func field(_ key: String) -> String? {
            rule.fields[key].flatMap { text(values($0)) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        func required(_ key: String) throws(MappingError) -> String {
            guard let v = field(key) else {
                throw MappingError(message: "\(type): \(rule.fields[key] ?? key) is empty")
            }
            return v
        }
        func limited(_ value: Int64, _ name: String) throws(MappingError) -> Int64 {
            guard maxAmount.allows(value, digits: amountDigits) else {
                throw MappingError(message: "\(type): \(name) \(maxAmount.refusal(value, digits: amountDigits))")
            }
            return value
        }
        func amount(_ key: String) throws(MappingError) -> Int64? {
            guard let raw = rule.fields[key].flatMap({ values($0) }) else { return nil }
            if let n = raw as? Int { return try limited(Int64(n), rule.fields[key]!) }
            if let n = raw as? Int64 { return try limited(n, rule.fields[key]!) }
            guard let t = text(raw), !t.isEmpty else { return nil }
            do {
                return try limited(
                    amountFormat == "minor_units"
                        ? try Amount.parseImpliedDecimal(t) : try Amount.parseMinorUnits(t, digits: amountDigits),
                        rule.fields[key]!)
            } catch let e as MappingError { throw e } catch {
                throw MappingError(message: "\(type): \(rule.fields[key]!) \(error)")
            }
        }
        func date() throws(MappingError) -> CalendarDate? {
            guard let t = field("date") else { return nil }
            guard let d = DatePattern.parse(String(t.prefix(dateFormat.count)), pattern: dateFormat) else {
                throw MappingError(
                    message: "\(type): \(rule.fields["date"]!) '\(t)' is not a date in the form \(dateFormat)")
            }
            return d
        }
        let account = field("account")
        let note = field("note")
        let kind: AgencyEvent.Kind
        var key = origin
        switch rule.event {
        case "ignored":
            return []
        case "accepted", "rejected", "acknowledged":
            // An acknowledgement of an updates file names the business's own request id
            // (`request`); one of a placement file names none.
            let accepted = rule.event == "accepted"
                || (rule.event == "acknowledged" && field("result") == (rule.fields["accepted_value"] ?? "accepted"))
            let reason = field("reason") ?? "rejected"
            if let request = field("request") {
                kind =
                    accepted ? .updateAccepted(requestID: request) : .updateRejected(requestID: request, reason: reason)
            } else {
                kind = accepted ? .accepted(agencyReference: field("reference")) : .rejected(reason: reason)
            }
        case "file_rejected":
            kind = .fileRejected(reason: field("reason") ?? "rejected")
        case "status_changed":
            let code = try required("status")
            guard let meaning = statuses[code] else {
                throw MappingError(message: "\(type): status '\(code)' has no meaning in the partner file's statuses")
            }
            kind = .statusChanged(code: code, meaning: meaning)
        case "payment_collected":
            let id = try required("id")
            guard let gross = try amount("amount") else { throw MappingError(message: "\(type): the amount is empty") }
            var invoices: [InvoiceAmount] = []
            if let number = field("invoice") { invoices = [InvoiceAmount(invoiceNumber: number, amount: gross)] }
            if let listKey = rule.fields["invoices"], let list = values(listKey) as? [[String: Any]] {
                for item in list {
                    guard let number = item["invoice_number"] as? String else { continue }
                    let cents = try limited(
                        (item["amount_cents"] as? Int).map(Int64.init) ?? 0, "\(listKey) amount_cents")
                    invoices.append(InvoiceAmount(invoiceNumber: number, amount: cents))
                }
            }
            kind = .paymentCollected(
                paymentID: id, gross: gross, commission: try amount("commission"), net: try amount("net"),
                invoices: invoices)
            key = "payment:" + id
        case "payment_reversed":
            let id = try required("id")
            guard let amt = try amount("amount") else { throw MappingError(message: "\(type): the amount is empty") }
            kind = .paymentReversed(
                reversalID: id, paymentID: try required("payment"), amount: amt, commission: try amount("commission"))
            key = "reversal:" + id
        case "direct_payment_echo":
            let id = try required("id")
            guard let amt = try amount("amount") else { throw MappingError(message: "\(type): the amount is empty") }
            kind = .directPaymentEcho(
                transactionID: id, clientReference: field("reference"), amount: amt,
                commission: try amount("commission"))
            key = "direct:" + id
        case "remittance_line":
            let id = try required("id")
            kind = .remittanceLine(
                transactionID: id, amount: try amount("amount") ?? 0, commission: try amount("commission") ?? 0,
                net: try amount("net") ?? 0)
            key = origin
        case "remittance_total":
            kind = .remittanceTotal(
                amount: try amount("amount") ?? 0, commission: try amount("commission") ?? 0,
                net: try amount("net") ?? 0,
                reference: field("reference"))
        case "remittance_statement":
            let id = try required("id")
            var payments: [String] = []
            if let listKey = rule.fields["payments"], let list = values(listKey) as? [Any] {
                payments = list.compactMap { text($0) }
            }
            kind = .remittanceStatement(
                statementID: id, gross: try amount("amount") ?? 0, fee: try amount("commission") ?? 0,
                paymentIDs: payments,
                reference: field("reference"))
            key = "remittance:" + id
        default:
            throw MappingError(message: "\(type): unknown event \(rule.event)")
        }
        return [
            AgencyEvent(
                partnerID: partnerID, accountNumber: account, date: try date(), kind: kind, key: key, note: note)
        ]
    }

    private func text(_ value: Any?) -> String? {
        switch value {
        case let s as String: return s
        case let n as Int: return String(n)
        case let n as Int64: return String(n)
        // A whole number beyond Int64 (JSON allows any) stays text, which no amount parses.
        case let d as Double where d == d.rounded(): return Int64(exactly: d).map { String($0) } ?? "\(d)"
        case nil: return nil
        default: return value.map { "\($0)" }
        }
    }
}

/// A record an agency sent that its partner file cannot turn into an event.
public struct MappingError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
