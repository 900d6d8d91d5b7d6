import HandoffTransport

/// Whether something that failed on the way to or from an agency may work on its own next time.
public enum LinkFailure: String, Sendable {
    /// The next run tries again (the network, the agency's server, a full disk here, the
    /// run's time budget): `handoff send` and `handoff fetch` exit 75 (EX_TEMPFAIL).
    case temporary
    /// A person must fix something first: they exit 1.
    case permanent

    /// How an error counts: a ``TransportError`` by `isPermanent`; anything else is permanent.
    public init(_ error: any Error) {
        self = (error as? TransportError).map { $0.isPermanent ? .permanent : .temporary } ?? .permanent
    }
}
