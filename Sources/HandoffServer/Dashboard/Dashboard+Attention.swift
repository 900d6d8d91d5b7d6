import Foundation
import HandoffStore

extension DashboardPages {
    /// The overview's "Needs attention" queue: each item says what happened, in words for the
    /// business owner, and offers the action that deals with it (a button where the dashboard can
    /// do it, else the page or command that can).
    static func attention(_ items: [AttentionItem]) -> [Context] {
        items.map { item -> Context in
            let partner = item.partnerID ?? "the agency"
            let account = item.accountNumber.map { "/accounts/" + pathSegment($0) }
            let when = String(item.when.prefix(10))
            var entry: Context = ["kind": item.kind.rawValue, "when": when, "detail": item.detail ?? ""]
            switch item.kind {
            case .heldEvent:
                let what = item.eventKind.map(OwnerWords.event(kind:)) ?? "event"
                entry["what"] =
                    "\(partner)’s \(what) \(item.subject) for \(item.accountNumber ?? "an unknown account") "
                    + "was not applied"
                entry["advice"] = Advice.event(
                    partner: partner, state: "held", reason: item.detail, kind: item.eventKind)
                // A conflict or an overpayment is settled by a person with the agency, then
                // dismissed: Retry could never apply it, so it is not offered.
                if !Advice.settledByAPerson(item.eventKind) {
                    entry["form"] = "/events/\(item.id)/retry"
                    entry["button"] = "Retry"
                }
                entry["href"] = "/files"
                entry["link"] = "Dismiss on the Files page"
            case .quarantinedFile, .heldFile:
                let state = item.kind == .quarantinedFile ? "quarantined" : "held"
                entry["what"] = "\(partner)’s file \(item.subject) was \(state)"
                entry["advice"] =
                    Advice.inbox(partner: partner, name: item.subject, state: state, reason: item.detail) ?? ""
                entry["href"] = "/files"
                entry["link"] = "See the file"
            case .failedTransfer:
                entry["what"] = "\(item.subject) could not be sent to \(partner)"
                entry["advice"] = Advice.outbox(
                    id: item.id, partner: partner, state: "failed", error: item.detail, notBefore: nil)
                entry["form"] = "/outbox/\(item.id)/retry"
                entry["button"] = "Retry"
            case .commissionDifference:
                let difference = item.amount ?? 0
                let money = item.currency.map { Self.money(abs(difference), code: $0) } ?? "\(abs(difference))"
                entry["what"] =
                    "\(partner) took \(money) \(difference > 0 ? "more" : "less") "
                    + "commission than its schedule on \(item.subject)"
                entry["advice"] =
                    "Check the rate in partners/\(partner).toml against the contract; "
                    + "if the agency is wrong, claim the difference on its next remittance."
                entry["href"] = account
                entry["link"] = "See \(item.accountNumber ?? "the account")"
            case .remittanceDifference:
                entry["what"] = "\(partner)’s remittance statement \(item.subject) does not match what was recorded"
                entry["advice"] =
                    "Each transaction that differs is listed on the Remittances page; "
                    + "settle them with \(partner) before booking the statement."
                // The differences as stored (JSON) in words, in the statement's currency.
                if let json = item.detail?.data(using: .utf8),
                    let differences = try? JSONDecoder().decode([RemittanceRecord.Difference].self, from: json),
                    !differences.isEmpty
                {
                    let money: (Int64?) -> String = { n in
                        n.map { v in item.currency.map { Self.money(v, code: $0) } ?? "\(v)" } ?? "—"
                    }
                    entry["detail"] = differences.map { Self.difference($0, money: money) }.joined(separator: "; ")
                }
                entry["href"] = "/remittances"
                entry["link"] = "See the statement"
            case .rejectedPlacement:
                entry["what"] = "\(partner) rejected \(item.subject)"
                entry["advice"] =
                    "Fix what the agency names, then clear the rejection on the account’s page "
                    + "so that it may be offered again."
                entry["href"] = account
                entry["link"] = "See \(item.subject)"
            case .returnedAccount:
                let balance = item.amount.flatMap { a in item.currency.map { Self.money(a, code: $0) } } ?? ""
                entry["what"] =
                    "\(partner) returned \(item.subject) as uncollectable"
                    + (balance.isEmpty ? "" : " (placed at \(balance))")
                entry["advice"] =
                    "Decide whether to write it off in your books "
                    + "or let the next placement run offer it to another agency."
                entry["href"] = account
                entry["link"] = "See \(item.subject)"
            case .newHold:
                entry["what"] = "\(item.subject) got a hold"
                entry["advice"] =
                    "No agency is offered it while the hold stands, and no reminder goes out. "
                    + "Check your own records for the account."
                entry["href"] = account
                entry["link"] = "See \(item.subject)"
            case .licenceExpiring:
                entry["what"] = "\(partner)’s licence for \(item.subject) \(item.detail ?? "expires soon")"
                entry["advice"] =
                    "Once it expires no account in \(item.subject) is placed with \(partner). Ask the agency "
                    + "for its renewal and put the new date in partners/\(partner).toml ([compliance] licences)."
                entry["detail"] = ""
                entry["href"] = "/agencies#\(partner)"
                entry["link"] = "See \(partner)"
            case .recallObjection:
                entry["what"] = "\(partner) objected to recalling \(item.subject) where its terms do not entitle it to"
                entry["advice"] =
                    "Its partner file's [terms] (objections_allowed, objections_need_payment_plan) says when it may "
                    + "object. Take it up with \(partner); the account stays with it until it confirms a recall."
                entry["href"] = account
                entry["link"] = "See \(item.subject)"
            case .failedRequest:
                entry["what"] =
                    "Request \(item.subject) to \(partner) about \(item.accountNumber ?? "an account") "
                    + "did not go through"
                entry["advice"] =
                    "The agency’s reason is below; fix it with \(partner), "
                    + "then ask again (the Requests page lists every request)."
                entry["href"] = account
                entry["link"] = "See \(item.accountNumber ?? "the account")"
            case .failedMessage:
                entry["what"] =
                    "The \(item.subject) e-mail to \(item.accountNumber ?? "an account") was refused by the mail server"
                entry["advice"] =
                    "Correct the customer’s e-mail address in your accounting system and import it again, "
                    + "then run `handoff dunning resend \(item.id)`; the server’s answer is below."
                entry["href"] = account
                entry["link"] = "See \(item.accountNumber ?? "the account")"
            case .unconfirmedMessage:
                entry["what"] =
                    "The \(item.subject) e-mail to \(item.accountNumber ?? "an account") may or may not have gone out"
                entry["advice"] =
                    "Handoff stopped during the mail server’s transaction. Check the sent mail of your mail server for "
                    + "Message-ID \(item.detail ?? ""), then run `handoff dunning confirm \(item.id)` "
                    + "if it went out, or `handoff dunning resend \(item.id)` if not."
                entry["href"] = account
                entry["link"] = "See \(item.accountNumber ?? "the account")"
            }
            return entry
        }
    }
}
