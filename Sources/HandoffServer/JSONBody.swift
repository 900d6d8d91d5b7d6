import Foundation
public import NIOCore

/// A JSON answer of the API, written straight to bytes with its object keys sorted.
///
/// Foundation's `JSONSerialization` over `[String: Any]` took about half of the server's time
/// under load (docs/benchmarks.md); this is a plain tree of values and a writer of a few dozen
/// lines. Numbers are integers only (money is integer minor units), so no floating point is
/// ever printed.
public enum JSONBody: Sendable, ExpressibleByDictionaryLiteral, ExpressibleByArrayLiteral,
ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral, ExpressibleByNilLiteral
{
    case object([(String, JSONBody)])
    case array([JSONBody])
    case string(String)
    case int(Int64)
    case bool(Bool)
    case null

    public init(dictionaryLiteral elements: (String, JSONBody)...) { self = .object(elements) }
    public init(arrayLiteral elements: JSONBody...) { self = .array(elements) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }

    public init(_ value: String) { self = .string(value) }
    public init(_ value: String?) { self = value.map(JSONBody.string) ?? .null }
    public init(_ value: Int) { self = .int(Int64(value)) }
    public init(_ value: Int64) { self = .int(value) }
    public init(_ value: Int64?) { self = value.map(JSONBody.int) ?? .null }
    public init(_ value: Bool) { self = .bool(value) }
    public init(_ value: Bool?) { self = value.map(JSONBody.bool) ?? .null }
    public init(_ values: [JSONBody]) { self = .array(values) }

    /// The UTF-8 text, object keys in sorted order.
    public func write(into buffer: inout ByteBuffer) {
        switch self {
        case .object(let members):
            buffer.writeInteger(UInt8(ascii: "{"))
            for (i, (key, value)) in members.sorted(by: { $0.0 < $1.0 }).enumerated() {
                if i > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
                Self.write(key, into: &buffer)
                buffer.writeInteger(UInt8(ascii: ":"))
                value.write(into: &buffer)
            }
            buffer.writeInteger(UInt8(ascii: "}"))
        case .array(let values):
            buffer.writeInteger(UInt8(ascii: "["))
            for (i, value) in values.enumerated() {
                if i > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
                value.write(into: &buffer)
            }
            buffer.writeInteger(UInt8(ascii: "]"))
        case .string(let s): Self.write(s, into: &buffer)
        case .int(let n): buffer.writeString(String(n))
        case .bool(let b): buffer.writeString(b ? "true" : "false")
        case .null: buffer.writeString("null")
        }
    }

    /// The text as a string (for tests and logs).
    public var text: String {
        var buffer = ByteBuffer()
        write(into: &buffer)
        return String(buffer: buffer)
    }

    private static let hex = Array("0123456789abcdef".utf8)

    /// A JSON string: quotes, backslashes and control characters escaped (RFC 8259), the rest as UTF-8.
    static func write(_ s: String, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            var start = 0
            for (i, b) in bytes.enumerated() where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
                if i > start {
                    buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start..<i]))
                }
                switch b {
                case UInt8(ascii: "\""): buffer.writeString("\\\"")
                case UInt8(ascii: "\\"): buffer.writeString("\\\\")
                case 0x0A: buffer.writeString("\\n")
                case 0x0D: buffer.writeString("\\r")
                case 0x09: buffer.writeString("\\t")
                default:
                    buffer.writeBytes([
                        UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(b >> 4)],
                        hex[Int(b & 0x0F)],
                    ])
                }
                start = i + 1
            }
            if bytes.count > start {
                buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start...]))
            }
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }
}

/// A moment as the API and the logs write it: RFC 3339 in UTC with seconds
/// (`2026-12-02T08:15:00Z`), as the CLI writes its timestamps.
func rfc3339(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.string(from: date)
}
