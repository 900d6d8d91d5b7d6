import Crypto
import Foundation
import HandoffDomain

/// A request-signing scheme described in a partner file, such as Meridian's: headers naming
/// the client, the time, and an HMAC-SHA256 over a string built from the request. The
/// secret is read from an environment variable or file, never from the partner file.
public struct RequestSigning: Sendable {
    public var clientID: String
    public var clientHeader: String
    public var timestampHeader: String
    public var signatureHeader: String
    /// With `{timestamp}`, `{method}`, `{path}` (with its query) and `{body_sha256}` (hex).
    public var stringToSign: String
    /// Seconds a signed timestamp stays valid (for verifying webhooks).
    public var maxSkewSeconds: Int
    private let secret: SymmetricKey

    public init(
        clientID: String, clientHeader: String, timestampHeader: String, signatureHeader: String, stringToSign: String,
        maxSkewSeconds: Int = 300, secret: [UInt8]) {
        self.clientID = clientID
        self.clientHeader = clientHeader
        self.timestampHeader = timestampHeader
        self.signatureHeader = signatureHeader
        self.stringToSign = stringToSign
        self.maxSkewSeconds = maxSkewSeconds
        self.secret = SymmetricKey(data: secret)
    }

    /// The signature of a request, lower-case hex.
    public func signature(method: String, path: String, bodySHA256: String, timestamp: Int64) -> String {
        let text = stringToSign.replacingOccurrences(of: "{timestamp}", with: String(timestamp))
            .replacingOccurrences(of: "{method}", with: method)
            .replacingOccurrences(of: "{path}", with: path)
            .replacingOccurrences(of: "{body_sha256}", with: bodySHA256)
        return Hex.encode(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: secret))
    }

    /// The headers to add to a request.
    public func headers(method: String, path: String, bodySHA256: String, timestamp: Int64) -> [(String, String)] {
        [(clientHeader, clientID), (timestampHeader, String(timestamp)),
         (signatureHeader, signature(method: method, path: path, bodySHA256: bodySHA256, timestamp: timestamp))]
    }

    /// Whether a received request (a webhook) is signed by this scheme's secret within the time window.
    public func verify(method: String, path: String, body: [UInt8], headers: [String: String], now: Int64) -> Bool {
        let lower = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        guard lower[clientHeader.lowercased()] == clientID,
            let ts = lower[timestampHeader.lowercased()].flatMap({ Int64($0) }),
            abs(now - ts) <= Int64(maxSkewSeconds), let given = lower[signatureHeader.lowercased()]
        else { return false }
        let expected = signature(
            method: method, path: path, bodySHA256: Hex.encode(SHA256.hash(data: body)), timestamp: ts)
        // Constant-time comparison.
        guard given.utf8.count == expected.utf8.count else { return false }
        return zip(given.utf8, expected.utf8).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
