import Foundation
import GRDB
import HandoffSQLite
import Prometheus

/// Prometheus metrics at `/metrics`: job runs, durations and last success; accounts placed;
/// files sent and failed; events applied and held; money collected per currency (read from
/// the database when scraped).
public final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()

    public init() {}

    func jobFinished(_ job: String, ok: Bool, seconds: Double, counts: [String: Int]) {
        registry.makeCounter(name: "handoff_job_runs_total", labels: [("job", job), ("outcome", ok ? "ok" : "failed")]).increment()
        registry.makeDurationHistogram(name: "handoff_job_duration_seconds", labels: [("job", job)],
                                       buckets: [.milliseconds(100), .seconds(1), .seconds(10), .seconds(60), .seconds(600)])
            .recordNanoseconds(Int64(seconds * 1_000_000_000))
        if ok { registry.makeGauge(name: "handoff_job_last_success_timestamp_seconds", labels: [("job", job)]).set(to: Date().timeIntervalSince1970) }
        for (name, value) in counts where value > 0 {
            registry.makeCounter(name: "handoff_\(name)_total", labels: []).increment(by: Int64(value))
        }
    }

    /// The metrics as Prometheus text, with the money gauges refreshed from the database.
    func render(_ store: SQLiteARStore) throws -> String {
        let collected = try store.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT c.currency, SUM(CASE t.kind WHEN 'payment' THEN t.amount ELSE -t.amount END) FROM transactions t
                JOIN customers c ON c.id = t.customer_id
                WHERE t.source_kind = 'agency' AND t.kind IN ('payment', 'payment_reversal') GROUP BY c.currency
                """).map { ($0[0] as String, $0[1] as Int64) }
        }
        for (currency, minor) in collected {
            registry.makeGauge(name: "handoff_collected_minor_units", labels: [("currency", currency)]).set(to: Double(minor))
        }
        return registry.emitToString()
    }
}
