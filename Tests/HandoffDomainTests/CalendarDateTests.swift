import HandoffDomain
import Testing

@Suite("Calendar dates")
struct CalendarDateTests {
    @Test func parsesAndPrints() throws {
        let d = try #require(CalendarDate(iso: "2026-11-15"))
        #expect(d.year == 2026 && d.month == 11 && d.day == 15)
        #expect(d.iso == "2026-11-15")
        #expect(d.compact == "20261115")
        #expect(CalendarDate(compact: "20261115") == d)
        #expect(CalendarDate(iso: "1970-01-01")?.daysSinceEpoch == 0)
    }

    @Test(
        "Not dates",
        arguments: [
            "2026-02-29", "2026-13-01", "2026-00-10", "2026-1-01", "26-01-01", "2026/01/01", "2026-04-31", "",
            "2026-01-01T00:00",
        ])
    func rejects(text: String) {
        #expect(CalendarDate(iso: text) == nil)
    }

    @Test func leapYears() {
        #expect(CalendarDate(iso: "2024-02-29") != nil)
        #expect(CalendarDate(iso: "2000-02-29") != nil)
        #expect(CalendarDate(iso: "1900-02-29") == nil)
    }

    @Test("Differences are exact day counts")
    func differences() throws {
        let a = try #require(CalendarDate(iso: "2026-02-14"))
        let b = try #require(CalendarDate(iso: "2026-11-15"))
        #expect(b.days(since: a) == 274)
        #expect(a.days(since: b) == -274)
        #expect(a.adding(days: 274) == b)
        #expect(CalendarDate(iso: "2025-10-05")!.days(since: CalendarDate(iso: "2024-10-05")!) == 365)
        #expect(CalendarDate(iso: "2024-10-05")!.days(since: CalendarDate(iso: "2023-10-05")!) == 366)
    }

    @Test("Every day from 1900 to 2100 prints and parses back to itself, one day apart")
    func roundTrip() throws {
        var previous = try #require(CalendarDate(iso: "1899-12-31"))
        let end = try #require(CalendarDate(iso: "2100-12-31"))
        var day = previous.adding(days: 1)
        while day <= end {
            #expect(CalendarDate(iso: day.iso) == day)
            #expect(day.days(since: previous) == 1)
            let (y, m, d) = day.components
            let (py, pm, pd) = previous.components
            #expect((y == py && m == pm && d == pd + 1) || (d == 1 && (m == pm + 1 || (m == 1 && y == py + 1))))
            previous = day
            day = day.adding(days: 1)
        }
    }
}
