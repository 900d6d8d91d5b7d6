import Foundation
import HandoffConfig
import HandoffDomain
import HandoffOutbox
import HandoffPartners
import HandoffPlacement
import HandoffReconciliation
import HandoffStore
import HandoffTransport
import HTTPTypes
import Hummingbird
import Logging
import Mustache
import NIOPosix

/// The business owner's dashboard at `/`: server-rendered HTML behind the API tokens.
///
/// A person logs in once with their token, or the installation's own (a form; the answer is a
/// `Secure`, `HttpOnly`, `SameSite=Strict` session cookie that names them and does not contain
/// the token) and then sees the overview, accounts, agencies, files and placements. Each request
/// reads who they are and their role afresh, so a revoked token or a new role holds at once.
/// Every form that changes something carries a CSRF token and needs a role that may do it (a
/// viewer only reads; the page says why when refused); every action is a POST followed by a
/// redirect, so reloading a page never repeats it, and is audited and logged under the person's
/// name. Pages allow no script and no inline style (content security policy).
struct Dashboard: Sendable {
    let config: HandoffConfig
    let store: any CompleteStore
    let jobs: Jobs
    let session: DashboardSession
    let library: MustacheLibrary
    let directory: PeopleDirectory
    let logger: Logger

    init(config: HandoffConfig, store: any CompleteStore, jobs: Jobs, directory: PeopleDirectory, logger: Logger) throws
    {
        self.logger = logger
        self.config = config
        self.store = store
        self.jobs = jobs
        self.directory = directory
        session = try DashboardSession(keyFile: config.dataDirectory + "/dashboard-session.key")
        library = try DashboardTemplates.library()
    }

    private var pages: DashboardPages { DashboardPages(config: config, store: store) }

