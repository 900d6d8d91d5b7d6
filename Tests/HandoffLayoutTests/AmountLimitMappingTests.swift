import Foundation
import HandoffDomain
import HandoffPartners
import Testing

/// An agency's amount goes through the same limit as an imported one (`[limits] max_amount`).
@Suite("Agency amounts within the limit")
struct AmountLimitMappingTests {
    /// A Keystone activity payment record with this gross amount.
    func payment(_ amount: String) -> EventMapping.Values {
        let record = [
            "record_type": "PMT", "account_number": "A-1001", "transaction_id": "T1", "transaction_date": "2026-11-20",
            "amount": amount, "commission": "0.00", "net": amount]
        return { record[$0] }
    }

    @Test("A decimal amount beyond the limit is an error naming the record type and field")
    func keystone() throws {
        let krp = try Repo.partner("keystone-recovery")
        let mapping = try #require(krp.returns["activity"]?.events)
        #expect(try mapping.events(payment("1000000000.00"), partnerID: krp.id, origin: "f:2").count == 1)
        let error = try #require(throws: MappingError.self) {
            try mapping.events(payment("50000000000000000.00"), partnerID: krp.id, origin: "f:2")
        }
        let field = try #require(mapping.rules["PMT"]?.fields["amount"])
        #expect(
            error.message
                == "PMT: \(field) 50000000000000000.00 is more than the largest amount Handoff takes, 1000000000.00 "
                + "([limits] max_amount in the configuration)")
    }

    @Test("loadAll gives every mapping the configured limit; minor units and invoice cents are checked too")
    func configured() throws {
        let (partners, problems) = PartnerLoader.loadAll(directory: Repo.root.appendingPathComponent("partners").path,
            maxAmount: AmountLimit(maximum: try DecimalAmount(parsing: "100.00")))
        #expect(problems.isEmpty, "\(problems)")
        let krp = try #require(partners.first { $0.id == "keystone-recovery" })
        let mapping = try #require(krp.returns["activity"]?.events)
        #expect(try mapping.events(payment("100.00"), partnerID: krp.id, origin: "f:2").count == 1)
        #expect(throws: MappingError.self) { try mapping.events(payment("100.01"), partnerID: krp.id, origin: "f:2") }

        let mcc = try #require(partners.first { $0.id == "meridian-commercial" })
        let feed = try #require(mcc.returns["feed"]?.events)
        let (type, rule) = try #require(feed.rules.first { $0.value.event == "payment_collected" })
        var event: [String: Any] = [feed.typeField: type]
        for (key, field) in rule.fields where key != "invoices" {
            event[field] = key == "date" ? "2026-11-20T10:00:00Z" : "x"
        }
        event[rule.fields["amount"]!] = 10_000
        if let list = rule.fields["invoices"] { event[list] = [["invoice_number": "INV-1", "amount_cents": 10_001]] }
        for key in ["commission", "net"] { if let f = rule.fields[key] { event[f] = 0 } }
        let e = try #require(throws: MappingError.self) {
            try feed.events({ event[$0] }, partnerID: mcc.id, origin: "event:1")
        }
        #expect(
            e.message.hasSuffix(
                """
                amount_cents 100.01 is more than the largest amount Handoff takes, 100.00 \
                ([limits] max_amount in the configuration)
                """
            ),
                "\(e.message)")
        event[rule.fields["amount"]!] = 10_001
        let gross = try #require(throws: MappingError.self) {
            try feed.events({ event[$0] }, partnerID: mcc.id, origin: "event:1")
        }
        #expect(
            gross.message
                == "\(type): \(rule.fields["amount"]!) 100.01 is more than the largest amount Handoff takes, 100.00 "
                + "([limits] max_amount in the configuration)")
    }
}
