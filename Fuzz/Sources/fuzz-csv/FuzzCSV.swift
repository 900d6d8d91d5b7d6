import FuzzSupport
import HandoffCSV

/// The CSV reader (imports and agency CSV files) on any bytes: it may refuse them with a
/// `CSVSyntaxError`, never crash. Two properties as well:
/// - the result does not depend on how the bytes arrive (chunks of 1, 7 or 64 KiB bytes);
/// - what it reads, written again with `CSVWriter`, reads back the same.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    for delimiter in [UInt8(ascii: ","), UInt8(ascii: ";"), 0x09] {
        let whole = readAll(bytes, delimiter: delimiter, chunkSize: 1 << 16)
        for chunk in [1, 7] where delimiter == UInt8(ascii: ",") {
            let other = readAll(bytes, delimiter: delimiter, chunkSize: chunk)
            fuzzCheck(other == whole, "chunks of \(chunk) bytes read \(other), whole reads \(whole)")
        }
        if case .records(let records) = whole { roundTrip(records, delimiter: delimiter) }
    }
    // The fixed-width line reader on the same bytes.
    let lines = LineReader(source: ByteSource(bytes: bytes, name: "fuzz"))
    while (try? lines.next()) != nil {}
    return 0
}

enum Outcome: Equatable {
    case records([CSVRecord])
    case error(CSVSyntaxError, after: [CSVRecord])
}

func readAll(_ bytes: [UInt8], delimiter: UInt8, chunkSize: Int) -> Outcome {
    let reader = CSVReader(source: ByteSource(bytes: bytes, name: "fuzz"), delimiter: delimiter, chunkSize: chunkSize)
    var records: [CSVRecord] = []
    do {
        while let r = try reader.next() { records.append(r) }
    } catch let e as CSVSyntaxError {
        return .error(e, after: records)
    } catch {
        fatalError("CSVReader threw something other than CSVSyntaxError: \(error)")
    }
    return .records(records)
}

func roundTrip(_ records: [CSVRecord], delimiter: UInt8) {
    // A record of one empty field is an empty line, which the reader skips; a byte order mark
    // at the start of the first field is taken for the file's own.
    let kept = records.map(\.fields).filter { $0 != [""] }
    if let first = kept.first?.first, first.unicodeScalars.first == "\u{FEFF}" { return }
    let writer = CSVWriter(delimiter: delimiter, lineEnding: .crlf)
    var out: [UInt8] = []
    for fields in kept { writer.append(fields, to: &out) }
    guard case .records(let again) = readAll(out, delimiter: delimiter, chunkSize: 1 << 16) else {
        fatalError("CSVWriter wrote what CSVReader refuses: \(kept)")
    }
    fuzzCheck(again.map(\.fields) == kept, "written \(kept), read back \(again.map(\.fields))")
}
