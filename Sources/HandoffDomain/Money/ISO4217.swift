/// The active ISO 4217 currency codes and the digits of their minor units.
public enum ISO4217 {
    /// Code → digits after the decimal point.
    public static let minorUnitDigits: [String: Int] = {
        var table: [String: Int] = [:]
        for code in twoDigit.split(separator: " ") { table[String(code)] = 2 }
        for code in zeroDigit.split(separator: " ") { table[String(code)] = 0 }
        for code in threeDigit.split(separator: " ") { table[String(code)] = 3 }
        for code in fourDigit.split(separator: " ") { table[String(code)] = 4 }
        return table
    }()

    private static let zeroDigit = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
    private static let threeDigit = "BHD IQD JOD KWD LYD OMR TND"
    private static let fourDigit = "CLF UYW"
    private static let twoDigit = """
        AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN \
        BZD CAD CDF CHE CHF CHW COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP \
        GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK \
        LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO \
        NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD CNY RUB SAR SBD SCR SDG SEK SGD SHP SLE \
        SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES \
        WST XCD XCG YER ZAR ZMW ZWG
        """
}
