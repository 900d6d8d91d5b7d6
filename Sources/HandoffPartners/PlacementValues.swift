public import HandoffDomain
public import HandoffLayout

/// The values a placement file can be filled from, by path, and what each record kind may use.
/// `handoff partners check` refuses a layout that names anything else.
public enum PlacementValues {
    /// Values of the batch: header, trailer, file names and control files.
    public static let batchPaths: Set<String> = [
        "partner.id", "partner.client_id", "partner.name", "business.name", "batch.id", "batch.date", "batch.sequence",
        "count.accounts", "count.invoices", "count.rows", "sum.balance", "sum.amount",
    ]
    /// Values of one account (and its itemization).
    public static let accountPaths: Set<String> = [
        "account.number", "account.type", "account.name", "account.business_name", "account.first_name",
        "account.last_name",
        "account.contact_name", "account.address1", "account.address2", "account.city", "account.region",
        "account.postal_code",
        "account.country", "account.phone", "account.email", "account.tax_id", "account.date_of_birth",
        "account.currency",
        "account.balance", "account.oldest_due_date", "account.days_past_due", "account.invoice_count",
        "account.last_payment_date",
        "itemization.date", "itemization.amount", "itemization.interest", "itemization.fees", "itemization.payments",
        "itemization.credits", "account.time_barred", "account.validation_notice_date",
    ]
    /// Values of one invoice.
    public static let invoicePaths: Set<String> = [
        "invoice.number", "invoice.date", "invoice.due_date", "invoice.amount", "invoice.balance",
    ]
    /// Values of one client update (a direct payment, adjustment, recall, dispute or
    /// bankruptcy notice sent to the agency), for an `[updates]` layout.
    public static let updatePaths: Set<String> = [
        "update.kind", "update.agency_reference", "update.effective_date", "update.amount", "update.reference",
        "update.note",
        // An attorney_represented hold's attorney, in place of the debtor's contact (issue 16).
        "update.attorney_name", "update.attorney_phone", "update.attorney_email", "update.attorney_address",
    ]
    /// The values that are dates, whose `format` is a date pattern (``DatePattern``).
    public static let datePaths: Set<String> = [
        "batch.date", "account.date_of_birth", "account.oldest_due_date", "account.last_payment_date",
        "itemization.date", "invoice.date",
        "invoice.due_date", "update.effective_date", "account.validation_notice_date",
    ]
    /// Values of the written data file, for its control file.
    public static let filePaths: Set<String> = ["file.name", "file.sha256", "file.size"]

    /// The paths a record of `kind` may use.
    public static func paths(for kind: RecordKind) -> Set<String> {
        switch kind {
        case .header, .trailer: return batchPaths
        case .account: return batchPaths.union(accountPaths)
        case .invoice, .row: return batchPaths.union(accountPaths).union(invoicePaths)
        }
    }

    /// One account as a placement file sees it.
    public struct Account: Sendable {
        public var profile: DebtorProfile
        public var balance: Money
        public var oldestDueDate: CalendarDate
        public var daysPastDue: Int
        public var lastPaymentDate: CalendarDate?
        public var itemization: Itemization
        public var invoices: [Invoice]
        /// What the compliance gate says the file must carry: time-barred, the validation notice's date.
        public var marks: ComplianceMarks

        public init(
            profile: DebtorProfile, balance: Money, oldestDueDate: CalendarDate, daysPastDue: Int,
            lastPaymentDate: CalendarDate?,
            itemization: Itemization, invoices: [Invoice], marks: ComplianceMarks = ComplianceMarks()) {
            self.marks = marks
            self.profile = profile
            self.balance = balance
            self.oldestDueDate = oldestDueDate
            self.daysPastDue = daysPastDue
            self.lastPaymentDate = lastPaymentDate
            self.itemization = itemization
            self.invoices = invoices
        }
    }

    /// One placed invoice.
    public struct Invoice: Sendable {
        public var number: String
        public var date: CalendarDate
        public var dueDate: CalendarDate
        public var amount: Money
        public var balance: Money
        public init(number: String, date: CalendarDate, dueDate: CalendarDate, amount: Money, balance: Money) {
            self.number = number
            self.date = date
            self.dueDate = dueDate
            self.amount = amount
            self.balance = balance
        }
    }

