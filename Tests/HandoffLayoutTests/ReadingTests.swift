import HandoffCSV
import HandoffDomain
import HandoffLayout
import HandoffPartners
import HandoffPlacement
import Testing

@Suite("Reading agency files through the same layouts")
struct ReadingTests {
    func read(_ layout: Layout, _ bytes: [UInt8], name: String = "f") throws -> [ParsedRecord] {
        let reader = LayoutReader(layout: layout, source: ByteSource(bytes: bytes, name: name))
        var out: [ParsedRecord] = []
        while let r = try reader.next() { out.append(r) }
        return out
    }

    @Test(
        """
        KRP's acknowledgement, activity (with a byte order mark and LF endings) and remittance samples read by \
        their return layouts
        """
    )
    func keystoneReturns() throws {
        let krp = try Repo.partner("keystone-recovery")
        let ack = try read(
            try #require(krp.returns["acknowledgement"]?.layout),
            try Repo.fixture("KRP_ACK_C10442_KRP_PLC_C10442_20261115_001.csv"))
        #expect(ack.map { $0["result"] } == ["ACCEPTED", "REJECTED"])
        #expect(ack[0]["krp_reference"] == "K000481516")
        #expect(ack[1]["reason_code"] == "DUPLICATE")
        let activity = try read(
            try #require(krp.returns["activity"]?.layout), try Repo.fixture("KRP_ACT_C10442_20261120.csv"))
        #expect(activity.map { $0["record_type"] } == ["STS", "PMT", "DIR"])
        #expect(
            activity[1]["amount"] == "293.75" && activity[1]["commission"] == "73.44" && activity[1]["net"] == "220.31")
        #expect(activity[2]["original_transaction_id"] == "UPD-20261119-0001")
        #expect(activity.map(\.line) == [2, 3, 4])
        let remittance = try read(
            try #require(krp.returns["remittance"]?.layout), try Repo.fixture("KRP_REM_C10442_202611.csv"))
        #expect(remittance.last?["record_type"] == "TOT")
        #expect(remittance.last?["ach_trace"] == "091000019384756")
    }

    @Test("A CSV row answers by field name, equals the same values given as a dictionary, and an unknown name is nil")
    func rowByName() throws {
        let krp = try Repo.partner("keystone-recovery")
        let text =
            "account_number,reference,result,krp_reference,reason_code,reason_text\r\nA-1001,,ACCEPTED,K000481516,,\r\n"
        let rows = try read(try #require(krp.returns["acknowledgement"]?.layout), Array(text.utf8))
        #expect(rows.count == 1)
        #expect(rows[0]["account_number"] == "A-1001" && rows[0]["reference"] == "" && rows[0]["no_such_field"] == nil)
        let fields = [
            "account_number": "A-1001", "reference": "", "result": "ACCEPTED", "krp_reference": "K000481516",
            "reason_code": "", "reason_text": "",
        ]
        #expect(rows[0].fields == fields)
        #expect(rows[0] == ParsedRecord(kind: rows[0].kind, fields: fields, line: 2))
        #expect(
            rows[0] != ParsedRecord(kind: rows[0].kind, fields: fields.merging(["result": "REJECTED"]) { $1 }, line: 2))
    }

    @Test("Dates are read in the partner file's pattern, and anything else is not a date", arguments: [
            ("2026-11-16", "yyyy-MM-dd", "2026-11-16"), ("20261116", "yyyyMMdd", "2026-11-16"),
            ("16/11/2026", "dd/MM/yyyy", "2026-11-16"),
            ("2026-02-30", "yyyy-MM-dd", nil), ("2026-1-16", "yyyy-MM-dd", nil), ("2026-11-16 ", "yyyy-MM-dd", nil),
            ("2026-11-1", "yyyy-MM-dd", nil),
            ("2026/11/16", "yyyy-MM-dd", nil), ("+026-11-16", "yyyy-MM-dd", nil), ("2026-+1-16", "yyyy-MM-dd", nil),
            ("２０２６-11-16", "yyyy-MM-dd", nil),
        ("", "yyyy-MM-dd", nil), ("2026年11月16日", "yyyy年MM月dd日", "2026-11-16"), ("2026年11月16", "yyyy年MM月dd日", nil),
    ] as [(String, String, String?)])
    func datePatterns(text: String, pattern: String, expected: String?) {
        #expect(DatePattern.parse(text, pattern: pattern)?.iso == expected)
    }

    @Test("Meridian's batch reads back record by record through its placement layout")
    func meridianRoundTrip() throws {
        let mcc = try Repo.partner("meridian-commercial")
        let records = try read(mcc.placement.layout, try Repo.fixture("MCC_batch_HO-20261115-001.txt"))
        #expect(records.map(\.kind) == [.header, .account, .invoice, .invoice, .trailer])
        #expect(records[0]["batch_id"] == "HO-20261115-001")
        #expect(records[1]["company_name"] == "Smith, Jones & Co.")
        #expect(records[1]["balance"] == "000000800000")
        #expect(records[3]["invoice_number"] == "INV-6188")
        #expect(records[4]["total"] == "000000000800000")
    }

    @Test("HEADER: a CSV whose header differs from the layout is refused whole")
    func header() throws {
        let krp = try Repo.partner("keystone-recovery")
        let error = try #require(throws: LayoutReadError.self) {
            try read(
                try #require(krp.returns["acknowledgement"]?.layout),
                Array("account_number,result\r\nA-1,ACCEPTED\r\n".utf8))
        }
        #expect(error.code == "HEADER")
    }

