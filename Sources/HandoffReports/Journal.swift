import Foundation
public import HandoffConfig
import HandoffLayout
import HandoffCSV
public import HandoffDomain
public import HandoffPartners
public import HandoffStore

/// A double-entry journal entry: postings in one currency that sum to zero.
public struct JournalEntry: Sendable, Equatable {
    public struct Posting: Sendable, Equatable {
        /// The account's readable name (`[journal]`).
        public var account: String
        public var amount: Money
        /// A balance assertion: the account's balance after this posting (hledger `= amount`).
        public var assertion: Money?
        /// What the account is for, and for a per-agency account the agency: how its code is found.
        public var role: JournalAccounts.Role
        public var partner: String?
    }
    public var date: CalendarDate
    public var description: String
    public var postings: [Posting]
    /// The debtor's name, on an entry about one account (QuickBooks puts it on the receivable split).
    public var customer: String?

    public init(date: CalendarDate, description: String, postings: [Posting], customer: String? = nil) {
        self.date = date
        self.description = description
        self.postings = postings
        self.customer = customer
    }
}

/// Why a journal cannot be exported as asked: nothing is written.
public struct JournalExportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Builds the accountant's journal for a period from what reconciliation recorded: recoveries
/// (cash due from the agency, its commission as collection expense, the receivable reduced),
/// reversals, direct-payment fees owed, settlement allowances and remittances; then balance
/// assertions, from the reconciliation report's own figures, that the agency clearing and
/// fees-payable accounts must reach — so the journal and the report tie or `hledger check` fails.
public enum Journal {
    public static func build(
        _ r: any ReconciliationWriting, partners: [Partner], accounts: JournalAccounts, from: CalendarDate,
        to: CalendarDate
    ) throws -> [JournalEntry] {
        let models = Dictionary(uniqueKeysWithValues: partners.map { ($0.id, $0.terms.remittance) })
        let commissions = try r.commissions()
        var entries: [JournalEntry] = []
        var currencies: [String: Currency] = [:]
        var names: [String: String] = [:]
        func customerName(_ number: String) throws -> String {
            if let name = names[number] { return name }
            let name = try r.customer(accountNumber: number)?.profile.displayName ?? number
            names[number] = name
            return name
        }
        func posting(_ role: JournalAccounts.Role, _ minor: Int64, _ c: Currency, partner: String? = nil)
            -> JournalEntry.Posting
        {
            .init(
                account: accounts.name(role, partner: partner), amount: Money(minorUnits: minor, currency: c),
                assertion: nil, role: role,
                partner: role.perAgency ? partner : nil)
        }

        for item in try r.agencyTransactions(from: from, to: to) {
            let t = item.transaction
            let partner = String(t.reference.prefix { $0 != ":" })
            let c = item.currency
            currencies[partner] = c
            let model = models[partner] ?? .net
            switch t.kind {
            case .payment, .paymentReversal:
                let base = t.kind == .payment ? t.amount : -t.amount
                let fee = commissions.first { $0.transactionID == t.id }?.expected ?? 0
                let what = t.kind == .payment ? "payment" : "reversal"
                var postings = [posting(.collectionFees, fee, c), posting(.receivable, -base, c)]
                postings.insert(posting(.agencyClearing, model == .net ? base - fee : base, c, partner: partner), at: 0)
                if model == .gross { postings.append(posting(.feesPayable, -fee, c, partner: partner)) }
                entries.append(
                    JournalEntry(
                        date: t.date, description: "\(partner) | \(what) \(t.reference) on \(item.accountNumber)",
                        postings: postings.filter { $0.amount.minorUnits != 0 },
                        customer: try customerName(item.accountNumber)))
            case .writeoff:
                entries.append(
                    JournalEntry(
                        date: t.date, description: "\(partner) | settlement allowance on \(item.accountNumber)",
                        postings: [posting(.settlementAllowance, t.amount, c), posting(.receivable, -t.amount, c)],
                        customer: try customerName(item.accountNumber)))
            default:
                continue
            }
        }
        for fee in commissions where fee.kind == "direct_payment" {
            guard let date = fee.date, date >= from, date <= to, let c = Currency(code: fee.currency) else { continue }
            currencies[fee.partnerID] = c
            let model = models[fee.partnerID] ?? .net
            entries.append(
                JournalEntry(
                    date: date, description: "\(fee.partnerID) | fee owed on a direct payment (\(fee.eventKey))",
                    postings: [
                posting(.collectionFees, fee.expected, c),
                posting(model == .net ? .agencyClearing : .feesPayable, -fee.expected, c, partner: fee.partnerID),
            ]))
        }
        // Each statement (or each currency's part of one) is booked in its own currency.
        var remitted: [String: [Currency: Int64]] = [:]
        for statement in try r.remittances() where statement.state != "refused" {
            guard let text = statement.date, let date = CalendarDate(iso: text), date >= from, date <= to,
                let c = statement.currency.flatMap({ Currency(code: $0) }) ?? currencies[statement.partnerID]
            else { continue }
            let amount = statement.model == "net" ? statement.net : statement.amount
            remitted[statement.partnerID, default: [:]][c, default: 0] += amount
            entries.append(
                JournalEntry(
                    date: date,
                    description: "\(statement.partnerID) | remittance \(statement.reference ?? statement.key)",
                    postings: [
                        posting(.bank, amount, c), posting(.agencyClearing, -amount, c, partner: statement.partnerID),
                    ]))
        }
        entries.sort { $0.date < $1.date }

        // Balance assertions from the reconciliation report's figures (computed by the store's
        // own aggregation, not from the entries above).
        for f in try r.agencyFigures(from: from, to: to) {
            guard let c = Currency(code: f.currency),
                currencies.values.contains(c) || f.collected_gross != 0 || f.direct_payment_fees != 0
            else { continue }
            let model = models[f.partner] ?? .net
            let due = model == .net ? f.collected_gross - f.commission - f.direct_payment_fees : f.collected_gross
            var postings = [
                JournalEntry.Posting(
                    account: accounts.name(.agencyClearing, partner: f.partner), amount: .zero(c),
                    assertion: Money(minorUnits: due - (remitted[f.partner]?[c] ?? 0), currency: c),
                    role: .agencyClearing, partner: f.partner)]
            if model == .gross {
                postings.append(.init(account: accounts.name(.feesPayable, partner: f.partner), amount: .zero(c),
                        assertion: Money(minorUnits: -(f.commission + f.direct_payment_fees), currency: c),
                        role: .feesPayable, partner: f.partner))
            }
            entries.append(
                JournalEntry(
                    date: to, description: "\(f.partner) | balances per the reconciliation report", postings: postings))
        }
        return entries
    }

