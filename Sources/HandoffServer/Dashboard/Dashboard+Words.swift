import HandoffDomain
import Foundation

/// The words the dashboard shows for Handoff's internal states: the one place where a
/// placement's state becomes something an owner understands.
enum OwnerWords {
    /// A placement's state, as an owner would say it.
    static func placement(_ state: PlacementLifecycle.State) -> String {
        switch state {
        case .selected: return "chosen, not yet in a file"
        case .batched: return "in a file not yet sent"
        case .sent: return "sent, waiting for the agency’s answer"
        case .accepted: return "accepted by the agency"
        case .rejected: return "rejected by the agency"
        case .active: return "the agency is collecting"
        case .recallPending: return "recall asked, waiting for the agency"
        case .closed: return "closed"
        }
    }

    /// The same from a state's stored name (`recall_pending`), as the accounts list reads it;
    /// a name Handoff does not know is shown as it is.
    static func placement(named name: String) -> String {
        let state: PlacementLifecycle.State? =
            switch name {
            case "selected": .selected
            case "batched": .batched(batchID: 0)
            case "sent": .sent
            case "accepted": .accepted(agencyReference: nil)
            case "rejected": .rejected(reason: "")
            case "active": .active
            case "recall_pending": .recallPending
            case "closed": .closed(.withdrawn)
            default: nil
            }
        return state.map(placement) ?? name.replacingOccurrences(of: "_", with: " ")
    }
}

extension OwnerWords {
    /// What an agency's event was, from its stored kind (`payment_collected`).
    static func event(kind: String) -> String {
        switch kind {
        case "accepted": "account accepted"
        case "rejected": "account rejected"
        case "acknowledged": "file acknowledged"
        case "file_rejected": "file rejected"
        case "status_changed": "status reported"
        case "payment_collected": "payment collected"
        case "payment_reversed": "payment reversed"
        case "direct_payment_echo": "payment to you, reported back"
        case "remittance_line", "remittance_total", "remittance_statement": "remittance"
        case "recall_confirmed": "recall confirmed"
        case "recall_objected": "recall objected to"
        default: kind.replacingOccurrences(of: "_", with: " ")
        }
    }

    /// Where an agency's event stands.
    static func event(_ state: AgencyEventState) -> String {
        switch state {
        case .applied: "applied"
        case .held: "held for you"
        case .waiting: "waiting for the payment it reverses"
        case .dismissed: "dismissed"
        }
    }

    /// Where a request to an agency stands.
    static func request(_ state: AgencyRequestState) -> String {
        switch state {
        case .queued: "waiting to be sent"
        case .sent: "sent"
        case .accepted: "taken by the agency, waiting for its answer"
        case .confirmed: "done"
        case .objected: "the agency objected"
        case .rejected: "refused by the agency"
        case .failed: "could not be sent"
        }
    }

    /// Where a file to an agency stands, from its stored name (`retry_later`).
    static func outbox(named name: String) -> String {
        switch name {
        case "staged": "waiting to be sent"
        case "sending": "being sent"
        case "sent": "sent, waiting for the agency’s receipt"
        case "confirmed": "delivered"
        case "retry_later": "to try again"
        case "failed": "failed: needs you"
        default: name.replacingOccurrences(of: "_", with: " ")
        }
    }

    /// Where a file from an agency stands.
    static func inbox(_ state: InboxFileState) -> String {
        switch state {
        case .received: "received"
        case .held: "held for you"
        case .quarantined: "set aside"
        case .applied: "taken in"
        }
    }

    /// What kind of file an agency sent, from its stored kind (`acknowledgement`).
    static func inbox(kind: String) -> String {
        kind == "unknown" ? "not recognised" : kind.replacingOccurrences(of: "_", with: " ")
    }

    /// Where a placement file stands, from its stored name (`receipted`).
    static func batch(named name: String) -> String {
        switch name {
        case "staged": "written"
        case "queued": "queued to send"
        case "sent": "sent"
        case "receipted": "received by the agency"
        default: name.replacingOccurrences(of: "_", with: " ")
        }
    }

    /// A hold on an account, as an owner would say it.
    static func hold(_ hold: Hold) -> String {
        switch hold {
        case .ceaseContact: "cease contact"
        case .bankruptcy: "bankruptcy"
        case .deceased: "deceased"
        case .doNotPlace: "do not place"
        case .attorney: "represented by an attorney"
        case .minor: "a minor"
        case .military: "active-duty military"
        case .identityTheft: "identity theft claimed"
        case .validationRequested: "validation requested"
        }
    }

    /// The same from a hold's stored name; a name Handoff does not know is shown without underscores.
    static func hold(named name: String) -> String {
        Hold(rawValue: name).map(hold) ?? name.replacingOccurrences(of: "_", with: " ")
    }
}
