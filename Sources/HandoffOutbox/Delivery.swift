import Crypto
import Foundation
public import HandoffAgencyLink
import HandoffCrashPoints
import HandoffDomain
import HandoffLayout
public import HandoffPartners
public import HandoffStore
import HandoffTransport

/// Sends what the placement runs staged, exactly once: queues each staged batch in the
/// outbox (encrypting it first when the agency requires, and writing its control file from
/// the bytes as they will be uploaded), then works through the outbox, committing each
/// transfer's state before the action it leads to.
public struct Delivery {
    public let store: any ReconciliationStore
    public let partners: [Partner]
    public let factory: TransportFactory
    /// `<data>`: outgoing files go in `<data>/outgoing/<partner>/`, the GnuPG home in `<data>/gnupg`.
    public let dataDirectory: String
    public let businessName: String
    public var now: () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    public var jitter: () -> Double = { Double.random(in: 0..<1) }

    public init(
        store: any ReconciliationStore, partners: [Partner], factory: TransportFactory, dataDirectory: String,
        businessName: String
    ) {
        self.store = store
        self.partners = partners
        self.factory = factory
        self.dataDirectory = dataDirectory
        self.businessName = businessName
    }

    /// Whether something that failed may work on its own next time.
    public typealias Failure = LinkFailure

    /// What happened to one file.
    public typealias Report = LinkReport

    private var stagingDirectory: String { dataDirectory + "/staging" }

    /// Puts every staged batch of these partners in the outbox. Returns the names queued.
    public func queue(only partnerID: String? = nil) throws -> [Report] {
        var reports: [Report] = []
        let batches = try store.readOutbox { try $0.batches() }.filter { $0.state == .staged }.sorted { $0.id < $1.id }
        for batch in batches {
            guard partnerID == nil || batch.partnerID == partnerID,
                let partner = partners.first(where: { $0.id == batch.partnerID })
            else { continue }
            let outgoingDir = dataDirectory + "/outgoing/" + partner.id
            var written: [String] = []
            do {
                reports.append(try queue(batch, partner: partner, outgoingDir: outgoingDir, written: &written))
            } catch {
                // Nothing half-written stays behind; the batch stays staged for the next run.
                for path in written { unlink(path) }
                let t = Self.explain(error, in: outgoingDir, doing: "preparing \(batch.fileName) to send")
                let failure: Failure = error is TransportError || t.kind == .noSpace ? Failure(t) : .permanent
                reports.append(
                    Report(
                        partnerID: partner.id, name: batch.fileName, outcome: "not queued (still staged): \(t)",
                        failure: failure))
            }
        }
        return reports
    }

    /// A failure while preparing a file, as a ``TransportError``: a full disk (gpg's own
    /// words, or hardly any space left in the folder) is ``TransportError/Kind/noSpace`` naming the folder.
    static func explain(_ error: any Error, in directory: String, doing: String) -> TransportError {
        if let t = error as? TransportError { return t }
        var fs = statvfs()
        let free = statvfs(directory, &fs) == 0 ? Int64(fs.f_bavail) * Int64(fs.f_frsize) : Int64.max
        if "\(error)".contains("No space left on device") || free < 64 << 10 {
            return TransportError.local(directory, errno: ENOSPC, doing: "\(doing): \(error)")
        }
        return TransportError(.other, "\(doing): \(error)")
    }

