import Foundation
public import Logging

/// One JSON object per line on standard error: for journald and log collectors, when
/// Handoff's output is not a terminal. Handoff never puts a secret, a tax id or a date of birth
/// in a log message or its metadata: account numbers, file names and job summaries only.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String

    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var object: [String: Any] = [
            "time": rfc3339(Date()), "level": event.level.rawValue, "logger": label,
            "message": event.message.description,
        ]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { _, new in new }) {
            object[key] = Self.json(value)
        }
        // An error passed with the message, unless the metadata already names one.
        if let error = event.error, object["error"] == nil { object["error"] = "\(error)" }
        guard
            let data = try? JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return }
        FileHandle.standardError.write(data + Data("\n".utf8))
    }

    /// A metadata value as JSON of its own type: a number or a boolean logged with
    /// `.stringConvertible` stays a number or a boolean (`"ok": true`, not `"ok": "true"`).
    static func json(_ value: Logger.MetadataValue) -> Any {
        switch value {
        case .string(let text): return text
        case .stringConvertible(let v):
            switch v {
            case let b as Bool: return b
            case let i as Int: return i
            case let i as Int64: return i
            case let d as Double where d.isFinite: return d
            default: return v.description
            }
        case .array(let values): return values.map(json)
        case .dictionary(let values): return values.mapValues(json)
        }
    }
}

extension HandoffServer {
    /// Logs as JSON lines unless standard error is a terminal. Called once, before the server starts.
    public static func bootstrapLogging() {
        if isatty(2) == 1 {
            LoggingSystem.bootstrap(StreamLogHandler.standardError)
        } else {
            LoggingSystem.bootstrap(JSONLogHandler.init)
        }
    }
}
