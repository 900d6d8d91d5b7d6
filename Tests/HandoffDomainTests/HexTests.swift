import HandoffDomain
import Testing

@Test("Hex encodes bytes as lower-case pairs")
func hexEncoding() {
    #expect(Hex.encode([0x00, 0x0f, 0xa5, 0xff]) == "000fa5ff")
    #expect(Hex.encode([UInt8]()) == "")
}
