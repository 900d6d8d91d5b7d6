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
    // Each part in its width, followed by what comes after it: 2026 "-" 12 "-" 03 "T" 15 ":" 04 ":" 05 "Z".
    let parts: [(value: Int, digits: Int, then: UInt8)] = [
        (year, 4, UInt8(ascii: "-")), (month, 2, UInt8(ascii: "-")), (day, 2, UInt8(ascii: "T")),
        (hour, 2, UInt8(ascii: ":")), (minute, 2, UInt8(ascii: ":")), (second, 2, UInt8(ascii: "Z")),
    ]
    return String(unsafeUninitializedCapacity: 20) { out in
        var end = 0
        for part in parts {
            var rest = part.value
            for i in stride(from: end + part.digits - 1, through: end, by: -1) {
                out[i] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            out[end + part.digits] = part.then
            end += part.digits + 1
        }
        return end
    }
}
