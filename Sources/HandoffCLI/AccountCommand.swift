import ArgumentParser
import HandoffDomain
import HandoffSQLite
import HandoffStore

/// `handoff account show NUMBER`.
struct AccountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account",
        abstract: "One account in detail.",
        subcommands: [Show.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "An account, its invoices with their balances, and every ledger row with its source.",
            discussion: """
                As the account stood on the --as-of day (default today): the invoices issued by then with their \
                balances then, and the ledger rows dated on or before it; rows dated later are left out and counted.
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The account number.")
        var number: String

        @Option(help: "The day to age on, YYYY-MM-DD (default: today in the business's time zone).")
        var asOf: String?

        @Flag(help: "JSON: money as integer minor units beside a currency field.")
        var json = false

        func run() throws {
            let context = try global.open()
            let day = try context.asOf(asOf)
            let view = try context.store.readReconciliation { ar -> AccountView? in
                guard let customer = try ar.customer(accountNumber: number) else { return nil }
                var view = AccountView(
                    customer: customer, invoices: try ar.invoices(customerID: customer.id, asOf: day),
                    ledger: try ar.ledger(customerID: customer.id), asOf: day)
                view.placements = try ar.placements(customerID: customer.id).map {
                    .init(
                        partner: $0.partnerID, tier: $0.tier, state: $0.state.name,
                        closure_reason: $0.closureReason?.rawValue,
                        agency_status: $0.agencyStatus, agency_reference: $0.agencyReference,
                        placed_on: $0.placedOn.iso,
                        balance: $0.balance.minorUnits, batch_id: $0.batchID)
                }
                view.agency_events = try ar.agencyEvents(accountNumber: number).map {
                    .init(
                        partner: $0.partnerID, key: $0.key, kind: $0.kind, state: $0.state.rawValue, reason: $0.reason)
                }
                view.requests = try ar.requests(customerID: customer.id).map {
                    .init(
                        partner: $0.partnerID, kind: $0.kind, request_id: $0.requestID, amount: $0.amount?.minorUnits,
                        date: $0.date.iso,
                        state: $0.state.rawValue, last_error: $0.lastError)
                }
                return view
            }
            guard let view else { throw CLIError("no account '\(number)'") }
            print(json ? try Output.json(view) : view.text)
        }
    }
}

/// An account with its invoices and ledger, as `account show` prints it.
struct AccountView: Encodable {
    struct InvoiceLine: Encodable {
        var invoice_number: String
        var invoice_date: String
        var due_date: String
        var amount: Int64
        var balance: Int64
        var disputed: Bool
        var days_past_due: Int
        var aging_bucket: String
    }
    struct LedgerLine: Encodable {
        struct Source: Encodable {
            var kind: String
            var name: String
            var line: Int?
            var event_id: String?
        }
        var id: Int64
        var date: String
        var kind: String
        var invoice_number: String
        var reference: String?
        /// Signed minor units: positive raises the balance.
        var amount: Int64
        var source: Source
        var recorded_at: String
    }

    var account_number: String
    var name: String
    var type: String
    var business_name: String?
    var first_name: String?
    var last_name: String?
    var contact_name: String?
    var address1: String?
    var address2: String?
    var city: String?
    var region: String?
    var postal_code: String?
    var country: String?
    var phone: String?
    var email: String?
    /// Only the last four characters: the full tax id stays in the database.
    var tax_id_last4: String?
    var currency: String
    var holds: [String]
    var as_of: String
    var balance: Int64
    var oldest_past_due_date: String?
    var days_past_due: Int
    var aging_bucket: String
    /// The invoices issued on or before `as_of`, with their balances on that day.
    var invoices: [InvoiceLine]
    /// The ledger rows with an effective date on or before `as_of`, in date order (rows of one
    /// day in the order written).
    var ledger: [LedgerLine]
    /// How many ledger rows are dated after `as_of` (left out of `ledger` and of every balance).
    var ledger_rows_after_as_of: Int
    struct PlacementLine: Encodable {
        var partner: String
        var tier: Int
        var state: String
        /// Why the placement ended; absent while it is open or when rejected.
        var closure_reason: String?
        /// The agency's own code for its latest status of the account; absent until it sends one.
        var agency_status: String?
        var agency_reference: String?
        var placed_on: String
        var balance: Int64
        var batch_id: Int64?
    }
    struct EventLine: Encodable {
        var partner: String
        var key: String
        var kind: String
        var state: String
        var reason: String?
    }
    /// Every placement of the account with an agency.
    var placements: [PlacementLine] = []
    /// Every agency event about the account, and what was done with it.
    var agency_events: [EventLine] = []
    /// A request to an agency about the account (a recall, a notice, a direct payment,
    /// an adjustment) and where it stands.
    struct RequestLine: Encodable {
        var partner: String
        var kind: String
        var request_id: String
        /// Minor units of the account's currency, for a direct payment or an adjustment.
        var amount: Int64?
        var date: String
        /// `queued`, `sent`, `accepted`, `confirmed`, `objected`, `rejected` or `failed`.
        var state: String
        var last_error: String?
    }
    var requests: [RequestLine] = []

    /// `invoices` as of `asOf` (issued by then, with their balances then); `ledger` whole: the
    /// rows dated after `asOf` are left out and counted.
    init(customer: CustomerRecord, invoices: [InvoiceRecord], ledger: [LedgerEntry], asOf: CalendarDate) {
        let p = customer.profile
        account_number = p.accountNumber
        name = p.displayName
        type = p.type.rawValue
        business_name = p.businessName
        first_name = p.firstName
        last_name = p.lastName
        contact_name = p.contactName
        address1 = p.address1
        address2 = p.address2
        city = p.city
        region = p.region
        postal_code = p.postalCode
        country = p.country
        phone = p.phone
        email = p.email
        tax_id_last4 = p.taxID.map { String($0.suffix(4)) }
        currency = p.currency.code
        holds = p.holds.sorted().map(\.rawValue)
        as_of = asOf.iso
        balance = invoices.reduce(0) { $0 + $1.balance }
        let oldest = invoices.filter { $0.balance > 0 }.map(\.terms.dueDate).min()
        let pastDue = PastDue(oldestOpenDueDate: oldest, asOf: asOf)
        oldest_past_due_date = pastDue.oldestDueDate?.iso
        days_past_due = pastDue.days
        aging_bucket = pastDue.bucket.rawValue
        self.invoices = invoices.map { i in
            let due = PastDue(oldestOpenDueDate: i.balance > 0 ? i.terms.dueDate : nil, asOf: asOf)
            return InvoiceLine(
                invoice_number: i.terms.invoiceNumber, invoice_date: i.terms.invoiceDate.iso,
                due_date: i.terms.dueDate.iso,
                amount: i.terms.amount.minorUnits, balance: i.balance, disputed: i.terms.disputed,
                days_past_due: due.days, aging_bucket: due.bucket.rawValue)
        }
        ledger_rows_after_as_of = ledger.filter { $0.effectiveDate > asOf }.count
        self.ledger = LedgerEntry.inDateOrder(ledger.filter { $0.effectiveDate <= asOf }).map { e in
            LedgerLine(
                id: e.id, date: e.effectiveDate.iso, kind: e.kind.rawValue, invoice_number: e.invoiceNumber,
                reference: e.reference,
                amount: e.amount.minorUnits,
                source: .init(
                    kind: e.source.kind.rawValue, name: e.source.name, line: e.source.line,
                    event_id: e.source.eventID),
                       recorded_at: e.recordedAt)
        }
    }

    /// The account for a person to read.
    var text: String {
        let cur = Currency(code: currency)!
        func money(_ v: Int64) -> String { Money(minorUnits: v, currency: cur).groupedText }
        var out: [String] = []
        out.append("\(account_number)  \(name)  (\(type), \(currency))")
        let address = [
            address1, address2, [city, region, postal_code].compactMap { $0 }.joined(separator: " "), country,
        ]
            .compactMap { $0 }.filter { !$0.isEmpty }
        if !address.isEmpty { out.append("  " + address.joined(separator: ", ")) }
        let contact = [contact_name, phone, email].compactMap { $0 }
        if !contact.isEmpty { out.append("  " + contact.joined(separator: " · ")) }
        if !holds.isEmpty { out.append("  holds: " + holds.joined(separator: ", ")) }
        out.append("  balance \(money(balance)) \(currency) as of \(as_of); "
                + (oldest_past_due_date.map { "oldest past due \($0), \(days_past_due) days (\(aging_bucket))" }
                    ?? "nothing past due"))
        out.append("")
        out.append("Invoices issued by \(as_of), balances as of \(as_of)")
        out.append(
            "  "
                + [
                    Output.cell("INVOICE", 16), Output.cell("DATE", 10), Output.cell("DUE", 10),
                    Output.cell("AMOUNT", 13, right: true),
                    Output.cell("BALANCE", 13, right: true), Output.cell("DAYS", 5, right: true), "BUCKET",
                ].joined(separator: "  "))
        for i in invoices {
            out.append(
                "  "
                    + [
                        Output.cell(i.invoice_number, 16), i.invoice_date, i.due_date,
                        Output.cell(money(i.amount), 13, right: true),
                        Output.cell(money(i.balance), 13, right: true),
                        Output.cell(String(i.days_past_due), 5, right: true),
                        i.aging_bucket + (i.disputed ? " (disputed)" : "")].joined(separator: "  "))
        }
        out.append("")
        out.append("Ledger up to \(as_of)" + (ledger_rows_after_as_of == 0 ? ""
            : " (\(ledger_rows_after_as_of) later row\(ledger_rows_after_as_of == 1 ? "" : "s") not shown)"))
        out.append(
            "  "
                + [
                    Output.cell("DATE", 10), Output.cell("KIND", 16), Output.cell("INVOICE", 16),
                    Output.cell("REFERENCE", 14),
                    Output.cell("AMOUNT", 13, right: true), "SOURCE"].joined(separator: "  "))
        for e in ledger {
            let source =
                e.source.kind == "api" ? "api:\(e.source.name)" : e.source.name + (e.source.line.map { ":\($0)" } ?? "")
            out.append(
                "  "
                    + [
                        e.date, Output.cell(e.kind, 16), Output.cell(e.invoice_number, 16),
                        Output.cell(e.reference ?? "", 14),
                        Output.cell(money(e.amount), 13, right: true), source].joined(separator: "  "))
        }
        if !placements.isEmpty {
            out.append("")
            out.append("Placements")
            for p in placements {
                out.append(
                    "  \(p.placed_on)  \(Output.cell(p.partner, 20))  tier \(p.tier)  "
                        + "\(Output.cell(p.state, 14))  \(money(p.balance))"
                           + (p.agency_reference.map { "  ref \($0)" } ?? "")
                           + PlacementsCommand.why(closureReason: p.closure_reason, agencyStatus: p.agency_status))
            }
        }
        if !agency_events.isEmpty {
            out.append("")
            out.append("Agency events")
            for e in agency_events {
                out.append(
                    "  \(Output.cell(e.partner, 20))  \(Output.cell(e.kind, 20))  \(Output.cell(e.key, 28))  \(e.state)"
                        + (e.reason.map { ": \($0)" } ?? ""))
            }
        }
        if !requests.isEmpty {
            out.append("")
            out.append("Requests to agencies")
            for r in requests {
                out.append(
                    "  \(r.date)  \(Output.cell(r.partner, 20))  \(Output.cell(r.kind, 14))  "
                        + "\(Output.cell(r.request_id, 22))"
                        + (r.amount.map { "  \(money($0))" } ?? "") + "  \(r.state)"
                        + (r.last_error.map { ": \($0)" } ?? ""))
            }
        }
        return out.joined(separator: "\n")
    }
}
