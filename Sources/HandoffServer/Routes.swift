import Foundation
import HandoffConfig
import HandoffDomain
import HandoffIntake
import HandoffOutbox
import HandoffPartners
import HandoffSQLite
import HandoffStore
import HandoffTransport
import Hummingbird

/// The HTTP routes: `/healthz` and `/readyz` open; everything under `/api/v1` behind the bearer
/// token (compared in constant time); `/webhooks/{partner}` verified by the partner's own
/// signing scheme.
struct Routes: Sendable {
    let config: HandoffConfig
    let store: SQLiteARStore
    let jobs: Jobs
    let token: String
    let metrics: ServerMetrics

    func add(to router: Router<BasicRequestContext>) {
        router.get("/healthz") { _, _ in Self.json(["status": "ok"]) }
        router.get("/metrics") { _, _ in
            let text = (try? metrics.render(store)) ?? ""
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/readyz") { _, _ in
            do {
                _ = try store.read { try $0.counts() }
                return Self.json(["status": "ready"])
            } catch {
                return Self.json(["status": "not ready", "error": "\(error)"], status: .serviceUnavailable)
            }
        }

        let api = router.group("api/v1")
        api.get("accounts") { request, _ in
            try authorize(request)
            let limit = min(Int(request.uri.queryParameters.get("limit") ?? "") ?? 100, 1000)
            let offset = Int(request.uri.queryParameters.get("offset") ?? "") ?? 0
            let search = request.uri.queryParameters.get("q").map { String($0) }
            let asOf = config.today()
            let (total, page) = try store.read { try $0.accounts(matching: search, offset: max(offset, 0), limit: max(limit, 0)) }
            let rows: [[String: Any]] = page.map { s in
                let pastDue = PastDue(oldestOpenDueDate: s.oldestOpenDueDate, asOf: asOf)
                return ["account_number": s.profile.accountNumber, "name": s.profile.displayName, "currency": s.balance.currency.code,
                        "balance": s.balance.minorUnits, "days_past_due": pastDue.days, "aging_bucket": pastDue.bucket.rawValue]
            }
            return Self.json(["accounts": rows, "offset": offset, "limit": limit, "total": total])
        }
        api.get("accounts/{number}") { request, context in
            try authorize(request)
            let number = context.parameters.get("number") ?? ""
            let view = try store.readReconciliation { r -> [String: Any]? in
                guard let customer = try r.customer(accountNumber: number) else { return nil }
                return [
                    "account_number": number, "name": customer.profile.displayName, "currency": customer.profile.currency.code,
                    "invoices": try r.invoices(customerID: customer.id).map {
                        ["invoice_number": $0.terms.invoiceNumber, "due_date": $0.terms.dueDate.iso, "amount": $0.terms.amount.minorUnits, "balance": $0.balance]
                    },
                    "ledger": try r.ledger(customerID: customer.id).map {
                        ["date": $0.effectiveDate.iso, "kind": $0.kind.rawValue, "amount": $0.amount.minorUnits, "source": $0.source.label]
                    },
                    "placements": try r.placements(customerID: customer.id).map { ["partner": $0.partnerID, "state": $0.state.name] },
                    "events": try r.agencyEvents(accountNumber: number).map { ["partner": $0.partnerID, "kind": $0.kind, "state": $0.state] },
                ]
            }
            guard let view else { return Self.json(["error": "no account '\(number)'"], status: .notFound) }
            return Self.json(view)
        }
        api.get("placements") { request, _ in
            try authorize(request)
            let batches = try store.readPlacements { try $0.batches() }.map {
                ["id": $0.id, "partner": $0.partnerID, "file": $0.fileName, "state": $0.state, "accounts": $0.accounts] as [String: Any]
            }
            return Self.json(["batches": batches])
        }
        api.get("outbox") { request, _ in
            try authorize(request)
            let rows = try store.readOutbox { try $0.outbox() }.map {
                ["id": $0.id, "partner": $0.partnerID, "remote_name": $0.remoteName, "state": $0.transfer.state.name, "attempts": $0.transfer.attempts,
                 "last_error": $0.lastError as Any, "sha256": $0.sha256, "size": $0.size] as [String: Any]
            }
            return Self.json(["outbox": rows])
        }
        api.get("inbox") { request, _ in
            try authorize(request)
            let rows = try store.readInbox { try $0.inbox() }.map {
                ["id": $0.id, "partner": $0.partnerID, "name": $0.remoteName, "kind": $0.kind, "state": $0.state, "reason": $0.reason as Any] as [String: Any]
            }
            return Self.json(["inbox": rows])
        }
        api.get("remittances") { request, _ in
            try authorize(request)
            let rows = try store.readReconciliation { try $0.remittances() }.map {
                ["partner": $0.partnerID, "key": $0.key, "state": $0.state, "net": $0.net, "amount": $0.amount] as [String: Any]
            }
            return Self.json(["remittances": rows])
        }
        api.get("jobs") { request, _ in
            try authorize(request)
            var rows: [[String: Any]] = []
            for name in Jobs.Name.allCases {
                let last = await jobs.last[name.rawValue]
                rows.append(["job": name.rawValue, "running": await jobs.isRunning(name), "last_ok": last?.ok as Any,
                             "last_summary": last?.summary as Any, "last_success": await jobs.lastSuccess[name.rawValue].map { "\($0)" } as Any])
            }
            return Self.json(["jobs": rows])
        }
        api.post("jobs/{name}") { request, context in
            try authorize(request)
            guard let name = context.parameters.get("name").flatMap({ Jobs.Name(rawValue: $0) }) else {
                return Self.json(["error": "no such job (place, send, fetch)"], status: .notFound)
            }
            let dryRun = request.uri.queryParameters.get("dry_run") == "true"
            guard let outcome = await jobs.run(name, dryRun: dryRun) else {
                return Self.json(["error": "\(name.rawValue) is already running"], status: .conflict)
            }
            return Self.json(["job": outcome.job, "ok": outcome.ok, "summary": outcome.summary, "dry_run": dryRun], status: outcome.ok ? .ok : .internalServerError)
        }

        router.post("webhooks/{partner}") { request, context in
            let id = context.parameters.get("partner") ?? ""
            let (partners, _) = PartnerLoader.loadAll(directory: config.partnersDirectory)
            guard let partner = partners.first(where: { $0.id == id }) else { return Self.json(["error": "unknown partner"], status: .notFound) }
            let body = Array(buffer: try await request.body.collect(upTo: 1 << 20))
            let factory = TransportFactory(root: config.root)
            guard let signing = try? factory.webhookSigning(for: partner) else {
                return Self.json(["error": "\(id) has no webhook signing configured"], status: .notFound)
            }
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let path = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
            guard signing.verify(method: "POST", path: path, body: body, headers: headers, now: Int64(Date().timeIntervalSince1970)) else {
                return Self.json(["error": "bad signature or timestamp"], status: .unauthorized)
            }
            let new = try EventFeed(store: store, factory: factory, dataDirectory: config.dataDirectory).receive(body, partner: partner)
            return Self.json(["stored": new])
        }
    }

    /// Refuses a request without the right bearer token (compared in constant time).
    func authorize(_ request: Request) throws {
        let given = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil } ?? ""
        guard constantTimeEquals(given, token) else { throw HTTPError(.unauthorized, message: "a valid bearer token is required") }
    }

    static func json(_ object: Any, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
