import Foundation
public import HandoffAgencyLink
import HandoffCSV
public import HandoffDomain
import HandoffLayout
public import HandoffPartners
public import HandoffStore
import HandoffTransport

/// Requests to agencies, from queue to agency: direct payments the business received for
/// accounts an agency holds are queued as reports; queued requests go over the agency's API
/// (`[transport.requests]`), or into an updates file (`[updates]`) staged as a batch of kind
/// `updates`, which the outbox then encrypts, sends and confirms like any placement file.
public struct RequestDelivery {
    public let store: any ReconciliationStore
    public let partners: [Partner]
    public let factory: TransportFactory
    public let stagingDirectory: String
    public let businessName: String
    public let today: CalendarDate

    public init(
        store: any ReconciliationStore, partners: [Partner], factory: TransportFactory, stagingDirectory: String,
        businessName: String,
        today: CalendarDate) {
        self.store = store
        self.partners = partners
        self.factory = factory
        self.stagingDirectory = stagingDirectory
        self.businessName = businessName
        self.today = today
    }

    /// Queues a report for every payment, credit or write-off the business recorded for an
    /// account an agency holds, on or after its placement: a direct payment, or a balance
    /// adjustment (negative: it lowers the balance). Returns how many were queued.
    @discardableResult
    public func queueReports() throws -> Int {
        try store.writeReconciliation { w in
            let payments = try w.unreportedDirectPayments()
            for (placement, txn) in payments {
                try w.queueRequest(
                    partnerID: placement.partnerID, customerID: placement.customerID, placementID: placement.id,
                    kind: "direct_payment",
                    requestID: txn.reference,
                    amount: Money(minorUnits: txn.amount, currency: placement.balance.currency), date: txn.date,
                    reason: nil, note: "direct payment received by the business")
            }
            let adjustments = try w.unreportedAdjustments()
            for (placement, txn) in adjustments {
                try w.queueRequest(
                    partnerID: placement.partnerID, customerID: placement.customerID, placementID: placement.id,
                    kind: "adjustment",
                    requestID: txn.reference,
                    amount: Money(minorUnits: -txn.amount, currency: placement.balance.currency), date: txn.date,
                    reason: "\(txn.kind.rawValue) \(txn.reference)",
                    note: "\(txn.kind.rawValue) recorded by the business")
            }
            return payments.count + adjustments.count
        }
    }

    /// Whether the agency echoes direct payments back (then the commission owed is recorded
    /// from its echo); otherwise it is recorded when the payment is reported.
    private func echoes(_ partner: Partner) -> Bool {
        partner.returns.values.contains {
            $0.events?.rules.values.contains { $0.event == "direct_payment_echo" } ?? false
        }
    }

