public import Foundation

/// A real OpenSSH `sshd` on a free loopback port, with its own configuration, host key and
/// authorised client key, made for one test and stopped after it. It never touches the
/// system's own sshd. It serves `inbound/` and `outbound/` folders under its directory.
public final class TestSSHServer {
    public let directory: URL
    public let port: Int
    public let user: String
    /// Base64 SHA-256 fingerprint of the host key (what an agency gives at onboarding).
    public let hostKeySHA256: String
    /// The client's Ed25519 private key.
    public let clientKey: String
    private var pid: pid_t = 0

    public var inbound: String { directory.appendingPathComponent("inbound").path }
    public var outbound: String { directory.appendingPathComponent("outbound").path }

    /// `sftpOptions` go to `internal-sftp`: `-R` makes every folder refuse writes, `-P remove`
    /// refuses deletes (faults a real agency's server can have).
    public init(sftpOptions: String = "") throws {
        directory = try temporaryDirectory("sshd")
        let fm = FileManager.default
        for sub in ["inbound", "outbound"] {
            try fm.createDirectory(at: directory.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        if !fm.fileExists(atPath: "/run/sshd") {
            try fm.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        }
        let d = directory.path
        try shell("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", "\(d)/host_ed25519"])
        try shell("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", "\(d)/client_ed25519"])
        try fm.copyItem(atPath: "\(d)/client_ed25519.pub", toPath: "\(d)/authorized_keys")
        clientKey = "\(d)/client_ed25519"
        let fingerprint = try shell("/usr/bin/ssh-keygen", ["-l", "-E", "sha256", "-f", "\(d)/host_ed25519.pub"]).output
        guard let range = fingerprint.range(of: "SHA256:") else {
            throw TestSetupError("no fingerprint in \(fingerprint)")
        }
        hostKeySHA256 = String(fingerprint[range.upperBound...].prefix { !$0.isWhitespace })
        user = ProcessInfo.processInfo.environment["USER"] ?? String(cString: getpwuid(getuid())!.pointee.pw_name)
        port = try freeLoopbackPort()
        try """
            Port \(port)
            ListenAddress 127.0.0.1
            HostKey \(d)/host_ed25519
            PidFile \(d)/sshd.pid
            AuthorizedKeysFile \(d)/authorized_keys
            UsePAM no
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PubkeyAuthentication yes
            PermitRootLogin prohibit-password
            StrictModes no
            Subsystem sftp internal-sftp \(sftpOptions)
            LogLevel ERROR

            """.write(toFile: "\(d)/sshd_config", atomically: true, encoding: .utf8)
        pid = try spawn("/usr/sbin/sshd", ["-D", "-e", "-f", "\(d)/sshd_config"], outputPath: "\(d)/sshd.log")
        try waitForPort(port)
    }

    /// Stops the server and every connection it serves at once, as a crash would.
    public func kill() {
        guard pid > 0 else { return }
        // sshd forks a process per connection (and that one forks again): kill them all.
        for p in processes().reversed() { Glibc.kill(p, SIGKILL) }
        _ = waitFor(pid)
        pid = 0
    }

    /// The server and each of its connections, parents first.
    private func processes() -> [pid_t] {
        guard pid > 0 else { return [] }
        var all = [pid]
        var frontier = [pid]
        while let parent = frontier.popLast() {
            let children = ((try? shell("/usr/bin/pgrep", ["-P", String(parent)]).output) ?? "")
                .split(separator: "\n").compactMap { pid_t($0.trimmingCharacters(in: .whitespaces)) }
            all += children
            frontier += children
        }
        return all
    }

    /// Freezes the server and its connections (SIGSTOP): connections stay open, nothing moves.
    public func freeze() {
        for p in processes() { Glibc.kill(p, SIGSTOP) }
    }

    /// Lets a frozen server go on (SIGCONT).
    public func thaw() {
        for p in processes() { Glibc.kill(p, SIGCONT) }
    }

    /// Starts the server again with other `internal-sftp` options.
    public func restart(sftpOptions: String) throws {
        let config = directory.path + "/sshd_config"
        let text = try String(contentsOfFile: config, encoding: .utf8).split(
            separator: "\n", omittingEmptySubsequences: false
        )
        .map { $0.hasPrefix("Subsystem sftp") ? "Subsystem sftp internal-sftp \(sftpOptions)" : String($0) }.joined(
            separator: "\n")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        try restart()
    }

    /// Starts the same server again: same port, host key and authorised key.
    public func restart() throws {
        kill()
        pid = try spawn(
            "/usr/sbin/sshd", ["-D", "-e", "-f", directory.path + "/sshd_config"],
            outputPath: directory.path + "/sshd.log")
        try waitForPort(port)
    }

    deinit {
        kill()
        try? FileManager.default.removeItem(at: directory)
    }
}
