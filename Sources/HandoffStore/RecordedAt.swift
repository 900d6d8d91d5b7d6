#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// When a row is recorded: the current time in UTC to the second, as
/// `2026-12-03T15:04:05Z`, the form every `created_at`, `recorded_at` and `updated_at`
/// column holds on both engines.
///
/// Written from the C clock byte by byte: an `ISO8601DateFormatter` made for each access cost
/// a tenth of a feed's intake (each event its own transaction).
public func timestampNow() -> String {
    var seconds = time(nil)
    var parts = tm()
    gmtime_r(&seconds, &parts)
    return recordedAtText(year: Int(parts.tm_year) + 1900, month: Int(parts.tm_mon) + 1, day: Int(parts.tm_mday),
                          hour: Int(parts.tm_hour), minute: Int(parts.tm_min), second: Int(parts.tm_sec))
}

/// `YYYY-MM-DDTHH:MM:SSZ` from its parts (for years 0–9999).
func recordedAtText(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> String {
    String(unsafeUninitializedCapacity: 20) { out in
        func put(_ value: Int, digits: Int, at offset: Int) {
            var rest = value
            for i in stride(from: offset + digits - 1, through: offset, by: -1) {
                out[i] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
        }
        put(year, digits: 4, at: 0)
        out[4] = UInt8(ascii: "-")
        put(month, digits: 2, at: 5)
        out[7] = UInt8(ascii: "-")
        put(day, digits: 2, at: 8)
        out[10] = UInt8(ascii: "T")
        put(hour, digits: 2, at: 11)
        out[13] = UInt8(ascii: ":")
        put(minute, digits: 2, at: 14)
        out[16] = UInt8(ascii: ":")
        put(second, digits: 2, at: 17)
        out[19] = UInt8(ascii: "Z")
        return 20
    }
}
