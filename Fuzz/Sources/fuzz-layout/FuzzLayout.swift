import FuzzSupport
import HandoffCSV
import HandoffLayout
import HandoffPartners

/// Every layout the shipped partners define (KRP's and the local-folder agency's CSV returns
/// and placement files, Meridian's fixed-width placement batch) reading any bytes, and each
/// return record turned into agency events by its partner file's mapping, as `handoff
/// reconcile` does: a file may be refused (`LayoutReadError`) and a record may not map
/// (`MappingError`), but nothing crashes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLayout(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    for (name, layout, mapping) in Shipped.layouts {
        let reader = LayoutReader(layout: layout, source: ByteSource(bytes: bytes, name: name))
        var count = 0
        while true {
            let record: ParsedRecord?
            do { record = try reader.next() } catch { break }
            guard let record else { break }
            count += 1
            fuzzCheck(count <= bytes.count + 1, "\(name): more records than bytes")
            if let mapping {
                _ = try? mapping.events({ record[$0] }, partnerID: name, origin: "fuzz:\(record.line)")
            }
        }
    }
    return 0
}
