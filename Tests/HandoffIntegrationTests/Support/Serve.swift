import Foundation
import HandoffTestSupport

/// `curl` with the response headers in the output, so that status, headers and body can each
/// be checked.
func curlRequest(_ args: [String]) throws -> (status: Int, headers: String, body: String) {
    let r = try shell("/usr/bin/curl", ["-s", "-D", "-", "-w", "\n%{http_code}"] + args)
    var text = r.output
    let status = Int(text.split(separator: "\n").last ?? "") ?? 0
    text = String(text[..<(text.lastIndex(of: "\n") ?? text.endIndex)])
    let parts = text.components(separatedBy: "\r\n\r\n")
    return (status, parts.first ?? "", parts.dropFirst().joined(separator: "\r\n\r\n"))
}

/// A `handoff serve` of an installation on a free loopback port. Stop it with ``stop()`` in a
/// `defer` (Swift may release an object right after its last use, so the release alone is
/// only a backstop).
final class RunningServe {
    let pid: pid_t
    let base: String
    private var stopped = false

    init(_ install: Installation, token: String, log: String = "serve.log") throws {
        let port = try freeLoopbackPort()
        pid = try spawn(Handoff.binary.path, ["--config", install.configPath, "serve", "--port", String(port)],
            outputPath: install.root.appendingPathComponent(log).path, environment: ["HANDOFF_API_TOKEN": token])
        base = "http://127.0.0.1:\(port)"
        do { try waitForPort(port) } catch { stop(); throw error }
    }

    func stop() {
        guard !stopped else { return }
        stopped = true
        kill(pid, SIGTERM)
        _ = waitFor(pid)
    }

    deinit { stop() }
}
