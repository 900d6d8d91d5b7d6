import Foundation
public import HandoffStore

/// Claims on SQLite: an exclusive `flock` on a file beside the database
/// (`handoff.sqlite.place.lock`…), held while the work runs. The kernel lets go of it when
/// the process ends, however it ends.
extension SQLiteARStore: WorkClaims {
    public func exclusively<T>(_ work: ClaimedWork, _ body: () throws -> T) throws -> T? {
        let lockPath = path + "." + work.rawValue + ".lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ClaimFileError(path: lockPath, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            if errno == EWOULDBLOCK { return nil }
            throw ClaimFileError(path: lockPath, reason: String(cString: strerror(errno)))
        }
        return try body()
    }
}

/// The file that holds a claim could not be opened or locked.
struct ClaimFileError: Error, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String { "cannot lock \(path), which keeps two Handoff processes from running one job at once: \(reason)" }
}
