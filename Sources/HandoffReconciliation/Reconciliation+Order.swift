import Foundation
import HandoffDomain
import HandoffPartners
import HandoffStore

extension Reconciliation {
    /// Where the number of the last event applied in an agency's own order is kept (beside the feed's cursor).
    static func appliedKey(_ partnerID: String) -> String { "applied-order:" + partnerID }

    /// The received files and events in the order to apply them, each event with its number
    /// in the agency's order (`order` in the partner's `[transport] events`), and the events
    /// that must wait. Files keep the order they arrived in. An agency that numbers its
    /// events has them applied by that number, whatever order pushes and the feed brought
    /// them in, and only once every event before them is known: up to the feed's cursor
    /// (the feed has them all in order), or the one right after the last applied. One beyond
    /// that waits for the next fetch of the feed, so the end state never depends on arrival order.
    func inAgencyOrder(_ records: [InboxRecord]) throws -> (
        ready: [(InboxRecord, Int64?)], waiting: [(InboxRecord, Int64)]
    ) {
        var numbered: [String: [(record: InboxRecord, seq: Int64)]] = [:]
        var slots: [String: [Int]] = [:]
        var out: [(InboxRecord, Int64?)] = []
        for record in records {
            guard record.remoteName.hasPrefix("event:"),
                let partner = partners.first(where: { $0.id == record.partnerID }),
                  let field = partner.transport.https?.events?.order, let path = record.plainPath,
                let json = try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
                    as? [String: Any],
                let seq = (json[field] as? NSNumber).map({ $0.int64Value })
                    ?? (json[field] as? String).flatMap({ Int64($0) })
            else {
                out.append((record, nil))
                continue
            }
            slots[partner.id, default: []].append(out.count)
            numbered[partner.id, default: []].append((record, seq))
            out.append((record, seq))
        }
        var ready = Array(repeating: true, count: out.count)
        var waiting: [(InboxRecord, Int64)] = []
        for (partnerID, events) in numbered {
            let (cursor, applied) = try store.readReconciliation { r in
                (
                    try r.feedCursor(partnerID: partnerID).flatMap { Int64($0) },
                    try r.feedCursor(partnerID: Self.appliedKey(partnerID)).flatMap { Int64($0) }
                )
            }
            var last = applied
            for (slot, event) in zip(
                slots[partnerID]!, events.sorted { ($0.seq, $0.record.id) < ($1.seq, $1.record.id) })
            {
                out[slot] = (event.record, event.seq)
                if event.seq <= (cursor ?? .min) || last.map({ event.seq <= $0 + 1 }) == true {
                    last = max(last ?? event.seq, event.seq)
                } else {
                    ready[slot] = false
                    waiting.append((event.record, event.seq))
                }
            }
        }
        return (zip(out, ready).filter(\.1).map(\.0), waiting)
    }
}
