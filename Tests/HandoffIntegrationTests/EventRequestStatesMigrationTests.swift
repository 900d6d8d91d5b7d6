import Foundation
import HandoffSQLite
import HandoffTestSupport
import Testing

/// `v12-event-request-states` on a database as the migrations before it left it, with rows in
/// it: the rows and ids stay, the indexes are made again, and a state no machine knows is refused.
@Suite("Migration v12: event and request states")
struct EventRequestStatesMigrationTests {
    static let sqlite3: String = {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let path = "\(dir)/sqlite3"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return "/usr/bin/sqlite3"
    }()

    func sql(_ path: String, _ text: String, expectFailure: Bool = false) throws -> String {
        let r = try shell(Self.sqlite3, ["-batch", path, text])
        if expectFailure {
            try #require(r.status != 0, "sqlite3 accepted \(text)")
        } else {
            try #require(r.status == 0, "sqlite3 failed on \(text): \(r.output)")
        }
        return r.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("Rows, ids and indexes survive; unknown states are refused; the migration is recorded")
    func migratesWithRows() throws {
        let install = try Installation()
        try install.importSampleData()
        let db = install.root.appendingPathComponent("var/handoff.sqlite").path
        let customer = try sql(db, "SELECT MIN(id) FROM customers")
        // Back to the schema v5, v7 and v9 made, as a database from before v12 has it, with rows.
        _ = try sql(db, """
            DELETE FROM grdb_migrations WHERE identifier = 'v12-event-request-states';
            DROP TABLE agency_events;
            CREATE TABLE agency_events (
                id INTEGER PRIMARY KEY, partner_id TEXT NOT NULL, event_key TEXT NOT NULL, \
            inbox_id INTEGER REFERENCES inbox(id),
                account_number TEXT, kind TEXT NOT NULL, payload TEXT NOT NULL, state TEXT NOT NULL, reason TEXT,
                created_at TEXT NOT NULL, updated_at TEXT NOT NULL, UNIQUE (partner_id, event_key));
            CREATE INDEX agency_events_by_account ON agency_events(account_number);
            CREATE INDEX agency_events_by_state ON agency_events(state);
            DROP TABLE agency_requests;
            CREATE TABLE agency_requests (
                id INTEGER PRIMARY KEY, partner_id TEXT NOT NULL, customer_id INTEGER NOT NULL REFERENCES customers(id),
                placement_id INTEGER REFERENCES placements(id), kind TEXT NOT NULL, request_id TEXT NOT NULL, \
            amount INTEGER, currency TEXT,
                date TEXT NOT NULL, reason TEXT, note TEXT, state TEXT NOT NULL, \
            batch_id INTEGER REFERENCES placement_batches(id),
                last_error TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, UNIQUE (partner_id, request_id));
            INSERT INTO agency_events VALUES (7, 'k', 'payment:P1', NULL, 'A-1', 'payment_collected', \
            '{}', 'applied', NULL, 't', 't');
            INSERT INTO agency_events VALUES (9, 'k', 'reversal:R1', NULL, 'A-1', 'payment_reversed', \
            '{}', 'waiting', 'why', 't', 't');
            INSERT INTO agency_events VALUES (12, 'k', 'x', NULL, NULL, 'conflict', \
            '{}', 'dismissed', 'dismissed: done', 't', 't');
            INSERT INTO agency_requests VALUES (3, 'k', \(customer), NULL, 'recall', 'RC-1', NULL, NULL, '2026-01-01', \
            NULL, NULL, 'accepted',
                NULL, NULL, 't', 't');
            """)
        // Opening the store runs the migration.
        let store = try SQLiteARStore(path: db)
        #expect(try store.appliedMigrations().contains("v12-event-request-states"))
        #expect(try sql(db, "SELECT id, event_key, state, reason FROM agency_events ORDER BY id")
            == "7|payment:P1|applied|\n9|reversal:R1|waiting|why\n12|x|dismissed|dismissed: done")
        #expect(try sql(db, "SELECT id, request_id, state FROM agency_requests") == "3|RC-1|accepted")
        #expect(
            try sql(
                db,
                "SELECT name FROM sqlite_master WHERE type = 'index' "
                    + "AND tbl_name IN ('agency_events', 'agency_requests') AND sql IS NOT NULL ORDER BY name"
            )
            == "agency_events_by_account\nagency_events_by_state")
        // The unique keys stay, and a state no machine knows is refused.
        _ = try sql(
            db,
            "INSERT INTO agency_events VALUES (13, 'k', 'payment:P1', NULL, NULL, 'k', '{}', 'held', NULL, 't', 't')",
            expectFailure: true)
        _ = try sql(
            db, "INSERT INTO agency_events VALUES (13, 'k', 'y', NULL, NULL, 'k', '{}', 'done', NULL, 't', 't')",
            expectFailure: true)
        _ = try sql(db, "UPDATE agency_requests SET state = 'receipted' WHERE id = 3", expectFailure: true)
        _ = try sql(db, "UPDATE agency_requests SET state = 'confirmed' WHERE id = 3")
        #expect(try sql(db, "PRAGMA foreign_key_check") == "")
    }
}
