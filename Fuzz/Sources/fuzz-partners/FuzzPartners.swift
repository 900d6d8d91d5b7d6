import Foundation
import FuzzSupport
import HandoffCSV
import HandoffConfig
import HandoffDomain
import HandoffLayout
import HandoffPartners

/// A partner file's bytes, read as `handoff partners check` reads one (UTF-8 first, then TOML,
/// then every key checked): it may be refused with its problems, never crash. A file that
/// loads is then used: its file-name templates rendered and every layout it defines reading
/// the sample returns and a line of spaces of its record length, each return record mapped.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPartners(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let partner: Partner
    do {
        let text = try ConfigError.utf8Text(Data(bytes), file: "fuzz.toml")
        partner = try PartnerLoader.parse(text, file: "fuzz.toml")
    } catch is ConfigError {
        return 0
    } catch is ConfigErrors {
        return 0
    } catch {
        fatalError("PartnerLoader threw something other than ConfigError(s): \(type(of: error)) \(error)")
    }
    use(partner)
    return 0
}

let samples: [[UInt8]] = {
    // Small agency files of each shape; the partners in the corpus read some of them.
    let dir = URL(fileURLWithPath: Shipped.partnersDirectory).deletingLastPathComponent()
    let paths = ["sample-data/agency-returns/LFC_ACK_DEMO01_20261116.csv", "sample-data/agency-returns/LFC_ACT_DEMO01_20261125.csv",
                 "Tests/HandoffLayoutTests/Fixtures/KRP_ACT_C10442_20261120.csv", "Tests/HandoffLayoutTests/Fixtures/MCC_batch_HO-20261115-001.txt"]
    return paths.compactMap { FileManager.default.contents(atPath: dir.appendingPathComponent($0).path).map { Array($0) } }
}()

func use(_ partner: Partner) {
    var batch = PlacementValues.Batch(partnerID: partner.id, clientID: partner.clientID, partnerName: partner.name, businessName: "Fuzz Co",
                                      id: "B-1", date: CalendarDate(daysSinceEpoch: 20_000), sequence: 1, currency: .usd)
    batch.accounts = 2; batch.invoices = 3; batch.rows = 3; batch.balance = 12_345; batch.amount = -500
    let b = batch
    var specs = [partner.placement]
    if let u = partner.updates { specs.append(u) }
    for spec in specs {
        _ = try? spec.fileName.renderFileName { b.value($0) }
        _ = try? spec.batchID?.render { b.value($0) }
        if let control = spec.control {
            _ = try? control.fileName.renderFileName { b.value($0) }
            _ = try? control.content.render { path in
                switch path {
                case "file.name": return .text("f.csv")
                case "file.sha256": return .text(String(repeating: "0", count: 64))
                case "file.size": return .integer(1)
                default: return b.value(path)
                }
            }
        }
    }
    var layouts: [(Layout, EventMapping?)] = specs.map { ($0.layout, nil) }
    for (_, r) in partner.returns { if let l = r.layout { layouts.append((l, r.events)) } }
    for (layout, mapping) in layouts {
        var inputs = samples
        if case .fixedWidth(let length) = layout.format, length <= 4096 {
            inputs.append(Array(String(repeating: " ", count: length).utf8) + [0x0D, 0x0A])
        }
        for input in inputs {
            let reader = LayoutReader(layout: layout, source: ByteSource(bytes: input, name: "sample"))
            while let record = try? reader.next() {
                if let mapping { _ = try? mapping.events({ record[$0] }, partnerID: partner.id, origin: "fuzz") }
            }
        }
    }
}
