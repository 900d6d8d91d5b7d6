import Foundation
import Testing

/// The bundled sample data (sample-data/), checked against figures computed independently of
/// Handoff (a separate script applying the documented rules in integer cents) and committed
/// as fixtures.
@Suite("Bundled sample data", .serialized)
struct SampleDataTests {
    static let fixtures = Handoff.repositoryRoot.appendingPathComponent("Tests/HandoffIntegrationTests/Fixtures")

    func loadSample() throws -> Installation {
        let install = try Installation(timezone: "America/Toronto", currency: "CAD")
        for kind in ["customers", "invoices", "transactions"] {
            let path = Handoff.repositoryRoot.appendingPathComponent("sample-data/\(kind).csv").path
            let r = try install.handoff(["import", kind, path])
            try #require(r.status == 0, "import \(kind): \(r.stderr)")
        }
        return install
    }

    @Test("Every account's balance, oldest past-due date, days and bucket match the independent computation")
    func accounts() throws {
        let install = try loadSample()
        let expected = try JSONDecoder().decode([AccountFigures].self,
            from: Data(contentsOf: Self.fixtures.appendingPathComponent("sample-accounts-2026-11-15.json")))
        let actual = try accountFigures(install, asOf: "2026-11-15")
        #expect(actual.count == 36)
        #expect(actual == expected)
    }

    struct AgingFigures: Codable, Equatable {
        var currency: String
        var buckets: [String: Int64]
        var total: Int64
    }

    @Test("The ageing report's buckets match the independent computation")
    func aging() throws {
        let install = try loadSample()
        let r = try install.handoff(["aging", "--as-of", "2026-11-15", "--json"])
        try #require(r.status == 0, "\(r.stderr)")
        struct Report: Codable { var currencies: [AgingFigures] }
        let actual = try JSONDecoder().decode(Report.self, from: Data(r.stdout.utf8)).currencies
        let expected = try JSONDecoder().decode([AgingFigures].self,
            from: Data(contentsOf: Self.fixtures.appendingPathComponent("sample-aging-2026-11-15.json")))
        #expect(actual == expected)
    }
}
