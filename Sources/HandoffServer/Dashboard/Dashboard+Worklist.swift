import Foundation
import HandoffDomain
import HandoffDunning
import HandoffStore
import HandoffConfig

extension DashboardPages {
    /// The work list: past-due accounts not with an agency, largest and oldest first, each with
    /// its next step and its date (the same ranking as `handoff worklist`).
    func worklist() throws -> Context {
        let asOf = config.today()
        let entries = try WorklistBuilder.build(config: config, store: store, asOf: asOf)
        return [
            "nav_worklist": true, "amount_weight": config.worklist.amountPercent,
            "age_weight": config.worklist.agePercent,
            "accounts": entries.enumerated().map { i, e -> Context in
                var row: Context = [
                    "rank": i + 1, "account": e.profile.accountNumber,
                    "account_path": Self.pathSegment(e.profile.accountNumber),
                    "name": e.profile.displayName, "past_due": Self.money(e.pastDue.minorUnits, e.pastDue.currency),
                    "days": e.daysPastDue, "score": e.score, "next": e.next.text, "date": e.next.date?.iso ?? "—",
                ]
                if case .nothing = e.next { row["held"] = true }
                return row
            },
        ]
    }

    /// The account's dunning messages as lines of its story (date, order 3 after placements).
    static func dunningStory(_ messages: [DunningMessageRecord]) -> [(CalendarDate, Int, Context)] {
        messages.map { m in
            let what = m.kind == .finalNotice ? "Final notice" : "Reminder"
            let state: String
            let tone: String
            switch m.delivery.state {
            case .sent: state = "e-mailed"; tone = "warn"
            case .sending: state = "being sent"; tone = "warn"
            case .retryLater: state = "to retry (\(m.lastError ?? ""))"; tone = "warn"
            case .failed(let reason): state = "refused by the mail server: \(reason)"; tone = "bad"
            case .unconfirmed:
                state = "interrupted: to confirm (handoff dunning confirm \(m.id) or resend \(m.id))"; tone = "bad"
            case .withdrawn(let reason): state = "not sent: \(reason)"; tone = ""
            }
            let currency = Currency(code: m.currency) ?? .usd
            return (
                m.asOf, 3,
                [
                    "date": m.asOf.iso, "what": "\(what) \(m.step) \(state)",
                    "detail": "to \(m.recipient): “\(m.subject)” · invoices \(m.invoices.joined(separator: ", "))"
                        + (m.placementDate.map { " · placement on \($0.iso)" } ?? "") + " · <\(m.messageID)>",
                    "amount": money(m.balance, currency), "source": "dunning", "tone": tone,
                ]
            )
        }
    }
}

extension DashboardTemplates {
    static let worklist = """
        {{<layout}}
        {{$title}}Work list{{/title}}
        {{$content}}
        <h1>Work list</h1>
        <p class="count">Past-due accounts not with an agency, ranked by \
        {{amount_weight}}% amount and {{age_weight}}% age
        (amounts are compared only within their own currency), each with its next step.</p>
        <div class="card flat">
        <div class="scroll"><table>
          <thead><tr><th class="num">#</th><th>Account</th><th>Name</th><th class="num">Past due</th>\
        <th class="num">Days</th><th class="num">Score</th><th>Next step</th><th>Date</th></tr></thead>
          <tbody>
          {{#accounts}}<tr class="{{#held}}bad{{/held}}"><td class="num">{{rank}}</td>\
        <td><a href="/accounts/{{account_path}}">{{account}}</a></td><td data-label="Name">{{name}}</td>
            <td class="num" data-label="Past due">{{past_due}}</td><td class="num" data-label="Days">{{days}}</td>\
        <td class="num" data-label="Score">{{score}}</td>
            <td data-label="Next step">{{next}}</td><td class="when" data-label="Date">{{date}}</td></tr>{{/accounts}}
          {{^accounts}}<tr><td colspan="8" class="empty">No past-due account outside an agency.</td></tr>{{/accounts}}
          </tbody>
        </table></div>
        </div>
        {{/content}}
        {{/layout}}
        """
}
