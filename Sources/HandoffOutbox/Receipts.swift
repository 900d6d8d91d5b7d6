import Crypto
import Foundation
public import HandoffAgencyLink
import HandoffDomain
public import HandoffPartners
public import HandoffStore
import HandoffTransport

/// The agencies' receipts for the batches the outbox sent over HTTPS (`[transport] receipt`
/// in a partner file): each sent batch's receipt is polled, each new version of it stored in
/// the inbox once (archived like everything an agency sends), and once its status is one the
/// partner file calls final the batch's ``BatchDelivery`` machine records it as `receipted`,
/// after which it is no longer polled. `handoff fetch` and the daemon's fetch job poll them
/// before taking files in.
public struct Receipts {
    public let store: any InboxStore
    public let partners: [Partner]
    public let factory: TransportFactory
    public let dataDirectory: String

    public init(store: any InboxStore, partners: [Partner], factory: TransportFactory, dataDirectory: String) {
        self.store = store
        self.partners = partners
        self.factory = factory
        self.dataDirectory = dataDirectory
    }

    /// Polls the receipts of every enabled HTTPS partner (or only `partnerID`). A partner whose
    /// polling fails is reported, and the others go on.
    public func poll(only partnerID: String? = nil) throws -> [LinkReport] {
        var reports: [LinkReport] = []
        for partner in partners
        where (partnerID == nil || partner.id == partnerID) && partner.terms.enabled && partner.transport.kind == .https
        {
            do { reports += try poll(partner) } catch {
                reports.append(
                    LinkReport(partnerID: partner.id, name: "receipts", outcome: "failed: \(error)", error: error))
            }
        }
        return reports
    }

    /// Polls the receipt of every batch sent to one partner.
    public func poll(_ partner: Partner) throws -> [LinkReport] {
        guard let spec = partner.transport.https?.receipt else { return [] }
        // A batch's receipt is polled until its status is one the partner file calls final.
        let final = Set(spec.final)
        let api = try AgencyAPI(partner: partner, factory: factory)
        let archive = ReceivedArchive(dataDirectory: dataDirectory)
        let sent = try store.readOutbox { r in
            try r.batches().filter { $0.partnerID == partner.id && $0.state == .sent }
        }
        var reports: [LinkReport] = []
        for batch in sent.sorted(by: { $0.id < $1.id }) {
            let name = "receipt:" + batch.batchKey
            let body: [UInt8], status: String?
            switch try api.receipt(batchKey: batch.batchKey) {
            case .received(let b, let s)?: (body, status) = (b, s)
            case .notYet(let code)?:
                reports.append(LinkReport(partnerID: partner.id, name: name, outcome: "not yet: HTTP \(code)"))
                continue
            case nil: return reports
            }
            let sha = Hex.encode(SHA256.hash(data: body))
            let isFinal = status.map(final.contains) ?? false
            // The receipt first, then the batch's new state: a crash between the two leaves the
            // receipt stored and the batch sent, and the next poll finds it final again.
            let stored = try store.writeInbox { w -> Bool in
                if try w.inbox(partnerID: partner.id, remoteName: name).contains(where: { $0.sha256 == sha }) {
                    return false
                }
                let archived = try archive.store(.bytes(body), sha256: sha)
                guard case .record(let state, let reason) = InboxFile.arrived(.verified).action else { return false }
                _ = try w.insertInbox(
                    partnerID: partner.id, kind: "receipt", remoteName: name, sha256: sha, size: Int64(body.count),
                    archivePath: archived, plainPath: archived, state: state, reason: reason)
                return true
            }
            if isFinal {
                try store.writeOutbox { w in
                    var machine = BatchDelivery(state: try w.batchState(id: batch.id) ?? batch.state)
                    let action = machine.receiptFinal()
                    try Delivery.perform(action, batch: machine, id: batch.id, w)
                }
            }
            var outcome = stored ? "received (receipt)" : "receipt unchanged"
            if isFinal, let statusField = spec.statusField, let status {
                outcome += "; \(statusField) \(status) is final: no longer polled"
            }
            reports.append(LinkReport(partnerID: partner.id, name: name, outcome: outcome))
        }
        return reports
    }
}
