import HandoffDomain
import Testing

@Test("Hex encodes bytes as lower-case pairs")
func hexEncoding() {
    #expect(Hex.encode([0x00, 0x0f, 0xa5, 0xff]) == "000fa5ff")
    #expect(Hex.encode([UInt8]()) == "")
}

@Test("Hex decodes either case and refuses odd lengths and non-hex digits")
func hexDecoding() {
    #expect(Hex.decode("000fA5ff") == [0x00, 0x0f, 0xa5, 0xff])
    #expect(Hex.decode("") == [])
    #expect(Hex.decode("abc") == nil)
    #expect(Hex.decode("zz") == nil)
    #expect(Hex.decode(Hex.encode([1, 2, 254])) == [1, 2, 254])
}
