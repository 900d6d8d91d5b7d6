public import Foundation
public import HandoffConfig
public import HandoffDomain
public import HandoffStore
public import HandoffTransport

/// What `handoff dunning` and the daemon's `dunning` job do: the dunning steps (when `[dunning]`
/// is configured), then the credit-hold list's changes (its hook, when `[credit_hold] command` is set).
public enum DunningJob {
    /// The outcome of one run, for the command, the job's summary and the logs.
    public struct Outcome: Sendable {
        public var summary: DunningRun.Summary
        public var holdChanges: [CreditHoldChange]
        public var holdFailures: [String]
        public var configured: Bool

        /// One line, for the job's outcome.
        public var text: String {
            var parts: [String] = []
            if configured {
                let s = summary
                parts.append(
                    "\(s.sent) sent, \(s.wouldSend) would send, \(s.retryLater) to retry, \(s.failed) failed, "
                        + "\(s.unconfirmed) to confirm, \(s.withdrawn) withdrawn")
            } else {
                parts.append("no [dunning] configured")
            }
            parts.append(
                "credit holds: \(holdChanges.filter { $0.change == "entered" }.count) entered, "
                    + "\(holdChanges.filter { $0.change == "left" }.count) left")
            parts += holdFailures
            return parts.joined(separator: "; ")
        }
    }

    /// Runs the steps and the credit-hold check. A dry run sends nothing and records nothing.
    public static func perform(
        config: HandoffConfig, store: any DunningStore, asOf: CalendarDate, dryRun: Bool,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        report: (DunningRun.Line) -> Void
    ) throws -> Outcome {
        var outcome = Outcome(
            summary: DunningRun.Summary(), holdChanges: [], holdFailures: [], configured: config.dunning != nil)
        if let settings = config.dunning {
            let templates = try DunningTemplates(settings: settings)
            var sender: SMTPClient?
            var lock: RunLock?
            if !dryRun {
                sender = SMTPClient(endpoint: try endpoint(config.smtp, environment: environment))
                lock = try RunLock(path: config.dataDirectory + "/dunning.lock")
            }
            defer { lock?.release() }
            let run = DunningRun(
                options: .init(
                    asOf: asOf, dryRun: dryRun, settings: settings,
                    finalNoticeDays: config.placementRules.finalNoticeDays,
                    businessName: config.businessName, templates: templates))
            outcome.summary = try run.run(store: store, sender: sender, report: report)
        }
        if !dryRun {
            let entries = try CreditHoldList.current(store: store, rules: config.creditHold.rules, asOf: asOf)
            let (changes, failures) = try CreditHoldList.notifyChanges(
                store: store, entries: entries, command: config.creditHold.command,
                asOf: asOf)
            outcome.holdChanges = changes
            outcome.holdFailures = failures
        }
        return outcome
    }

    /// The mail server with its password, from `password_file` or the environment variable
    /// `password_env` names. The password goes to libcurl only: never to a log or an error.
    public static func endpoint(_ smtp: SMTPSettings?, environment: [String: String]) throws -> SMTPEndpoint {
        guard let smtp else {
            throw DunningSetupError("[dunning] sends e-mail, and there is no [smtp] table naming the mail server")
        }
        var password: String?
        if let file = smtp.passwordFile {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw DunningSetupError("the SMTP password file \(file) ([smtp] password_file) cannot be read")
            }
            password = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
        } else if let value = environment[smtp.passwordEnv], !value.isEmpty {
            password = value
        } else if smtp.user != nil {
            throw DunningSetupError(
                "[smtp] user is set and no password was given: set the environment variable "
                    + "\(smtp.passwordEnv) ([smtp] password_env) or [smtp] password_file")
        }
        return SMTPEndpoint(
            url: smtp.url, caFile: smtp.caFile, user: smtp.user, password: password,
            timeoutSeconds: smtp.timeoutSeconds)
    }
}

/// An exclusive lock on a file for the length of a run (`flock`): a second run at the same time
/// stops with a clear error; a run that dies releases it with its process.
final class RunLock {
    private var fd: Int32

    init(path: String) throws {
        try? FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw DunningSetupError("cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            fd = -1
            throw DunningSetupError(
                "another dunning run is under way (\(path) is locked); nothing was sent by this one")
        }
    }

    func release() {
        guard fd >= 0 else { return }
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }
}
