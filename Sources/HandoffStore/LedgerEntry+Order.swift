extension LedgerEntry {
    /// Ledger rows as a person reads an account's story: by effective date, and the rows of one
    /// day in the order they were written (the store gives them in the order written).
    public static func inDateOrder(_ entries: [LedgerEntry]) -> [LedgerEntry] {
        entries.enumerated().sorted { ($0.element.effectiveDate, $0.offset) < ($1.element.effectiveDate, $1.offset) }
            .map(\.element)
    }
}
