import Foundation
import HandoffCSV
public import HandoffDomain
import HandoffLayout
public import HandoffPartners
public import HandoffStore

/// Applies what agencies returned to the AR record, exactly once and in the order it arrived:
/// every received file or event not yet applied is mapped to ``AgencyEvent``s by its partner
/// file, and each event is decided by ``ReconciliationSnapshot/decide(_:from:)`` (HandoffDomain,
/// no I/O) against a snapshot loaded for its chunk, then written in the same transaction that
/// records it under its key, so applying a file twice changes nothing the second time. A
/// reversal that arrives before its payment waits and is applied when the payment arrives; an
/// event for an unknown account, or one not with that agency, is held for a person with its reason.
public struct Reconciliation {
    public let store: any ReconciliationStore
    public let partners: [Partner]
    /// Used when an event carries no date.
    public let today: CalendarDate

    public init(store: any ReconciliationStore, partners: [Partner], today: CalendarDate) {
        self.store = store
        self.partners = partners
        self.today = today
    }

    /// An event with where it came from.
    struct Sourced: Codable {
        var event: AgencyEvent
        var source: EntrySource
    }

    public struct Line: Sendable {
        public var partnerID: String
        public var key: String
        public var account: String?
        /// `applied`, `held`, `waiting`, `duplicate` (or `dismissed`, for a person's dismissal).
        public var outcome: String
        public var reason: String?
    }

    /// How many events each outcome had in a run.
    public struct Tally: Sendable, Hashable {
        public var applied = 0, held = 0, waiting = 0, duplicate = 0
        public var total: Int { applied + held + waiting + duplicate }
        mutating func count(_ outcome: String) {
            switch outcome {
            case "applied": applied += 1
            case "held": held += 1
            case "waiting": waiting += 1
            default: duplicate += 1
            }
        }
    }

    /// How many events are decided against one snapshot and written together.
    static let chunkSize = 1024

    /// How many of a file's events its first pass keeps for the second rather than reading the
    /// file again: a day's activity file is read and mapped once, and memory stays bounded
    /// whatever the size of a file (about 900 bytes an event: 29 MB measured for files of
    /// 33,333 events, about 36 MB at most). Tests lower it to read a small file twice.
    package var keptEvents = 40_000

