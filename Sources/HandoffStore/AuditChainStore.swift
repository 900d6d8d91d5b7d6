/// Reading the tamper-evident chains of the ledger and the audit log (``AuditChain``). The
/// stores seal every new row of both tables in the write transaction that adds it, so a
/// committed row always carries its place and hash; this reads them back for `handoff audit`.
public protocol AuditChainReading {
    /// Where the chain ends now.
    func chainHead(_ chain: AuditChainName) throws -> ChainHead
    /// Up to `limit` sealed rows after place `afterSeq`, in order of place: a page of a walk
    /// that keeps one page in memory, whatever the length of the chain.
    func chainRows(_ chain: AuditChainName, afterSeq: Int64, limit: Int) throws -> [ChainRow]
    /// The first row (by id) that carries no place in the chain, if any: a row written into
    /// the table from outside Handoff.
    func firstUnsealedRow(_ chain: AuditChainName) throws -> Int64?
}

/// A store whose ledger and audit log are chained.
public protocol AuditChainStore {
    func readAuditChain<T>(_ body: (any AuditChainReading) throws -> T) throws -> T
}

extension AuditChainReading {
    /// Walks a whole chain page by page and answers with what it found first (nil: intact),
    /// together with where the chain ends.
    public func verify(_ chain: AuditChainName, anchors: [ChainHead] = [], pageSize: Int = 10_000)
        throws -> (head: ChainHead, finding: ChainFinding?)
    {
        var walk = ChainWalk(chain, anchors: anchors)
        let head = { ChainHead(chain: chain, rows: walk.rows, hash: walk.head) }
        if let id = try firstUnsealedRow(chain) { return (head(), .inserted(chain, id: id)) }
        var after: Int64 = 0
        while true {
            let page = try chainRows(chain, afterSeq: after, limit: pageSize)
            for row in page {
                if let finding = walk.check(row) { return (head(), finding) }
            }
            guard let last = page.last?.seq, page.count == pageSize else { break }
            after = last
        }
        return (head(), walk.finish())
    }
}
