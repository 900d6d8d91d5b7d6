import Foundation
import HandoffAgencyLink
import HandoffConfig
import HandoffDomain
import HandoffDunning
import HandoffIntake
import HandoffOutbox
import HandoffPartners
import HandoffStore
import HandoffTransport
import Hummingbird
import Logging

/// The HTTP routes: `/healthz`, `/readyz` and `/metrics` open; everything under `/api/v1`
/// behind a bearer token (``BearerTokenMiddleware`` on the group: the installation's own token or
/// a person's), reads for every role and jobs for operators and admins; `/webhooks/{partner}`
/// verified by the partner's own signing scheme. Every handler's database work runs on
/// ``BlockingWork/requests``.
struct Routes: Sendable {
    let config: HandoffConfig
    let store: any CompleteStore
    let jobs: Jobs
    let directory: PeopleDirectory
    let metrics: ServerMetrics

    func add(to router: Router<HandoffRequestContext>) {
        router.get("/healthz") { _, _ in Self.json(["status": "ok"]) }
        router.get("/metrics") { request, _ in
            // Money only for a scrape with a valid token (any role); the job and file counters for anyone.
            let given = BearerTokenMiddleware.bearer(request)
            var caller: Caller?
            if !given.isEmpty { caller = (try? await blocking { try directory.caller(token: given) }) ?? nil }
            let withMoney = caller != nil
            let text = (try? await blocking { try metrics.render(money: withMoney ? store : nil) }) ?? ""
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/readyz") { _, _ in
            do {
                // One primary-key lookup: it proves the database answers, at the same cost on any size of ledger.
                _ = try await blocking { try store.read { try $0.customer(id: 0) } }
                return Self.json(["status": "ready"])
            } catch {
                return Self.json(
                    ["status": "not ready", "error": ["message": JSONBody("\(error)")]], status: .serviceUnavailable)
            }
        }

        let api = router.group("api/v1").add(middleware: BearerTokenMiddleware(directory: directory))
        api.get("accounts") { request, _ in
            let limit = min(Int(request.uri.queryParameters.get("limit") ?? "") ?? 100, 1000)
            let offset = Int(request.uri.queryParameters.get("offset") ?? "") ?? 0
            let search = request.uri.queryParameters.get("q").map { String($0) }
            let asOf = config.today()
            let (total, page) = try await blocking {
                try store.read { try $0.accounts(matching: search, offset: max(offset, 0), limit: max(limit, 0)) }
            }
            let rows: [JSONBody] = page.map { s in
                let pastDue = PastDue(oldestOpenDueDate: s.oldestOpenDueDate, asOf: asOf)
                return ["account_number": JSONBody(s.profile.accountNumber), "name": JSONBody(s.profile.displayName),
                        "currency": JSONBody(s.balance.currency.code), "balance": JSONBody(s.balance.minorUnits),
                        "days_past_due": JSONBody(pastDue.days), "aging_bucket": JSONBody(pastDue.bucket.rawValue)]
            }
            return Self.json([
                "accounts": JSONBody(rows), "offset": JSONBody(offset), "limit": JSONBody(limit),
                "total": JSONBody(total),
            ])
        }
        api.get("accounts/{number}") { request, context in
            let number = context.parameters.get("number") ?? ""
            let view = try await blocking { try store.readReconciliation { r -> JSONBody? in
                guard let customer = try r.customer(accountNumber: number) else { return nil }
                return [
                        "account_number": JSONBody(number), "name": JSONBody(customer.profile.displayName),
                        "currency": JSONBody(customer.profile.currency.code),
                    "invoices": JSONBody(try r.invoices(customerID: customer.id).map {
                        ["invoice_number": JSONBody($0.terms.invoiceNumber), "due_date": JSONBody($0.terms.dueDate.iso),
                         "amount": JSONBody($0.terms.amount.minorUnits), "balance": JSONBody($0.balance)]
                    }),
                    "ledger": JSONBody(LedgerEntry.inDateOrder(try r.ledger(customerID: customer.id)).map {
                                [
                                    "date": JSONBody($0.effectiveDate.iso), "kind": JSONBody($0.kind.rawValue),
                                    "amount": JSONBody($0.amount.minorUnits),
                         "source": JSONBody($0.source.label)]
                    }),
                    "placements": JSONBody(try r.placements(customerID: customer.id).map {
                                [
                                    "partner": JSONBody($0.partnerID), "state": JSONBody($0.state.name),
                                    "closure_reason": JSONBody($0.closureReason?.rawValue),
                         "agency_status": JSONBody($0.agencyStatus)]
                    }),
                    "events": JSONBody(try r.agencyEvents(accountNumber: number).map {
                                [
                                    "partner": JSONBody($0.partnerID), "kind": JSONBody($0.kind),
                                    "state": JSONBody($0.state.rawValue),
                                ]
                    }),
                    "requests": JSONBody(try r.requests(customerID: customer.id).map(Self.request)),
                ]
            } }
            guard let view else { return Self.error("no account '\(number)'", status: .notFound) }
            return Self.json(view)
        }
        api.get("requests") { request, _ in
            let rows = try await blocking { try store.readReconciliation { try $0.requests(state: nil) } }.map(
                Self.request)
            return Self.json(["requests": JSONBody(rows)])
        }
        api.get("placements") { request, _ in
            let limit = min(Int(request.uri.queryParameters.get("limit") ?? "") ?? 100, 1000)
            let offset = Int(request.uri.queryParameters.get("offset") ?? "") ?? 0
            let (batches, placements) = try await blocking {
                try store.readPlacements { r in
                    (try r.batches(), try r.placements(offset: max(offset, 0), limit: max(limit, 0)))
                }
            }
            let (total, page) = placements
            let batchRows = batches.map {
                [
                    "id": JSONBody($0.id), "partner": JSONBody($0.partnerID), "file": JSONBody($0.fileName),
                    "state": JSONBody($0.state.rawValue),
                 "accounts": JSONBody($0.accounts)] as JSONBody
            }
            let placementRows = page.map {
                [
                    "id": JSONBody($0.id), "account_number": JSONBody($0.accountNumber),
                    "partner": JSONBody($0.partnerID), "tier": JSONBody($0.tier),
                    "batch_id": JSONBody($0.batchID), "state": JSONBody($0.state.name),
                    "closure_reason": JSONBody($0.closureReason?.rawValue),
                    "agency_status": JSONBody($0.agencyStatus), "agency_reference": JSONBody($0.agencyReference),
                    "placed_on": JSONBody($0.placedOn.iso),
                 "balance": JSONBody($0.balance.minorUnits), "currency": JSONBody($0.balance.currency.code)] as JSONBody
            }
            return Self.json([
                "batches": JSONBody(batchRows), "placements": JSONBody(placementRows), "offset": JSONBody(offset),
                "limit": JSONBody(limit), "total": JSONBody(total)])
        }
        api.get("outbox") { request, _ in
            let rows = try await blocking { try store.readOutbox { try $0.outbox() } }.map {
                [
                    "id": JSONBody($0.id), "partner": JSONBody($0.partnerID), "remote_name": JSONBody($0.remoteName),
                    "state": JSONBody($0.transfer.state.name),
                    "attempts": JSONBody($0.transfer.attempts), "last_error": JSONBody($0.lastError),
                    "sha256": JSONBody($0.sha256),
                 "size": JSONBody($0.size)] as JSONBody
            }
            return Self.json(["outbox": JSONBody(rows)])
        }
        api.get("inbox") { request, _ in
            let limit = min(Int(request.uri.queryParameters.get("limit") ?? "") ?? 100, 1000)
            let offset = Int(request.uri.queryParameters.get("offset") ?? "") ?? 0
            let all = try await blocking { try store.readInbox { try $0.inbox() } }
            let page = all.dropFirst(max(offset, 0)).prefix(max(limit, 0))
            let rows = page.map {
                [
                    "id": JSONBody($0.id), "partner": JSONBody($0.partnerID), "name": JSONBody($0.remoteName),
                    "kind": JSONBody($0.kind),
                 "state": JSONBody($0.state.rawValue), "reason": JSONBody($0.reason)] as JSONBody
            }
            return Self.json([
                "inbox": JSONBody(Array(rows)), "offset": JSONBody(offset), "limit": JSONBody(limit),
                "total": JSONBody(all.count),
            ])
        }
        api.get("remittances") { request, _ in
            let rows = try await blocking { try store.readReconciliation { try $0.remittances() } }.map {
                [
                    "partner": JSONBody($0.partnerID), "key": JSONBody($0.key), "state": JSONBody($0.state),
                    "net": JSONBody($0.net),
                    "amount": JSONBody($0.amount), "commission": JSONBody($0.commission),
                    "currency": $0.currency.map { JSONBody($0) } ?? .null,
                 "period": $0.period.map { JSONBody($0) } ?? .null] as JSONBody
            }
            return Self.json(["remittances": JSONBody(rows)])
        }
        api.get("credit-holds") { request, _ in
            // The accounts that should not buy on open terms today, for the ordering system.
            let day = config.today()
            let entries = try await blocking {
                try CreditHoldList.current(store: store, rules: config.creditHold.rules, asOf: day)
            }
            let rows = entries.map { e -> JSONBody in
                ["account_number": JSONBody(e.account_number), "name": JSONBody(e.name), "since": JSONBody(e.since),
                 "past_due": JSONBody(e.past_due), "currency": JSONBody(e.currency),
                 "reasons": JSONBody(e.reasons.map { ["reason": JSONBody($0.reason), "since": JSONBody($0.since),
                                                      "detail": JSONBody($0.detail)] as JSONBody })]
            }
            return Self.json(["as_of": JSONBody(day.iso), "credit_holds": JSONBody(rows)])
        }
        api.get("jobs") { request, _ in
            var rows: [JSONBody] = []
            for name in Jobs.Name.allCases {
                let last = await jobs.last[name.rawValue]
                rows.append([
                    "job": JSONBody(name.rawValue), "running": JSONBody(await jobs.isRunning(name)),
                    "last_ok": JSONBody(last?.ok),
                    "last_summary": JSONBody(last?.summary),
                    "last_success": JSONBody(await jobs.lastSuccess[name.rawValue].map(rfc3339)),
                ])
            }
            return Self.json(["jobs": JSONBody(rows)])
        }
        api.post("jobs/{name}") { request, context in
            let caller = try context.require(.runJobs)
            guard let name = context.parameters.get("name").flatMap({ Jobs.Name(rawValue: $0) }) else {
                return Self.error("no such job (place, send, fetch, dunning, terms, anchor)", status: .notFound)
            }
            let dryRun = request.uri.queryParameters.get("dry_run") == "true"
            guard let outcome = await jobs.run(name, dryRun: dryRun, by: .api, person: caller.name) else {
                return Self.error(
                    "\(name.rawValue) is already running, here or in another Handoff process on this record",
                    status: .conflict)
            }
            return Self.json(
                [
                    "job": JSONBody(outcome.job), "ok": JSONBody(outcome.ok), "summary": JSONBody(outcome.summary),
                    "dry_run": JSONBody(dryRun),
                ],
                             status: outcome.ok ? .ok : .internalServerError)
        }

        router.post("webhooks/{partner}") { request, context in
            let id = context.parameters.get("partner") ?? ""
            let (partners, _) = try await blocking { PartnerLoader.loadAll(directory: config.partnersDirectory) }
            guard let partner = partners.first(where: { $0.id == id }) else {
                return Self.error("unknown partner", status: .notFound)
            }
            let body = Array(buffer: try await request.body.collect(upTo: 1 << 20))
            let factory = TransportFactory(root: config.root)
            guard let signing = try? factory.webhookSigning(for: partner) else {
                return Self.error("\(id) has no webhook signing configured", status: .notFound)
            }
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let path = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
            guard
                signing.verify(
                    method: "POST", path: path, body: body, headers: headers, now: Int64(Date().timeIntervalSince1970))
            else {
                return Self.error(
                    "bad signature or timestamp", status: .unauthorized,
                    headers: [.wwwAuthenticate: "Signature realm=\"handoff-webhooks\""])
            }
            let new = try await blocking {
                try EventFeed(store: store, factory: factory, dataDirectory: config.dataDirectory).receive(
                    body, partner: partner)
            }
            return Self.json(["stored": JSONBody(new)])
        }
    }

