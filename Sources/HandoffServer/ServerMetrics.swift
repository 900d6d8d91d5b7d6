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

    /// A metric's name as Prometheus shows it (`handoff_NAME_UNIT`), with the `# HELP` line
    /// written above it.
    static func named(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "handoff", metricName: name, unitName: unit, helpText: help)
    }

    /// What each job's counts count, for their `# HELP` lines.
    static let countHelp: [String: String] = [
        "accounts_placed": "Accounts placed with agencies",
        "files_sent": "Files and requests sent to agencies",
        "files_failed": "Files and requests that failed to send, for now or for good",
        "events_applied": "Agency events applied to the books",
        "events_held": "Agency events held for a person",
    ]

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
                    descriptor: Self.named("audit_chain", "rows", "Rows in an audit chain at its last anchor"),
                    labels: [("chain", head.chain.rawValue)])
                rows.set(to: Double(head.rows))
                let info = registry.makeGauge(
                    descriptor: Self.named(
                        "audit_chain_head", "info",
                        "The hash of an audit chain's last row at its last anchor (always 1)"),
                    labels: [("chain", head.chain.rawValue), ("hash", head.hash)])
                info.set(to: 1)
                anchors[head.chain] = (rows, info)
            }
        }
    }

    func jobFinished(_ job: String, ok: Bool, seconds: Double, counts: [String: Int]) {
        registry.makeCounter(
            descriptor: Self.named("job_runs", "total", "Runs of a scheduled job, by outcome"),
            labels: [("job", job), ("outcome", ok ? "ok" : "failed")]
        )
        .increment()
        registry.makeDurationHistogram(
            descriptor: Self.named("job_duration", "seconds", "How long a scheduled job ran"), labels: [("job", job)],
            buckets: [.milliseconds(100), .seconds(1), .seconds(10), .seconds(60), .seconds(600)]
        )
        .recordNanoseconds(Int64(seconds * 1_000_000_000))
        if ok {
            registry.makeGauge(
                descriptor: Self.named(
                    "job_last_success_timestamp", "seconds", "When a scheduled job last succeeded (Unix time)"),
                labels: [("job", job)]
            )
            .set(to: Date().timeIntervalSince1970)
        }
        for (name, value) in counts where value > 0 {
            let help = Self.countHelp[name] ?? name.replacingOccurrences(of: "_", with: " ")
            registry.makeCounter(descriptor: Self.named(name, "total", help)).increment(by: Int64(value))
        }
    }

    /// The metrics as Prometheus text; with `store`, also the money gauges, refreshed from it
    /// (a blocking read: call it off the cooperative pool).
    func render(money store: (any CompleteStore)?) throws -> String {
        guard let store else { return registry.emitToString() }
        let collected = try store.readReconciliation { try $0.collectedByCurrency() }
        for (currency, minor) in collected.sorted(by: { $0.key < $1.key }) {
            money.makeGauge(
                descriptor: Self.named(
                    "collected", "minor_units", "Money agencies collected and Handoff applied, in minor units"),
                labels: [("currency", currency)]
            )
            .set(to: Double(minor))
        }
        return registry.emitToString() + money.emitToString()
    }
}