    /// Applies everything received and not yet applied, then whatever was waiting, handing
    /// each event's line to `each` as it is decided, so that memory does not grow with the
    /// number of events.
    @discardableResult
    public func run(each: (Line) throws -> Void) throws -> Tally {
        var tally = Tally()
        func emit(_ line: Line) throws { tally.count(line.outcome); try each(line) }
        let (received, waiting) = try inAgencyOrder(
            try store.readInbox { try $0.inbox() }.filter { $0.state == .received })
        for (record, seq) in waiting {
            try emit(Line(partnerID: record.partnerID, key: record.remoteName, account: nil, outcome: "waiting",
                    reason:
                        "the agency numbered it \(seq); it waits for the events before it, "
                            + "which the next fetch of the agency's feed brings"
                ))
        }
        // A partner whose file another process is applying (several instances on one database):
        // its later files wait for that one, and that process applies them after it.
        var elsewhere: [String: String] = [:]
        /// The file could not be claimed: it waits while another process applies it (a file that
        /// process has applied since this run read the list is no longer this run's to mention).
        func appliedElsewhere(_ record: InboxRecord) throws {
            elsewhere[record.partnerID] = record.remoteName
            let now = try store.readInbox { try $0.inbox(partnerID: record.partnerID, remoteName: record.remoteName) }
                .first { $0.id == record.id }
            guard now?.state == .received else { return }
            try emit(Line(partnerID: record.partnerID, key: record.remoteName, account: nil, outcome: "waiting",
                          reason: "another Handoff process is applying it now"))
        }
        // Feed events mapped while looking for a run, kept until applied, so that none is read
        // and mapped again for each event before it (a run may not start while an event waits).
        var mappedAhead: [Int64: [Sourced]] = [:]
        // Runs of feed events wait while an event waits, and after a run that failed its
        // events go one by one (up to this index), so that no event is tried again and again.
        var eventsWait = try !store.writeReconciliation { try $0.waitingEvents() }.isEmpty
        var oneByOneBefore = 0
        var next = 0
        while next < received.count {
            let (record, seq) = received[next]
            next += 1
            if let first = elsewhere[record.partnerID] {
                try emit(Line(partnerID: record.partnerID, key: record.remoteName, account: nil, outcome: "waiting",
                              reason: "it waits for \(first), which another Handoff process is applying now"))
                continue
            }
            guard let partner = partners.first(where: { $0.id == record.partnerID }),
                let spec = returnSpec(record, partner),
                  let mapping = spec.events else { continue }
            // A run of one agency's feed events is applied in one transaction (see ``applyEvents(_:partner:)``).
            if !eventsWait, next - 1 >= oneByOneBefore, record.remoteName.hasPrefix("event:") {
                let run = feedEvents(
                    from: next - 1, of: received, partner: partner, spec: spec, mapping: mapping, mapped: &mappedAhead)
                if run.count > 1 {
                    if let lines = applyEvents(run, partner: partner) {
                        for item in run.prefix(lines.records) { mappedAhead[item.record.id] = nil }
                        for line in lines.lines { try emit(line) }
                        next += lines.records - 1
                        eventsWait = try retryWaiting(emit)
                        continue
                    }
                    oneByOneBefore = next - 1 + run.count
                }
            }
            mappedAhead[record.id] = nil
            // The first pass maps every record (a file that cannot be mapped is quarantined whole,
            // before anything is applied) and keeps the remittance lines, matched as one
            // statement, and the other events while there are at most `keptEvents` of them;
            // the second decides those a chunk at a time, each chunk against one snapshot, in
            // one transaction for the whole file. A larger file is read and mapped a second time
            // instead of kept, so that memory does not grow with its size.
            var statement: [Sourced] = []
            var kept: [Sourced]? = []
            do {
                try forEachEvent(record, spec: spec, mapping: mapping, partner: partner) { e in
                    if e.event.kind.isRemittance {
                        statement.append(e)
                    } else if kept != nil {
                        if kept!.count < keptEvents { kept!.append(e) } else { kept = nil }
                    }
                }
            } catch {
                let quarantined = try store.writeReconciliation { w in
                    guard try w.claimReceivedFile(id: record.id) else { return false }
                    try w.setInboxState(id: record.id, .quarantined, reason: "cannot be applied: \(error)")
                    return true
                }
                if quarantined {
                    try emit(
                        Line(
                            partnerID: partner.id, key: record.remoteName, account: nil, outcome: "held",
                            reason: "\(error)"))
                } else {
                    try appliedElsewhere(record)
                }
                continue
            }
            // First without a savepoint per chunk: a savepoint makes the database copy every
            // page a chunk changes before changing it, about a third of the work. When the AR
            // record refuses a write (rare: a constraint, an overflow), the file's transaction
            // is undone and the file applied again carefully, each chunk in a savepoint and a
            // refused chunk event by event, so that only the refused event is held. The lines
            // the first try already handed on are the same in the second and not handed on twice.
            var handedOn = 0
            var applied: Bool
            do {
                applied = try applyFile(
                    record, seq: seq, spec: spec, mapping: mapping, partner: partner, remittances: statement,
                    kept: kept,
                    careful: false) { line in
                    handedOn += 1
                    try emit(line)
                }
            } catch is RefusedWithoutSavepoints {
                var skip = handedOn
                applied = try applyFile(
                    record, seq: seq, spec: spec, mapping: mapping, partner: partner, remittances: statement,
                    kept: kept,
                    careful: true) { line in
                    if skip > 0 { skip -= 1 } else { try emit(line) }
                }
            }
            guard applied else {
                try appliedElsewhere(record)
                continue
            }
            // A reversal waiting for this payment is applied now, before anything that arrives after it.
            eventsWait = try retryWaiting(emit)
        }
        try retryWaiting(emit)
        return tally
    }

    /// The AR record refused a write of a file applied without savepoints: the file's
    /// transaction is undone and the file applied again, carefully.
    struct RefusedWithoutSavepoints: Error {}

