import HandoffDomain
import HandoffPartners
import HandoffStore

/// Runs of one agency's feed events, applied in one transaction each (``Reconciliation/eventsTogether``):
/// a feed's events are one inbox record each, and a transaction per event spent most of its
/// time committing and reading its snapshot.
extension Reconciliation {
    /// One feed event ready to apply together with the ones after it.
    struct FeedEvent {
        var record: InboxRecord
        var seq: Int64?
        var events: [Sourced]
    }

    /// The feed events of one agency from `start` in `received`, in order, that can be applied
    /// together: each maps (one that does not is left to be quarantined alone), and none is a
    /// line of a remittance statement (matched alone, before anything after it). At most
    /// ``eventsTogether`` records and one chunk (``chunkSize``) of events.
    func feedEvents(from start: Int, of received: [(InboxRecord, Int64?)], partner: Partner, spec: ReturnSpec,
                    mapping: EventMapping, mapped: inout [Int64: [Sourced]]) -> [FeedEvent] {
        var run: [FeedEvent] = []
        var index = start
        var total = 0
        while index < received.count, run.count < eventsTogether, total < Self.chunkSize {
            let (record, seq) = received[index]
            guard record.partnerID == partner.id, record.remoteName.hasPrefix("event:") else { break }
            var events: [Sourced] = []
            if let known = mapped[record.id] {
                events = known
            } else {
                guard
                    (try? forEachEvent(record, spec: spec, mapping: mapping, partner: partner, { events.append($0) }))
                        != nil
                else { break }
                mapped[record.id] = events
            }
            guard !events.contains(where: { $0.event.kind.isRemittance }),
                run.isEmpty || total + events.count <= Self.chunkSize
            else { break }
            total += events.count
            run.append(FeedEvent(record: record, seq: seq, events: events))
            index += 1
        }
        return run
    }

    /// Applies a run of one agency's feed events in one transaction instead of one each: a
    /// transaction per event spent most of its time committing and reading its snapshot. The
    /// events are decided in their order against one snapshot, exactly as one after the other.
    /// Two things would make that differ, and both end the run early, handing the rest back
    /// to be applied one by one: an event waiting already (a reversal whose payment has not
    /// come, retried after each applied event), so a run starts only when none waits, and an
    /// event of the run that must wait, after which the run stops. A feed event another process
    /// holds ends the run before it. Returns `nil` when nothing was applied (nothing claimed,
    /// an event waiting, the AR record refused a write, which the one-by-one path holds with
    /// its reason, or any other failure, which the one-by-one path meets at its own event,
    /// after applying those before it); otherwise the lines and how many of the run's events
    /// were applied.
    func applyEvents(_ run: [FeedEvent], partner: Partner) -> (lines: [Line], records: Int)? {
        do {
            return try store.writeReconciliation { w -> (lines: [Line], records: Int)? in
                guard try w.waitingEvents().isEmpty else { return nil }
                var claimed: [FeedEvent] = []
                for item in run {
                    guard try w.claimReceivedFile(id: item.record.id) else { break }
                    claimed.append(item)
                }
                guard !claimed.isEmpty else { return nil }
                let loaded = try snapshot(for: claimed.flatMap(\.events), partner: partner, w)
                var snapshot = loaded.0
                var writer = EffectWriter(partner: partner, inboxID: nil, ids: loaded.1, w)
                var lines: [Line] = []
                var records = 0
                for item in claimed {
                    writer.inboxID = item.record.id
                    var waits = false
                    for s in item.events {
                        let decision = snapshot.decide(s.event, from: s.source.label)
                        try writer.write(decision, of: s)
                        lines.append(Line(partnerID: partner.id, key: decision.key, account: s.event.accountNumber,
                                          outcome: decision.outcome.name, reason: decision.outcome.reason))
                        if decision.outcome.name == "waiting" { waits = true }
                    }
                    records += 1
                    if waits { break }
                }
                try writer.flush()
                for item in claimed[..<records] {
                    try w.setInboxState(id: item.record.id, .applied, reason: nil)
                    if let seq = item.seq { try w.setFeedCursor(partnerID: Self.appliedKey(partner.id), String(seq)) }
                }
                return (lines, records)
            }
        } catch {
            // A refused write, or any other failure: nothing of the run was applied, and its
            // events go one by one, each committed before the next, as without runs.
            return nil
        }
    }
}
