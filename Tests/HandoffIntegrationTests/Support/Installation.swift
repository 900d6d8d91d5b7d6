import Foundation
import GRDB
import HandoffConfig
import HandoffPostgres
import HandoffSQLite
import HandoffStore
import HandoffTestSupport
import Testing

/// A Handoff installation in a fresh temporary folder, set up by the real `handoff init`,
/// with the real binary to run commands against it. Removed when the test ends.
final class Installation {
    let root: URL
    var configPath: String { root.appendingPathComponent("config/handoff.toml").path }

    /// The engine the installation keeps its AR record in: SQLite, or a database of its own on
    /// the PostgreSQL server the suite shares when `HANDOFF_TEST_ENGINE=postgresql`.
    let engine: TestEngine

    /// `engine` is the one `HANDOFF_TEST_ENGINE` names unless a test needs one engine; on
    /// PostgreSQL, `postgres` is a server of the test's own (the suite's shared one otherwise).
    init(timezone: String = "America/Toronto", currency: String = "USD", engine: TestEngine = .current,
         postgres: TestPostgresServer? = nil) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("handoff-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        self.engine = engine
        var arguments = [
            "init", root.path, "--business-name", "Test Co.", "--timezone", timezone, "--currency", currency,
        ]
        if engine == .postgresql {
            let server = try postgres ?? TestPostgresServer.shared
            arguments += [
                "--database-url", server.url(database: try server.createDatabase("install")), "--sslmode", "disable",
            ]
        }
        let result = try Handoff.run(arguments, in: root)
        try #require(result.status == 0, "handoff init failed: \(result.stderr)")
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    /// Runs `handoff --config <this> ARGS` in the installation's folder.
    @discardableResult
    func handoff(_ arguments: [String], environment: [String: String] = [:]) throws -> Handoff.Result {
        try Handoff.run(["--config", configPath] + arguments, in: root, environment: environment)
    }

    /// Copies partner files from the repository's partners/ folder into this installation.
    func usePartners(_ ids: [String]) throws {
        for id in ids {
            let source = Handoff.repositoryRoot.appendingPathComponent("partners/\(id).toml")
            try FileManager.default.copyItem(at: source, to: root.appendingPathComponent("partners/\(id).toml"))
        }
    }

    /// Sets every job of `handoff serve` to run only on demand, so that a test decides when each runs.
    func jobsOnDemandOnly() throws {
        let config = try String(contentsOfFile: configPath, encoding: .utf8)
            .replacingOccurrences(of: "place_every_minutes = 1440", with: "place_every_minutes = 0")
            .replacingOccurrences(of: "send_every_minutes = 15", with: "send_every_minutes = 0")
            .replacingOccurrences(of: "fetch_every_minutes = 15", with: "fetch_every_minutes = 0")
            .replacingOccurrences(of: "dunning_every_minutes = 1440", with: "dunning_every_minutes = 0")
            .replacingOccurrences(of: "terms_every_minutes = 1440", with: "terms_every_minutes = 0")
            .replacingOccurrences(of: "anchor_every_minutes = 1440", with: "anchor_every_minutes = 0")
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// Imports the bundled sample data.
    func importSampleData() throws {
        for kind in ["customers", "invoices", "transactions"] {
            let path = Handoff.repositoryRoot.appendingPathComponent("sample-data/\(kind).csv").path
            let r = try handoff(["import", kind, path])
            try #require(r.status == 0, "import \(kind): \(r.stderr)")
        }
    }

    /// Meridian's shipped partner file, pointed at a test HTTPS server and its certificates.
    static func meridianPartnerText(server: TestHTTPSServer, certificates: TestCertificates) throws -> String {
        try String(
            contentsOfFile: Handoff.repositoryRoot.appendingPathComponent("partners/meridian-commercial.toml").path,
            encoding: .utf8
        )
            .replacingOccurrences(of: "https://api.meridian.example/v2", with: server.baseURL)
            .replacingOccurrences(of: "/etc/handoff/keys/meridian-ca.pem", with: certificates.caFile)
            .replacingOccurrences(of: "/etc/handoff/keys/meridian-client.pem", with: certificates.clientCert)
            .replacingOccurrences(of: "/etc/handoff/keys/meridian-client.key", with: certificates.clientKey)
    }

    /// Installs Meridian's partner file, pointed at a test HTTPS server.
    func useMeridian(server: TestHTTPSServer, certificates: TestCertificates) throws {
        try Self.meridianPartnerText(server: server, certificates: certificates)
            .write(
                toFile: root.appendingPathComponent("partners/meridian-commercial.toml").path, atomically: true,
                encoding: .utf8)
    }

    /// Appends text to the configuration file.
    func appendConfig(_ text: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: configPath))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    /// Every file under the staging folder, by path relative to it, with its bytes.
    func stagedFiles() throws -> [String: Data] {
        let staging = root.appendingPathComponent("var/staging")
        var out: [String: Data] = [:]
        guard let e = FileManager.default.enumerator(at: staging, includingPropertiesForKeys: [.isRegularFileKey])
        else { return [:] }
        for case let url as URL in e where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true
        {
            out[String(url.path.dropFirst(staging.path.count + 1))] = try Data(contentsOf: url)
        }
        return out
    }

    /// Writes a file in the installation's folder and returns its path.
    func write(_ name: String, _ text: String) throws -> String {
        let url = root.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// The installation's SQLite AR record, opened directly (to read its tables with SQL).
    func store() throws -> SQLiteARStore {
        try SQLiteARStore(path: try HandoffConfig.load(path: configPath).databasePath)
    }

    /// The rows of a query (no arguments), every value as text, read by SQL from whichever
    /// engine holds the record: for checks written once for both (`COUNT(*)`, sums).
    func sqlRows(_ sql: String) throws -> [[String?]] {
        let config = try HandoffConfig.load(path: configPath)
        switch config.storage {
        case .sqlite(let path):
            return try SQLiteARStore(path: path).rows(sql)
        case .postgresql(let settings):
            return try PostgresARStore(settings: settings).withConnection { connection in
                let result = try connection.query(sql)
                return (0..<result.count).map { row in (0..<result.columnCount).map { result.text(row, $0) } }
            }
        }
    }

    /// The first column of the first row of a query, as text (`nil` when there is no row or it is NULL).
    func sqlValue(_ sql: String) throws -> String? {
        try sqlRows(sql).first?.first ?? nil
    }

    /// The first column of the first row of a query, as an integer (`nil` when there is no row or it is NULL).
    func sqlInt(_ sql: String) throws -> Int64? {
        try sqlValue(sql).flatMap { Int64($0) }
    }

    /// Runs one statement that returns no rows (a test's tampering: `UPDATE outbox SET …`) on
    /// whichever engine holds the record.
    func sqlExecute(_ sql: String) throws {
        let config = try HandoffConfig.load(path: configPath)
        switch config.storage {
        case .sqlite(let path):
            try SQLiteARStore(path: path).pool.write { db in try db.execute(sql: sql) }
        case .postgresql(let settings):
            try PostgresARStore(settings: settings).withConnection { connection in try connection.execute(sql) }
        }
    }

    /// The installation's AR record, in whichever engine holds it, through the store protocols.
    func anyStore() throws -> any CompleteStore {
        let config = try HandoffConfig.load(path: configPath)
        switch config.storage {
        case .sqlite(let path): return try SQLiteARStore(path: path)
        case .postgresql(let settings): return try PostgresARStore(settings: settings)
        }
    }
}

/// Which engine the integration tests run on (`HANDOFF_TEST_ENGINE`: `sqlite`, the default, or `postgresql`).
enum TestEngine: String {
    case sqlite
    case postgresql

    static var current: TestEngine {
        ProcessInfo.processInfo.environment["HANDOFF_TEST_ENGINE"].flatMap(TestEngine.init(rawValue:)) ?? .sqlite
    }
}

/// The `handoff` executable built beside the tests.
enum Handoff {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["HANDOFF_BINARY"] { return URL(fileURLWithPath: path) }
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("handoff")
        if FileManager.default.isExecutableFile(atPath: besideTests.path) { return besideTests }
        return repositoryRoot.appendingPathComponent(".build/debug/handoff")
    }

    /// The repository's root folder.
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Runs another program (hledger…) and returns its status and output.
    static func runTool(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try shell(program, arguments)
    }

    static func run(_ arguments: [String], in directory: URL, environment extra: [String: String] = [:]) throws
        -> Result
    {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "HANDOFF_CONFIG")
        environment.removeValue(forKey: "HANDOFF_CRASH_AT")
        environment.merge(extra) { _, new in new }
        process.environment = environment
        // Both streams go to files, read once the command has exited: a pipe read to its end
        // waits for every process holding its write end, and a child started meanwhile by
        // another test (a server, a watchdog) may have inherited it.
        let id = UUID().uuidString
        let outURL = directory.appendingPathComponent(".stdout-\(id)"),
            errURL = directory.appendingPathComponent(".stderr-\(id)")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let outHandle = try FileHandle(forWritingTo: outURL), errHandle = try FileHandle(forWritingTo: errURL)
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        let out = (try? Data(contentsOf: outURL)) ?? Data()
        let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: outURL)
        try? FileManager.default.removeItem(at: errURL)
        return Result(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: err)
    }
}

