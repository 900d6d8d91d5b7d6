public import Foundation

/// Where the AR record lives (`[storage]`): the embedded SQLite file (the default), or a
/// PostgreSQL database named by `url`.
public enum StorageSettings: Sendable, Equatable {
    /// The embedded SQLite database: this file (absolute).
    case sqlite(path: String)
    /// A PostgreSQL server and database.
    case postgresql(PostgresSettings)

    /// The engine's name as a person reads it (`SQLite`, `PostgreSQL`).
    public var engineName: String {
        switch self {
        case .sqlite: return "SQLite"
        case .postgresql: return "PostgreSQL"
        }
    }
}

/// How Handoff reaches its PostgreSQL database: `[storage] url`, `password_env` or
/// `password_file`, `sslmode` and `ca_file`. The password itself is never in the configuration.
public struct PostgresSettings: Sendable, Equatable {
    /// How the connection is protected (`[storage] sslmode`).
    public enum SSLMode: String, Sendable, CaseIterable {
        /// No TLS: only for a server on this machine or a private network.
        case disable
        /// TLS, without checking who the server is (it protects against listening, not against an impostor).
        case require
        /// TLS, and the server's certificate must be signed by `ca_file` (or the system's CAs) and name the host.
        case verifyFull = "verify-full"
    }

    /// The user Handoff logs in as.
    public var user: String
    /// The server's host name or address.
    public var host: String
    public var port: Int
    /// The database that holds the AR record.
    public var database: String
    /// The environment variable the password is read from (`password_env`).
    public var passwordEnv: String?
    /// The file the password is read from (`password_file`, absolute; its first line).
    public var passwordFile: String?
    public var sslMode: SSLMode
    /// The CA certificates (PEM) that must have signed the server's certificate (absolute);
    /// `nil` uses the system's CA bundle.
    public var caFile: String?

    public init(user: String, host: String, port: Int = 5432, database: String, passwordEnv: String? = nil,
                passwordFile: String? = nil, sslMode: SSLMode = .verifyFull, caFile: String? = nil) {
        self.user = user
        self.host = host
        self.port = port
        self.database = database
        self.passwordEnv = passwordEnv
        self.passwordFile = passwordFile
        self.sslMode = sslMode
        self.caFile = caFile
    }

    /// The server and database in the words of the URL, without any secret: `postgresql://handoff@db:5432/handoff`.
    public var displayURL: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "postgresql://\(user)@\(shownHost):\(port)/\(database)"
    }

    /// The password from `password_env` or `password_file`, or `nil` when neither is set (a
    /// server that trusts this host, or a `.pgpass` file). A named variable that is unset or
    /// empty, or a file that cannot be read, is an error naming the key.
    public func password(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String? {
        if let name = passwordEnv {
            guard let value = environment[name], !value.isEmpty else {
                throw ConfigError(file: "", key: "storage.password_env",
                    problem: "the environment variable \(name) that should hold the database password is not set")
            }
            return value
        }
        if let path = passwordFile {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigError(
                    file: "", key: "storage.password_file", problem: "cannot read the database password from \(path)")
            }
            let line =
                String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            guard !line.isEmpty else {
                throw ConfigError(
                    file: "", key: "storage.password_file", problem: "\(path) holds no password on its first line")
            }
            return line
        }
        return nil
    }

    /// Parses `postgresql://USER@HOST[:PORT]/DATABASE` (or `postgres://`). A password in the
    /// URL, a query string or a missing part is refused with the reason.
    public static func parseURL(_ text: String) -> Result<
        (user: String, host: String, port: Int, database: String), URLProblem
    > {
        let schemes = ["postgresql://", "postgres://"]
        guard let scheme = schemes.first(where: { text.lowercased().hasPrefix($0) }) else {
            return .failure(URLProblem("'\(text)' does not start with postgresql://"))
        }
        var rest = Substring(text.dropFirst(scheme.count))
        if rest.contains("?") || rest.contains("#") {
            return .failure(
                URLProblem(
                    "takes no ?options: set sslmode, ca_file, password_env or password_file as keys of [storage]"))
        }
        guard let at = rest.lastIndex(of: "@") else {
            return .failure(URLProblem("names no user: write postgresql://USER@HOST:PORT/DATABASE"))
        }
        let userInfo = rest[..<at]
        rest = rest[rest.index(after: at)...]
        if userInfo.contains(":") {
            return .failure(
                URLProblem(
                    "holds a password: a password is never written in the configuration, "
                        + "use password_env or password_file"
                ))
        }
        guard let user = userInfo.removingPercentEncoding, !user.isEmpty else {
            return .failure(URLProblem("names no user: write postgresql://USER@HOST:PORT/DATABASE"))
        }
        guard let slash = rest.firstIndex(of: "/") else {
            return .failure(URLProblem("names no database: write postgresql://USER@HOST:PORT/DATABASE"))
        }
        let hostPort = rest[..<slash]
        guard let database = String(rest[rest.index(after: slash)...]).removingPercentEncoding, !database.isEmpty,
              !database.contains("/") else {
            return .failure(URLProblem("names no database: write postgresql://USER@HOST:PORT/DATABASE"))
        }
        var host: Substring
        var portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else {
                return .failure(URLProblem("has an IPv6 address without its closing ]"))
            }
            host = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else {
                    return .failure(URLProblem("has something after the IPv6 address that is not :PORT"))
                }
                portText = after.dropFirst()
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = hostPort[..<colon]
            portText = hostPort[hostPort.index(after: colon)...]
        } else {
            host = hostPort
        }
        guard !host.isEmpty else {
            return .failure(URLProblem("names no host: write postgresql://USER@HOST:PORT/DATABASE"))
        }
        var port = 5432
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else {
                return .failure(URLProblem("has the port '\(portText)', which is not a TCP port from 1 to 65535"))
            }
            port = p
        }
        return .success((user, String(host), port, database))
    }

    /// Why a `[storage] url` cannot be used.
    public struct URLProblem: Error, Sendable, Equatable {
        public var reason: String
        public init(_ reason: String) { self.reason = reason }
    }
}

