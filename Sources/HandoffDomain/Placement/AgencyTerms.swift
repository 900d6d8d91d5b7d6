/// What Handoff needs to know of a collection agency to decide what it gets: its tier and
/// share, what it is licensed and willing to take, how many accounts a run may give it,
/// and what it charges. Read from the agency's partner file.
public struct AgencyTerms: Hashable, Sendable {
    /// The partner id (the file's `id`), such as `keystone-recovery`.
    public var id: String
    public var enabled: Bool
    /// 1 = the first agency an account goes to, 2 = where it goes when the first returns it, …
    public var tier: Int
    /// Weight within its tier for champion/challenger splits (any positive whole number).
    public var share: Int
    /// Most accounts one placement run may give it; `nil` for no limit.
    public var capacityPerRun: Int?
    public var eligibility: Eligibility
    public var commission: CommissionSchedule
    public var remittance: RemittanceModel

    public init(id: String, enabled: Bool = true, tier: Int = 1, share: Int = 1, capacityPerRun: Int? = nil,
        eligibility: Eligibility = Eligibility(), commission: CommissionSchedule = CommissionSchedule(rates: []),
        remittance: RemittanceModel = .net) {
        self.id = id
        self.enabled = enabled
        self.tier = tier
        self.share = share
        self.capacityPerRun = capacityPerRun
        self.eligibility = eligibility
        self.commission = commission
        self.remittance = remittance
    }
}

/// Which accounts an agency takes. An empty set means "any".
public struct Eligibility: Hashable, Sendable {
    public var debtorTypes: Set<DebtorType> = []
    /// ISO 3166-1 alpha-2 codes.
    public var countries: Set<String> = []
    /// State or province codes the agency is licensed in.
    public var regions: Set<String> = []
    /// ISO 4217 codes.
    public var currencies: Set<String> = []
    public var minBalance: DecimalAmount?
    public var maxBalance: DecimalAmount?
    public var minDaysPastDue: Int?
    public var maxDaysPastDue: Int?

    public init(
        debtorTypes: Set<DebtorType> = [], countries: Set<String> = [], regions: Set<String> = [],
        currencies: Set<String> = [],
        minBalance: DecimalAmount? = nil, maxBalance: DecimalAmount? = nil, minDaysPastDue: Int? = nil,
        maxDaysPastDue: Int? = nil
    ) {
        self.debtorTypes = debtorTypes
        self.countries = countries
        self.regions = regions
        self.currencies = currencies
        self.minBalance = minBalance
        self.maxBalance = maxBalance
        self.minDaysPastDue = minDaysPastDue
        self.maxDaysPastDue = maxDaysPastDue
    }

    /// Why an account is not for this agency, or `nil` when it is.
    public func refusal(for profile: DebtorProfile, balance: Money, daysPastDue: Int) -> String? {
        if !debtorTypes.isEmpty && !debtorTypes.contains(profile.type) {
            return "takes no \(profile.type.rawValue) accounts"
        }
        if !countries.isEmpty && !countries.contains(profile.country ?? "") {
            return "not licensed in country \(profile.country ?? "(none)")"
        }
        if !regions.isEmpty && !regions.contains(profile.region ?? "") {
            return "not licensed in region \(profile.region ?? "(none)")"
        }
        if !currencies.isEmpty && !currencies.contains(balance.currency.code) {
            return "takes no \(balance.currency.code)"
        }
        if let min = minBalance, balance.minorUnits < min.minorUnitsRoundingUp(digits: balance.currency.minorUnitDigits)
        {
            return "balance \(balance.decimalText) below its minimum \(min)"
        }
        if let max = maxBalance, balance.minorUnits > max.minorUnits(digits: balance.currency.minorUnitDigits) {
            return "balance \(balance.decimalText) above its maximum \(max)"
        }
        if let min = minDaysPastDue, daysPastDue < min {
            return "\(daysPastDue) days past due, it takes \(min) or more"
        }
        if let max = maxDaysPastDue, daysPastDue > max {
            return "\(daysPastDue) days past due, it takes \(max) or fewer"
        }
        return nil
    }
}

/// Whether an agency keeps its commission out of what it collects (`net`) or remits every
/// cent and invoices its fee separately (`gross`).
public enum RemittanceModel: String, Hashable, Sendable, CaseIterable {
    case net, gross
}

/// How a commission is rounded to the minor unit.
public enum RoundingRule: String, Hashable, Sendable, CaseIterable {
    /// Half a cent and more rounds away from zero.
    case halfUp = "half_up"
    /// Half a cent rounds to the even cent.
    case halfEven = "half_even"
    /// Fractions of a cent are dropped (toward zero).
    case down
}

/// An agency's commission rates. The first rate whose conditions hold applies.
public struct CommissionSchedule: Hashable, Sendable {
    /// One rate and when it applies.
    public struct Rate: Hashable, Sendable {
        /// Parts per million: 25% is 250,000.
        public var partsPerMillion: Int64
        /// Applies only while the account has this agency status (its own code, such as `LEG`).
        public var status: String?
        /// Applies only to accounts placed at least this many days after their oldest due date.
        public var minAgeDays: Int?
        /// Applies only to accounts placed fewer than this many days after their oldest due date.
        public var maxAgeDays: Int?

        public init(partsPerMillion: Int64, status: String? = nil, minAgeDays: Int? = nil, maxAgeDays: Int? = nil) {
            self.partsPerMillion = partsPerMillion
            self.status = status
            self.minAgeDays = minAgeDays
            self.maxAgeDays = maxAgeDays
        }
    }

    public var rates: [Rate]
    public var rounding: RoundingRule

    public init(rates: [Rate], rounding: RoundingRule = .halfUp) {
        self.rates = rates
        self.rounding = rounding
    }

    /// The rate for an account placed `ageDays` after its oldest due date, with agency status `status`.
    public func rate(ageDays: Int, status: String?) -> Rate? {
        rates.first { r in
            if let s = r.status, s != status { return false }
            if let min = r.minAgeDays, ageDays < min { return false }
            if let max = r.maxAgeDays, ageDays >= max { return false }
            return true
        }
    }

    /// The commission on `amount` minor units at `rate`, rounded by this schedule's rule.
    /// Exact integer arithmetic; a negative amount (a reversal) gives the mirror image.
    public func commission(on amount: Int64, rate: Rate) -> Int64 {
        let negative = amount < 0
        let product = amount.magnitude.multipliedFullWidth(by: UInt64(rate.partsPerMillion))
        let (quotient, remainder) = UInt64(1_000_000).dividingFullWidth(product)
        var q = Int64(quotient)
        switch rounding {
        case .down: break
        case .halfUp: if remainder >= 500_000 { q += 1 }
        case .halfEven: if remainder > 500_000 || (remainder == 500_000 && q % 2 == 1) { q += 1 }
        }
        return negative ? 0 - q : q
    }

    /// Parses a rate written as a percentage: `"25%"`, `"33.5%"` (up to four decimals).
    public static func partsPerMillion(percent text: String) -> Int64? {
        var t = text.trimmingSpaces
        guard t.hasSuffix("%") else { return nil }
        t.removeLast()
        guard let v = try? Amount.parseMinorUnits(t, digits: 4), v >= 0, v <= 1_000_000 else { return nil }
        return v
    }
}
