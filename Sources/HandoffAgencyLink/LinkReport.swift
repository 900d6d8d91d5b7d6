/// What happened to one file, request, receipt or feed on its way to or from an agency, as
/// `handoff send`, `handoff fetch` and the daemon's jobs report it.
public struct LinkReport: Sendable {
    public var partnerID: String
    public var name: String
    public var outcome: String
    /// Set when this failed: `.temporary` (the next run tries again) or `.permanent` (a
    /// person must fix something first).
    public var failure: LinkFailure? = nil

    public init(partnerID: String, name: String, outcome: String, failure: LinkFailure? = nil) {
        self.partnerID = partnerID
        self.name = name
        self.outcome = outcome
        self.failure = failure
    }

    /// A failure, counted by ``LinkFailure/init(_:)``.
    public init(partnerID: String, name: String, outcome: String, error: any Error) {
        self.init(partnerID: partnerID, name: name, outcome: outcome, failure: LinkFailure(error))
    }
}
