import Foundation
import HandoffStore
import Prometheus
import Synchronization

/// Prometheus metrics at `/metrics`: job runs, durations and last success; accounts placed;
/// files sent and failed; events applied and held. Money collected per currency (read from
/// the database when scraped) is the business's own figure: it is added only to a scrape
/// that carries the API token (`authorization` in Prometheus's scrape config).
public final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    /// The money gauges, kept apart so that an anonymous scrape never sees them.
    let money = PrometheusCollectorRegistry()

    /// The last anchor of each audit chain, so that the one before can be taken off.
    private let anchors = Mutex<[AuditChainName: (rows: Gauge, info: Gauge)]>([:])

    public init() {}

    /// Where the audit chains ended at the last anchor job: `handoff_audit_chain_rows{chain}` and
    /// `handoff_audit_chain_head_info{chain,hash} 1` (docs/audit.md).
    func anchored(_ heads: [ChainHead]) {
        anchors.withLock { anchors in
            for head in heads {
                if let old = anchors[head.chain] {
                    registry.unregisterGauge(old.rows)
                    registry.unregisterGauge(old.info)
                }
                let rows = registry.makeGauge(
                    name: "handoff_audit_chain_rows", labels: [("chain", head.chain.rawValue)])
                rows.set(to: Double(head.rows))
                let info = registry.makeGauge(
                    name: "handoff_audit_chain_head_info",
                    labels: [("chain", head.chain.rawValue), ("hash", head.hash)])
                info.set(to: 1)
                anchors[head.chain] = (rows, info)
            }
        }
    }

    func jobFinished(_ job: String, ok: Bool, seconds: Double, counts: [String: Int]) {
        registry.makeCounter(name: "handoff_job_runs_total", labels: [("job", job), ("outcome", ok ? "ok" : "failed")])
            .increment()
        registry.makeDurationHistogram(name: "handoff_job_duration_seconds", labels: [("job", job)],
            buckets: [.milliseconds(100), .seconds(1), .seconds(10), .seconds(60), .seconds(600)]
        )
            .recordNanoseconds(Int64(seconds * 1_000_000_000))
        if ok {
            registry.makeGauge(name: "handoff_job_last_success_timestamp_seconds", labels: [("job", job)]).set(
                to: Date().timeIntervalSince1970)
        }
        for (name, value) in counts where value > 0 {
            registry.makeCounter(name: "handoff_\(name)_total", labels: []).increment(by: Int64(value))
        }
    }

    /// The metrics as Prometheus text; with `store`, also the money gauges, refreshed from it
    /// (a blocking read: call it off the cooperative pool).
    func render(money store: (any CompleteStore)?) throws -> String {
        guard let store else { return registry.emitToString() }
        let collected = try store.readReconciliation { try $0.collectedByCurrency() }
        for (currency, minor) in collected.sorted(by: { $0.key < $1.key }) {
            money.makeGauge(name: "handoff_collected_minor_units", labels: [("currency", currency)]).set(
                to: Double(minor))
        }
        return registry.emitToString() + money.emitToString()
    }
}
