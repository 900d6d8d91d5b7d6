import HandoffDomain
import HandoffStore

extension Reconciliation.Sourced {
    /// The event and its source as the JSON stored in an event record's `payload`: the same
    /// members and values `JSONEncoder` writes for ``Reconciliation/Sourced`` (absent optionals
    /// left out, `/` escaped; keys in declaration order, where JSONEncoder's order is not
    /// fixed), written byte by byte. Reconciliation records a
    /// payload for every event it applies; `JSONEncoder` was the largest single cost of that
    /// (docs/benchmarks.md). ``Reconciliation/decode(_:)`` reads it back with `JSONDecoder`.
    var payload: String {
        var json = PayloadJSON()
        json.open()
        json.key("event")
        json.event(event)
        json.key("source")
        json.source(source)
        json.close()
        return json.text
    }
}

/// Writes JSON a value at a time, commas between members, into one byte buffer.
struct PayloadJSON {
    private var bytes: [UInt8] = []
    private var first = true

    init() { bytes.reserveCapacity(256) }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    mutating func open() {
        bytes.append(UInt8(ascii: "{"))
        first = true
    }

    mutating func close() {
        bytes.append(UInt8(ascii: "}"))
        first = false
    }

    mutating func key(_ name: StaticString) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\\")); bytes.append(b)
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(b)
            case UInt8(ascii: "/"): bytes.append(UInt8(ascii: "\\")); bytes.append(b)
            case 0x0A: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
            case 0x08: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "b"))
            case 0x0C: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "f"))
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                          hex[Int(b >> 4)], hex[Int(b & 0xF)]])
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func number(_ n: Int64) {
        bytes.append(contentsOf: String(n).utf8)
    }

    mutating func member(_ name: StaticString, _ value: String) {
        key(name)
        string(value)
    }

    mutating func member(_ name: StaticString, _ value: String?) {
        if let value { member(name, value) }
    }

    mutating func member(_ name: StaticString, _ value: Int64) {
        key(name)
        number(value)
    }

    mutating func member(_ name: StaticString, _ value: Int64?) {
        if let value { member(name, value) }
    }

    mutating func event(_ e: AgencyEvent) {
        open()
        member("partnerID", e.partnerID)
        member("accountNumber", e.accountNumber)
        member("date", e.date?.iso)
        key("kind")
        kind(e.kind)
        member("key", e.key)
        member("note", e.note)
        close()
    }

    mutating func source(_ s: EntrySource) {
        open()
        member("kind", s.kind.rawValue)
        member("name", s.name)
        member("line", s.line.map(Int64.init))
        member("eventID", s.eventID)
        close()
    }

    /// A case with its associated values, as Swift's synthesized `Codable` writes it:
    /// `{"case":{"label":value,…}}`.
    private mutating func kind(_ k: AgencyEvent.Kind) {
        open()
        switch k {
        case .accepted(let agencyReference):
            key("accepted"); open()
            member("agencyReference", agencyReference)
        case .rejected(let reason):
            key("rejected"); open()
            member("reason", reason)
        case .updateAccepted(let requestID):
            key("updateAccepted"); open()
            member("requestID", requestID)
        case .updateRejected(let requestID, let reason):
            key("updateRejected"); open()
            member("requestID", requestID)
            member("reason", reason)
        case .fileRejected(let reason):
            key("fileRejected"); open()
            member("reason", reason)
        case .statusChanged(let code, let meaning):
            key("statusChanged"); open()
            member("code", code)
            member("meaning", meaning.rawValue)
        case .paymentCollected(let paymentID, let gross, let commission, let net, let invoices):
            key("paymentCollected"); open()
            member("paymentID", paymentID)
            member("gross", gross)
            member("commission", commission)
            member("net", net)
            key("invoices")
            bytes.append(UInt8(ascii: "["))
            for (i, invoice) in invoices.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                open()
                member("invoiceNumber", invoice.invoiceNumber)
                member("amount", invoice.amount)
                close()
            }
            bytes.append(UInt8(ascii: "]"))
        case .paymentReversed(let reversalID, let paymentID, let amount, let commission):
            key("paymentReversed"); open()
            member("reversalID", reversalID)
            member("paymentID", paymentID)
            member("amount", amount)
            member("commission", commission)
        case .directPaymentEcho(let transactionID, let clientReference, let amount, let commission):
            key("directPaymentEcho"); open()
            member("transactionID", transactionID)
            member("clientReference", clientReference)
            member("amount", amount)
            member("commission", commission)
        case .remittanceLine(let transactionID, let amount, let commission, let net):
            key("remittanceLine"); open()
            member("transactionID", transactionID)
            member("amount", amount)
            member("commission", commission)
            member("net", net)
        case .remittanceTotal(let amount, let commission, let net, let reference):
            key("remittanceTotal"); open()
            member("amount", amount)
            member("commission", commission)
            member("net", net)
            member("reference", reference)
        case .remittanceStatement(let statementID, let gross, let fee, let paymentIDs, let reference):
            key("remittanceStatement"); open()
            member("statementID", statementID)
            member("gross", gross)
            member("fee", fee)
            key("paymentIDs")
            bytes.append(UInt8(ascii: "["))
            for (i, id) in paymentIDs.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                string(id)
            }
            bytes.append(UInt8(ascii: "]"))
            member("reference", reference)
        }
        close()
        close()
    }
}
