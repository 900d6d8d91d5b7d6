/// What the business's configuration says about compliance (`[compliance]` in
/// `config/handoff.toml`). Nothing here has a default that pretends to be law: the limitation
/// periods are the business's to fill in.
public struct CompliancePolicy: Hashable, Sendable {
    /// What becomes of an account past its limitation period.
    public enum TimeBarredPolicy: String, Hashable, Sendable, CaseIterable {
        /// It is not placed at all (`time_barred`).
        case doNotPlace = "do_not_place"
        /// It is placed only with an agency whose partner file accepts time-barred debt, and the
        /// file says it is time-barred.
        case agenciesThatAccept = "agencies_that_accept"
    }

    /// The limitation periods, per region and kind of debt. Empty: no debt is ever found time-barred.
    public var limitationPeriods: [LimitationPeriod]
    public var timeBarred: TimeBarredPolicy
    /// Days after the validation notice is sent during which the debtor may dispute the debt
    /// or ask for validation (Regulation F: 30 days after receipt; receipt is presumed some days
    /// after mailing, so the business sets the whole span).
    public var validationPeriodDays: Int

    public init(
        limitationPeriods: [LimitationPeriod] = [], timeBarred: TimeBarredPolicy = .doNotPlace,
        validationPeriodDays: Int = 35
    ) {
        self.limitationPeriods = limitationPeriods
        self.timeBarred = timeBarred
        self.validationPeriodDays = validationPeriodDays
    }

    /// The period for a region and kind of debt: an exact match first, then the region's `*`
    /// kind, then `*` region with the kind, then `*` for both; `nil` when none is configured.
    public func period(region: String?, debtKind: String?) -> LimitationPeriod? {
        let r = region ?? "", k = debtKind ?? ""
        for (wantRegion, wantKind) in [(r, k), (r, "*"), ("*", k), ("*", "*")] {
            if let p = limitationPeriods.first(where: { $0.region == wantRegion && $0.debtKind == wantKind }) {
                return p
            }
        }
        return nil
    }
}

/// One row of the limitation table: in `region`, a debt of `debtKind` is time-barred `years`
/// years after its limitation date. `*` stands for any region or any kind.
public struct LimitationPeriod: Hashable, Sendable {
    public var region: String
    public var debtKind: String
    public var years: Int
    public init(region: String, debtKind: String, years: Int) {
        self.region = region
        self.debtKind = debtKind
        self.years = years
    }
}

/// An agency's licence to collect in one region, until a date (inclusive).
public struct Licence: Hashable, Sendable {
    /// The state or province code (`PA`, `ON`).
    public var region: String
    /// The last day the licence is valid.
    public var expires: CalendarDate
    public init(region: String, expires: CalendarDate) {
        self.region = region
        self.expires = expires
    }
}

/// What the gate needs to know of an agency: read from its partner file.
public struct AgencyCompliance: Hashable, Sendable {
    public var partnerID: String
    /// The account types it takes; empty: both.
    public var debtorTypes: Set<DebtorType>
    /// Its licences; `nil` when its partner file lists none (licensing is then not checked).
    public var licences: [Licence]?
    /// Whether it accepts time-barred debt (`[compliance] accepts_time_barred`).
    public var acceptsTimeBarred: Bool
    /// Whether its placement file carries the validation notice's date (a field of
    /// `account.validation_notice_date`).
    public var carriesValidationNoticeDate: Bool

    public init(
        partnerID: String, debtorTypes: Set<DebtorType> = [], licences: [Licence]? = nil,
        acceptsTimeBarred: Bool = false,
        carriesValidationNoticeDate: Bool = false) {
        self.partnerID = partnerID
        self.debtorTypes = debtorTypes
        self.licences = licences
        self.acceptsTimeBarred = acceptsTimeBarred
        self.carriesValidationNoticeDate = carriesValidationNoticeDate
    }

    /// The licences that expire within `days` days of `asOf` (and have not expired yet).
    public func licencesExpiring(within days: Int, asOf: CalendarDate) -> [Licence] {
        (licences ?? []).filter { $0.expires >= asOf && $0.expires <= asOf.adding(days: days) }.sorted {
            $0.expires < $1.expires
        }
    }
}

/// What the gate needs to know of one account.
public struct ComplianceFacts: Hashable, Sendable {
    public var type: DebtorType
    public var region: String?
    public var holds: Set<Hold>
    /// The kind of debt, as the business names it in its limitation table (`written_contract`…).
    public var debtKind: String?
    /// The date its limitation period runs from (the oldest due date of what would be placed,
    /// or the last payment after it).
    public var limitationDate: CalendarDate?
    /// When the validation notice was sent, if known (imported, or reported by an agency).
    public var validationNoticeDate: CalendarDate?
    /// When the account was first placed with an agency, if it was.
    public var firstPlacedOn: CalendarDate?

