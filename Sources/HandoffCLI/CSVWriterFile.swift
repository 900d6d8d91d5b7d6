import HandoffCSV
import HandoffDomain
import HandoffStore

/// Writes final notices as CSV for a mail merge: atomic, and with spreadsheet formulas neutralised.
struct CSVWriterFile {
    let path: String

    func write(_ notices: [FinalNoticeRecord]) throws {
        // A file the user asked for: its permissions follow their umask, as any other program's output does.
        let file = try AtomicFileWriter(path: path, mode: 0o666)
        let csv = CSVWriter(neutraliseFormulas: true)
        try file.write(
            csv.line([
                "account_number", "name", "contact_name", "address1", "address2", "city", "region", "postal_code",
                "country",
                "email", "balance", "currency", "notice_date"]))
        for n in notices {
            let p = n.profile
            try file.write(
                csv.line([
                    p.accountNumber, p.displayName, p.contactName ?? "", p.address1 ?? "", p.address2 ?? "",
                    p.city ?? "",
                    p.region ?? "", p.postalCode ?? "", p.country ?? "", p.email ?? "", n.balance.decimalText,
                    n.balance.currency.code, n.noticeDate.iso]))
        }
        try file.commit()
    }
}
