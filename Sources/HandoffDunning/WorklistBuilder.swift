public import HandoffConfig
public import HandoffDomain
public import HandoffStore

/// The work list from the AR record: every past-due account not with an agency, ranked.
public enum WorklistBuilder {
    public static func build(config: HandoffConfig, store: any DunningStore, asOf: CalendarDate) throws
        -> [WorklistEntry]
    {
        let (candidates, recorded) = try store.readDunning {
            r -> ([PlacementCandidate], [Int64: Set<RecordedDunningStep>]) in
            var all: [PlacementCandidate] = []
            try r.forEachPlacementCandidate(asOf: asOf) { all.append($0) }
            return (all, try r.recordedDunningSteps())
        }
        return Worklist.rank(
            candidates, weights: config.worklist, schedule: config.dunning?.schedule ?? DunningSchedule(steps: []),
            recorded: recorded, rules: config.placementRules, asOf: asOf)
    }
}
