public import Foundation
import HandoffAgencyLink
public import HandoffConfig
public import HandoffDomain
import HandoffDunning
import HandoffIntake
import HandoffOutbox
import HandoffPartners
public import HandoffPlacement
import HandoffReconciliation
public import HandoffStore
import HandoffTransport
public import Logging
import NIOPosix

/// The daemon's jobs. At most one run of each job at a time; a run's blocking work happens on
/// ``BlockingWork/jobs``, never on Swift's cooperative pool; every run's outcome is kept (and shown
/// by the API), so a failure is never silent.
public actor Jobs {
    /// A job is named by the work its run claims (``ClaimedWork``): one list for both.
    public typealias Name = ClaimedWork

    /// Who started a run, as its log line says.
    public enum Trigger: String, Sendable { case schedule, api, dashboard }

    public struct Outcome: Sendable, Codable {
        public var job: String
        public var startedAt: Date
        public var finishedAt: Date
        public var ok: Bool
        public var summary: String
    }

    let config: HandoffConfig
    let store: any CompleteStore
    let metrics: ServerMetrics
    let logger: Logger
    private var running = Set<Name>()
    public private(set) var last: [String: Outcome] = [:]
    public private(set) var lastSuccess: [String: Date] = [:]

    public init(config: HandoffConfig, store: any CompleteStore, metrics: ServerMetrics, logger: Logger) {
        self.config = config
        self.store = store
        self.metrics = metrics
        self.logger = logger
    }

    /// Runs a job at its scheduled time, unless another instance on this database started it
    /// less than its interval ago (``WorkClaims/takeScheduledTurn(_:every:claimant:)``): the
    /// instances share each job's interval rather than each keeping its own. `first`, the
    /// daemon's first run of the job since it started, runs whatever came before.
    public func runOnSchedule(_ name: Name, everyMinutes minutes: Int, first: Bool) async {
        let store = self.store, every = first ? 0 : Int64(minutes) * 60
        do {
            let taken = try await BlockingWork.jobs.runIfActive {
                try store.takeScheduledTurn(name, every: every, claimant: Delivery.claimant)
            }
            guard taken else {
                logger.info("job not started: another instance started it less than its interval ago",
                    metadata: [
                        "job": "\(name.rawValue)", "by": "schedule", "every_minutes": .stringConvertible(minutes),
                    ])
                return
            }
        } catch {
            // The database cannot say: the run goes ahead, its job claim still keeps it to one instance at a time.
            logger.error(
                "job's scheduled turn not recorded", metadata: ["job": "\(name.rawValue)", "error": "\(error)"])
        }
        await run(name, by: .schedule)
    }

    /// Runs a job now, unless a run of it is under way, and logs its end (with who started it).
    /// `dryRun` applies to `place`. A run a person started (`person`, from the API or the
    /// dashboard) is also written to the audit log under their name (`job.place`, `job.send`,
    /// `job.fetch`), with its outcome.
    @discardableResult
    public func run(_ name: Name, dryRun: Bool = false, by trigger: Trigger, person: String? = nil) async -> Outcome? {
        var who: Logger.Metadata = ["job": "\(name.rawValue)", "by": "\(trigger.rawValue)"]
        if let person { who["person"] = "\(person)" }
        guard !running.contains(name) else {
            logger.info("job not started: already running", metadata: who)
            return nil
        }
        running.insert(name)
        defer { running.remove(name) }
        let started = Date()
        let config = self.config, store = self.store
        let result: (Bool, String, [String: Int])
        do {
            let logger = self.logger, metrics = self.metrics
            // A real run holds the job's claim, so that no other Handoff process on this record
            // (another instance, a command run by hand) runs it at the same time; a dry run only reads.
            let claimed = try await BlockingWork.jobs.runIfActive {
                let perform = {
                    try Self.perform(
                        name, dryRun: dryRun, config: config, store: store, logger: logger, metrics: metrics)
                }
                // The send job claims its preparation only, and each transfer on its own (``Delivery``);
                // on a record instances share, the fetch job claims its intake only, and each file
                // as it applies it (``Reconciliation``).
                if dryRun || name == .send || (name == .fetch && store.sharesWorkRowByRow) {
                    return Optional(try perform())
                }
                return try store.exclusively(name, perform)
            }
            guard let (summary, counts) = claimed else {
                logger.info("job not started: another Handoff process is running it", metadata: who)
                return nil
            }
            result = (true, summary, counts)
        } catch {
            result = (false, "\(error)", [:])
        }
        let outcome = Outcome(
            job: name.rawValue, startedAt: started, finishedAt: Date(), ok: result.0, summary: result.1)
        var metadata: Logger.Metadata = who
        metadata["ok"] = .stringConvertible(result.0)
        metadata["dry_run"] = .stringConvertible(dryRun)
        metadata["summary"] = "\(result.1)"
        metadata["seconds"] = .stringConvertible(
            (outcome.finishedAt.timeIntervalSince(started) * 1000).rounded() / 1000)
        if let person, !dryRun {
            let entry = AuditEntry(actor: person, action: "job.\(name.rawValue)", subject: name.rawValue,
                                   detail: String(((result.0 ? "" : "failed: ") + result.1).prefix(1000)),
                source: EntrySource(
                    kind: .api, name: trigger == .api ? "POST /api/v1/jobs/\(name.rawValue)" : "dashboard"))
            do {
                try await BlockingWork.requests.runIfActive { try store.write { try $0.appendAudit(entry) } }
            } catch {
                logger.error(
                    "job not audited",
                    metadata: ["job": "\(name.rawValue)", "person": "\(person)", "error": "\(error)"])
            }
        }
        if result.0 {
            logger.info("job finished", metadata: metadata)
        } else {
            logger.error("job failed", metadata: metadata)
        }
        if !dryRun {
            last[name.rawValue] = outcome
            if result.0 { lastSuccess[name.rawValue] = outcome.finishedAt }
            metrics.jobFinished(
                name.rawValue, ok: result.0, seconds: outcome.finishedAt.timeIntervalSince(started), counts: result.2)
        }
        return outcome
    }

    /// What a placement run today would do, agency by agency, changing nothing (it only reads,
    /// so it may run beside a real run).
    public struct Preview: Sendable {
        /// Accounts and balance per agency and currency.
        public struct Line: Sendable, Hashable {
            public var partnerID: String
            public var currency: Currency
            public var accounts: Int
            public var balance: Int64
        }
        /// One account a run would place, with where.
        public struct Account: Sendable, Hashable {
            public var accountNumber: String
            public var name: String
            public var partnerID: String
            public var balance: Money
        }
        public var lines: [Line]
        /// The accounts a run would place, in account-number order.
        public var accounts: [Account]
        public var summary: PlacementRun.Summary
        /// How many accounts the compliance gate kept back, by reason code.
        public var compliance: [ComplianceReason: Int] = [:]
        /// Each account the compliance gate kept back, with its codes, in account-number order.
        public var heldBack: [(accountNumber: String, reasons: [ComplianceReason])] = []
    }

    public nonisolated func preview() async throws -> Preview {
        let config = self.config, store = self.store
        return try await BlockingWork.jobs.runIfActive {
            let run = PlacementRun(
                options: .init(
                    asOf: config.today(), dryRun: true, rules: config.placementRules,
                    partners: try Self.partners(config),
                    businessName: config.businessName, stagingDirectory: config.stagingDirectory,
                    finalNoticeByEmail: config.finalNoticeByEmail,
                    compliance: config.compliance))
            var lines: [String: Preview.Line] = [:]
            var accounts: [Preview.Account] = []
            var compliance: [ComplianceReason: Int] = [:]
            var heldBack: [(accountNumber: String, reasons: [ComplianceReason])] = []
            let summary = try run.run(store: store) { decision in
                if case .notPlaced(let why) = decision.outcome, !why.reasons.isEmpty {
                    for r in why.reasons { compliance[r, default: 0] += 1 }
                    heldBack.append((decision.accountNumber, why.reasons))
                }
                guard case .placed(let partnerID, _, _) = decision.outcome, let balance = decision.balance else {
                    return
                }
                accounts.append(
                    Preview.Account(
                        accountNumber: decision.accountNumber, name: decision.name, partnerID: partnerID,
                        balance: balance))
                let key = partnerID + " " + balance.currency.code
                var line =
                    lines[key]
                    ?? Preview.Line(partnerID: partnerID, currency: balance.currency, accounts: 0, balance: 0)
                line.accounts += 1
                line.balance += balance.minorUnits
                lines[key] = line
            }
            return Preview(
                lines: lines.keys.sorted().map { lines[$0]! },
                accounts: accounts.sorted { $0.accountNumber < $1.accountNumber },
                summary: summary, compliance: compliance,
                heldBack: heldBack.sorted { $0.accountNumber < $1.accountNumber })
        }
    }

    /// Whether a job is running now.
    public func isRunning(_ name: Name) -> Bool { running.contains(name) }

    static func partners(_ config: HandoffConfig) throws -> [Partner] {
        let (partners, problems) = PartnerLoader.loadAll(
            directory: config.partnersDirectory, maxAmount: config.maxAmount)
        if !problems.isEmpty { throw ConfigErrors(problems) }
        return partners
    }

    /// Runs a job; returns its summary and counts for the metrics.
    static func perform(_ name: Name, dryRun: Bool, config: HandoffConfig, store: any CompleteStore, logger: Logger,
                        metrics: ServerMetrics? = nil) throws -> (String, [String: Int]) {
        if name == .anchor {
            // Where the tamper-evident chains end, written outside the database (docs/audit.md).
            let heads = try store.readAuditChain { r in try AuditChainName.allCases.map { try r.chainHead($0) } }
            for head in heads {
                logger.notice(
                    "audit chain anchor",
                    metadata: [
                        "chain": "\(head.chain.rawValue)", "rows": "\(head.rows)",
                        "hash": "\(head.hash)", "anchor": "\(head.anchorText)"])
            }
            metrics?.anchored(heads)
            return (
                heads.map { "\($0.chain.rawValue) \($0.rows) rows, head \($0.hash.prefix(12))…" }.joined(
                    separator: "; "), [:]
            )
        }
        let partners = try partners(config)
        let factory = TransportFactory(root: config.root)
        switch name {
        case .place:
            let run = PlacementRun(
                options: .init(
                    asOf: config.today(), dryRun: dryRun, rules: config.placementRules, partners: partners,
                    businessName: config.businessName, stagingDirectory: config.stagingDirectory,
                    finalNoticeByEmail: config.finalNoticeByEmail,
                    compliance: config.compliance))
            var codes: [ComplianceReason: Int] = [:]
            let summary = try run.run(store: store) { decision in
                if case .notPlaced(let why) = decision.outcome { for r in why.reasons { codes[r, default: 0] += 1 } }
            }
            // The compliance gate's codes, with how many accounts each kept back (docs/compliance.md).
            let gate =
                codes.isEmpty
                ? ""
                : "; compliance: "
                    + codes.sorted { $0.key < $1.key }.map {
                        "\($0.key.rawValue.replacingOccurrences(of: "_", with: " ")) \($0.value)"
                    }
                .joined(separator: ", ")
            return (
                "\(dryRun ? "would place" : "placed") \(summary.placed); batches: "
                    + summary.batches.map { "\($0.partnerID) \($0.fileName)" }.joined(separator: ", ")
                    + gate, ["accounts_placed": summary.placed])
        case .terms:
            let lines = try PlacementTermsRun(partners: partners, asOf: config.today(), dryRun: dryRun).run(
                store: store)
            let recalls = lines.filter { if case .recall = $0.decision { return true } else { return false } }
            for line in recalls {
                logger.info(
                    "placement term ran out",
                    metadata: [
                        "partner": "\(line.partnerID)", "account": "\(line.accountNumber)",
                        "action": "\(line.action)"])
            }
            return ("\(dryRun ? "would recall" : "recalled") \(recalls.count) of \(lines.count) placements with terms",
                    ["accounts_recalled": dryRun ? 0 : recalls.count])
        case .send:
            let requests = RequestDelivery(
                store: store, partners: partners, factory: factory, stagingDirectory: config.stagingDirectory,
                businessName: config.businessName, today: config.today())
            let delivery = Delivery(
                store: store, partners: partners, factory: factory, dataDirectory: config.dataDirectory,
                businessName: config.businessName)
            let reports = try delivery.queueAndSend(requests: requests, preparing: { try store.exclusively(.send, $0) })
            let sent = reports.filter { $0.outcome == "sent" || $0.outcome.hasPrefix("already at the agency") }.count
            let failed = reports.filter { $0.failure != nil }.count
            return (
                reports.isEmpty
                    ? "nothing to send"
                    : reports.map { "\($0.partnerID) \($0.name): \($0.outcome)" }.joined(separator: "; "),
                    ["files_sent": sent, "files_failed": failed])
        case .fetch:
            let takeIn = {
                try Receipts(store: store, partners: partners, factory: factory, dataDirectory: config.dataDirectory)
                    .poll()
                    + Intake(store: store, partners: partners, factory: factory, dataDirectory: config.dataDirectory)
                    .fetch()
            }
            // Shared row by row: one instance at a time polls the agencies (the claim), and every
            // instance applies what has come in (each file claimed in its row).
            var intakeElsewhere = false
            let reports: [LinkReport]
            if store.sharesWorkRowByRow {
                if let taken = try store.exclusively(.fetch, takeIn) {
                    reports = taken
                } else {
                    reports = []; intakeElsewhere = true
                }
            } else {
                reports = try takeIn()
            }
            // A file held or quarantined as it came in, and an event held as it was applied, is
            // logged on its own: it waits for a person (the dashboard's Needs attention lists it).
            for r in reports where r.outcome.hasPrefix("quarantined") || r.outcome.hasPrefix("held") {
                logger.warning(
                    "agency file not taken in",
                    metadata: ["partner": "\(r.partnerID)", "file": "\(r.name)", "outcome": "\(r.outcome)"])
            }
            let tally = try Reconciliation(store: store, partners: partners, today: config.today()).run { line in
                if line.outcome == "held" {
                    logger.warning(
                        "agency event held",
                        metadata: [
                            "partner": "\(line.partnerID)", "event": "\(line.key)",
                            "account": "\(line.account ?? "")", "reason": "\(line.reason ?? "")",
                        ])
                }
            }
            let appliedCount = tally.applied, held = tally.held
            let received = intakeElsewhere ? "files taken in by another instance now" : "\(reports.count) received"
            return (
                "\(received), \(appliedCount) applied, \(held) held",
                ["events_applied": appliedCount, "events_held": held]
            )
        case .anchor:
            return ("", [:])
        case .dunning:
            // Reminders and final notices due today, then the credit-hold list's changes. A message
            // refused for good or left to confirm is logged on its own: it waits for a person.
            let outcome = try DunningJob.perform(config: config, store: store, asOf: config.today(), dryRun: dryRun) {
                line in
                guard line.outcome == "failed" || line.outcome == "unconfirmed" else { return }
                logger.warning(
                    "dunning message needs a person",
                    metadata: [
                        "account": "\(line.account_number)", "step": "\(line.step ?? "")",
                        "outcome": "\(line.outcome)", "detail": "\(line.detail ?? "")",
                    ])
            }
            for failure in outcome.holdFailures {
                logger.warning("credit-hold hook failed", metadata: ["detail": "\(failure)"])
            }
            return (
                outcome.text,
                ["dunning_messages_sent": outcome.summary.sent, "dunning_messages_failed": outcome.summary.failed]
            )
        }
    }
}