    @Test("FIELD_COUNT: a row with the wrong number of fields is refused")
    func fieldCount() throws {
        let krp = try Repo.partner("keystone-recovery")
        let text =
            "account_number,reference,result,krp_reference,reason_code,reason_text\r\nA-1001,,ACCEPTED,K000481516,\r\n"
        let error = try #require(throws: LayoutReadError.self) {
            try read(try #require(krp.returns["acknowledgement"]?.layout), Array(text.utf8))
        }
        #expect(error.code == "FIELD_COUNT" && error.line == 2)
    }

    @Test("RECORD_LENGTH, ENCODING, UNKNOWN_RECORD: fixed-width records that break the layout")
    func fixedWidth() throws {
        let mcc = try Repo.partner("meridian-commercial")
        let good = try Repo.fixture("MCC_batch_HO-20261115-001.txt")
        var short = good
        short.remove(at: 100)
        #expect(
            (try #require(throws: LayoutReadError.self) { try read(mcc.placement.layout, short) }).code
                == "RECORD_LENGTH")
        var accented = good
        accented.replaceSubrange(30..<31, with: [0xC3, 0xA9])
        accented.remove(at: 40)
        #expect(
            (try #require(throws: LayoutReadError.self) { try read(mcc.placement.layout, accented) }).code == "ENCODING"
        )
        var unknown = good
        unknown[0] = UInt8(ascii: "X")
        #expect(
            (try #require(throws: LayoutReadError.self) { try read(mcc.placement.layout, unknown) }).code
                == "UNKNOWN_RECORD")
    }

    @Test("CONTROL: the control file agrees with its data file, and a changed byte is caught")
    func control() throws {
        let krp = try Repo.partner("keystone-recovery")
        let file = try build(
            krp, date: "2026-11-15", sequence: 1, accounts: [SampleAccounts.renee, SampleAccounts.smithKRP])
        let batch = PlacementValues.Batch(
            partnerID: krp.id, clientID: krp.clientID, partnerName: krp.name, businessName: "Test Co.",
            id: file.name, date: d("2026-11-15"), sequence: 1, currency: .usd)
        try ControlFileCheck.verify(
            data: file.data, fileName: file.name, control: try #require(file.control), spec: krp.placement, batch: batch
        )
        var tampered = file.data
        let index = try #require(tampered.firstIndex(of: UInt8(ascii: "7")))
        tampered[index] = UInt8(ascii: "8")
        #expect(throws: ControlFileCheck.Mismatch.self) {
            try ControlFileCheck.verify(
                data: tampered, fileName: file.name, control: file.control!, spec: krp.placement, batch: batch)
        }
        #expect(file.control!.hasPrefix("records=3;accounts=2;total_balance=9175.00;sha256="))
    }
}
