import ArgumentParser
import Foundation
import HandoffAgencyLink
import HandoffConfig
import HandoffDomain
import HandoffOutbox
import HandoffPartners
import HandoffSQLite
import HandoffStore

/// `handoff send`: queue staged batches and send what is due.
struct SendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send staged placement files to the agencies, exactly once (see `handoff outbox`).")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Only this partner.")
    var partner: String?

    func run() throws {
        let context = try global.open()
        // One factory: the run's time budget per agency is shared by requests and files.
        let factory = TransportFactory(root: context.config.root)
        let delivery = Delivery(store: context.store, partners: try context.partners(), factory: factory,
                                dataDirectory: context.config.dataDirectory, businessName: context.config.businessName)
        let partners = try context.partners().filter { partner == nil || $0.id == partner }
        let requests = RequestDelivery(store: context.store, partners: partners, factory: factory,
            stagingDirectory: context.config.stagingDirectory, businessName: context.config.businessName,
            today: context.config.today())
        // Another process preparing files (the send job's claim) leaves this one the transfers
        // that are due, each claimed on its own.
        let reports = try delivery.queueAndSend(
            requests: requests, only: partner, preparing: { try context.store.exclusively(.send, $0) })
        for r in reports { print("\(Output.cell(r.partnerID, 20))  \(Output.cell(r.name, 40))  \(r.outcome)") }
        if reports.isEmpty { print("nothing to send") }
        let outbox = try context.store.readOutbox { try $0.outbox() }.filter {
            partner == nil || $0.partnerID == partner
        }
        let failed = outbox.filter { if case .failed = $0.transfer.state { return true } else { return false } }
        if !failed.isEmpty || reports.contains(where: { $0.failure == .permanent }) {
            // Each file that failed for good, with why, whether it failed in this run or an earlier one.
            let why = failed.map {
                "\n  #\($0.id) \($0.partnerID) \($0.remoteName): \($0.lastError ?? "no error recorded")"
            }.joined()
            let what =
                failed.isEmpty
                ? "something failed permanently: "
                : "\(failed.count) file\(failed.count == 1 ? "" : "s") failed permanently:\(why)\n"
            throw CLIError(
                "\(what)fix what it names, then `handoff outbox retry ID` "
                    + "(docs/operations.md says what each error means); "
                               + "`handoff requests` lists requests that failed")
        }
        // Temporary failures: the next run tries again, and cron hears of it (EX_TEMPFAIL).
        let waiting = outbox.filter { if case .retryLater = $0.transfer.state { return true } else { return false } }
        if !waiting.isEmpty || reports.contains(where: { $0.failure == .temporary }) {
            FileHandle.standardError.write(
                Data(
                    ("\(waiting.count) file\(waiting.count == 1 ? "" : "s") to retry later and "
                        + "\(reports.filter { $0.failure == .temporary }.count) temporary failure(s) in this run: "
                        + "the next `handoff send` tries again\n")
                        .utf8))
            throw ExitCode(Self.temporaryFailure)
        }
    }

    /// The exit status of a run that left work for a later run (EX_TEMPFAIL from sysexits.h).
    static let temporaryFailure: Int32 = 75
}

/// `handoff outbox`: every file to send, with its state.
struct OutboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "Every file to send: state, attempts, last error, remote name, size and SHA-256.",
        subcommands: [List.self, Retry.self],
        defaultSubcommand: List.self)

    /// `handoff outbox retry ID`: after fixing what made a transfer fail for good.
    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put a failed transfer back in line (after fixing its cause); `handoff send` then sends it.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The transfer's id, as `handoff outbox` shows it.")
        var id: Int64

        func run() throws {
            let context = try global.open()
            switch try OutboxRetry.retry(id: id, actor: "cli", in: context.store) {
            case .retried: break
            case .noSuchTransfer: throw CLIError("no transfer #\(id) in the outbox")
            case .refused(let reason): throw CLIError("transfer #\(id): \(reason)")
            }
            print("transfer #\(id) is back in line: run `handoff send`")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every file to send, with its state.")

        @OptionGroup var global: GlobalOptions

        @Flag(help: "JSON output.")
        var json = false

        struct Line: Encodable {
            var id: Int64
            var partner: String
            var batch_id: Int64?
            var kind: String
            var remote_name: String
            var state: String
            var attempts: Int
            var last_error: String?
            var next_attempt_at: Int64?
            var size: Int64
            var sha256: String
            var updated_at: String
            var confirmed_at: String?
        }

        func run() throws {
            let context = try global.open()
            let lines = try context.store.readOutbox { try $0.outbox() }.map { r -> Line in
                var next: Int64?
                if case .retryLater(let at, _) = r.transfer.state { next = at }
                return Line(
                    id: r.id, partner: r.partnerID, batch_id: r.batchID, kind: r.kind, remote_name: r.remoteName,
                    state: r.transfer.state.name,
                    attempts: r.transfer.attempts, last_error: r.lastError, next_attempt_at: next, size: r.size,
                    sha256: r.sha256,
                    updated_at: r.updatedAt, confirmed_at: r.confirmedAt)
            }
            if json {
                print(try Output.json(lines))
                return
            }
            for l in lines {
                print(
                    "#\(l.id)  \(Output.cell(l.partner, 20))  \(Output.cell(l.remote_name, 42))  "
                        + "\(Output.cell(l.state, 11))  "
                      + "\(l.attempts) attempt\(l.attempts == 1 ? "" : "s")  \(l.size) bytes  \(l.sha256.prefix(12))…"
                      + (l.last_error.map { "\n      last error: \($0)" } ?? ""))
            }
            if lines.isEmpty { print("the outbox is empty") }
        }
    }
}
