import HandoffDomain
public import HandoffStore
import Foundation

/// What a person does about a message that needs one: confirm that an interrupted message went
/// out, or ask to send a failed or interrupted one again (the same Message-ID; to the address the
/// AR record has now, when it was corrected since).
public enum DunningByHand {
    /// A message's id that names no message, or an action its state does not allow.
    public struct Refused: Error, CustomStringConvertible {
        public var description: String
    }

    /// Marks an unconfirmed message as sent (a final notice is then given, as of the day it was written for).
    /// The message with its `To:` header addressed to `new` instead of `old` (the display name,
    /// and everything else, unchanged).
    static func readdressed(_ content: [UInt8], from old: String, to new: String) -> [UInt8] {
        let text = String(decoding: content, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { return content }
        var lines = text[..<end.lowerBound].components(separatedBy: "\r\n")
        var inTo = false
        for i in lines.indices {
            let line = lines[i]
            if line.lowercased().hasPrefix("to:") {
                inTo = true
            } else if !(line.hasPrefix(" ") || line.hasPrefix("\t")) {
                inTo = false
            }
            if inTo { lines[i] = line.replacingOccurrences(of: old, with: new) }
        }
        return Array((lines.joined(separator: "\r\n") + text[end.lowerBound...]).utf8)
    }

    public static func confirm(id: Int64, store: any DunningStore) throws -> DunningMessageRecord {
        try store.writeDunning { w in
            guard let m = try w.dunningMessage(id: id) else {
                throw Refused(description: "there is no dunning message \(id)")
            }
            var delivery = m.delivery
            if case .invalid(let reason) = delivery.confirmedByHand() {
                throw Refused(
                    description: "message \(id) is \(m.delivery.state.stored.rawValue): \(reason); nothing was changed")
            }
            try w.updateDunningMessage(id: id, delivery, lastError: "confirmed as sent by a person")
            if m.kind == .finalNotice, try !w.finalNotices().contains(where: { $0.customerID == m.customerID }),
                let currency = Currency(code: m.currency)
            {
                try w.recordFinalNotice(
                    customerID: m.customerID, date: m.asOf, balance: Money(minorUnits: m.balance, currency: currency))
            }
            try w.appendAudit(
                AuditEntry(
                    actor: "cli", action: "dunning.confirmed", subject: m.accountNumber,
                    detail: "\(m.step) <\(m.messageID)>", source: nil))
            return m
        }
    }

    /// Puts a failed or unconfirmed message back in line: the next run sends it again.
    public static func resend(id: Int64, store: any DunningStore) throws -> DunningMessageRecord {
        try store.writeDunning { w in
            guard let m = try w.dunningMessage(id: id) else {
                throw Refused(description: "there is no dunning message \(id)")
            }
            var delivery = m.delivery
            if case .invalid(let reason) = delivery.resendByHand() {
                throw Refused(
                    description: "message \(id) is \(m.delivery.state.stored.rawValue): \(reason); nothing was changed")
            }
            try w.updateDunningMessage(id: id, delivery, lastError: nil)
            // The customer's address corrected since (the advice for a refused message): the
            // message goes to the address the AR record has now, with the same Message-ID.
            let current = (try w.customer(accountNumber: m.accountNumber)?.profile.email ?? "").trimmingSpaces
            if !current.isEmpty, current != m.recipient, EmailAddress.isSendable(current) {
                try w.readdressDunningMessage(
                    id: id, recipient: current, content: Self.readdressed(m.content, from: m.recipient, to: current))
            }
            try w.appendAudit(
                AuditEntry(
                    actor: "cli", action: "dunning.resend", subject: m.accountNumber,
                    detail: "\(m.step) <\(m.messageID)>", source: nil))
            return m
        }
    }
}
