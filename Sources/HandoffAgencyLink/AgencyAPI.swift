import Foundation
public import HandoffPartners
import HandoffTransport

/// What Handoff reads from an agency's HTTPS API, as its partner file describes it: pages of
/// its event feed (`events`) and the receipts of sent batches (`receipt`). Intake stores
/// the pages' events and the outbox the receipts; the fetching is here.
public struct AgencyAPI {
    public let partner: Partner
    public let https: HTTPSLink
    let client: HTTPSClient

    /// The partner's API; a configuration error when it has no HTTPS transport.
    public init(partner: Partner, factory: TransportFactory) throws {
        self.partner = partner
        https = try factory.https(of: partner)
        client = HTTPSClient(endpoint: try factory.httpsEndpoint(for: partner))
    }

    /// One page of the event feed.
    public struct FeedPage {
        /// The page as received, for the archive.
        public var body: [UInt8]
        /// Its events, as JSON objects.
        public var events: [[String: Any]]
        /// The cursor after it (the same cursor when the page names none).
        public var next: String
    }

    /// The page of the event feed after `cursor`. A page that is not a 200 answer holding a
    /// JSON object with the partner file's `items` is an error.
    public func feedPage(after cursor: String) throws -> FeedPage {
        guard let spec = https.events else {
            throw TransportError(.configuration, "\(partner.id) has no event feed in its partner file")
        }
        let response = try client.request("GET", spec.path.replacingOccurrences(of: "{cursor}", with: cursor))
        guard response.status == 200 else {
            throw client.failure(response, "\(partner.id): event feed")
        }
        guard let page = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
              let events = page[spec.items] as? [[String: Any]] else {
            throw TransportError(
                .other, "\(partner.id): the event feed page is not the JSON the partner file describes")
        }
        return FeedPage(body: response.body, events: events, next: page[spec.next].map { "\($0)" } ?? cursor)
    }

    /// A sent batch's receipt as the agency answered it.
    public enum Receipt {
        /// A 200 answer: the receipt's bytes, and its status when the partner file names `status_field`.
        case received(body: [UInt8], status: String?)
        /// Another answer (not 401 or 403): the agency has none yet.
        case notYet(httpStatus: Int)
    }

    /// The receipt of a sent batch (`receipt` in the partner file), by its batch id; `nil`
    /// when the partner file has no `receipt`. A refused login (401, 403) is an error.
    public func receipt(batchKey: String) throws -> Receipt? {
        guard let spec = https.receipt else { return nil }
        let response = try client.request("GET", spec.path.replacingOccurrences(of: "{batch.id}", with: batchKey))
        if response.status == 401 || response.status == 403 {
            throw client.failure(response, "\(partner.id): receipt of \(batchKey)")
        }
        guard response.status == 200 else { return .notYet(httpStatus: response.status) }
        var status: String?
        if let field = spec.statusField,
            let json = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        {
            status = json[field] as? String
        }
        return .received(body: response.body, status: status)
    }
}
