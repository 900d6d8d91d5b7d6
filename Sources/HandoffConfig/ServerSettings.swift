/// How `handoff serve` listens and schedules its jobs (`[server]`).
public struct ServerSettings: Sendable, Equatable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var tokenEnv = "HANDOFF_API_TOKEN"
    public var tokenFile: String?
    /// `tls_certificate_file` and `tls_key_file` (PEM, absolute): `handoff serve` speaks HTTPS
    /// itself, so that the dashboard's `Secure` session cookie works on a LAN without a proxy.
    public var tlsCertificateFile: String?
    public var tlsKeyFile: String?
    /// `behind_https_proxy = true`: an HTTPS proxy in front terminates TLS, so plain HTTP on an
    /// address other than loopback is intended.
    public var behindHTTPSProxy = false
    /// Whether `host` is a loopback address, where browsers keep a `Secure` cookie over plain HTTP.
    public var isLoopback: Bool { host == "localhost" || host == "::1" || host.hasPrefix("127.") }
    public var placeEveryMinutes = 1440
    /// How often the terms job recalls accounts whose placement term ran out (daily by default).
    public var termsEveryMinutes = 1440
    /// How often the anchor job logs where the audit chains end (daily, and once at start-up).
    public var anchorEveryMinutes = 1440
    public var sendEveryMinutes = 15
    public var fetchEveryMinutes = 15
    /// How often the dunning job (reminders, final notices, the credit-hold hook) runs.
    public var dunningEveryMinutes = 1440
    public init() {}
}
