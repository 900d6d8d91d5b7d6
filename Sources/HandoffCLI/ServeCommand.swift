import ArgumentParser
import Foundation
import HandoffConfig
import HandoffServer

/// `handoff serve`: the daemon.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract:
            """
            Run Handoff as a service: jobs on their schedules, the HTTP API, agency webhooks. \
            SIGTERM or SIGINT stops it gracefully.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Listen on this port instead of [server] port.")
    var port: Int?

    func run() async throws {
        if let port, !(1...65535).contains(port) {
            throw CLIError("--port \(port) is not a TCP port: give one from 1 to 65535")
        }
        let config = try HandoffConfig.load(path: global.configPath)
        if case .sqlite(let path) = config.storage, !FileManager.default.fileExists(atPath: path) {
            throw GlobalOptions.missingDatabase(config)
        }
        var token = ProcessInfo.processInfo.environment[config.server.tokenEnv] ?? ""
        if token.isEmpty, let file = config.server.tokenFile {
            token = ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").trimmingCharacters(
                in: .whitespacesAndNewlines)
        }
        // The installation's own token may be left out once people have tokens of their own
        // (`handoff people add`); one that is set must be long enough to guess at no better than
        // a person's.
        guard token.isEmpty || token.count >= 16 else {
            throw CLIError(
                "the installation's token in $\(config.server.tokenEnv) (or [server] token_file) "
                    + "is shorter than 16 characters"
            )
        }
        HandoffServer.bootstrapLogging()
        do {
            try await HandoffServer(
                config: config, token: token.isEmpty ? nil : token, openStore: { try GlobalOptions.openStore(config) }
            ).run(port: port)
        } catch let e as ServerError {
            throw CLIError(e.description)
        }
    }
}
