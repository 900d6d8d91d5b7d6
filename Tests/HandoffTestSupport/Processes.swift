public import Foundation

/// Starts a program with `posix_spawn`, its output (both streams) going to `outputPath`
/// (or nowhere) and its input from `inputPath` (or nothing). Foundation's `Process` is not
/// used: on Linux its `waitUntilExit()` can hang while another child (a test server) runs.
public func spawn(_ program: String, _ arguments: [String], outputPath: String? = nil, inputPath: String? = nil,
           environment: [String: String]? = nil) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, inputPath ?? "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outputPath ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    // Nothing else the tests hold open goes with it: a long-lived child (a database server's
    // watchdog) that inherited the write end of another command's output pipe kept that pipe
    // from ever reaching its end, and the test reading it waited forever.
    _ = addCloseFrom(&actions, 3)
    let argv: [UnsafeMutablePointer<CChar>?] = ([program] + arguments).map { strdup($0) } + [nil]
    defer { for a in argv { free(a) } }
    let env =
        (environment.map { ProcessInfo.processInfo.environment.merging($0) { _, n in n } }
            ?? ProcessInfo.processInfo.environment)
    let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { for e in envp { free(e) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, program, &actions, nil, argv, envp)
    guard rc == 0 else { throw TestSetupError("cannot start \(program): \(String(cString: strerror(rc)))") }
    return pid
}

/// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc
/// module does not declare.
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func addCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32

/// Waits for a spawned program; returns its exit status (128 + signal when killed).
public func waitFor(_ pid: pid_t) -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    if status & 0x7f == 0 { return (status >> 8) & 0xff }
    return 128 + (status & 0x7f)
}

/// Runs a program to completion; returns its exit status and output.
@discardableResult
public func shell(_ program: String, _ arguments: [String], input: Data? = nil, environment: [String: String]? = nil)
    throws -> (status: Int32, output: String)
{
    let outPath = FileManager.default.temporaryDirectory.appendingPathComponent("handoff-shell-\(UUID().uuidString)")
        .path
    defer { unlink(outPath) }
    var inPath: String?
    if let input {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "handoff-shell-in-\(UUID().uuidString)"
        ).path
        try input.write(to: URL(fileURLWithPath: path))
        inPath = path
    }
    defer { if let inPath { unlink(inPath) } }
    let pid = try spawn(program, arguments, outputPath: outPath, inputPath: inPath, environment: environment)
    let status = waitFor(pid)
    return (status, (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "")
}

/// A free TCP port on 127.0.0.1 (the kernel picks one; it is free when this returns).
public func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &addr) { ptr in
        ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0
        }
    }
    guard bound else { throw TestSetupError("no free port") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// Waits until something accepts connections on 127.0.0.1:port.
public func waitForPort(_ port: Int, seconds: Double = 10) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        close(fd)
        if ok { return }
        usleep(50_000)
    }
    throw TestSetupError("nothing listens on 127.0.0.1:\(port)")
}

public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

/// A fresh temporary folder, removed by the caller.
public func temporaryDirectory(_ label: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("handoff-\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
