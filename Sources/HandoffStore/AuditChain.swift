import Crypto


/// The two tamper-evident chains. Every row of the ledger and every row of the audit log is
/// linked to the row sealed before it: its hash covers the previous row's hash and its own
/// canonical content, so that changing, inserting or deleting a row breaks the chain at that
/// row (docs/audit.md).
public enum AuditChainName: String, CaseIterable, Hashable, Sendable {
    /// `ledger_entries`: every cent that moved.
    case ledger
    /// `audit_log`: every action a person or a job took.
    case audit

    /// The table the chain runs through.
    public var table: String {
        switch self {
        case .ledger: "ledger_entries"
        case .audit: "audit_log"
        }
    }

    /// The column that dates a row, for exports by date.
    public var dateColumn: String {
        switch self {
        case .ledger: "recorded_at"
        case .audit: "at"
        }
    }

    /// The columns each row's hash covers, in the order the stores read them. The chain
    /// columns themselves (`chain_seq`, `chain_hash`) are not among them.
    public var columns: [String] {
        switch self {
        case .ledger:
            ["id", "customer_id", "invoice_id", "transaction_id", "kind", "amount", "currency", "effective_date",
             "source_kind", "source_name", "source_line", "source_event_id", "recorded_at"]
        case .audit:
            ["id", "at", "actor", "action", "subject", "detail", "source"]
        }
    }
}

/// One stored value as the chain hashes it.
public enum ChainValue: Hashable, Sendable {
    case text(String)
    case integer(Int64)
    case null
}

/// A row of a chain as a store reads it: its content, and where it stands in the chain.
public struct ChainRow: Hashable, Sendable {
    /// The row's primary key.
    public var id: Int64
    /// Its place in the chain, from 1; nil when the row was never sealed by Handoff.
    public var seq: Int64?
    /// Its chain hash (64 lower-case hex digits); nil when never sealed.
    public var hash: String?
    /// The values of ``AuditChainName/columns``, in that order.
    public var values: [ChainValue]

    public init(id: Int64, seq: Int64?, hash: String?, values: [ChainValue]) {
        self.id = id
        self.seq = seq
        self.hash = hash
        self.values = values
    }
}

/// Where a chain ends: the number of rows sealed and the last row's hash. Printed by `handoff
/// audit anchor`, written to the log and to `/metrics` each day, so that a copy of it exists
/// outside the database.
public struct ChainHead: Hashable, Sendable {
    public var chain: AuditChainName
    /// Rows sealed (the last row's place in the chain); 0 for an empty chain.
    public var rows: Int64
    /// The last row's hash; ``AuditChain/genesis`` for an empty chain.
    public var hash: String

    public init(chain: AuditChainName, rows: Int64, hash: String) {
        self.chain = chain
        self.rows = rows
        self.hash = hash
    }

    /// `ledger 1234 9f86d0…`: the form `handoff audit verify --anchor` takes back.
    public var anchorText: String { "\(chain.rawValue):\(rows):\(hash)" }

    /// Reads ``anchorText``.
    public init?(anchor: String) {
        let parts = anchor.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let chain = AuditChainName(rawValue: String(parts[0])), let rows = Int64(parts[1]),
            rows >= 0,
            parts[2].count == 64, parts[2].allSatisfy({ $0.isHexDigit && !$0.isUppercase })
        else { return nil }
        self.init(chain: chain, rows: rows, hash: String(parts[2]))
    }
}

/// The chain's arithmetic: a row's canonical content and its link to the row before. Pure;
/// the stores seal rows with it as they commit, and `handoff audit verify` walks it back.
public enum AuditChain {
    /// The hash the first row of each chain links to.
    public static let genesis = String(repeating: "0", count: 64)

