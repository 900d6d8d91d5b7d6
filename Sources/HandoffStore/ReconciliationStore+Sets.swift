public import HandoffDomain

// MARK: - A chunk's placement writes, held back and written as sets

/// What an agency event does to a placement: its new lifecycle state, and the agency's
/// reference and status code when the event carries them (one of a chunk's, written together
/// by ``ReconciliationWriting/updatePlacements(_:)``).
public struct PlacementChange: Hashable, Sendable {
    public var placementID: Int64
    public var state: PlacementLifecycle.State
    public var agencyReference: String?
    public var agencyStatus: String?

    public init(placementID: Int64, state: PlacementLifecycle.State, agencyReference: String?, agencyStatus: String?) {
        self.placementID = placementID
        self.state = state
        self.agencyReference = agencyReference
        self.agencyStatus = agencyStatus
    }

    /// What one placement's row ends as after a list of changes: the state named last, and
    /// for the reason, reference and status the last one given (`nil`: the row keeps its own).
    public struct Stored: Hashable, Sendable {
        public var placementID: Int64
        public var state: String
        public var reason: String?
        public var agencyReference: String?
        public var agencyStatus: String?

        public init(placementID: Int64, state: String, reason: String?, agencyReference: String?,
                    agencyStatus: String?) {
            self.placementID = placementID
            self.state = state
            self.reason = reason
            self.agencyReference = agencyReference
            self.agencyStatus = agencyStatus
        }
    }

    /// The changes of a list, one per placement in the order each first appears, each as the
    /// placement's row ends after all of its changes in order: the same row as writing them
    /// one by one (``ReconciliationWriting/updatePlacement(id:state:agencyReference:agencyStatus:)``).
    public static func stored(_ changes: [PlacementChange]) -> [Stored] {
        var out: [Stored] = []
        var at: [Int64: Int] = [:]
        for c in changes {
            let fields = c.state.storedFields
            let reference = c.agencyReference ?? fields.agencyReference
            if let i = at[c.placementID] {
                out[i].state = fields.name
                out[i].reason = fields.reason ?? out[i].reason
                out[i].agencyReference = reference ?? out[i].agencyReference
                out[i].agencyStatus = c.agencyStatus ?? out[i].agencyStatus
            } else {
                at[c.placementID] = out.count
                out.append(
                    Stored(
                        placementID: c.placementID, state: fields.name, reason: fields.reason,
                        agencyReference: reference, agencyStatus: c.agencyStatus))
            }
        }
        return out
    }
}

/// A status code an agency reported for a placement, on its date, under the event's key
/// (one of a chunk's, written together by ``ReconciliationWriting/recordPlacementStatuses(_:)``).
public struct ReportedStatus: Hashable, Sendable {
    public var placementID: Int64
    public var date: CalendarDate
    public var code: String
    public var meaning: StatusMeaning
    public var eventKey: String

    public init(placementID: Int64, date: CalendarDate, code: String, meaning: StatusMeaning, eventKey: String) {
        self.placementID = placementID
        self.date = date
        self.code = code
        self.meaning = meaning
        self.eventKey = eventKey
    }
}

extension ReconciliationWriting {
    /// One at a time, in order: an engine whose statements cost no round trip (SQLite) gains
    /// nothing from a set.
    public func updatePlacements(_ changes: [PlacementChange]) throws {
        for c in changes {
            try updatePlacement(
                id: c.placementID, state: c.state, agencyReference: c.agencyReference, agencyStatus: c.agencyStatus)
        }
    }

    /// One at a time, in order (SQLite).
    public func recordPlacementStatuses(_ statuses: [ReportedStatus]) throws {
        for s in statuses {
            try recordPlacementStatus(
                placementID: s.placementID, date: s.date, code: s.code, meaning: s.meaning, eventKey: s.eventKey)
        }
    }
}
