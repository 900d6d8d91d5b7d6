import Foundation
public import HandoffAgencyLink
import HandoffCSV
import HandoffCrashPoints
import HandoffDomain
import HandoffLayout
public import HandoffPartners
public import HandoffStore
import HandoffTransport

/// Takes in what agencies send back: lists each partner's return folder, downloads new files,
/// keeps the raw bytes unchanged in a content-addressed archive, decrypts and verifies them
/// and checks that they parse, records each under a unique (partner, name, SHA-256) key in
/// one transaction, and only then deletes the remote file. Nothing received is ever lost:
/// what fails is quarantined with its reason, and a file that reappears under a known name
/// with other content is held for a person.
public struct Intake {
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

    /// What happened to one file or feed.
    public typealias Report = LinkReport

    public func fetch(only partnerID: String? = nil) throws -> [Report] {
        var reports: [Report] = []
        for partner in partners where (partnerID == nil || partner.id == partnerID) && partner.terms.enabled {
            if partner.transport.kind == .https {
                // (Receipts of sent batches are the outbox's: `Receipts` polls them.)
                let feed = EventFeed(store: store, factory: factory, dataDirectory: dataDirectory)
                do {
                    let events = try feed.pull(partner)
                    reports +=
                        events.isEmpty
                        ? [Report(partnerID: partner.id, name: "event feed", outcome: "no new events")] : events
                } catch {
                    reports.append(
                        Report(partnerID: partner.id, name: "event feed", outcome: "failed: \(error)", error: error))
                }
                continue
            }
            let source: any FileSource
            do { source = try factory.source(for: partner) } catch {
                reports.append(Report(partnerID: partner.id, name: "-", outcome: "failed: \(error)", error: error))
                continue
            }
            let names: [String]
            do { names = try source.list() } catch {
                reports.append(
                    Report(partnerID: partner.id, name: "-", outcome: "failed to list: \(error)", error: error))
                continue
            }
            for name in names where !name.hasSuffix(".part") {
                do {
                    reports.append(try take(name, from: source, partner: partner))
                } catch {
                    reports.append(
                        Report(
                            partnerID: partner.id, name: name, outcome: "failed, left on the server: \(error)",
                            error: error))
                }
            }
        }
        return reports
    }

    /// Deletes a file at the agency once it is recorded. A refused delete loses nothing (the
    /// next fetch finds it already received) but is reported as what it is.
    private func remove(_ name: String, from source: any FileSource, partner: Partner, outcome: String) -> Report {
        do {
            try source.delete(name)
            return Report(partnerID: partner.id, name: name, outcome: outcome)
        } catch {
            return Report(
                partnerID: partner.id, name: name,
                outcome: "\(outcome); but not removed from the server: \(error) "
                          + "(it is recorded: the next fetch skips it as already received)", error: error)
        }
    }

    private func take(_ name: String, from source: any FileSource, partner: Partner) throws -> Report {
        let incoming = dataDirectory + "/incoming/" + partner.id
        try FileManager.default.createDirectory(
            atPath: incoming, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let downloaded = incoming + "/" + name
        let size = try source.download(name, to: downloaded)
        defer { unlink(downloaded) }
        let sha = try HTTPSClient.sha256(file: downloaded)
        let earlier = try store.readInbox { try $0.inbox(partnerID: partner.id, remoteName: name) }
        if earlier.contains(where: { $0.sha256 == sha }) {
            // Stored before (perhaps the delete after that was interrupted): never processed twice.
            return remove(
                name, from: source, partner: partner,
                outcome: "already received (same name and content): skipped, removed from the server")
        }
        let archived = try ReceivedArchive(dataDirectory: dataDirectory).store(.file(downloaded), sha256: sha)
        var plainPath: String?
        let kind = Self.kind(of: name, partner: partner)
        let arrival: InboxFile.Arrival
        if let first = earlier.first {
            arrival = .sameNameOtherContent(
                reason: "same name as file #\(first.id) received \(first.receivedAt) but other content: "
                                            + "a person must decide; not processed")
        } else if let kind {
            do {
                plainPath = try openSealed(archived, sha: sha, partner: partner, name: name)
                try checkParses(plainPath!, kind: kind, partner: partner, name: name)
                arrival = .verified
            } catch {
                arrival = .unreadable(reason: "\(error)")
                if let plain = plainPath, plain != archived { unlink(plain) }
                plainPath = nil
            }
        } else {
            arrival = .unknownKind(reason: "not a kind of file \(partner.id) sends (see [returns] in its partner file)")
        }
        guard case .record(let state, let reason) = InboxFile.arrived(arrival).action else {
            throw TransportError(.other, "\(name): the inbox machine gave no state to record it in")
        }
        let plain = plainPath
        _ = try store.writeInbox { w in
            try w.insertInbox(partnerID: partner.id, kind: kind ?? "unknown", remoteName: name, sha256: sha, size: size,
                              archivePath: archived, plainPath: plain, state: state, reason: reason)
        }
        CrashPoint.check("fetch.after-commit")
        return remove(name, from: source, partner: partner,
            outcome: state == .received ? "received (\(kind ?? "unknown"))" : "\(state.rawValue): \(reason ?? "")")
    }

    /// The verified plain text of a received file: decrypted and checked against the agency's
    /// pinned signing key when the partner encrypts, the archived bytes themselves otherwise.
    private func openSealed(_ archived: String, sha: String, partner: Partner, name: String) throws -> String {
        guard let encryption = partner.encryption else { return archived }
        let plainDir = dataDirectory + "/archive/plain"
        try FileManager.default.createDirectory(
            atPath: plainDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let plain = plainDir + "/" + sha
        try factory.open(
            archived, to: plain, partner: partner, encryption: encryption, gnupgHome: dataDirectory + "/gnupg",
            name: name)
        return plain
    }

    private func checkParses(_ path: String, kind: String, partner: Partner, name: String) throws {
        guard let layout = partner.returns[kind]?.layout ?? nil else { return }
        let reader = LayoutReader(layout: layout, source: try ByteSource(path: path))
        do { while try reader.next() != nil {} } catch {
            throw LayoutReadError(file: name, line: error.line, code: error.code, message: error.message)
        }
    }

    /// The return kind whose `file_name` pattern matches `name` (`*` matches any text; a
    /// partner that encrypts sends the same names with `.pgp` appended).
    public static func kind(of name: String, partner: Partner) -> String? {
        for (kind, spec) in partner.returns.sorted(by: { $0.key < $1.key }) where spec.layout != nil {
            var pattern = spec.fileName.replacingOccurrences(of: "{partner.client_id}", with: partner.clientID)
                .replacingOccurrences(of: "{partner.id}", with: partner.id)
            if partner.encryption != nil { pattern += ".pgp" }
            if glob(pattern, name) { return kind }
        }
        return nil
    }

    static func glob(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern), t = Array(text)
        var (pi, ti, star, mark) = (0, 0, -1, 0)
        while ti < t.count {
            if pi < p.count && p[pi] != "*" && p[pi] == t[ti] { pi += 1; ti += 1 }
            else if pi < p.count && p[pi] == "*" { star = pi; mark = ti; pi += 1 }
            else if star >= 0 { pi = star + 1; mark += 1; ti = mark }
            else { return false }
        }
        while pi < p.count && p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
