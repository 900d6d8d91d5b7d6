/// The message one dunning step would send one account: every past-due invoice of the
/// account in one message, with their total and, for a final notice, the placement date.
public struct DunningLetter: Hashable, Sendable {
    public var step: DunningStep
    /// The dunning cycle: the due date of the oldest past-due invoice (`YYYY-MM-DD`). Each step
    /// goes out at most once per account and cycle.
    public var cycle: String
    /// The past-due invoices, oldest first.
    public var invoices: [OpenItem]
    /// Their total, in the account's currency.
    public var balance: Money
    /// Days past due of the oldest of them.
    public var daysPastDue: Int
    /// For a final notice: the first day the account may be placed with an agency.
    public var placementDate: CalendarDate?

    public init(
        step: DunningStep, cycle: String, invoices: [OpenItem], balance: Money, daysPastDue: Int,
        placementDate: CalendarDate?
    ) {
        self.step = step
        self.cycle = cycle
        self.invoices = invoices
        self.balance = balance
        self.daysPastDue = daysPastDue
        self.placementDate = placementDate
    }
}

/// Why an account gets no message today, as a code for programs and words for people.
public struct DunningSkip: Hashable, Sendable, CustomStringConvertible {
    /// The reason, as a code.
    public enum Code: String, Hashable, Sendable, CaseIterable {
        case withAgency = "with_agency", nothingPastDue = "nothing_past_due", hold, disputed
        case noEmail = "no_email", badEmail = "bad_email", notYetDue = "not_yet_due", alreadyRecorded =
            "already_recorded"
        case finalNoticeGiven = "final_notice_given", doNotPlace = "do_not_place", amountTooLarge = "amount_too_large"
    }
    public var code: Code
    public var detail: String
    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }
    public var description: String { detail }
}

/// A step already recorded for an account (whatever became of it).
public struct RecordedDunningStep: Hashable, Sendable {
    public var step: String
    public var cycle: String
    public init(step: String, cycle: String) {
        self.step = step
        self.cycle = cycle
    }
}

/// Which dunning message, if any, an account gets on a day. Pure.
public enum DunningPlan {
    /// What the rules say of an account on `asOf`.
    public enum Verdict: Hashable, Sendable {
        case send(DunningLetter)
        case skip(DunningSkip)
    }

    /// The holds that stop every dunning step: collection must stop, or the customer asked not to be contacted.
    /// `do_not_place` only keeps the account from agencies: its reminders still go, but no final notice.
    public static func stoppingHolds(_ holds: Set<Hold>) -> Set<Hold> { holds.subtracting([.doNotPlace]) }

    /// Evaluates one account. `recorded` holds the steps already recorded for it (any cycle);
    /// `finalNoticeDays` is `[placement] final_notice_days` (the wait a final notice names).
    public static func evaluate(
        _ c: PlacementCandidate, schedule: DunningSchedule, recorded: Set<RecordedDunningStep>,
        finalNoticeDays: Int?, asOf: CalendarDate
    ) -> Verdict {
        if let open = c.openPlacement {
            return .skip(DunningSkip(.withAgency, "with \(open.partnerID) since \(open.since)"))
        }
        let pastDue = c.openInvoices.filter { $0.balance > 0 && $0.dueDate < asOf }.sorted(by: OpenItem.oldestFirst)
        guard let oldest = pastDue.first else { return .skip(DunningSkip(.nothingPastDue, "nothing past due")) }
        let stopping = stoppingHolds(c.profile.holds)
        if !stopping.isEmpty {
            return .skip(DunningSkip(.hold, "hold: \(Hold.listText(stopping))"))
        }
        if let disputed = pastDue.first(where: \.disputed) {
            return .skip(DunningSkip(.disputed, "invoice \(disputed.invoiceNumber) is disputed"))
        }
        let email = (c.profile.email ?? "").trimmingSpaces
        if email.isEmpty { return .skip(DunningSkip(.noEmail, "no e-mail address")) }
        if !EmailAddress.isSendable(email) {
            return .skip(DunningSkip(.badEmail, "the e-mail address '\(email)' is not one a message can be sent to"))
        }
        let days = asOf.days(since: oldest.dueDate)
        let cycle = oldest.dueDate.iso
        guard let step = schedule.latestDue(atDaysPastDue: days) else {
            let next = schedule.next(afterDaysPastDue: days)
            let when = next.map { " (\($0.name) on \(oldest.dueDate.adding(days: $0.daysPastDue)))" } ?? ""
            return .skip(DunningSkip(.notYetDue, "\(days) days past due: no step due yet" + when))
        }
        // A step recorded in this cycle, this one or a later one, ends the account's steps for now.
        let laterOrSame = schedule.steps.filter { $0.daysPastDue >= step.daysPastDue }.map(\.name)
        if let done = laterOrSame.first(where: { recorded.contains(RecordedDunningStep(step: $0, cycle: cycle)) }) {
            return .skip(DunningSkip(.alreadyRecorded, "\(done) already recorded for the cycle of \(cycle)"))
        }
        var placementDate: CalendarDate?
        if step.kind == .finalNotice {
            if c.profile.holds.contains(.doNotPlace) {
                return .skip(
                    DunningSkip(.doNotPlace, "do_not_place: a final notice names a placement that will not happen"))
            }
            if let given = c.finalNoticeDate {
                return .skip(DunningSkip(.finalNoticeGiven, "final notice already given on \(given)"))
            }
            placementDate = asOf.adding(days: finalNoticeDays ?? 0)
        }
        let total: Int64
        do { total = try Amount.sum(pastDue.lazy.map(\.balance), what: "the balance of the past-due invoices") } catch {
            return .skip(DunningSkip(.amountTooLarge, error.description))
        }
        return .send(
            DunningLetter(
                step: step, cycle: cycle, invoices: pastDue,
                balance: Money(minorUnits: total, currency: c.profile.currency),
                daysPastDue: days, placementDate: placementDate))
    }
}

/// E-mail addresses as Handoff sends to them.
public enum EmailAddress {
    /// Whether `text` is a plain address (`name@example.com`) a message can go to: one `@`, a
    /// local part and a domain with a dot, and nothing that could end a header or a command
    /// (spaces, control characters, `<>(),;:"[]\`).
    public static func isSendable(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        guard !scalars.isEmpty, scalars.count <= 254 else { return false }
        let forbidden: Set<Unicode.Scalar> = ["<", ">", "(", ")", ",", ";", ":", "\"", "[", "]", "\\", " "]
        for s in scalars where s.value < 0x21 || s.value == 0x7F || forbidden.contains(s) { return false }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
            !parts[1].hasSuffix(".")
        else { return false }
        return true
    }
}
