import Foundation
import HandoffConfig
import HandoffDomain
import HandoffDunning
import Testing

/// The message a dunning step sends, built without any I/O: MIME, encodings, templates.
@Suite struct MailComposerTests {
    static func decodeQP(_ text: String) -> String {
        var bytes: [UInt8] = []
        let u = Array(text.replacingOccurrences(of: "=\r\n", with: "").utf8)
        var i = 0
        while i < u.count {
            if u[i] == 0x3D, i + 2 < u.count,
                let b = UInt8(String(decoding: u[(i + 1)...(i + 2)], as: UTF8.self), radix: 16)
            {
                bytes.append(b); i += 3
            } else {
                bytes.append(u[i]); i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func quotedPrintableKeepsLinesShortAndRoundTrips() {
        let text = "Café déjà vu = " + String(repeating: "é", count: 60) + " \n.starts with a dot\ttrailing tab\t\n"
        let qp = MailComposer.quotedPrintable(text)
        for line in qp.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 76) }
        #expect(!qp.contains("\n.") && !qp.hasPrefix("."))
        #expect(qp.unicodeScalars.allSatisfy { $0.isASCII })
        #expect(Self.decodeQP(qp) == text.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    @Test func headersAreEncodedAndCannotBeInjected() {
        let mail = MailComposer.compose(
            fromHeader: "Maple & Main Supply Co. <ar@maple.example>", fromAddress: "ar@maple.example",
            replyTo: nil, toName: "Hélène Côté\r\nBcc: evil@example.com", toAddress: "helene@example.com",
            subject: "Rappel : facture échue\r\nBcc: evil@example.com", text: "t", html: "<p>h</p>",
            messageID: "dunning.r1.2026-01-01.abc@maple.example", date: Date(timeIntervalSince1970: 0))
        let text = String(decoding: mail.bytes, as: UTF8.self)
        let head = text.components(separatedBy: "\r\n\r\n")[0]
        #expect(head.unicodeScalars.allSatisfy { $0.isASCII })
        #expect(!head.contains("\r\nBcc:"))
        #expect(head.contains("From: \"Maple & Main Supply Co.\" <ar@maple.example>"))
        #expect(head.contains("Subject: =?utf-8?B?"))
        #expect(head.contains("Message-ID: <dunning.r1.2026-01-01.abc@maple.example>"))
        #expect(head.contains("Content-Type: multipart/alternative; boundary="))
        #expect(text.contains("Content-Type: text/plain; charset=utf-8"))
        #expect(text.contains("Content-Type: text/html; charset=utf-8"))
    }

    @Test func messageIDIsStablePerAccountStepAndCycle() {
        let a = MailComposer.messageID(
            accountNumber: "A-1", step: "r1", cycle: "2026-01-01", fromAddress: "ar@x.example")
        #expect(
            a
                == MailComposer.messageID(
                    accountNumber: "A-1", step: "r1", cycle: "2026-01-01", fromAddress: "ar@x.example"))
        #expect(
            a
                != MailComposer.messageID(
                    accountNumber: "A-1", step: "r1", cycle: "2026-02-01", fromAddress: "ar@x.example"))
        #expect(
            a
                != MailComposer.messageID(
                    accountNumber: "A-2", step: "r1", cycle: "2026-01-01", fromAddress: "ar@x.example"))
        #expect(a.hasSuffix("@x.example"))
    }
}
