import Crypto
import HandoffCSV
import HandoffDomain
import HandoffLayout
public import HandoffPartners

/// Checks a data file against its control file the way an agency does before accepting it:
/// reads the data back through its layout, recounts records, accounts and the total, hashes
/// the bytes, renders the control line again and compares. A file whose control file
/// disagrees is rejected whole (KRP's `CONTROL`).
public enum ControlFileCheck {
    public struct Mismatch: Error, Equatable, CustomStringConvertible {
        public var expected: String
        public var found: String
        public var description: String {
            "CONTROL: the control file says '\(found)', the data file gives '\(expected)'"
        }
    }

    /// Verifies `control` for `data`. `batch` supplies the batch's own values (client id, date…);
    /// its counts are recomputed from the data.
    public static func verify(
        data: [UInt8], fileName: String, control: String, spec: FileSpec, batch: PlacementValues.Batch
    ) throws {
        guard spec.control != nil else { return }
        var recount = batch
        recount.accounts = 0; recount.invoices = 0; recount.rows = 0; recount.balance = 0
        let reader = LayoutReader(layout: spec.layout, source: ByteSource(bytes: data, name: fileName))
        var accounts = Set<String>()
        let balanceField = spec.layout.record(.row)?.fields.first { $0.source == .path("account.balance") }
            ?? spec.layout.record(.account)?.fields.first { $0.source == .path("account.balance") }
        while let record = try reader.next() {
            switch record.kind {
            case .row:
                recount.rows += 1
                recount.invoices += 1
                if let number = record["account_number"], accounts.insert(number).inserted, let f = balanceField,
                    let text = record[f.name]
                {
                    recount.balance = try Amount.add(
                        recount.balance, try amount(text, f), what: "the control file's total balance")
                }
            case .account:
                if let f = balanceField, let text = record[f.name] {
                    recount.balance = try Amount.add(
                        recount.balance, try amount(text, f), what: "the control file's total balance")
                }
                accounts.insert(record["account_number"] ?? "\(record.line)")
            case .invoice: recount.invoices += 1
            case .header, .trailer: break
            }
        }
        recount.accounts = accounts.count
        var hasher = SHA256()
        hasher.update(data: data)
        let sha = Hex.encode(hasher.finalize())
        let expected =
            try spec.controlText(fileName: fileName, sha256: sha, size: Int64(data.count), batch: recount) ?? ""
        guard expected == control else { throw Mismatch(expected: expected, found: control) }
    }

    private static func amount(_ text: String, _ field: FieldLayout) throws -> Int64 {
        if field.format == "minor_units" { return try Amount.parseImpliedDecimal(text) }
        return try Amount.parseMinorUnits(text, digits: 2)
    }
}
