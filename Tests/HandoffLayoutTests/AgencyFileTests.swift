import Foundation
import HandoffCSV
import HandoffDomain
import HandoffLayout
import HandoffPartners
import HandoffPlacement
import Testing

@Suite("Agency placement files, byte for byte")
struct AgencyFileTests {
    @Test("Keystone: the placement file and its control file equal the agency's sample")
    func keystone() throws {
        let partner = try Repo.partner("keystone-recovery")
        let file = try build(
            partner, date: "2026-11-15", sequence: 1, accounts: [SampleAccounts.renee, SampleAccounts.smithKRP])
        #expect(file.name == "KRP_PLC_C10442_20261115_001.csv")
        #expect(file.refusals.isEmpty)
        #expect(file.data == (try Repo.fixture("KRP_PLC_C10442_20261115_001.csv")))
        #expect(Array((file.control ?? "").utf8) == (try Repo.fixture("KRP_PLC_C10442_20261115_001.ctl")))
    }

    @Test("Meridian: the fixed-width batch equals the agency's sample")
    func meridian() throws {
        let partner = try Repo.partner("meridian-commercial")
        let file = try build(partner, date: "2026-11-15", sequence: 1, accounts: [SampleAccounts.smithMCC])
        #expect(file.name == "MCC_batch_HO-20261115-001.txt")
        #expect(file.refusals.isEmpty)
        let expected = try Repo.fixture("MCC_batch_HO-20261115-001.txt")
        #expect(file.data == expected)
        if file.data != expected {
            for (a, b) in zip(
                String(decoding: file.data, as: UTF8.self).split(separator: "\r\n"),
                String(decoding: expected, as: UTF8.self).split(separator: "\r\n")) where a != b
            {
                Issue.record("got\n\(a)\nexpected\n\(b)")
            }
        }
    }

    @Test("Meridian: names are transliterated to ASCII, long text is cut, every record is 250 characters")
    func meridianASCII() throws {
        let partner = try Repo.partner("meridian-commercial")
        var account = SampleAccounts.smithMCC
        account.profile.businessName = "Société Générale Müller & Ørsted Électricité Québécoise Ltée"
        account.profile.city = "Montréal"
        let file = try build(partner, date: "2026-11-15", sequence: 2, accounts: [account])
        #expect(file.refusals.isEmpty)
        #expect(file.data.allSatisfy { $0 < 128 })
        let lines = String(decoding: file.data, as: UTF8.self).components(separatedBy: "\r\n").dropLast()
        #expect(lines.allSatisfy { $0.count == 250 })
        let account1 = try #require(lines.first { $0.hasPrefix("D") })
        #expect(Array(account1)[21..<61].map(String.init).joined() == "Societe Generale Muller & Orsted Electri")
        #expect(account1.contains("Montreal"))
        #expect(file.name == "MCC_batch_HO-20261115-002.txt")
    }
}

@Suite("Every rule of the two specifications refuses what breaks it")
struct SpecificationRuleTests {
    static func refusal(_ partnerID: String, _ change: (inout PlacementValues.Account) -> Void,
                        base: PlacementValues.Account = SampleAccounts.renee) throws -> String? {
        var account = base
        change(&account)
        let partner = try Repo.partner(partnerID)
        return try build(partner, date: "2026-11-15", sequence: 1, accounts: [account]).refusals[
            account.profile.accountNumber]
    }

    @Test("KRP ITEMIZATION: the itemization does not add up to the balance")
    func itemization() throws {
        #expect(try Self.refusal("keystone-recovery") { $0.itemization.fees = cad("24.99") } == "ITEMIZATION")
    }

