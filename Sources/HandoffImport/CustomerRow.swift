import HandoffDomain
import HandoffStore

/// Reading a debtor's profile out of a customers-file row, and describing what changed.
enum CustomerRow {
    /// The profile a row describes. On re-import (`recorded` is the account as stored), a
    /// column the file does not have keeps the recorded value: an export without a `holds`
    /// column must never lift a bankruptcy hold. An empty value in a column the file has
    /// clears the field.
    static func profile(from row: RowReader, recorded: DebtorProfile?, defaultCurrency: Currency) throws(RowError)
        -> DebtorProfile
    {
        var profile = try profile(from: row, defaultCurrency: recorded?.currency ?? defaultCurrency)
        guard let recorded else {
            try checkNames(profile, row)
            return profile
        }
        let has = row.columns.has
        if !has("business_name") { profile.businessName = recorded.businessName }
        if !has("first_name") { profile.firstName = recorded.firstName }
        if !has("last_name") { profile.lastName = recorded.lastName }
        if !has("contact_name") { profile.contactName = recorded.contactName }
        if !has("address1") { profile.address1 = recorded.address1 }
        if !has("address2") { profile.address2 = recorded.address2 }
        if !has("city") { profile.city = recorded.city }
        if !has("region") { profile.region = recorded.region }
        if !has("postal_code") { profile.postalCode = recorded.postalCode }
        if !has("country") { profile.country = recorded.country }
        if !has("phone") { profile.phone = recorded.phone }
        if !has("email") { profile.email = recorded.email }
        if !has("tax_id") { profile.taxID = recorded.taxID }
        if !has("date_of_birth") { profile.dateOfBirth = recorded.dateOfBirth }
        if !has("holds") {
            profile.holds = recorded.holds
            if try row.bool("active_duty_military") == true { profile.holds.insert(.military) }
        }
        if has("active_duty_military"), try row.bool("active_duty_military") == false, !has("holds") {
            profile.holds.remove(.military)
        }
        // An empty currency cell on re-import also keeps the account's currency.
        if row.optional("currency") == nil { profile.currency = recorded.currency }
        try checkNames(profile, row)
        return profile
    }

    /// The columns that feed the compliance gate (docs/compliance.md, docs/import.md).
    static let complianceColumns = [
        "debt_kind", "validation_notice_date", "active_duty_military", "attorney_name", "attorney_phone",
        "attorney_email", "attorney_address"]

    /// What the row says for the compliance gate, over what was recorded: a column the file
    /// lacks keeps the recorded value, an empty one clears it. `nil` when the file has none of them.
    static func compliance(from row: RowReader, recorded: AccountCompliance, holds: Set<Hold>) throws(RowError)
        -> AccountCompliance?
    {
        let has = row.columns.has
        guard complianceColumns.contains(where: { has($0) }) || holds.contains(.attorney) else { return nil }
        for column in complianceColumns { try row.refuseControlCharacters(column) }
        var c = recorded
        if has("debt_kind") { c.debtKind = row.optional("debt_kind") }
        if has("validation_notice_date") {
            c.validationNoticeDate = try row.optionalDate("validation_notice_date")
            c.validationNoticeSource = c.validationNoticeDate == nil ? nil : "import"
        }
        let attorneyColumns = ["attorney_name", "attorney_phone", "attorney_email", "attorney_address"]
        if attorneyColumns.contains(where: { has($0) }) {
            let old = recorded.attorney
            func pick(_ column: String, _ kept: String?) -> String? { has(column) ? row.optional(column) : kept }
            let name = pick("attorney_name", old?.name)
            let phone = pick("attorney_phone", old?.phone), email = pick("attorney_email", old?.email)
            let address = pick("attorney_address", old?.address)
            if let name {
                c.attorney = AttorneyContact(name: name, phone: phone, email: email, address: address)
            } else if phone != nil || email != nil || address != nil {
                throw row.error("attorney_name", "is required when the attorney's phone, e-mail or address is given")
            } else {
                c.attorney = nil
            }
        }
        if holds.contains(.attorney) && c.attorney == nil {
            throw row.error("attorney_name", "is required for an account with the attorney_represented hold: "
                            + "the agency must contact the attorney, not the debtor")
        }
        return c
    }

    /// The columns whose text can reach an agency's file as it is written.
    static let textColumns = [
        "business_name", "first_name", "last_name", "contact_name", "address1", "address2", "city", "region",
        "postal_code", "country", "phone", "email", "tax_id", "date_of_birth", "currency", "holds", "type",
    ]

    /// Refuses a second row of an account number in the same file, naming both lines: the
    /// contract is one row per account, and a later row silently overwriting an earlier one
    /// (or matching it by luck) hides an error in the export. `firstLines` holds, for the
    /// file being imported, each account number's first line.
    static func checkUnique(_ row: RowReader, firstLines: inout [String: Int]) throws(RowError) {
        guard let number = row.optional("account_number") else { return }
        if let first = firstLines[number] {
            throw row.error(
                "account_number",
                "'\(number)' is on line \(first) too: an account number may appear only once in a customers file")
        }
        firstLines[number] = row.line
    }

