import Foundation
import HandoffCSV
import Testing

@Suite("Atomic files")
struct AtomicFileWriterTests {
    func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("handoff-atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("Nothing appears under the final name until commit")
    func commit() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("out.csv").path
        let writer = try AtomicFileWriter(path: path)
        try writer.write(String(repeating: "x", count: 200_000))
        #expect(!FileManager.default.fileExists(atPath: path))
        try writer.commit()
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).count == 200_000)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["out.csv"])
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test("A discarded file leaves nothing behind")
    func discard() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let writer = try AtomicFileWriter(path: dir.appendingPathComponent("out.csv").path)
        try writer.write("partial")
        writer.discard()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}
