import HandoffCSV
import HandoffDomain

/// Writes records of a ``Layout`` as bytes. Pure: it is given values and returns lines, and
/// the caller streams them into a file. An account's lines are rendered whole before any of
/// them is written, so a refused account leaves nothing behind.
public struct LayoutRenderer: Sendable {
    public let layout: Layout
    private let csv: CSVWriter?

    public init(layout: Layout) {
        self.layout = layout
        if case .csv(let delimiter, _) = layout.format {
            csv = CSVWriter(delimiter: delimiter, lineEnding: layout.lineEnding)
        } else {
            csv = nil
        }
    }

    /// The first lines of a file: a CSV header row naming the row fields, and a `header` record.
    public func header(_ batch: @escaping ValueLookup) throws(Refusal) -> [UInt8] {
        var out: [UInt8] = []
        if case .csv(_, true) = layout.format,
            let first = layout.records.first(where: { $0.kind == .row || $0.kind == .account })
        {
            csv!.append(first.fields.map(\.name), to: &out)
        }
        if let header = layout.record(.header) { try append(header, batch, nil, to: &out) }
        return out
    }

    /// The last lines of a file: the `trailer` record.
    public func trailer(_ batch: @escaping ValueLookup) throws(Refusal) -> [UInt8] {
        var out: [UInt8] = []
        if let trailer = layout.record(.trailer) { try append(trailer, batch, nil, to: &out) }
        return out
    }

    /// Every line of one account: its `account` record and `invoice` records, or one `row`
    /// per invoice. Refused whole when any field or check fails.
    public func account(_ account: @escaping ValueLookup, invoices: [ValueLookup]) throws(Refusal) -> [UInt8] {
        for check in layout.checks { try Self.verify(check, account: account, invoices: invoices) }
        var out: [UInt8] = []
        if let record = layout.record(.account) { try append(record, account, account, to: &out) }
        guard !invoices.isEmpty else { return out }
        // A field of an invoice or row record whose value the invoice does not give (an
        // account's name, address, balance) reads the same for every invoice of the account:
        // it is rendered once, for the first, and its text reused.
        let invoiceRecord = layout.record(.invoice)
        let rowRecord = layout.record(.row)
        var invoiceTexts = AccountTexts(count: invoiceRecord?.fields.count ?? 0)
        var rowTexts = AccountTexts(count: rowRecord?.fields.count ?? 0)
        for invoice in invoices {
            let merged: ValueLookup = { path in invoice(path) ?? account(path) }
            if let record = invoiceRecord {
                try append(record, merged, account, invoice: invoice, texts: &invoiceTexts, to: &out)
            }
            if let record = rowRecord {
                try append(record, merged, account, invoice: invoice, texts: &rowTexts, to: &out)
            }
        }
        return out
    }

    /// The texts of one record's fields that come from the account rather than the invoice,
    /// kept while the account's invoices are rendered.
    private struct AccountTexts {
        var texts: [String?]
        init(count: Int) { texts = Array(repeating: nil, count: count) }
    }

    private func append(
        _ record: RecordLayout, _ values: @escaping ValueLookup, _ account: ValueLookup?, to out: inout [UInt8]
    ) throws(Refusal) {
        var none = AccountTexts(count: 0)
        try append(record, values, account, invoice: nil, texts: &none, to: &out)
    }

    /// One field's text for an invoice's record: from `texts` when the field's value is the
    /// account's (the invoice gives none for its path), else rendered.
    private func fieldText(
        _ field: FieldLayout, at index: Int, _ values: ValueLookup, _ account: ValueLookup?, invoice: ValueLookup?,
        texts: inout AccountTexts) throws(Refusal) -> String {
        guard let invoice, index < texts.texts.count else { return try render(field, values, account) }
        let fromAccount: Bool
        switch field.source {
        case .constant, .none: fromAccount = true
        case .path(let path): fromAccount = invoice(path) == nil
        }
        guard fromAccount else { return try render(field, values, account) }
        if let known = texts.texts[index] { return known }
        let rendered = try render(field, values, account)
        texts.texts[index] = rendered
        return rendered
    }

    private func append(
        _ record: RecordLayout, _ values: @escaping ValueLookup, _ account: ValueLookup?, invoice: ValueLookup?,
        texts: inout AccountTexts, to out: inout [UInt8]) throws(Refusal) {
        switch layout.format {
        case .csv:
            var fields: [String] = []
            fields.reserveCapacity(record.fields.count)
            for (index, field) in record.fields.enumerated() {
                fields.append(try fieldText(field, at: index, values, account, invoice: invoice, texts: &texts))
            }
            csv!.append(fields, to: &out)
        case .fixedWidth(let recordLength):
            // Widths count characters. An ASCII field (what an ASCII layout always writes) is
            // placed byte for byte; other text goes through Characters.
            var line = [UInt8](repeating: UInt8(ascii: " "), count: recordLength)
            var wide: [(start: Int, text: [Character])] = []
            for (index, field) in record.fields.enumerated() {
                guard let start = field.start, let length = field.length else { continue }
                let text = try fieldText(field, at: index, values, account, invoice: invoice, texts: &texts)
                let utf8 = text.utf8
                let ascii = utf8.allSatisfy { $0 < 0x80 }
                let count = ascii ? utf8.count : text.count
                if count > length && field.overflow == .refuse {
                    throw Refusal(reason: field.invalidReason, field: field.name,
                                  message: "'\(text)' is longer than the field's \(length) characters")
                }
                let kept = min(count, length)
                if ascii, let pad = field.pad.asciiValue {
                    let offset = field.alignRight ? length - kept : 0
                    var j = start - 1 + offset
                    for b in utf8.prefix(kept) { line[j] = b; j += 1 }
                    let padStart = field.alignRight ? start - 1 : start - 1 + kept
                    for k in 0..<(length - kept) { line[padStart + k] = pad }
                } else {
                    let chars = Array(text.prefix(kept))
                    let padding = [Character](repeating: field.pad, count: length - kept)
                    wide.append((start - 1, field.alignRight ? padding + chars : chars + padding))
                }
            }
            if wide.isEmpty {
                out.append(contentsOf: line)
            } else {
                var chars = String(decoding: line, as: UTF8.self).map { $0 }
                for (start, text) in wide { chars.replaceSubrange(start..<(start + text.count), with: text) }
                out.append(contentsOf: String(chars).utf8)
            }
            out.append(contentsOf: layout.lineEnding.bytes)
        }
    }

