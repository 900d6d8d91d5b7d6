import HandoffStore
import Testing

/// A row's canonical form is what Python's `json.dumps(row, sort_keys=True, separators=(",", ":"),
/// ensure_ascii=False)` writes, byte for byte, so that an auditor can check the chains without
/// Handoff (docs/audit.md). The expected text and hash below were written by Python 3.11.
@Suite("The chains' canonical form")
struct ChainCanonicalTests {
    let values: [ChainValue] = [
        .integer(Int64.min), .text("2026-12-03T15:04:05Z"), .text("owner \"Zoë\""), .text("a\\b\n\t\u{01}\u{7F}"),
        .null,
        .text("plain"), .integer(0),
    ]

    @Test("Keys in order, escapes, DEL as itself, the smallest integer, null")
    func asPythonWritesIt() {
        let expected = #"{"action":"a\\b\n\t\u0001"# + "\u{7F}"
            + #"""
                ","actor":"owner \"Zoë\"","at":"2026-12-03T15:04:05Z","detail":"plain",\#
                "id":-9223372036854775808,"source":0,"subject":null}
                """#
        #expect(AuditChain.canonical(.audit, values) == expected)
        #expect(AuditChain.link(previous: AuditChain.genesis, .audit, values)
                == "46c780c821c2fa5b3542f210563e2a60d971eba1197121850de1a5fa583f73e3")
    }
}