    /// A row's content as compact JSON with its keys in order, exactly as Python's
    /// `json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False)` writes it,
    /// so that an auditor can check the chain without Handoff (docs/audit.md).
    public static func canonical(_ chain: AuditChainName, _ values: [ChainValue]) -> String {
        var bytes: [UInt8] = []
        appendCanonical(chain, values, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The hash of a row: SHA-256 over the previous row's hash (as hex) followed by the row's
    /// canonical content, both in UTF-8, written as 64 lower-case hex digits.
    public static func link(previous: String, _ chain: AuditChainName, _ values: [ChainValue]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(512)
        bytes.append(contentsOf: previous.utf8)
        appendCanonical(chain, values, to: &bytes)
        return hex(SHA256.hash(data: bytes))
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        String(unsafeUninitializedCapacity: 64) { out in
            var i = 0
            for byte in digest {
                out[i] = hexDigits[Int(byte >> 4)]
                out[i + 1] = hexDigits[Int(byte & 0x0F)]
                i += 2
            }
            return i
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Each chain's members in the order the canonical form writes them (by name, as Python's
    /// `sort_keys`), each as its place among ``AuditChainName/columns`` and its `"name":` bytes:
    /// worked out once, not for every row (a million rows are sealed in one import).
    private static func sortedMembers(_ chain: AuditChainName) -> [(index: Int, key: [UInt8])] {
        let sorted = chain.columns.enumerated().sorted {
            $0.element.unicodeScalars.lexicographicallyPrecedes($1.element.unicodeScalars)
        }
        return sorted.map { column in
            var key: [UInt8] = []
            appendJSONString(column.element, to: &key)
            key.append(UInt8(ascii: ":"))
            return (column.offset, key)
        }
    }

    private static let ledgerMembers = sortedMembers(.ledger)
    private static let auditMembers = sortedMembers(.audit)

    private static func members(_ chain: AuditChainName) -> [(index: Int, key: [UInt8])] {
        switch chain {
        case .ledger: ledgerMembers
        case .audit: auditMembers
        }
    }

    /// The canonical form's UTF-8 bytes, appended to `out`.
    private static func appendCanonical(_ chain: AuditChainName, _ values: [ChainValue], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (n, member) in members(chain).enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: member.key)
            switch member.index < values.count ? values[member.index] : .null {
            case .text(let text): appendJSONString(text, to: &out)
            case .integer(let number): appendInteger(number, to: &out)
            case .null: out.append(contentsOf: "null".utf8)
            }
        }
        out.append(UInt8(ascii: "}"))
    }

    /// A JSON string as Python's `json.dumps(ensure_ascii=False)` writes it: `"` and `\\`
    /// escaped, control characters as `\n`, `\r`, `\t`, `\b`, `\f` or `\u00XX`, everything
    /// else as its UTF-8 bytes (no byte of a multi-byte character is below 0x80, so the bytes
    /// can be read one by one).
    private static func appendJSONString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Most values need no escape: their bytes are copied at once.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out.append(contentsOf: text.utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0..<0x20:
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                        hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// An integer's decimal digits, with `-` before a negative one, as JSON writes it.
    private static func appendInteger(_ number: Int64, to out: inout [UInt8]) {
        if number < 0 { out.append(UInt8(ascii: "-")) }
        var rest = number.magnitude
        let start = out.count
        repeat {
            out.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        out[start...].reverse()
    }
}

/// What a walk of a chain found wrong first, in words an owner or an auditor understands.
public enum ChainFinding: Hashable, Sendable, CustomStringConvertible {
    /// The row's content (or its stored hash) no longer matches: changed after it was written.
    case changed(AuditChainName, id: Int64, seq: Int64)
    /// Places missing from the chain between two rows: rows deleted.
    case deleted(AuditChainName, afterID: Int64?, beforeID: Int64, missing: Int64)
    /// A row Handoff never sealed: written into the table from outside.
    case inserted(AuditChainName, id: Int64)
    /// A place in the chain held twice, or out of order: a row inserted with a made-up place.
    case misplaced(AuditChainName, id: Int64, seq: Int64)
    /// The chain no longer ends as an anchor taken earlier says it did.
    case anchorMismatch(AuditChainName, expected: ChainHead, rows: Int64, hash: String?)

    public var description: String {
        switch self {
        case .changed(let chain, let id, let seq):
            "\(chain.table) row \(id) (place \(seq) in the \(chain.rawValue) chain) was changed after it was written: "
                + "its content no longer matches its hash"
        case .deleted(let chain, let afterID, let beforeID, let missing):
            "\(missing) \(chain.table) row\(missing == 1 ? " was" : "s were") deleted "
                + (afterID.map { "between row \($0) and row \(beforeID)" }
                    ?? "before row \(beforeID), at the start of the \(chain.rawValue) chain")
        case .inserted(let chain, let id):
            "\(chain.table) row \(id) was inserted from outside Handoff: it carries no chain hash"
        case .misplaced(let chain, let id, let seq):
            "\(chain.table) row \(id) claims place \(seq) in the \(chain.rawValue) chain, "
                + "which is not its place: it was inserted or moved"
        case .anchorMismatch(let chain, let expected, let rows, let hash):
            if rows < expected.rows {
                "the \(chain.rawValue) chain has \(rows) rows but the anchor says \(expected.rows): "
                    + "rows at its end were deleted"
            } else {
                "the \(chain.rawValue) chain's row \(expected.rows) has hash \(hash ?? "none"), "
                    + "not the anchor's \(expected.hash): the chain was rewritten"
            }
        }
    }
}

/// Walks one chain in order of place, one row at a time, in constant memory: each row must
/// take the next place and link to the row before it. A pure machine: the store feeds it
/// pages of rows, and it answers with the first thing wrong.
public struct ChainWalk: Sendable {
    public let chain: AuditChainName
    /// Rows checked so far.
    public private(set) var rows: Int64 = 0
    /// The hash of the last row checked.
    public private(set) var head: String = AuditChain.genesis
    private var lastID: Int64?
    private let anchors: [ChainHead]

    public init(_ chain: AuditChainName, anchors: [ChainHead] = []) {
        self.chain = chain
        self.anchors = anchors.filter { $0.chain == chain }
    }

    /// Checks the next sealed row (in order of place); nil when it is right.
    public mutating func check(_ row: ChainRow) -> ChainFinding? {
        guard let seq = row.seq, let hash = row.hash else { return .inserted(chain, id: row.id) }
        if seq > rows + 1 { return .deleted(chain, afterID: lastID, beforeID: row.id, missing: seq - rows - 1) }
        if seq <= rows { return .misplaced(chain, id: row.id, seq: seq) }
        guard AuditChain.link(previous: head, chain, row.values) == hash else {
            return .changed(chain, id: row.id, seq: seq)
        }
        rows = seq
        head = hash
        lastID = row.id
        for anchor in anchors where anchor.rows == seq && anchor.hash != hash {
            return .anchorMismatch(chain, expected: anchor, rows: seq, hash: hash)
        }
        return nil
    }

    /// At the end of the chain: an anchor beyond its last row means rows were deleted there.
    public func finish() -> ChainFinding? {
        for anchor in anchors where anchor.rows > rows {
            return .anchorMismatch(chain, expected: anchor, rows: rows, hash: nil)
        }
        return nil
    }
}
