public import Foundation
public import HandoffConfig
import HandoffCrashPoints
public import HandoffDomain
public import HandoffStore
public import HandoffTransport

/// What sends a composed message: the business's mail server (``SMTPClient``) in use.
public protocol MailSending: Sendable {
    func send(from: String, to: String, message: [UInt8]) throws(SMTPFailure)
}

extension SMTPClient: MailSending {}

/// One run of the dunning steps: each account that a step is due for gets one message covering
/// all its past-due invoices, exactly once per step and cycle. Its one executor of
/// ``DunningDelivery``: every state is committed before the action it leads to.
public struct DunningRun {
    public struct Options {
        public var asOf: CalendarDate
        public var dryRun: Bool
        public var settings: DunningSettings
        public var finalNoticeDays: Int?
        public var businessName: String
        public var templates: DunningTemplates
        /// Now, in Unix seconds, and a random number in 0..<1 for the backoff's jitter.
        public var now: () -> Date = Date.init
        public var jitter: () -> Double = { Double.random(in: 0..<1) }

        public init(
            asOf: CalendarDate, dryRun: Bool, settings: DunningSettings, finalNoticeDays: Int?, businessName: String,
            templates: DunningTemplates
        ) {
            self.asOf = asOf
            self.dryRun = dryRun
            self.settings = settings
            self.finalNoticeDays = finalNoticeDays
            self.businessName = businessName
            self.templates = templates
        }
    }

    /// What the run did (or, in a dry run, would do) for one account.
    public struct Line: Sendable, Codable {
        public var account_number: String
        public var name: String
        public var email: String?
        public var step: String?
        /// `would_send`, `sent`, `retry_later`, `failed`, `unconfirmed`, `withdrawn`, `skipped`.
        public var outcome: String
        public var reason_code: String?
        public var detail: String?
        public var balance: Int64?
        public var currency: String?
        public var invoices: [String]?
        public var placement_date: String?
        public var message_id: String?
        public var id: Int64?
    }

    /// Counts of outcomes.
    public struct Summary: Sendable, Codable {
        public var sent = 0
        public var wouldSend = 0
        public var retryLater = 0
        public var failed = 0
        public var unconfirmed = 0
        public var withdrawn = 0
        public var skipped = 0
    }

    public let options: Options
    public init(options: Options) { self.options = options }

    /// Runs the steps. `sender` may be nil only for a dry run. `report` sees every account that
    /// has something past due, and every message the run moved.
    public func run(store: any DunningStore, sender: (any MailSending)?, report: (Line) -> Void) throws -> Summary {
        var summary = Summary()
        let schedule = options.settings.schedule
        let asOf = options.asOf
        let (candidates, recorded, pending) = try store.readDunning {
            r -> (
                [PlacementCandidate], [Int64: Set<RecordedDunningStep>],
                [DunningMessageRecord]
            ) in
            var all: [PlacementCandidate] = []
            try r.forEachPlacementCandidate(asOf: asOf) { all.append($0) }
            let open = try r.dunningMessages().filter { [.sending, .retryLater].contains($0.delivery.state.stored) }
            return (all, try r.recordedDunningSteps(), open)
        }
        let byCustomer = Dictionary(candidates.map { ($0.customerID, $0) }, uniquingKeysWith: { a, _ in a })
        let now = Int64(options.now().timeIntervalSince1970)

        // 1. Messages left `sending` by an interrupted run wait for a person; due retries go again.
        for message in pending {
            var delivery = message.delivery
            if message.delivery.state == .sending {
                if options.dryRun {
                    report(
                        line(
                            message, outcome: "unconfirmed",
                            detail: "interrupted during its SMTP transaction: a person confirms"))
                    continue
                }
                guard case .askPerson = delivery.startAttempt(now: now) else { continue }
                try store.writeDunning { try $0.updateDunningMessage(id: message.id, delivery, lastError: nil) }
                summary.unconfirmed += 1
                report(
                    line(
                        message, outcome: "unconfirmed",
                        detail: "interrupted during its SMTP transaction: it may have gone out; confirm or resend it"))
                continue
            }
            guard case .retryLater(let notBefore, _) = message.delivery.state, now >= notBefore else { continue }
            if let why = stillStopped(message, candidate: byCustomer[message.customerID], schedule: schedule) {
                if options.dryRun { report(line(message, outcome: "withdrawn", detail: why)); continue }
                _ = delivery.withdraw(why)
                try store.writeDunning { try $0.updateDunningMessage(id: message.id, delivery, lastError: why) }
                summary.withdrawn += 1
                report(line(message, outcome: "withdrawn", detail: why))
                continue
            }
            if options.dryRun {
                summary.wouldSend += 1
                report(
                    line(
                        message, outcome: "would_send",
                        detail: "retry of an earlier attempt (\(message.lastError ?? ""))"))
                continue
            }
            guard case .send = delivery.startAttempt(now: now) else { continue }
            try store.writeDunning {
                try $0.updateDunningMessage(id: message.id, delivery, lastError: message.lastError)
            }
            try transact(message, delivery: delivery, store: store, sender: sender, summary: &summary, report: report)
        }

        // 2. New messages: one per account a step is due for.
        for candidate in candidates.sorted(by: { $0.profile.accountNumber < $1.profile.accountNumber }) {
            let profile = candidate.profile
            let verdict = DunningPlan.evaluate(
                candidate, schedule: schedule, recorded: recorded[candidate.customerID] ?? [],
                finalNoticeDays: options.finalNoticeDays, asOf: asOf)
            guard case .send(let letter) = verdict else {
                if case .skip(let skip) = verdict, skip.code != .nothingPastDue {
                    summary.skipped += 1
                    report(
                        Line(
                            account_number: profile.accountNumber, name: profile.displayName, email: profile.email,
                            step: nil,
                            outcome: "skipped", reason_code: skip.code.rawValue, detail: skip.detail))
                }
                continue
            }
            let mail = compose(candidate, letter)
            let messageID = mail.messageID
            if options.dryRun {
                summary.wouldSend += 1
                report(
                    Line(
                        account_number: profile.accountNumber, name: profile.displayName, email: mail.to,
                        step: letter.step.name,
                        outcome: "would_send", detail: mail.subject, balance: letter.balance.minorUnits,
                        currency: letter.balance.currency.code, invoices: letter.invoices.map(\.invoiceNumber),
                        placement_date: letter.placementDate?.iso, message_id: messageID))
                continue
            }
            let new = NewDunningMessage(
                customerID: candidate.customerID, step: letter.step.name, kind: letter.step.kind,
                cycle: letter.cycle, messageID: messageID, recipient: mail.to, subject: mail.subject,
                balance: letter.balance, invoices: letter.invoices.map(\.invoiceNumber),
                placementDate: letter.placementDate, asOf: asOf, content: mail.bytes)
            // Recorded `sending` before the transaction: a crash from here on never sends it again unattended.
            guard let id = try store.writeDunning({ try $0.insertDunningMessage(new) }),
                let message = try store.readDunning({ try $0.dunningMessage(id: id) })
            else { continue }
            try transact(
                message, delivery: message.delivery, store: store, sender: sender, summary: &summary, report: report)
        }
        return summary
    }

