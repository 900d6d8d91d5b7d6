import Foundation
import HandoffConfig
import HandoffTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Crash safety, tested with SIGKILL: the real `handoff` binary runs the README's round trip on
/// the sample data (import, place, send to the local-folder agency, fetch its returns) and, for
/// each flow, is killed with SIGKILL at random moments (a random delay after it starts, within
/// the time the flow takes uninterrupted) and at each named crash point of that flow
/// (`HANDOFF_CRASH_AT`). The flow is then run again to completion, and the installation must
/// be the same as one that was never killed: customers, invoices and their balances,
/// transactions, every ledger row and the ledger's sums, placements and batches, the outbox
/// and inbox with their states, agency events, commissions, remittances, requests, the
/// audit log (imports aside, which audit each run), and the files in staging, outgoing, the
/// archive and the agency's folders, with nothing left over (a temporary file in Handoff's own
/// folders, `NAME.tmp-PID` or Foundation's `.dat.nosync…`, which docs/architecture.md allows
/// a crash to leave, is counted instead). Right after each kill, SQLite's file passes `PRAGMA
/// integrity_check` and `foreign_key_check`; on PostgreSQL (`HANDOFF_TEST_ENGINE=postgresql`,
/// states saved and restored as copies of the database) the killed process's session ends and
/// `handoff audit verify` finds both chains intact. The rest of the round trip then runs from
/// the recovered state and must end where the reference ends.
///
/// `HANDOFF_CRASH_POINTS` sets how many random kills each flow gets (3 by default, which CI
/// runs); `HANDOFF_CRASH_SEED` replays a run (every failure names its seed and delay).
/// `scripts/crash-test --points N` runs more. See docs/reliability.md.
@Suite("Crash safety: SIGKILL at random moments, then the same command again")
struct CrashTests {
    static let asOf = "2026-11-15"

    /// The round trip, flow by flow.
    static let flows: [Flow] = [
        Flow(name: "import", commands: ["customers", "invoices", "transactions"].map {
            ["import", $0, Handoff.repositoryRoot.appendingPathComponent("sample-data/\($0).csv").path, "--quiet"]
        }, crashPoints: []),
        Flow(
            name: "place", commands: [["place", "--as-of", asOf, "--quiet"]],
            crashPoints: ["placement.file-renamed", "placement.before-commit"]),
        Flow(name: "send", commands: [["send"]], crashPoints: ["send.linked", "send.after-upload"]),
        Flow(name: "fetch", commands: [["fetch"]], crashPoints: ["fetch.after-commit"]),
    ]

    struct Flow: Sendable, CustomTestStringConvertible {
        var name: String
        var commands: [[String]]
        var crashPoints: [String]
        var testDescription: String { name }
    }

    static var randomPoints: Int { Int(ProcessInfo.processInfo.environment["HANDOFF_CRASH_POINTS"] ?? "") ?? 3 }