    /// One field's text, or the reason the account cannot be written.
    func render(_ field: FieldLayout, _ values: ValueLookup, _ account: ValueLookup?) throws(Refusal) -> String {
        let value: FieldValue
        switch field.source {
        case .constant(let c): value = .text(c)
        case .none: value = .absent
        case .path(let path):
            guard let v = values(path) else {
                throw Refusal(
                    reason: "LAYOUT", field: field.name, message: "the layout names an unknown value '\(path)'")
            }
            value = v
        }
        if value.isAbsent {
            if isRequired(field, account) {
                throw Refusal(reason: field.missingReason, field: field.name, message: "is required and empty")
            }
            return ""
        }
        var text: String
        do { text = try TextTemplate.format(value, field.format) } catch {
            throw Refusal(reason: "LAYOUT", field: field.name, message: error.message)
        }
        if !field.map.isEmpty {
            guard let mapped = field.map[text] else {
                throw Refusal(
                    reason: field.invalidReason, field: field.name,
                    message: "'\(text)' has no code in this agency's layout")
            }
            text = mapped
        }
        for transform in field.transforms {
            switch transform {
            case .digits: text = String(text.filter { $0.isASCII && $0.isNumber })
            case .phone:
                let plus = text.trimmingSpaces.hasPrefix("+")
                text = (plus ? "+" : "") + String(text.filter { $0.isASCII && $0.isNumber })
            case .upper: text = text.uppercased()
            case .lower: text = text.lowercased()
            }
        }
        if text.isEmpty && isRequired(field, account) {
            throw Refusal(reason: field.missingReason, field: field.name, message: "is required and empty")
        }
        if let allowed = field.allowed, !text.isEmpty, !allowed.contains(text) {
            throw Refusal(
                reason: field.invalidReason, field: field.name,
                message: "'\(text)' is not accepted (only \(allowed.joined(separator: ", ")))")
        }
        if field.check == .region, !text.isEmpty {
            var country = ""
            if case .text(let c)? = account?("account.country") { country = c }
            guard text.count == 2, ISO3166.isValid(region: text, in: country) || !(country == "US" || country == "CA")
            else {
                throw Refusal(
                    reason: field.invalidReason, field: field.name,
                    message: "'\(text)' is not a state or province code of \(country)")
            }
        }
        if layout.charset == .ascii {
            guard let ascii = Transliteration.ascii(text) else {
                throw Refusal(
                    reason: field.invalidReason, field: field.name, message: "'\(text)' cannot be written in ASCII")
            }
            text = ascii
        }
        if let max = field.maxLength, text.count > max {
            if field.overflow == .refuse {
                throw Refusal(
                    reason: field.invalidReason, field: field.name,
                    message: "'\(text)' is longer than \(max) characters")
            }
            text = String(text.prefix(max))
        }
        return text
    }

    private func isRequired(_ field: FieldLayout, _ account: ValueLookup?) -> Bool {
        switch field.required {
        case .optional: return false
        case .always: return true
        case .forDebtorType(let type):
            if case .text(let t)? = account?("account.type") { return t == type.rawValue }
            return false
        }
    }

    /// Checks one money identity over an account and its invoices.
    static func verify(_ check: AccountCheck, account: @escaping ValueLookup, invoices: [ValueLookup]) throws(Refusal) {
        func total(_ e: AccountCheck.Expression) throws(Refusal) -> Int64 {
            var sum: Int64 = 0
            for term in e.terms {
                let sources = term.overInvoices ? invoices : [account]
                for lookup in sources {
                    switch lookup(term.path) {
                    case .money(let m)?: sum += term.negative ? -m.minorUnits : m.minorUnits
                    case .absent?: break
                    default:
                        throw Refusal(reason: "LAYOUT", field: check.reason, message: "'\(term.path)' is not an amount")
                    }
                }
            }
            return sum
        }
        let left = try total(check.left)
        let right = try total(check.right)
        guard left == right else {
            throw Refusal(reason: check.reason, field: check.reason,
                          message: "\(check.left.source) is \(left), \(check.right.source) is \(right) (minor units)")
        }
    }
}
