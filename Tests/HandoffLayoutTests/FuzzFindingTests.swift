import Foundation
import HandoffConfig
import HandoffDomain
import HandoffPartners
import HandoffPlacement
import Testing

/// Inputs the fuzz targets in Fuzz/ (scripts/fuzz, docs/reliability.md) found crashing Handoff,
/// each kept here once fixed: refused with an error that says why, never a crash. Before its
/// fix, each of these stopped the test process.
@Suite("Fuzzing findings: bad input refused, never a crash")
struct FuzzFindingTests {
    /// fuzz-events: a feed event whose amount is a JSON number beyond Int64 (JSONSerialization
    /// reads it as a Double) trapped converting it to Int64, stopping fetch, reconcile and serve on
    /// the stored event every time.
    @Test(
        "A Meridian amount beyond 64 bits is a mapping error",
        arguments: ["-922337203685477580845000", "9223372036854775808", "1e300"])
    func hugeFeedAmount(_ amount: String) throws {
        let mcc = try Repo.partner("meridian-commercial")
        let mapping = try #require(mcc.returns["feed"]?.events)
        let body =
            #"""
            {"id": "e1", "type": "remittance.sent", "remittance_id": "R1", "gross_cents": 250000, \#
            "fee_cents": \#(amount), "payment_ids": ["P1"]}
            """#
        let event = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let error = try #require(throws: MappingError.self) {
            try mapping.events({ event[$0].flatMap { $0 is NSNull ? nil : $0 } }, partnerID: mcc.id, origin: "event:e1")
        }
        #expect(error.message.contains("fee_cents"))
    }

    /// fuzz-partners: a table header whose key starts with a character no key starts with made
    /// the TOML parser Handoff used then (toml++ 3.4.0 inside TOMLKit) fail an assertion and abort
    /// the process: `handoff partners check`, and every command reading such a partner or
    /// configuration file. Handoff's own parser (HandoffConfig/TOML) refuses it like any other
    /// syntax error; the case stays as a regression test.
    @Test("A table header without a key is a TOML error with its line", arguments: [
            ("[*]\n", 1), ("id = \"x\"\n[*ransport.webhook]\n", 2), ("a = 1\n\n[[[placement.records]]]\n", 3),
            ("[\n", 1), ("[ #\n", 1),
        ("[[=\n", 1), ("[&", 1), ("\u{FEFF}[*]", 1),
    ])
    func tableHeaderWithoutKey(_ text: String, _ line: Int) throws {
        let error = try #require(throws: ConfigError.self) { try TOMLNode.parse(text, file: "p.toml") }
        #expect(error.description.hasPrefix("p.toml: not valid TOML at line \(line)"))
        #expect(throws: ConfigError.self) { try PartnerLoader.parse(text, file: "p.toml") }
    }

    /// fuzz-partners again: in an array, a `}` or a line separator where a value belongs made
    /// the same parser fail another assertion (`!is_value_terminator(*cp)`).
    @Test("In an array, '}' or a line separator where a value belongs is a TOML error with its line", arguments: [
            ("r=[}\n", 1), ("r = [1, }\n", 1), ("[a]\nb = [\n  }\n", 3), ("r = [\u{2028}]\n", 1), ("r = [\u{85}]\n", 1),
            ("r = [\u{2029}]", 1),
        ("x = 1\nr = {a = [}]}\n", 2),
    ])
    func valueTerminatorInArray(_ text: String, _ line: Int) throws {
        let error = try #require(throws: ConfigError.self) { try TOMLNode.parse(text, file: "p.toml") }
        #expect(error.description.hasPrefix("p.toml: not valid TOML at line \(line)"))
        #expect(throws: ConfigError.self) { try PartnerLoader.parse(text, file: "p.toml") }
    }

    /// fuzz-partners a third time: a date-shaped value, a space and one digit made the parser,
    /// looking for the time of a date-time, fail the same assertion in another place.
    @Test("A date followed by a space and a single digit is a TOML error with its line", arguments: [
            ("_ = 00-------= 0 0=\n", 1), ("a = 1979-05-27 1\n", 1), ("x = 1\na = 1979-05-27 1 # comment\n", 2),
            ("a = [1979-05-27 1]\n", 1),
        ("a=1979-05-27 1,\n", 1), ("a = 1979-05_-27 1\t\n", 1),
    ])
    func dateThenOneDigit(_ text: String, _ line: Int) throws {
        let error = try #require(throws: ConfigError.self) { try TOMLNode.parse(text, file: "p.toml") }
        #expect(error.description.hasPrefix("p.toml: not valid TOML at line \(line)"))
        #expect(throws: ConfigError.self) { try PartnerLoader.parse(text, file: "p.toml") }
    }

    /// fuzz-partners a fourth time: a date followed by T and no time made the parser fail an
    /// assertion reading the time (`parse_time`).
    @Test("A date followed by T and no time is a TOML error with its line", arguments: [
        ("s=0555-11-15th5zps:/-", 1), ("a = 1979-05-27T\n", 1), ("x = 1\na = [1979-05-27tx:00]\n", 2),
    ])
    func dateTimeWithoutTime(_ text: String, _ line: Int) throws {
        let error = try #require(throws: ConfigError.self) { try TOMLNode.parse(text, file: "p.toml") }
        #expect(error.description.hasPrefix("p.toml: not valid TOML at line \(line)"))
    }

    @Test("Dates, date-times and keys shaped like dates still read")
    func datesStillRead() throws {
        let doc = try TOMLNode.parse(
            "a = 1979-05-27\nb = 1979-05-27 07:32:00\nc = 1979-05-27T07:32:00Z\n0000-00-00 = 1\n"
                + "d = [1979-05-27, 1]\ne = 1979-05-27 # 1\n0555-11-15th = 2\n",
                file: "p.toml")
        #expect(
            doc["a"] != nil && doc["b"] != nil && doc["c"] != nil && doc["0000-00-00"] == .integer(1) && doc["d"] != nil
                && doc["e"] != nil && doc["0555-11-15th"] == .integer(2))
    }

    /// fuzz-partners: a fixed-width field of length 9223372036854775807 trapped adding up its
    /// end (start - 1 + length); a record_length as large made a table of that many entries.
    @Test("A fixed-width field or record beyond any length is a problem with its key, not a trap")
    func hugeFixedWidthNumbers() throws {
        let mcc = try String(
            contentsOf: Repo.root.appendingPathComponent("partners/meridian-commercial.toml"), encoding: .utf8)
        let field = mcc.replacingOccurrences(
            of: "{ start = 199, length = 2,", with: "{ start = 199, length = 9223372036854775807,")
        #expect(field != mcc)
        let e1 = try #require(throws: ConfigErrors.self) { try PartnerLoader.parse(field, file: "m.toml") }
        #expect(e1.description.contains("at 199 for 9223372036854775807 does not fit in 250 characters"), "\(e1)")
        let record = mcc.replacingOccurrences(of: "record_length = 250", with: "record_length = 9223372036854775807")
        #expect(record != mcc)
        _ = try? PartnerLoader.parse(record, file: "m.toml")
        let overlap = mcc.replacingOccurrences(of: "{ start = 199, length = 2,", with: "{ start = 198, length = 2,")
        let e2 = try #require(throws: ConfigErrors.self) { try PartnerLoader.parse(overlap, file: "m.toml") }
        #expect(e2.description.contains("country overlaps postal_code at position 198"), "\(e2)")
    }

    /// fuzz-control: two accounts whose balances add up beyond 64 bits trapped recounting the
    /// control file's total (ControlFileCheck, the check an agency makes of a control file).
    @Test("A control-file total beyond 64 bits is an error, not a trap")
    func controlTotalOverflow() throws {
        let krp = try Repo.partner("keystone-recovery")
        let sample = String(decoding: try Repo.fixture("KRP_PLC_C10442_20261115_001.csv"), as: UTF8.self)
            .replacingOccurrences(of: ",1175.00,2026-02-14,INV-7001", with: ",90000000000000000.00,2026-02-14,INV-7001")
            .replacingOccurrences(of: ",8000.00,,INV-6120", with: ",90000000000000000.00,,INV-6120")
        #expect(sample.components(separatedBy: "90000000000000000.00").count == 3)
        let batch = PlacementValues.Batch(
            partnerID: krp.id, clientID: krp.clientID, partnerName: krp.name, businessName: "Test Co.",
            id: "B", date: d("2026-11-15"), sequence: 1, currency: .usd)
        #expect(throws: AmountOverflow.self) {
            try ControlFileCheck.verify(
                data: Array(sample.utf8), fileName: "f.csv", control: "", spec: krp.placement, batch: batch)
        }
    }

    @Test("Brackets inside values, strings and comments are not table headers")
    func bracketsElsewhere() throws {
        let text = """
            a = [
              [ 1, 2 ],
              [
                "x" ],
              [{ b = 1 }],
            ]
            s = \"\"\"
            [*not a header
            \"\"\"
            t = '[*'
            u = "\u{2028} [} \\\\ \\" ]"
            v = [ { w = "}" }, [ ] ]
            # [* a comment } \u{2028}
            [ "quoted key" ]
            [[array]]
            [ b . c ]
            """
        let doc = try TOMLNode.parse(text, file: "p.toml")
        #expect(
            doc["a"] != nil && doc["quoted key"] != nil && doc["array"] != nil && doc["b"] != nil && doc["v"] != nil)
        #expect(doc["u"] == .string("\u{2028} [} \\ \" ]"))
    }
}