    @Test("Killed during a flow, then run again: the same state as a run never killed", arguments: flows)
    func killedAndRerun(_ flow: Flow) throws {
        let seed =
            UInt64(ProcessInfo.processInfo.environment["HANDOFF_CRASH_SEED"] ?? "")
            ?? UInt64.random(in: 1...UInt64(UInt32.max))
        var random = SplitMix64(seed: seed &+ UInt64(Self.flows.firstIndex { $0.name == flow.name }!))
        let world = try World()
        defer { world.remove() }
        let index = Self.flows.firstIndex { $0.name == flow.name }!

        // The reference: every flow once, never killed, keeping the installation as it was
        // before this flow and the state after it and at the end.
        var duration = 0.0
        for (i, f) in Self.flows.enumerated() {
            try world.prepare(f)
            if i == index { try world.save(as: "before") }
            let started = Date()
            try world.run(f)
            if i == index { duration = Date().timeIntervalSince(started) }
        }
        // Up to here the reference ran from the saved state; the state after this flow is
        // taken by running it again from there, so that the reference and the killed runs
        // differ in nothing but the kill.
        try world.restore("before")
        let before = try world.snapshot()
        try world.run(flow)
        let after = try world.snapshot()
        try world.perform(Array(Self.flows[(index + 1)...]))
        let end = try world.snapshot()
        #expect(before != after, "the \(flow.name) flow changed nothing: the harness would test nothing")
        // Most of a short command's time is starting up: the kills fall between most of the
        // start-up time of a command that only reads and a little after the flow's own time.
        let startup = try (0..<3).map { _ in try world.timed(["outbox"]) }.min() ?? 0
        let earliest = startup * 0.7, latest = max(duration * 1.1, earliest + 0.005)

        var points: [Kill] = flow.crashPoints.map { .crashPoint($0) }
        for _ in 0..<Self.randomPoints {
            points.append(.after(seconds: earliest + random.nextDouble() * (latest - earliest)))
        }
        var tally: [String: Int] = [:]
        var leftovers = 0
        for point in points {
            let context = "flow \(flow.name), \(point), seed \(seed)"
            try world.restore("before")
            let outcome = try world.runKilled(flow, point)
            if case .crashPoint = point {
                #expect(outcome == .killed, "\(context): the crash point was never reached")
            }
            // Right after the kill: the database is whole.
            try world.expectWhole("\(context): after the kill")
            let killed = try world.snapshot()
            let moment = outcome == .completed ? "completed before the kill"
                : killed == before
                    ? "killed with nothing committed"
                    : killed == after ? "killed after the last change" : "killed midway"
            tally[moment, default: 0] += 1

            // Run again to completion: the state of a run never killed.
            try world.run(flow)
            let recovered = try world.snapshot()
            leftovers += world.leftovers().count
            #expect(Snapshot.difference(after, recovered).isEmpty,
                """
                \(context) (\(moment)): after running again, \
                differs from a run never killed:\n\(Snapshot.difference(after, recovered))
                """
            )
            try world.expectWhole("\(context): after running again")
            // And the rest of the round trip ends where the reference ends.
            try world.perform(Array(Self.flows[(index + 1)...]))
            let final = try world.snapshot()
            #expect(Snapshot.difference(end, final).isEmpty,
                "\(context) (\(moment)): the rest of the round trip ends elsewhere:\n\(Snapshot.difference(end, final))"
            )
        }
        let summary = tally.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        print(
            "crash-test: flow \(flow.name): \(points.count) kills "
                + "(seed \(seed); uninterrupted \(Int(duration * 1000)) ms, "
                + "start-up \(Int(startup * 1000)) ms): \(summary); "
                + "temporary files left in Handoff's folders: \(leftovers)"
        )
    }
}

extension CrashTests {
    /// The harness must be able to fail: a state that differs in a way a crash could leave it
    /// (a ledger row lost, an invoice balance off by a cent, a partial file left in the agency's
    /// folder, an outbox file sent again) is seen and named.
    @Test("The comparison sees a lost ledger row, a balance off by a cent, a stray file and a resend")
    func harnessSeesDifferences() throws {
        let world = try World()
        defer { world.remove() }
        try world.perform(Self.flows)
        let reference = try world.snapshot()
        #expect(Snapshot.difference(reference, try world.snapshot()).isEmpty)
        // The ledger is append-only (a trigger): the trigger goes first, as a broken write would bypass it.
        let dropTrigger =
            world.postgres == nil
            ? "DROP TRIGGER ledger_entries_no_delete;" : "DROP TRIGGER ledger_entries_no_delete ON ledger_entries;"
        _ = try world.sql(dropTrigger + " DELETE FROM ledger_entries WHERE id = (SELECT max(id) FROM ledger_entries);")
        _ = try world.sql(
            "UPDATE invoices SET balance = balance + 1 WHERE id = (SELECT min(id) FROM invoices WHERE balance > 0);")
        _ = try world.sql("UPDATE outbox SET state = 'staged' WHERE id = (SELECT min(id) FROM outbox);")
        try Data("partial".utf8).write(
            to: world.root.appendingPathComponent("var/agencies/local-folder/inbound/.tmp-PLACEMENT.csv"))
        let difference = Snapshot.difference(reference, try world.snapshot())
        for what in [
            "- [\"ledger\"", "- [\"ledger sum\"", "- [\"invoice\"", "+ [\"invoice\"", "- [\"open balance\"",
            "+ [\"outbox\"",
            "+ [\"file\",\"var/agencies/local-folder/inbound/.tmp-PLACEMENT.csv\""] {
            #expect(difference.contains(what), "\(what) not in:\n\(difference)")
        }
    }
}

