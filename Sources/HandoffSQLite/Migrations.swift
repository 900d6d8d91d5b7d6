import Foundation
import GRDB

/// The schema of the AR record, built and upgraded by named steps. A step, once shipped,
/// never changes: a new need is a new step.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-ar-record", migrate: createARRecord)
        migrator.registerMigration("v2-placements", migrate: createPlacements)
        migrator.registerMigration("v3-outbox", migrate: createOutbox)
        migrator.registerMigration("v4-inbox", migrate: createInbox)
        migrator.registerMigration("v5-reconciliation", migrate: createReconciliation)
        migrator.registerMigration("v6-remittances", migrate: createRemittances)
        migrator.registerMigration("v7-agency-requests", migrate: createAgencyRequests)
        migrator.registerMigration("v8-commission-dates", migrate: addCommissionDates)
        migrator.registerMigration("v9-event-lookups", migrate: addEventLookups)
        migrator.registerMigration("v10-remittance-currencies", migrate: addRemittanceCurrencies)
        migrator.registerMigration("v11-ledger-by-date", migrate: addLedgerByDate)
        migrator.registerMigration("v12-event-request-states", migrate: checkEventAndRequestStates)
        migrator.registerMigration("v13-file-batch-states", migrate: addFileBatchStates)
        migrator.registerMigration("v15-people", migrate: createPeople)
        migrator.registerMigration("v16-dunning", migrate: createDunning)
        migrator.registerMigration("v17-compliance", migrate: addCompliance)
        migrator.registerMigration("v18-terms", migrate: addPlacementStatuses)
        migrator.registerMigration("v19-audit-chain", migrate: addAuditChains)
        migrator.registerMigration("v20-transfer-claims", migrate: addTransferClaims)
        migrator.registerMigration("v21-ledger-by-transaction", migrate: ledgerByTransactionInOrder)
        migrator.registerMigration("v22-job-schedule", migrate: addJobSchedule)
        return migrator
    }

    /// Customers, invoices, transactions, the ledger, the audit log and imported files.
    static func createARRecord(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE customers (
                id INTEGER PRIMARY KEY,
                account_number TEXT NOT NULL UNIQUE,
                type TEXT NOT NULL CHECK (type IN ('consumer', 'business')),
                business_name TEXT, first_name TEXT, last_name TEXT, contact_name TEXT,
                address1 TEXT, address2 TEXT, city TEXT, region TEXT, postal_code TEXT, country TEXT,
                phone TEXT, email TEXT, tax_id TEXT, date_of_birth TEXT,
                currency TEXT NOT NULL CHECK (length(currency) = 3),
                holds TEXT NOT NULL DEFAULT '',
                source TEXT NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            );

            CREATE TABLE invoices (
                id INTEGER PRIMARY KEY,
                customer_id INTEGER NOT NULL REFERENCES customers(id),
                invoice_number TEXT NOT NULL,
                invoice_date TEXT NOT NULL,
                due_date TEXT NOT NULL,
                amount INTEGER NOT NULL CHECK (amount > 0),
                balance INTEGER NOT NULL CHECK (balance >= 0),
                disputed INTEGER NOT NULL DEFAULT 0 CHECK (disputed IN (0, 1)),
                source_kind TEXT NOT NULL, source_name TEXT NOT NULL, source_line INTEGER,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                UNIQUE (customer_id, invoice_number)
            );
            CREATE INDEX invoices_by_due_date ON invoices(due_date);

            CREATE TABLE transactions (
                id INTEGER PRIMARY KEY,
                reference TEXT NOT NULL UNIQUE,
                customer_id INTEGER NOT NULL REFERENCES customers(id),
                invoice_number TEXT,
                date TEXT NOT NULL,
                kind TEXT NOT NULL,
                amount INTEGER NOT NULL CHECK (amount > 0),
                reverses_id INTEGER REFERENCES transactions(id),
                source_kind TEXT NOT NULL, source_name TEXT NOT NULL, source_line INTEGER, source_event_id TEXT,
                recorded_at TEXT NOT NULL
            );
            CREATE INDEX transactions_by_customer ON transactions(customer_id);
            CREATE INDEX transactions_by_reversed ON transactions(reverses_id) WHERE reverses_id IS NOT NULL;

            -- Every change to a balance. Append-only: an invoice's balance is the sum of its entries.
            CREATE TABLE ledger_entries (
                id INTEGER PRIMARY KEY,
                customer_id INTEGER NOT NULL REFERENCES customers(id),
                invoice_id INTEGER NOT NULL REFERENCES invoices(id),
                transaction_id INTEGER REFERENCES transactions(id),
                kind TEXT NOT NULL,
                amount INTEGER NOT NULL,
                currency TEXT NOT NULL,
                effective_date TEXT NOT NULL,
                source_kind TEXT NOT NULL, source_name TEXT NOT NULL, source_line INTEGER, source_event_id TEXT,
                recorded_at TEXT NOT NULL
            );
            CREATE INDEX ledger_by_customer ON ledger_entries(customer_id);
            CREATE INDEX ledger_by_transaction ON ledger_entries(transaction_id) WHERE transaction_id IS NOT NULL;
            CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
                BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;
            CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
                BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;

            CREATE TABLE audit_log (
                id INTEGER PRIMARY KEY,
                at TEXT NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                subject TEXT NOT NULL,
                detail TEXT NOT NULL,
                source TEXT
            );
            CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
            CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

            CREATE TABLE import_runs (
                id INTEGER PRIMARY KEY,
                kind TEXT NOT NULL,
                file_name TEXT NOT NULL,
                sha256 TEXT NOT NULL,
                size INTEGER NOT NULL,
                rows INTEGER NOT NULL,
                added INTEGER NOT NULL,
                changed INTEGER NOT NULL,
                unchanged INTEGER NOT NULL,
                rejected INTEGER NOT NULL,
                imported_at TEXT NOT NULL
            );
            """)
    }

    /// Placement batches, placements with their invoices, frozen itemizations, final notices
    /// and per-day sequence numbers.
    static func createPlacements(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE placement_batches (
                id INTEGER PRIMARY KEY,
                partner_id TEXT NOT NULL,
                batch_key TEXT NOT NULL,
                file_name TEXT NOT NULL,
                control_name TEXT,
                run_date TEXT NOT NULL,
                sequence INTEGER NOT NULL,
                state TEXT NOT NULL,
                accounts INTEGER NOT NULL,
                invoices INTEGER NOT NULL,
                total INTEGER NOT NULL,
                sha256 TEXT NOT NULL,
                size INTEGER NOT NULL,
                created_at TEXT NOT NULL,
                UNIQUE (partner_id, file_name),
                UNIQUE (partner_id, batch_key),
                UNIQUE (partner_id, run_date, sequence)
            );

            CREATE TABLE placements (
                id INTEGER PRIMARY KEY,
                customer_id INTEGER NOT NULL REFERENCES customers(id),
                partner_id TEXT NOT NULL,
                tier INTEGER NOT NULL,
                batch_id INTEGER REFERENCES placement_batches(id),
                state TEXT NOT NULL,
                agency_reference TEXT,
                state_reason TEXT,
                placed_on TEXT NOT NULL,
                balance INTEGER NOT NULL,
                currency TEXT NOT NULL,
                oldest_due_date TEXT NOT NULL,
                days_past_due INTEGER NOT NULL,
                cleared_at TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            );
            -- An account is with at most one agency at a time: enforced here, not only in code.
            CREATE UNIQUE INDEX placements_one_open ON placements(customer_id) \
            WHERE state NOT IN ('rejected', 'closed');
            CREATE INDEX placements_by_customer ON placements(customer_id);
            CREATE INDEX placements_by_batch ON placements(batch_id);

            CREATE TABLE placement_invoices (
                placement_id INTEGER NOT NULL REFERENCES placements(id),
                invoice_id INTEGER NOT NULL REFERENCES invoices(id),
                balance INTEGER NOT NULL,
                PRIMARY KEY (placement_id, invoice_id)
            ) WITHOUT ROWID;

            CREATE TABLE itemizations (
                customer_id INTEGER PRIMARY KEY REFERENCES customers(id),
                date TEXT NOT NULL,
                amount INTEGER NOT NULL,
                currency TEXT NOT NULL,
                basis TEXT NOT NULL,
                frozen_at TEXT NOT NULL
            );
            CREATE TABLE itemization_invoices (
                customer_id INTEGER NOT NULL REFERENCES customers(id),
                invoice_id INTEGER NOT NULL REFERENCES invoices(id),
                PRIMARY KEY (customer_id, invoice_id)
            ) WITHOUT ROWID;

            CREATE TABLE final_notices (
                customer_id INTEGER PRIMARY KEY REFERENCES customers(id),
                notice_date TEXT NOT NULL,
                balance INTEGER NOT NULL,
                currency TEXT NOT NULL,
                created_at TEXT NOT NULL
            );

            CREATE TABLE placement_sequences (
                partner_id TEXT NOT NULL,
                day TEXT NOT NULL,
                kind TEXT NOT NULL,
                last INTEGER NOT NULL,
                PRIMARY KEY (partner_id, day, kind)
            ) WITHOUT ROWID;
            """)
    }

    /// The outbox: every file to send, with its transfer state.
    static func createOutbox(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE outbox (
                id INTEGER PRIMARY KEY,
                partner_id TEXT NOT NULL,
                batch_id INTEGER REFERENCES placement_batches(id),
                kind TEXT NOT NULL,
                local_path TEXT NOT NULL,
                remote_name TEXT NOT NULL,
                depends_on INTEGER REFERENCES outbox(id),
                size INTEGER NOT NULL,
                sha256 TEXT NOT NULL,
                state TEXT NOT NULL,
                not_before INTEGER,
                attempts INTEGER NOT NULL DEFAULT 0,
                last_error TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                confirmed_at TEXT,
                UNIQUE (partner_id, remote_name)
            );
            """)
    }

    /// The inbox: every file an agency sent, verified, archived and deduplicated.
    static func createInbox(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE inbox (
                id INTEGER PRIMARY KEY,
                partner_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                remote_name TEXT NOT NULL,
                sha256 TEXT NOT NULL,
                size INTEGER NOT NULL,
                archive_path TEXT NOT NULL,
                plain_path TEXT,
                state TEXT NOT NULL,
                reason TEXT,
                received_at TEXT NOT NULL,
                UNIQUE (partner_id, remote_name, sha256)
            );
            CREATE INDEX inbox_by_name ON inbox(partner_id, remote_name);

            CREATE TABLE feed_cursors (
                partner_id TEXT PRIMARY KEY,
                cursor TEXT NOT NULL,
                updated_at TEXT NOT NULL
            );
            """)
    }

    /// Agency events applied exactly once, commissions, and each placement's agency status.
    static func createReconciliation(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE agency_events (
                id INTEGER PRIMARY KEY,
                partner_id TEXT NOT NULL,
                event_key TEXT NOT NULL,
                inbox_id INTEGER REFERENCES inbox(id),
                account_number TEXT,
                kind TEXT NOT NULL,
                payload TEXT NOT NULL,
                state TEXT NOT NULL,
                reason TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                UNIQUE (partner_id, event_key)
            );
            CREATE TABLE commissions (
                id INTEGER PRIMARY KEY,
                partner_id TEXT NOT NULL,
                customer_id INTEGER NOT NULL REFERENCES customers(id),
                transaction_id INTEGER REFERENCES transactions(id),
                event_key TEXT NOT NULL,
                kind TEXT NOT NULL,
                base INTEGER NOT NULL,
                rate_ppm INTEGER NOT NULL,
                expected INTEGER NOT NULL,
                reported INTEGER,
                currency TEXT NOT NULL,
                created_at TEXT NOT NULL,
                UNIQUE (partner_id, event_key)
            );
            ALTER TABLE placements ADD COLUMN agency_status TEXT;
            """)
    }

    /// Remittance statements and how each matched.
    static func createRemittances(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE remittances (
                id INTEGER PRIMARY KEY,
                partner_id TEXT NOT NULL,
                statement_key TEXT NOT NULL,
                model TEXT NOT NULL,
                amount INTEGER NOT NULL,
                commission INTEGER NOT NULL,
                net INTEGER NOT NULL,
                reference TEXT,
                date TEXT,
                state TEXT NOT NULL,
                differences TEXT NOT NULL,
                note TEXT,
                created_at TEXT NOT NULL,
                UNIQUE (partner_id, statement_key)
            );
            """)
    }

    /// Requests to agencies (recalls, direct payments reported…) and the kind of each batch file.
    static func createAgencyRequests(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE agency_requests (
                id INTEGER PRIMARY KEY,
                partner_id TEXT NOT NULL,
                customer_id INTEGER NOT NULL REFERENCES customers(id),
                placement_id INTEGER REFERENCES placements(id),
                kind TEXT NOT NULL,
                request_id TEXT NOT NULL,
                amount INTEGER,
                currency TEXT,
                date TEXT NOT NULL,
                reason TEXT,
                note TEXT,
                state TEXT NOT NULL,
                batch_id INTEGER REFERENCES placement_batches(id),
                last_error TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                UNIQUE (partner_id, request_id)
            );
            ALTER TABLE placement_batches ADD COLUMN kind TEXT NOT NULL DEFAULT 'placement';
            """)
    }

    /// The date of the transaction each commission is on, and the period (YYYY-MM) each
    /// remittance statement covers, for monthly reports.
    static func addCommissionDates(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE remittances ADD COLUMN period TEXT;
            ALTER TABLE commissions ADD COLUMN date TEXT;
            UPDATE commissions SET date = (SELECT t.date FROM transactions t WHERE t.id = commissions.transaction_id);
            """)
    }

    /// An account's agency events (its page in the API and the dashboard) and events by
    /// state (the dashboard's events not applied) found by index, not by reading them all.
    static func addEventLookups(_ db: Database) throws {
        try db.execute(sql: """
            CREATE INDEX agency_events_by_account ON agency_events(account_number);
            CREATE INDEX agency_events_by_state ON agency_events(state);
            """)
    }

    /// Remittance statements per currency, and what each remitted per transaction, so that a
    /// later statement that lists a payment again (reversed since) is matched for what changed.
    /// An older statement takes its agency's currency when the agency's commissions have only one.
    static func addRemittanceCurrencies(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE remittances ADD COLUMN currency TEXT;
            UPDATE remittances SET currency = (SELECT MIN(c.currency) FROM commissions c \
            WHERE c.partner_id = remittances.partner_id)
            WHERE (SELECT COUNT(DISTINCT c.currency) FROM commissions c \
            WHERE c.partner_id = remittances.partner_id) = 1;
            CREATE TABLE remittance_items (
                id INTEGER PRIMARY KEY,
                partner_id TEXT NOT NULL,
                statement_key TEXT NOT NULL,
                transaction_id TEXT NOT NULL,
                amount INTEGER NOT NULL,
                commission INTEGER NOT NULL,
                currency TEXT,
                FOREIGN KEY (partner_id, statement_key) REFERENCES remittances (partner_id, statement_key)
            );
            CREATE INDEX remittance_items_by_transaction ON remittance_items(partner_id, transaction_id);
            """)
    }

    /// The ledger entries of transactions by effective date, so that "as of" views find the
    /// entries dated after their day (usually none) without reading the whole ledger. An
    /// invoice's own first entry (no transaction) is left out of the index.
    static func addLedgerByDate(_ db: Database) throws {
        try db.execute(sql: """
            CREATE INDEX ledger_by_transaction_date ON ledger_entries(effective_date) WHERE transaction_id IS NOT NULL;
            """)
    }

    /// The twin of PostgreSQL's `v21-ledger-by-transaction`, which has nothing to do here: an
    /// SQLite index already holds each row's id after its key, so `ledger_by_transaction`
    /// gives a transaction's entries in id order as it is.
    static func ledgerByTransactionInOrder(_ db: Database) throws {}

    static func addFileBatchStates(_ db: Database) throws {
        try rebuild(db, table: "inbox", check: "state IN ('received', 'held', 'quarantined', 'applied')")
        try rebuild(db, table: "placement_batches", check: "state IN ('staged', 'queued', 'sent', 'receipted')")
        try rebuild(
            db, table: "outbox", check: "state IN ('staged', 'sending', 'sent', 'confirmed', 'retry_later', 'failed')")
    }

    /// Rebuilds `table` with one more table constraint, `CHECK (check)`, keeping its columns,
    /// constraints, rows, indexes and triggers (SQLite's documented way to change a table).
    static func rebuild(_ db: Database, table: String, check: String) throws {
        guard
            let create = try String.fetchOne(
                db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", arguments: [table]),
              let close = create.lastIndex(of: ")"), let name = create.range(of: table) else {
            throw DatabaseError(message: "no table \(table) to rebuild")
        }
        let newTable = "new_" + table
        var definition = create
        definition.replaceSubrange(close...close, with: "")
        definition.replaceSubrange(name, with: newTable)
        while definition.last?.isWhitespace == true { definition.removeLast() }
        definition += ",\n    CHECK (\(check))\n)"
        // Indexes and triggers the table has (those of its UNIQUE constraints come back with it).
        let dependents = try String.fetchAll(db, sql: """
            SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL \
            ORDER BY type, name
            """, arguments: [table])
        let columns = try db.columns(in: table).map { "\"\($0.name)\"" }.joined(separator: ", ")
        try db.execute(sql: definition)
        try db.execute(sql: "INSERT INTO \(newTable) (\(columns)) SELECT \(columns) FROM \(table)")
        try db.execute(sql: "DROP TABLE \(table)")
        try db.execute(sql: "ALTER TABLE \(newTable) RENAME TO \(table)")
        for sql in dependents { try db.execute(sql: sql) }
    }

    /// Agency events and requests to agencies keep only the states their machines know
    /// (`AgencyEventState`, `AgencyRequestState`): each table is rebuilt with a CHECK
    /// constraint (SQLite adds none to a table in place), its rows and ids copied, its
    /// indexes made again. No trigger or foreign key names either table.
    static func checkEventAndRequestStates(_ db: Database) throws {
        // Written out, not taken from the enums: a shipped step never changes.
        let events = "'applied', 'held', 'waiting', 'dismissed'"
        let requests = "'queued', 'sent', 'accepted', 'confirmed', 'objected', 'rejected', 'failed'"
        try db.execute(sql: """
            CREATE TABLE agency_events_v12 (
                id INTEGER PRIMARY KEY,
                partner_id TEXT NOT NULL,
                event_key TEXT NOT NULL,
                inbox_id INTEGER REFERENCES inbox(id),
                account_number TEXT,
                kind TEXT NOT NULL,
                payload TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN (\(events))),
                reason TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                UNIQUE (partner_id, event_key)
            );
            INSERT INTO agency_events_v12 (id, partner_id, event_key, inbox_id, account_number, kind, payload, state, \
            reason, created_at, updated_at)
                SELECT id, partner_id, event_key, inbox_id, account_number, kind, payload, state, reason, created_at, \
            updated_at FROM agency_events;
            DROP TABLE agency_events;
            ALTER TABLE agency_events_v12 RENAME TO agency_events;
            CREATE INDEX agency_events_by_account ON agency_events(account_number);
            CREATE INDEX agency_events_by_state ON agency_events(state);

            CREATE TABLE agency_requests_v12 (
                id INTEGER PRIMARY KEY,
                partner_id TEXT NOT NULL,
                customer_id INTEGER NOT NULL REFERENCES customers(id),
                placement_id INTEGER REFERENCES placements(id),
                kind TEXT NOT NULL,
                request_id TEXT NOT NULL,
                amount INTEGER,
                currency TEXT,
                date TEXT NOT NULL,
                reason TEXT,
                note TEXT,
                state TEXT NOT NULL CHECK (state IN (\(requests))),
                batch_id INTEGER REFERENCES placement_batches(id),
                last_error TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                UNIQUE (partner_id, request_id)
            );
            INSERT INTO agency_requests_v12 (id, partner_id, customer_id, placement_id, kind, request_id, amount, \
            currency, date, reason, note, state,
                    batch_id, last_error, created_at, updated_at)
                SELECT id, partner_id, customer_id, placement_id, kind, request_id, amount, currency, date, reason, \
            note, state,
                    batch_id, last_error, created_at, updated_at FROM agency_requests;
            DROP TABLE agency_requests;
            ALTER TABLE agency_requests_v12 RENAME TO agency_requests;
            """)
    }
}
