import HandoffCSV
import HandoffDomain
import HandoffLayout
import Testing

/// Fixed-width records: widths count characters, whether a field is plain ASCII (placed as
/// bytes) or holds accented letters (placed as Characters).
@Suite("Fixed-width rendering")
struct FixedWidthRenderingTests {
    func layout(charset: Layout.Charset) -> Layout {
        Layout(format: .fixedWidth(recordLength: 24), lineEnding: .lf, charset: charset, records: [
            RecordLayout(kind: .account, fields: [
                FieldLayout(name: "type", source: .constant("A"), start: 1, length: 1),
                FieldLayout(name: "name", source: .path("account.name"), start: 2, length: 10),
                FieldLayout(
                            name: "balance", source: .path("account.balance"), start: 12, length: 9, alignRight: true,
                            pad: "0"),
                FieldLayout(name: "code", source: .path("account.code"), start: 21, length: 4, alignRight: true),
            ]),
        ])
    }

    func line(_ layout: Layout, name: String, code: String = "7") throws -> String {
        let values: ValueLookup = { path in
            switch path {
            case "account.name": return .text(name)
            case "account.balance": return .money(try! Money(parsing: "1234.50", currency: .usd))
            case "account.code": return .text(code)
            default: return nil
            }
        }
        return String(decoding: try LayoutRenderer(layout: layout).account(values, invoices: []), as: UTF8.self)
    }

    @Test("ASCII fields: left and right alignment, padding, cutting at the width")
    func ascii() throws {
        #expect(try line(layout(charset: .ascii), name: "Smith") == "ASmith     001234.50   7\n")
        #expect(try line(layout(charset: .ascii), name: "Abcdefghijklmno") == "AAbcdefghij001234.50   7\n")
        // The ASCII charset transliterates first: still 10 characters.
        #expect(try line(layout(charset: .ascii), name: "Côté Müller") == "ACote Mulle001234.50   7\n")
    }

    @Test("UTF-8 fields: widths in characters, so accented names keep every column in place")
    func utf8() throws {
        let text = try line(layout(charset: .utf8), name: "Côté", code: "é")
        #expect(text == "ACôté      001234.50   é\n")
        #expect(text.dropLast().count == 24)
        let long = try line(layout(charset: .utf8), name: "Renée Lévesque-Côté")
        #expect(long == "ARenée Léve001234.50   7\n")
    }
}