    /// Applies one received file (or feed event) in one transaction: its remittance statement,
    /// then its other events a chunk at a time. `careful` puts each chunk in a savepoint, so
    /// that a refused event is held alone; otherwise a refusal throws ``RefusedWithoutSavepoints``
    /// and undoes the whole transaction. The transaction first claims the file
    /// (``ReconciliationWriting/claimReceivedFile(id:)``); returns `false`, having applied
    /// nothing, when another process is applying it or has applied it.
    private func applyFile(
        _ record: InboxRecord, seq: Int64?, spec: ReturnSpec, mapping: EventMapping, partner: Partner,
        remittances: [Sourced],
        kept: [Sourced]?, careful: Bool, _ emit: (Line) throws -> Void) throws -> Bool {
        try store.writeReconciliation { w in
            guard try w.claimReceivedFile(id: record.id) else { return false }
            func applyChunk(_ chunk: [Sourced]) throws -> [Line] {
                if careful { return try apply(chunk, inboxID: record.id, partner: partner, w) }
                do {
                    return try decideAndWrite(chunk, inboxID: record.id, partner: partner, w)
                } catch let error where w.isRefusal(error) {
                    throw RefusedWithoutSavepoints()
                }
            }
            if !remittances.isEmpty {
                for line in try match(remittances, key: "remittance:" + record.sha256, partner: partner, w) {
                    try emit(line)
                }
            }
            if let kept {
                for start in stride(from: 0, to: kept.count, by: Self.chunkSize) {
                    for line in try applyChunk(Array(kept[start..<min(start + Self.chunkSize, kept.count)])) {
                        try emit(line)
                    }
                }
            } else {
                var chunk: [Sourced] = []
                chunk.reserveCapacity(Self.chunkSize)
                try forEachEvent(record, spec: spec, mapping: mapping, partner: partner) { e in
                    guard !e.event.kind.isRemittance else { return }
                    chunk.append(e)
                    if chunk.count == Self.chunkSize {
                        for line in try applyChunk(chunk) { try emit(line) }
                        chunk.removeAll(keepingCapacity: true)
                    }
                }
                for line in try applyChunk(chunk) { try emit(line) }
            }
            try w.setInboxState(id: record.id, .applied, reason: nil)
            if let seq { try w.setFeedCursor(partnerID: Self.appliedKey(partner.id), String(seq)) }
            return true
        }
    }

    /// Feed events applied together in one transaction, at most this many (tests set 1 to
    /// apply them one by one, as before, and compare).
    package var eventsTogether = 256

    /// Applies waiting events (reversals that arrived before their payments) whose wait is over.
    /// Returns whether events still wait.
    @discardableResult
    private func retryWaiting(_ emit: (Line) throws -> Void) throws -> Bool {
        var progress = true
        var stillWaiting = 0
        while progress {
            progress = false
            let waiting = try store.writeReconciliation { try $0.waitingEvents() }
            stillWaiting = waiting.count
            for record in waiting {
                guard let partner = partners.first(where: { $0.id == record.partnerID }),
                    let sourced = Self.decode(record.payload)
                else { continue }
                // Claimed in its row: another process retrying it at the same moment skips it.
                let line = try store.writeReconciliation { w -> Line? in
                    guard try w.claimWaitingEvent(id: record.id) else { return nil }
                    return try apply([sourced], inboxID: record.inboxID, partner: partner, w)[0]
                }
                if let line, line.outcome == "applied" { progress = true; stillWaiting -= 1; try emit(line) }
            }
        }
        return stillWaiting > 0
    }

