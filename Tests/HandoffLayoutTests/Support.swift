import Foundation
import HandoffDomain
import HandoffLayout
import HandoffPartners
import HandoffPlacement
import Testing

enum Repo {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: root.appendingPathComponent("Tests/HandoffLayoutTests/Fixtures/\(name)")))
    }
    static func partner(_ id: String) throws -> Partner {
        try PartnerLoader.load(path: root.appendingPathComponent("partners/\(id).toml").path)
    }
}

func d(_ s: String) -> CalendarDate { CalendarDate(iso: s)! }
func cad(_ s: String) -> Money { try! Money(parsing: s, currency: .cad) }
func usd(_ s: String) -> Money { try! Money(parsing: s, currency: .usd) }

/// The accounts of the agencies' own sample files, worked out by hand from their specifications.
enum SampleAccounts {
    /// Renée Côté: INV-7001 (700.00, paid 100.00 on 2026-02-14) and INV-7044 (550.00 plus a 25.00 fee
    /// after 2026-03-01). Itemized from 2026-03-01, the date of the newest placed invoice:
    /// 600.00 + 550.00 owed then, 25.00 of fees since: 1,175.00.
    static let renee = PlacementValues.Account(
        profile: DebtorProfile(
            accountNumber: "A-1001", type: .consumer, firstName: "Renée", lastName: "Côté",
            address1: "12 Rue Saint-Paul",
            address2: "Apt. 3", city: "Montréal", region: "QC", postalCode: "H2Y 1Z8", country: "CA",
            phone: "+15145550101", currency: .cad),
        balance: cad("1175.00"), oldestDueDate: d("2026-02-14"), daysPastDue: 274, lastPaymentDate: d("2026-02-14"),
        itemization: Itemization(date: d("2026-03-01"), amount: cad("1150.00"), interest: cad("0"), fees: cad("25.00"),
                                 payments: cad("0"), credits: cad("0")),
        invoices: [
            .init(
                number: "INV-7001", date: d("2026-01-15"), dueDate: d("2026-02-14"), amount: cad("700.00"),
                balance: cad("600.00")),
            .init(
                number: "INV-7044", date: d("2026-03-01"), dueDate: d("2026-03-31"), amount: cad("550.00"),
                balance: cad("575.00")),
        ])

    /// Smith, Jones & Co. in KRP's sample: INV-6120 of 8,430.10 less a 430.10 credit after it.
    static let smithKRP = PlacementValues.Account(
        profile: DebtorProfile(
            accountNumber: "B-2002", type: .business, businessName: "Smith, Jones & Co.", contactName: "Dana Smith",
            address1: "400 Liberty Ave", address2: "Suite 200", city: "Pittsburgh", region: "PA", postalCode: "15222",
            country: "US", phone: "4125550199", email: "ap@smithjones.example", taxID: "251234567", currency: .usd),
        balance: usd("8000.00"), oldestDueDate: d("2025-10-05"), daysPastDue: 406, lastPaymentDate: nil,
        itemization: Itemization(
            date: d("2025-09-05"), amount: usd("8430.10"), interest: usd("0"), fees: usd("0"), payments: usd("0"),
            credits: usd("430.10")),
        invoices: [
            .init(
                number: "INV-6120", date: d("2025-09-05"), dueDate: d("2025-10-05"), amount: usd("8430.10"),
                balance: usd("8000.00"))
        ])

    /// Smith, Jones & Co. in Meridian's sample: INV-6120 (open 5,000.00) and INV-6188 (3,000.00).
    static let smithMCC: PlacementValues.Account = {
        var a = smithKRP
        a.invoices = [
            .init(
                number: "INV-6120", date: d("2025-09-05"), dueDate: d("2025-10-05"), amount: usd("8430.10"),
                balance: usd("5000.00")),
            .init(
                number: "INV-6188", date: d("2025-10-01"), dueDate: d("2025-10-31"), amount: usd("3000.00"),
                balance: usd("3000.00")),
        ]
        a.itemization = Itemization(date: d("2025-10-01"), amount: usd("11430.10"), interest: usd("0"), fees: usd("0"),
                                    payments: usd("3000.00"), credits: usd("430.10"))
        return a
    }()
}

/// Builds a whole placement file in memory.
func build(_ partner: Partner, date: String, sequence: Int, accounts: [PlacementValues.Account]) throws
    -> (data: [UInt8], control: String?, refusals: [String: String], name: String) {
    var batch = PlacementValues.Batch(
        partnerID: partner.id, clientID: partner.clientID, partnerName: partner.name, businessName: "Test Co.",
        id: "", date: d(date), sequence: sequence, currency: .usd)
    if let template = partner.placement.batchID { batch.id = try template.render { batch.value($0) } }
    let name = try partner.placement.fileName.render { batch.value($0) }
    if batch.id.isEmpty { batch.id = name }
    let sink = MemorySink()
    let builder = try PlacementFileBuilder(spec: partner.placement, batch: batch, sink: sink)
    var refusals: [String: String] = [:]
    for account in accounts {
        if let refusal = try builder.add(account) { refusals[account.profile.accountNumber] = refusal.reason }
    }
    let (sha, size) = try builder.finish()
    return (sink.bytes, try builder.controlText(fileName: name, sha256: sha, size: size), refusals, name)
}
