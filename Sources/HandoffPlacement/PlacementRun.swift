import Foundation
import HandoffCSV
import HandoffCrashPoints
public import HandoffDomain
public import HandoffLayout
public import HandoffPartners
public import HandoffStore

/// One placement run: selects the accounts the rules allow, allocates each to an agency,
/// writes each agency's batch into the staging folder and records it all, in one database
/// transaction. Files are written under a temporary name and renamed before the transaction
/// commits; a crash before the commit leaves files no batch record names, and the next run
/// removes them and writes the same batches again. So a run leaves the whole batch or none.
public struct PlacementRun {
    public struct Options: Sendable {
        public var asOf: CalendarDate
        public var dryRun: Bool
        public var rules: PlacementRules
        public var partners: [Partner]
        public var businessName: String
        /// `<data>/staging`: each partner's files go in a folder named by its id.
        public var stagingDirectory: String
        /// `[dunning]` has a final-notice step: an account with an e-mail address gets its final
        /// notice from `handoff dunning`, and counts as notified only once the mail server took it,
        /// so a run records none for it (accounts without an address get one recorded, as before).
        public var finalNoticeByEmail: Bool

        /// The business's compliance choices (`[compliance]`), for the gate every account passes.
        public var compliance = CompliancePolicy()

        public init(asOf: CalendarDate, dryRun: Bool, rules: PlacementRules, partners: [Partner], businessName: String,
                    stagingDirectory: String, finalNoticeByEmail: Bool = false,
                    compliance: CompliancePolicy = CompliancePolicy()) {
            self.finalNoticeByEmail = finalNoticeByEmail
            self.compliance = compliance
            self.asOf = asOf
            self.dryRun = dryRun
            self.rules = rules
            self.partners = partners
            self.businessName = businessName
            self.stagingDirectory = stagingDirectory
        }
    }

    /// What the run decided for one account.
    public struct Decision: Sendable {
        public enum Outcome: Sendable {
            /// Placed (or, in a dry run, would be) with this agency in this batch.
            case placed(partnerID: String, tier: Int, batchKey: String)
            /// A final notice was recorded today (or, in a dry run, would be); placeable later.
            case finalNoticeRecorded
            case notPlaced(NotPlaced)
            /// The agency's layout refuses the account (its data breaks the agency's rules).
            case refused(partnerID: String, Refusal)
        }
        public var customerID: Int64
        public var accountNumber: String
        public var name: String
        public var balance: Money?
        public var daysPastDue: Int?
        public var outcome: Outcome
    }

    /// One batch written.
    public struct BatchSummary: Sendable {
        public var partnerID: String
        public var batchKey: String
        public var fileName: String
        public var controlName: String?
        public var accounts: Int
        public var invoices: Int
        public var total: Int64
        public var sha256: String
    }

    public struct Summary: Sendable {
        public var batches: [BatchSummary] = []
        public var placed = 0
        public var noticesRecorded = 0
        public var notPlaced: [NotPlaced.Code: Int] = [:]
        public var refused = 0
    }

    public let options: Options

    public init(options: Options) { self.options = options }

    /// How many decided placements are handed to the store at once (``PlacementWriting/insertPlacements(_:)``).
    static let placementsPerWrite = 1_000

