public import HandoffDomain
public import HandoffStore

/// What a person does about a message that needs one: confirm that an interrupted message went
/// out, or ask to send a failed or interrupted one again (the same bytes, the same Message-ID).
public enum DunningByHand {
    /// A message's id that names no message, or an action its state does not allow.
    public struct Refused: Error, CustomStringConvertible {
        public var description: String
    }

    /// Marks an unconfirmed message as sent (a final notice is then given, as of the day it was written for).
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
            try w.appendAudit(
                AuditEntry(
                    actor: "cli", action: "dunning.resend", subject: m.accountNumber,
                    detail: "\(m.step) <\(m.messageID)>", source: nil))
            return m
        }
    }
}
