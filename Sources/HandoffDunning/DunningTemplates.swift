import Foundation
public import HandoffConfig
public import HandoffDomain
import HandoffStore
import Mustache

/// The subject, text and HTML templates of each dunning step (Mustache): the files `[[dunning.steps]]`
/// names, or the built-in ones of the step's kind. The subject and text render as plain text;
/// the HTML escapes every value (`{{name}}`), so a customer's name cannot inject markup.
public struct DunningTemplates: Sendable {
    struct StepTemplates: Sendable {
        var subject: MustacheTemplate
        var text: MustacheTemplate
        var html: MustacheTemplate
    }
    let byStep: [String: StepTemplates]

    /// A template that cannot be read or parsed: the file and the problem.
    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    /// Loads every step's templates, checking each.
    public init(settings: DunningSettings) throws {
        var byStep: [String: StepTemplates] = [:]
        for s in settings.steps {
            let defaults = Self.builtIn(s.step.kind)
            func load(_ path: String?, _ fallback: String, html: Bool) throws -> MustacheTemplate {
                var text = fallback
                var what = "the built-in \(s.step.kind.rawValue) template"
                if let path {
                    what = path
                    guard let data = FileManager.default.contents(atPath: path),
                        let file = String(data: data, encoding: .utf8)
                    else {
                        throw Problem(
                            description: "the template \(path) (step \(s.step.name)) cannot be read as UTF-8 text")
                    }
                    text = file
                }
                do {
                    return try MustacheTemplate(string: (html ? "" : "{{% CONTENT_TYPE: TEXT}}") + text)
                } catch {
                    throw Problem(
                        description: "the template \(what) (step \(s.step.name)) is not valid Mustache: \(error)")
                }
            }
            byStep[s.step.name] = StepTemplates(
                subject: try load(s.subjectTemplate, defaults.subject, html: false),
                text: try load(s.textTemplate, defaults.text, html: false),
                html: try load(s.htmlTemplate, defaults.html, html: true))
        }
        self.byStep = byStep
    }

    /// The rendered subject, text and HTML of a step for one account.
    public func render(step: String, context: [String: Any]) -> (subject: String, text: String, html: String)? {
        guard let set = byStep[step] else { return nil }
        return (
            MailComposer.singleLine(set.subject.render(context)), set.text.render(context), set.html.render(context)
        )
    }

    /// What a template is given: the business, the account, its past-due invoices and their
    /// total (itemised), the step, and for a final notice the placement date.
    public static func context(
        businessName: String, profile: DebtorProfile, letter: DunningLetter, openInvoices: [OpenItem],
        asOf: CalendarDate, replyTo: String
    ) -> [String: Any] {
        let currency = letter.balance.currency
        func money(_ minor: Int64) -> String { Money(minorUnits: minor, currency: currency).groupedText }
        let invoices: [[String: Any]] = letter.invoices.map { i in
            [
                "number": i.invoiceNumber, "invoice_date": i.invoiceDate.iso, "due_date": i.dueDate.iso,
                "balance": money(i.balance),
                "days_past_due": asOf.days(since: i.dueDate),
            ]
        }
        let notYetDue = openInvoices.filter { $0.balance > 0 && $0.dueDate >= asOf }.sorted(by: OpenItem.oldestFirst)
        var context: [String: Any] = [
            "business_name": businessName,
            "reply_to": replyTo,
            "account_number": profile.accountNumber,
            "customer_name": profile.displayName,
            "contact_name": profile.contactName ?? "",
            "greeting_name": (profile.contactName?.isEmpty == false ? profile.contactName : nil) ?? profile.displayName,
            "invoices": invoices,
            "invoice_count": invoices.count,
            "balance": money(letter.balance.minorUnits),
            "currency": currency.code,
            "days_past_due": letter.daysPastDue,
            "as_of": asOf.iso,
            "step": letter.step.name,
            "is_final_notice": letter.step.kind == .finalNotice,
            "not_yet_due": notYetDue.map {
                ["number": $0.invoiceNumber, "due_date": $0.dueDate.iso, "balance": money($0.balance)]
            },
        ]
        if let day = letter.placementDate { context["placement_date"] = day.iso }
        return context
    }

