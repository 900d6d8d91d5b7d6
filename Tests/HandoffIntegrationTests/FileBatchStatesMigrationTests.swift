import Foundation
import GRDB
@testable import HandoffSQLite
import Testing

/// The migration `v13-file-batch-states` on a database made by the migrations before it, with
/// rows in it: the rows, indexes, triggers and foreign keys survive the table rebuilds, and
/// the new CHECK constraints refuse a state no machine knows.
@Suite("Migration v13-file-batch-states")
struct FileBatchStatesMigrationTests {
    /// A database at `v11-ledger-by-date` with a batch, a placement in it, its two transfers,
    /// an inbox file and an agency event citing it.
    static func olderDatabase(batchState: String = "sent") throws -> (DatabaseQueue, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("v13-\(UUID().uuidString).sqlite").path
        var config = Configuration()
        config.foreignKeysEnabled = true
        let queue = try DatabaseQueue(path: path, configuration: config)
        try Migrations.migrator.migrate(queue, upTo: "v11-ledger-by-date")
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO customers (id, account_number, type, currency, source, created_at, updated_at)
                    VALUES (1, 'A-1', 'consumer', 'USD', 'test', 'now', 'now');
                INSERT INTO placement_batches (id, partner_id, batch_key, file_name, control_name, run_date, sequence, \
                state, accounts, invoices,
                    total, sha256, size, created_at, kind)
                    VALUES (7, 'krp', 'KRP_1.csv', 'KRP_1.csv', 'KRP_1.ctl', '2026-11-15', 1, '\(batchState)', \
                1, 1, 12500, 'ab', 10, 'now', 'placement');
                INSERT INTO placements (id, customer_id, partner_id, tier, batch_id, state, placed_on, balance, \
                currency, oldest_due_date,
                    days_past_due, created_at, updated_at)
                    VALUES (3, 1, 'krp', 1, 7, 'sent', '2026-11-15', 12500, 'USD', '2026-01-01', 318, 'now', 'now');
                INSERT INTO outbox (id, partner_id, batch_id, kind, local_path, remote_name, depends_on, size, sha256, \
                state, attempts,
                    created_at, updated_at)
                    VALUES (1, 'krp', 7, 'data', '/x', 'KRP_1.csv', NULL, 10, 'ab', 'confirmed', 1, 'now', 'now'),
                           (2, 'krp', 7, 'control', '/y', 'KRP_1.ctl', 1, 5, 'cd', 'retry_later', 2, 'now', 'now');
                UPDATE outbox SET not_before = 99, last_error = 'busy' WHERE id = 2;
                INSERT INTO inbox (id, partner_id, kind, remote_name, sha256, size, archive_path, \
                plain_path, state, reason, received_at)
                    VALUES (5, 'krp', 'acknowledgement', 'KRP_ACK_1.csv', 'ef', 3, '/a', '/a', 'applied', NULL, 'now');
                INSERT INTO agency_events (id, partner_id, event_key, inbox_id, account_number, \
                kind, payload, state, created_at, updated_at)
                    VALUES (1, 'krp', 'ack:A-1', 5, 'A-1', 'accepted', '{}', 'applied', 'now', 'now');
                """)
        }
        return (queue, path)
    }

    static func schemaObjects(_ db: Database, type: String) throws -> [String] {
        try String.fetchAll(
            db, sql: "SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite_%' ORDER BY name",
            arguments: [type])
    }

    @Test("Rows, indexes, triggers and foreign keys survive; the new constraints hold")
    func upgrade() throws {
        let (queue, path) = try Self.olderDatabase()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (indexes, triggers) = try queue.read { db in
            (try Self.schemaObjects(db, type: "index"), try Self.schemaObjects(db, type: "trigger"))
        }
        // Up to this step only: later steps (v15-people…) add tables and indexes of their own.
        try Migrations.migrator.migrate(queue, upTo: "v13-file-batch-states")
        try queue.read { db in
            #expect(try Migrations.migrator.appliedMigrations(db).contains("v13-file-batch-states"))
            #expect(try Self.schemaObjects(db, type: "index") == indexes)
            #expect(try Self.schemaObjects(db, type: "trigger") == triggers)
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
            #expect(try String.fetchOne(db, sql: "SELECT state FROM placement_batches WHERE id = 7") == "sent")
            #expect(
                try String.fetchOne(
                    db, sql: "SELECT kind || ' ' || control_name || ' ' || total FROM placement_batches WHERE id = 7")
                    == "placement KRP_1.ctl 12500")
            #expect(
                try String.fetchAll(
                    db,
                    sql:
                        "SELECT state || ' ' || COALESCE(not_before, '') || ' ' || "
                            + "COALESCE(last_error, '') FROM outbox ORDER BY id"
                )
                    == ["confirmed  ", "retry_later 99 busy"])
            #expect(try Int.fetchOne(db, sql: "SELECT depends_on FROM outbox WHERE id = 2") == 1)
            #expect(try String.fetchOne(db, sql: "SELECT state FROM inbox WHERE id = 5") == "applied")
            #expect(try Int.fetchOne(db, sql: "SELECT inbox_id FROM agency_events WHERE id = 1") == 5)
            let create = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'inbox'") ?? ""
            #expect(create.contains("CREATE TABLE \"inbox\"") && create.contains("CHECK (state IN"), "\(create)")
        }
        // The constraints refuse a state no machine knows, in each table.
        for sql in [
            "UPDATE inbox SET state = 'processed' WHERE id = 5",
            "UPDATE placement_batches SET state = 'done' WHERE id = 7",
            "UPDATE outbox SET state = 'lost' WHERE id = 1"] {
            #expect(throws: DatabaseError.self, "\(sql)") { try queue.write { db in try db.execute(sql: sql) } }
        }
        // And the foreign keys still point at the rebuilt tables.
        #expect(throws: DatabaseError.self) {
            try queue.write { db in try db.execute(sql: "UPDATE placements SET batch_id = 8 WHERE id = 3") }
        }
        // A second run of the migrator changes nothing.
        try Migrations.migrator.migrate(queue)
    }

    @Test("A row in a state no machine knows stops the migration, and the database stays as it was")
    func unknownState() throws {
        let (queue, path) = try Self.olderDatabase(batchState: "lost_in_transit")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: DatabaseError.self) { try Migrations.migrator.migrate(queue) }
        let (last, state) = try queue.read { db in
            (
                try Migrations.migrator.appliedMigrations(db).last,
                try String.fetchOne(db, sql: "SELECT state FROM placement_batches WHERE id = 7")
            )
        }
        #expect(last == "v12-event-request-states", "every step before v13 applied, v13 not")
        #expect(state == "lost_in_transit")
    }
}
