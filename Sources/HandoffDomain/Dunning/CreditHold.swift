/// When an account should not buy on open terms any more (`[credit_hold]`).
public struct CreditHoldRules: Hashable, Sendable {
    /// Days past due of the oldest past-due invoice beyond which the account is held (`nil`: no such rule).
    public var daysPastDue: Int? = 60
    /// Past-due balance (in each account's own currency) from which the account is held (`nil`: no such rule).
    public var pastDueAmount: DecimalAmount?
    public init() {}
}

/// Why an account is on the credit-hold list.
public enum CreditHoldReason: String, Hashable, Sendable, CaseIterable, Comparable {
    /// Its oldest past-due invoice is past due beyond the configured days.
    case pastDueDays = "past_due_days"
    /// Its past-due balance reached the configured amount.
    case pastDueAmount = "past_due_amount"
    /// It is with a collection agency.
    case placed
    /// The business wrote part of it off.
    case writtenOff = "written_off"

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// One reason an account is held, since when, in words.
public struct CreditHoldCause: Hashable, Sendable {
    public var reason: CreditHoldReason
    public var since: CalendarDate
    public var detail: String
    public init(reason: CreditHoldReason, since: CalendarDate, detail: String) {
        self.reason = reason
        self.since = since
        self.detail = detail
    }
}

/// What the credit-hold rules need to know of one account.
public struct CreditHoldFacts: Hashable, Sendable {
    public var customerID: Int64
    public var accountNumber: String
    public var name: String
    public var currency: Currency
    /// Open invoices (balance above zero).
    public var openInvoices: [OpenItem]
    /// The agency the account is with, and since when.
    public var placedWith: String?
    public var placedOn: CalendarDate?
    /// The latest write-off on the account, if any.
    public var lastWriteOff: CalendarDate?

    public init(
        customerID: Int64, accountNumber: String, name: String, currency: Currency, openInvoices: [OpenItem],
        placedWith: String? = nil, placedOn: CalendarDate? = nil, lastWriteOff: CalendarDate? = nil
    ) {
        self.customerID = customerID
        self.accountNumber = accountNumber
        self.name = name
        self.currency = currency
        self.openInvoices = openInvoices
        self.placedWith = placedWith
        self.placedOn = placedOn
        self.lastWriteOff = lastWriteOff
    }
}

/// The credit-hold rules applied to one account. Pure.
public enum CreditHold {
    /// Every reason the account is held on `asOf`, each with the day it began (empty: not held).
    /// The day the past-due amount was reached is worked out from today's balances: the day after
    /// the due date of the invoice that brought the past-due total to the amount.
    public static func causes(_ f: CreditHoldFacts, rules: CreditHoldRules, asOf: CalendarDate) -> [CreditHoldCause] {
        var causes: [CreditHoldCause] = []
        let pastDue = f.openInvoices.filter { $0.balance > 0 && $0.dueDate < asOf }.sorted(by: OpenItem.oldestFirst)
        if let limit = rules.daysPastDue, let oldest = pastDue.first, asOf.days(since: oldest.dueDate) > limit {
            causes.append(
                CreditHoldCause(
                    reason: .pastDueDays, since: oldest.dueDate.adding(days: limit + 1),
                    detail: "invoice \(oldest.invoiceNumber) is \(asOf.days(since: oldest.dueDate)) days past due "
                        + "(more than \(limit))"))
        }
        if let amount = rules.pastDueAmount {
            let threshold = amount.minorUnitsRoundingUp(digits: f.currency.minorUnitDigits)
            var running: Int64 = 0
            for invoice in pastDue {
                let (sum, overflow) = running.addingReportingOverflow(invoice.balance)
                running = overflow ? Int64.max : sum
                if running >= threshold {
                    let total = Money(minorUnits: running, currency: f.currency)
                    let limit = Money(minorUnits: threshold, currency: f.currency)
                    causes.append(
                        CreditHoldCause(
                            reason: .pastDueAmount, since: invoice.dueDate.adding(days: 1),
                            detail: "past due \(total.decimalText) \(f.currency.code) or more "
                                + "(the limit is \(limit.decimalText))"))
                    break
                }
            }
        }
        if let partner = f.placedWith, let on = f.placedOn {
            causes.append(CreditHoldCause(reason: .placed, since: on, detail: "placed with \(partner)"))
        }
        if let day = f.lastWriteOff {
            causes.append(CreditHoldCause(reason: .writtenOff, since: day, detail: "written off on \(day)"))
        }
        return causes
    }
}
