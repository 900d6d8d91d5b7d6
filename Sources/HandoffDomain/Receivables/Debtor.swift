/// Whether a debtor is a person or a business. Collection law treats them differently
/// (Regulation F covers consumer debt only), and agencies license for one or both.
public enum DebtorType: String, Sendable, Hashable, CaseIterable, Codable {
    case consumer
    case business
}

/// A flag on an account that keeps it away from collection agencies.
public enum Hold: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    /// The business asked that this account never be placed.
    case doNotPlace = "do_not_place"
    /// The debtor filed for bankruptcy: collection must stop.
    case bankruptcy
    /// The debtor has died.
    case deceased
    /// The debtor asked that collectors stop contacting them.
    case ceaseContact = "cease_contact"
    /// The debtor is represented by an attorney about this debt: collectors talk to the attorney
    /// (the attorney's contact is kept with the account, ``AttorneyContact``).
    case attorney = "attorney_represented"
    /// The debtor is a minor, who cannot be bound by most contracts.
    case minor
    /// The debtor is a servicemember on active duty (Servicemembers Civil Relief Act protections).
    case military = "active_duty_military"
    /// The debtor says the debt arises from identity theft.
    case identityTheft = "identity_theft"
    /// The debtor asked for validation of the debt, and it has not been answered yet.
    case validationRequested = "validation_requested"

    public static func < (a: Hold, b: Hold) -> Bool { a.rawValue < b.rawValue }

    /// Parses `;`-separated hold names (`"bankruptcy;deceased"`); empty text is no hold.
    /// Returns the first unknown name as the error.
    public static func parseList(_ text: String) -> Result<Set<Hold>, UnknownHold> {
        var holds = Set<Hold>()
        for part in text.split(separator: ";", omittingEmptySubsequences: true) {
            let name = part.trimmingSpaces
            if name.isEmpty { continue }
            guard let hold = Hold(rawValue: name) else { return .failure(UnknownHold(name: name)) }
            holds.insert(hold)
        }
        return .success(holds)
    }

    /// Holds as stored and printed: sorted names joined by `;`.
    /// The request a hold is pushed to the agency holding the account as (its kind, and its
    /// request ids' prefix); `nil` for a hold the agency is not told of (`do_not_place` is the
    /// business's own choice).
    public var agencyRequest: (kind: String, prefix: String)? {
        switch self {
        case .doNotPlace: nil
        case .bankruptcy: ("bankruptcy", "BKR")
        case .deceased: ("deceased", "DEC")
        case .ceaseContact: ("cease_contact", "CND")
        case .attorney: ("attorney_represented", "ATT")
        case .minor: ("minor", "MIN")
        case .military: ("active_duty_military", "MIL")
        case .identityTheft: ("identity_theft", "IDT")
        case .validationRequested: ("validation_requested", "VAL")
        }
    }

    public static func listText(_ holds: Set<Hold>) -> String {
        holds.sorted().map(\.rawValue).joined(separator: ";")
    }

    /// A hold name that is not one of ``Hold``'s cases.
    public struct UnknownHold: Error, Equatable {
        public let name: String
        public init(name: String) { self.name = name }
    }
}

/// Everything Handoff knows about a debtor account (a "customer" in the business's books),
/// apart from its invoices and ledger.
public struct DebtorProfile: Hashable, Sendable {
    /// The business's own account number for this customer: unique, the key agencies quote back.
    public var accountNumber: String
    public var type: DebtorType
    public var businessName: String?
    public var firstName: String?
    public var lastName: String?
    public var contactName: String?
    public var address1: String?
    public var address2: String?
    public var city: String?
    public var region: String?
    public var postalCode: String?
    /// ISO 3166-1 alpha-2.
    public var country: String?
    public var phone: String?
    public var email: String?
    /// Tax id (EIN, SIN...): personal data, never logged.
    public var taxID: String?
    /// Personal data, never logged.
    public var dateOfBirth: CalendarDate?
    /// The currency every invoice of the account is in.
    public var currency: Currency
    public var holds: Set<Hold>

    public init(accountNumber: String, type: DebtorType, businessName: String? = nil, firstName: String? = nil,
                lastName: String? = nil, contactName: String? = nil, address1: String? = nil, address2: String? = nil,
                city: String? = nil, region: String? = nil, postalCode: String? = nil, country: String? = nil,
                phone: String? = nil, email: String? = nil, taxID: String? = nil, dateOfBirth: CalendarDate? = nil,
                currency: Currency, holds: Set<Hold> = []) {
        self.accountNumber = accountNumber
        self.type = type
        self.businessName = businessName
        self.firstName = firstName
        self.lastName = lastName
        self.contactName = contactName
        self.address1 = address1
        self.address2 = address2
        self.city = city
        self.region = region
        self.postalCode = postalCode
        self.country = country
        self.phone = phone
        self.email = email
        self.taxID = taxID
        self.dateOfBirth = dateOfBirth
        self.currency = currency
        self.holds = holds
    }

    /// The name to show a person: the business name for a business, "First Last" for a consumer.
    public var displayName: String {
        switch type {
        case .business:
            return businessName ?? [firstName, lastName].compactMap { $0 }.joined(separator: " ")
        case .consumer:
            let person = [firstName, lastName].compactMap { $0 }.joined(separator: " ")
            return person.isEmpty ? (businessName ?? "") : person
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    public var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
