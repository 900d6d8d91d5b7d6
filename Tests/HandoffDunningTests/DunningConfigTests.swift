import Foundation
import HandoffConfig
import HandoffDomain
import HandoffDunning
import Testing

/// `[smtp]`, `[dunning]`, `[credit_hold]` and `[worklist]` read and checked, and the templates rendered.
@Suite struct DunningConfigTests {
    static let base = HandoffConfig.template(businessName: "Maple", timeZone: "America/Toronto", currency: "CAD")

    static func parse(_ extra: String, finalNoticeDays: Int = 14) throws -> HandoffConfig {
        let text =
            base.replacingOccurrences(of: "final_notice_days = 0", with: "final_notice_days = \(finalNoticeDays)")
            + extra
        return try HandoffConfig.parse(text, file: "handoff.toml", root: "/srv/h")
    }

    static let good = """
        [smtp]
        url = "smtps://mail.example.com:465"
        user = "ar@example.com"
        [dunning]
        from = "Maple <ar@example.com>"
        [[dunning.steps]]
        name = "r1"
        days_past_due = 15
        [[dunning.steps]]
        name = "final"
        kind = "final_notice"
        days_past_due = 90

        """

    @Test func theTemplateReadsBackWithItsDefaults() throws {
        let c = try Self.parse("")
        #expect(c.dunning == nil && c.smtp == nil)
        #expect(c.creditHold.rules.daysPastDue == 60 && c.creditHold.command == nil)
        #expect(c.worklist == WorklistWeights())
        #expect(c.server.dunningEveryMinutes == 1440)
    }

    @Test func stepsAndServerAreRead() throws {
        let c = try Self.parse(Self.good)
        #expect(c.dunning?.fromAddress == "ar@example.com")
        #expect(c.dunning?.schedule.steps.map(\.name) == ["r1", "final"])
        #expect(c.smtp?.passwordEnv == "HANDOFF_SMTP_PASSWORD")
        #expect(c.finalNoticeByEmail)
    }

    @Test func mistakesAreNamedWithTheirKeys() {
        func problems(_ extra: String, finalNoticeDays: Int = 14) -> String {
            do { _ = try Self.parse(extra, finalNoticeDays: finalNoticeDays); return "" } catch { return "\(error)" }
        }
        #expect(problems(Self.good, finalNoticeDays: 0).contains("final_notice_days above 0"))
        #expect(
            problems(Self.good.replacingOccurrences(of: "user = ", with: "password = \"hunter2\"\nuser = ")).contains(
                "smtp.password"))
        #expect(
            !problems(Self.good.replacingOccurrences(of: "user = ", with: "password = \"hunter2\"\nuser = ")).contains(
                "hunter2"))
        #expect(problems(Self.good.replacingOccurrences(of: "smtps://mail", with: "http://mail")).contains("smtp.url"))
        #expect(problems(Self.good.replacingOccurrences(of: "[smtp]", with: "[smtp_x]")).contains("[smtp]"))
        #expect(
            problems(Self.good.replacingOccurrences(of: "name = \"r1\"", with: "name = \"r 1\"")).contains(
                "dunning.steps[0].name"))
        #expect(
            problems(Self.good.replacingOccurrences(of: "Maple <ar@example.com>", with: "nobody")).contains(
                "dunning.from"))
    }

    @Test func templatesEscapeHTMLOnlyInHTMLAndKeepAccents() throws {
        let settings = try #require(try Self.parse(Self.good).dunning)
        let templates = try DunningTemplates(settings: settings)
        let cad = Currency(code: "CAD")!
        let profile = DebtorProfile(
            accountNumber: "A-1", type: .consumer, firstName: "Renée", lastName: "Côté <b>&</b>", currency: cad)
        let invoice = OpenItem(
            invoiceID: 1, invoiceNumber: "INV-1", invoiceDate: CalendarDate(iso: "2026-09-01")!,
            dueDate: CalendarDate(iso: "2026-10-01")!, balance: 123_456, disputed: false)
        let letter = DunningLetter(
            step: settings.steps[0].step, cycle: "2026-10-01", invoices: [invoice],
            balance: Money(minorUnits: 123_456, currency: cad), daysPastDue: 45, placementDate: nil)
        let context = DunningTemplates.context(
            businessName: "Café & Co", profile: profile, letter: letter, openInvoices: [invoice],
            asOf: CalendarDate(iso: "2026-11-15")!, replyTo: "ar@example.com")
        let r = try #require(templates.render(step: "r1", context: context))
        #expect(r.subject == "Reminder: 1,234.56 CAD past due on account A-1")
        #expect(r.text.contains("Dear Renée Côté <b>&</b>,"))
        #expect(r.text.contains("with Café & Co are past due"))
        #expect(r.html.contains("Dear Renée Côté &lt;b&gt;&amp;&lt;/b&gt;,"))
        #expect(r.html.contains("Café &amp; Co"))
        #expect(!r.html.contains("<b>&</b>"))
    }
}
