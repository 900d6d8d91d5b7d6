import Foundation
import HandoffDomain
import HandoffPartners
import Testing

/// Inputs the fuzz targets in Fuzz/ (scripts/fuzz, docs/reliability.md) found crashing Handoff,
/// each kept here once fixed: refused with an error that says why, never a crash. Before its
/// fix, each of these stopped the test process.
@Suite("Fuzzing findings: bad input refused, never a crash")
struct FuzzFindingTests {
    /// fuzz-events: a feed event whose amount is a JSON number beyond Int64 (JSONSerialization
    /// reads it as a Double) trapped converting it to Int64, stopping fetch, reconcile and serve on
    /// the stored event every time.
    @Test("A Meridian amount beyond 64 bits is a mapping error", arguments: ["-922337203685477580845000", "9223372036854775808", "1e300"])
    func hugeFeedAmount(_ amount: String) throws {
        let mcc = try Repo.partner("meridian-commercial")
        let mapping = try #require(mcc.returns["feed"]?.events)
        let body = #"{"id": "e1", "type": "remittance.sent", "remittance_id": "R1", "gross_cents": 250000, "fee_cents": \#(amount), "payment_ids": ["P1"]}"#
        let event = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let error = try #require(throws: MappingError.self) {
            try mapping.events({ event[$0].flatMap { $0 is NSNull ? nil : $0 } }, partnerID: mcc.id, origin: "event:e1")
        }
        #expect(error.message.contains("fee_cents"))
    }
}