    /// The currencies the entries post in, sorted.
    public static func currencies(_ entries: [JournalEntry]) -> [Currency] {
        Set(entries.flatMap { $0.postings.map(\.amount.currency) }).sorted()
    }

    /// The entries of one currency, for a format whose file carries one currency (Xero, QuickBooks):
    /// `currency` when given; the period's only one otherwise; refused when it holds several.
    public static func oneCurrency(_ entries: [JournalEntry], _ currency: Currency?, format: String) throws
        -> [JournalEntry]
    {
        let held = currencies(entries)
        if let currency {
            return entries.filter { $0.postings.first?.amount.currency == currency }
        }
        guard held.count <= 1 else {
            throw JournalExportError(
                "the period holds \(held.map(\.code).joined(separator: " and ")): "
                    + "a \(format) file carries one currency, "
                    + "so export each on its own (--currency \(held[0].code), then --currency \(held[1].code)); "
                    + "nothing was written"
            )
        }
        return entries
    }

    /// hledger's journal format, with every account and commodity it uses declared first, so
    /// that `hledger check --strict` passes.
    public static func hledger(_ entries: [JournalEntry]) -> String {
        var out = "; Handoff journal export\n\n"
        for c in currencies(entries) {
            out +=
                "commodity " + Money(minorUnits: 100_000 * Amount.power(of: c.minorUnitDigits), currency: c).groupedText
                + " " + c.code + "\n"
        }
        for account in Set(entries.flatMap { $0.postings.map(\.account) }).sorted() { out += "account \(account)\n" }
        out += "\n"
        for e in entries {
            out += "\(e.date.iso) \(e.description)\n"
            let width = max(40, (e.postings.map(\.account.count).max() ?? 0) + 4)
            for p in e.postings {
                out +=
                    "    " + p.account + String(repeating: " ", count: width - p.account.count) + p.amount.decimalText
                    + " " + p.amount.currency.code
                if let a = p.assertion { out += " = \(a.decimalText) \(a.currency.code)" }
                out += "\n"
            }
            out += "\n"
        }
        return out
    }

