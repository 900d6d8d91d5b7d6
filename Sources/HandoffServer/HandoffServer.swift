import Foundation
public import HandoffConfig
import HandoffDomain
import HandoffIntake
import HandoffOutbox
import HandoffPartners
public import HandoffStore
import HandoffTransport
import Hummingbird
import HummingbirdTLS
import NIOSSL
public import Logging
import ServiceLifecycle
import UnixSignals

/// `handoff serve`: the jobs on their schedules, an HTTP API under `/api/v1` behind a bearer
/// token, the dashboard at `/` behind the same tokens (the installation's own, the admin
/// "owner", and each person's, with their role: ``PeopleDirectory``), health and readiness endpoints, and
/// agency webhooks, as one service group that
/// `SIGTERM` and `SIGINT` stop gracefully (no new work starts; work in flight finishes).
public struct HandoffServer {
    public let config: HandoffConfig
    /// The installation's own token (the admin "owner"), when one is set.
    public let token: String?
    /// Opens the AR record (the engine is the caller's choice); on SQLite, called once this
    /// process holds the installation's lock, so that migrations never run beside another
    /// `handoff serve` (PostgreSQL's migrations take an advisory lock of their own).
    public let openStore: @Sendable () throws -> any CompleteStore
    public var logger = Logger(label: "handoff")

    public init(config: HandoffConfig, token: String?, openStore: @escaping @Sendable () throws -> any CompleteStore) {
        self.config = config
        self.token = token
        self.openStore = openStore
    }

    /// Runs until a termination signal. On SQLite, refuses to start while another `handoff serve`
    /// holds this installation's lock; on PostgreSQL, several may run on one database. Refuses
    /// to start on plain HTTP at an address other than loopback (see
    /// ``plainHTTPRefusal(_:)``).
    public func run(port: Int? = nil) async throws {
        if let refusal = Self.plainHTTPRefusal(config.server) { throw ServerError(refusal) }
        // SQLite takes one writer: one `handoff serve` per installation. On PostgreSQL several
        // may share the database (and the data folder), each job claimed per run (``WorkClaims``).
        let lock: InstanceLock?
        if case .sqlite = config.storage {
            lock = try InstanceLock(path: config.dataDirectory + "/serve.lock")
        } else {
            lock = nil
        }
        defer { withExtendedLifetime(lock) {} }
        let store = try openStore()
        let metrics = ServerMetrics()
        let jobs = Jobs(config: config, store: store, metrics: metrics, logger: logger)
        let router = Router(context: HandoffRequestContext.self)
        router.add(middleware: ErrorShapeMiddleware())
        // People with tokens of their own; the installation’s own
        // token, when set, opens everything, as the admin "owner". One of the two must let an
        // admin in.
        let directory = PeopleDirectory(ownerToken: token, people: store)
        guard try directory.hasAdmin() else {
            throw ServerError(
                "nobody could sign in: set the installation's token in $\(config.server.tokenEnv) "
                + "(or [server] token_file), "
                + "or give someone the admin role with `handoff people add NAME --role admin`")
        }
        Routes(config: config, store: store, jobs: jobs, directory: directory, metrics: metrics).add(to: router)
        try Dashboard(config: config, store: store, jobs: jobs, directory: directory, logger: logger).add(to: router)
        let address = BindAddress.hostname(config.server.host, port: port ?? config.server.port)
        let app: any ApplicationProtocol
        if let tls = try Self.tlsConfiguration(config.server) {
            app = Application(router: router, server: try .tls(.http1(), tlsConfiguration: tls),
                              configuration: .init(address: address, serverName: "Handoff"), logger: logger)
        } else {
            app = Application(
                router: router, configuration: .init(address: address, serverName: "Handoff"), logger: logger)
        }
        let scheduler = Scheduler(jobs: jobs, settings: config.server, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [app, scheduler], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.info(
            "handoff serve started",
            metadata: ["host": "\(config.server.host)", "port": .stringConvertible(port ?? config.server.port)])
        try await group.run()
        logger.info("handoff serve stopped: every request and job in flight finished")
    }
}

extension HandoffServer {
    /// Why `handoff serve` will not start on plain HTTP at `host`, or `nil` when it may. The
    /// dashboard's session cookie is `Secure`: browsers keep it over HTTPS, and over plain HTTP
    /// only on localhost, so a login over plain HTTP on a LAN address would silently loop.
    public static func plainHTTPRefusal(_ server: ServerSettings) -> String? {
        guard server.tlsCertificateFile == nil, !server.isLoopback, !server.behindHTTPSProxy else { return nil }
        return
            "[server] host = \"\(server.host)\" serves plain HTTP beyond this machine, "
            + "where browsers drop the dashboard's "
            + "Secure session cookie (the login would loop) and the API token would cross the network in clear. Set "
            + "[server] tls_certificate_file and tls_key_file to serve HTTPS, "
            + "or behind_https_proxy = true when an HTTPS proxy "
            + "in front of Handoff terminates TLS"
    }

    /// The server's TLS settings from `[server] tls_certificate_file` and `tls_key_file`, or
    /// `nil` for plain HTTP. A file that cannot be read stops the start with its path.
    static func tlsConfiguration(_ server: ServerSettings) throws -> TLSConfiguration? {
        guard let certificateFile = server.tlsCertificateFile, let keyFile = server.tlsKeyFile else { return nil }
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(certificateFile).map {
                NIOSSLCertificateSource.certificate($0)
            }
            let key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
            var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
            tls.minimumTLSVersion = .tlsv12
            return tls
        } catch {
            throw ServerError(
                "cannot use [server] tls_certificate_file \(certificateFile) and tls_key_file \(keyFile): \(error)")
        }
    }
}

/// Runs each job every so many minutes (as `[server]` says), and stops with the service group.
struct Scheduler: Service {
    let jobs: Jobs
    let settings: ServerSettings
    let logger: Logger

    func run() async throws {
        let every: [(Jobs.Name, Int)] = [
            (.fetch, settings.fetchEveryMinutes), (.place, settings.placeEveryMinutes),
            (.send, settings.sendEveryMinutes),
            (.dunning, settings.dunningEveryMinutes),
            (.terms, settings.termsEveryMinutes), (.anchor, settings.anchorEveryMinutes)]
        await withTaskGroup(of: Void.self) { group in
            for (name, minutes) in every where minutes > 0 {
                group.addTask {
                    // Fetching and sending start at once; a placement run waits one interval, so
                    // that a restart never places on its own.
                    if name == .place || name == .terms {
                        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(minutes * 60)) }
                    }
                    var first = name != .place && name != .terms
                    while !Task.isCancelled && !Task.isShuttingDownGracefully {
                        await jobs.runOnSchedule(name, everyMinutes: minutes, first: first)
                        first = false
                        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(minutes * 60)) }
                    }
                }
            }
            await group.waitForAll()
        }
        try? await gracefulShutdown()
    }
}

/// An exclusive lock on a file: one `handoff serve` per installation (SQLite allows one writer).
final class InstanceLock {
    private let fd: Int32

    init(path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ServerError("cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw ServerError(
                "another `handoff serve` is already running on this installation (\(path) is locked); stop it first")
        }
    }

    deinit { close(fd) }
}

/// A server failure to show as it is.
public struct ServerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