/// How a flow is interrupted: SIGKILL after a delay from its start, or a named crash point.
enum Kill: CustomStringConvertible {
    case after(seconds: Double)
    case crashPoint(String)
    var description: String {
        switch self {
        case .after(let s): return "SIGKILL after \(Int(s * 1000)) ms"
        case .crashPoint(let p): return "HANDOFF_CRASH_AT=\(p)"
        }
    }
}

enum Outcome: Equatable { case killed, completed }

/// One installation at a fixed path, whose states can be saved and restored (paths inside the
/// database are absolute, so a state is restored at the same path). On PostgreSQL a state is
/// the folder and a copy of the database (`CREATE DATABASE … TEMPLATE`), restored under the
/// database's own name.
final class World {
    let install: Installation
    var root: URL { install.root }
    /// The installation's PostgreSQL database; nil on SQLite.
    let postgres: PostgresSettings?

    init() throws {
        install = try Installation(timezone: "America/Toronto", currency: "CAD")
        try install.usePartners(["local-folder"])
        if case .postgresql(let settings) = try HandoffConfig.load(path: install.configPath).storage {
            postgres = settings
        } else {
            postgres = nil
        }
    }

    func remove() {
        for suffix in saved {
            try? FileManager.default.removeItem(atPath: root.path + ".saved-" + suffix)
            if let postgres {
                _ = try? psql(
                    "DROP DATABASE IF EXISTS \(postgres.database)_saved_\(suffix) WITH (FORCE)", database: "postgres")
            }
        }
    }

    private var saved: Set<String> = []

