import Foundation
import HandoffCSV
import HandoffDomain
import HandoffLayout
import HandoffPartners
import Testing

@Suite("Agency returns mapped to the canonical event model")
struct EventMappingTests {
    func events(_ partner: Partner, _ kind: String, _ fixture: String) throws -> [AgencyEvent] {
        let spec = try #require(partner.returns[kind])
        let layout = try #require(spec.layout)
        let mapping = try #require(spec.events)
        let reader = LayoutReader(layout: layout, source: ByteSource(bytes: try Repo.fixture(fixture), name: fixture))
        var out: [AgencyEvent] = []
        while let record = try reader.next() {
            out += try mapping.events({ record[$0] }, partnerID: partner.id, origin: "\(fixture):\(record.line)")
        }
        return out
    }

    @Test("Keystone's acknowledgement: one accepted with its reference, one rejected with its reason")
    func keystoneAcknowledgement() throws {
        let krp = try Repo.partner("keystone-recovery")
        let e = try events(krp, "acknowledgement", "KRP_ACK_C10442_KRP_PLC_C10442_20261115_001.csv")
        #expect(e.map(\.kind) == [.accepted(agencyReference: "K000481516"), .rejected(reason: "DUPLICATE")])
        #expect(e.map(\.accountNumber) == ["A-1001", "B-2002"])
        #expect(e[1].note == "account already placed with KRP and not closed")
    }

    @Test(
        """
        Keystone's activity: status, payment with commission and net, direct-payment echo; then a reversal and \
        a closure
        """
    )
    func keystoneActivity() throws {
        let krp = try Repo.partner("keystone-recovery")
        let day1 = try events(krp, "activity", "KRP_ACT_C10442_20261120.csv")
        #expect(day1.map(\.kind) == [
            .statusChanged(code: "PPA", meaning: .active),
            .paymentCollected(paymentID: "T000000900001", gross: 29375, commission: 7344, net: 22031, invoices: []),
            .directPaymentEcho(
                    transactionID: "T000000900002", clientReference: "UPD-20261119-0001", amount: 10000,
                    commission: 2500),
        ])
        #expect(day1.map(\.key) == ["KRP_ACT_C10442_20261120.csv:2", "payment:T000000900001", "direct:T000000900002"])
        #expect(day1[1].date == CalendarDate(iso: "2026-11-20"))
        let day2 = try events(krp, "activity", "KRP_ACT_C10442_20261121.csv")
        #expect(day2.map(\.kind) == [
            .paymentReversed(reversalID: "T000000900003", paymentID: "T000000900001", amount: 29375, commission: 7344),
            .statusChanged(code: "CLS", meaning: .returnedUncollectable),
        ])
        #expect(StatusMeaning.returnedUncollectable.closure == .returnedUncollectable)
    }

    @Test("Meridian's feed: acknowledgement, payment with its invoices in cents, status, remittance notice")
    func meridianFeed() throws {
        let mcc = try Repo.partner("meridian-commercial")
        let mapping = try #require(mcc.returns["feed"]?.events)
        let page = try #require(
            try JSONSerialization.jsonObject(with: Data(Repo.fixture("MCC_events_after_117.json"))) as? [String: Any])
        var out: [AgencyEvent] = []
        for event in try #require(page["events"] as? [[String: Any]]) {
            out += try mapping.events(
                { event[$0].flatMap { $0 is NSNull ? nil : $0 } }, partnerID: mcc.id, origin: "event:\(event["id"]!)")
        }
        #expect(out.map(\.kind) == [
            .accepted(agencyReference: "M100231"),
            .paymentCollected(paymentID: "P00004410", gross: 250_000, commission: 45_000, net: nil,
                              invoices: [InvoiceAmount(invoiceNumber: "INV-6120", amount: 250_000)]),
            .statusChanged(code: "promise_to_pay", meaning: .active),
            .remittanceStatement(
                    statementID: "R000121", gross: 250_000, fee: 45_000, paymentIDs: ["P00004410"],
                    reference: "W20261201-0042"),
        ])
        #expect(
            out.map(\.date) == [
                CalendarDate(iso: "2026-11-15"), CalendarDate(iso: "2026-11-19"), CalendarDate(iso: "2026-11-20"),
                CalendarDate(iso: "2026-12-01")])
        #expect(out[0].key == "event:6f1c2d8e-1b7a-4c55-9e0f-2a4b8c1d3e51")
    }

    @Test("A record the partner file cannot map is an error that says why")
    func unmapped() throws {
        let krp = try Repo.partner("keystone-recovery")
        let mapping = try #require(krp.returns["activity"]?.events)
        let values: [String: String] = ["record_type": "XYZ"]
        #expect(throws: MappingError(message: "record_type 'XYZ' has no rule in the partner file")) {
            try mapping.events({ values[$0] }, partnerID: "k", origin: "f:1")
        }
        let bad: [String: String] = [
            "record_type": "STS", "account_number": "A-1", "activity_date": "2026-11-20", "status_code": "ZZZ",
        ]
        #expect(throws: MappingError.self) { try mapping.events({ bad[$0] }, partnerID: "k", origin: "f:2") }
        let money: [String: String] = [
            "record_type": "PMT", "transaction_id": "T1", "account_number": "A-1", "activity_date": "2026-11-20",
            "amount": "12.345",
        ]
        #expect(throws: MappingError.self) { try mapping.events({ money[$0] }, partnerID: "k", origin: "f:3") }
    }
}
