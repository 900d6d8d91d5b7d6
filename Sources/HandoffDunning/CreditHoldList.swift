import Foundation
import HandoffConfig
public import HandoffDomain
public import HandoffStore
import HandoffTransport

/// One account on the credit-hold list, as `handoff credit-holds` and `GET /api/v1/credit-holds` give it.
public struct CreditHoldEntry: Sendable, Codable, Equatable {
    /// One reason, since when.
    public struct Reason: Sendable, Codable, Equatable {
        public var reason: String
        public var since: String
        public var detail: String
    }
    public var account_number: String
    public var name: String
    /// The earliest day of its reasons.
    public var since: String
    public var reasons: [Reason]
    /// The past-due balance, in minor units of `currency`.
    public var past_due: Int64
    public var currency: String
    var customerID: Int64 = 0

    enum CodingKeys: String, CodingKey { case account_number, name, since, reasons, past_due, currency }

    /// The reasons as recorded: their codes, sorted, joined by `;`.
    var reasonCodes: String { reasons.map(\.reason).sorted().joined(separator: ";") }
}

/// One account entering or leaving the list, as the `[credit_hold] command` hook receives it (JSON on standard input).
public struct CreditHoldChange: Sendable, Codable, Equatable {
    /// `entered` or `left`.
    public var change: String
    public var account_number: String
    public var name: String
    public var reasons: [CreditHoldEntry.Reason]
    /// The day of the change as Handoff saw it (the run's day), and when the account went on the list.
    public var date: String
    public var since: String?
    /// Unique per change: the hook may use it to ignore a change delivered twice (after a crash).
    public var change_id: String
}

/// The credit-hold list: computed from the AR record, and compared with the list last recorded
/// so that each entering and leaving is noticed once.
public enum CreditHoldList {
    /// Every account that should not buy on open terms on `asOf`, by account number.
    public static func current(store: any DunningStore, rules: CreditHoldRules, asOf: CalendarDate) throws
        -> [CreditHoldEntry]
    {
        let facts = try store.readDunning { try $0.creditHoldFacts() }
        return try facts.compactMap { f in
            let causes = CreditHold.causes(f, rules: rules, asOf: asOf).sorted {
                ($0.since, $0.reason) < ($1.since, $1.reason)
            }
            guard let first = causes.first else { return nil }
            let pastDue = try Amount.sum(
                f.openInvoices.filter { $0.dueDate < asOf }.lazy.map(\.balance),
                what: "the past-due balance of \(f.accountNumber)")
            return CreditHoldEntry(
                account_number: f.accountNumber, name: f.name, since: first.since.iso,
                reasons: causes.map { .init(reason: $0.reason.rawValue, since: $0.since.iso, detail: $0.detail) },
                past_due: pastDue, currency: f.currency.code, customerID: f.customerID)
        }
    }

    /// Compares the list with the one last recorded, runs the hook for each change (when one is
    /// configured), and records each change once its hook succeeded: a change whose hook failed
    /// is offered again by the next run. Returns the changes and any hook failures, in words.
    public static func notifyChanges(
        store: any DunningStore, entries: [CreditHoldEntry], command: String?, asOf: CalendarDate
    )
        throws -> (changes: [CreditHoldChange], failures: [String])
    {
        let recorded = try store.readDunning { try $0.recordedCreditHolds() }
        let names = try store.readDunning { r in
            try Dictionary(uniqueKeysWithValues: recorded.map { ($0.customerID, try r.customer(id: $0.customerID)) })
        }
        let listed = Dictionary(uniqueKeysWithValues: recorded.map { ($0.customerID, $0) })
        let current = Set(entries.map(\.customerID))
        var changes: [(CreditHoldChange, () throws -> Void)] = []
        for e in entries where listed[e.customerID] == nil || listed[e.customerID]?.reasons != e.reasonCodes {
            let entering = listed[e.customerID] == nil
            let change = CreditHoldChange(
                change: entering ? "entered" : "changed", account_number: e.account_number, name: e.name,
                reasons: e.reasons, date: asOf.iso, since: e.since,
                change_id: "\(e.account_number):\(entering ? "entered" : "changed"):\(asOf.iso):\(e.reasonCodes)")
            let record = CreditHoldListed(
                customerID: e.customerID, reasons: e.reasonCodes, since: CalendarDate(iso: e.since) ?? asOf)
            changes.append((change, { try store.writeDunning { try $0.recordCreditHold(record) } }))
        }
        for r in recorded where !current.contains(r.customerID) {
            let customer = names[r.customerID] ?? nil
            let change = CreditHoldChange(
                change: "left", account_number: customer?.profile.accountNumber ?? "\(r.customerID)",
                name: customer?.profile.displayName ?? "", reasons: [], date: asOf.iso, since: r.since.iso,
                change_id: "\(customer?.profile.accountNumber ?? "\(r.customerID)"):left:\(asOf.iso)")
            changes.append((change, { try store.writeDunning { try $0.removeCreditHold(customerID: r.customerID) } }))
        }
        var failures: [String] = []
        var done: [CreditHoldChange] = []
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for (change, record) in changes {
            if let command {
                let input = Array(try encoder.encode(change)) + [0x0A]
                let result = try HookCommand.run(command, input: input)
                guard result.status == 0 else {
                    failures.append(
                        "the [credit_hold] command exited with status \(result.status) for \(change.account_number) "
                            + "(\(change.change)); it is offered again next run: \(result.output.prefix(300))")
                    continue
                }
            }
            try record()
            done.append(change)
        }
        return (done, failures)
    }
}
