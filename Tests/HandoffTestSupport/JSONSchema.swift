import Foundation

/// A JSON value as parsed, keeping booleans, integers and other numbers apart (which
/// `JSONSerialization` does not do reliably on Linux).
public indirect enum JSONValue: Decodable, Equatable, Sendable {
    case null, bool(Bool), integer(Int64), number(Double), string(String), array([JSONValue]), object(
        [String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .integer(i) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    public static func parse(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public var string: String? { if case .string(let s) = self { return s } else { return nil } }
}

/// Checks JSON values against the schemas of an OpenAPI 3.0 document: `$ref`, `type`,
/// `nullable`, `enum`, `required`, `properties`, `additionalProperties: false`, `items`,
/// `pattern` and the formats `date` and `date-time`. Enough to hold an API to its description,
/// field by field; not a general validator.
public struct OpenAPISchemas: Sendable {
    public let document: JSONValue

    public init(document: JSONValue) { self.document = document }

    /// What in `value` the schema does not allow, each with its JSON path; empty when it conforms.
    public func problems(_ value: JSONValue, _ schema: JSONValue, at path: String = "$") -> [String] {
        if let ref = schema["$ref"]?.string {
            guard ref.hasPrefix("#/"), let target = resolve(ref) else { return ["\(path): unresolvable \(ref)"] }
            return problems(value, target, at: path)
        }
        if value == .null {
            return schema["nullable"] == .bool(true) ? [] : ["\(path): null, which the schema does not allow"]
        }
        if case .array(let allowed)? = schema["enum"], !allowed.contains(value) {
            return ["\(path): \(value) is not one of \(allowed)"]
        }
        switch (schema["type"]?.string, value) {
        case ("string"?, .string(let s)):
            var found: [String] = []
            if let pattern = schema["pattern"]?.string, s.range(of: pattern, options: .regularExpression) == nil {
                found.append("\(path): \"\(s)\" does not match \(pattern)")
            }
            switch schema["format"]?.string {
            case "date"? where s.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) == nil:
                found.append("\(path): \"\(s)\" is not a date (YYYY-MM-DD)")
            case "date-time"?
            where s.range(
                of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"#, options: .regularExpression)
                == nil:
                found.append("\(path): \"\(s)\" is not an RFC 3339 date-time")
            default: break
            }
            return found
        case ("integer"?, .integer), ("number"?, .integer), ("number"?, .number), ("boolean"?, .bool):
            return []
        case ("array"?, .array(let items)):
            guard let itemSchema = schema["items"] else { return [] }
            return items.enumerated().flatMap { problems($1, itemSchema, at: "\(path)[\($0)]") }
        case ("object"?, .object(let fields)):
            var found: [String] = []
            let properties: [String: JSONValue]
            if case .object(let p)? = schema["properties"] { properties = p } else { properties = [:] }
            if case .array(let required)? = schema["required"] {
                for case .string(let name) in required where fields[name] == nil {
                    found.append("\(path): \(name) is missing")
                }
            }
            for (name, field) in fields.sorted(by: { $0.key < $1.key }) {
                if let p = properties[name] {
                    found += problems(field, p, at: "\(path).\(name)")
                } else if schema["additionalProperties"] == .bool(false) {
                    found.append("\(path): \(name) is not in the description")
                }
            }
            return found
        case (nil, _):
            return []
        case (let type?, _):
            return ["\(path): \(value) is not of type \(type)"]
        }
    }

    public func resolve(_ ref: String) -> JSONValue? {
        var node: JSONValue? = document
        for part in ref.dropFirst(2).split(separator: "/") { node = node?[String(part)] }
        return node
    }
}
