import Foundation
import FuzzSupport
import HandoffPartners

/// A page of Meridian's JSON event feed (or one pushed event) on its way in, as
/// `handoff fetch` and `handoff reconcile` take it: the page parsed, each event in it stored
/// as canonical JSON (sorted keys), read back and mapped by Meridian's `[returns.feed]`
/// (partners/meridian-commercial.toml). Bad JSON or an event that does not map may be
/// refused, never crash.
let meridian = Shipped.partner("meridian-commercial")
let mapping: EventMapping = {
    guard let m = meridian.returns.values.first(where: { $0.layout == nil && $0.events != nil })?.events else {
        fatalError("fuzz setup: meridian-commercial has no event feed mapping")
    }
    return m
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEvents(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let object = try? JSONSerialization.jsonObject(with: Data(bytes: data, count: size)) else { return 0 }
    guard let page = object as? [String: Any] else { return 0 }
    // EventFeed.pull: the page's `events` array and its `next` cursor.
    if let events = page["events"] as? [[String: Any]] {
        _ = page["next"].map { "\($0)" }
        for event in events { take(event) }
    }
    // EventFeed.receive: a pushed event is one object.
    take(page)
    return 0
}

func take(_ event: [String: Any]) {
    // EventFeed.record: the event's id and type, stored as canonical JSON.
    guard let id = event["id"].map({ "\($0)" }) else { return }
    _ = event["type"] as? String
    guard let stored = try? JSONSerialization.data(withJSONObject: event, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
    // Reconciliation: the stored event read back and mapped.
    let json = (try? JSONSerialization.jsonObject(with: stored)) as? [String: Any] ?? [:]
    _ = try? mapping.events({ json[$0].flatMap { $0 is NSNull ? nil : $0 } }, partnerID: meridian.id, origin: "event:" + id)
}
