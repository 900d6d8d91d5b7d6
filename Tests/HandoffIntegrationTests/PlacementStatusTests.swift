import Foundation
import HandoffTestSupport
import Testing

/// Why a placement closed and the agency's live status code, after the quick start's round trip
/// with the example agency (sample-data/agency-returns): A-1001 paid (`PAID`, closed paid in
/// full), B-2016 returned (`UNCOLLECTABLE`, closed returned uncollectable), B-2010 on a plan
/// (`PLAN`, still active), A-1013 bankrupt (`BANKRUPT`, still active), B-2014 rejected (neither).
@Suite("Placement closure reasons and agency statuses", .serialized)
struct PlacementStatusTests {
    static let token = "placement-status-token-0123456789"

    /// The quick start's round trip with the example agency (the dashboard test's).
    static func roundTrip() throws -> Installation { try DashboardTests.roundTrip() }

    /// Account number → "state closure_reason agency_status" ("-" for an absent field).
    static func summary(_ placements: [[String: Any]], key: String = "account_number") -> [String: String] {
        Dictionary(uniqueKeysWithValues: placements.map { p in
                (
                    p[key] as? String ?? "?",
                    ["state", "closure_reason", "agency_status"].map { p[$0] as? String ?? "-" }.joined(separator: " ")
                )
        })
    }

    static let expected = [
        "A-1001": "closed paid_in_full PAID",
        "B-2016": "closed returned_uncollectable UNCOLLECTABLE",
        "B-2010": "active - PLAN",
        "A-1013": "active - BANKRUPT",
        "B-2014": "rejected - -",
        "A-1005": "accepted - -",
    ]

    @Test(
        """
        handoff placements and account show give each placement's closure reason and the agency's status, \
        in text and JSON
        """
    )
    func commandLine() throws {
        let install = try Self.roundTrip()

        let json = try install.handoff(["placements", "--json"])
        try #require(json.status == 0, "\(json.stderr)")
        let all = try #require((try decodeJSON(json.stdout) as? [String: Any])?["placements"] as? [[String: Any]])
        let byAccount = Self.summary(all)
        for (account, want) in Self.expected { #expect(byAccount[account] == want, "\(account)") }

        let text = try install.handoff(["placements"]).stdout
        let line = { (account: String) in
            text.split(separator: "\n").first { $0.contains(account) }.map(String.init) ?? ""
        }
        #expect(line("A-1001").hasSuffix("batch #1  (paid in full; agency status PAID)"), "\(line("A-1001"))")
        #expect(
            line("B-2016").hasSuffix("batch #1  (returned uncollectable; agency status UNCOLLECTABLE)"),
            "\(line("B-2016"))")
        #expect(line("B-2010").hasSuffix("batch #1  (agency status PLAN)"), "\(line("B-2010"))")
        #expect(line("B-2014").hasSuffix("batch #1"), "\(line("B-2014"))")

        let shown = try #require(
            try decodeJSON(install.handoff(["account", "show", "B-2016", "--json"]).stdout) as? [String: Any])
        let placements = try #require(shown["placements"] as? [[String: Any]])
        #expect(placements.count == 1)
        #expect(placements.first?["closure_reason"] as? String == "returned_uncollectable")
        #expect(placements.first?["agency_status"] as? String == "UNCOLLECTABLE")
        let open = try #require(
            try decodeJSON(install.handoff(["account", "show", "B-2010", "--json"]).stdout) as? [String: Any])
        let plan = try #require((open["placements"] as? [[String: Any]])?.first)
        #expect(plan["closure_reason"] == nil)
        #expect(plan["agency_status"] as? String == "PLAN")
        let a1001 = try install.handoff(["account", "show", "A-1001"]).stdout
        #expect(a1001.contains("ref LF-000101  (paid in full; agency status PAID)"), "\(a1001)")
    }

    func curl(_ args: [String]) throws -> (status: Int, body: String) {
        let r = try shell("/usr/bin/curl", ["-s", "-w", "\n%{http_code}"] + args)
        let lines = r.output.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    @Test(
        """
        The API's placements and account answers and the dashboard's account page show them; the dashboard \
        shows money in event reasons as money
        """
    )
    func apiAndDashboard() throws {
        let install = try Self.roundTrip()
        // A reason as reconciliation wrote it before issue 12, in bare minor units.
        try install.sqlExecute(
            "UPDATE agency_events SET reason = 'commission reported 1000, schedule gives 20825' "
                + "WHERE event_key = 'payment:LF-T0001'"
        )
        let serve = try RunningServe(install, token: Self.token)
        defer { serve.stop() }
        let base = serve.base
        let bearer = ["-H", "Authorization: Bearer \(Self.token)"]

        // GET /api/v1/placements: the batches, and the placements paged (16 in the sample's batch).
        let page = try curl(bearer + [base + "/api/v1/placements?limit=100"])
        try #require(page.status == 200, "\(page.body)")
        let answer = try #require(try decodeJSON(page.body) as? [String: Any])
        #expect(answer["total"] as? Int == 16)
        #expect((answer["batches"] as? [[String: Any]])?.count == 1)
        let listed = try #require(answer["placements"] as? [[String: Any]])
        let byAccount = Self.summary(listed)
        for (account, want) in Self.expected { #expect(byAccount[account] == want, "\(account)") }
        let a1001 = try #require(listed.first { $0["account_number"] as? String == "A-1001" })
        #expect(
            a1001["balance"] as? Int == 83300 && a1001["currency"] as? String == "CAD"
                && a1001["agency_reference"] as? String == "LF-000101")
        #expect(page.body.contains("\"closure_reason\":null"), "an open placement says so: \(page.body)")
        let second = try #require(
            try decodeJSON(try curl(bearer + [base + "/api/v1/placements?limit=5&offset=15"]).body) as? [String: Any])
        #expect((second["placements"] as? [[String: Any]])?.count == 1 && second["total"] as? Int == 16)

        // GET /api/v1/accounts/{number}.
        let account = try #require(
            try decodeJSON(try curl(bearer + [base + "/api/v1/accounts/B-2016"]).body) as? [String: Any])
        #expect(
            Self.summary(account["placements"] as? [[String: Any]] ?? [], key: "partner") == [
                "local-folder": "closed returned_uncollectable UNCOLLECTABLE"
            ])

        // The dashboard's account page.
        let login = try shell(
            "/usr/bin/curl",
            ["-s", "-D", "-", "-o", "/dev/null", "--data-urlencode", "token=\(Self.token)", base + "/login"]
        ).output
        let cookie = try #require(
            login.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix("set-cookie:") }?
            .dropFirst("set-cookie:".count).split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) })
        let paid = try curl(["-H", "Cookie: \(cookie)", base + "/accounts/A-1001"])
        #expect(paid.status == 200)
        #expect(paid.body.contains("<th>Closed because</th><th>Agency status</th>"))
        #expect(paid.body.contains("<td>closed</td><td>paid in full</td><td>PAID</td>"), "\(paid.body)")
        #expect(paid.body.contains("closed: paid in full · agency status PAID"), "the agency tile")
        #expect(paid.body.contains("commission reported 10.00 CAD, schedule gives 208.25 CAD"), "\(paid.body)")
        #expect(!paid.body.contains("commission reported 1000"))
        let plan = try curl(["-H", "Cookie: \(cookie)", base + "/accounts/B-2010"]).body
        #expect(plan.contains("<td>the agency is collecting</td><td>—</td><td>PLAN</td>"), "\(plan)")
    }
}
