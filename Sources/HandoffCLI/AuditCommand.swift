public import ArgumentParser
import Foundation
import HandoffCSV
import HandoffDomain
public import HandoffStore

/// `handoff audit verify|anchor|export`: the tamper-evident chains of the ledger and the audit
/// log (docs/audit.md).
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check that the ledger and the audit log were not edited after the fact.",
        discussion: """
            Every ledger row and every audit row carries a SHA-256 hash over the row before it and its own content. \
            `verify` walks both chains and names the first row changed, inserted or deleted; `anchor` prints where \
            each chain ends, to keep outside the database; `export` writes rows with their hashes for an auditor.
            """,
        subcommands: [AuditVerifyCommand.self, AuditAnchorCommand.self, AuditExportCommand.self])
}

extension AuditChainName: ExpressibleByArgument {}

/// `handoff audit verify [--anchor CHAIN:ROWS:HASH]…`.
struct AuditVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Walk both chains and name the first row changed, inserted or deleted.",
        discussion: "Exits 0 when both chains are intact, 1 when a row was tampered with.")

    @OptionGroup var global: GlobalOptions
    @Option(
        help:
            """
            An anchor printed earlier by `handoff audit anchor` (CHAIN:ROWS:HASH); the chain must still \
            pass through it. May be repeated.
            """
    )
    var anchor: [String] = []

    func run() throws {
        let anchors = try anchor.map { text -> ChainHead in
            guard let head = ChainHead(anchor: text) else {
                throw ValidationError(
                    "--anchor '\(text)' is not an anchor: it reads CHAIN:ROWS:HASH, as `handoff audit anchor` prints it"
                )
            }
            return head
        }
        let context = try global.open()
        var tampered = false
        for chain in AuditChainName.allCases {
            let (head, finding) = try context.store.readAuditChain { r in try r.verify(chain, anchors: anchors) }
            if let finding {
                tampered = true
                print("\(chain.rawValue): TAMPERED: \(finding)")
                print("  the first \(head.rows) rows are intact, up to hash \(head.hash)")
            } else {
                print("\(chain.rawValue): intact, \(head.rows) rows, head \(head.hash)")
            }
        }
        if tampered { throw ExitCode(1) }
    }
}

/// `handoff audit anchor`.
struct AuditAnchorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "anchor",
        abstract: "Print where each chain ends (its rows and last hash), to keep outside the database.",
        discussion: "Each line reads CHAIN:ROWS:HASH; give it back to `handoff audit verify --anchor`.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let context = try global.open()
        let heads = try context.store.readAuditChain { r in try AuditChainName.allCases.map { try r.chainHead($0) } }
        for head in heads { print(head.anchorText) }
    }
}

/// `handoff audit export --from --to [--chain] [--output]`.
struct AuditExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write the rows of a period with their hashes, as JSON lines, for an auditor.",
        discussion: """
            One line per row: {"chain","seq","prev_hash","hash","row"}. docs/audit.md has a short script that checks \
            them without Handoff: each hash is SHA-256 over prev_hash and the row's canonical JSON.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "First day, YYYY-MM-DD (by when the row was written).") var from: String
    @Option(help: "Last day, YYYY-MM-DD.") var to: String
    @Option(help: "Only this chain: ledger or audit (default both).") var chain: AuditChainName?
    @Option(help: "Write to this file (atomically) instead of standard output.") var output: String?

    func run() throws {
        let start = try parseDate(from, option: "--from"), end = try parseDate(to, option: "--to")
        guard start <= end else { throw ValidationError("--from is after --to") }
        let context = try global.open()
        let file = try output.map { try AtomicFileWriter(path: $0, mode: 0o666) }
        var rows = 0
        for chain in chain.map({ [$0] }) ?? AuditChainName.allCases {
            let dateIndex = chain.columns.firstIndex(of: chain.dateColumn)!
            try context.store.readAuditChain { r in
                var previous = AuditChain.genesis
                var after: Int64 = 0
                while true {
                    let page = try r.chainRows(chain, afterSeq: after, limit: 10_000)
                    var text = ""
                    for row in page {
                        defer { previous = row.hash ?? previous }
                        guard case .text(let stamp) = row.values[dateIndex],
                            let day = CalendarDate(iso: stamp.prefix(10)),
                              day >= start, day <= end, let seq = row.seq, let hash = row.hash else { continue }
                        text +=
                            "{\"chain\":\"\(chain.rawValue)\",\"seq\":\(seq),"
                                + "\"prev_hash\":\"\(previous)\",\"hash\":\"\(hash)\","
                            + "\"row\":\(AuditChain.canonical(chain, row.values))}\n"
                        rows += 1
                    }
                    if let file { try file.write(Array(text.utf8)) } else { print(text, terminator: "") }
                    guard let last = page.last?.seq, page.count == 10_000 else { break }
                    after = last
                }
            }
        }
        if let file {
            try file.commit()
            FileHandle.standardError.write(Data("wrote \(rows) rows to \(output!)\n".utf8))
        }
    }
}
