import Foundation
import HandoffConfig
import Testing

/// `[storage]`: the SQLite default, or a PostgreSQL database by URL, with its password kept
/// out of the file and every problem named by its key.
@Suite struct StorageSettingsTests {
    func parse(_ storage: String) throws -> HandoffConfig {
        try HandoffConfig.parse("[storage]\n" + storage, file: "c.toml", root: "/srv/handoff")
    }

    func problems(_ storage: String) -> [String] {
        do {
            _ = try parse(storage)
            return []
        } catch let e as ConfigErrors {
            return e.errors.map { "\($0.key ?? ""): \($0.problem)" }
        } catch {
            return ["\(error)"]
        }
    }

    @Test func withoutAURLTheAROfRecordIsTheSQLiteFile() throws {
        #expect(try parse("").storage == .sqlite(path: "/srv/handoff/var/handoff.sqlite"))
        #expect(try parse("database = \"/data/books.sqlite\"").storage == .sqlite(path: "/data/books.sqlite"))
    }

    @Test func aURLNamesTheUserHostPortAndDatabaseAndTheKeysTheRest() throws {
        let config = try parse("""
            url = "postgresql://handoff@db.example.com:6432/books"
            password_env = "HANDOFF_DB_PASSWORD"
            sslmode = "verify-full"
            ca_file = "config/db-ca.pem"
            """)
        #expect(config.storage == .postgresql(PostgresSettings(
            user: "handoff", host: "db.example.com", port: 6432, database: "books", passwordEnv: "HANDOFF_DB_PASSWORD",
            sslMode: .verifyFull, caFile: "/srv/handoff/config/db-ca.pem")))
        let defaults = try parse("url = \"postgres://h%40x@[::1]/ar\"")
        #expect(
            defaults.storage
                == .postgresql(
                    PostgresSettings(user: "h@x", host: "::1", port: 5432, database: "ar", sslMode: .verifyFull)))
    }

    @Test func aPasswordIsNeverTakenFromTheConfiguration() {
        #expect(problems("url = \"postgresql://handoff:secret@db/books\"").contains {
            $0.hasPrefix("storage.url:") && $0.contains("password_env or password_file") && !$0.contains("secret")
        })
        #expect(
            problems("url = \"postgresql://handoff@db/books\"\npassword = \"secret\"").contains {
                $0.hasPrefix("storage.password:")
            })
    }

    @Test func eachProblemNamesItsKey() {
        #expect(problems("url = \"mysql://a@b/c\"").first?.hasPrefix("storage.url:") == true)
        #expect(problems("url = \"postgresql://db/books\"").first?.hasPrefix("storage.url: names no user") == true)
        #expect(problems("url = \"postgresql://a@db\"").first?.hasPrefix("storage.url: names no database") == true)
        #expect(problems("url = \"postgresql://a@db:99999/b\"").first?.hasPrefix("storage.url: has the port") == true)
        #expect(
            problems("url = \"postgresql://a@db/b?sslmode=disable\"").first?.hasPrefix("storage.url: takes no ?options")
                == true)
        #expect(
            problems("url = \"postgresql://a@db/b\"\nsslmode = \"prefer\"").first?.hasPrefix("storage.sslmode:") == true
        )
        #expect(
            problems("url = \"postgresql://a@db/b\"\nsslmode = \"require\"\nca_file = \"ca.pem\"").first?.hasPrefix(
                "storage.ca_file:") == true)
        #expect(
            problems("url = \"postgresql://a@db/b\"\npassword_env = \"A\"\npassword_file = \"p\"").first?.hasPrefix(
                "storage.password_file:") == true)
        #expect(
            problems("url = \"postgresql://a@db/b\"\ndatabase = \"var/x.sqlite\"").first?.hasPrefix("storage.database:")
                == true)
        #expect(
            problems("password_env = \"A\"").first?.hasPrefix("storage.password_env: applies only to a PostgreSQL")
                == true)
    }

    @Test func thePasswordComesFromItsVariableOrFileAndItsAbsenceNamesTheKey() throws {
        var settings = PostgresSettings(user: "a", host: "db", database: "b", passwordEnv: "HANDOFF_TEST_DB_PASSWORD")
        #expect(try settings.password(environment: ["HANDOFF_TEST_DB_PASSWORD": "s3cret"]) == "s3cret")
        let missing = try #require(throws: ConfigError.self) { try settings.password(environment: [:]) }
        #expect(missing.key == "storage.password_env")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("handoff-pw-\(UUID().uuidString)")
        try Data("from-file\nignored\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        settings.passwordEnv = nil
        settings.passwordFile = file.path
        #expect(try settings.password(environment: [:]) == "from-file")
        settings.passwordFile = file.path + ".missing"
        #expect(
            (try #require(throws: ConfigError.self) { try settings.password(environment: [:]) }).key
                == "storage.password_file")
    }

    @Test func theTemplateForPostgreSQLReadsBackAsWritten() throws {
        let settings = PostgresSettings(
            user: "handoff", host: "db", port: 5433, database: "books", passwordEnv: "HANDOFF_DB_PASSWORD",
            sslMode: .verifyFull, caFile: "/etc/handoff/db-ca.pem")
        let text = HandoffConfig.template(
            businessName: "X", timeZone: "America/Toronto", currency: "CAD", postgres: settings)
        #expect(!text.contains("database = "))
        #expect(try HandoffConfig.parse(text, file: "c.toml", root: "/srv").storage == .postgresql(settings))
    }
}
