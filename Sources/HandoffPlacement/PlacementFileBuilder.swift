import Crypto
public import HandoffCSV
import HandoffDomain
public import HandoffLayout
public import HandoffPartners

/// Where a placement file's bytes go: a file being written atomically, or memory (tests).
public protocol ByteSink: AnyObject {
    func write(_ bytes: [UInt8]) throws
}

extension AtomicFileWriter: ByteSink {
    public func write(_ bytes: [UInt8]) throws { try write(bytes[...]) }
}

/// Bytes collected in memory.
public final class MemorySink: ByteSink {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public func write(_ bytes: [UInt8]) throws { self.bytes += bytes }
}

/// Writes one placement file in a partner's layout, an account at a time, in constant
/// memory: header first, each account's lines whole (or not at all, when the layout refuses
/// it), the trailer last; then the control file's text, computed from the file as written.
public final class PlacementFileBuilder {
    public let spec: FileSpec
    public private(set) var batch: PlacementValues.Batch
    private let renderer: LayoutRenderer
    private let sink: any ByteSink
    private var hasher = SHA256()
    public private(set) var byteCount = 0
    private var finished = false

    /// Starts a file: writes its header.
    public init(spec: FileSpec, batch: PlacementValues.Batch, sink: any ByteSink) throws {
        self.spec = spec
        self.batch = batch
        self.sink = sink
        renderer = LayoutRenderer(layout: spec.layout)
        let b = batch
        do { try emit(try renderer.header { b.value($0) }) } catch let refusal as Refusal {
            throw PlacementFileError.header(refusal)
        }
    }

    /// Adds one account with its invoices, or returns why the layout refuses it (nothing of
    /// it is written then).
    public func add(_ account: PlacementValues.Account) throws -> Refusal? {
        precondition(!finished)
        let lookup = PlacementValues.lookup(account, batch: batch)
        let lines: [UInt8]
        do {
            lines = try renderer.account(lookup, invoices: account.invoices.map(PlacementValues.lookup))
        } catch {
            return error
        }
        try emit(lines)
        batch.accounts += 1
        batch.invoices += account.invoices.count
        batch.rows += spec.layout.record(.row) != nil ? account.invoices.count : 0
        batch.balance += account.balance.minorUnits
        return nil
    }

    /// Writes the trailer. Returns the data file's SHA-256 (lower-case hex) and size.
    public func finish() throws -> (sha256: String, size: Int) {
        precondition(!finished)
        finished = true
        let b = batch
        do { try emit(try renderer.trailer { b.value($0) }) } catch let refusal as Refusal {
            throw PlacementFileError.trailer(refusal)
        }
        return (Hex.encode(hasher.finalize()), byteCount)
    }

    /// The control file's text for a data file with this name, hash and size.
    public func controlText(fileName: String, sha256: String, size: Int) throws -> String? {
        try spec.controlText(fileName: fileName, sha256: sha256, size: Int64(size), batch: batch)
    }

    private func emit(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        hasher.update(data: bytes)
        byteCount += bytes.count
        try sink.write(bytes)
    }
}

/// A placement file that cannot be written at all.
public enum PlacementFileError: Error, CustomStringConvertible {
    case header(Refusal)
    case trailer(Refusal)
    public var description: String {
        switch self {
        case .header(let r): return "the file's header cannot be written: \(r)"
        case .trailer(let r): return "the file's trailer cannot be written: \(r)"
        }
    }
}
