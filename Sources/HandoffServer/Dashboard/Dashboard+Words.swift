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