    /// A batch's values, with the running counts a trailer and control file need.
    public struct Batch: Sendable {
        public var partnerID: String
        public var clientID: String
        public var partnerName: String
        public var businessName: String
        public var id: String
        public var date: CalendarDate
        public var sequence: Int
        public var accounts = 0
        public var invoices = 0
        public var rows = 0
        /// Sum of placed balances in minor units, and the currency they are counted in.
        public var balance: Int64 = 0
        /// Sum of update amounts in minor units (an updates file's total).
        public var amount: Int64 = 0
        public var currency: Currency

        public init(
            partnerID: String, clientID: String, partnerName: String, businessName: String, id: String,
            date: CalendarDate,
            sequence: Int, currency: Currency) {
            self.partnerID = partnerID
            self.clientID = clientID
            self.partnerName = partnerName
            self.businessName = businessName
            self.id = id
            self.date = date
            self.sequence = sequence
            self.currency = currency
        }

        public func value(_ path: String) -> FieldValue? {
            switch path {
            case "partner.id": return .text(partnerID)
            case "partner.client_id": return .text(clientID)
            case "partner.name": return .text(partnerName)
            case "business.name": return .text(businessName)
            case "batch.id": return .text(id)
            case "batch.date": return .date(date)
            case "batch.sequence": return .integer(Int64(sequence))
            case "count.accounts": return .integer(Int64(accounts))
            case "count.invoices": return .integer(Int64(invoices))
            case "count.rows": return .integer(Int64(rows))
            case "sum.balance": return .money(Money(minorUnits: balance, currency: currency))
            case "sum.amount": return .money(Money(minorUnits: amount, currency: currency))
            default: return nil
            }
        }
    }

    /// The lookup for an account's values (and the batch's).
    public static func lookup(_ a: Account, batch: Batch) -> ValueLookup {
        let p = a.profile
        func text(_ s: String?) -> FieldValue { s.map { .text($0) } ?? .absent }
        return { path in
            switch path {
            case "account.number": return .text(p.accountNumber)
            case "account.type": return .text(p.type.rawValue)
            case "account.name": return .text(p.displayName)
            case "account.business_name": return text(p.businessName)
            case "account.first_name": return text(p.firstName)
            case "account.last_name": return text(p.lastName)
            case "account.contact_name": return text(p.contactName)
            case "account.address1": return text(p.address1)
            case "account.address2": return text(p.address2)
            case "account.city": return text(p.city)
            case "account.region": return text(p.region)
            case "account.postal_code": return text(p.postalCode)
            case "account.country": return text(p.country)
            case "account.phone": return text(p.phone)
            case "account.email": return text(p.email)
            case "account.tax_id": return text(p.taxID)
            case "account.date_of_birth": return p.dateOfBirth.map { .date($0) } ?? .absent
            case "account.currency": return .text(p.currency.code)
            case "account.balance": return .money(a.balance)
            case "account.oldest_due_date": return .date(a.oldestDueDate)
            case "account.days_past_due": return .integer(Int64(a.daysPastDue))
            case "account.invoice_count": return .integer(Int64(a.invoices.count))
            case "account.last_payment_date": return a.lastPaymentDate.map { .date($0) } ?? .absent
            case "itemization.date": return .date(a.itemization.date)
            case "itemization.amount": return .money(a.itemization.amount)
            case "itemization.interest": return .money(a.itemization.interest)
            case "itemization.fees": return .money(a.itemization.fees)
            case "itemization.payments": return .money(a.itemization.payments)
            case "itemization.credits": return .money(a.itemization.credits)
            case "account.time_barred": return .text(a.marks.timeBarred ? "true" : "false")
            case "account.validation_notice_date": return a.marks.validationNoticeDate.map { .date($0) } ?? .absent
            default: return batch.value(path)
            }
        }
    }

    /// The lookup for one invoice's own values (account values come from the account's lookup).
    public static func lookup(_ i: Invoice) -> ValueLookup {
        { path in
            switch path {
            case "invoice.number": return .text(i.number)
            case "invoice.date": return .date(i.date)
            case "invoice.due_date": return .date(i.dueDate)
            case "invoice.amount": return .money(i.amount)
            case "invoice.balance": return .money(i.balance)
            default: return nil
            }
        }
    }
}
