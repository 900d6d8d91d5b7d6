import Foundation

/// Runs a program to completion with `posix_spawn` and `waitpid`: its input and output are
/// files, never pipes, so nothing can block on a full pipe, and it does not depend on
/// Foundation's `Process` (whose `waitUntilExit()` can hang on Linux while another child runs).
enum Subprocess {
    struct Result {
        var status: Int32
        var output: String
    }

    static func run(
        _ program: String, _ arguments: [String], environment: [String: String] = [:], inputPath: String? = nil
    ) throws -> Result {
        let outPath = NSTemporaryDirectory() + "handoff-run-\(UUID().uuidString)"
        defer { unlink(outPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inputPath ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([program] + arguments).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        let env = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for e in envp { free(e) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, program, &actions, nil, argv, envp)
        guard rc == 0 else {
            throw TransportError(.configuration, "cannot start \(program): \(String(cString: strerror(rc)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code: Int32 = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(status: code, output: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "")
    }
}

/// A command the business configured (a hook), run through `/bin/sh -c` with `input` on its
/// standard input; its output (standard output and error together) comes back for the log.
public enum HookCommand {
    public static func run(_ command: String, input: [UInt8]) throws -> (status: Int32, output: String) {
        let inPath = NSTemporaryDirectory() + "handoff-hook-\(UUID().uuidString)"
        defer { unlink(inPath) }
        guard
            FileManager.default.createFile(
                atPath: inPath, contents: Data(input), attributes: [.posixPermissions: 0o600])
        else {
            throw TransportError(.localFile, "\(inPath): cannot write the hook's input")
        }
        let r = try Subprocess.run("/bin/sh", ["-c", command], inputPath: inPath)
        return (r.status, r.output)
    }
}
