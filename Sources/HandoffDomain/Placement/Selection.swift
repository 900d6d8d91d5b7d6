/// Everything the selection rules need to know of one account on the day of a run.
public struct PlacementCandidate: Hashable, Sendable {
    public var customerID: Int64
    public var profile: DebtorProfile
    /// The account's invoices with a balance above zero.
    public var openInvoices: [OpenItem]
    /// Date of the latest payment the business received.
    public var lastPaymentDate: CalendarDate?
    /// The agency the account is with now, if any, and since when.
    public var openPlacement: (partnerID: String, since: CalendarDate)?
    /// Every agency that has had the account before, with the tier it had it in.
    public var pastPartners: [String: Int]
    /// Agencies that rejected the account and may not have it again until a person clears it.
    public var blockedPartners: Set<String>
    /// When a final notice was recorded, if one was.
    public var finalNoticeDate: CalendarDate?
    /// The invoices of the itemization frozen at the first placement: later placements offer only these.
    public var frozenInvoiceIDs: Set<Int64>?
    /// The kind of debt, as the business's limitation table names it.
    public var debtKind: String?
    /// When the validation notice was sent, if known.
    public var validationNoticeDate: CalendarDate?
    /// When an agency first received the account, if one did.
    public var firstPlacedOn: CalendarDate?

    public init(
        customerID: Int64, profile: DebtorProfile, openInvoices: [OpenItem], lastPaymentDate: CalendarDate? = nil,
        openPlacement: (partnerID: String, since: CalendarDate)? = nil, pastPartners: [String: Int] = [:],
        blockedPartners: Set<String> = [], finalNoticeDate: CalendarDate? = nil, frozenInvoiceIDs: Set<Int64>? = nil,
        debtKind: String? = nil, validationNoticeDate: CalendarDate? = nil, firstPlacedOn: CalendarDate? = nil
    ) {
        self.debtKind = debtKind
        self.validationNoticeDate = validationNoticeDate
        self.firstPlacedOn = firstPlacedOn
        self.customerID = customerID
        self.profile = profile
        self.openInvoices = openInvoices
        self.lastPaymentDate = lastPaymentDate
        self.openPlacement = openPlacement
        self.pastPartners = pastPartners
        self.blockedPartners = blockedPartners
        self.finalNoticeDate = finalNoticeDate
        self.frozenInvoiceIDs = frozenInvoiceIDs
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.customerID == b.customerID && a.profile == b.profile && a.openInvoices == b.openInvoices
            && a.lastPaymentDate == b.lastPaymentDate
            && a.openPlacement?.partnerID == b.openPlacement?.partnerID
            && a.openPlacement?.since == b.openPlacement?.since
            && a.pastPartners == b.pastPartners && a.blockedPartners == b.blockedPartners
            && a.finalNoticeDate == b.finalNoticeDate
            && a.frozenInvoiceIDs == b.frozenInvoiceIDs && a.debtKind == b.debtKind
            && a.validationNoticeDate == b.validationNoticeDate
            && a.firstPlacedOn == b.firstPlacedOn
    }

    /// What the compliance gate needs of the account, with the part that would be placed.
    public func complianceFacts(_ p: Placeable) -> ComplianceFacts {
        // The limitation period runs from the oldest due date placed, or from a later payment.
        let start = [p.oldestDueDate, lastPaymentDate].compactMap { $0 }.max()
        return ComplianceFacts(
            type: profile.type, region: profile.region, holds: profile.holds, debtKind: debtKind, limitationDate: start,
            validationNoticeDate: validationNoticeDate, firstPlacedOn: firstPlacedOn)
    }

    public func hash(into h: inout Hasher) { h.combine(customerID) }
}

/// Why an account is not placed, as a code for programs and words for people.
public struct NotPlaced: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable, CaseIterable {
        case hold, withAgency = "with_agency", nothingPastDue = "nothing_past_due", allDisputed = "all_disputed",
             tooRecent = "too_recent", belowMinimum = "below_minimum", recentPayment = "recent_payment",
             finalNoticeDue = "final_notice_due", finalNoticeWaiting = "final_notice_waiting",
            noEligibleAgency = "no_eligible_agency", agenciesExhausted = "agencies_exhausted", atCapacity =
            "at_capacity",
            amountTooLarge = "amount_too_large", compliance
    }
    public var code: Code
    public var detail: String
    /// The compliance gate's reason codes, when it is the gate that keeps the account back.
    public var reasons: [ComplianceReason]
    public init(_ code: Code, _ detail: String, reasons: [ComplianceReason] = []) {
        self.code = code
        self.detail = detail
        self.reasons = reasons
    }
    public var description: String { detail }
}

