import Foundation
package import HandoffConfig

/// A bounded set of connections to one database. A caller waits (on its own thread, never the
/// cooperative pool) when all are in use; a broken connection (the server restarted) is
/// dropped, and the next caller gets a new one.
package final class PGPool: @unchecked Sendable {
    // @unchecked: `idle` is only touched under `lock`.
    private let lock = NSLock()
    private var idle: [PGConnection] = []
    private let slots: DispatchSemaphore
    private let settings: PostgresSettings
    private let password: String?

    /// At most `size` connections at once.
    package init(settings: PostgresSettings, password: String?, size: Int) {
        self.settings = settings
        self.password = password
        slots = DispatchSemaphore(value: max(1, size))
    }

    /// Runs `body` with a connection of its own.
    package func withConnection<T>(_ body: (PGConnection) throws -> T) throws -> T {
        slots.wait()
        defer { slots.signal() }
        let connection = try take()
        defer { giveBack(connection) }
        return try body(connection)
    }

    /// Runs `body` with a connection of its own outside the pool, closed when it returns: for
    /// what holds a session for a long time (a claim's advisory lock), so that it never takes a
    /// slot the work itself needs.
    package func withDedicatedConnection<T>(_ body: (PGConnection) throws -> T) throws -> T {
        try body(try PGConnection(settings: settings, password: password))
    }

    /// Closes every idle connection: after one broke (the server restarted), the others kept
    /// from before are broken too.
    package func dropIdleConnections() {
        lock.lock()
        let dropped = idle
        idle = []
        lock.unlock()
        _ = dropped
    }

    private func take() throws -> PGConnection {
        lock.lock()
        let reused = idle.popLast()
        lock.unlock()
        if let reused, reused.isHealthy { return reused }
        return try PGConnection(settings: settings, password: password)
    }

    private func giveBack(_ connection: PGConnection) {
        if connection.isHealthy && !connection.isIdle { try? connection.execute("ROLLBACK") }
        guard connection.isHealthy && connection.isIdle else { return }
        lock.lock()
        idle.append(connection)
        lock.unlock()
    }
}
