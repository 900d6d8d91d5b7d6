import GRDB

/// The steps that came with the weeks before placement and the rules around it: the compliance
/// facts of an account (v17-compliance), the agencies' reported statuses for placement terms
/// (v18-terms), dunning messages and the credit-hold list (v16-dunning), and people with tokens
/// (v15-people). Registered, in order, in ``Migrations/migrator``.
extension Migrations {
    /// The states of inbox files, placement batches and outbox transfers held to their
    /// machines' names (`InboxFileState`, `BatchState`, `OutboxTransfer.StoredState`) by CHECK
    /// constraints. SQLite adds a CHECK only by rebuilding the table: each is copied into a new
    /// table with the constraint, its data, indexes and triggers kept (foreign keys are checked
    /// once the migration ends). A row in a state no machine knows stops the migration.
    /// What the compliance gate knows of an account beyond its profile (issue 16): the kind of
    /// debt for the limitation table, the date its validation notice was sent, and the contact
    /// of the attorney who represents the debtor. One row per account, made when first needed.
    static func addCompliance(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE account_compliance (
                customer_id INTEGER PRIMARY KEY REFERENCES customers(id),
                debt_kind TEXT,
                validation_notice_date TEXT,
                validation_notice_source TEXT,
                attorney_name TEXT,
                attorney_phone TEXT,
                attorney_email TEXT,
                attorney_address TEXT,
                updated_at TEXT NOT NULL
            );
            """)
    }

    /// Every status an agency reported for a placement, with its date (issue 16): the term
    /// clock reads payment plans, broken plans and objections from it.
    static func addPlacementStatuses(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE placement_statuses (
                id INTEGER PRIMARY KEY,
                placement_id INTEGER NOT NULL REFERENCES placements(id),
                date TEXT NOT NULL,
                code TEXT NOT NULL,
                meaning TEXT NOT NULL,
                event_key TEXT NOT NULL,
                created_at TEXT NOT NULL,
                UNIQUE (placement_id, event_key)
            );
            CREATE INDEX placement_statuses_by_placement ON placement_statuses (placement_id, date);
            """)
    }

    /// Dunning messages (one per account, step and cycle, recorded before and after each SMTP
    /// transaction) and the credit-hold list as last recorded (to tell entering from leaving).
    static func createDunning(_ db: Database) throws {
        // Written out, not taken from the enums: a shipped step never changes.
        let states = "'sending', 'sent', 'retry_later', 'failed', 'unconfirmed', 'withdrawn'"
        try db.execute(sql: """
            CREATE TABLE dunning_messages (
                id INTEGER PRIMARY KEY,
                customer_id INTEGER NOT NULL REFERENCES customers(id),
                step TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('reminder', 'final_notice')),
                cycle TEXT NOT NULL,
                message_id TEXT NOT NULL UNIQUE,
                recipient TEXT NOT NULL,
                subject TEXT NOT NULL,
                balance INTEGER NOT NULL,
                currency TEXT NOT NULL,
                invoices TEXT NOT NULL,
                placement_date TEXT,
                as_of TEXT NOT NULL,
                content BLOB NOT NULL,
                state TEXT NOT NULL CHECK (state IN (\(states))),
                attempts INTEGER NOT NULL DEFAULT 0,
                not_before INTEGER,
                last_error TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                sent_at TEXT,
                UNIQUE (customer_id, step, cycle)
            );
            CREATE INDEX dunning_messages_by_state ON dunning_messages(state);
            CREATE TABLE credit_holds (
                customer_id INTEGER PRIMARY KEY REFERENCES customers(id),
                reasons TEXT NOT NULL,
                since TEXT NOT NULL,
                recorded_at TEXT NOT NULL
            );
            """)
    }

    /// People with tokens of their own and a role (`viewer`, `operator`, `admin`). Only the
    /// SHA-256 of a token is kept. A revoked person keeps their row (the audit log names them);
    /// a name is unique among people whose token still works, and an id is never reused, so a
    /// dashboard session of a revoked person never passes for someone added later.
    static func createPeople(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE people (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                name TEXT NOT NULL,
                role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
                token_sha256 TEXT NOT NULL UNIQUE CHECK (length(token_sha256) = 64),
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                revoked_at TEXT
            );
            CREATE UNIQUE INDEX people_active_name ON people(name) WHERE revoked_at IS NULL;
            """)
    }
}
