import Foundation
public import HandoffCSV
public import HandoffDomain

/// A file format an agency specifies, described as data (from a partner file) rather than
/// code: CSV or fixed-width, its records, and each record's fields. The same description
/// writes placement files and reads what the agency sends back.
public struct Layout: Sendable, Equatable {
    /// How records are laid out on a line.
    public enum Format: Sendable, Equatable {
        /// Delimited text (RFC 4180 quoting). With `header`, the first line names the fields of
        /// the `row` record.
        case csv(delimiter: UInt8, header: Bool)
        /// Every record exactly `recordLength` characters, fields at fixed positions.
        case fixedWidth(recordLength: Int)
    }

    /// Which characters a file may hold.
    public enum Charset: String, Sendable, Equatable {
        case utf8 = "utf-8"
        /// ASCII only: text is transliterated (`Müller` → `Muller`); what cannot be refuses the account.
        case ascii
    }

    public var format: Format
    public var lineEnding: CSVWriter.LineEnding
    public var charset: Charset
    /// The records in the order a file holds them: `header`, then per account `account` and
    /// its `invoice` records (or one `row` per invoice), then `trailer`. Only the kinds a
    /// layout names are written.
    public var records: [RecordLayout]
    /// Money checks every account must pass before it is written.
    public var checks: [AccountCheck]

    public init(
        format: Format, lineEnding: CSVWriter.LineEnding, charset: Charset, records: [RecordLayout],
        checks: [AccountCheck] = []
    ) {
        self.format = format
        self.lineEnding = lineEnding
        self.charset = charset
        self.records = records
        self.checks = checks
    }

    public func record(_ kind: RecordKind) -> RecordLayout? { records.first { $0.kind == kind } }
}

/// What a record stands for.
public enum RecordKind: String, Sendable, Equatable, CaseIterable {
    /// Once, first.
    case header
    /// Once per account, before its invoices.
    case account
    /// Once per invoice, after its account's record.
    case invoice
    /// Once per invoice, with the account's fields repeated on it (a flat CSV).
    case row
    /// Once, last.
    case trailer
}

/// One record's fields.
public struct RecordLayout: Sendable, Equatable {
    public var kind: RecordKind
    public var fields: [FieldLayout]
    public init(kind: RecordKind, fields: [FieldLayout]) {
        self.kind = kind
        self.fields = fields
    }
}

/// One field: where its value comes from, how it is written, and what makes it refuse an account.
public struct FieldLayout: Sendable, Equatable {
    /// Where the value comes from.
    public enum Source: Sendable, Equatable {
        /// The same text in every record (`D`, a record type).
        case constant(String)
        /// A value Handoff knows, by path: `account.number`, `invoice.balance`, `count.accounts`…
        case path(String)
        /// Nothing: a field of a layout that is only read (an agency's return file).
        case none
    }

    /// When a field must have a value.
    public enum Requirement: Sendable, Equatable {
        case optional
        case always
        /// Required when the account is of this debtor type (`consumer` or `business`).
        case forDebtorType(DebtorType)
    }

    /// What happens to a value longer than the field.
    public enum Overflow: String, Sendable, Equatable {
        /// Cut to the field's length.
        case cut
        /// Refuse the account (for keys such as account and invoice numbers).
        case refuse
    }

    /// A change made to the text before it is written.
    public enum Transform: String, Sendable, Equatable, CaseIterable {
        /// Keep digits only: `(412) 555-0199` → `4125550199`.
        case digits
        /// Keep digits and a leading `+`.
        case phone
        case upper
        case lower
    }

    /// Extra validity checks by name.
    public enum Check: String, Sendable, Equatable {
        /// A state or province code valid for the account's country.
        case region
    }

