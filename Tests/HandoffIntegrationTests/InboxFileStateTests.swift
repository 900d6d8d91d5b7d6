import Foundation
import HandoffDomain
import HandoffSQLite
import HandoffStore
import Testing

/// Reconciliation moves a received file on through `InboxWriting.setInboxState(id:_:reason:)`,
/// which goes through the file's `InboxFile` machine, in a real SQLite file.
@Suite("Inbox file states through their machine, in SQLite")
struct InboxFileStateTests {
    func store() throws -> (SQLiteARStore, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("inbox-\(UUID().uuidString).sqlite")
            .path
        return (try SQLiteARStore(path: path, creating: true), path)
    }

    func insert(_ store: SQLiteARStore, name: String, arrival: InboxFile.Arrival) throws -> Int64 {
        guard case .record(let state, let reason) = InboxFile.arrived(arrival).action else {
            throw TransitionRefused("no state")
        }
        return try store.writeInbox { w in
            try w.insertInbox(
                partnerID: "krp", kind: "activity", remoteName: name, sha256: name, size: 1, archivePath: "/a/" + name,
                plainPath: nil, state: state, reason: reason)
        }
    }

    func state(_ store: SQLiteARStore, _ id: Int64) throws -> (InboxFileState?, String?) {
        let record = try store.readInbox { try $0.inboxRecord(id: id) }
        return (record?.state, record?.reason)
    }

    @Test("received → applied once; a repeat changes nothing")
    func applied() throws {
        let (store, path) = try store()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let id = try insert(store, name: "A.csv", arrival: .verified)
        #expect(try state(store, id) == (.received, nil))
        try store.writeInbox { try $0.setInboxState(id: id, .applied, reason: nil) }
        #expect(try state(store, id) == (.applied, nil))
        try store.writeInbox { try $0.setInboxState(id: id, .applied, reason: nil) }
        #expect(try state(store, id) == (.applied, nil))
    }

    @Test("received → quarantined with its reason; a held file is neither applied nor quarantined")
    func refused() throws {
        let (store, path) = try store()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let id = try insert(store, name: "B.csv", arrival: .verified)
        try store.writeInbox { try $0.setInboxState(id: id, .quarantined, reason: "line 3: no amount") }
        #expect(try state(store, id) == (.quarantined, "line 3: no amount"))
        #expect(throws: TransitionRefused.self) {
            try store.writeInbox { try $0.setInboxState(id: id, .applied, reason: nil) }
        }
        #expect(try state(store, id) == (.quarantined, "line 3: no amount"))

        let held = try insert(store, name: "C.csv", arrival: .sameNameOtherContent(reason: "same name as file #1"))
        #expect(try state(store, held) == (.held, "same name as file #1"))
        #expect(throws: TransitionRefused.self) {
            try store.writeInbox { try $0.setInboxState(id: held, .applied, reason: nil) }
        }
        #expect(throws: TransitionRefused.self) {
            try store.writeInbox { try $0.setInboxState(id: held, .quarantined, reason: "x") }
        }
        #expect(throws: TransitionRefused.self) {
            try store.writeInbox { try $0.setInboxState(id: 999, .applied, reason: nil) }
        }
        #expect(try state(store, held) == (.held, "same name as file #1"))
    }
}
