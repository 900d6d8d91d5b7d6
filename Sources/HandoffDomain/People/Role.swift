/// What a person may do with Handoff. Each role includes the one below it: an operator may do
/// everything a viewer may, and an admin everything an operator may.
public enum Role: String, CaseIterable, Sendable, Hashable, Comparable {
    /// Reads: the dashboard's pages and every `GET` of the API.
    case viewer
    /// Runs the jobs (fetch, send, a placement after its preview), recalls, notifies and clears,
    /// and retries or sets aside what waits for a person.
    case `operator`
    /// Everything, including adding people, changing their roles and revoking their tokens.
    case admin

    private var rank: Int {
        switch self {
        case .viewer: return 0
        case .operator: return 1
        case .admin: return 2
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }

    /// Whether a person of this role may do `action`.
    public func allows(_ action: Permission) -> Bool { self >= action.leastRole }

    /// The role as the dashboard and the CLI name it.
    public var label: String {
        switch self {
        case .viewer: return "viewer (reads)"
        case .operator: return "operator (runs jobs, places after preview, recalls, notifies, clears)"
        case .admin: return "admin (everything, including people)"
        }
    }
}

/// Something a person asks Handoff to do, as far as roles are concerned.
public enum Permission: String, CaseIterable, Sendable, Hashable {
    /// Seeing figures, accounts, files and requests.
    case read
    /// Fetching, sending, previewing and confirming a placement run.
    case runJobs = "run_jobs"
    /// Recalling an account, telling an agency of a dispute or bankruptcy, clearing a rejection.
    case actOnAccounts = "act_on_accounts"
    /// Retrying a failed transfer or a held event, or setting a held event aside.
    case resolveProblems = "resolve_problems"
    /// Adding people, changing their roles, revoking their tokens.
    case managePeople = "manage_people"

    /// The least role that may do it.
    public var leastRole: Role {
        switch self {
        case .read: return .viewer
        case .runJobs, .actOnAccounts, .resolveProblems: return .operator
        case .managePeople: return .admin
        }
    }

    /// What it is, in words for a refusal: "Running jobs needs the operator role…".
    public var words: String {
        switch self {
        case .read: return "Reading"
        case .runJobs: return "Running jobs (fetch, send, placement)"
        case .actOnAccounts: return "Recalling, notifying and clearing accounts"
        case .resolveProblems: return "Retrying transfers and held events"
        case .managePeople: return "Managing people"
        }
    }

    /// Why `person` of `role` may not do it, in words an owner understands, or `nil` when they may.
    public func refusal(person: String, role: Role) -> String? {
        guard !role.allows(self) else { return nil }
        return
            "\(words) needs the \(leastRole.rawValue) role; \(person) is a \(role.rawValue). "
            + "An admin can change that with "
            + "`handoff people role \(person) \(leastRole.rawValue)`."
    }
}