    func save(as name: String) throws {
        let copy = root.path + ".saved-" + name
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: root.path, toPath: copy)
        if let postgres {
            let saved = "\(postgres.database)_saved_\(name)"
            _ = try psql("DROP DATABASE IF EXISTS \(saved)", database: "postgres")
            _ = try psql("CREATE DATABASE \(saved) TEMPLATE \(postgres.database)", database: "postgres")
        }
        saved.insert(name)
    }

    func restore(_ name: String) throws {
        try FileManager.default.removeItem(at: root)
        try FileManager.default.copyItem(atPath: root.path + ".saved-" + name, toPath: root.path)
        if let postgres {
            // WITH (FORCE) ends a killed process's session that the server has not yet ended.
            _ = try psql("DROP DATABASE \(postgres.database) WITH (FORCE)", database: "postgres")
            _ = try psql(
                "CREATE DATABASE \(postgres.database) TEMPLATE \(postgres.database)_saved_\(name)", database: "postgres"
            )
        }
    }

    /// The database is whole right after a kill and after a run again. SQLite: `PRAGMA
    /// integrity_check` and `foreign_key_check`. PostgreSQL, whose own integrity is the
    /// server's: the killed process's session ends (and with it its transaction and its claim on
    /// the job), and `handoff audit verify` finds the ledger's and the audit log's chains intact.
    func expectWhole(_ context: String) throws {
        guard let postgres else {
            #expect(try sql("PRAGMA integrity_check;") == "ok", "\(context): integrity_check")
            #expect(try sql("PRAGMA foreign_key_check;") == "", "\(context): foreign_key_check")
            return
        }
        let others =
            "SELECT count(*) FROM pg_stat_activity WHERE datname = '\(postgres.database)' AND pid <> pg_backend_pid()"
        let deadline = Date().addingTimeInterval(10)
        while try sql(others) != "0" {
            try #require(Date() < deadline, "\(context): the killed process's session was still open after 10 s")
            usleep(20_000)
        }
        let verified = try install.handoff(["audit", "verify"])
        #expect(verified.status == 0, "\(context): audit verify: \(verified.stdout)\(verified.stderr)")
    }

    /// Runs SQL with `psql` on a database of the installation's server; returns its rows, one a
    /// line, values separated by `|`, trimmed.
    private func psql(_ text: String, database: String? = nil) throws -> String {
        guard let postgres else { throw TestSetupError("psql on an SQLite installation") }
        let r = try shell(
            "/usr/bin/psql",
            [
                "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", postgres.host, "-p", String(postgres.port),
                "-U", postgres.user, "-d", database ?? postgres.database, "-f", "-",
            ], input: Data(text.utf8))
        try #require(r.status == 0, "psql failed on \(text): \(r.output)")
        return r.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// What a flow needs before it starts: before the fetch, the agency's answers (its
    /// acknowledgement and activity) in its outbound folder. Part of the state a flow starts
    /// from, so never done again when the flow runs again.
    func prepare(_ flow: CrashTests.Flow) throws {
        guard flow.name == "fetch" else { return }
        let outbound = root.appendingPathComponent("var/agencies/local-folder/outbound")
        try FileManager.default.createDirectory(at: outbound, withIntermediateDirectories: true)
        let returns = Handoff.repositoryRoot.appendingPathComponent("sample-data/agency-returns")
        for name in try FileManager.default.contentsOfDirectory(atPath: returns.path).sorted()
        where name.hasSuffix(".csv") {
            let target = outbound.appendingPathComponent(name)
            if !FileManager.default.fileExists(atPath: target.path) {
                try FileManager.default.copyItem(at: returns.appendingPathComponent(name), to: target)
            }
        }
    }

    /// Prepares and runs flows in turn.
    func perform(_ flows: [CrashTests.Flow]) throws {
        for f in flows {
            try prepare(f)
            try run(f)
        }
    }

    /// How long a command takes, run to completion.
    func timed(_ command: [String]) throws -> Double {
        let started = Date()
        let r = try install.handoff(command)
        try #require(r.status == 0, "handoff \(command.joined(separator: " ")): \(r.stderr)")
        return Date().timeIntervalSince(started)
    }

    /// Runs a flow to completion; every command must succeed.
    func run(_ flow: CrashTests.Flow) throws {
        for command in flow.commands {
            let r = try install.handoff(command)
            try #require(
                r.status == 0, "handoff \(command.joined(separator: " ")) exited \(r.status): \(r.stdout)\(r.stderr)")
        }
    }

    /// Runs a flow's commands in turn until the kill: SIGKILL once `seconds` have passed since
    /// the first started, or the crash point (the command exits 86 there). Commands after the
    /// killed one are not run.
    func runKilled(_ flow: CrashTests.Flow, _ kill: Kill) throws -> Outcome {
        let start = Date()
        for command in flow.commands {
            var environment: [String: String] = [:]
            if case .crashPoint(let point) = kill { environment["HANDOFF_CRASH_AT"] = point }
            let args = ["--config", install.configPath] + command
            // sh -c 'cd ROOT && exec handoff …': the pid is handoff's own once exec'd.
            let script = "cd \"$0\" && exec \"$@\""
            let pid = try spawn("/bin/sh", ["-c", script, root.path, Handoff.binary.path] + args,
                                outputPath: root.path + ".killed-output", environment: environment)
            defer { unlink(root.path + ".killed-output") }
            switch kill {
            case .crashPoint:
                let status = waitFor(pid)
                if status == 86 { return .killed }
                try #require(status == 0, "handoff \(command.joined(separator: " ")) with \(kill) exited \(status)")
            case .after(let seconds):
                let deadline = start.addingTimeInterval(seconds)
                var status: Int32 = 0
                while true {
                    let done = waitpid(pid, &status, WNOHANG)
                    if done == pid { break }
                    if Date() >= deadline {
                        Glibc.kill(pid, SIGKILL)
                        _ = waitFor(pid)
                        return .killed
                    }
                    usleep(500)
                }
                try #require(
                    status & 0x7f == 0 && (status >> 8) & 0xff == 0,
                    "handoff \(command.joined(separator: " ")) exited with \(status)")
            }
        }
        return .completed
    }

    var databasePath: String { root.appendingPathComponent("var/handoff.sqlite").path }

    /// Runs SQL with the sqlite3 command-line tool, or `psql` on PostgreSQL; returns its output, trimmed.
    func sql(_ text: String) throws -> String {
        if postgres != nil { return try psql(text) }
        let r = try shell(Self.sqlite3, ["-batch", databasePath, text])
        try #require(r.status == 0, "sqlite3 failed on \(text): \(r.output)")
        return r.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static let sqlite3: String = {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let path = "\(dir)/sqlite3"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return "/usr/bin/sqlite3"
    }()

    /// The state that matters, without row ids, times or attempt counts, each row a line.
    func snapshot() throws -> Snapshot {
        var lines: [String] = []
        // PostgreSQL builds the same arrays with `jsonb_build_array` (`json` has no equality for
        // `DISTINCT`); each line is written again canonically, so spacing never counts.
        let queries = Snapshot.queries.joined(separator: "\n")
        let output = try sql(
            postgres == nil ? queries : queries.replacingOccurrences(of: "json_array(", with: "jsonb_build_array("))
        for line in output.split(separator: "\n", omittingEmptySubsequences: true) {
            lines.append(Snapshot.canonical(String(line)).replacingOccurrences(of: root.path, with: "<root>"))
        }
        lines += try files()
        return Snapshot(lines: lines.sorted())
    }

    /// A temporary file a kill left in Handoff's own folders: `AtomicFileWriter`'s
    /// `NAME.tmp-PID` (docs/architecture.md: "a crash leaves at most a .tmp-PID file behind"),
    /// the archive's `NAME.tmp-PID-RANDOM`
    /// or Foundation's atomic write's `.dat.nosyncXXXX.XXXXXX` (the outgoing control files):
    /// counted, not compared. One in an agency's folder is compared, and so fails.
    static func isTolerated(_ relative: String) -> Bool {
        guard relative.hasPrefix("staging/") || relative.hasPrefix("outgoing/") || relative.hasPrefix("archive/") else {
            return false
        }
        let name = relative.split(separator: "/").last.map(String.init) ?? relative
        if name.hasPrefix(".dat.nosync") { return true }
        guard let r = name.range(of: ".tmp-", options: .backwards) else { return false }
        // `PID`, or in the archive `PID-RANDOM` (hexadecimal: ``ReceivedArchive``'s writers never share a name).
        let parts = name[r.upperBound...].split(separator: "-", omittingEmptySubsequences: false)
        guard let pid = parts.first, !pid.isEmpty, pid.allSatisfy(\.isNumber) else { return false }
        return parts.count == 1 || (parts.count == 2 && !parts[1].isEmpty && parts[1].allSatisfy(\.isHexDigit))
    }

    /// The temporary files kills left behind (see ``isTolerated(_:)``).
    func leftovers() -> [String] {
        let varDir = root.appendingPathComponent("var")
        guard let e = FileManager.default.enumerator(atPath: varDir.path) else { return [] }
        return e.compactMap { $0 as? String }.filter(Self.isTolerated)
    }

    /// Every file under var/ but the database and tolerated leftovers: its path and SHA-256.
    func files() throws -> [String] {
        let varDir = root.appendingPathComponent("var")
        var out: [String] = []
        guard let e = FileManager.default.enumerator(atPath: varDir.path) else { return [] }
        while let relative = e.nextObject() as? String {
            let path = varDir.appendingPathComponent(relative).path
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else { continue }
            if relative.hasPrefix("handoff.sqlite") || Self.isTolerated(relative) { continue }
            let r = try shell("/usr/bin/sha256sum", [path])
            out.append("[\"file\",\"var/\(relative)\",\"\(r.output.prefix(64))\"]")
        }
        return out
    }
}

