import Foundation
public import HandoffDomain
import HandoffLayout
public import HandoffPartners
public import HandoffTransport

/// A request the business sends an agency about one account: a recall, a direct payment it
/// received, a balance adjustment, a dispute. Its `id` is the idempotency key: sent again, it
/// gets the first answer again and changes nothing at the agency.
public struct AgencyRequest: Sendable, Equatable {
    /// `recall`, `direct_payment`, `adjustment`, `dispute`, `bankruptcy`… as named in the partner file.
    public var kind: String
    public var accountNumber: String
    public var id: String
    public var amount: Money?
    public var date: CalendarDate?
    public var reason: String?
    public var note: String?
    /// For `attorney_represented`: the attorney's contact, sent in place of the debtor's where
    /// the partner file names `request.attorney_name` (`_phone`, `_email`, `_address`).
    public var attorney: [String: String]

    public init(
        kind: String, accountNumber: String, id: String, amount: Money? = nil, date: CalendarDate? = nil,
        reason: String? = nil,
        note: String? = nil, attorney: [String: String] = [:]) {
        self.kind = kind
        self.accountNumber = accountNumber
        self.id = id
        self.amount = amount
        self.date = date
        self.reason = reason
        self.note = note
        self.attorney = attorney
    }

    func value(_ path: String) -> FieldValue? {
        switch path {
        case "account.number": return .text(accountNumber)
        case "request.id": return .text(id)
        case "request.kind": return .text(kind)
        case "request.amount": return amount.map { .money($0) } ?? .absent
        case "request.date": return date.map { .date($0) } ?? .absent
        case "request.reason": return reason.map { .text($0) } ?? .absent
        case "request.note": return note.map { .text($0) } ?? .absent
        case "request.attorney_name", "request.attorney_phone", "request.attorney_email", "request.attorney_address":
            return attorney[String(path.dropFirst("request.attorney_".count))].map { .text($0) } ?? .absent
        default: return nil
        }
    }
}

/// Sends ``AgencyRequest``s to an agency's HTTPS API as its partner file describes them:
///
///     [transport.requests]
///     recall = { method = "POST", path = "/accounts/{account.number}/recall",
///                fields = { request_id = "{request.id}", reason = "{request.reason}" } }
///
/// Field values are templates; fields listed in `integer_fields` are sent as JSON numbers.
public struct AgencyRequestSender {
    public let partner: Partner
    public let client: HTTPSClient

    public init(partner: Partner, factory: TransportFactory) throws {
        self.partner = partner
        client = HTTPSClient(endpoint: try factory.httpsEndpoint(for: partner))
    }

    /// The kinds of request this partner takes.
    public var kinds: [String] {
        partner.transport.https?.requests.keys.sorted() ?? []
    }

    /// Sends a request; returns the HTTP status of the agency's acceptance (2xx). A 4xx
    /// answer other than 429 is a permanent error; 429 and 5xx are retried by the client.
    @discardableResult
    public func send(_ request: AgencyRequest) throws -> Int {
        guard let spec = partner.transport.https?.requests[request.kind] else {
            throw TransportError(
                .configuration,
                "\(partner.id) takes no '\(request.kind)' request (see [transport.requests] in its partner file)")
        }
        let method = spec.method
        let integers = spec.integerFields
        let path = try TextTemplate(spec.path).render { path in
            if path == "account.number" {
                return .text(
                    request.accountNumber.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed)
                        ?? request.accountNumber)
            }
            return request.value(path)
        }
        var body: [String: Any] = [:]
        for (name, template) in spec.fields {
            let text = try TextTemplate(template).render(request.value)
            if integers.contains(name) {
                guard let n = Int64(text) else {
                    throw TransportError(
                        .configuration, "\(partner.id): \(request.kind).\(name) is not a whole number: '\(text)'")
                }
                body[name] = n
            } else if !text.isEmpty {
                body[name] = text
            }
        }
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])
        let response = try client.request(
            method, path, body: .bytes(Array(data)), contentType: "application/json", idempotencyKey: request.id)
        guard (200..<300).contains(response.status) else {
            throw client.failure(response, "\(partner.id): \(request.kind) for \(request.accountNumber)")
        }
        return response.status
    }
}
