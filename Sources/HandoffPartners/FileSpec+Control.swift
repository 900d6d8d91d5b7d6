import HandoffCSV
import HandoffDomain
import HandoffLayout

extension FileSpec {
    /// The control file's text for a data file with this name, SHA-256 and size, its other
    /// values from `batch`; `nil` when the file has no control file. The placement run (as
    /// it stages the file), its check, and the outbox (for the bytes as they are sent, sealed
    /// or not) all render it here.
    public func controlText(fileName: String, sha256: String, size: Int64, batch: PlacementValues.Batch) throws
        -> String?
    {
        guard let control else { return nil }
        var text = try control.content.render { path in
            switch path {
            case "file.name": return .text(fileName)
            case "file.sha256": return .text(sha256)
            case "file.size": return .integer(size)
            default: return batch.value(path)
            }
        }
        if control.trailingNewline { text += String(decoding: layout.lineEnding.bytes, as: UTF8.self) }
        return text
    }
}
