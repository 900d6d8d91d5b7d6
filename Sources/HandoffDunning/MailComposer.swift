import Crypto
public import Foundation
import HandoffDomain

/// A dunning message ready to send: its envelope and its bytes (RFC 5322, MIME
/// multipart/alternative, CRLF line ends).
public struct ComposedMail: Sendable, Equatable {
    /// Envelope sender and recipient (bare addresses).
    public var from: String
    public var to: String
    /// Without angle brackets.
    public var messageID: String
    public var subject: String
    public var bytes: [UInt8]
}

/// Builds dunning messages: UTF-8 throughout, headers with non-ASCII text as RFC 2047 encoded
/// words, and a text and an HTML part, each quoted-printable. Pure (it is given the time).
public enum MailComposer {
    /// The stable Message-ID of an account's step in a cycle: the same on every run and every
    /// machine, so that a message sent again is recognisably the same message.
    public static func messageID(accountNumber: String, step: String, cycle: String, fromAddress: String) -> String {
        let digest = SHA256.hash(data: Data("\(accountNumber)\u{0}\(step)\u{0}\(cycle)".utf8))
        let hex = digest.prefix(12).map { String(format: "%02x", $0) }.joined()
        let domain = fromAddress.split(separator: "@").last.map(String.init) ?? "handoff.invalid"
        return "dunning.\(step).\(cycle).\(hex)@\(domain)"
    }

    /// Composes a message. `fromHeader` is `Name <address>` or an address; `toName` may be empty.
    public static func compose(
        fromHeader: String, fromAddress: String, replyTo: String?, toName: String, toAddress: String,
        subject: String, text: String, html: String, messageID: String, date: Date
    ) -> ComposedMail {
        let boundary = "=_handoff_" + messageID.prefix(while: { $0 != "@" }).replacingOccurrences(of: ".", with: "_")
        var headers: [String] = []
        headers.append(header("From", mailbox(fromHeader, address: fromAddress)))
        headers.append(
            header("To", mailbox(toName.isEmpty ? toAddress : "\(toName) <\(toAddress)>", address: toAddress)))
        if let replyTo, let address = replyAddress(replyTo) {
            headers.append(header("Reply-To", mailbox(replyTo, address: address)))
        }
        headers.append(header("Subject", encodedText(singleLine(subject))))
        headers.append("Date: " + rfc5322Date(date))
        headers.append("Message-ID: <\(messageID)>")
        headers.append("MIME-Version: 1.0")
        headers.append("Auto-Submitted: auto-generated")
        headers.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
        var body = headers.joined(separator: "\r\n") + "\r\n\r\n"
        body += "This is a message in MIME format: a plain text part and an HTML part.\r\n"
        for (type, content) in [("text/plain", text), ("text/html", html)] {
            body += "\r\n--\(boundary)\r\n"
            body += "Content-Type: \(type); charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            body += quotedPrintable(content)
        }
        body += "\r\n--\(boundary)--\r\n"
        return ComposedMail(
            from: fromAddress, to: toAddress, messageID: messageID, subject: subject, bytes: Array(body.utf8))
    }

    /// Text on one line: line breaks and other control characters become spaces (no header injection).
    static func singleLine(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
            .trimmingCharacters(in: .whitespaces)
    }

    private static func replyAddress(_ text: String) -> String? {
        var candidate = text.trimmingCharacters(in: .whitespaces)
        if let open = candidate.lastIndex(of: "<"), candidate.hasSuffix(">") {
            candidate = String(candidate[candidate.index(after: open)..<candidate.index(before: candidate.endIndex)])
        }
        return EmailAddress.isSendable(candidate) ? candidate : nil
    }

    /// `"Display Name" <address>`, the name quoted (ASCII) or encoded (otherwise).
    static func mailbox(_ text: String, address: String) -> String {
        var name = text.trimmingCharacters(in: .whitespaces)
        if let open = name.lastIndex(of: "<"), name.hasSuffix(">") {
            name = String(name[..<open]).trimmingCharacters(in: .whitespaces)
        } else {
            name = ""
        }
        if name.hasPrefix("\"") && name.hasSuffix("\"") && name.count >= 2 {
            name = String(name.dropFirst().dropLast())
        }
        name = singleLine(name)
        guard !name.isEmpty else { return "<\(address)>" }
        if name.unicodeScalars.allSatisfy({ $0.isASCII }) {
            let quoted = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(quoted)\" <\(address)>"
        }
        return encodedWords(name) + " <\(address)>"
    }

    /// Header text: as it is when ASCII, else RFC 2047 encoded words.
    static func encodedText(_ text: String) -> String {
        text.unicodeScalars.allSatisfy({ $0.isASCII }) ? text : encodedWords(text)
    }

    /// RFC 2047 `=?utf-8?B?…?=` words of at most 75 characters, never splitting a character,
    /// separated by folding whitespace.
    static func encodedWords(_ text: String) -> String {
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            // 45 bytes of UTF-8 give 60 characters of base64: with "=?utf-8?B?" and "?=" a word of 72.
            if chunk.count + bytes.count > 45 {
                words.append("=?utf-8?B?" + Data(chunk).base64EncodedString() + "?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?utf-8?B?" + Data(chunk).base64EncodedString() + "?=") }
        return words.joined(separator: "\r\n ")
    }

    /// A header line, folded where it is long and has spaces to fold at (encoded words carry their own folds).
    static func header(_ name: String, _ value: String) -> String { "\(name): \(value)" }

    /// Quoted-printable (RFC 2045) of UTF-8 text: lines end in CRLF, none longer than 76
    /// characters; `=`, bytes outside printable ASCII, a space or tab before a line end and a
    /// dot that starts a line are encoded.
    public static func quotedPrintable(_ text: String) -> String {
        let normalised = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        var out = ""
        var lines = normalised.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.count > 1, lines.last?.isEmpty == true { lines.removeLast() }  // the text's own last line end
        for line in lines {
            let bytes = Array(line.utf8)
            var current = ""
            for (i, b) in bytes.enumerated() {
                let last = i == bytes.count - 1
                var piece: String
                if (b == 0x20 || b == 0x09) && last {
                    piece = String(format: "=%02X", b)
                } else if b == 0x2E && i == 0 {
                    piece = "=2E"
                } else if (b >= 0x21 && b <= 0x7E && b != 0x3D) || b == 0x20 || b == 0x09 {
                    piece = String(UnicodeScalar(b))
                } else {
                    piece = String(format: "=%02X", b)
                }
                if current.count + piece.count > 75 {
                    out += current + "=\r\n"
                    current = ""
                    if piece == "." { piece = "=2E" }
                }
                current += piece
            }
            out += current + "\r\n"
        }
        return out
    }

    /// `Wed, 02 Dec 2026 11:00:00 +0000`.
    static func rfc5322Date(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return f.string(from: date)
    }
}
