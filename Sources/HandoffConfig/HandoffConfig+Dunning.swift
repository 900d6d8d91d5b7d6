import Foundation
public import HandoffDomain

/// One dunning step as configured: its schedule entry and the template files that override the
/// built-in ones (absolute paths; `nil`: the built-in template of its kind).
public struct DunningStepSettings: Sendable, Equatable {
    public var step: DunningStep
    public var subjectTemplate: String?
    public var textTemplate: String?
    public var htmlTemplate: String?
}

/// Reminders and the final notice by e-mail (`[dunning]`).
public struct DunningSettings: Sendable, Equatable {
    /// The sender, as it appears to the customer: `Maple & Main Supply Co. <ar@maple.example>` or an address.
    public var from: String
    /// The sender's address alone (the envelope sender).
    public var fromAddress: String
    /// Where the customer's replies go, if not to `from`.
    public var replyTo: String?
    public var steps: [DunningStepSettings]
    public var schedule: DunningSchedule { DunningSchedule(steps: steps.map(\.step)) }
}

/// The business's own mail server (`[smtp]`).
public struct SMTPSettings: Sendable, Equatable {
    /// `smtp://host:587` (STARTTLS required) or `smtps://host:465`.
    public var url: String
    /// A CA certificate file (PEM, absolute) for a server with a private CA; otherwise the system's.
    public var caFile: String?
    public var user: String?
    /// The environment variable that holds the password (default `HANDOFF_SMTP_PASSWORD`).
    public var passwordEnv: String
    /// A file that holds the password (absolute), instead of the environment.
    public var passwordFile: String?
    public var timeoutSeconds: Int
}

/// The credit-hold list and its hook (`[credit_hold]`).
public struct CreditHoldSettings: Sendable, Equatable {
    public var rules = CreditHoldRules()
    /// A command run (through `/bin/sh -c`) with the change as JSON on standard input when an
    /// account enters or leaves the list.
    public var command: String?
    public init() {}
}

extension HandoffConfig {
    static func readDunning(
        _ top: TableReader, absolute: (String) -> String, finalNoticeDays: Int?,
        problems: ConfigProblems
    ) -> DunningSettings? {
        guard let t = top.table("dunning") else { return nil }
        let from = t.requiredString("from") ?? ""
        let address = Self.address(in: from)
        if !from.isEmpty && (address == nil || from.contains("\r") || from.contains("\n")) {
            problems.add(
                "dunning.from", "'\(from)' is not an e-mail address such as \"Maple & Main <ar@maple.example>\"")
        }
        let replyTo = t.string("reply_to")
        if let replyTo, Self.address(in: replyTo) == nil || replyTo.contains("\n") || replyTo.contains("\r") {
            problems.add("dunning.reply_to", "'\(replyTo)' is not an e-mail address")
        }
        var steps: [DunningStepSettings] = []
        let tables = t.tables("steps")
        if tables.isEmpty { problems.add("dunning.steps", "at least one [[dunning.steps]] is required") }
        for s in tables {
            let name = s.requiredString("name") ?? ""
            if !name.isEmpty
                && !name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
            {
                problems.add(
                    s.keyPath("name"), "'\(name)' must be letters, digits, '-' or '_' (it is part of each message's id)"
                )
            }
            let kindText = s.string("kind", default: "reminder")
            let kind = DunningStepKind(rawValue: kindText)
            if kind == nil { problems.add(s.keyPath("kind"), "'\(kindText)' is not reminder or final_notice") }
            let days = s.int("days_past_due", default: 0, range: 1...36_500)
            if !s.has("days_past_due") { problems.add(s.keyPath("days_past_due"), "is required") }
            func template(_ key: String) -> String? {
                guard let path = s.string(key).map(absolute) else { return nil }
                if !FileManager.default.isReadableFile(atPath: path) {
                    problems.add(s.keyPath(key), "the template \(path) cannot be read")
                }
                return path
            }
            let settings = DunningStepSettings(
                step: DunningStep(name: name, kind: kind ?? .reminder, daysPastDue: days),
                subjectTemplate: template("subject_template"),
                textTemplate: template("text_template"), htmlTemplate: template("html_template"))
            s.rejectUnknownKeys()
            if steps.contains(where: { $0.step.name == name }) {
                problems.add(s.keyPath("name"), "'\(name)' names two steps")
            }
            steps.append(settings)
        }
        let finals = steps.filter { $0.step.kind == .finalNotice }
        if finals.count > 1 { problems.add("dunning.steps", "only one step may be the final_notice") }
        if !finals.isEmpty && finalNoticeDays == nil {
            problems.add(
                "dunning.steps",
                "a final_notice step names the placement date: set [placement] final_notice_days above 0")
        }
        if let final = finals.first?.step, steps.contains(where: { $0.step.daysPastDue > final.daysPastDue }) {
            problems.add("dunning.steps", "no step may come after the final_notice")
        }
        t.rejectUnknownKeys()
        return DunningSettings(from: from, fromAddress: address ?? "", replyTo: replyTo, steps: steps)
    }