    /// Sends (or stages in an updates file) every queued request.
    public func dispatch() throws -> [Delivery.Report] {
        var reports: [Delivery.Report] = []
        // The compliance gate: a request goes only to the agency that still holds its account.
        let queued = try store.writeReconciliation { w -> [AgencyRequestRecord] in
            var passed: [AgencyRequestRecord] = []
            for r in try w.requests(state: .queued) {
                let open = try w.placements(customerID: r.customerID).contains {
                    $0.partnerID == r.partnerID && $0.state.isOpen
                }
                let refused = ComplianceGate.request(kind: r.kind, placementOpen: open)
                guard !refused.isEmpty else { passed.append(r); continue }
                let why = refused.map { "\($0.rawValue): \($0.explanation)" }.joined(separator: "; ")
                try w.setRequestState(id: r.id, .failed, error: why, batchID: nil)
                reports.append(
                    .init(
                        partnerID: r.partnerID, name: "\(r.kind) \(r.requestID)", outcome: "failed: \(why)",
                        failure: .permanent))
            }
            return passed
        }
        for partner in partners {
            let mine = queued.filter { $0.partnerID == partner.id }
            guard !mine.isEmpty else { continue }
            if partner.transport.kind == .https {
                let sender = try AgencyRequestSender(partner: partner, factory: factory)
                for r in mine {
                    do {
                        let attorney = try store.readReconciliation { try Self.attorney(for: r, in: $0) }
                        try sender.send(
                            AgencyRequest(
                                kind: r.kind, accountNumber: r.accountNumber, id: r.requestID, amount: r.amount,
                                date: r.date,
                                reason: r.reason, note: r.note, attorney: attorney))
                        try store.writeReconciliation { w in
                            try w.setRequestState(id: r.id, .sent, error: nil, batchID: nil)
                            if r.kind == "direct_payment", !echoes(partner), let amount = r.amount,
                               let placement = try w.placement(customerID: r.customerID, partnerID: partner.id) {
                                let status = try w.agencyStatus(placementID: placement.id)
                                let due = partner.terms.commission.due(
                                    on: amount.minorUnits, placedOn: placement.placedOn,
                                    oldestDueDate: placement.oldestDueDate, status: status)
                                try w.recordCommission(
                                    CommissionRecord(
                                        partnerID: partner.id, customerID: r.customerID, transactionID: nil,
                                        eventKey: "direct:" + r.requestID, kind: "direct_payment",
                                        base: amount.minorUnits,
                                        ratePPM: due.ratePPM, expected: due.expected, reported: nil,
                                        currency: amount.currency.code, date: r.date))
                            }
                        }
                        reports.append(.init(partnerID: partner.id, name: "\(r.kind) \(r.requestID)", outcome: "sent"))
                    } catch let e as TransportError {
                        try store.writeReconciliation {
                            try $0.setRequestState(
                                id: r.id, e.isPermanent ? .failed : .queued, error: e.description, batchID: nil)
                        }
                        reports.append(.init(partnerID: partner.id, name: "\(r.kind) \(r.requestID)",
                                outcome: e.isPermanent ? "failed: \(e)" : "not sent, queued for the next run: \(e)",
                                failure: e.isPermanent ? .permanent : .temporary))
                    }
                }
            } else if let spec = partner.updates {
                let (name, refused) = try stageUpdatesFile(partner: partner, spec: spec, requests: mine)
                for (r, why) in refused {
                    reports.append(
                        .init(
                            partnerID: partner.id, name: "\(r.kind) \(r.requestID)", outcome: "failed: \(why)",
                            failure: .permanent))
                }
                if let name {
                    let count = mine.count - refused.count
                    reports.append(
                        .init(
                            partnerID: partner.id, name: name,
                            outcome: "staged with \(count) update\(count == 1 ? "" : "s")"))
                }
            } else {
                reports.append(
                    .init(
                        partnerID: partner.id, name: "\(mine.count) request(s)",
                        outcome: "waiting: the partner file has no [updates] or [transport.requests]"))
            }
        }
        return reports
    }