    private static func profile(from row: RowReader, defaultCurrency: Currency) throws(RowError) -> DebtorProfile {
        let number = try row.key("account_number")
        for column in textColumns { try row.refuseControlCharacters(column) }
        let typeText = try row.required("type")
        guard let type = DebtorType(rawValue: typeText.lowercased()) else {
            throw row.error("type", "'\(typeText)' is not consumer or business")
        }
        var currency = defaultCurrency
        if let code = row.optional("currency") {
            guard let c = Currency(code: code.uppercased()) else {
                throw row.error("currency", "'\(code)' is not an ISO 4217 currency code")
            }
            currency = c
        }
        var holds = Set<Hold>()
        if let text = row.optional("holds") {
            switch Hold.parseList(text) {
            case .success(let h): holds = h
            case .failure(let e):
                throw row.error(
                    "holds",
                    "'\(e.name)' is not a hold "
                        + "(use \(Hold.allCases.map(\.rawValue).joined(separator: ", ")), separated by ;)"
                )
            }
        }
        // An importable flag: the business's system may keep active duty as a yes/no field.
        if try row.bool("active_duty_military") == true { holds.insert(.military) }
        var country = row.optional("country")
        if let c = country {
            country = c.uppercased()
            guard ISO3166.countries.contains(country!) else {
                throw row.error("country", "'\(c)' is not an ISO 3166-1 alpha-2 country code")
            }
        }
        var region = row.optional("region")
        if let r = region, let country, country == "US" || country == "CA" {
            region = r.uppercased()
            guard ISO3166.isValid(region: region!, in: country) else {
                throw row.error(
                    "region", "'\(r)' is not a \(country == "US" ? "US state" : "Canadian province or territory") code")
            }
        }
        if let phone = row.optional("phone") {
            let allowed = Set("0123456789+-() .x")
            guard phone.allSatisfy({ allowed.contains($0) }), phone.contains(where: \.isNumber) else {
                throw row.error("phone", "'\(phone)' is not a phone number")
            }
        }
        if let email = row.optional("email") {
            let parts = email.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !email.contains(" ") else {
                throw row.error("email", "'\(email)' is not an e-mail address")
            }
        }
        let dob = try row.optionalDate("date_of_birth")
        let profile = DebtorProfile(
            accountNumber: number, type: type, businessName: row.optional("business_name"),
            firstName: row.optional("first_name"),
            lastName: row.optional("last_name"), contactName: row.optional("contact_name"),
            address1: row.optional("address1"),
            address2: row.optional("address2"), city: row.optional("city"), region: region,
            postalCode: row.optional("postal_code"),
            country: country, phone: row.optional("phone"), email: row.optional("email"), taxID: row.optional("tax_id"),
            dateOfBirth: dob, currency: currency, holds: holds)
        return profile
    }

    /// A business needs its name, a consumer a last name.
    private static func checkNames(_ profile: DebtorProfile, _ row: RowReader) throws(RowError) {
        switch profile.type {
        case .business where profile.businessName == nil:
            throw row.error("business_name", "is required for a business")
        case .consumer where profile.lastName == nil:
            throw row.error("last_name", "is required for a consumer")
        default:
            return
        }
    }

    /// What changed, for the audit log. Personal data (tax id, date of birth) is named, never shown.
    static func changes(from old: DebtorProfile, to new: DebtorProfile) -> String {
        var out: [String] = []
        func note(_ name: String, _ a: String?, _ b: String?, secret: Bool = false) {
            guard a != b else { return }
            out.append(secret ? "\(name) changed" : "\(name) \(a ?? "∅") → \(b ?? "∅")")
        }
        note("type", old.type.rawValue, new.type.rawValue)
        note("business_name", old.businessName, new.businessName)
        note("first_name", old.firstName, new.firstName)
        note("last_name", old.lastName, new.lastName)
        note("contact_name", old.contactName, new.contactName)
        note("address1", old.address1, new.address1)
        note("address2", old.address2, new.address2)
        note("city", old.city, new.city)
        note("region", old.region, new.region)
        note("postal_code", old.postalCode, new.postalCode)
        note("country", old.country, new.country)
        note("phone", old.phone, new.phone)
        note("email", old.email, new.email)
        note("tax_id", old.taxID, new.taxID, secret: true)
        note("date_of_birth", old.dateOfBirth?.iso, new.dateOfBirth?.iso, secret: true)
        note("currency", old.currency.code, new.currency.code)
        note("holds", Hold.listText(old.holds), Hold.listText(new.holds))
        return out.joined(separator: "; ")
    }
}