    static func readSMTP(_ top: TableReader, absolute: (String) -> String, problems: ConfigProblems) -> SMTPSettings? {
        guard let t = top.table("smtp") else { return nil }
        let url = t.requiredString("url") ?? ""
        if !url.isEmpty && !(url.hasPrefix("smtp://") || url.hasPrefix("smtps://")) {
            problems.add("smtp.url", "must start with smtp:// (STARTTLS, required) or smtps://")
        } else if url.contains("@") {
            problems.add("smtp.url", "must not hold a user or password: use user and password_env or password_file")
        }
        if t.has("password") {
            problems.add(
                "smtp.password", "a password is never written in the configuration: use password_env or password_file")
        }
        let settings = SMTPSettings(
            url: url, caFile: t.string("ca_file").map(absolute), user: t.string("user"),
            passwordEnv: t.string("password_env", default: "HANDOFF_SMTP_PASSWORD"),
            passwordFile: t.string("password_file").map(absolute),
            timeoutSeconds: t.int("timeout_seconds", default: 60, range: 1...3600))
        _ = t.has("password") ? t.string("password") : nil
        t.rejectUnknownKeys()
        return settings
    }

    static func readCreditHold(_ top: TableReader, problems: ConfigProblems) -> CreditHoldSettings {
        var settings = CreditHoldSettings()
        guard let t = top.table("credit_hold") else { return settings }
        if let days = t.int("days_past_due") {
            if days < 0 || days > 36_500 { problems.add("credit_hold.days_past_due", "must be between 0 and 36500") }
            settings.rules.daysPastDue = days == 0 ? nil : days
        }
        if let text = t.string("past_due_amount") {
            do { settings.rules.pastDueAmount = try DecimalAmount(parsing: text) } catch {
                problems.add("credit_hold.past_due_amount", "\(error)")
            }
        }
        settings.command = t.string("command")
        t.rejectUnknownKeys()
        return settings
    }

    static func readWorklist(_ top: TableReader, problems: ConfigProblems) -> WorklistWeights {
        var weights = WorklistWeights()
        guard let t = top.table("worklist") else { return weights }
        weights.amountPercent = t.int("amount_weight", default: weights.amountPercent, range: 0...100)
        weights.agePercent = t.int("age_weight", default: weights.agePercent, range: 0...100)
        if weights.amountPercent + weights.agePercent != 100 {
            problems.add(
                "worklist",
                "amount_weight and age_weight must add up to 100, not "
                    + "\(weights.amountPercent + weights.agePercent)")
        }
        t.rejectUnknownKeys()
        return weights
    }

    /// The address in `Name <address>` or a bare address, if it is one a message can be sent from.
    public static func address(in text: String) -> String? {
        var candidate = text.trimmingCharacters(in: .whitespaces)
        if let open = candidate.lastIndex(of: "<"), candidate.hasSuffix(">") {
            candidate = String(candidate[candidate.index(after: open)..<candidate.index(before: candidate.endIndex)])
        }
        return EmailAddress.isSendable(candidate) ? candidate : nil
    }
}

extension HandoffConfig {
    /// Whether `[dunning]` sends the final notice by e-mail (placement runs then record none for
    /// accounts with an address).
    public var finalNoticeByEmail: Bool { dunning?.steps.contains { $0.step.kind == .finalNotice } ?? false }
}