    private func queue(_ batch: BatchRecord, partner: Partner, outgoingDir: String, written: inout [String]) throws
        -> Report
    {
        let staged = stagingDirectory + "/" + partner.id + "/" + batch.fileName
        try FileManager.default.createDirectory(
            atPath: outgoingDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        var sendPath = staged
        var sendName = batch.fileName
        if let encryption = partner.encryption {
            sendName = batch.fileName + ".pgp"
            sendPath = outgoingDir + "/" + sendName
            written.append(sendPath)
            try factory.seal(
                staged, to: sendPath, partner: partner, encryption: encryption, gnupgHome: dataDirectory + "/gnupg")
        }
        let sha = try HTTPSClient.sha256(file: sendPath)
        let dataSize =
            ((try? FileManager.default.attributesOfItem(atPath: sendPath))?[.size] as? NSNumber)?.int64Value ?? 0
        var control: (path: String, name: String, sha: String, size: Int)?
        let kind = try store.writeReconciliationKind(batchID: batch.id)
        let fileSpec = kind == "updates" ? (partner.updates ?? partner.placement) : partner.placement
        if fileSpec.control != nil {
            var values = PlacementValues.Batch(
                partnerID: partner.id, clientID: partner.clientID, partnerName: partner.name,
                businessName: businessName, id: batch.batchKey, date: batch.runDate, sequence: batch.sequence,
                currency: try currency(of: batch))
            values.accounts = batch.accounts
            values.invoices = batch.invoices
            values.rows = fileSpec.layout.record(.row) != nil ? batch.invoices : 0
            values.balance = batch.total
            values.amount = batch.total
            let v = values
            let name = try fileSpec.control!.fileName.renderFileName { v.value($0) }
            let text = try fileSpec.controlText(fileName: sendName, sha256: sha, size: dataSize, batch: values) ?? ""
            let path = outgoingDir + "/" + name
            written.append(path)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            control = (path, name, Hex.encode(SHA256.hash(data: Data(text.utf8))), text.utf8.count)
        }
        try store.writeOutbox { w in
            var machine = BatchDelivery(state: batch.state)
            let action = machine.queued()
            let dataID = try w.insertOutbox(
                partnerID: partner.id, batchID: batch.id, kind: "data", localPath: sendPath, remoteName: sendName,
                dependsOn: nil, size: dataSize, sha256: sha)
            if let control {
                _ = try w.insertOutbox(
                    partnerID: partner.id, batchID: batch.id, kind: "control", localPath: control.path,
                    remoteName: control.name,
                    dependsOn: dataID, size: Int64(control.size), sha256: control.sha)
            }
            try Self.perform(action, batch: machine, id: batch.id, w)
        }
        return Report(partnerID: partner.id, name: sendName, outcome: "queued")
    }

    /// The currency the batch's file was written in, which its control file's totals are
    /// counted in: the store's ``OutboxReading/batchCurrency(id:)``. An empty batch has none,
    /// and is refused.
    private func currency(of batch: BatchRecord) throws -> Currency {
        let code = try store.readOutbox { try $0.batchCurrency(id: batch.id) }
        guard let code, let currency = Currency(code: code) else {
            throw TransportError(
                .configuration,
                "batch \(batch.fileName) holds no account with a known currency (\(code ?? "none")): "
                                 + "its control file's totals need one")
        }
        return currency
    }

    /// Performs what a batch's ``BatchDelivery`` machine returned, in the transaction that
    /// changes its transfers: the one place a batch's state is written.
    static func perform(_ action: BatchDelivery.Action, batch: BatchDelivery, id: Int64, _ w: any OutboxWriting) throws
    {
        switch action {
        case .none: return
        case .recordQueued, .recordReceipted: try w.updateBatchState(id: id, batch.state)
        case .recordSent:
            try w.updateBatchState(id: id, batch.state)
            try w.placementsFileSent(batchID: id)
        case .invalid(let reason): throw TransportError(.other, "batch #\(id): \(reason)")
        }
    }

    /// Everything `handoff send` and the daemon's send job do, in order: report what the
    /// business recorded on placed accounts, dispatch queued requests, queue staged batches,
    /// send what is due.
    ///
    /// `preparing` runs the first three steps under the send job's claim (``WorkClaims``), or
    /// answers `nil` when another process holds it: that one prepares, and this one still sends
    /// what is due, each transfer claimed on its own, so that several instances share the outbox.
    public func queueAndSend(requests: RequestDelivery, only partnerID: String? = nil,
                             preparing: (() throws -> [Report]) throws -> [Report]? = { try $0() }) throws -> [Report] {
        let prepared = try preparing {
            try requests.queueReports()
            return try requests.dispatch() + queue(only: partnerID)
        }
        return try (prepared ?? []) + send(only: partnerID)
    }

    /// Who claims transfers (and takes scheduled turns) in this process: the host, where its
    /// process ids are counted (the kernel's boot and the process-id namespace: two containers
    /// may share a host name), the process id and a random part (a process id comes back after a restart).
    public static let claimant: String = "\(hostName())/\(processSpace())/\(getpid())/\(UUID().uuidString.prefix(8))"

    private static func hostName() -> String {
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count - 1)
        return String(cString: host).replacingOccurrences(of: "/", with: "_")
    }

