public import Foundation

/// A private PostgreSQL 15 server for tests: `initdb` and `pg_ctl` in a temporary folder, on a
/// free loopback port, run as an unprivileged user (`postgres` when the tests run as root, as in
/// CI, since `initdb` refuses root), with `trust` login for the user `handoff`. One server is
/// shared by the tests of a process (``shared``) and stopped when the process exits; a watchdog
/// stops it too if the process dies without exiting (a crash, SIGKILL).
///
/// Each test takes a database of its own with ``createDatabase(_:)``.
public final class TestPostgresServer: @unchecked Sendable {
    // @unchecked: every field is set once in init; `databases` is only touched under `lock`.
    public let port: Int
    public let directory: URL
    /// The login every database of this server takes.
    public let user = "handoff"
    private let runAs: String?
    private let options: String
    private let lock = NSLock()
    private var databases = 0

    /// The server binaries of Debian's postgresql-15.
    public static let binaries = "/usr/lib/postgresql/15/bin"

    /// The server the tests of this process share, started on first use.
    public static var shared: TestPostgresServer {
        get throws {
            sharedLock.lock()
            defer { sharedLock.unlock() }
            if let server = sharedServer { return server }
            let server = try TestPostgresServer()
            sharedServer = server
            atexit { TestPostgresServer.stopShared() }
            return server
        }
    }
    private static let sharedLock = NSLock()
    private nonisolated(unsafe) static var sharedServer: TestPostgresServer?

    /// Stops the shared server (at the process's exit).
    public static func stopShared() {
        sharedLock.lock()
        defer { sharedLock.unlock() }
        sharedServer?.stop()
        sharedServer = nil
    }

    /// Whether PostgreSQL 15's server is installed (`postgresql-15`).
    public static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: binaries + "/initdb") }

    public init() throws {
        guard Self.isInstalled else {
            throw TestSetupError(
                "PostgreSQL 15 is not installed (\(Self.binaries)/initdb): apt-get install postgresql-15")
        }
        port = try freeLoopbackPort()
        directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("handoff-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        runAs = getuid() == 0 ? "postgres" : nil
        if runAs != nil {
            guard let account = getpwnam("postgres") else {
                throw TestSetupError("tests run as root need the user postgres (from postgresql-common)")
            }
            chown(directory.path, account.pointee.pw_uid, account.pointee.pw_gid)
        }
        chmod(directory.path, 0o700)
        options =
            "-p \(port) -k \(directory.path) -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
            + "-c full_page_writes=off -c max_connections=200"
        let data = directory.appendingPathComponent("data").path
        let initdb = try run(
            Self.binaries + "/initdb",
            ["-D", data, "-U", user, "--auth=trust", "--no-locale", "-E", "UTF8", "--no-sync"])
        guard initdb.status == 0 else { throw TestSetupError("initdb failed: \(initdb.output)") }
        try start()
        try startWatchdog(data: data)
    }

    /// Starts the server on its folder and port (again, after ``halt()``).
    public func start() throws {
        let data = directory.appendingPathComponent("data").path
        let start = try run(
            Self.binaries + "/pg_ctl",
            [
                "-D", data, "-o", options, "-l", directory.appendingPathComponent("server.log").path,
                "-w", "-t", "30", "start"])
        guard start.status == 0 else {
            let log = (try? String(contentsOf: directory.appendingPathComponent("server.log"), encoding: .utf8)) ?? ""
            throw TestSetupError("pg_ctl start failed: \(start.output) \(log)")
        }
    }

    /// Stops the server at once, as a crash would, keeping its data: ``start()`` brings it back.
    public func halt() throws {
        let stop = try run(
            Self.binaries + "/pg_ctl",
            ["-D", directory.appendingPathComponent("data").path, "-m", "immediate", "-w", "stop"])
        guard stop.status == 0 else { throw TestSetupError("pg_ctl stop failed: \(stop.output)") }
    }

    /// A watchdog shell that stops the server once this process is gone, however it ended.
    private func startWatchdog(data: String) throws {
        // /proc, not `kill -0`: the watchdog runs as the server's user, who may not signal the tests' process.
        let script = "while [ -d /proc/\(getpid()) ]; do sleep 1; done; "
            + "\(Self.binaries)/pg_ctl -D \(data) -m immediate stop; rm -rf \(directory.path)"
        let command =
            runAs.map { ["/usr/sbin/runuser", "-u", $0, "--", "/bin/sh", "-c", script] } ?? ["/bin/sh", "-c", script]
        _ = try spawn(command[0], Array(command.dropFirst()))
    }

    /// Runs a server program as the server's user.
    private func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        if let runAs { return try shell("/usr/sbin/runuser", ["-u", runAs, "--", program] + arguments) }
        return try shell(program, arguments)
    }

    /// Stops the server at once and removes its folder.
    public func stop() {
        _ = try? run(
            Self.binaries + "/pg_ctl",
            ["-D", directory.appendingPathComponent("data").path, "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(at: directory)
    }

    /// A new, empty database; returns its name.
    public func createDatabase(_ label: String = "handoff") throws -> String {
        lock.lock()
        databases += 1
        let name = "\(label.lowercased().filter { $0.isLetter || $0.isNumber })_\(databases)"
        lock.unlock()
        let result = try psql(database: "postgres", "CREATE DATABASE \(name)")
        guard result.status == 0 else { throw TestSetupError("CREATE DATABASE \(name) failed: \(result.output)") }
        return name
    }

    /// `postgresql://handoff@127.0.0.1:PORT/NAME`.
    public func url(database: String) -> String { "postgresql://\(user)@127.0.0.1:\(port)/\(database)" }

    /// Runs SQL with `psql` (one statement per call), as the test's own check beside Handoff's.
    @discardableResult
    public func psql(database: String, _ sql: String) throws -> (status: Int32, output: String) {
        try shell(
            "/usr/bin/psql",
            [
                "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port), "-U", user,
                "-d", database, "-c", sql])
    }
}
