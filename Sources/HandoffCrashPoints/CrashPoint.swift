import Foundation

/// Deliberate crash points for tests of crash safety: when `HANDOFF_CRASH_AT` names a point,
/// the process ends there at once, as a power cut would end it. `HANDOFF_PAUSE_AT=point:seconds`
/// holds the work there instead, so that a test can stop the daemon in the middle of a job.
///
/// A target of its own (it imports only Foundation) so that placement, the outbox and intake
/// can all mark their points without depending on one another.
public enum CrashPoint {
    /// Ends the process (exit 86) or pauses it here when the environment names `name`; does
    /// nothing otherwise.
    public static func check(_ name: String) {
        let environment = ProcessInfo.processInfo.environment
        if environment["HANDOFF_CRASH_AT"] == name { _exit(86) }
        if let pause = environment["HANDOFF_PAUSE_AT"], pause.hasPrefix(name + ":"),
            let seconds = Double(pause.dropFirst(name.count + 1))
        {
            Thread.sleep(forTimeInterval: seconds)
        }
    }
}