    public init(
        type: DebtorType, region: String?, holds: Set<Hold> = [], debtKind: String? = nil,
        limitationDate: CalendarDate? = nil,
        validationNoticeDate: CalendarDate? = nil, firstPlacedOn: CalendarDate? = nil) {
        self.type = type
        self.region = region
        self.holds = holds
        self.debtKind = debtKind
        self.limitationDate = limitationDate
        self.validationNoticeDate = validationNoticeDate
        self.firstPlacedOn = firstPlacedOn
    }
}

/// The gate's answer for one account and one agency.
public enum ComplianceVerdict: Hashable, Sendable {
    /// The agency may have the account; `marks` say what its file must carry.
    case allowed(ComplianceMarks)
    /// It may not, for these reasons (sorted, never empty).
    case refused([ComplianceReason])
}

/// What an allowed placement must tell the agency.
public struct ComplianceMarks: Hashable, Sendable {
    /// The debt is past its limitation period (the agency accepts time-barred debt).
    public var timeBarred: Bool
    /// The validation notice's date, to carry to a second agency.
    public var validationNoticeDate: CalendarDate?
    public init(timeBarred: Bool = false, validationNoticeDate: CalendarDate? = nil) {
        self.timeBarred = timeBarred
        self.validationNoticeDate = validationNoticeDate
    }
}

/// The compliance gate: a pure decision, with no I/O, that every placement run and every
/// request to an agency passes. Its rules come from the configuration (``CompliancePolicy``)
/// and the partner files (``AgencyCompliance``); each refusal is a ``ComplianceReason``.
public enum ComplianceGate {
    /// Whether the debt is past its limitation period on `asOf`; `false` when the business
    /// configured no period for its region and kind, or its limitation date is unknown.
    public static func isTimeBarred(_ facts: ComplianceFacts, policy: CompliancePolicy, asOf: CalendarDate) -> Bool {
        guard let start = facts.limitationDate,
            let period = policy.period(region: facts.region, debtKind: facts.debtKind)
        else { return false }
        return asOf >= start.adding(years: period.years)
    }

    /// The reasons no agency may have the account, whoever it is: its holds, and a
    /// time-barred debt when the business places none.
    public static func account(_ facts: ComplianceFacts, policy: CompliancePolicy, asOf: CalendarDate)
        -> [ComplianceReason]
    {
        var reasons = facts.holds.map(ComplianceReason.init(hold:))
        if policy.timeBarred == .doNotPlace && isTimeBarred(facts, policy: policy, asOf: asOf) {
            reasons.append(.timeBarred)
        }
        return Set(reasons).sorted()
    }

    /// Whether `agency` may have the account on `asOf`: the account's own reasons first, then the agency's.
    public static func check(
        _ facts: ComplianceFacts, agency: AgencyCompliance, policy: CompliancePolicy, asOf: CalendarDate
    )
        -> ComplianceVerdict {
        var reasons = account(facts, policy: policy, asOf: asOf)
        if !agency.debtorTypes.isEmpty && !agency.debtorTypes.contains(facts.type) {
            reasons.append(.debtorTypeNotTaken)
        }
        if let licences = agency.licences {
            let mine = licences.filter { $0.region == (facts.region ?? "") }
            if mine.isEmpty {
                reasons.append(.notLicensed)
            } else if !mine.contains(where: { $0.expires >= asOf }) {
                reasons.append(.licenceExpired)
            }
        }
        let barred = isTimeBarred(facts, policy: policy, asOf: asOf)
        if barred && policy.timeBarred == .agenciesThatAccept && !agency.acceptsTimeBarred {
            reasons.append(.timeBarredNotAccepted)
        }
        var carry: CalendarDate?
        switch facts.type {
        case .consumer:
            // Regulation F: a second agency must not start over as if no notice had been sent.
            if let first = facts.firstPlacedOn {
                let end = (facts.validationNoticeDate ?? first).adding(days: policy.validationPeriodDays)
                if asOf < end {
                    if facts.validationNoticeDate == nil {
                        reasons.append(.validationNoticeDateUnknown)
                    } else if !agency.carriesValidationNoticeDate {
                        reasons.append(.validationNoticeNotCarried)
                    }
                }
            }
            carry = facts.validationNoticeDate
        case .business:
            break
        }
        if !reasons.isEmpty { return .refused(Set(reasons).sorted()) }
        return .allowed(ComplianceMarks(timeBarred: barred, validationNoticeDate: carry))
    }

    /// Whether a request of `kind` may go to an agency about a placement that is open or not.
    /// Only the agency that holds an account hears of it: a request about an account it no
    /// longer holds would tell a third party of the debt.
    public static func request(kind: String, placementOpen: Bool) -> [ComplianceReason] {
        placementOpen ? [] : [.notWithAgency]
    }
}