    /// This boot of the kernel and this process-id namespace, or "" when /proc cannot say.
    private static func processSpace() -> String {
        let boot = (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        var link = [CChar](repeating: 0, count: 128)
        let n = readlink("/proc/self/ns/pid", &link, link.count - 1)
        let namespace = n > 0 ? String(decoding: link[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        guard !boot.isEmpty, !namespace.isEmpty else { return "" }
        return boot + "," + namespace.replacingOccurrences(of: "/", with: "_")
    }

    /// Whether a claimant is a process that no longer runs, where this process can tell: same
    /// host, same boot, same process-id namespace, and no process of that id (it died holding
    /// the claim, a crash or SIGKILL). Its claim need not run out before another takes it over.
    /// Anywhere else the claim is left to run out.
    static func hasDied(_ claimant: String) -> Bool {
        let parts = claimant.split(separator: "/", omittingEmptySubsequences: false)
        let mine = Self.claimant.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4, mine.count == 4, claimant != Self.claimant, !parts[1].isEmpty,
              parts[0] == mine[0], parts[1] == mine[1], let pid = pid_t(parts[2]) else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }

    /// How long a claim on a transfer holds: longer than a send may spend on the agency (twice
    /// its `timeout_seconds`), and at least 15 minutes, so that only a dead process's claim
    /// runs out.
    func claimSeconds(for partner: Partner) -> Int64 {
        max(15 * 60, 2 * Int64(factory.timeoutSeconds(for: partner)) + 5 * 60)
    }

    /// Sends every transfer that is due, in order; a control file only after its data file is
    /// confirmed. Returns what happened to each.
    public func send(only partnerID: String? = nil) throws -> [Report] {
        var reports: [Report] = []
        var transports: [String: any FileTransport] = [:]
        let batches = Dictionary(uniqueKeysWithValues: try store.readOutbox { try $0.batches() }.map { ($0.id, $0) })
        for record in try store.readOutbox({ try $0.outbox() }) where partnerID == nil || record.partnerID == partnerID
        {
            guard let partner = partners.first(where: { $0.id == record.partnerID }) else { continue }
            if let dependency = record.dependsOn,
                try store.readOutbox({ try $0.outboxRecord(id: dependency) })?.transfer.state != .confirmed
            {
                continue
            }
            var transfer = record.transfer
            if case .send = transfer.due(now: now()), !factory.canStart(partner) {
                // Not attempted (no attempt counted): the next run sends it.
                let t = factory.deadline(for: partner).spent(record.remoteName)
                reports.append(
                    Report(
                        partnerID: partner.id, name: record.remoteName, outcome: "not sent: \(t)", failure: .temporary))
                continue
            }
            // Claimed, read again under the claim (another instance may have sent it since the
            // list was read), and the attempt on record before the file moves.
            let claimant = Self.claimant, started = now()
            let gone = record.claimedBy.flatMap { Self.hasDied($0) ? $0 : nil }
            let claimed: OutboxTransfer? = try store.writeOutbox { w in
                guard
                    try w.claimTransfer(
                        id: record.id, claimant: claimant, forSeconds: claimSeconds(for: partner), replacing: gone),
                      let fresh = try w.outboxRecord(id: record.id) else { return nil }
                var transfer = fresh.transfer
                guard transfer.startAttempt(now: started) == .send else {
                    try w.releaseTransfer(id: record.id, claimant: claimant)
                    return nil
                }
                try w.updateOutbox(id: record.id, transfer, lastError: fresh.lastError)
                return transfer
            }
            guard let claimed else { continue }
            transfer = claimed
            do {
                let transport: any FileTransport
                if let t = transports[partner.id] { transport = t } else {
                    transport = try factory.transport(for: partner)
                    transports[partner.id] = transport
                }
                let batchKey = record.batchID.flatMap { batches[$0]?.batchKey }
                let outcome = try transport.deliver(
                    localPath: record.localPath, name: record.remoteName, batchKey: batchKey, sha256: record.sha256)
                CrashPoint.check("send.after-upload")
                switch outcome {
                case .alreadyPresent: break          // the transport proved its content is ours (SHA-256)
                case .uploaded(let size):
                    guard size == record.size else {
                        throw TransportError(
                            .network, "\(record.remoteName) arrived with \(size) bytes, \(record.size) were sent")
                    }
                }
                switch transfer.delivered(verified: true) {
                case .recordConfirmation, .recordDelivery: break
                case .wait, .send, .scheduleRetry, .reportFailure:
                    try store.writeOutbox { try $0.releaseTransfer(id: record.id, claimant: claimant) }
                    continue
                case .invalid(let reason): throw TransportError(.other, "\(record.remoteName): \(reason)")
                }
                let recorded = try store.writeOutbox { w -> Bool in
                    // Only while the claim is still this process's: one that ran out was taken
                    // over, and the new holder's outcome stands.
                    guard try w.outboxRecord(id: record.id)?.claimedBy == claimant else { return false }
                    try w.updateOutbox(id: record.id, transfer, lastError: nil)
                    try w.releaseTransfer(id: record.id, claimant: claimant)
                    if record.kind == "data", let batchID = record.batchID {
                        // Read in this transaction: the state the batch is in now.
                        var machine = BatchDelivery(state: try w.batchState(id: batchID) ?? .queued)
                        let action = machine.dataFileDelivered()
                        try Self.perform(action, batch: machine, id: batchID, w)
                    }
                    return true
                }
                guard recorded else {
                    reports.append(Report(partnerID: partner.id, name: record.remoteName,
                            outcome:
                                "delivered, after another Handoff process had taken the transfer over: "
                                    + "its record stands"
                        ))
                    continue
                }
                let note: String
                if case .alreadyPresent = outcome {
                    note = "already at the agency (not sent again)"
                } else {
                    note = "sent"
                }
                reports.append(Report(partnerID: partner.id, name: record.remoteName, outcome: note))
            } catch {
                let t = error as? TransportError ?? TransportError(.other, "\(error)")
                let action = transfer.failed(t.description, permanent: t.isPermanent, now: now(), jitter: jitter(),
                                             retryAfter: t.retryAfter.map(Int64.init))
                let recorded = try store.writeOutbox { w -> Bool in
                    guard try w.outboxRecord(id: record.id)?.claimedBy == claimant else { return false }
                    try w.updateOutbox(id: record.id, transfer, lastError: t.description)
                    try w.releaseTransfer(id: record.id, claimant: claimant)
                    return true
                }
                guard recorded else {
                    reports.append(Report(partnerID: partner.id, name: record.remoteName,
                            outcome: "not recorded: another Handoff process had taken the transfer over (\(t))"))
                    continue
                }
                switch action {
                case .scheduleRetry(let at):
                    reports.append(Report(partnerID: partner.id, name: record.remoteName,
                            outcome: "will retry after \(Date(timeIntervalSince1970: TimeInterval(at))): \(t)",
                            failure: .temporary))
                default:
                    reports.append(
                        Report(
                            partnerID: partner.id, name: record.remoteName, outcome: "failed: \(t)", failure: .permanent
                        ))
                }
            }
        }
        return reports
    }
}

extension OutboxTransfer {
    /// What `startAttempt(now:)` would answer, without starting anything.
    func due(now: Int64) -> Action {
        var copy = self
        return copy.startAttempt(now: now)
    }
}

extension ReconciliationStore {
    /// The kind of a batch (`placement` or `updates`).
    func writeReconciliationKind(batchID: Int64) throws -> String {
        try readReconciliation { try $0.batchKind(id: batchID) }
    }
}
