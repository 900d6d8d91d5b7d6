import Crypto
import Foundation
public import HandoffAgencyLink
import HandoffDomain
public import HandoffPartners
public import HandoffStore
import HandoffTransport

/// Pulls an agency's event feed (`[transport] events` in its partner file) from the stored
/// cursor: each page is archived raw, each event stored once under its id (the same id with
/// other content is held for a person), and the cursor moves in the same transaction, so a
/// crash at any point neither loses nor repeats an event.
public struct EventFeed {
    public let store: any InboxStore
    public let factory: TransportFactory
    public let dataDirectory: String

    public init(store: any InboxStore, factory: TransportFactory, dataDirectory: String) {
        self.store = store
        self.factory = factory
        self.dataDirectory = dataDirectory
    }

    /// The feed's shape, from the partner file.
    typealias Spec = EventFeedSpec

    func spec(_ partner: Partner) -> Spec? {
        partner.transport.https?.events
    }

    /// Reads every page after the stored cursor. Returns a line per event taken.
    public func pull(_ partner: Partner, maxPages: Int = 1000) throws -> [Intake.Report] {
        guard let spec = spec(partner) else { return [] }
        let api = try AgencyAPI(partner: partner, factory: factory)
        var reports: [Intake.Report] = []
        for _ in 0..<maxPages {
            let cursor = try store.writeInbox { try $0.feedCursor(partnerID: partner.id) } ?? spec.start
            let page = try api.feedPage(after: cursor)
            let (events, next) = (page.events, page.next)
            let pageSHA = Hex.encode(SHA256.hash(data: page.body))
            let pagePath = try archive(page.body, sha: pageSHA)
            var taken: [Intake.Report] = []
            try store.writeInbox { w in
                // The page's new events are archived together, made durable before the rows that name them commit.
                let batch = ReceivedArchive.Batch(ReceivedArchive(dataDirectory: dataDirectory))
                for event in events {
                    if let report = try record(
                        event, spec: spec, partner: partner, note: "page \(pagePath)", archive: batch.add, w)
                    {
                        taken.append(report)
                    }
                }
                try batch.publish()
                try w.setFeedCursor(partnerID: partner.id, next)
            }
            reports += taken
            if events.isEmpty || next == cursor { break }
        }
        return reports
    }

    private func archive(_ bytes: some DataProtocol, sha: String) throws -> String {
        try ReceivedArchive(dataDirectory: dataDirectory).store(.bytes(Array(bytes)), sha256: sha)
    }

    /// Stores one event once under its id: a second copy with the same content changes
    /// nothing; the same id with other content is held for a person.
    func record(_ event: [String: Any], spec: Spec, partner: Partner, note: String,
                archive: ([UInt8], _ sha256: String) throws -> String, _ w: any InboxWriting) throws -> Intake.Report? {
        guard let rawID = event[spec.id].map({ "\($0)" }) else { return nil }
        let bytes = try JSONSerialization.data(withJSONObject: event, options: [.sortedKeys, .withoutEscapingSlashes])
        let sha = Hex.encode(SHA256.hash(data: bytes))
        // A NUL cannot be stored as text (PostgreSQL refuses it, and it would cut a C string
        // short): such an event is kept under its id with each NUL shown as ␀, quarantined
        // with the reason, and the feed goes on past it.
        let (id, idHasNUL) = Self.visible(rawID)
        let (type, typeHasNUL) = Self.visible((event[spec.type] as? String) ?? "event")
        let name = "event:" + id
        let earlier = try w.inbox(partnerID: partner.id, remoteName: name)
        if earlier.contains(where: { $0.sha256 == sha }) { return nil }
        let path = try archive(Array(bytes), sha)
        let arrival: InboxFile.Arrival
        if idHasNUL || typeHasNUL {
            arrival = .unreadable(
                reason: "event \(id) (\(note)) cannot be applied: its \(idHasNUL ? "id" : "type") holds a NUL "
                    + "character (shown as ␀), which no agency field may hold; the agency must send it again")
        } else if let first = earlier.first {
            arrival = .sameNameOtherContent(
                reason: "event \(id) arrived before (#\(first.id)) with other content: a person must decide")
        } else {
            arrival = .verified
        }
        guard case .record(let state, let reason) = InboxFile.arrived(arrival).action else { return nil }
        _ = try w.insertInbox(
            partnerID: partner.id, kind: type, remoteName: name, sha256: sha, size: Int64(bytes.count),
            archivePath: path,
            plainPath: path, state: state, reason: reason ?? note)
        return Intake.Report(
            partnerID: partner.id, name: name,
            outcome: reason.map { "\(state.rawValue): \($0)" } ?? "received (\(type))")
    }

    /// The text with each NUL shown as ␀ (U+2400), and whether it held one.
    static func visible(_ text: String) -> (String, Bool) {
        guard text.holdsNUL else { return (text, false) }
        return (text.replacingOccurrences(of: "\u{0}", with: "\u{2400}"), true)
    }

    /// Takes one event an agency pushed (a webhook), after its signature was verified: stored
    /// exactly as the feed would store it, so that push and pull never apply an event twice.
    /// Returns whether it was new.
    public func receive(_ body: [UInt8], partner: Partner) throws -> Bool {
        guard let spec = spec(partner) else {
            throw TransportError(.configuration, "\(partner.id) has no event feed in its partner file")
        }
        guard let event = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw TransportError(.other, "\(partner.id): the pushed event is not a JSON object")
        }
        let raw = try archive(body, sha: Hex.encode(SHA256.hash(data: body)))
        return try store.writeInbox { w in
            try record(
                event, spec: spec, partner: partner, note: "pushed \(raw)", archive: { try self.archive($0, sha: $1) },
                w) != nil
        }
    }
}
