import FuzzSupport
import HandoffDomain
import HandoffLayout
import HandoffPartners
import HandoffPlacement

/// Control files: the input is a data file, then a NUL byte, then its control file's text.
/// The data is checked against the control text as an agency checks it
/// (`ControlFileCheck.verify`, which reads the data back through its layout, recounts, sums
/// and renders the control line again) for every shipped file that has a control file (KRP's
/// placement and updates files, the local-folder agency's placement file); then the control
/// text is parsed as a control template (`TextTemplate`, as a partner file's
/// `control.content`) and rendered. A mismatch or a bad template is an error, never a crash.
let specs: [FileSpec] = Shipped.partners.sorted { $0.id < $1.id }.flatMap { p in [p.placement] + (p.updates.map { [$0] } ?? []) }
    .filter { $0.control != nil }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzControl(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let cut = bytes.firstIndex(of: 0) ?? bytes.count
    let file = Array(bytes[..<cut])
    let control = String(decoding: bytes[min(cut + 1, bytes.count)...], as: UTF8.self)
    for (i, spec) in specs.enumerated() {
        let b = batch(i)
        do {
            try ControlFileCheck.verify(data: file, fileName: "fuzz.csv", control: control, spec: spec, batch: b)
        } catch {}
    }
    if let template = try? TextTemplate(control) {
        let b = batch(0)
        _ = try? template.render { path in
            switch path {
            case "file.name": return .text("fuzz.csv")
            case "file.sha256": return .text(String(repeating: "a", count: 64))
            case "file.size": return .integer(Int64(file.count))
            default: return b.value(path)
            }
        }
        _ = try? template.renderFileName { b.value($0) }
    }
    return 0
}

func batch(_ i: Int) -> PlacementValues.Batch {
    PlacementValues.Batch(partnerID: "p\(i)", clientID: "C10442", partnerName: "Fuzz", businessName: "Fuzz Co", id: "HO-20261115-001",
                          date: CalendarDate(daysSinceEpoch: 20_772), sequence: 1, currency: .usd)
}