    /// Why a waiting retry should not go any more, or `nil` when the account still qualifies.
    func stillStopped(_ message: DunningMessageRecord, candidate: PlacementCandidate?, schedule: DunningSchedule)
        -> String?
    {
        guard let c = candidate else { return "nothing is past due any more" }
        let verdict = DunningPlan.evaluate(
            c, schedule: schedule, recorded: [], finalNoticeDays: options.finalNoticeDays,
            asOf: options.asOf)
        guard case .skip(let skip) = verdict else { return nil }
        switch skip.code {
        case .withAgency, .nothingPastDue, .hold, .disputed, .noEmail, .badEmail, .doNotPlace: return skip.detail
        case .finalNoticeGiven: return message.kind == .finalNotice ? skip.detail : nil
        case .notYetDue, .alreadyRecorded, .amountTooLarge: return nil
        }
    }

    /// The SMTP transaction of a message recorded `sending`, and the record of its answer.
    func transact(
        _ message: DunningMessageRecord, delivery start: DunningDelivery, store: any DunningStore,
        sender: (any MailSending)?, summary: inout Summary, report: (Line) -> Void
    ) throws {
        guard let sender else { throw DunningSetupError("no mail server is configured ([smtp])") }
        var delivery = start
        CrashPoint.check("dunning.before-smtp")
        let failure: SMTPFailure?
        do {
            try sender.send(from: options.settings.fromAddress, to: message.recipient, message: message.content)
            failure = nil
        } catch {
            failure = error
        }
        CrashPoint.check("dunning.after-smtp")
        let now = Int64(options.now().timeIntervalSince1970)
        if let failure {
            let action = delivery.failed(
                failure.message, permanent: failure.permanent, now: now, jitter: options.jitter())
            try store.writeDunning { try $0.updateDunningMessage(id: message.id, delivery, lastError: failure.message) }
            switch action {
            case .scheduleRetry(let notBefore):
                summary.retryLater += 1
                let at = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(notBefore)))
                report(line(message, outcome: "retry_later", detail: "\(failure.message); tried again from \(at)"))
            default:
                summary.failed += 1
                report(line(message, outcome: "failed", detail: failure.message))
            }
            return
        }
        _ = delivery.accepted()
        try store.writeDunning { w in
            try w.updateDunningMessage(id: message.id, delivery, lastError: nil)
            // A final notice is given once the server took it: the placement wait starts today.
            if message.kind == .finalNotice,
                try !w.finalNotices().contains(where: { $0.customerID == message.customerID }),
                let currency = Currency(code: message.currency)
            {
                try w.recordFinalNotice(
                    customerID: message.customerID, date: options.asOf,
                    balance: Money(minorUnits: message.balance, currency: currency))
            }
        }
        summary.sent += 1
        report(line(message, outcome: "sent", detail: message.subject))
    }

    func compose(_ c: PlacementCandidate, _ letter: DunningLetter) -> ComposedMail {
        let s = options.settings
        let context = DunningTemplates.context(
            businessName: options.businessName, profile: c.profile, letter: letter,
            openInvoices: c.openInvoices, asOf: options.asOf, replyTo: s.replyTo ?? s.from)
        let rendered = options.templates.render(step: letter.step.name, context: context) ?? ("", "", "")
        let to = (c.profile.email ?? "").trimmingSpaces
        let id = MailComposer.messageID(
            accountNumber: c.profile.accountNumber, step: letter.step.name, cycle: letter.cycle,
            fromAddress: s.fromAddress)
        return MailComposer.compose(
            fromHeader: s.from, fromAddress: s.fromAddress, replyTo: s.replyTo, toName: c.profile.displayName,
            toAddress: to, subject: rendered.subject, text: rendered.text, html: rendered.html,
            messageID: id, date: options.now())
    }

    func line(_ m: DunningMessageRecord, outcome: String, detail: String?) -> Line {
        Line(
            account_number: m.accountNumber, name: "", email: m.recipient, step: m.step, outcome: outcome,
            detail: detail,
            balance: m.balance, currency: m.currency, invoices: m.invoices, placement_date: m.placementDate?.iso,
            message_id: m.messageID, id: m.id)
    }
}

/// Dunning cannot run as configured: what is missing.
public struct DunningSetupError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