    /// A request to an agency as the API shows it (money in minor units beside its currency).
    static func request(_ r: AgencyRequestRecord) -> JSONBody {
        [
            "partner": JSONBody(r.partnerID), "account_number": JSONBody(r.accountNumber), "kind": JSONBody(r.kind),
            "request_id": JSONBody(r.requestID),
            "amount": r.amount.map { JSONBody($0.minorUnits) } ?? .null,
            "currency": r.amount.map { JSONBody($0.currency.code) } ?? .null,
            "date": JSONBody(r.date.iso), "state": JSONBody(r.state.rawValue),
            "last_error": r.lastError.map { JSONBody($0) } ?? .null,
        ]
    }

    static func json(_ body: JSONBody, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var buffer = ByteBuffer()
        body.write(into: &buffer)
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: buffer))
    }

    /// Every error the API answers has one shape, the one Hummingbird gives its own errors
    /// (a 401 from ``BearerTokenMiddleware``, a 404 for an unknown route):
    /// `{"error": {"message": "…"}}`.
    static func error(_ message: String, status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        json(["error": ["message": JSONBody(message)]], status: status, headers: headers)
    }
}

/// Refuses every request of the group it is added to unless it carries a valid token as
/// `Authorization: Bearer TOKEN`: the installation's own (the admin "owner", compared in constant
/// time) or a person's whose token is not revoked (``PeopleDirectory``). The caller goes into the
/// context, and their name into every log line of the request (never the token).
struct BearerTokenMiddleware: RouterMiddleware {
    typealias Context = HandoffRequestContext
    let directory: PeopleDirectory

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let given = Self.bearer(request)
        let directory = self.directory
        let caller = given.isEmpty ? nil : try await blocking { try directory.caller(token: given) }
        guard let caller else {
            context.logger.warning(
                "API request refused: no valid bearer token", metadata: ["path": "\(request.uri.path)"])
            throw HTTPError(
                .unauthorized, headers: [.wwwAuthenticate: "Bearer realm=\"handoff\""],
                message: "a valid bearer token is required")
        }
        var context = context
        context.caller = caller
        context.logger[metadataKey: "person"] = "\(caller.name)"
        return try await next(request, context)
    }

    /// The token of `Authorization: Bearer TOKEN`, or "" when there is none.
    static func bearer(_ request: Request) -> String {
        request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil } ?? ""
    }
}

/// Gives every error without words of its own (a 404 for a path no route knows, a 405) the one
/// error shape of the API, `{"error": {"message": "…"}}`, with the reason in words. Added to the
/// whole router, so that it answers for paths no route matched as well.
struct ErrorShapeMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch var error as HTTPError where error.body == nil {
            error.body =
                error.status == .notFound ? "nothing is at \(request.uri.path)" : error.status.reasonPhrase.lowercased()
            throw error
        }
    }
}

