import Crypto
import Foundation
import HandoffAgencyLink
import Testing

/// A feed page's events are archived as one batch: written under temporary names, then all
/// synced and published together. Nothing is published before ``ReceivedArchive/Batch/publish()``,
/// the same bytes are written once, and a batch given up leaves no file behind.
@Suite("Archiving a page's events together")
struct ArchiveBatchTests {
    static func sha(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }

    static func files(in directory: String) -> [String] {
        (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? [])
            .filter { !$0.isEmpty && $0.count > 2 }.sorted()
    }

    @Test("Published together, each once, read-only; nothing under its name before")
    func publishedTogether() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("archive-batch-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let archive = ReceivedArchive(dataDirectory: data)
        let earlier = Array(#"{"id":"e0"}"#.utf8), first = Array(#"{"id":"e1"}"#.utf8),
            second = Array(#"{"id":"e2"}"#.utf8)
        let earlierPath = try archive.store(.bytes(earlier), sha256: Self.sha(earlier))

        let batch = ReceivedArchive.Batch(archive)
        let firstPath = try batch.add(first, sha256: Self.sha(first))
        #expect(try batch.add(first, sha256: Self.sha(first)) == firstPath)          // the same bytes again: one file
        let secondPath = try batch.add(second, sha256: Self.sha(second))
        #expect(try batch.add(earlier, sha256: Self.sha(earlier)) == earlierPath) // already archived: not written again
        #expect(!FileManager.default.fileExists(atPath: firstPath))
        #expect(!FileManager.default.fileExists(atPath: secondPath))

        try batch.publish()
        for (path, bytes) in [(firstPath, first), (secondPath, second), (earlierPath, earlier)] {
            #expect(try Array(Data(contentsOf: URL(fileURLWithPath: path))) == bytes)
            let mode = try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)
            #expect(mode.intValue & 0o777 == 0o400)
        }
        #expect(Self.files(in: archive.directory).filter { $0.contains(".tmp-") }.isEmpty)
        #expect(Self.files(in: archive.directory).count == 3)
    }

    @Test(
        """
        Two writers of the same bytes at once (a pushed event and the same event from the feed): \
        each publishes, neither loses its file
        """
    )
    func twoWritersAtOnce() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("archive-batch-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let archive = ReceivedArchive(dataDirectory: data)
        let bytes = Array(#"{"id":"e7"}"#.utf8)
        let first = ReceivedArchive.Batch(archive), second = ReceivedArchive.Batch(archive)
        let path = try first.add(bytes, sha256: Self.sha(bytes))
        #expect(try second.add(bytes, sha256: Self.sha(bytes)) == path)
        try first.publish()
        try second.publish()
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: path))) == bytes)
        #expect(Self.files(in: archive.directory) == [String(path.dropFirst(archive.directory.count + 1))])
    }

    @Test("A batch given up before it is published leaves nothing")
    func givenUp() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("archive-batch-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let archive = ReceivedArchive(dataDirectory: data)
        do {
            let batch = ReceivedArchive.Batch(archive)
            let bytes = Array(#"{"id":"e9"}"#.utf8)
            _ = try batch.add(bytes, sha256: Self.sha(bytes))
            #expect(Self.files(in: archive.directory).count == 1)                  // its temporary file
        }
        #expect(Self.files(in: archive.directory).isEmpty)
    }
}