    /// The field's name: the CSV column, or a label for a fixed-width position.
    public var name: String
    public var source: Source
    /// `yyyyMMdd` for a date, `decimal` or `minor_units` for money, `000` for a padded number.
    public var format: String?
    /// Handoff's value → the agency's code (`consumer` → `C`). A value missing from the map refuses the account.
    public var map: [String: String]
    public var transforms: [Transform]
    public var required: Requirement
    /// The only values the agency accepts, when it limits them.
    public var allowed: [String]?
    public var check: Check?
    /// The agency's code when the value is missing.
    public var missingReason: String
    /// The agency's code when the value is not allowed, not mapped or fails its check.
    public var invalidReason: String
    /// Longest text the agency takes (CSV); fixed-width fields use `length`.
    public var maxLength: Int?
    public var overflow: Overflow
    /// 1-based first position (fixed-width).
    public var start: Int?
    /// Width in characters (fixed-width).
    public var length: Int?
    /// Right-aligned (numbers) or left-aligned (text).
    public var alignRight: Bool
    /// The padding character (space, or `0` for numbers).
    public var pad: Character

    public init(
        name: String, source: Source, format: String? = nil, map: [String: String] = [:], transforms: [Transform] = [],
        required: Requirement = .optional, allowed: [String]? = nil, check: Check? = nil,
        missingReason: String = "MISSING_DATA", invalidReason: String = "INVALID_DATA", maxLength: Int? = nil,
        overflow: Overflow = .cut, start: Int? = nil, length: Int? = nil, alignRight: Bool = false, pad: Character = " "
    ) {
        self.name = name
        self.source = source
        self.format = format
        self.map = map
        self.transforms = transforms
        self.required = required
        self.allowed = allowed
        self.check = check
        self.missingReason = missingReason
        self.invalidReason = invalidReason
        self.maxLength = maxLength
        self.overflow = overflow
        self.start = start
        self.length = length
        self.alignRight = alignRight
        self.pad = pad
    }

    /// The constant a field always holds, if it is one (it tells record kinds apart when reading).
    public var constant: String? {
        if case .constant(let c) = source { return c }
        return nil
    }
}

/// A money identity an account must satisfy before it is placed, such as KRP's
/// `itemization_amount + interest_since + fees_since − payments_since − credits_since = current_balance`.
public struct AccountCheck: Sendable, Equatable {
    /// A signed sum of money values; `sum(invoice.X)` adds a value over the account's invoices.
    public struct Expression: Sendable, Equatable {
        public struct Term: Sendable, Equatable {
            public var negative: Bool
            public var path: String
            public var overInvoices: Bool
        }
        public var terms: [Term]
        public let source: String

        /// Parses `a + b - sum(invoice.balance)`.
        public init(_ text: String) throws(TemplateError) {
            source = text
            var terms: [Term] = []
            var negative = false
            var expectTerm = true
            var signGiven = false
            let spaced = text.replacingOccurrences(of: "+", with: " + ").replacingOccurrences(of: "-", with: " - ")
            for token in spaced.split(separator: " ").map(String.init) {
                if token == "+" || token == "-" {
                    // An operator follows a term; only the first term may carry a sign of its own.
                    guard !expectTerm || (terms.isEmpty && !signGiven) else {
                        throw TemplateError(message: "misplaced '\(token)' in \(text)")
                    }
                    negative = token == "-"
                    signGiven = true
                    expectTerm = true
                    continue
                }
                guard expectTerm else { throw TemplateError(message: "missing + or - before '\(token)' in \(text)") }
                if token.hasPrefix("sum(") && token.hasSuffix(")") {
                    terms.append(
                        Term(negative: negative, path: String(token.dropFirst(4).dropLast()), overInvoices: true))
                } else {
                    terms.append(Term(negative: negative, path: token, overInvoices: false))
                }
                negative = false
                signGiven = false
                expectTerm = false
            }
            guard !terms.isEmpty, !expectTerm else { throw TemplateError(message: "incomplete expression: \(text)") }
            self.terms = terms
        }
    }

    /// The agency's code for a failed check (`ITEMIZATION`, `BALANCE`).
    public var reason: String
    public var left: Expression
    public var right: Expression

    public init(reason: String, left: Expression, right: Expression) {
        self.reason = reason
        self.left = left
        self.right = right
    }
}