/// A state as sorted lines (JSON arrays), compared line by line.
struct Snapshot: Equatable {
    var lines: [String]

    static func difference(_ expected: Snapshot, _ found: Snapshot) -> String {
        var want: [String: Int] = [:], got: [String: Int] = [:]
        for l in expected.lines { want[l, default: 0] += 1 }
        for l in found.lines { got[l, default: 0] += 1 }
        var out: [String] = []
        for (l, n) in want.sorted(by: { $0.key < $1.key }) where got[l, default: 0] < n { out.append("- \(l)") }
        for (l, n) in got.sorted(by: { $0.key < $1.key }) where want[l, default: 0] < n { out.append("+ \(l)") }
        return out.prefix(40).joined(separator: "\n")
    }

    /// A JSON array whose strings that hold JSON objects (event payloads) are written again
    /// with sorted keys, so that key order never counts as a difference.
    static func canonical(_ line: String) -> String {
        guard var items = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [Any] else { return line }
        for (i, item) in items.enumerated() {
            if let s = item as? String, s.hasPrefix("{"),
                let object = try? JSONSerialization.jsonObject(with: Data(s.utf8)),
               let again = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
                items[i] = String(decoding: again, as: UTF8.self)
            }
        }
        guard let data = try? JSONSerialization.data(withJSONObject: items, options: [.sortedKeys]) else { return line }
        return String(decoding: data, as: UTF8.self)
    }

    static let queries = [
        """
        SELECT json_array('customer', account_number, type, business_name, first_name, last_name, contact_name, \
        address1, address2, city, region, postal_code, country, phone, email, tax_id, date_of_birth, currency, holds) \
        FROM customers;
        """,
        """
        SELECT json_array('invoice', c.account_number, i.invoice_number, i.invoice_date, i.due_date, i.amount, \
        i.balance, i.disputed, i.source_kind, i.source_name, i.source_line) FROM invoices i JOIN customers c \
        ON c.id = i.customer_id;
        """,
        """
        SELECT json_array('transaction', t.reference, c.account_number, t.invoice_number, t.date, t.kind, t.amount, \
        r.reference, t.source_kind, t.source_name, t.source_line, t.source_event_id) FROM transactions t \
        JOIN customers c ON c.id = t.customer_id LEFT JOIN transactions r ON r.id = t.reverses_id;
        """,
        """
        SELECT json_array('ledger', c.account_number, i.invoice_number, t.reference, l.kind, l.amount, l.currency, \
        l.effective_date, l.source_kind, l.source_name, l.source_line, l.source_event_id) FROM ledger_entries l \
        JOIN customers c ON c.id = l.customer_id JOIN invoices i ON i.id = l.invoice_id LEFT JOIN transactions t \
        ON t.id = l.transaction_id;
        """,
        """
        SELECT json_array('ledger sum', currency, kind, count(*), sum(amount)) FROM ledger_entries \
        GROUP BY currency, kind;
        """,
        """
        SELECT json_array('open balance', c.currency, sum(i.balance)) FROM invoices i JOIN customers c \
        ON c.id = i.customer_id GROUP BY c.currency;
        """,
        "SELECT DISTINCT json_array('import', kind, file_name, sha256, size, rows) FROM import_runs;",
        """
        SELECT json_array('placement', c.account_number, p.partner_id, p.tier, b.file_name, p.state, \
        p.agency_reference, p.state_reason, p.placed_on, p.balance, p.currency, p.oldest_due_date, p.days_past_due, \
        p.agency_status) FROM placements p JOIN customers c ON c.id = p.customer_id LEFT JOIN placement_batches b \
        ON b.id = p.batch_id;
        """,
        """
        SELECT json_array('placed invoice', c.account_number, p.partner_id, i.invoice_number, x.balance) \
        FROM placement_invoices x JOIN placements p ON p.id = x.placement_id JOIN customers c ON c.id = p.customer_id \
        JOIN invoices i ON i.id = x.invoice_id;
        """,
        """
        SELECT json_array('batch', partner_id, batch_key, file_name, control_name, run_date, sequence, state, \
        accounts, invoices, total, sha256, size, kind) FROM placement_batches;
        """,
        "SELECT json_array('sequence', partner_id, day, kind, last) FROM placement_sequences;",
        """
        SELECT json_array('itemization', c.account_number, x.date, x.amount, x.currency, x.basis) FROM itemizations x \
        JOIN customers c ON c.id = x.customer_id;
        """,
        """
        SELECT json_array('itemized invoice', c.account_number, i.invoice_number) FROM itemization_invoices x \
        JOIN customers c ON c.id = x.customer_id JOIN invoices i ON i.id = x.invoice_id;
        """,
        """
        SELECT json_array('final notice', c.account_number, f.notice_date, f.balance, f.currency) FROM final_notices f \
        JOIN customers c ON c.id = f.customer_id;
        """,
        """
        SELECT json_array('outbox', o.partner_id, b.file_name, o.kind, o.local_path, o.remote_name, d.remote_name, \
        o.size, o.sha256, o.state) FROM outbox o LEFT JOIN placement_batches b ON b.id = o.batch_id LEFT JOIN outbox d \
        ON d.id = o.depends_on;
        """,
        """
        SELECT json_array('inbox', partner_id, kind, remote_name, sha256, size, archive_path, plain_path, state, \
        reason) FROM inbox;
        """,
        """
        SELECT json_array('event', e.partner_id, e.event_key, n.remote_name, e.account_number, e.kind, e.payload, \
        e.state, e.reason) FROM agency_events e LEFT JOIN inbox n ON n.id = e.inbox_id;
        """,
        """
        SELECT json_array('commission', m.partner_id, c.account_number, t.reference, m.event_key, m.kind, m.base, \
        m.rate_ppm, m.expected, m.reported, m.currency, m.date) FROM commissions m JOIN customers c \
        ON c.id = m.customer_id LEFT JOIN transactions t ON t.id = m.transaction_id;
        """,
        """
        SELECT json_array('remittance', partner_id, statement_key, model, amount, commission, net, reference, date, \
        state, differences, note, period, currency) FROM remittances;
        """,
        """
        SELECT json_array('remittance item', partner_id, statement_key, transaction_id, amount, commission, currency) \
        FROM remittance_items;
        """,
        """
        SELECT json_array('request', r.partner_id, c.account_number, r.kind, r.request_id, r.amount, r.currency, \
        r.date, r.reason, r.note, r.state, b.file_name, r.last_error) FROM agency_requests r JOIN customers c \
        ON c.id = r.customer_id LEFT JOIN placement_batches b ON b.id = r.batch_id;
        """,
        "SELECT json_array('feed cursor', partner_id, cursor) FROM feed_cursors;",
        "SELECT json_array('audit', action, subject, detail) FROM audit_log WHERE action NOT LIKE 'import.%';",
    ]
}

/// A small seeded random number generator, so that a failing run can be replayed.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// In [0, 1).
    mutating func nextDouble() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