    @Test("KRP BALANCE: the invoices do not add up to the balance")
    func balance() throws {
        #expect(try Self.refusal("keystone-recovery") {
            $0.invoices[0].balance = cad("599.99")
        } == "BALANCE")
    }

    @Test(
        "KRP MISSING_DATA: a required field is empty",
        arguments: ["first_name", "address1", "city", "postal_code", "business_name"])
    func missing(field: String) throws {
        let base = field == "business_name" ? SampleAccounts.smithKRP : SampleAccounts.renee
        #expect(try Self.refusal("keystone-recovery", { a in
            switch field {
            case "first_name": a.profile.firstName = nil
            case "address1": a.profile.address1 = nil
            case "city": a.profile.city = ""
            case "postal_code": a.profile.postalCode = nil
            default: a.profile.businessName = nil
            }
        }, base: base) == "MISSING_DATA")
    }

    @Test("KRP: a consumer needs no business name, a business no first name")
    func conditionalRequirements() throws {
        #expect(try Self.refusal("keystone-recovery") { $0.profile.businessName = nil } == nil)
        #expect(
            try Self.refusal("keystone-recovery", { $0.profile.firstName = nil }, base: SampleAccounts.smithKRP) == nil)
    }

    @Test("KRP REGION, COUNTRY, CURRENCY: values it does not accept")
    func allowedValues() throws {
        #expect(try Self.refusal("keystone-recovery") { $0.profile.region = "PA" } == "REGION")
        #expect(try Self.refusal("keystone-recovery") { $0.profile.region = "Quebec" } == "REGION")
        #expect(try Self.refusal("keystone-recovery") { $0.profile.country = "FR" } == "COUNTRY")
        let eur = Currency(code: "EUR")!
        #expect(try Self.refusal("keystone-recovery") { a in
            a.profile.currency = eur
            a.balance = Money(minorUnits: a.balance.minorUnits, currency: eur)
        } == "CURRENCY")
    }

    @Test("KRP: account and invoice numbers longer than 30 characters are refused, never cut")
    func keyLengths() throws {
        #expect(
            try Self.refusal("keystone-recovery") { $0.profile.accountNumber = String(repeating: "9", count: 31) }
                == "INVALID_DATA")
        #expect(
            try Self.refusal("keystone-recovery") { $0.invoices[1].number = String(repeating: "X", count: 31) }
                == "INVALID_DATA")
        #expect(
            try Self.refusal("keystone-recovery") { $0.profile.accountNumber = String(repeating: "9", count: 30) }
                == nil)
    }

    @Test("MCC: an account or invoice number that does not fit is refused, never cut")
    func meridianKeys() throws {
        #expect(
            try Self.refusal(
                "meridian-commercial", { $0.profile.accountNumber = "B-2002-XXXXXXXXXXXXXX" },
                base: SampleAccounts.smithMCC) == "INVALID_DATA")
        #expect(
            try Self.refusal(
                "meridian-commercial", { $0.invoices[0].number = "INV-6120-0000000000001" },
                base: SampleAccounts.smithMCC) == "INVALID_DATA")
    }

    @Test("MCC: an account's balance must equal its invoices' open balances")
    func meridianBalance() throws {
        #expect(
            try Self.refusal("meridian-commercial", { $0.balance = usd("8000.01") }, base: SampleAccounts.smithMCC)
                == "BALANCE")
    }

    @Test("MCC: a name with no ASCII form is refused (a byte above 127 rejects the file)")
    func meridianNonASCII() throws {
        #expect(
            try Self.refusal("meridian-commercial", { $0.profile.businessName = "東京商事" }, base: SampleAccounts.smithMCC)
                == "INVALID_DATA")
    }

    @Test("The file-level rules: names are unique per day by sequence; the header is the specification's")
    func fileRules() throws {
        let krp = try Repo.partner("keystone-recovery")
        let first = try build(krp, date: "2026-11-15", sequence: 1, accounts: [])
        let second = try build(krp, date: "2026-11-15", sequence: 2, accounts: [])
        #expect(first.name != second.name)
        #expect(
            String(decoding: first.data, as: UTF8.self)
                == """
                client_id,account_number,debtor_type,business_name,first_name,last_name,address1,address2,city,\
                region,postal_code,country,phone,email,currency,itemization_date,itemization_amount,interest_since,\
                fees_since,payments_since,credits_since,current_balance,last_payment_date,invoice_number,\
                invoice_date,due_date,invoice_amount,invoice_balance\r\n
                """
        )
        #expect(first.control == "records=0;accounts=0;total_balance=0.00;sha256=\(sha256Hex(first.data))")
    }
}

func sha256Hex(_ bytes: [UInt8]) -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    let input = Pipe(), output = Pipe()
    p.standardInput = input
    p.standardOutput = output
    try? p.run()
    input.fileHandleForWriting.write(Data(bytes))
    try? input.fileHandleForWriting.close()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(String(decoding: out, as: UTF8.self).prefix(64))
}

@Suite("Keystone's client updates file")
struct UpdatesFileTests {
    @Test("A direct payment renders as the DIR row KRP echoes back in its sample activity file")
    func directPayment() throws {
        let krp = try Repo.partner("keystone-recovery")
        let updates = try #require(krp.updates)
        let renderer = LayoutRenderer(layout: updates.layout)
        let batch = PlacementValues.Batch(
            partnerID: krp.id, clientID: krp.clientID, partnerName: krp.name, businessName: "Test Co.",
            id: "", date: d("2026-11-19"), sequence: 1, currency: .cad)
        let account = PlacementValues.lookup(SampleAccounts.renee, batch: batch)
        let update: ValueLookup = { path in
            switch path {
            case "update.kind": return .text("direct_payment")
            case "update.agency_reference": return .text("K000481516")
            case "update.effective_date": return .date(d("2026-11-19"))
            case "update.amount": return .money(cad("100.00"))
            case "update.reference": return .text("UPD-20261119-0001")
            case "update.note": return .text("direct payment reported by client")
            default: return account(path)
            }
        }
        let header = try renderer.header { batch.value($0) }
        let row = try renderer.account(update, invoices: [{ _ in nil }])
        #expect(
            String(decoding: header + row, as: UTF8.self)
                == "client_id,record_type,account_number,krp_reference,effective_date,amount,reference,note\r\n"
                + """
                C10442,DIR,A-1001,K000481516,2026-11-19,100.00,UPD-20261119-0001,\
                direct payment reported by client\r\n
                """
        )
        #expect(try updates.fileName.render { batch.value($0) } == "KRP_UPD_C10442_20261119_001.csv")
    }
}