    /// Decides a chunk of one agency's events against one snapshot and writes what they do,
    /// in the order they came. When the AR record refuses a write (a constraint, an overflow)
    /// the chunk's writes are undone and its events applied one by one, so that the refused
    /// event is held with its reason and nothing else is lost.
    func apply(_ chunk: [Sourced], inboxID: Int64?, partner: Partner, _ w: any ReconciliationWriting) throws -> [Line] {
        guard !chunk.isEmpty else { return [] }
        do {
            return try w.undoable { try decideAndWrite(chunk, inboxID: inboxID, partner: partner, w) }
        } catch let error where w.isRefusal(error) && chunk.count > 1 {
            return try chunk.flatMap { try apply([$0], inboxID: inboxID, partner: partner, w) }
        } catch let error where w.isRefusal(error) {
            let s = chunk[0]
            let snapshot = try snapshot(for: chunk, partner: partner, w).0
            let reason =
                "\(snapshot.describe(s.event)) from \(s.source.label) could not be booked: "
                + "the AR record refused it (\(error)); nothing of it was booked"
            var progress = AgencyEventProgress(state: snapshot.seen[s.event.key]?.state)
            let decision = EventDecision(
                outcome: .held(reason: reason), key: s.event.key, kind: s.event.kind.storedName,
                record: progress.decided(.held(reason: reason)), effects: [])
            var writer = EffectWriter(partner: partner, inboxID: inboxID, ids: [:], w)
            try writer.write(decision, of: s)
            try writer.flush()
            return [
                Line(
                    partnerID: partner.id, key: s.event.key, account: s.event.accountNumber, outcome: "held",
                    reason: reason)
            ]
        }
    }

    private func decideAndWrite(_ chunk: [Sourced], inboxID: Int64?, partner: Partner, _ w: any ReconciliationWriting)
        throws -> [Line]
    {
        let loaded = try snapshot(for: chunk, partner: partner, w)
        var snapshot = loaded.0
        var writer = EffectWriter(partner: partner, inboxID: inboxID, ids: loaded.1, w)
        var lines: [Line] = []
        lines.reserveCapacity(chunk.count)
        for s in chunk {
            let decision = snapshot.decide(s.event, from: s.source.label)
            try writer.write(decision, of: s)
            lines.append(
                Line(
                    partnerID: partner.id, key: decision.key, account: s.event.accountNumber,
                    outcome: decision.outcome.name,
                    reason: decision.outcome.reason))
        }
        try writer.flush()
        return lines
    }

    /// Applies again an event held for a person, once its cause is fixed (the account
    /// imported, a rejection cleared, the balance corrected): the same event, from the same
    /// file line or feed event, in one transaction. It stays held, with the new reason, when
    /// the cause is still there. Audited as `event.retried`.
    public func retryHeld(id: Int64, actor: String) throws -> Line {
        try store.writeReconciliation { w in
            let (record, partner, sourced) = try held(id, w)
            if record.kind == "conflict" || record.kind == "overpayment" {
                let what =
                    record.kind == "conflict"
                    ? "a conflict between two versions of one agency event"
                    : "money beyond what was placed with the agency"
                throw ReconciliationError(
                    "event #\(id) is \(what): a person settles it with the agency, then dismisses it with the reason "
                                          + "(`handoff events dismiss \(id) --reason …`)")
            }
            var progress = AgencyEventProgress(state: .held)
            let outcome: EventOutcome
            do {
                outcome = try w.undoable {
                    let loaded = try snapshot(for: [sourced], partner: partner, w)
                    var snapshot = loaded.0
                    let (outcome, effects) = snapshot.effects(of: sourced.event, from: sourced.source.label)
                    let decision = EventDecision(
                        outcome: outcome, key: record.key, kind: record.kind, record: .none, effects: effects)
                    var writer = EffectWriter(partner: partner, inboxID: record.inboxID, ids: loaded.1, w)
                    try writer.write(decision, of: sourced)
                    try writer.flush()
                    return outcome
                }
            } catch let error where w.isRefusal(error) {
                let snapshot = try snapshot(for: [sourced], partner: partner, w).0
                outcome = .held(
                    reason:
                        "\(snapshot.describe(sourced.event)) from \(sourced.source.label) could not be booked: "
                            + "the AR record refused it (\(error)); nothing of it was booked")
            }
            switch progress.retried(outcome) {
            case .update(let state, let reason), .record(let state, let reason):
                try w.setEventState(id: id, state, reason: reason)
            case .none:
                break
            case .invalid(let why):
                throw ReconciliationError("event #\(id): \(why)")
            }
            try w.appendAudit(
                AuditEntry(
                    actor: actor, action: "event.retried", subject: record.accountNumber ?? record.key,
                    detail:
                        "\(record.kind) \(record.key) from \(partner.id): "
                            + "\(outcome.name)\(outcome.reason.map { ": \($0)" } ?? "")",
                            source: sourced.source))
            return Line(
                partnerID: partner.id, key: record.key, account: record.accountNumber, outcome: outcome.name,
                reason: outcome.reason)
        }
    }

