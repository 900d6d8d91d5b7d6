import ArgumentParser
import HandoffDomain
import HandoffStore

/// `handoff recall ACCOUNT --reason TEXT`: ask the agency that holds an account to give it back.
struct RecallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recall",
        abstract: "Ask the agency that holds an account to return it; `handoff send` delivers the request, the agency's answer confirms or objects.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The account number.")
    var account: String

    @Option(help: "Why the business recalls it (sent to the agency).")
    var reason: String

    func run() throws {
        let context = try global.open()
        let today = context.config.today()
        let message = try context.store.writeReconciliation { w -> String in
            guard let customer = try w.customer(accountNumber: account) else { throw CLIError("no account '\(account)'") }
            guard let placement = try w.placements(customerID: customer.id).last(where: { $0.state.isOpen }) else {
                throw CLIError("\(account) is not with an agency")
            }
            var lifecycle = PlacementLifecycle(state: placement.state)
            switch lifecycle.recallRequested() {
            case .invalid(let why): throw CLIError("\(account) with \(placement.partnerID): \(why)")
            case .none: throw CLIError("\(account) with \(placement.partnerID): a recall is already pending")
            default: break
            }
            try w.updatePlacement(id: placement.id, state: lifecycle.state, agencyReference: nil, agencyStatus: nil)
            let attempt = try w.requests(state: nil).filter { $0.partnerID == placement.partnerID && $0.kind == "recall" && $0.customerID == customer.id }.count + 1
            try w.queueRequest(partnerID: placement.partnerID, customerID: customer.id, placementID: placement.id, kind: "recall",
                               requestID: "RCL-\(placement.id)-\(attempt)", amount: nil, date: today, reason: reason, note: reason)
            try w.appendAudit(AuditEntry(actor: "cli", action: "placement.recall_requested", subject: account, detail: "\(placement.partnerID): \(reason)"))
            return "recall of \(account) from \(placement.partnerID) queued; `handoff send` delivers it"
        }
        print(message)
    }
}
