import HandoffCSV
import HandoffDomain

/// The header of an import file, matched against the columns an import knows: columns
/// may come in any order; a missing required column, a repeated one, or (unless allowed)
/// an unknown one refuses the file.
struct ColumnMap {
    let file: String
    let header: [String]
    private var index: [String: Int] = [:]

    init(header record: CSVRecord, file: String, required: [String], optional: [String], ignoreUnknown: Bool)
        throws(ImportFailed)
    {
        self.file = file
        self.header = record.fields
        var errors: [RowError] = []
        let known = Set(required + optional)
        for (i, raw) in record.fields.enumerated() {
            let name = raw.trimmingSpaces.lowercased()
            if index[name] != nil {
                errors.append(
                    RowError(file: file, line: record.line, column: name, message: "appears twice in the header"))
            } else if known.contains(name) {
                index[name] = i
            } else if !ignoreUnknown {
                errors.append(RowError(file: file, line: record.line, column: raw,
                        message:
                            "is not a known column (known: \(required + optional)); pass --ignore-unknown to skip it"))
            }
        }
        for name in required where index[name] == nil {
            errors.append(
                RowError(
                    file: file, line: record.line, column: name, message: "required column is missing from the header"))
        }
        if !errors.isEmpty { throw ImportFailed(file: file, errors: errors, badRows: errors.count) }
    }

    /// Whether the file has this column.
    func has(_ column: String) -> Bool { index[column] != nil }

    /// The trimmed value of a column in a record; `nil` when the column is absent or the value empty.
    func value(_ column: String, in record: CSVRecord) -> String? {
        guard let i = index[column], i < record.fields.count else { return nil }
        let field = record.fields[i]
        // Most fields have no space or tab at either end: they are taken as they are,
        // without walking their characters.
        let utf8 = field.utf8
        guard let first = utf8.first, let last = utf8.last else { return nil }
        if first != 0x20 && first != 0x09 && last != 0x20 && last != 0x09 { return field }
        let v = field.trimmingSpaces
        return v.isEmpty ? nil : v
    }
}

/// Reads typed values out of one row, turning every malformed value into a ``RowError``
/// that names the row's line and the column.
struct RowReader {
    let columns: ColumnMap
    let record: CSVRecord

    var line: Int { record.line }

    func error(_ column: String?, _ message: String) -> RowError {
        RowError(file: columns.file, line: record.line, column: column, message: message)
    }

    /// The row names an account the AR record does not have.
    func noAccount(_ number: String) -> RowError {
        error("account_number", "no account '\(number)' (import it in the customers file first)")
    }

    func optional(_ column: String) -> String? { columns.value(column, in: record) }

    func required(_ column: String) throws(RowError) -> String {
        guard let v = columns.value(column, in: record) else { throw error(column, "is required") }
        return v
    }

    /// A key such as an account or invoice number: 1 to 64 characters, no control characters.
    func key(_ column: String) throws(RowError) -> String {
        let v = try required(column)
        // Plain ASCII keys (nearly all of them) are checked byte by byte; others by Unicode properties.
        let utf8 = v.utf8
        if utf8.allSatisfy({ $0 < 0x80 }) {
            guard utf8.count <= 64 else { throw error(column, "is longer than 64 characters") }
            guard !utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
                throw error(column, "holds a control character")
            }
            return v
        }
        guard v.count <= 64 else { throw error(column, "is longer than 64 characters") }
        guard !v.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw error(column, "holds a control character")
        }
        return v
    }

    /// Refuses a value with a control character: C0 (NUL, tab, line feed, ESC…), DEL, C1, or
    /// a Unicode line or paragraph separator. Such a character in a name or address would
    /// reach an agency's file, where it can break a record, a column or a fixed-width line.
    func refuseControlCharacters(_ column: String) throws(RowError) {
        guard let v = optional(column) else { return }
        let utf8 = v.utf8
        if utf8.allSatisfy({ $0 < 0x80 }) {
            guard let bad = utf8.firstIndex(where: { $0 < 0x20 || $0 == 0x7F }) else { return }
            throw controlCharacter(
                column, v, Unicode.Scalar(utf8[bad]), at: utf8.distance(from: utf8.startIndex, to: bad))
        }
        for (i, scalar) in v.unicodeScalars.enumerated()
            where scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}" {
            throw controlCharacter(column, v, scalar, at: i)
        }
    }

    private func controlCharacter(_ column: String, _ value: String, _ scalar: Unicode.Scalar, at index: Int)
        -> RowError
    {
        let code = String(scalar.value, radix: 16, uppercase: true)
        return error(
            column,
            "holds a control character (U+\(String(repeating: "0", count: max(0, 4 - code.count)) + code)) "
                + "at character \(index + 1): "
                     + "remove it (a line break, tab or other control character must never reach an agency's file)")
    }

    func date(_ column: String) throws(RowError) -> CalendarDate {
        guard let d = try optionalDate(column) else { throw error(column, "is required") }
        return d
    }

    func optionalDate(_ column: String) throws(RowError) -> CalendarDate? {
        guard let v = optional(column) else { return nil }
        guard let d = CalendarDate(iso: v) else { throw error(column, "'\(v)' is not a date in the form YYYY-MM-DD") }
        return d
    }

    /// An amount above zero and within `limit`, in `currency`.
    func positiveAmount(_ column: String, currency: Currency, limit: AmountLimit) throws(RowError) -> Money {
        let v = try required(column)
        let money: Money
        do { money = try Money(parsing: v, currency: currency) } catch {
            throw self.error(column, "\(error) in \(currency.code)")
        }
        guard money.isPositive else { throw error(column, "must be more than zero, not \(v)") }
        guard limit.allows(money) else {
            throw error(column, limit.refusal(money.minorUnits, digits: currency.minorUnitDigits, currency: currency))
        }
        return money
    }

    func bool(_ column: String) throws(RowError) -> Bool? {
        guard let v = optional(column) else { return nil }
        switch v == "true" || v == "false" ? v : v.lowercased() {
        case "true": return true
        case "false": return false
        default: throw error(column, "'\(v)' is not true or false")
        }
    }
}
