import Foundation
import HandoffConfig
import HandoffLayout
import HandoffPartners

/// The partner files Handoff ships (`partners/*.toml`), loaded once per fuzzing process.
/// `HANDOFF_PARTNERS_DIR` overrides where they are; by default they are found from this file.
public enum Shipped {
    public static let partnersDirectory: String = {
        if let dir = ProcessInfo.processInfo.environment["HANDOFF_PARTNERS_DIR"] { return dir }
        // Fuzz/Sources/FuzzSupport/Shipped.swift → the repository's partners/
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("partners").path
    }()

    public static let partners: [Partner] = {
        let loaded = PartnerLoader.loadAll(directory: partnersDirectory)
        guard loaded.problems.isEmpty, loaded.partners.count >= 3 else {
            fatalError("fuzz setup: the shipped partner files in \(partnersDirectory) did not load: \(loaded.problems)")
        }
        return loaded.partners
    }()

    public static func partner(_ id: String) -> Partner {
        guard let p = partners.first(where: { $0.id == id }) else { fatalError("fuzz setup: no partner \(id) in \(partnersDirectory)") }
        return p
    }

    /// Every layout the shipped partners define, named: their placement and updates layouts
    /// (which agencies read; Meridian's is the fixed-width one) and their return layouts (which
    /// Handoff reads), each return with its event mapping.
    public static let layouts: [(name: String, layout: Layout, mapping: EventMapping?)] = {
        var out: [(String, Layout, EventMapping?)] = []
        for p in partners.sorted(by: { $0.id < $1.id }) {
            out.append(("\(p.id) placement", p.placement.layout, nil))
            if let u = p.updates { out.append(("\(p.id) updates", u.layout, nil)) }
            for (kind, spec) in p.returns.sorted(by: { $0.key < $1.key }) {
                if let layout = spec.layout { out.append(("\(p.id) returns.\(kind)", layout, spec.events)) }
            }
        }
        return out
    }()
}

/// Input bytes as an array.
public func fuzzBytes(_ data: UnsafePointer<UInt8>, _ size: Int) -> [UInt8] {
    Array(UnsafeBufferPointer(start: data, count: size))
}

/// A property every input must keep; failing it stops the fuzzer like a crash, with a message.
public func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("fuzz property failed: \(message())") }
}
