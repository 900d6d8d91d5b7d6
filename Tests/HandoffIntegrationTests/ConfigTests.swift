import Foundation
import HandoffConfig
import HandoffDomain
import Testing

@Suite("Configuration")
struct ConfigTests {
    @Test("The template handoff init writes reads back with its defaults")
    func template() throws {
        let text = HandoffConfig.template(businessName: "Maple & Main", timeZone: "America/Toronto", currency: "CAD")
        let config = try HandoffConfig.parse(text, file: "handoff.toml", root: "/srv/handoff")
        #expect(config.businessName == "Maple & Main")
        #expect(config.timeZone.identifier == "America/Toronto")
        #expect(config.defaultCurrency == .cad)
        #expect(config.databasePath == "/srv/handoff/var/handoff.sqlite")
        #expect(config.partnersDirectory == "/srv/handoff/partners")
    }

    @Test("Every problem names the file and the key")
    func problems() throws {
        let text = """
            [business]
            timezone = "Mars/Olympus"
            default_currency = "usd"
            nmae = "typo"

            [storage]
            database = 5

            [placment]
            x = 1
            """
        let error = try #require(throws: ConfigErrors.self) { try HandoffConfig.parse(text, file: "c.toml", root: "/") }
        let lines = error.errors.map(\.description)
        #expect(
            lines.contains(
                "c.toml: business.timezone: 'Mars/Olympus' is not an IANA time zone (such as America/Toronto)"))
        #expect(lines.contains("c.toml: business.default_currency: 'usd' is not an ISO 4217 currency code"))
        #expect(lines.contains("c.toml: business.nmae: is not a known key"))
        #expect(lines.contains("c.toml: storage.database: must be a string, not a whole number"))
        #expect(lines.contains("c.toml: placment: is not a known key"))
        #expect(lines.count == 5)
    }

    @Test("A syntax error names the line")
    func syntax() throws {
        let error = try #require(throws: ConfigError.self) {
            try HandoffConfig.parse("[business]\nname = \"unterminated\n", file: "c.toml", root: "/")
        }
        #expect(error.description.hasPrefix("c.toml: not valid TOML at line 2"))
    }

    @Test("Money in configuration is a string, never a floating-point number")
    func money() throws {
        let doc = try TOMLNode.parse("min = 50.10\nok = \"50.10\"\nbad = \"50.105\"\n", file: "p.toml")
        let problems = ConfigProblems(file: "p.toml")
        let table = TableReader(doc, problems: problems)
        #expect(table.money("min", currency: .usd) == nil)
        #expect(table.money("ok", currency: .usd) == Money(minorUnits: 5010, currency: .usd))
        #expect(table.money("bad", currency: .usd) == nil)
        #expect(problems.errors.map(\.key) == ["min", "bad"])
    }

    @Test("Today is the calendar day in the business's time zone")
    func today() throws {
        let text = HandoffConfig.template(businessName: "X", timeZone: "America/Toronto", currency: "CAD")
        let config = try HandoffConfig.parse(text, file: "c.toml", root: "/")
        // 2026-11-29 03:00 UTC is still the evening of the 28th in Toronto.
        let instant = Date(timeIntervalSince1970: 1_795_921_200)
        #expect(config.today(now: instant) == CalendarDate(iso: "2026-11-28"))
        let utc = try HandoffConfig.parse(
            text.replacingOccurrences(of: "America/Toronto", with: "UTC"), file: "c.toml", root: "/")
        #expect(utc.today(now: instant) == CalendarDate(iso: "2026-11-29"))
    }

    @Test("A missing config file says how to make one")
    func missing() throws {
        let error = try #require(throws: ConfigError.self) {
            try HandoffConfig.load(path: "/nonexistent/config/handoff.toml")
        }
        #expect(error.description.contains("handoff init"))
    }
}
