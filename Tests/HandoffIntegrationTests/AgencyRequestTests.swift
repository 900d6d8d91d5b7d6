import Foundation
import HandoffAgencyLink
import HandoffConfig
import HandoffDomain
import HandoffOutbox
import HandoffPartners
import HandoffTestSupport
import HandoffTransport
import Testing

@Suite("Requests to an agency's API", .serialized)
struct AgencyRequestTests {
    @Test(
        """
        Recall, direct payment, adjustment and dispute go as the partner file describes; \
        a repeat with the same request id changes nothing
        """
    )
    func meridianRequests() throws {
        let certificates = try TestCertificates()
        let server = try TestHTTPSServer(certificates: certificates)
        let text = try Installation.meridianPartnerText(server: server, certificates: certificates)
        let partner = try PartnerLoader.parse(text, file: "meridian-commercial.toml")
        let sender = try AgencyRequestSender(
            partner: partner,
            factory: TransportFactory(root: "/", environment: ["HANDOFF_MERIDIAN_SECRET": server.secret]))
        #expect(sender.kinds == ["adjustment", "direct_payment", "dispute", "recall"])

        let recall = AgencyRequest(
            kind: "recall", accountNumber: "B-2002", id: "RCL-0001", reason: "paid the business directly")
        #expect(try sender.send(recall) == 202)
        #expect(try sender.send(recall) == 202) // the same request again: the first answer, nothing new
        #expect(try sender.send(AgencyRequest(kind: "direct_payment", accountNumber: "B-2002", id: "DIR-0001",
                    amount: Money(minorUnits: 100_000, currency: .usd), date: CalendarDate(iso: "2026-11-19"))) == 201)
        #expect(try sender.send(AgencyRequest(kind: "adjustment", accountNumber: "B-2002", id: "ADJ-0001",
                    amount: Money(minorUnits: -5_000, currency: .usd), reason: "credit memo CM-17")) == 201)
        #expect(
            try sender.send(
                AgencyRequest(
                    kind: "dispute", accountNumber: "B-2002", id: "DSP-0001", note: "debtor disputes INV-6188")) == 201)

        let changed = AgencyRequest(kind: "recall", accountNumber: "B-2002", id: "RCL-0001", reason: "another reason")
        let error = try #require(throws: TransportError.self) { try sender.send(changed) }
        #expect(error.httpStatus == 409 && error.isPermanent)

        let bodies = server.requests().filter { $0["method"] as? String == "POST" }
        #expect(
            bodies.map { $0["path"] as? String } == [
                "/v2/accounts/B-2002/recall", "/v2/accounts/B-2002/recall", "/v2/accounts/B-2002/direct-payments",
                "/v2/accounts/B-2002/adjustments", "/v2/accounts/B-2002/disputes", "/v2/accounts/B-2002/recall",
            ])
        let direct = try #require(bodies[2]["body"] as? [String: Any])
        #expect(
            direct["amount_cents"] as? Int == 100_000 && direct["received_at"] as? String == "2026-11-19"
                && direct["request_id"] as? String == "DIR-0001")
        #expect((bodies[3]["body"] as? [String: Any])?["amount_cents"] as? Int == -5_000)
        #expect(
            bodies.map { $0["idempotency_key"] as? String } == [
                "RCL-0001", "RCL-0001", "DIR-0001", "ADJ-0001", "DSP-0001", "RCL-0001",
            ])
        #expect(throws: TransportError.self) {
            try sender.send(AgencyRequest(kind: "bankruptcy", accountNumber: "B-2002", id: "X"))
        }
    }
}