    /// Writes the requests as one updates file in the partner's layout, and records it as a
    /// batch. A request the layout refuses is marked failed with the reason and left out.
    private func stageUpdatesFile(partner: Partner, spec: FileSpec, requests all: [AgencyRequestRecord]) throws
        -> (String?, [(AgencyRequestRecord, String)]) {
        try store.writeReconciliation { w -> (String?, [(AgencyRequestRecord, String)]) in
            // The currency the file is written in, as a placement run takes its first account's:
            // the first request's amount's, or, when it carries none (a recall, a notice), its account's.
            var firstCurrency: Currency?
            for r in all where firstCurrency == nil {
                firstCurrency =
                    try r.amount?.currency
                    ?? w.placement(customerID: r.customerID, partnerID: partner.id)?.balance.currency
            }
            guard let currency = firstCurrency else {
                throw TransportError(
                    .configuration,
                    "\(partner.id): no queued update names an amount or a placed account: "
                                     + "the updates file has no currency to write its amounts in")
            }
            // Render every row first: a refused row fails alone, and no file is made for none.
            let renderer = LayoutRenderer(layout: spec.layout)
            var refused: [(AgencyRequestRecord, String)] = []
            var requests: [AgencyRequestRecord] = []
            for r in all {
                do {
                    _ = try renderer.account(
                        Self.lookup(
                            r,
                            batch: PlacementValues.Batch(
                                partnerID: partner.id, clientID: partner.clientID,
                                partnerName: partner.name, businessName: businessName, id: "",
                                date: today, sequence: 1, currency: currency),
                                                         attorney: try Self.attorney(for: r, in: w)),
                                             invoices: [{ _ in nil }])
                    requests.append(r)
                } catch {
                    try w.setRequestState(id: r.id, .failed, error: "\(error)", batchID: nil)
                    refused.append((r, "\(error)"))
                }
            }
            guard !requests.isEmpty else { return (nil, refused) }
            let sequence = try w.nextSequence(partnerID: partner.id, day: today, kind: "updates")
            var values = PlacementValues.Batch(
                partnerID: partner.id, clientID: partner.clientID, partnerName: partner.name,
                businessName: businessName,
                id: "", date: today, sequence: sequence, currency: currency)
            let v = values
            let fileName = try spec.fileName.renderFileName { v.value($0) }
            values.id = fileName
            let dir = stagingDirectory + "/" + partner.id
            try FileManager.default.createDirectory(
                atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
            let file = try AtomicFileWriter(path: dir + "/" + fileName)
            let header = values
            try file.write(try renderer.header { header.value($0) })
            var accounts = Set<String>()
            var total: Int64 = 0
            for r in requests {
                try file.write(
                    try renderer.account(
                        Self.lookup(r, batch: values, attorney: try Self.attorney(for: r, in: w)),
                        invoices: [{ _ in nil }]))
                accounts.insert(r.accountNumber)
                total += r.amount?.minorUnits ?? 0
            }
            values.rows = requests.count
            values.accounts = accounts.count
            values.amount = total
            let trailer = values
            try file.write(try renderer.trailer { trailer.value($0) })
            try file.commit()
            let id = try w.insertBatch(
                BatchRecord(
                    id: 0, partnerID: partner.id, batchKey: fileName, fileName: fileName, controlName: nil,
                    runDate: today,
                    sequence: sequence, state: .staged, accounts: accounts.count, invoices: requests.count,
                    total: total,
                    sha256: try HTTPSClient.sha256(file: dir + "/" + fileName), size: file.byteCount, createdAt: ""))
            try w.setBatchKind(id: id, "updates")
            for r in requests { try w.setRequestState(id: r.id, .sent, error: nil, batchID: id) }
            return (fileName, refused)
        }
    }

    /// The attorney of an `attorney_represented` request's account, by field (`name`, `phone`,
    /// `email`, `address`); empty for any other request.
    static func attorney(for r: AgencyRequestRecord, in reading: Any) throws -> [String: String] {
        guard r.kind == "attorney_represented", let compliance = reading as? any ComplianceReading,
              let a = try compliance.accountCompliance(customerID: r.customerID).attorney else { return [:] }
        return ["name": a.name, "phone": a.phone, "email": a.email, "address": a.address].compactMapValues { $0 }
    }

    /// A request's values for an updates layout.
    static func lookup(_ r: AgencyRequestRecord, batch: PlacementValues.Batch, attorney: [String: String] = [:])
        -> ValueLookup
    {
        { path in
            switch path {
            case "update.attorney_name", "update.attorney_phone", "update.attorney_email", "update.attorney_address":
                return attorney[String(path.dropFirst("update.attorney_".count))].map { .text($0) } ?? .absent
            case "account.number": return .text(r.accountNumber)
            case "update.kind": return .text(r.kind)
            case "update.agency_reference": return r.agencyReference.map { .text($0) } ?? .absent
            case "update.effective_date": return .date(r.date)
            case "update.amount": return r.amount.map { .money($0) } ?? .absent
            case "update.reference": return .text(r.requestID)
            case "update.note": return (r.note ?? r.reason).map { .text($0) } ?? .absent
            default: return batch.value(path)
            }
        }
    }
}