    func add(to router: Router<HandoffRequestContext>) {
        router.get("/assets/handoff.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=3600"],
                     body: .init(byteBuffer: ByteBuffer(string: DashboardTemplates.stylesheet)))
        }
        router.get("/login") { request, _ in
            if await signedIn(request) != nil { return redirect(to: "/") }
            return page(
                "login", ["next": safeNext(request.uri.queryParameters.get("next"))], request: request, cookie: nil)
        }
        router.post("/login") { request, context in
            let form = try await self.form(request)
            let next = safeNext(form["next"])
            let given = form["token"] ?? "", directory = self.directory
            guard !given.isEmpty, let caller = try await blocking({ try directory.caller(token: given) }) else {
                context.logger.warning("dashboard login refused: not this installation's token nor a person's")
                return page(
                    "login",
                    [
                        "next": next,
                        "error": "That token is not this installation’s API token nor a person’s (or it was revoked).",
                    ],
                            request: request, cookie: nil, status: .unauthorized)
            }
            context.logger.info(
                "dashboard login", metadata: ["person": "\(caller.name)", "role": "\(caller.role.rawValue)"])
            var response = redirect(to: next)
            response.setCookie(
                Cookie(
                    name: DashboardSession.cookieName,
                    value: session.issue(
                        for: caller.personID == nil ? directory.ownerSubject ?? "" : caller.sessionSubject,
                        now: Self.now()),
                                      maxAge: Int(DashboardSession.lifetime),
                                      path: "/", secure: true, httpOnly: true, sameSite: .strict))
            return response
        }
        router.post("/logout") { request, _ in
            try await action(request, needs: .read) { _ in
                var response = redirect(to: "/login")
                response.setCookie(
                    Cookie(
                        name: DashboardSession.cookieName, value: "", maxAge: 0, path: "/", secure: true,
                        httpOnly: true, sameSite: .strict))
                return response
            }
        }

        router.get("/") { request, _ in
            try await view(request) { _ in
                let jobRows = Unchecked(await jobRows())
                // `?month=YYYY-MM` shows another month's collections (a month-end close); this month by default.
                let month = request.uri.queryParameters.get("month").map { String($0) }.flatMap {
                    CalendarDate(iso: $0 + "-01") != nil ? $0 : nil
                }
                return ("overview", try await blocking { try pages.overview(jobs: jobRows.value, month: month) })
            }
        }
        router.get("/accounts") { request, _ in
            try await view(request) { _ in
                var parameters: [String: String] = [:]
                for name in ["q", "hold", "placed", "bucket", "sort"] {
                    if let value = request.uri.queryParameters.get(name) { parameters[name] = String(value) }
                }
                let query = DashboardPages.accountQuery(parameters, asOf: config.today())
                let page = Int(request.uri.queryParameters.get("page") ?? "") ?? 1
                return ("accounts", try await blocking { try pages.accounts(query, page: page) })
            }
        }
        // Recall, notify and clear from an account's page: the same decision and audit entry as
        // `handoff recall`, `notify` and `clear` (AccountRequests), with the person as the actor.
        router.post("/accounts/{number}/recall") { request, context in
            let form = try await self.form(request)
            return try await action(request, form: form, needs: .actOnAccounts) { signed in
                let number = context.parameters.get("number") ?? ""
                let reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                guard !reason.isEmpty else {
                    return flashRedirect(
                        to: accountPath(number), kind: "bad", "Say why the account is recalled (the agency reads it).")
                }
                let today = config.today()
                return try await accountRequest(number) { w in
                    try AccountRequests.recall(
                        account: number, reason: reason, actor: signed.caller.name, today: today, in: w)
                }
            }
        }
        router.post("/accounts/{number}/notify") { request, context in
            let form = try await self.form(request)
            return try await action(request, form: form, needs: .actOnAccounts) { signed in
                let number = context.parameters.get("number") ?? ""
                let note = (form["note"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                guard let notice = form["kind"].flatMap(AccountRequests.Notice.init(rawValue:)) else {
                    return flashRedirect(to: accountPath(number), kind: "bad", "Choose what to tell the agency.")
                }
                guard !note.isEmpty else {
                    return flashRedirect(
                        to: accountPath(number), kind: "bad", "Say in a few words what the business received.")
                }
                let today = config.today()
                return try await accountRequest(number) { w in
                    try AccountRequests.notify(
                        account: number, notice: notice, note: note, actor: signed.caller.name, today: today, in: w)
                }
            }
        }
        router.post("/accounts/{number}/clear") { request, context in
            let form = try await self.form(request)
            return try await action(request, form: form, needs: .actOnAccounts) { signed in
                let number = context.parameters.get("number") ?? ""
                let partner = form["partner"] ?? ""
                let agencies = PartnerLoader.loadAll(directory: config.partnersDirectory).partners.map(\.id)
                return try await accountRequest(number) { w in
                    try AccountRequests.clear(
                        account: number, partner: partner, agencies: agencies, actor: signed.caller.name, in: w)
                }
            }
        }
        router.get("/remittances") { request, _ in
            try await view(request) { _ in ("remittances", try await blocking { try pages.remittances() }) }
        }
        router.get("/requests") { request, _ in
            try await view(request) { _ in ("requests", try await blocking { try pages.requests() }) }
        }
        router.get("/worklist") { request, _ in
            try await view(request) { _ in ("worklist", try await blocking { try pages.worklist() }) }
        }
        router.get("/accounts/{number}") { request, context in
            let number = context.parameters.get("number") ?? ""
            return try await view(request) { _ in
                guard let account = try await blocking({ Unchecked(try pages.account(number: number)) }).value else {
                    return (
                        "message",
                        [
                            "heading": "No such account", "text": "There is no account “\(number)” in the AR record.",
                            "status": 404,
                        ]
                    )
                }
                return ("account", account)
            }
        }
        router.get("/agencies") { request, _ in
            try await view(request) { _ in
                let jobRows = Unchecked(await jobRows())
                return ("agencies", try await blocking { try pages.agencies(jobs: jobRows.value) })
            }
        }
        router.get("/files") { request, _ in
            try await view(request) { _ in ("files", try await blocking { try pages.files() }) }
        }
        router.get("/placements") { request, _ in
            try await view(request) { _ in ("placements", try await blocking { try pages.placements() }) }
        }
        router.post("/placements/preview") { request, _ in
            try await action(request, needs: .runJobs) { signed in
                let preview = try await jobs.preview()
                var context = try await blocking { try pages.placements() }
                context["preview"] = DashboardPages.preview(preview)
                return page("placements", context, request: request, cookie: signed)
            }
        }
        // A placement run places real accounts with agencies, so it is never one click: the
        // preview shows which accounts would go where, and its button confirms exactly that
        // many. When the accounts a run would place have changed since, nothing is placed and
        // the new preview is shown.
        router.post("/placements/run") { request, _ in
            let form = try await self.form(request)
            return try await action(request, form: form, needs: .runJobs) { signed in
                guard let expected = form["expected"].flatMap(Int.init) else {
                    return flashRedirect(
                        to: "/placements", kind: "bad", "Preview the placement run first, then confirm it.")
                }
                let preview = try await jobs.preview()
                guard preview.summary.placed == expected else {
                    var context = try await blocking { try pages.placements() }
                    context["preview"] = DashboardPages.preview(preview)
                    context["flash"] = [
                        "kind": "bad",
                        "text":
                            "The accounts to place changed since the preview "
                                + "(\(expected) then, \(preview.summary.placed) now); "
                                + "nothing was placed. Check the new preview, then confirm again."
                    ]
                    return page("placements", context, request: request, cookie: signed)
                }
                return await runJob(.place, back: "/placements", by: signed.caller)
            }
        }
        router.post("/jobs/{name}") { request, context in
            try await action(request, needs: .runJobs) { signed in
                guard let name = context.parameters.get("name").flatMap(Jobs.Name.init(rawValue:)) else {
                    return flashRedirect(to: "/", kind: "bad", "There is no such job.")
                }
                if name == .place {
                    return flashRedirect(
                        to: "/placements", kind: "",
                        "A placement run starts from its preview: press “Preview placement”, check the accounts, "
                            + "then confirm."
                    )
                }
                let back = name == .send || name == .fetch ? "/files" : (name == .terms ? "/" : "/placements")
                return await runJob(name, back: back, by: signed.caller)
            }
        }
        router.post("/events/{id}/retry") { request, context in
            try await action(request, needs: .resolveProblems) { signed in
                let actor = signed.caller.name
                return try await eventAction(context.parameters.get("id").flatMap(Int64.init)) { r, id in
                    try r.retryHeld(id: id, actor: actor)
                }
            }
        }
        router.post("/events/{id}/dismiss") { request, context in
            let form = try await self.form(request)
            return try await action(request, form: form, needs: .resolveProblems) { signed in
                let reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                guard !reason.isEmpty else {
                    return flashRedirect(to: "/files", kind: "bad", "Say why the event should never apply.")
                }
                let actor = signed.caller.name
                return try await eventAction(context.parameters.get("id").flatMap(Int64.init)) { r, id in
                    try r.dismissHeld(id: id, reason: reason, actor: actor)
                }
            }
        }
        router.post("/outbox/{id}/retry") { request, context in
            try await action(request, needs: .resolveProblems) { signed in
                guard let id = context.parameters.get("id").flatMap(Int64.init) else {
                    return flashRedirect(to: "/files", kind: "bad", "No such transfer.")
                }
                let actor = signed.caller.name
                let message: String = try await blocking {
                    switch try OutboxRetry.retry(id: id, actor: actor, in: store) {
                    case .retried:
                        return "Transfer #\(id) is back in line; it goes with the next send (or press “Send now”)."
                    case .noSuchTransfer: return "There is no transfer #\(id)."
                    case .refused(let reason): return "Transfer #\(id): \(reason)"
                    }
                }
                return flashRedirect(
                    to: "/files", kind: message.hasPrefix("Transfer #\(id) is back") ? "good" : "bad", message)
            }
        }
        addPeople(to: router)
    }

    // MARK: Account requests

    private func accountPath(_ number: String) -> String { "/accounts/" + DashboardPages.pathSegment(number) }

    /// Runs one of ``AccountRequests`` in a write transaction, then back to the account's page with what was done
    /// or why not.
    private func accountRequest(
        _ number: String, _ act: @escaping @Sendable (any ReconciliationWriting) throws -> String
    ) async throws -> Response {
        let store = self.store
        let outcome: Result<String, AccountRequests.Refusal> = try await blocking {
            do { return .success(try store.writeReconciliation(act)) } catch let refusal as AccountRequests.Refusal {
                return .failure(refusal)
            }
        }
        switch outcome {
        case .success(let message):
            return flashRedirect(
                to: accountPath(number), kind: "good",
                message.replacingOccurrences(
                    of: "`handoff send` delivers it",
                    with: "the next send delivers it (or press “Send now” on the Files page)"))
        case .failure(let refusal): return flashRedirect(to: accountPath(number), kind: "bad", refusal.description)
        }
    }

    // MARK: Held events

    /// Retries or dismisses a held agency event, then back to the files page with the outcome.
    private func eventAction(
        _ id: Int64?, _ act: @escaping @Sendable (Reconciliation, Int64) throws -> Reconciliation.Line
    ) async throws -> Response {
        guard let id else { return flashRedirect(to: "/files", kind: "bad", "No such event.") }
        let config = self.config, store = self.store
        let outcome: Result<Reconciliation.Line, ReconciliationError> = try await blocking {
            let reconciliation = Reconciliation(
                store: store, partners: try Jobs.partners(config), today: config.today())
            do { return .success(try act(reconciliation, id)) } catch let e as ReconciliationError {
                return .failure(e)
            }
        }
        switch outcome {
        case .failure(let e): return flashRedirect(to: "/files", kind: "bad", e.description)
        case .success(let line):
            let text =
                "Event #\(id) (\(line.account ?? line.key)): \(line.outcome)" + (line.reason.map { ": \($0)" } ?? "")
            return flashRedirect(to: "/files", kind: line.outcome == "held" ? "bad" : "good", text)
        }
    }

    // MARK: Jobs

    private func runJob(_ name: Jobs.Name, back: String, by caller: Caller) async -> Response {
        guard let outcome = await jobs.run(name, by: .dashboard, person: caller.name) else {
            return flashRedirect(
                to: back, kind: "bad", "The \(name.rawValue) job is already running; try again when it has finished.")
        }
        return flashRedirect(
            to: back, kind: outcome.ok ? "good" : "bad",
            (outcome.ok ? "Done: " : "Failed: ") + "\(name.rawValue): \(outcome.summary)")
    }

    private func jobRows() async -> [DashboardPages.Context] {
        var rows: [DashboardPages.Context] = []
        for name in Jobs.Name.allCases {
            let last = await jobs.last[name.rawValue]
            let success = await jobs.lastSuccess[name.rawValue]
            var row: DashboardPages.Context = [
                "name": name.rawValue, "last_run": last.map { Self.format($0.finishedAt) } ?? "not yet",
                "summary": last?.summary ?? "—", "last_success": success.map(Self.format) ?? "never",
                "button": Self.jobButton(name),
            ]
            if await jobs.isRunning(name) { row["summary"] = "running now…" }
            if let last, !last.ok { row["failed"] = true }
            rows.append(row)
        }
        return rows
    }

    static func format(_ date: Date) -> String { Advice.time(Int64(date.timeIntervalSince1970)) }

    /// The jobs table's button for a job.
    static func jobButton(_ name: Jobs.Name) -> String {
        switch name {
        case .place: return "Preview placement"
        case .send: return "Send now"
        case .fetch: return "Fetch now"
        case .dunning: return "Send reminders now"
        case .terms: return "Recall expired terms now"
        case .anchor: return "Anchor the audit chains now"
        }
    }

    // MARK: Sessions, forms, rendering

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

    /// A valid session and who holds it.
    struct SignedIn: Sendable {
        /// The session cookie's value.
        var cookie: String
        var caller: Caller
    }

    /// The session, when its cookie is valid and the person it names still has a working token
    /// (read afresh on every request, so that a revocation or a new role holds at once).
    func signedIn(_ request: Request) async -> SignedIn? {
        guard let value = request.cookies[DashboardSession.cookieName]?.value,
              let subject = session.subject(of: value, now: Self.now()) else { return nil }
        let directory = self.directory
        guard let caller = (try? await blocking({ try directory.caller(sessionSubject: subject) })) ?? nil else {
            return nil
        }
        return SignedIn(cookie: value, caller: caller)
    }

    /// A page that needs a session: without one, the login page (and back here after). A page
    /// above the person's role (`needs`) says why instead, with a 403.
    func view(_ request: Request, needs: Permission = .read,
              _ build: (SignedIn) async throws -> (String, DashboardPages.Context)) async throws -> Response {
        guard let cookie = await signedIn(request) else {
            let target = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
            var c = URLComponents(); c.path = "/login"; c.queryItems = [URLQueryItem(name: "next", value: target)]
            return redirect(to: c.string ?? "/login")
        }
        if let refusal = cookie.caller.refusal(needs) { return refused(refusal, request: request, signed: cookie) }
        do {
            let (template, context) = try await build(cookie)
            let status: HTTPResponse.Status = (context["status"] as? Int) == 404 ? .notFound : .ok
            return page(template, context, request: request, cookie: cookie, status: status)
        } catch {
            return page(
                "message", ["heading": "Something went wrong", "text": "\(error)"], request: request, cookie: cookie,
                status: .internalServerError)
        }
    }

    /// A form post that needs a session, this session's CSRF token, and a role that may do `needs`.
    func action(_ request: Request, needs: Permission, _ perform: (SignedIn) async throws -> Response) async throws
        -> Response
    {
        try await action(request, form: try await self.form(request), needs: needs, perform)
    }

    /// The same, with the form already read (a body can be read once).
    func action(_ request: Request, form: [String: String], needs: Permission,
                _ perform: (SignedIn) async throws -> Response) async throws -> Response {
        guard let cookie = await signedIn(request) else { return redirect(to: "/login") }
        guard session.isValidCSRF(form["csrf"], cookie: cookie.cookie) else {
            return page(
                "message",
                [
                    "heading": "Form expired",
                    "text": "That form was not from this session. Go back, reload the page and try again.",
                ],
                        request: request, cookie: cookie, status: .forbidden)
        }
        if let refusal = cookie.caller.refusal(needs) { return refused(refusal, request: request, signed: cookie) }
        do {
            let response = try await perform(cookie)
            if needs != .read {
                logger.info(
                    "dashboard action",
                    metadata: [
                        "person": "\(cookie.caller.name)", "role": "\(cookie.caller.role.rawValue)",
                        "path": "\(request.uri.path)", "status": .stringConvertible(response.status.code),
                    ])
            }
            return response
        } catch {
            return page(
                "message", ["heading": "Something went wrong", "text": "\(error)"], request: request, cookie: cookie,
                status: .internalServerError)
        }
    }

    /// A 403 page saying why a person's role does not allow what they asked, logged with their name.
    func refused(_ refusal: String, request: Request, signed: SignedIn) -> Response {
        logger.warning(
            "dashboard request refused: role too low",
            metadata: [
                "person": "\(signed.caller.name)", "role": "\(signed.caller.role.rawValue)",
                "path": "\(request.uri.path)"])
        return page(
            "message", ["heading": "Not allowed", "text": refusal], request: request, cookie: signed, status: .forbidden
        )
    }

    /// An `application/x-www-form-urlencoded` body as a dictionary (last value wins).
    func form(_ request: Request) async throws -> [String: String] {
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        var c = URLComponents()
        c.percentEncodedQuery = String(buffer: buffer).replacingOccurrences(of: "+", with: "%20")
        var out: [String: String] = [:]
        for item in c.queryItems ?? [] { out[item.name] = item.value ?? "" }
        return out
    }

    /// Only a path on this server (never `//host` or a full URL), so the login cannot redirect elsewhere.
    private func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.hasPrefix("/\\"), !next.contains("\r"),
            !next.contains("\n")
        else { return "/" }
        return next
    }

    func page(_ template: String, _ context: DashboardPages.Context, request: Request, cookie: SignedIn?,
              status: HTTPResponse.Status = .ok) -> Response {
        var context = context
        context["business"] = config.businessName
        context["as_of"] = config.today().iso
        if let cookie {
            context["loggedIn"] = true
            context["csrf"] = session.csrfToken(for: cookie.cookie)
            // Who is signed in, and which of the page's buttons their role may press (the routes check again).
            context["person"] = cookie.caller.name
            context["role"] = cookie.caller.role.rawValue
            context["can_run"] = cookie.caller.role.allows(.runJobs)
            context["can_act"] = cookie.caller.role.allows(.actOnAccounts)
            context["can_resolve"] = cookie.caller.role.allows(.resolveProblems)
            context["is_admin"] = cookie.caller.role.allows(.managePeople)
        }
        var clearFlash = false
        if context["flash"] == nil, let flash = request.cookies[Self.flashCookie]?.value,
            let decoded = Self.decodeFlash(flash)
        {
            context["flash"] = decoded
            clearFlash = true
        }
        let html = library.render(context, withTemplate: template) ?? "template \(template) is missing"
        var response = Response(
            status: status, headers: Self.htmlHeaders, body: .init(byteBuffer: ByteBuffer(string: html)))
        if clearFlash {
            response.setCookie(
                Cookie(
                    name: Self.flashCookie, value: "", maxAge: 0, path: "/", secure: true, httpOnly: true,
                    sameSite: .strict))
        }
        return response
    }

    static let htmlHeaders: HTTPFields = [
        .contentType: "text/html; charset=utf-8",
        .contentSecurityPolicy:
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                + "base-uri 'none'",
        .xContentTypeOptions: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "same-origin",
        HTTPField.Name("X-Frame-Options")!: "DENY",
        .cacheControl: "no-store",
    ]

    func redirect(to location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    // MARK: Flash messages (one message carried across a redirect in a short-lived cookie)

    static let flashCookie = "handoff_flash"

    func flashRedirect(to location: String, kind: String, _ text: String) -> Response {
        var response = redirect(to: location)
        let json =
            (try? JSONSerialization.data(withJSONObject: ["kind": kind, "text": String(text.prefix(1500))])) ?? Data()
        let value = json.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(
            of: "/", with: "_"
        ).replacingOccurrences(of: "=", with: "")
        response.setCookie(
            Cookie(
                name: Self.flashCookie, value: value, maxAge: 60, path: "/", secure: true, httpOnly: true,
                sameSite: .strict))
        return response
    }

    static func decodeFlash(_ value: String) -> [String: String]? {
        var b64 = value.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: String],
            let text = object["text"], let kind = object["kind"], ["good", "bad", ""].contains(kind)
        else { return nil }
        return ["kind": kind, "text": text]
    }
}

/// Builds a page's context on ``BlockingWork/requests``.
func blocking(_ work: @escaping @Sendable () throws -> DashboardPages.Context) async throws -> DashboardPages.Context {
    try await BlockingWork.requests.runIfActive { Unchecked(try work()) }.value
}

/// A page context crossing to a pool thread and back. Contexts hold only values (strings,
/// numbers, booleans, and arrays and dictionaries of them), built by one task and read by the
/// same task after it, so nothing is shared while it is mutated.
struct Unchecked<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}