    /// The templates Handoff ships for each kind of step.
    public static func builtIn(_ kind: DunningStepKind) -> (subject: String, text: String, html: String) {
        switch kind {
        case .reminder:
            return (reminderSubject, reminderText, reminderHTML)
        case .finalNotice:
            return (finalSubject, finalText, finalHTML)
        }
    }

    static let reminderSubject = "Reminder: {{balance}} {{currency}} past due on account {{account_number}}"
    static let reminderText = """
        Dear {{greeting_name}},

        Our records show that the following invoices on your account {{account_number}} \
        with {{business_name}} are past due:

        {{#invoices}}
          Invoice {{number}}, due {{due_date}}: {{balance}} {{currency}} ({{days_past_due}} days past due)
        {{/invoices}}

        Total past due: {{balance}} {{currency}}

        If you have already paid, thank you, and please disregard this reminder. Otherwise, please send
        payment at your earliest convenience, or reply to this message if there is a problem with an invoice.

        {{business_name}}

        """
    static let reminderHTML = """
        <!DOCTYPE html>
        <html><head><meta charset="utf-8"><title>Payment reminder</title></head>
        <body style="font-family: sans-serif">
        <p>Dear {{greeting_name}},</p>
        <p>Our records show that the following invoices on your account {{account_number}} \
        with {{business_name}} are past due:</p>
        <table style="border-collapse: collapse">
        <tr><th align="left">Invoice</th><th align="left">Due</th>\
        <th align="right">Balance</th><th align="right">Days past due</th></tr>
        {{#invoices}}
        <tr><td>{{number}}</td><td>{{due_date}}</td><td align="right">{{balance}} {{currency}}</td>\
        <td align="right">{{days_past_due}}</td></tr>
        {{/invoices}}
        <tr><td colspan="2"><strong>Total past due</strong></td>\
        <td align="right"><strong>{{balance}} {{currency}}</strong></td><td></td></tr>
        </table>
        <p>If you have already paid, thank you, and please disregard this reminder. \
        Otherwise, please send payment at your
        earliest convenience, or reply to this message if there is a problem with an invoice.</p>
        <p>{{business_name}}</p>
        </body></html>

        """
    static let finalSubject =
        "Final notice: account {{account_number}} goes to a collection agency on {{placement_date}}"
    static let finalText = """
        Dear {{greeting_name}},

        This is our final notice about the past-due balance on your account {{account_number}} with {{business_name}}:

        {{#invoices}}
          Invoice {{number}}, due {{due_date}}: {{balance}} {{currency}} ({{days_past_due}} days past due)
        {{/invoices}}

        Total past due: {{balance}} {{currency}}

        Unless we receive payment in full, or hear from you to arrange it, by {{placement_date}}, the account will be
        handed to a collection agency on that day.

        {{business_name}}

        """
    static let finalHTML = """
        <!DOCTYPE html>
        <html><head><meta charset="utf-8"><title>Final notice</title></head>
        <body style="font-family: sans-serif">
        <p>Dear {{greeting_name}},</p>
        <p>This is our <strong>final notice</strong> about the past-due balance on your account {{account_number}} with
        {{business_name}}:</p>
        <table style="border-collapse: collapse">
        <tr><th align="left">Invoice</th><th align="left">Due</th>\
        <th align="right">Balance</th><th align="right">Days past due</th></tr>
        {{#invoices}}
        <tr><td>{{number}}</td><td>{{due_date}}</td><td align="right">{{balance}} {{currency}}</td>\
        <td align="right">{{days_past_due}}</td></tr>
        {{/invoices}}
        <tr><td colspan="2"><strong>Total past due</strong></td>\
        <td align="right"><strong>{{balance}} {{currency}}</strong></td><td></td></tr>
        </table>
        <p>Unless we receive payment in full, or hear from you to arrange it, \
        by <strong>{{placement_date}}</strong>, the
        account will be handed to a collection agency on that day.</p>
        <p>{{business_name}}</p>
        </body></html>

        """
}
