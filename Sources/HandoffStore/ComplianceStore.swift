public import HandoffDomain

/// The contact of the attorney who represents a debtor: sent to an agency in place of the
/// debtor's, where its layout has the fields.
public struct AttorneyContact: Hashable, Sendable {
    public var name: String
    public var phone: String?
    public var email: String?
    /// The postal address on one line.
    public var address: String?
    public init(name: String, phone: String? = nil, email: String? = nil, address: String? = nil) {
        self.name = name
        self.phone = phone
        self.email = email
        self.address = address
    }

    /// One line for a note to an agency: "represented by NAME, PHONE, EMAIL, ADDRESS".
    public var noteText: String {
        "represented by " + ([name] + [phone, email, address].compactMap { $0 }).joined(separator: ", ")
    }
}

/// What the compliance gate knows of an account beyond its profile and holds.
public struct AccountCompliance: Hashable, Sendable {
    /// The kind of debt, as the business's limitation table names it (`open_account`).
    public var debtKind: String?
    /// When the validation notice was sent.
    public var validationNoticeDate: CalendarDate?
    /// Where that date came from: `import`, `cli`, or an agency's id.
    public var validationNoticeSource: String?
    /// The debtor's attorney, when the account has the `attorney_represented` hold.
    public var attorney: AttorneyContact?

    public init(
        debtKind: String? = nil, validationNoticeDate: CalendarDate? = nil, validationNoticeSource: String? = nil,
        attorney: AttorneyContact? = nil) {
        self.debtKind = debtKind
        self.validationNoticeDate = validationNoticeDate
        self.validationNoticeSource = validationNoticeSource
        self.attorney = attorney
    }
}

/// One open placement with what its term clock needs.
public struct PlacementTermRecord: Hashable, Sendable {
    public var placement: PlacementRecord
    public var facts: TermFacts
    public init(placement: PlacementRecord, facts: TermFacts) {
        self.placement = placement
        self.facts = facts
    }
}

/// What the compliance gate and the terms job read (issue 16).
public protocol ComplianceReading: ReconciliationWriting {
    /// What is known of an account for the gate (empty when nothing is).
    func accountCompliance(customerID: Int64) throws -> AccountCompliance
    /// Every placement the agency still holds (accepted, active or recall pending), with the
    /// payments it collected and the statuses it reported since it was placed.
    func openPlacementTerms() throws -> [PlacementTermRecord]
}

/// What `handoff hold`, the import and the terms job write.
public protocol ComplianceWriting: ComplianceReading {
    /// Stores what is known of an account for the gate (replacing what was).
    func setAccountCompliance(customerID: Int64, _ compliance: AccountCompliance) throws
}

/// A store that keeps what the compliance gate and the placement terms need.
public protocol ComplianceStore: ReconciliationStore {
    func readCompliance<T>(_ body: (any ComplianceReading) throws -> T) throws -> T
    func writeCompliance<T>(_ body: (any ComplianceWriting) throws -> T) throws -> T
}
