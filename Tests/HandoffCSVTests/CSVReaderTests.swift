import HandoffCSV
import Testing

@Suite("Streaming CSV reader")
struct CSVReaderTests {
    /// Reads every record of `text`, with the reader's buffer cut into chunks of `chunk` bytes.
    func records(_ text: String, chunk: Int = 1 << 16) throws -> [CSVRecord] {
        try records(Array(text.utf8), chunk: chunk)
    }

    func records(_ bytes: [UInt8], chunk: Int = 1 << 16) throws -> [CSVRecord] {
        let reader = CSVReader(source: ByteSource(bytes: bytes, name: "t.csv"), chunkSize: chunk)
        var out: [CSVRecord] = []
        while let r = try reader.next() { out.append(r) }
        return out
    }

    @Test func plainAndQuoted() throws {
        let text = "a,b,c\r\n1,\"Smith, Jones & Co.\",\"The \"\"Blue Door\"\" Café\"\r\n,,\r\n"
        let r = try records(text)
        #expect(
            r.map(\.fields) == [
                ["a", "b", "c"], ["1", "Smith, Jones & Co.", "The \"Blue Door\" Café"], ["", "", ""],
            ])
        #expect(r.map(\.line) == [1, 2, 3])
    }

    @Test("A quoted line break is part of the field and moves the line count")
    func multiline() throws {
        let r = try records("h1,h2\n\"line one\nline two\",x\nlast,y")
        #expect(r.map(\.fields) == [["h1", "h2"], ["line one\nline two", "x"], ["last", "y"]])
        #expect(r.map(\.line) == [1, 2, 4])
    }

    @Test("Byte order mark, LF, CRLF and CR endings, and empty lines")
    func endings() throws {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let r = try records(bom + Array("a,b\n1,2\r\n\r\n3,4\r5,6".utf8))
        #expect(r.map(\.fields) == [["a", "b"], ["1", "2"], ["3", "4"], ["5", "6"]])
        #expect(r.map(\.line) == [1, 2, 4, 5])
    }

    @Test("Every chunk size gives the same records", arguments: [1, 2, 3, 5, 7, 64])
    func chunkBoundaries(chunk: Int) throws {
        let text = "\u{FEFF}name,note\r\n\"Côté, Renée\",\"said \"\"hi\"\"\r\nthen left\"\r\nZoë,\r\n\"\",x\n"
        #expect(try records(text, chunk: chunk) == (try records(text)))
        #expect(
            try records(text, chunk: chunk).map(\.fields) == [
                ["name", "note"], ["Côté, Renée", "said \"hi\"\r\nthen left"], ["Zoë", ""], ["", "x"],
            ])
    }

    @Test("Malformed text names the line and field", arguments: [
        ("a,b\n1,x\"y\n", 2, 2, "double quote inside an unquoted field"),
        ("a,b\n1,\"open\n", 2, 2, "never closed"),
        ("a,b\n1,\"q\"z\n", 2, 2, "after the closing quote"),
    ] as [(String, Int, Int, String)])
    func malformed(text: String, line: Int, field: Int, message: String) throws {
        let error = try #require(throws: CSVSyntaxError.self) { try records(text) }
        #expect(error.line == line)
        #expect(error.field == field)
        #expect(error.message.contains(message))
        #expect(error.file == "t.csv")
    }

    @Test func invalidUTF8() throws {
        let error = try #require(throws: CSVSyntaxError.self) { try records(Array("a\n".utf8) + [0xC3, 0x28, 0x0A]) }
        #expect(error.line == 2 || error.line == 3)
        #expect(error.message.contains("UTF-8"))
    }

    @Test("What the writer writes, the reader reads back")
    func roundTrip() throws {
        let rows = [["plain", "with,comma", "with \"quote\"", "multi\r\nline", ""], ["=1+2", "-3", "@x", "+y", "ok"]]
        let writer = CSVWriter()
        let text = rows.map(writer.line).joined()
        #expect(try records(text).map(\.fields) == rows)
        #expect(writer.line(["a", "b,c"]) == "a,\"b,c\"\r\n")
    }

    @Test("Formula neutralising for spreadsheets: anything that could run is escaped; a plain number stays a number")
    func formulas() {
        let writer = CSVWriter(lineEnding: .lf, neutraliseFormulas: true)
        #expect(writer.line(["=SUM(A1)", "+1", "-2+3", "-1+cmd|' /C calc'!A0", "@cmd", "safe", "1,000"])
                == "'=SUM(A1),'+1,'-2+3,'-1+cmd|' /C calc'!A0,'@cmd,safe,\"1,000\"\n")
        #expect(writer.line(["-293.75", "-2", "-", "-.5", "-1."]) == "-293.75,-2,'-,'-.5,'-1.\n")
    }
}

@Suite("Byte order mark edge cases")
struct ByteOrderMarkTests {
    @Test("Bytes that only begin like a byte order mark are kept", arguments: [1, 2, 64])
    func lookalike(chunk: Int) throws {
        // EF BB 80 is U+FEC0, a real character, not a byte order mark.
        let bytes: [UInt8] = [0xEF, 0xBB, 0x80] + Array(",b\n".utf8)
        let reader = CSVReader(source: ByteSource(bytes: bytes), chunkSize: chunk)
        #expect(try reader.next()?.fields == ["\u{FEC0}", "b"])
        #expect(try reader.next() == nil)
    }
}