    /// Sets a held event aside for good, with the reason a person gives: nothing is booked,
    /// and it no longer counts as waiting for a decision. Audited as `event.dismissed`.
    public func dismissHeld(id: Int64, reason: String, actor: String) throws -> Line {
        try store.writeReconciliation { w in
            let (record, partner, sourced) = try held(id, w)
            var progress = AgencyEventProgress(state: record.state)
            let text: String
            switch progress.dismissed(reason: reason) {
            case .update(let state, let why), .record(let state, let why):
                text = why ?? reason
                try w.setEventState(id: id, state, reason: text)
            case .none:
                text = "dismissed: \(reason)"
            case .invalid(let why):
                throw ReconciliationError("event #\(id) is \(why)")
            }
            try w.appendAudit(
                AuditEntry(
                    actor: actor, action: "event.dismissed", subject: record.accountNumber ?? record.key,
                    detail:
                        "\(record.kind) \(record.key) from \(partner.id) (was: \(record.reason ?? "held")): \(reason)",
                        source: sourced.source))
            return Line(
                partnerID: partner.id, key: record.key, account: record.accountNumber, outcome: "dismissed",
                reason: text)
        }
    }

    /// A held event with its partner and what it said, or why a person cannot act on it.
    private func held(_ id: Int64, _ w: any ReconciliationWriting) throws -> (EventRecord, Partner, Sourced) {
        guard let record = try w.agencyEvent(id: id) else {
            throw ReconciliationError("there is no agency event #\(id) (see `handoff events`)")
        }
        guard record.state == .held else {
            throw ReconciliationError(
                "event #\(id) is \(record.state.rawValue), not held: only a held event waits for a person")
        }
        guard let partner = partners.first(where: { $0.id == record.partnerID }) else {
            throw ReconciliationError("event #\(id) is from \(record.partnerID), which has no partner file now")
        }
        guard let sourced = Self.decode(record.payload) else {
            throw ReconciliationError("event #\(id) has no readable payload")
        }
        if sourced.event.kind.isRemittance {
            throw ReconciliationError(
                "event #\(id) is a line of a remittance statement: it is matched with its whole statement, not alone")
        }
        return (record, partner, sourced)
    }

    private func returnSpec(_ record: InboxRecord, _ partner: Partner) -> ReturnSpec? {
        if record.remoteName.hasPrefix("event:") {
            return partner.returns.values.first { $0.layout == nil && $0.events != nil }
        }
        return partner.returns[record.kind]
    }

    /// Maps a received file (or feed event) to events, one record at a time, handing each to `body`.
    func forEachEvent(_ record: InboxRecord, spec: ReturnSpec, mapping: EventMapping, partner: Partner,
                              _ body: (Sourced) throws -> Void) throws {
        guard let path = record.plainPath else { return }
        if let layout = spec.layout {
            let reader = LayoutReader(layout: layout, source: try ByteSource(path: path))
            while let row = try reader.next() {
                let events: [AgencyEvent]
                do {
                    events = try mapping.events(
                        { row[$0] }, partnerID: partner.id, origin: "\(record.sha256):\(row.line)")
                } catch {
                    throw ReconciliationError("\(record.remoteName) line \(row.line): \(error)")
                }
                for event in events {
                    try body(
                        Sourced(
                            event: event, source: EntrySource(kind: .agency, name: record.remoteName, line: row.line)))
                }
            }
            return
        }
        let json =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
            ?? [:]
        let id = String(record.remoteName.dropFirst("event:".count))
        let events: [AgencyEvent]
        do {
            events = try mapping.events(
                { json[$0].flatMap { $0 is NSNull ? nil : $0 } }, partnerID: partner.id, origin: record.remoteName)
        } catch {
            throw ReconciliationError("\(partner.id) event \(id): \(error)")
        }
        for event in events {
            try body(Sourced(event: event, source: EntrySource(kind: .agency, name: partner.id, eventID: id)))
        }
    }
}

/// Why a person's request about an agency event cannot be carried out.
public struct ReconciliationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