extension HandoffConfig {
    /// Reads `[storage]`: `database` (SQLite, the default) or `url` with its password, TLS and CA keys.
    static func readStorage(_ storage: TableReader, problems: ConfigProblems, absolute: (String) -> String)
        -> StorageSettings
    {
        let database = storage.string("database")
        let postgresKeys = ["password_env", "password_file", "sslmode", "ca_file"]
        guard let url = storage.string("url") else {
            for key in postgresKeys where storage.has(key) {
                _ = storage.string(key)
                problems.add("storage.\(key)", "applies only to a PostgreSQL database: set [storage] url as well")
            }
            if storage.has("password") {
                storage.markUsed("password")
                problems.add("storage.password", "a password is never written in the configuration")
            }
            return .sqlite(path: absolute(database ?? "var/handoff.sqlite"))
        }
        if database != nil {
            problems.add("storage.database", "give either database (an SQLite file) or url (PostgreSQL), not both")
        }
        if storage.has("password") {
            storage.markUsed("password")
            problems.add(
                "storage.password",
                "a password is never written in the configuration: use password_env or password_file")
        }
        var settings = PostgresSettings(user: "", host: "", database: "")
        switch PostgresSettings.parseURL(url) {
        case .success(let parts):
            settings.user = parts.user
            settings.host = parts.host
            settings.port = parts.port
            settings.database = parts.database
        case .failure(let problem):
            problems.add("storage.url", problem.reason)
        }
        settings.passwordEnv = storage.string("password_env")
        settings.passwordFile = storage.string("password_file").map(absolute)
        if settings.passwordEnv != nil && settings.passwordFile != nil {
            problems.add("storage.password_file", "give either password_env or password_file, not both")
        }
        if let name = settings.passwordEnv, name.isEmpty {
            problems.add("storage.password_env", "must name an environment variable")
        }
        if let mode = storage.string("sslmode") {
            if let m = PostgresSettings.SSLMode(rawValue: mode) { settings.sslMode = m } else {
                let known = PostgresSettings.SSLMode.allCases.map(\.rawValue).joined(separator: ", ")
                problems.add("storage.sslmode", "'\(mode)' is not one of \(known)")
            }
        }
        settings.caFile = storage.string("ca_file").map(absolute)
        if settings.caFile != nil && settings.sslMode != .verifyFull {
            problems.add(
                "storage.ca_file", "is used only with sslmode = \"verify-full\", which checks the server's certificate")
        }
        return .postgresql(settings)
    }
}
