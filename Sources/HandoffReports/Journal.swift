import HandoffConfig
import HandoffLayout
import HandoffCSV
import HandoffDomain
import HandoffPartners
import HandoffStore

/// A double-entry journal entry: postings in one currency that sum to zero.
public struct JournalEntry: Sendable, Equatable {
    public struct Posting: Sendable, Equatable {
        public var account: String
        public var amount: Money
        /// A balance assertion: the account's balance after this posting (hledger `= amount`).
        public var assertion: Money?
    }
    public var date: CalendarDate
    public var description: String
    public var postings: [Posting]
}

/// Builds the accountant's journal for a period from what reconciliation recorded: recoveries
/// (cash due from the agency, its commission as collection expense, the receivable reduced),
/// reversals, direct-payment fees owed, settlement allowances and remittances; then balance
/// assertions, from the reconciliation report's own figures, that the agency clearing and
/// fees-payable accounts must reach — so the journal and the report tie or `hledger check` fails.
public enum Journal {
    public static func build(_ r: any ReconciliationWriting, partners: [Partner], accounts: JournalAccounts, from: CalendarDate, to: CalendarDate) throws -> [JournalEntry] {
        let models = Dictionary(uniqueKeysWithValues: partners.map { ($0.id, $0.terms.remittance) })
        let commissions = try r.commissions()
        var entries: [JournalEntry] = []
        var currencies: [String: Currency] = [:]
        func clearing(_ p: String) -> String { accounts.agencyClearing + ":" + p }
        func payable(_ p: String) -> String { accounts.feesPayable + ":" + p }
        func posting(_ account: String, _ minor: Int64, _ c: Currency) -> JournalEntry.Posting {
            .init(account: account, amount: Money(minorUnits: minor, currency: c), assertion: nil)
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
                var postings = [posting(accounts.collectionFees, fee, c), posting(accounts.receivable, -base, c)]
                postings.insert(posting(clearing(partner), model == .net ? base - fee : base, c), at: 0)
                if model == .gross { postings.append(posting(payable(partner), -fee, c)) }
                entries.append(JournalEntry(date: t.date, description: "\(partner) | \(what) \(t.reference) on \(item.accountNumber)",
                                            postings: postings.filter { $0.amount.minorUnits != 0 }))
            case .writeoff:
                entries.append(JournalEntry(date: t.date, description: "\(partner) | settlement allowance on \(item.accountNumber)",
                                            postings: [posting(accounts.settlementAllowance, t.amount, c), posting(accounts.receivable, -t.amount, c)]))
            default:
                continue
            }
        }
        for fee in commissions where fee.kind == "direct_payment" {
            guard let date = fee.date, date >= from, date <= to, let c = Currency(code: fee.currency) else { continue }
            currencies[fee.partnerID] = c
            let model = models[fee.partnerID] ?? .net
            entries.append(JournalEntry(date: date, description: "\(fee.partnerID) | fee owed on a direct payment (\(fee.eventKey))", postings: [
                posting(accounts.collectionFees, fee.expected, c),
                posting(model == .net ? clearing(fee.partnerID) : payable(fee.partnerID), -fee.expected, c),
            ]))
        }
        // Each statement (or each currency's part of one) is booked in its own currency.
        var remitted: [String: [Currency: Int64]] = [:]
        for statement in try r.remittances() where statement.state != "refused" {
            guard let text = statement.date, let date = CalendarDate(iso: text), date >= from, date <= to,
                  let c = statement.currency.flatMap({ Currency(code: $0) }) ?? currencies[statement.partnerID] else { continue }
            let amount = statement.model == "net" ? statement.net : statement.amount
            remitted[statement.partnerID, default: [:]][c, default: 0] += amount
            entries.append(JournalEntry(date: date, description: "\(statement.partnerID) | remittance \(statement.reference ?? statement.key)",
                                        postings: [posting(accounts.bank, amount, c), posting(clearing(statement.partnerID), -amount, c)]))
        }
        entries.sort { $0.date < $1.date }

