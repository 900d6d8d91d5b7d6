import HandoffDomain
public import HandoffStore

/// A person puts a failed transfer back in line (after fixing its cause): `handoff outbox
/// retry ID` and the dashboard's "Retry" both come here. The transfer's machine decides
/// (``OutboxTransfer/retryByHand()``), and the retry is in the audit log.
public enum OutboxRetry {
    /// What came of it.
    public enum Outcome: Sendable, Equatable {
        /// Back in line under this name at the agency.
        case retried(remoteName: String)
        case noSuchTransfer
        /// The machine refused (only a failed transfer is retried by hand).
        case refused(reason: String)
    }

    /// Retries transfer `id` by hand; `actor` (`cli`, `dashboard`) goes in the audit log.
    public static func retry(id: Int64, actor: String, in store: any OutboxStore) throws -> Outcome {
        try store.writeOutbox { w in
            guard var record = try w.outboxRecord(id: id) else { return .noSuchTransfer }
            switch record.transfer.retryByHand() {
            case .invalid(let reason): return .refused(reason: reason)
            case .wait, .send, .recordDelivery, .recordConfirmation, .scheduleRetry, .reportFailure: break
            }
            try w.updateOutbox(id: id, record.transfer, lastError: record.lastError)
            try w.appendAudit(AuditEntry(actor: actor, action: "outbox.retry", subject: record.remoteName,
                                         detail: "retried by hand after: \(record.lastError ?? "")"))
            return .retried(remoteName: record.remoteName)
        }
    }
}