    /// Runs, calling `decided` for every account considered.
    public func run(store: any PlacementStore, decided: (Decision) -> Void) throws -> Summary {
        if options.dryRun {
            return try store.readPlacements { r in try plan(reader: r, writer: nil, decided: decided) }
        }
        try FileManager.default.createDirectory(atPath: options.stagingDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o750])
        return try store.writePlacements { w in
            try sweepStaging(known: try w.batches())
            return try plan(reader: w, writer: w, decided: decided)
        }
    }

    private final class OpenBatch {
        let partner: Partner
        let recordID: Int64
        let key: String
        let fileName: String
        let file: AtomicFileWriter
        let builder: PlacementFileBuilder
        init(
            partner: Partner, recordID: Int64, key: String, fileName: String, file: AtomicFileWriter,
            builder: PlacementFileBuilder
        ) {
            self.partner = partner
            self.recordID = recordID
            self.key = key
            self.fileName = fileName
            self.file = file
            self.builder = builder
        }
    }

    private func plan(reader: any PlacementReading, writer: (any PlacementWriting)?, decided: (Decision) -> Void) throws
        -> Summary
    {
        let partners = Dictionary(uniqueKeysWithValues: options.partners.map { ($0.id, $0) })
        var allocator = Allocator(agencies: options.partners.map(\.terms))
        var open: [String: OpenBatch] = [:]
        var summary = Summary()
        var failed = true
        defer { if failed { for b in open.values { b.file.discard() } } }
        // Placements decided but not yet handed to the store, written a page at a time.
        var unwritten: [NewPlacement] = []
        func writeUnwritten(_ writer: any PlacementWriting) throws {
            _ = try writer.insertPlacements(unwritten)
            unwritten.removeAll(keepingCapacity: true)
        }

        try reader.forEachPlacementCandidate(asOf: options.asOf) { candidate in
            let profile = candidate.profile
            func decide(_ outcome: Decision.Outcome, _ p: Placeable?) {
                decided(
                    Decision(
                        customerID: candidate.customerID, accountNumber: profile.accountNumber,
                        name: profile.displayName,
                        balance: p?.balance, daysPastDue: p?.daysPastDue, outcome: outcome))
            }
            let placeable: Placeable
            switch Selection.evaluate(candidate, rules: options.rules, asOf: options.asOf) {
            case .notPlaced(let why):
                summary.notPlaced[why.code, default: 0] += 1
                decide(.notPlaced(why), nil)
                return
            case .needsFinalNotice(let p) where options.finalNoticeByEmail
                && EmailAddress.isSendable((profile.email ?? "").trimmingSpaces):
                let why = NotPlaced(.finalNoticeDue, "final notice due: `handoff dunning` sends it by e-mail")
                summary.notPlaced[why.code, default: 0] += 1
                decide(.notPlaced(why), p)
                return
            case .needsFinalNotice(let p):
                try writer?.recordFinalNotice(customerID: candidate.customerID, date: options.asOf, balance: p.balance)
                summary.noticesRecorded += 1
                decide(.finalNoticeRecorded, p)
                return
            case .placeable(let p):
                placeable = p
            }
            // The compliance gate: what keeps the account from every agency, then from each one.
            let facts = candidate.complianceFacts(placeable)
            let barred = ComplianceGate.account(facts, policy: options.compliance, asOf: options.asOf)
            if !barred.isEmpty {
                let why = NotPlaced(
                    .compliance,
                    "compliance: " + barred.map { "\($0.rawValue) (\($0.explanation))" }.joined(separator: "; "),
                    reasons: barred)
                summary.notPlaced[why.code, default: 0] += 1
                decide(.notPlaced(why), placeable)
                return
            }
            let choice: Allocator.Choice
            let gate = { (agency: AgencyTerms) -> ComplianceVerdict in
                guard let partner = partners[agency.id] else { return .allowed(ComplianceMarks()) }
                return ComplianceGate.check(
                    facts, agency: partner.compliance, policy: self.options.compliance, asOf: self.options.asOf)
            }
            switch allocator.allocate(candidate, placeable, gate: gate) {
            case .failure(let why):
                summary.notPlaced[why.code, default: 0] += 1
                decide(.notPlaced(why), placeable)
                return
            case .success(let c):
                choice = c
            }
            let partner = partners[choice.partnerID]!
            var account = try placementAccount(candidate, placeable, reader: reader)
            account.marks = choice.marks

            guard let writer else {
                // Dry run: the layout's verdict without writing anything.
                let batch = PlacementValues.Batch(
                    partnerID: partner.id, clientID: partner.clientID, partnerName: partner.name,
                    businessName: options.businessName, id: "(dry run)", date: options.asOf, sequence: 0,
                    currency: account.balance.currency)
                do {
                    _ = try LayoutRenderer(layout: partner.placement.layout)
                        .account(
                            PlacementValues.lookup(account, batch: batch),
                            invoices: account.invoices.map(PlacementValues.lookup))
                    summary.placed += 1
                    decide(.placed(partnerID: partner.id, tier: choice.tier, batchKey: "(dry run)"), placeable)
                } catch let refusal as Refusal {
                    allocator.release(choice)
                    summary.refused += 1
                    decide(.refused(partnerID: partner.id, refusal), placeable)
                }
                return
            }

            if open[partner.id] == nil {
                // Open the batch only for an account the layout accepts, so that no empty batch
                // (and no gap in the day's sequence) is ever made.
                let probe = PlacementValues.Batch(
                    partnerID: partner.id, clientID: partner.clientID, partnerName: partner.name,
                    businessName: options.businessName, id: "", date: options.asOf, sequence: 1,
                    currency: account.balance.currency)
                do {
                    _ = try LayoutRenderer(layout: partner.placement.layout)
                        .account(
                            PlacementValues.lookup(account, batch: probe),
                            invoices: account.invoices.map(PlacementValues.lookup))
                } catch let refusal as Refusal {
                    allocator.release(choice)
                    summary.refused += 1
                    decide(.refused(partnerID: partner.id, refusal), placeable)
                    return
                }
                open[partner.id] = try openBatch(partner, currency: account.balance.currency, writer: writer)
            }
            let batch = open[partner.id]!
            if let refusal = try batch.builder.add(account) {
                allocator.release(choice)
                summary.refused += 1
                decide(.refused(partnerID: partner.id, refusal), placeable)
                return
            }
            // The first placement of an account freezes its itemization (Regulation F).
            let itemization = candidate.frozenInvoiceIDs != nil ? nil : FrozenItemization(
                    date: account.itemization.date, amount: account.itemization.amount,
                    basis: options.rules.itemizationBasis,
                invoiceIDs: Set(placeable.invoices.map(\.invoiceID)))
            unwritten.append(NewPlacement(
                    customerID: candidate.customerID, partnerID: partner.id, tier: choice.tier, batchID: batch.recordID,
                    placedOn: options.asOf,
                balance: placeable.balance, oldestDueDate: placeable.oldestDueDate, daysPastDue: placeable.daysPastDue,
                invoices: placeable.invoices.map { ($0.invoiceID, $0.balance) }, itemization: itemization))
            if unwritten.count >= Self.placementsPerWrite { try writeUnwritten(writer) }
            summary.placed += 1
            decide(.placed(partnerID: partner.id, tier: choice.tier, batchKey: batch.key), placeable)
        }

        if let writer { try writeUnwritten(writer) }
        for partnerID in open.keys.sorted() {
            let batch = open[partnerID]!
            let (sha, size) = try batch.builder.finish()
            try batch.file.commit()
            CrashPoint.check("placement.file-renamed")
            var controlName: String?
            if let spec = batch.partner.placement.control {
                let b = batch.builder.batch
                let name = try spec.fileName.renderFileName { b.value($0) }
                let control = try AtomicFileWriter(path: directory(for: batch.partner) + "/" + name)
                try control.write(
                    try batch.builder.controlText(fileName: batch.fileName, sha256: sha, size: size) ?? "")
                try control.commit()
                controlName = name
            }
            let b = batch.builder.batch
            try writer!.completeBatch(
                id: batch.recordID, accounts: b.accounts, invoices: b.invoices, total: b.balance, sha256: sha,
                size: size)
            if let controlName { try writer!.setControlName(batchID: batch.recordID, controlName) }
            summary.batches.append(
                BatchSummary(
                    partnerID: partnerID, batchKey: batch.key, fileName: batch.fileName, controlName: controlName,
                    accounts: b.accounts, invoices: b.invoices, total: b.balance, sha256: sha))
        }
        failed = false
        CrashPoint.check("placement.before-commit")
        return summary
    }

    /// The account as the placement file shows it, with its Regulation F itemization: the
    /// date frozen at its first placement (or chosen now by the configured basis), and the
    /// amounts computed from the ledger of the placed invoices, so that they always add up.
    private func placementAccount(_ c: PlacementCandidate, _ p: Placeable, reader: any PlacementReading) throws
        -> PlacementValues.Account
    {
        let currency = c.profile.currency
        let ids = Set(p.invoices.map(\.invoiceID))
        let date: CalendarDate
        if c.frozenInvoiceIDs != nil, let frozen = try reader.frozenItemization(customerID: c.customerID) {
            date = frozen.date
        } else {
            date = Itemization.date(basis: options.rules.itemizationBasis, invoices: p.invoices) ?? options.asOf
        }
        let entries = try reader.itemizationEntries(customerID: c.customerID, invoiceIDs: ids)
        let itemization: Itemization
        do { itemization = try Itemization.compute(entries: entries, date: date, currency: currency) } catch {
            throw PlacementRunError.amountTooLarge(c.profile.accountNumber, error)
        }
        let invoices = try reader.invoices(customerID: c.customerID).filter { ids.contains($0.id) }
            .sorted { OpenItem.oldestFirst($0.openItem, $1.openItem) }
            .map {
                PlacementValues.Invoice(
                    number: $0.terms.invoiceNumber, date: $0.terms.invoiceDate, dueDate: $0.terms.dueDate,
                    amount: $0.terms.amount, balance: Money(minorUnits: $0.balance, currency: currency))
            }
        return PlacementValues.Account(
            profile: c.profile, balance: p.balance, oldestDueDate: p.oldestDueDate, daysPastDue: p.daysPastDue,
            lastPaymentDate: c.lastPaymentDate, itemization: itemization, invoices: invoices)
    }

    private func directory(for partner: Partner) -> String { options.stagingDirectory + "/" + partner.id }

    private func openBatch(_ partner: Partner, currency: Currency, writer: any PlacementWriting) throws -> OpenBatch {
        let sequence = try writer.nextSequence(partnerID: partner.id, day: options.asOf, kind: "placement")
        var values = PlacementValues.Batch(partnerID: partner.id, clientID: partner.clientID, partnerName: partner.name,
            businessName: options.businessName, id: "", date: options.asOf, sequence: sequence, currency: currency)
        if let template = partner.placement.batchID {
            let v = values
            values.id = try template.render { v.value($0) }
            if let allowed = partner.placement.batchIDCharacters, !values.id.allSatisfy({ allowed.contains($0) }) {
                throw PlacementRunError.badBatchID(partner.id, values.id, "holds characters the agency does not allow")
            }
            if let max = partner.placement.batchIDMaxLength, values.id.count > max || values.id.isEmpty {
                throw PlacementRunError.badBatchID(partner.id, values.id, "must be 1 to \(max) characters")
            }
        }
        let v = values
        let fileName = try partner.placement.fileName.renderFileName { v.value($0) }
        if values.id.isEmpty { values.id = fileName }
        let dir = directory(for: partner)
        try FileManager.default.createDirectory(
            atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        let file = try AtomicFileWriter(path: dir + "/" + fileName)
        let builder = try PlacementFileBuilder(spec: partner.placement, batch: values, sink: file)
        let recordID = try writer.insertBatch(BatchRecord(
                id: 0, partnerID: partner.id, batchKey: values.id, fileName: fileName, controlName: nil,
                runDate: options.asOf, sequence: sequence,
            state: .staged, accounts: 0, invoices: 0, total: 0, sha256: "", size: 0, createdAt: ""))
        return OpenBatch(
            partner: partner, recordID: recordID, key: values.id, fileName: fileName, file: file, builder: builder)
    }

    /// Removes from the staging folders every file that no batch record names: temporary
    /// files and the files of a run that crashed before its transaction committed.
    private func sweepStaging(known: [BatchRecord]) throws {
        let fm = FileManager.default
        for partner in options.partners {
            let dir = directory(for: partner)
            guard let names = try? fm.contentsOfDirectory(atPath: dir) else { continue }
            let keep = Set(
                known.filter { $0.partnerID == partner.id }.flatMap {
                    [$0.fileName] + ($0.controlName.map { [$0] } ?? [])
                })
            for name in names where !keep.contains(name) {
                try fm.removeItem(atPath: dir + "/" + name)
            }
        }
    }
}

/// A placement run that cannot go on.
public enum PlacementRunError: Error, CustomStringConvertible {
    case badBatchID(String, String, String)
    /// An account's figures cannot be added up in 64 bits (its account number, and what).
    case amountTooLarge(String, AmountOverflow)
    public var description: String {
        switch self {
        case .badBatchID(let partner, let id, let why):
            return "\(partner): batch id '\(id)' \(why) (check batch_id in its partner file)"
        case .amountTooLarge(let account, let overflow): return "account \(account): \(overflow)"
        }
    }
}
