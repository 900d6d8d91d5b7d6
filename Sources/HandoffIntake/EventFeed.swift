import Crypto
import Foundation
import HandoffConfig
import HandoffDomain
import HandoffOutbox
import HandoffPartners
import HandoffStore
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
    struct Spec {
        var path: String         // with {cursor}
        var items: String        // the array of events in a page
        var next: String         // the page's next cursor
        var id: String           // an event's unique id
        var type: String         // an event's type
        var start: String        // the cursor before the first event
    }

    func spec(_ partner: Partner) -> Spec? {
        guard let t = partner.transport.settings.table("events"), let path = t.string("path") else { return nil }
        func s(_ k: String, _ d: String) -> String { t.string(k) ?? d }
        return Spec(path: path, items: s("items", "events"), next: s("next", "next"), id: s("id", "id"), type: s("type", "type"), start: s("start", "0"))
    }

    /// Reads every page after the stored cursor. Returns a line per event taken.
    public func pull(_ partner: Partner, maxPages: Int = 1000) throws -> [Intake.Report] {
        guard let spec = spec(partner) else { return [] }
        let client = HTTPSClient(endpoint: try factory.httpsEndpoint(for: partner))
        var reports: [Intake.Report] = []
        for _ in 0..<maxPages {
            let cursor = try store.writeInbox { try $0.feedCursor(partnerID: partner.id) } ?? spec.start
            let response = try client.request("GET", spec.path.replacingOccurrences(of: "{cursor}", with: cursor))
            guard response.status == 200 else {
                throw client.failure(response, "\(partner.id): event feed")
            }
            guard let page = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
                  let events = page[spec.items] as? [[String: Any]] else {
                throw TransportError(.other, "\(partner.id): the event feed page is not the JSON the partner file describes")
            }
            let next = page[spec.next].map { "\($0)" } ?? cursor
            let pageSHA = Hex.encode(SHA256.hash(data: response.body))
            let pagePath = try archive(response.body, sha: pageSHA)
            var taken: [Intake.Report] = []
            try store.writeInbox { w in
                for event in events {
                    if let report = try record(event, spec: spec, partner: partner, note: "page \(pagePath)", w) { taken.append(report) }
                }
                try w.setFeedCursor(partnerID: partner.id, next)
            }
            reports += taken
            if events.isEmpty || next == cursor { break }
        }
        return reports
    }

    private func archive(_ bytes: some DataProtocol, sha: String) throws -> String {
        let dir = dataDirectory + "/archive/" + String(sha.prefix(2))
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let path = dir + "/" + sha
        if !FileManager.default.fileExists(atPath: path) { try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic) }
        return path
    }

    /// Stores one event once under its id: a second copy with the same content changes
    /// nothing; the same id with other content is held for a person.
    func record(_ event: [String: Any], spec: Spec, partner: Partner, note: String, _ w: any InboxWriting) throws -> Intake.Report? {
        guard let id = event[spec.id].map({ "\($0)" }) else { return nil }
        let bytes = try JSONSerialization.data(withJSONObject: event, options: [.sortedKeys, .withoutEscapingSlashes])
        let sha = Hex.encode(SHA256.hash(data: bytes))
        let name = "event:" + id
        let earlier = try w.inbox(partnerID: partner.id, remoteName: name)
        if earlier.contains(where: { $0.sha256 == sha }) { return nil }
        let path = try archive(bytes, sha: sha)
        let type = (event[spec.type] as? String) ?? "event"
        let held = earlier.first.map { "event \(id) arrived before (#\($0.id)) with other content: a person must decide" }
        _ = try w.insertInbox(partnerID: partner.id, kind: type, remoteName: name, sha256: sha, size: Int64(bytes.count), archivePath: path,
                              plainPath: path, state: held == nil ? "received" : "held", reason: held ?? note)
        return Intake.Report(partnerID: partner.id, name: name, outcome: held == nil ? "received (\(type))" : "held: \(held!)")
    }

    /// Takes one event an agency pushed (a webhook), after its signature was verified: stored
    /// exactly as the feed would store it, so that push and pull never apply an event twice.
    /// Returns whether it was new.
    public func receive(_ body: [UInt8], partner: Partner) throws -> Bool {
        guard let spec = spec(partner) else { throw TransportError(.configuration, "\(partner.id) has no event feed in its partner file") }
        guard let event = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw TransportError(.other, "\(partner.id): the pushed event is not a JSON object")
        }
        let raw = try archive(body, sha: Hex.encode(SHA256.hash(data: body)))
        return try store.writeInbox { w in try record(event, spec: spec, partner: partner, note: "pushed \(raw)", w) != nil }
    }

    /// Polls the receipt of every batch sent to an HTTPS partner (`[transport] receipt` in its
    /// partner file) and stores each new version of it in the inbox, once.
    public func pollReceipts(_ partner: Partner) throws -> [Intake.Report] {
        guard let spec = partner.transport.settings.table("receipt"), let path = spec.string("path") else { return [] }
        // A batch's receipt is polled until its status is one the partner file calls final.
        let statusField = spec.string("status_field")
        let final = Set(spec.strings("final") ?? [])
        let client = HTTPSClient(endpoint: try factory.httpsEndpoint(for: partner))
        let sent = try store.readOutbox { r in try r.batches().filter { $0.partnerID == partner.id && $0.state == "sent" } }
        var reports: [Intake.Report] = []
        for batch in sent.sorted(by: { $0.id < $1.id }) {
            let response = try client.request("GET", path.replacingOccurrences(of: "{batch.id}", with: batch.batchKey))
            if response.status == 401 || response.status == 403 { throw client.failure(response, "\(partner.id): receipt of \(batch.batchKey)") }
            guard response.status == 200 else {
                reports.append(Intake.Report(partnerID: partner.id, name: "receipt:" + batch.batchKey, outcome: "not yet: HTTP \(response.status)"))
                continue
            }
            let sha = Hex.encode(SHA256.hash(data: response.body))
            let name = "receipt:" + batch.batchKey
            let stored = try store.writeInbox { w -> Bool in
                if try w.inbox(partnerID: partner.id, remoteName: name).contains(where: { $0.sha256 == sha }) { return false }
                let archived = try archive(response.body, sha: sha)
                _ = try w.insertInbox(partnerID: partner.id, kind: "receipt", remoteName: name, sha256: sha, size: Int64(response.body.count),
                                      archivePath: archived, plainPath: archived, state: "received", reason: nil)
                return true
            }
            var outcome = stored ? "received (receipt)" : "receipt unchanged"
            if let statusField, let json = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
               let status = json[statusField] as? String, final.contains(status) {
                try store.writeOutbox { try $0.setBatchState(id: batch.id, "receipted") }
                outcome += "; \(statusField) \(status) is final: no longer polled"
            }
            reports.append(Intake.Report(partnerID: partner.id, name: name, outcome: outcome))
        }
        return reports
    }
}
