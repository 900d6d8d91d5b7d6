public import Foundation
public import HandoffConfig
public import HandoffDomain
import HandoffLayout

/// Reads and checks partner files. Every problem is reported with its file and key, and a
/// partner with any problem is never used.
public enum PartnerLoader {
    /// Every `*.toml` file in `directory`, sorted by name. Problems of every file are
    /// collected; the result holds the partners that have none. Their event mappings refuse
    /// an amount above `maxAmount` (the configuration's `[limits] max_amount`).
    public static func loadAll(directory: String, maxAmount: AmountLimit = .default,
                               environment: [String: String] = ProcessInfo.processInfo.environment)
        -> (partners: [Partner], problems: [ConfigError]) {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter {
            $0.hasSuffix(".toml")
        }.sorted()
        var partners: [Partner] = []
        var problems: [ConfigError] = []
        var ids: [String: String] = [:]
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            do {
                var partner = try load(path: path)
                for kind in partner.returns.keys { partner.returns[kind]?.events?.maxAmount = maxAmount }
                if let other = ids[partner.id] {
                    problems.append(
                        ConfigError(file: path, key: "id", problem: "'\(partner.id)' is also the id of \(other)"))
                    continue
                }
                ids[partner.id] = path
                partners.append(partner)
            } catch let e as ConfigErrors {
                problems += e.errors
            } catch let e as ConfigError {
                problems.append(e)
            } catch {
                problems.append(ConfigError(file: path, key: nil, problem: "\(error)"))
            }
        }
        return (partners, problems)
    }

    /// Reads one partner file.
    public static func load(path: String) throws -> Partner {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, key: nil, problem: "cannot be read")
        }
        return try parse(try ConfigError.utf8Text(data, file: path), file: path)
    }

    /// Parses partner-file text.
    public static func parse(_ text: String, file: String) throws -> Partner {
        let doc = try TOMLNode.parse(text, file: file)
        let problems = ConfigProblems(file: file)
        let top = TableReader(doc, problems: problems)

        let id = top.requiredString("id") ?? ""
        if !id.isEmpty && !id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
            problems.add("id", "'\(id)' may hold only letters, digits, - and _")
        }
        let name = top.requiredString("name") ?? ""
        let clientID = top.requiredString("client_id") ?? ""
        let enabled = top.bool("enabled", default: true)
        let tier = top.int("tier", default: 1, range: 1...99)
        let share = top.int("share", default: 1, range: 0...1_000_000)

        let eligibility = readEligibility(top.table("eligibility"), problems)
        var capacity: Int?
        if let c = top.table("capacity") {
            capacity = c.int("accounts_per_run")
            if let v = capacity, v < 0 { problems.add(c.keyPath("accounts_per_run"), "must not be negative") }
            c.rejectUnknownKeys()
        }
        let commission = readCommission(top.table("commission"), problems)
        var remittance = RemittanceModel.net
        if let r = top.table("remittance") {
            let model = r.string("model", default: "net")
            remittance = RemittanceModel(rawValue: model) ?? {
                problems.add(r.keyPath("model"), "'\(model)' is not net or gross")
                return .net
            }()
            r.rejectUnknownKeys()
        } else {
            problems.add("remittance", "is required: [remittance] model = \"net\" or \"gross\"")
        }

        let placementTable = top.table("placement")
        if placementTable == nil {
            problems.add("placement", "is required: how placement files are named and laid out")
        }
        let placement = placementTable.flatMap {
            readFileSpec($0, problems, extraPaths: [], partnerID: id, clientID: clientID)
        }
        let updates = top.table("updates").flatMap {
            readFileSpec($0, problems, extraPaths: PlacementValues.updatePaths, partnerID: id, clientID: clientID)
        }

        var returns: [String: ReturnSpec] = [:]
        if let r = top.table("returns") {
            for key in r.table.keys.sorted() {
                guard let t = r.table(key) else { continue }
                // A return kind is a file (with a name pattern and layout) or the event feed (mapping only).
                let isFile = t.has("file_name") || t.has("records")
                let pattern = isFile ? (t.requiredString("file_name") ?? "") : ""
                let layout = isFile ? Layout.read(t, reading: true) : nil
                let events = EventMapping.read(t)
                if let format = events?.dateFormat, let problem = DatePattern.problem(format, reading: true) {
                    problems.add(t.keyPath("date_format"), problem)
                }
                t.rejectUnknownKeys()
                if !isFile || layout != nil {
                    returns[key] = ReturnSpec(fileName: pattern, layout: layout, events: events)
                }
            }
        }

        let licensing = readCompliance(top.table("compliance"), problems)
        let placementTerms = readTerms(top.table("terms"), problems)
        let transport = readTransport(top.table("transport"), problems)
        var encryption: EncryptionSpec?
        if let e = top.table("encryption") {
            let kindName = e.string("kind", default: "")
            if let kind = EncryptionSpec.Kind(rawValue: kindName) {
                var required: [String: String] = [:]
                for key in ["recipient_key_file", "signing_key_file", "partner_signing_fingerprint"] {
                    if !e.has(key) { problems.add(e.keyPath(key), "is required for OpenPGP") }
                    required[key] = e.string(key)
                }
                let passphrase = secret(e, env: "passphrase_env", file: "passphrase_file")
                let armor = e.bool("armor", default: false)
                let partnerKey = e.string("partner_signing_key_file")
                e.rejectUnknownKeys()
                if let recipient = required["recipient_key_file"], let signing = required["signing_key_file"],
                   let fingerprint = required["partner_signing_fingerprint"] {
                    encryption = EncryptionSpec(
                        kind: kind, recipientKeyFile: recipient, signingKeyFile: signing,
                        partnerSigningFingerprint: fingerprint,
                        partnerSigningKeyFile: partnerKey, passphrase: passphrase, armor: armor)
                }
            } else {
                problems.add(e.keyPath("kind"), "'\(kindName)' is not a known encryption (openpgp)")
            }
        }
        // An agency that takes time-barred debt must be told which accounts are (issue 16): its
        // placement file carries the mark, or it is not allowed to take them.
        if licensing.acceptsTimeBarred, let placement,
           !placement.layout.records.contains(where: { r in
               r.fields.contains { if case .path("account.time_barred") = $0.source { true } else { false } }
           }) {
            problems.add(
                "compliance.accepts_time_barred",
                "an agency that takes time-barred debt must be told which accounts are: "
                    + "add a field with path = \"account.time_barred\" to its [placement] layout, "
                    + "or remove accepts_time_barred"
            )
        }
        top.rejectUnknownKeys()
        try problems.check()

        let terms = AgencyTerms(
            id: id, enabled: enabled, tier: tier, share: share, capacityPerRun: capacity, eligibility: eligibility,
            commission: commission, remittance: remittance)
        let carriesNotice = placement!.layout.records.contains { r in
            r.fields.contains {
                if case .path("account.validation_notice_date") = $0.source { return true } else { return false }
            }
        }
        let compliance = AgencyCompliance(
            partnerID: id, debtorTypes: eligibility.debtorTypes, licences: licensing.licences,
            acceptsTimeBarred: licensing.acceptsTimeBarred, carriesValidationNoticeDate: carriesNotice)
        return Partner(
            file: file, terms: terms, name: name, clientID: clientID, placement: placement!, updates: updates,
            returns: returns, transport: transport!, encryption: encryption, compliance: compliance,
            placementTerms: placementTerms)
    }

    /// `[compliance]`: the agency's licences per region, and whether it accepts time-barred debt.
    private static func readCompliance(_ t: TableReader?, _ problems: ConfigProblems) -> (
        licences: [Licence]?, acceptsTimeBarred: Bool
    ) {
        guard let t else { return (nil, false) }
        var licences: [Licence]?
        if t.has("licences") {
            var list: [Licence] = []
            for l in t.tables("licences") {
                let region = l.requiredString("region")
                let expires = l.date("expires")
                if !l.has("expires") {
                    problems.add(l.keyPath("expires"), "is required: the last day the licence is valid (YYYY-MM-DD)")
                }
                l.rejectUnknownKeys()
                if let region, let expires {
                    if list.contains(where: { $0.region == region }) {
                        problems.add(l.keyPath("region"), "'\(region)' is listed twice: keep the one licence in force")
                    }
                    list.append(Licence(region: region, expires: expires))
                }
            }
            licences = list
        }
        let accepts = t.bool("accepts_time_barred", default: false)
        t.rejectUnknownKeys()
        return (licences, accepts)
    }

    /// `[terms]`: how long the agency may keep an account, and how it answers a recall.
    private static func readTerms(_ t: TableReader?, _ problems: ConfigProblems) -> PlacementTerms {
        guard let t else { return PlacementTerms() }
        var terms = PlacementTerms()
        func days(_ key: String) -> Int? {
            guard let v = t.int(key) else { return nil }
            if v < 1 || v > 36_500 {
                problems.add(t.keyPath(key), "must be between 1 and 36500 days, not \(v)"); return nil
            }
            return v
        }
        terms.placementDays = days("placement_days")
        terms.noActivityDays = days("no_activity_days")
        terms.finalRecallDays = days("final_recall_days")
        if let final = terms.finalRecallDays, let placement = terms.placementDays, final < placement {
            problems.add(
                t.keyPath("final_recall_days"), "(\(final)) must not come before placement_days (\(placement))")
        }
        terms.paymentPlanStatuses = Set(t.stringArray("payment_plan_statuses") ?? [])
        terms.objectionsAllowed = t.int("objections_allowed", default: 0, range: 0...10)
        terms.objectionsNeedPaymentPlan = t.bool("objections_need_payment_plan", default: false)
        if terms.objectionsNeedPaymentPlan && terms.paymentPlanStatuses.isEmpty {
            problems.add(
                t.keyPath("objections_need_payment_plan"),
                "needs payment_plan_statuses: the statuses that mean a plan is in place")
        }
        t.rejectUnknownKeys()
        return terms
    }

    private static func readEligibility(_ t: TableReader?, _ problems: ConfigProblems) -> Eligibility {
        guard let t else { return Eligibility() }
        var e = Eligibility()
        for name in t.stringArray("debtor_types") ?? [] {
            if let type = DebtorType(rawValue: name) { e.debtorTypes.insert(type) }
            else { problems.add(t.keyPath("debtor_types"), "'\(name)' is not consumer or business") }
        }
        for c in t.stringArray("countries") ?? [] {
            if ISO3166.countries.contains(c) {
                e.countries.insert(c)
            } else {
                problems.add(t.keyPath("countries"), "'\(c)' is not an ISO 3166-1 alpha-2 code")
            }
        }
        e.regions = Set(t.stringArray("regions") ?? [])
        for c in t.stringArray("currencies") ?? [] {
            if Currency(code: c) != nil {
                e.currencies.insert(c)
            } else {
                problems.add(t.keyPath("currencies"), "'\(c)' is not an ISO 4217 code")
            }
        }
        for key in ["min_balance", "max_balance"] {
            guard let text = t.string(key) else { continue }
            do {
                let amount = try DecimalAmount(parsing: text)
                if key == "min_balance" { e.minBalance = amount } else { e.maxBalance = amount }
            } catch { problems.add(t.keyPath(key), "\(error)") }
        }
        e.minDaysPastDue = t.int("min_days_past_due")
        e.maxDaysPastDue = t.int("max_days_past_due")
        t.rejectUnknownKeys()
        return e
    }

    private static func readCommission(_ t: TableReader?, _ problems: ConfigProblems) -> CommissionSchedule {
        guard let t else {
            problems.add("commission", "is required: the agency's rates")
            return CommissionSchedule(rates: [])
        }
        let roundingName = t.string("rounding", default: "half_up")
        let rounding = RoundingRule(rawValue: roundingName) ?? {
            problems.add(t.keyPath("rounding"), "'\(roundingName)' is not half_up, half_even or down")
            return .halfUp
        }()
        var rates: [CommissionSchedule.Rate] = []
        for r in t.tables("rates") {
            let text = r.requiredString("rate") ?? "0%"
            guard let ppm = CommissionSchedule.partsPerMillion(percent: text) else {
                problems.add(r.keyPath("rate"), "'\(text)' is not a percentage such as \"25%\"")
                continue
            }
            rates.append(
                CommissionSchedule.Rate(
                    partsPerMillion: ppm, status: r.string("status"), minAgeDays: r.int("min_age_days"),
                    maxAgeDays: r.int("max_age_days")))
            r.rejectUnknownKeys()
        }
        if rates.isEmpty { problems.add(t.keyPath("rates"), "needs at least one rate") }
        else if let last = rates.last, last.status != nil || last.minAgeDays != nil || last.maxAgeDays != nil {
            problems.add(t.keyPath("rates"), "the last rate must have no conditions, so that every payment has a rate")
        }
        _ = t.bool("on_direct_payments")
        t.rejectUnknownKeys()
        return CommissionSchedule(rates: rates, rounding: rounding)
    }

    private static func readFileSpec(
        _ t: TableReader, _ problems: ConfigProblems, extraPaths: Set<String>, partnerID: String,
        clientID: String) -> FileSpec? {
        func template(_ key: String, required: Bool) -> TextTemplate? {
            guard let text = required ? t.requiredString(key) : t.string(key) else { return nil }
            do { return try TextTemplate(text) } catch { problems.add(t.keyPath(key), error.message); return nil }
        }
        let fileName = template("file_name", required: true)
        let batchID = template("batch_id", required: false)
        let characters = t.string("batch_id_characters")
        let maxLength = t.int("batch_id_max_length")
        var control: ControlSpec?
        if let c = t.table("control") {
            let name = c.requiredString("file_name").flatMap { s -> TextTemplate? in
                do { return try TextTemplate(s) } catch { problems.add(c.keyPath("file_name"), "\(error)"); return nil }
            }
            let content = c.requiredString("content").flatMap { s -> TextTemplate? in
                do { return try TextTemplate(s) } catch { problems.add(c.keyPath("content"), "\(error)"); return nil }
            }
            let newline = c.bool("trailing_newline", default: false)
            c.rejectUnknownKeys()
            for path in (name?.paths ?? []) + (content?.paths ?? [])
                where !PlacementValues.batchPaths.contains(path) && !PlacementValues.filePaths.contains(path) {
                problems.add(
                    c.path,
                    """
                    unknown value '\(path)' (known: \
                    \(PlacementValues.batchPaths.union(PlacementValues.filePaths).sorted().joined(separator: ", ")))
                    """
                )
            }
            if let name, let content {
                control = ControlSpec(fileName: name, content: content, trailingNewline: newline)
            }
        }
        let layout = Layout.read(t)
        t.rejectUnknownKeys()
        for path in (fileName?.paths ?? []) + (batchID?.paths ?? []) where !PlacementValues.batchPaths.contains(path) {
            problems.add(
                t.path,
                "unknown value '\(path)' in a name "
                    + "(known: \(PlacementValues.batchPaths.sorted().joined(separator: ", ")))"
            )
        }
        if let fileName {
            checkFileName(
                fileName, key: t.keyPath("file_name"), batchID: batchID, partnerID: partnerID, clientID: clientID,
                problems)
        }
        if let name = control?.fileName {
            checkFileName(
                name, key: t.keyPath("control.file_name"), batchID: batchID, partnerID: partnerID, clientID: clientID,
                problems)
        }
        for (key, template) in [
            ("file_name", fileName), ("batch_id", batchID), ("control.file_name", control?.fileName),
            ("control.content", control?.content)] {
            for placeholder in template?.placeholders ?? [] where PlacementValues.datePaths.contains(placeholder.path) {
                if let format = placeholder.format, let problem = DatePattern.problem(format, reading: false) {
                    problems.add(t.keyPath(key), "{\(placeholder.path):\(format)}: \(problem)")
                }
            }
        }
        if let layout {
            for record in layout.records {
                let known = PlacementValues.paths(for: record.kind).union(extraPaths)
                for field in record.fields {
                    if case .path(let p) = field.source, !known.contains(p) {
                        problems.add(
                            t.keyPath("records"), "\(record.kind.rawValue) field \(field.name): unknown value '\(p)'")
                    }
                    if case .path(let p) = field.source, PlacementValues.datePaths.contains(p),
                        let format = field.format,
                       let problem = DatePattern.problem(format, reading: false) {
                        problems.add(
                            t.keyPath("records"), "\(record.kind.rawValue) field \(field.name): format \(problem)")
                    }
                }
            }
            for check in layout.checks {
                for term in check.left.terms + check.right.terms {
                    let known = term.overInvoices ? PlacementValues.invoicePaths : PlacementValues.accountPaths
                    if !known.contains(term.path) {
                        problems.add(t.keyPath("checks"), "\(check.reason): unknown value '\(term.path)'")
                    }
                }
            }
        }
        guard let fileName, let layout else { return nil }
        return FileSpec(
            fileName: fileName, batchID: batchID, batchIDCharacters: characters, batchIDMaxLength: maxLength,
            layout: layout, control: control)
    }

    /// A name Handoff writes into the partner's staging folder (a data or control file):
    /// it must stay one file name inside that folder, whatever the run's values are, and
    /// change from run to run, so that a run never overwrites an earlier batch's file.
    private static func checkFileName(
        _ template: TextTemplate, key: String, batchID: TextTemplate?, partnerID: String, clientID: String,
        _ problems: ConfigProblems) {
        for free in ["partner.name", "business.name"] where template.paths.contains(free) {
            problems.add(
                key,
                "'\(template.source)' uses {\(free)}, free text that may hold / "
                    + "or other characters a file name must not: "
                         + "use {partner.id} or {partner.client_id}")
        }
        // A name a run could make, with this partner's own ids (a batch id is checked when a run makes it).
        let sample = try? template.render { path in
            switch path {
            case "partner.id": return .text(partnerID)
            case "partner.client_id": return .text(clientID)
            case "batch.date": return .date(CalendarDate(year: 2026, month: 11, day: 15)!)
            case "batch.id": return .text("ID")
            case "sum.balance", "sum.amount": return .money(.zero(.usd))
            case "batch.sequence", "count.accounts", "count.invoices", "count.rows", "file.size": return .integer(1)
            default: return .text("x")
            }
        }
        if let sample, let problem = StagedFileName.problem(sample) {
            problems.add(
                key,
                sample == template.source
                    ? "'\(sample)' \(problem)"
                    : "'\(template.source)' makes names such as '\(sample)', which \(problem)")
        }
        let changing = ["batch.date", "batch.sequence"]
        let idChanges =
            template.paths.contains("batch.id") && (batchID?.paths.contains(where: changing.contains) ?? false)
        if !template.paths.contains(where: changing.contains) && !idChanges {
            problems.add(key, "'\(template.source)' is the same name on every run: it must hold a part that changes, "
                    + "{batch.sequence:000}, a date such as {batch.date:yyyyMMdd}, "
                    + "or {batch.id} with a batch_id that holds one, "
                         + "so that no run overwrites an earlier file")
        }
    }
}
