import Foundation
import HandoffStore
import Testing

/// A customers file is applied a chunk of rows at a time (`CustomerRows`): the chunk's accounts
/// read together, the new ones inserted as one set, a recorded one compared row by row.
@Suite("Customers imported a chunk at a time")
struct ImportCustomerChunkTests {
    @Test("New and recorded accounts across chunks; a row refused for its compliance facts adds no account")
    func acrossChunks() throws {
        let install = try Installation()
        try HandBook.load(install)
        // 2,400 new accounts around the hand book's four; B-2002 gets a new e-mail address; one
        // new account's validation notice date is not a date.
        var text = "account_number,type,business_name,email,validation_notice_date\n"
        for n in 1 ... 2_400 {
            if n == 700 { text += "A-1001,consumer,,,\n" }
            if n == 1_500 { text += "B-2002,business,\"Smith, Jones & Co.\",ap@smithjones.example,\n" }
            let date = n == 1_200 ? "2026-02-30" : (n % 2 == 0 ? "2026-08-03" : "")
            text += "N-\(n),business,New Co \(n),,\(date)\n"
        }
        let path = try install.write("many.csv", text)
        let rejects = install.root.appendingPathComponent("rejects.csv").path
        let r = try install.handoff(["import", "customers", path, "--reject-file", rejects])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("2399 added") && r.stdout.contains("1 rejected"), "\(r.stdout)")
        let written = try String(contentsOfFile: rejects, encoding: .utf8).split(separator: "\r\n")
        #expect(written.count == 2)
        #expect(written.last?.hasPrefix("N-1200,") == true && written.last?.contains("validation_notice_date") == true)
        #expect(try install.sqlInt("SELECT COUNT(*) FROM customers WHERE account_number = 'N-1200'") == 0)
        #expect(try install.sqlInt("SELECT COUNT(*) FROM customers WHERE account_number LIKE 'N-%'") == 2_399)
        let email = try install.sqlValue("SELECT email FROM customers WHERE account_number = 'B-2002'")
        #expect(email == "ap@smithjones.example")
        // Every even new account but N-1200 has its validation notice stored.
        #expect(try install.sqlInt("""
            SELECT COUNT(*) FROM account_compliance c JOIN customers u ON u.id = c.customer_id
            WHERE u.account_number LIKE 'N-%' AND c.validation_notice_date = '2026-08-03'
            """) == 1_199)
        // Again: nothing changes.
        let again = try install.handoff(["import", "customers", path, "--reject-file", rejects])
        #expect(again.stdout.contains("0 added") && again.stdout.contains("1 rejected"), "\(again.stdout)")
        #expect(try install.sqlInt("SELECT COUNT(*) FROM customers") == 2_403)
    }
}
