import Foundation
@testable import HandoffServer
import Testing

@Suite("JSON answers")
struct JSONBodyTests {
    @Test("Keys sorted, strings escaped, integers exact, and what Foundation reads back is the same")
    func writes() throws {
        let body: JSONBody = [
            "z": JSONBody(Int64.max), "a": ["x", nil, true, -5],
            "name": JSONBody("Renée \"Blue Door\" Côté\\\n\t\u{01}/é"), "none": JSONBody(nil as String?),
        ]
        let text = body.text
        #expect(
            text
                == #"""
                {"a":["x",null,true,-5],"name":"Renée \"Blue Door\" Côté\\\n\t\u0001/é",\#
                "none":null,"z":9223372036854775807}
                """#
        )
        let back = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(back["name"] as? String == "Renée \"Blue Door\" Côté\\\n\t\u{01}/é")
        #expect((back["z"] as? NSNumber)?.int64Value == Int64.max)
        #expect(JSONBody.object([]).text == "{}" && JSONBody.array([]).text == "[]" && JSONBody("").text == #""""#)
    }
}
