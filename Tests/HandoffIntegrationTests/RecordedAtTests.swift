import Foundation
@testable import HandoffStore
import Testing

/// Every `*_at` column holds the time a row was recorded as `YYYY-MM-DDTHH:MM:SSZ` in UTC. It is
/// written from the C clock byte by byte; it must read as Foundation's RFC 3339 form would.
@Suite("When a row is recorded")
struct RecordedAtTests {
    @Test("Parts are zero-padded to their widths, in UTC")
    func padded() {
        #expect(recordedAtText(year: 2026, month: 1, day: 2, hour: 3, minute: 4, second: 5) == "2026-01-02T03:04:05Z")
        #expect(
            recordedAtText(year: 999, month: 12, day: 31, hour: 23, minute: 59, second: 60) == "0999-12-31T23:59:60Z")
    }

    @Test("Now reads as ISO8601DateFormatter's internet date-time of the same second")
    func sameAsFoundation() throws {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = try #require(TimeZone(identifier: "UTC"))
        // The clock may tick between the two readings: one of three tries falls within one second.
        var matched = false
        for _ in 0..<3 where !matched {
            let before = formatter.string(from: Date())
            let now = timestampNow()
            let after = formatter.string(from: Date())
            matched = now == before && now == after
        }
        #expect(matched)
        #expect(formatter.date(from: timestampNow()) != nil)
    }
}
