import HandoffPostgres
import HandoffSQLite
import Testing

/// The two engines' schemas move in step: a SQLite migration without its PostgreSQL twin (or
/// the other way round, or out of order) fails here, before any installation meets it.
@Suite struct MigrationTwinsTests {
    @Test func everySQLiteMigrationHasAPostgreSQLTwinOfTheSameNameInTheSameOrder() {
        let sqlite = SQLiteARStore.migrationNames
        let postgres = PostgresMigrations.names
        let missing = sqlite.filter { !postgres.contains($0) }
        let extra = postgres.filter { !sqlite.contains($0) }
        #expect(missing.isEmpty, "SQLite migrations without a PostgreSQL twin in PostgresMigrations.steps: \(missing)")
        #expect(extra.isEmpty, "PostgreSQL migrations that SQLite does not have: \(extra)")
        #expect(sqlite == postgres, "the two lists differ in order")
    }
}
