import HandoffDomain
import Testing

@Suite("Ageing")
struct AgeingTests {
    @Test("Bucket edges", arguments: [
            (-5, AgingBucket.current), (0, .current), (1, .days1to30), (30, .days1to30), (31, .days31to60),
            (60, .days31to60),
            (61, .days61to90), (90, .days61to90), (91, .days91to120), (120, .days91to120), (121, .days121Plus),
            (4000, .days121Plus),
    ])
    func buckets(days: Int, bucket: AgingBucket) {
        #expect(AgingBucket(daysPastDue: days) == bucket)
    }

    @Test("Due today is not past due; due yesterday is one day past due")
    func pastDue() throws {
        let asOf = try #require(CalendarDate(iso: "2026-11-15"))
        let today = PastDue(oldestOpenDueDate: asOf, asOf: asOf)
        #expect(today.days == 0 && today.oldestDueDate == nil && today.bucket == .current)
        let yesterday = PastDue(oldestOpenDueDate: asOf.adding(days: -1), asOf: asOf)
        #expect(
            yesterday.days == 1 && yesterday.bucket == .days1to30 && yesterday.oldestDueDate == asOf.adding(days: -1))
        let none = PastDue(oldestOpenDueDate: nil, asOf: asOf)
        #expect(none.days == 0 && none.bucket == .current)
        #expect(AgingBucket.allCases.map(\.rawValue) == ["current", "1-30", "31-60", "61-90", "91-120", "121+"])
    }
}
