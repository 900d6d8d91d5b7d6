import ArgumentParser
import HandoffPartners
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

/// `handoff notify ACCOUNT --kind dispute|bankruptcy|deceased|cease_contact --note TEXT`.
struct NotifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Tell the agency that holds an account about a dispute, a bankruptcy, a death or a cease-contact request the business received.")

    enum Kind: String, ExpressibleByArgument, CaseIterable { case dispute, bankruptcy, deceased, cease_contact }

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The account number.") var account: String
    @Option(help: "dispute, bankruptcy, deceased or cease_contact.") var kind: Kind
    @Option(help: "What the business received, in a few words.") var note: String

    func run() throws {
        let context = try global.open()
        let today = context.config.today()
        let message = try context.store.writeReconciliation { w -> String in
            guard let customer = try w.customer(accountNumber: account) else { throw CLIError("no account '\(account)'") }
            guard let placement = try w.placements(customerID: customer.id).last(where: { $0.state.isOpen }) else {
                throw CLIError("\(account) is not with an agency")
            }
            let n = try w.requests(state: nil).filter { $0.customerID == customer.id && $0.kind == kind.rawValue }.count + 1
            let prefix = ["dispute": "DSP", "bankruptcy": "BKR", "deceased": "DEC", "cease_contact": "CND"][kind.rawValue]!
            try w.queueRequest(partnerID: placement.partnerID, customerID: customer.id, placementID: placement.id, kind: kind.rawValue,
                               requestID: "\(prefix)-\(placement.id)-\(n)", amount: nil, date: today, reason: note, note: note)
            try w.appendAudit(AuditEntry(actor: "cli", action: "agency.notify", subject: account, detail: "\(kind.rawValue) to \(placement.partnerID): \(note)"))
            return "\(kind.rawValue) notice for \(account) queued for \(placement.partnerID); `handoff send` delivers it"
        }
        print(message)
    }
}

/// `handoff requests`: every request to an agency, with its state.
struct RequestsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "requests",
        abstract: "Requests to agencies (recalls, direct payments, adjustments, notices): queued, sent, accepted, confirmed, objected, rejected or failed.")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "JSON output.") var json = false

    struct Line: Encodable {
        var id: Int64
        var partner: String
        var account_number: String
        var kind: String
        var request_id: String
        var amount: Int64?
        var currency: String?
        var date: String
        var state: String
        var last_error: String?
    }

    func run() throws {
        let context = try global.open()
        let lines = try context.store.readReconciliation { try $0.requests(state: nil) }.map {
            Line(id: $0.id, partner: $0.partnerID, account_number: $0.accountNumber, kind: $0.kind, request_id: $0.requestID,
                 amount: $0.amount?.minorUnits, currency: $0.amount?.currency.code, date: $0.date.iso, state: $0.state, last_error: $0.lastError)
        }
        if json { print(try Output.json(lines)); return }
        for l in lines {
            print("#\(l.id)  \(Output.cell(l.partner, 20))  \(Output.cell(l.account_number, 12))  \(Output.cell(l.kind, 14))  \(Output.cell(l.request_id, 20))  \(l.state)"
                  + (l.last_error.map { ": \($0)" } ?? ""))
        }
        if lines.isEmpty { print("no requests") }
    }
}

/// `handoff clear ACCOUNT --partner ID`: lift an agency's rejection of an account.
struct ClearCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clear",
        abstract: "Clear an agency's rejection of an account (after fixing its cause), so that the agency may be offered it again.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The account number.") var account: String
    @Option(help: "The agency that rejected it.") var partner: String

    func run() throws {
        let context = try global.open()
        let cleared = try context.store.writeReconciliation { w -> Bool in
            guard let customer = try w.customer(accountNumber: account) else { throw CLIError("no account '\(account)'") }
            let done = try w.clearRejection(customerID: customer.id, partnerID: partner)
            if done { try w.appendAudit(AuditEntry(actor: "cli", action: "placement.rejection_cleared", subject: account, detail: partner)) }
            return done
        }
        guard cleared else {
            let known = PartnerLoader.loadAll(directory: context.config.partnersDirectory).partners.map(\.id).sorted()
            if !known.contains(partner) {
                throw CLIError("there is no agency '\(partner)' (the partner files name \(known.isEmpty ? "none" : known.joined(separator: ", ")))")
            }
            throw CLIError("\(partner) has no uncleared rejection of \(account)")
        }
        print("\(partner)'s rejection of \(account) is cleared: the next placement run may offer it again")
    }
}