        // Balance assertions from the reconciliation report's figures (computed by the store's
        // own aggregation, not from the entries above).
        for f in try r.agencyFigures(from: from, to: to) {
            guard let c = Currency(code: f.currency), currencies.values.contains(c) || f.collected_gross != 0 || f.direct_payment_fees != 0 else { continue }
            let model = models[f.partner] ?? .net
            let due = model == .net ? f.collected_gross - f.commission - f.direct_payment_fees : f.collected_gross
            var postings = [JournalEntry.Posting(account: clearing(f.partner), amount: .zero(c),
                                                 assertion: Money(minorUnits: due - (remitted[f.partner]?[c] ?? 0), currency: c))]
            if model == .gross {
                postings.append(.init(account: payable(f.partner), amount: .zero(c), assertion: Money(minorUnits: -(f.commission + f.direct_payment_fees), currency: c)))
            }
            entries.append(JournalEntry(date: to, description: "\(f.partner) | balances per the reconciliation report", postings: postings))
        }
        return entries
    }

    /// hledger's journal format.
    public static func hledger(_ entries: [JournalEntry]) -> String {
        var out = "; Handoff journal export\n\n"
        for e in entries {
            out += "\(e.date.iso) \(e.description)\n"
            let width = max(40, (e.postings.map(\.account.count).max() ?? 0) + 4)
            for p in e.postings {
                out += "    " + p.account + String(repeating: " ", count: width - p.account.count) + p.amount.decimalText + " " + p.amount.currency.code
                if let a = p.assertion { out += " = \(a.decimalText) \(a.currency.code)" }
                out += "\n"
            }
            out += "\n"
        }
        return out
    }

    /// One row per posting, debits and credits in separate columns; spreadsheet formulas neutralised.
    public static func csv(_ entries: [JournalEntry]) -> String {
        let w = CSVWriter(neutraliseFormulas: true)
        var out = w.line(["date", "entry", "description", "account", "debit", "credit", "currency"])
        for (i, e) in entries.enumerated() {
            for p in e.postings where p.assertion == nil {
                let m = p.amount.minorUnits
                out += w.line([e.date.iso, String(i + 1), e.description, p.account, m > 0 ? p.amount.decimalText : "",
                               m < 0 ? (-p.amount).decimalText : "", p.amount.currency.code])
            }
        }
        return out
    }

    /// Xero's manual journal import: narration, date, account, signed amount.
    public static func xero(_ entries: [JournalEntry]) -> String {
        let w = CSVWriter(neutraliseFormulas: true)
        var out = w.line(["*Narration", "*Date", "Description", "*AccountCode", "*TaxRate", "*Amount"])
        for e in entries {
            for p in e.postings where p.assertion == nil {
                out += w.line([e.description, DatePattern.format(e.date, pattern: "dd/MM/yyyy"), e.description, p.account, "Tax Exempt", p.amount.decimalText])
            }
        }
        return out
    }

    /// QuickBooks Desktop IIF: general journal transactions, tab-separated.
    public static func iif(_ entries: [JournalEntry]) -> String {
        var out = "!TRNS\tTRNSTYPE\tDATE\tACCNT\tAMOUNT\tMEMO\n!SPL\tTRNSTYPE\tDATE\tACCNT\tAMOUNT\tMEMO\n!ENDTRNS\n"
        func clean(_ s: String) -> String { s.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ") }
        for e in entries {
            let postings = e.postings.filter { $0.assertion == nil }
            guard !postings.isEmpty else { continue }
            let date = DatePattern.format(e.date, pattern: "MM/dd/yyyy")
            for (i, p) in postings.enumerated() {
                out += "\(i == 0 ? "TRNS" : "SPL")\tGENERAL JOURNAL\t\(date)\t\(clean(p.account))\t\(p.amount.decimalText)\t\(clean(e.description))\n"
            }
            out += "ENDTRNS\n"
        }
        return out
    }
}
