/// Why the compliance gate keeps an account (or a request) from an agency: a stable
/// snake_case code for programs, with words for people. `docs/compliance.md` lists them all.
/// The codes of holds are the holds' own names.
public enum ComplianceReason: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    // The account itself: no agency may have it.
    /// The business asked that this account never be placed.
    case doNotPlace = "do_not_place"
    /// The debtor filed for bankruptcy.
    case bankruptcy
    /// The debtor has died.
    case deceased
    /// The debtor asked collectors to stop contacting them.
    case ceaseContact = "cease_contact"
    /// The debtor is represented by an attorney about the debt.
    case attorneyRepresented = "attorney_represented"
    /// The debtor is a minor.
    case minor
    /// The debtor is a servicemember on active duty.
    case activeDutyMilitary = "active_duty_military"
    /// The debtor says the debt comes from identity theft.
    case identityTheft = "identity_theft"
    /// The debtor asked for validation of the debt and has not had an answer.
    case validationRequested = "validation_requested"
    /// The debt is past its limitation period, and the business places no time-barred debt.
    case timeBarred = "time_barred"

    // The account with one agency.
    /// The agency takes only consumer, or only business, accounts, and this is the other kind.
    case debtorTypeNotTaken = "debtor_type_not_taken"
    /// The agency's partner file lists no licence for the debtor's region.
    case notLicensed = "not_licensed"
    /// The agency's licence for the debtor's region has expired.
    case licenceExpired = "licence_expired"
    /// The debt is time-barred, and the agency's partner file does not accept time-barred debt.
    case timeBarredNotAccepted = "time_barred_not_accepted"
    /// The account may still be inside its validation period at an earlier agency, and the date
    /// its validation notice was sent is not known.
    case validationNoticeDateUnknown = "validation_notice_date_unknown"
    /// The account is inside its validation period, and this agency's file has no field to
    /// carry the validation notice's date.
    case validationNoticeNotCarried = "validation_notice_not_carried"

    // A request to an agency.
    /// The request is about an account the agency no longer holds: it would tell a third party of the debt.
    case notWithAgency = "not_with_agency"

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// The reason a hold gives.
    public init(hold: Hold) {
        switch hold {
        case .doNotPlace: self = .doNotPlace
        case .bankruptcy: self = .bankruptcy
        case .deceased: self = .deceased
        case .ceaseContact: self = .ceaseContact
        case .attorney: self = .attorneyRepresented
        case .minor: self = .minor
        case .military: self = .activeDutyMilitary
        case .identityTheft: self = .identityTheft
        case .validationRequested: self = .validationRequested
        }
    }

    /// What the code means, in words an owner understands.
    public var explanation: String {
        switch self {
        case .doNotPlace: return "the business asked that this account never be placed"
        case .bankruptcy: return "the debtor filed for bankruptcy"
        case .deceased: return "the debtor has died"
        case .ceaseContact: return "the debtor asked collectors to stop contacting them"
        case .attorneyRepresented: return "the debtor is represented by an attorney"
        case .minor: return "the debtor is a minor"
        case .activeDutyMilitary: return "the debtor is on active military duty"
        case .identityTheft: return "the debtor says the debt comes from identity theft"
        case .validationRequested: return "the debtor asked for validation of the debt, not yet answered"
        case .timeBarred: return "the debt is past its limitation period, and time-barred debt is not placed"
        case .debtorTypeNotTaken: return "the agency does not take this type of account (consumer or business)"
        case .notLicensed: return "the agency has no licence for the debtor's region"
        case .licenceExpired: return "the agency's licence for the debtor's region has expired"
        case .timeBarredNotAccepted: return "the debt is time-barred and the agency does not accept time-barred debt"
        case .validationNoticeDateUnknown:
            return "the account may be inside its validation period and the validation notice's date is not known"
        case .validationNoticeNotCarried:
            return "the account is inside its validation period and the agency's file cannot carry the notice's date"
        case .notWithAgency: return "the agency no longer holds the account"
        }
    }

    /// Codes as printed: sorted, joined by `,`.
    public static func listText(_ reasons: [ComplianceReason]) -> String {
        Set(reasons).sorted().map(\.rawValue).joined(separator: ",")
    }
}
