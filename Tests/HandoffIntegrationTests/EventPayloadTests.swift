import Foundation
import HandoffDomain
@testable import HandoffReconciliation
import HandoffStore
import Testing

/// Every applied event is recorded with its payload, the event and its source as JSON, so that
/// a waiting reversal or a held event can be decided again later. Reconciliation writes it by
/// hand (`Sourced.payload`) rather than through `JSONEncoder`: it must be the same JSON, and
/// `JSONDecoder` must read back the same event, for every kind and for text that needs escaping.
@Suite("Event payloads")
struct EventPayloadTests {
    static let day = CalendarDate(iso: "2026-11-15")!

    static func sourced(
        _ kind: AgencyEvent.Kind, account: String? = "A-1001", date: CalendarDate? = day, note: String? = nil,
        source: EntrySource = EntrySource(kind: .agency, name: "KRP_ACT_C10442_20261115.csv", line: 7)
    ) -> Reconciliation.Sourced {
        Reconciliation.Sourced(
            event: AgencyEvent(
                partnerID: "keystone-recovery", accountNumber: account, date: date, kind: kind,
                key: "payment:T-1", note: note),
                               source: source)
    }

    static let cases: [Reconciliation.Sourced] = [
        sourced(.accepted(agencyReference: "KRP-1")),
        sourced(.accepted(agencyReference: nil), date: nil),
        sourced(.rejected(reason: "duplicate \"account\"\\ on file\n")),
        sourced(.updateAccepted(requestID: "R-1")),
        sourced(.updateRejected(requestID: "R-2", reason: "closed/paid")),
        sourced(.fileRejected(reason: "bad trailer\t\u{1}"), account: nil),
        sourced(.statusChanged(code: "PIF", meaning: .paidInFull)),
        sourced(.statusChanged(code: "CC", meaning: .ceaseContact)),
        sourced(.paymentCollected(paymentID: "T-1", gross: 12_345, commission: 3_086, net: 9_259, invoices: [])),
        sourced(.paymentCollected(paymentID: "T-2", gross: -5, commission: nil, net: nil,
                invoices: [
                    InvoiceAmount(invoiceNumber: "INV-1", amount: 3), InvoiceAmount(invoiceNumber: "Fé-2", amount: 2),
                ])),
        sourced(.paymentReversed(reversalID: "V-1", paymentID: "T-1", amount: Int64.max, commission: Int64.min)),
        sourced(.paymentReversed(reversalID: "V-2", paymentID: "T-2", amount: 0, commission: nil)),
        sourced(.directPaymentEcho(transactionID: "D-1", clientReference: "HO-1", amount: 500, commission: 90)),
        sourced(.directPaymentEcho(transactionID: "D-2", clientReference: nil, amount: 500, commission: nil)),
        sourced(.remittanceLine(transactionID: "T-1", amount: 100, commission: 25, net: 75)),
        sourced(.remittanceTotal(amount: 100, commission: 25, net: 75, reference: nil)),
        sourced(.remittanceTotal(amount: 100, commission: 25, net: 75, reference: "WIRE 7")),
        sourced(
            .remittanceStatement(
                statementID: "S-1", gross: 1_000, fee: 180, paymentIDs: ["p1", "p/2"], reference: "ref"),
                note: "a note ✓", source: EntrySource(kind: .agency, name: "meridian-commercial", eventID: "evt_1")),
        sourced(.remittanceStatement(statementID: "S-2", gross: 0, fee: 0, paymentIDs: [], reference: nil),
                source: EntrySource(kind: .api, name: "POST /x")),
    ]

    @Test("The payload is the JSON JSONEncoder writes (the same members and values), for every kind of event")
    func sameJSONAsJSONEncoder() throws {
        for s in Self.cases {
            // JSONEncoder's order of keys is not fixed on Linux: compare the objects, not the text.
            let expected = try #require(
                try JSONSerialization.jsonObject(with: try JSONEncoder().encode(s)) as? NSDictionary)
            let written = try #require(try JSONSerialization.jsonObject(with: Data(s.payload.utf8)) as? NSDictionary)
            #expect(written == expected, "\(s.payload)")
            // The text itself: compact, `/` escaped as JSONEncoder escapes it.
            #expect(!s.payload.contains(" :") && !s.payload.contains("\n"))
        }
    }

    @Test("JSONDecoder reads back the same event and source")
    func readsBack() throws {
        for s in Self.cases {
            let back = try #require(Reconciliation.decode(s.payload))
            #expect(back.event == s.event)
            #expect(back.source == s.source)
        }
    }
}