/// The part of an account that the rules find placeable, before an agency is chosen.
public struct Placeable: Hashable, Sendable {
    /// Past-due, open, undisputed invoices, oldest first.
    public var invoices: [OpenItem]
    public var balance: Money
    /// Days past due of the oldest of them.
    public var daysPastDue: Int
    public var oldestDueDate: CalendarDate
}

/// The selection rules, applied to one account. Pure.
public enum Selection {
    /// What the rules say of an account on `asOf`.
    public enum Verdict: Hashable, Sendable {
        case placeable(Placeable)
        /// Would be placeable, but needs a final notice first: record one today.
        case needsFinalNotice(Placeable)
        case notPlaced(NotPlaced)
    }

    public static func evaluate(_ c: PlacementCandidate, rules: PlacementRules, asOf: CalendarDate) -> Verdict {
        if !c.profile.holds.isEmpty {
            return .notPlaced(NotPlaced(.hold, "hold: \(Hold.listText(c.profile.holds))",
                                        reasons: Set(c.profile.holds.map(ComplianceReason.init(hold:))).sorted()))
        }
        if let open = c.openPlacement {
            return .notPlaced(NotPlaced(.withAgency, "with \(open.partnerID) since \(open.since)"))
        }
        var pastDue = c.openInvoices.filter { $0.balance > 0 && $0.dueDate < asOf }
        if let frozen = c.frozenInvoiceIDs { pastDue = pastDue.filter { frozen.contains($0.invoiceID) } }
        let invoices = pastDue.filter { !$0.disputed }.sorted(by: OpenItem.oldestFirst)
        guard let oldest = invoices.first else {
            return .notPlaced(pastDue.isEmpty ? NotPlaced(.nothingPastDue, "nothing past due")
                                              : NotPlaced(.allDisputed, "every past-due invoice is disputed"))
        }
        let currency = c.profile.currency
        let days = asOf.days(since: oldest.dueDate)
        if days < rules.minDaysPastDue {
            return .notPlaced(NotPlaced(.tooRecent, "\(days) days past due (minimum \(rules.minDaysPastDue))"))
        }
        let total: Int64
        do { total = try Amount.sum(invoices.lazy.map(\.balance), what: "the balance of the past-due invoices") } catch
        {
            return .notPlaced(NotPlaced(.amountTooLarge, error.description))
        }
        let balance = Money(minorUnits: total, currency: currency)
        let minimum = Money(
            minorUnits: rules.minBalance.minorUnitsRoundingUp(digits: currency.minorUnitDigits), currency: currency)
        if balance.minorUnits < minimum.minorUnits {
            return .notPlaced(
                NotPlaced(.belowMinimum, "balance \(balance.decimalText) below the minimum \(minimum.decimalText)"))
        }
        if let paid = c.lastPaymentDate, asOf.days(since: paid) < rules.recentPaymentDays {
            return .notPlaced(NotPlaced(.recentPayment, "paid on \(paid), within \(rules.recentPaymentDays) days"))
        }
        let placeable = Placeable(
            invoices: invoices, balance: balance, daysPastDue: days, oldestDueDate: oldest.dueDate)
        if let wait = rules.finalNoticeDays {
            guard let notice = c.finalNoticeDate else { return .needsFinalNotice(placeable) }
            let ready = notice.adding(days: wait)
            if asOf < ready {
                return .notPlaced(NotPlaced(.finalNoticeWaiting, "final notice of \(notice); placeable from \(ready)"))
            }
        }
        return .placeable(placeable)
    }
}

/// Chooses an agency for each placeable account: the tier after the last it was placed in,
/// then by share within the tier, deterministically; an agency at capacity passes accounts
/// on to the next eligible one. Holds the run's capacity counts, so one allocator serves
/// one run.
public struct Allocator: Sendable {
    public let agencies: [AgencyTerms]
    /// Accounts given to each agency in this run.
    public private(set) var allocated: [String: Int] = [:]