    /// One row per posting, debits and credits in separate columns, with the account's code
    /// where `[journal.codes]` gives one; spreadsheet formulas neutralised.
    public static func csv(_ entries: [JournalEntry], accounts: JournalAccounts) -> String {
        let w = CSVWriter(neutraliseFormulas: true)
        var out = w.line(["date", "entry", "description", "account", "account_code", "debit", "credit", "currency"])
        for (i, e) in entries.enumerated() {
            for p in e.postings where p.assertion == nil {
                let m = p.amount.minorUnits
                out += w.line([
                    e.date.iso, String(i + 1), e.description, p.account,
                    accounts.code(p.role, partner: p.partner) ?? "",
                    m > 0 ? p.amount.decimalText : "", m < 0 ? (-p.amount).decimalText : "", p.amount.currency.code,
                ])
            }
        }
        return out
    }

    /// Xero's manual journal import: narration, date, description, the account's code (from
    /// `[journal.codes]`; refused, naming what is missing, when a posting's account has none),
    /// the tax rate of `[journal.xero]`, and the signed amount. One currency per file.
    public static func xero(_ entries: [JournalEntry], accounts: JournalAccounts) throws -> String {
        var missing = Set<String>()
        for e in entries {
            for p in e.postings where p.assertion == nil && accounts.code(p.role, partner: p.partner) == nil {
            missing.insert("\(p.role.rawValue)" + (p.partner.map { " (\($0))" } ?? ""))
        } }
        guard missing.isEmpty else {
            throw JournalExportError(
                "Xero posts by account code, and [journal.codes] in handoff.toml has none for "
                    + "\(missing.sorted().joined(separator: ", ")); "
                    + "add your chart of accounts' codes there (docs/configuration.md); nothing was written")
        }
        let w = CSVWriter(neutraliseFormulas: true)
        var out = w.line(["*Narration", "*Date", "Description", "*AccountCode", "*TaxRate", "*Amount"])
        for e in entries {
            for p in e.postings where p.assertion == nil {
                out += w.line([
                    e.description, DatePattern.format(e.date, pattern: "dd/MM/yyyy"), e.description,
                    accounts.code(p.role, partner: p.partner)!,
                    accounts.xeroTaxRate, p.amount.decimalText])
            }
        }
        return out
    }

    /// QuickBooks Desktop IIF: an `!ACCNT` block declaring every account the entries use
    /// (its type, and its number where `[journal.codes]` gives one), then general journal
    /// transactions, tab-separated, with the debtor's name on each receivable split. One
    /// currency per file.
    public static func iif(_ entries: [JournalEntry], accounts: JournalAccounts) -> String {
        func clean(_ s: String) -> String {
            s.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ")
        }
        func type(_ role: JournalAccounts.Role) -> String {
            switch role {
            case .bank: return "BANK"
            case .receivable: return "AR"
            case .agencyClearing: return "OCASSET"
            case .collectionFees, .settlementAllowance: return "EXP"
            case .feesPayable: return "OCLIAB"
            }
        }
        var out = "!ACCNT\tNAME\tACCNTTYPE\tACCNUM\n"
        var declared = Set<String>()
        for e in entries { for p in e.postings where p.assertion == nil && !declared.contains(p.account) {
            declared.insert(p.account)
                out +=
                    "ACCNT\t\(clean(p.account))\t\(type(p.role))\t"
                    + "\(clean(accounts.code(p.role, partner: p.partner) ?? ""))\n"
        } }
        out +=
            "!TRNS\tTRNSTYPE\tDATE\tACCNT\tNAME\tAMOUNT\tMEMO\n"
            + "!SPL\tTRNSTYPE\tDATE\tACCNT\tNAME\tAMOUNT\tMEMO\n!ENDTRNS\n"
        for e in entries {
            let postings = e.postings.filter { $0.assertion == nil }
            guard !postings.isEmpty else { continue }
            let date = DatePattern.format(e.date, pattern: "MM/dd/yyyy")
            for (i, p) in postings.enumerated() {
                let name = p.role == .receivable ? clean(e.customer ?? "") : ""
                out +=
                    "\(i == 0 ? "TRNS" : "SPL")\tGENERAL JOURNAL\t\(date)\t\(clean(p.account))\t\(name)\t"
                    + "\(p.amount.decimalText)\t\(clean(e.description))\n"
            }
            out += "ENDTRNS\n"
        }
        return out
    }
}