/// Decodes `handoff … --json` output.
func decodeJSON(_ text: String) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(text.utf8))
}

/// Meridian over its real HTTPS API (the test server of `TestHTTPSServer`, with certificates
/// made for the test) and the sample business placed with it and sent: the test publishes
/// the feed's events by rewriting its file, as the agency would add them over time.
final class MeridianSetup {
    let certificates: TestCertificates
    let server: TestHTTPSServer
    let install: Installation
    let eventsFile: String
    /// The client secret the partner file reads from the environment.
    var environment: [String: String] { ["HANDOFF_MERIDIAN_SECRET": server.secret] }

    init() throws {
        certificates = try TestCertificates()
        eventsFile = certificates.directory.appendingPathComponent("events.json").path
        try JSONSerialization.data(withJSONObject: ["events": []]).write(to: URL(fileURLWithPath: eventsFile))
        server = try TestHTTPSServer(certificates: certificates, eventsFile: eventsFile)
        install = try Installation(timezone: "America/Toronto", currency: "CAD")
        try install.useMeridian(server: server, certificates: certificates)
        try install.importSampleData()
        try #require(try install.handoff(["place", "--as-of", "2026-11-15", "--quiet"]).status == 0)
        let sent = try install.handoff(["send"], environment: environment)
        try #require(sent.status == 0, "\(sent.stderr)")
    }

    /// What the feed holds from now on.
    func publish(_ events: [[String: Any]]) throws {
        try JSONSerialization.data(withJSONObject: ["events": events]).write(to: URL(fileURLWithPath: eventsFile))
    }

    /// `handoff fetch` against the server.
    func fetch() throws -> Handoff.Result { try install.handoff(["fetch"], environment: environment) }
}

extension String {
    /// The string as an SQL literal both engines read (`'O''Brien'`), for checks that name a value.
    var sqlLiteral: String { "'" + replacingOccurrences(of: "'", with: "''") + "'" }
}