    public init(agencies: [AgencyTerms]) {
        self.agencies = agencies.filter(\.enabled).sorted { ($0.tier, $0.id) < ($1.tier, $1.id) }
    }

    /// The agency chosen, and its tier.
    public struct Choice: Hashable, Sendable {
        public var partnerID: String
        public var tier: Int
        /// What the compliance gate says the agency's file must carry.
        public var marks: ComplianceMarks
        public init(partnerID: String, tier: Int, marks: ComplianceMarks = ComplianceMarks()) {
            self.partnerID = partnerID
            self.tier = tier
            self.marks = marks
        }
    }

    /// Chooses an agency for one account, counting it against that agency's capacity. `gate`
    /// is the compliance gate's verdict for the account with an agency: an agency it refuses is
    /// never chosen, and its reason codes are kept for the answer.
    public mutating func allocate(_ c: PlacementCandidate, _ p: Placeable,
                                  gate: (AgencyTerms) -> ComplianceVerdict = { _ in .allowed(ComplianceMarks()) })
        -> Result<Choice, NotPlaced> {
        let lastTier = c.pastPartners.values.max() ?? 0
        var reasons: [String] = []
        var codes = Set<ComplianceReason>()
        var marks: [String: ComplianceMarks] = [:]
        var sawUnhadAgency = false
        for tier in Set(agencies.map(\.tier)).sorted() where tier > lastTier {
            let inTier = agencies.filter { $0.tier == tier }
            var eligible: [AgencyTerms] = []
            for agency in inTier {
                if c.pastPartners[agency.id] != nil { continue }
                sawUnhadAgency = true
                if c.blockedPartners.contains(agency.id) {
                    reasons.append("\(agency.id): rejected it before (clear it to offer again)"); continue
                }
                switch gate(agency) {
                case .refused(let why):
                    reasons.append("\(agency.id): " + ComplianceReason.listText(why))
                    codes.formUnion(why)
                    continue
                case .allowed(let m):
                    marks[agency.id] = m
                }
                if let why = agency.eligibility.refusal(for: c.profile, balance: p.balance, daysPastDue: p.daysPastDue)
                {
                    reasons.append("\(agency.id): \(why)")
                    continue
                }
                if agency.share > 0 { eligible.append(agency) } else { reasons.append("\(agency.id): its share is 0") }
            }
            guard !eligible.isEmpty else { continue }
            // Deterministic by account number: the same account lands on the same agency for the
            // same configuration, and over many accounts each gets its share.
            let total = eligible.reduce(0) { $0 + $1.share }
            var point = Int(Self.stableHash(c.profile.accountNumber) % UInt64(total))
            var first = 0
            for (i, agency) in eligible.enumerated() {
                if point < agency.share { first = i; break }
                point -= agency.share
            }
            for offset in 0..<eligible.count {
                let agency = eligible[(first + offset) % eligible.count]
                if let cap = agency.capacityPerRun, allocated[agency.id, default: 0] >= cap { continue }
                allocated[agency.id, default: 0] += 1
                return .success(Choice(partnerID: agency.id, tier: tier, marks: marks[agency.id] ?? ComplianceMarks()))
            }
            return .failure(
                NotPlaced(.atCapacity, "every eligible agency in tier \(tier) is at its capacity for this run"))
        }
        if !sawUnhadAgency && !c.pastPartners.isEmpty {
            return .failure(NotPlaced(.agenciesExhausted, "every agency after tier \(lastTier) has had it"))
        }
        return .failure(
            NotPlaced(
                .noEligibleAgency,
                reasons.isEmpty ? "no agency is configured" : "no eligible agency: " + reasons.joined(separator: "; "),
                reasons: codes.sorted()))
    }

    /// Gives back a place taken by ``allocate(_:_:)`` for an account that was not placed after
    /// all (the agency's layout refused it), so that refusals never use up capacity.
    public mutating func release(_ choice: Choice) {
        if let n = allocated[choice.partnerID], n > 0 { allocated[choice.partnerID] = n - 1 }
    }

    /// FNV-1a, 64 bits, with a final mix so that the low bits of similar account numbers
    /// spread evenly: the same on every machine and every run (unlike `Hasher`).
    public static func stableHash(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        return h
    }
}
