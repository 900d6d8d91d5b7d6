import Foundation
import HandoffTestSupport
import Testing

/// `docs/openapi.json` holds the API to its word: every documented operation of a running
/// `handoff serve` answers with a documented status, and its JSON body has exactly the fields
/// the schema names, of the types it names (no field missing, none undocumented).
@Suite("The API as docs/openapi.json describes it", .serialized)
struct OpenAPITests {
    static let token = "openapi-token-0123456789abcdef"

    func request(_ args: [String]) throws -> (status: Int, headers: String, body: String) { try curlRequest(args) }

    @Test(
        "The schemas refuse a missing field, an undocumented one, a wrong type, a bad date and a value outside an enum")
    func schemasCanFail() throws {
        let doc = try JSONValue.parse(
            String(contentsOf: Handoff.repositoryRoot.appendingPathComponent("docs/openapi.json"), encoding: .utf8))
        let schemas = OpenAPISchemas(document: doc)
        let job: JSONValue = .object(["$ref": .string("#/components/schemas/Job")])
        let good = try JSONValue.parse(
            #"""
            {"job":"send","running":false,"last_ok":true,"last_summary":"nothing to send",\#
            "last_success":"2026-12-02T08:25:59Z"}
            """#
        )
        #expect(schemas.problems(good, job).isEmpty)
        for bad in [#"{"job":"send","running":false,"last_ok":true,"last_summary":"x"}"#,
                    #"{"job":"send","running":false,"last_ok":true,"last_summary":"x","last_success":null,"extra":1}"#,
                    #"{"job":"send","running":"false","last_ok":true,"last_summary":"x","last_success":null}"#,
                    #"""
                    {"job":"send","running":false,"last_ok":true,"last_summary":"x",\#
                    "last_success":"2026-12-02 08:25:59 +0000"}
                    """#,
                    #"{"job":"dance","running":false,"last_ok":true,"last_summary":"x","last_success":null}"#] {
            #expect(!schemas.problems(try JSONValue.parse(bad), job).isEmpty, "\(bad)")
        }
    }

    @Test("Every documented operation answers as documented, on an installation after a round trip and a recall")
    func answersMatchTheDescription() throws {
        let doc = try JSONValue.parse(
            String(contentsOf: Handoff.repositoryRoot.appendingPathComponent("docs/openapi.json"), encoding: .utf8))
        let schemas = OpenAPISchemas(document: doc)
        let install = try DashboardTests.roundTrip()
        let recall = try install.handoff(["recall", "B-2001", "--reason", "paid us directly"])
        #expect(recall.status == 0, "\(recall.stderr)")
        let serve = try RunningServe(install, token: Self.token)
        defer { serve.stop() }
        let base = serve.base

        // (method, path as documented, the concrete path asked, with the token)
        let calls: [(String, String, String, Bool)] = [
            ("get", "/healthz", "/healthz", false), ("get", "/readyz", "/readyz", false),
            ("get", "/metrics", "/metrics", false),
            ("get", "/api/v1/accounts", "/api/v1/accounts?limit=3&q=B-", true),
            ("get", "/api/v1/accounts", "/api/v1/accounts", false),
            ("get", "/api/v1/accounts/{number}", "/api/v1/accounts/B-2001", true),
            ("get", "/api/v1/accounts/{number}", "/api/v1/accounts/NOPE-1", true),
            ("get", "/api/v1/placements", "/api/v1/placements?limit=50", true),
            ("get", "/api/v1/outbox", "/api/v1/outbox", true), ("get", "/api/v1/outbox", "/api/v1/outbox", false),
            ("get", "/api/v1/inbox", "/api/v1/inbox?offset=1&limit=1", true),
            ("get", "/api/v1/remittances", "/api/v1/remittances", true),
            ("get", "/api/v1/requests", "/api/v1/requests", true),
            ("get", "/api/v1/credit-holds", "/api/v1/credit-holds", true),
            ("get", "/api/v1/jobs", "/api/v1/jobs", true),
            ("post", "/api/v1/jobs/{name}", "/api/v1/jobs/place?dry_run=true", true),
            ("post", "/api/v1/jobs/{name}", "/api/v1/jobs/dance", true),
            ("post", "/webhooks/{partner}", "/webhooks/nobody", false),
        ]
        var documentedSeen = Set<String>()
        for (method, documented, concrete, withToken) in calls {
            let operation = try #require(
                doc["paths"]?[documented]?[method], "\(method) \(documented) is not in docs/openapi.json")
            documentedSeen.insert("\(method) \(documented)")
            let r = try request(
                ["-X", method.uppercased()] + (withToken ? ["-H", "Authorization: Bearer \(Self.token)"] : []) + [
                    base + concrete
                ])
            guard var response = operation["responses"]?[String(r.status)] else {
                Issue.record("\(method.uppercased()) \(concrete) answered \(r.status), which is not documented")
                continue
            }
            if let ref = response["$ref"]?.string, let target = schemas.resolve(ref) { response = target }
            if let schema = response["content"]?["application/json"]?["schema"] {
                let body = try JSONValue.parse(r.body)
                let problems = schemas.problems(body, schema)
                #expect(problems.isEmpty, "\(method.uppercased()) \(concrete) (\(r.status)): \(problems)\n\(r.body)")
            }
            if r.status == 401 && documented.hasPrefix("/api/") {
                #expect(r.headers.lowercased().contains("www-authenticate: bearer realm=\"handoff\""), "\(r.headers)")
            }
        }
        // A viewer's token runs no job: the documented 403, in the one error shape. People are kept
        // only by the SQLite engine today (docs/operations.md).
        if install.engine == .sqlite {
            let added = try install.handoff(["people", "add", "reader", "--role", "viewer"])
            let viewer = try #require(added.stdout.split(separator: "\n").last.map(String.init), "\(added.stderr)")
            let refused = try request([
                "-X", "POST", "-H", "Authorization: Bearer \(viewer)", base + "/api/v1/jobs/fetch",
            ])
            var forbidden = try #require(
                doc["paths"]?["/api/v1/jobs/{name}"]?["post"]?["responses"]?["403"], "403 is documented")
            if let ref = forbidden["$ref"]?.string, let target = schemas.resolve(ref) { forbidden = target }
            let schema = try #require(forbidden["content"]?["application/json"]?["schema"])
            let refusedBody = try JSONValue.parse(refused.body)
            #expect(refused.status == 403 && schemas.problems(refusedBody, schema).isEmpty, "\(refused)")
        }
        // Every documented path was asked at least once.
        if case .object(let paths)? = doc["paths"] {
            for (path, methods) in paths {
                guard case .object(let ms) = methods else { continue }
                for method in ms.keys {
                    #expect(
                        documentedSeen.contains("\(method) \(path)"), "\(method) \(path) is documented but not checked")
                }
            }
        }
        // Paging: the next page holds the next rows, none twice, under the same total.
        for (path, key, size) in [("/api/v1/placements", "placements", 2), ("/api/v1/inbox", "inbox", 1)] {
            func ids(_ offset: Int) throws -> (ids: [Int], total: Int?) {
                let r = try request([
                    "-H", "Authorization: Bearer \(Self.token)", base + "\(path)?limit=\(size)&offset=\(offset)",
                ])
                let body = try decodeJSON(r.body) as? [String: Any]
                return (
                    ((body?[key] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? Int }, body?["total"] as? Int
                )
            }
            let first = try ids(0), second = try ids(size)
            #expect(first.ids.count == size && !second.ids.isEmpty && Set(first.ids).isDisjoint(with: second.ids)
                        && first.total == second.total && (first.total ?? 0) > size, "\(path): \(first) then \(second)")
        }
        // A path no route knows, and a method a route does not take, answer in the one error shape too.
        for (method, path) in [
            ("GET", "/api/v1/nothing-here"), ("GET", "/api/v1/accounts/B-2001/nothing"), ("DELETE", "/api/v1/jobs"),
        ] {
            let r = try request(["-X", method, "-H", "Authorization: Bearer \(Self.token)", base + path])
            let message = (try? JSONValue.parse(r.body))?["error"]?["message"]?.string
            #expect(r.status >= 400 && message?.isEmpty == false, "\(method) \(path): \(r.status) \(r.body)")
        }
        // The account's request appears, typed as described.
        let account = try request(["-H", "Authorization: Bearer \(Self.token)", base + "/api/v1/accounts/B-2001"])
        #expect(account.body.contains(#""kind":"recall""#), "\(account.body)")
    }
}
