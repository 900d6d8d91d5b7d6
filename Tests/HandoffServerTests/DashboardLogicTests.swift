@testable import HandoffServer
import Foundation
import HandoffDomain
import HandoffStore
import Testing

/// The dashboard's pure parts, without a server: sessions, CSRF tokens, the scorecard chart,
/// flash messages and the advice shown beside errors.
@Suite("Dashboard logic")
struct DashboardLogicTests {
    let session = DashboardSession(secret: "token-0123456789abcdef")

    @Test(
        """
        A session cookie names its holder, is valid until it expires, only under its own key, and never holds \
        the token
        """
    )
    func sessionCookie() {
        let cookie = session.issue(for: "p7", now: 1_000)
        #expect(!cookie.contains("token-0123456789abcdef"))
        #expect(session.subject(of: cookie, now: 1_000) == "p7")
        #expect(session.subject(of: cookie, now: 1_000 + DashboardSession.lifetime - 1) == "p7")
        #expect(session.subject(of: cookie, now: 1_000 + DashboardSession.lifetime) == nil)
        #expect(DashboardSession(secret: "another-token-0123456789").subject(of: cookie, now: 1_000) == nil)
        // Moving the expiry forward, or naming someone else, breaks the MAC.
        let parts = cookie.split(separator: ".")
        #expect(session.subject(of: "p7.\(Int64(parts[1])! + 3600).\(parts[2])", now: 1_000) == nil)
        #expect(session.subject(of: "owner.\(parts[1]).\(parts[2])", now: 1_000) == nil)
        #expect(session.subject(of: "p8.\(parts[1]).\(parts[2])", now: 1_000) == nil)
        #expect(session.subject(of: nil, now: 1_000) == nil)
        #expect(session.subject(of: "", now: 1_000) == nil)
        #expect(session.subject(of: "garbage", now: 1_000) == nil)
        #expect(session.subject(of: session.issue(for: "owner", now: 1_000), now: 1_000) == "owner")
    }

    @Test("A CSRF token belongs to one session cookie")
    func csrf() {
        let a = session.issue(for: "owner", now: 1_000), b = session.issue(for: "owner", now: 2_000)
        let token = session.csrfToken(for: a)
        #expect(session.isValidCSRF(token, cookie: a))
        #expect(!session.isValidCSRF(token, cookie: b))
        #expect(!session.isValidCSRF(nil, cookie: a))
        #expect(!session.isValidCSRF("zz", cookie: a))
    }

    @Test("Placement states read as words an owner understands, never as internal names")
    func placementWords() {
        for name in ["selected", "batched", "sent", "accepted", "rejected", "active", "recall_pending", "closed"] {
            let words = OwnerWords.placement(named: name)
            #expect(!words.contains("_") && words != name || name == "closed", "\(name) → \(words)")
        }
        #expect(OwnerWords.placement(.recallPending) == "recall asked, waiting for the agency")
        #expect(OwnerWords.placement(named: "recall_pending") == OwnerWords.placement(.recallPending))
        #expect(OwnerWords.placement(named: "something_new") == "something new")
    }

    @Test("Constant-time comparison refuses an empty secret and any difference")
    func compare() {
        #expect(constantTimeEquals("abc", "abc"))
        #expect(!constantTimeEquals("abd", "abc"))
        #expect(!constantTimeEquals("ab", "abc"))
        #expect(!constantTimeEquals("", ""))
    }

    @Test("The scorecard chart scales bars to the largest placement, labels liquidation, and escapes text")
    func chart() {
        let vintages = [
            VintageFigures(
                partner: "p", vintage: "2026-10", currency: "USD", placed: 2, rejected: 0, open: 2, returned: 0,
                acceptedAmount: 100_000,
                collected: 25_000, commission: 0, average_days_to_first_payment: nil),
            VintageFigures(
                partner: "p", vintage: "2026-09", currency: "USD", placed: 1, rejected: 0, open: 1, returned: 0,
                acceptedAmount: 50_000,
                collected: 0, commission: 0, average_days_to_first_payment: nil),
        ]
        let svg = ScorecardChart.svg(partner: "<Agency & Co>", currency: .usd, vintages: vintages)
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>"))
        #expect(svg.contains("&lt;Agency &amp; Co&gt;") && !svg.contains("<Agency"))
        #expect(svg.contains("25.00%") && svg.contains("0.00%"))
        // Oldest month first; the plot is 164 pixels high: 1,000.00 fills it, 500.00 half, 250.00 a quarter.
        #expect(svg.range(of: "2026-09")!.lowerBound < svg.range(of: "2026-10")!.lowerBound)
        #expect(
            svg.contains("height=\"164\" class=\"placed\"") && svg.contains("height=\"82\" class=\"placed\"")
                && svg.contains("height=\"41\" class=\"collected\""))
        #expect(svg.contains("1,000") && svg.contains("500"))
        #expect(ScorecardChart.svg(partner: "p", currency: .usd, vintages: []).contains("no placements yet"))
        // The axis names its currency: each figure on it and the axis title.
        #expect(
            svg.contains(">1,000 USD</text>") && svg.contains(">0 USD</text>") && svg.contains("class=\"axis unit\""))
        let cad = ScorecardChart.svg(partner: "p", currency: .cad, vintages: vintages)
        #expect(cad.contains(">1,000 CAD</text>") && !cad.contains(" USD<"))
    }

    @Test("The accounts list's query comes from the address: filters, order, and links that keep them")
    func accountQuery() {
        let asOf = CalendarDate(iso: "2026-12-01")!
        let q = DashboardPages.accountQuery(
            ["q": " B-2 ", "hold": "1", "placed": "no", "bucket": "31-60", "sort": "balance"], asOf: asOf)
        #expect(q.search == "B-2" && q.hasHold && q.placed == false && q.bucket == .days31to60 && q.order == .balance)
        #expect(
            DashboardPages.parameters(q).map { "\($0.name)=\($0.value ?? "")" } == [
                "q=B-2", "hold=1", "placed=no", "bucket=31-60", "sort=balance",
            ])
        // Anything else is no filter, in account order.
        let plain = DashboardPages.accountQuery(
            ["hold": "yes", "placed": "maybe", "bucket": "999", "sort": "name; DROP TABLE"], asOf: asOf)
        #expect(
            !plain.hasHold && plain.placed == nil && plain.bucket == nil && plain.order == .account
                && DashboardPages.parameters(plain).isEmpty)
        #expect(DashboardPages.accountQuery(["sort": "days", "placed": "yes"], asOf: asOf).order == .daysPastDue)
    }

    @Test("Remittance differences and stored times read as words")
    func words() {
        let money: (Int64?) -> String = { $0.map { DashboardPages.money($0, .cad) } ?? "—" }
        let amount = RemittanceRecord.Difference(
            transactionID: "LF-T1", field: "amount", statement: 10_000, recorded: 12_500)
        #expect(
            DashboardPages.difference(amount, money: money)
                == "LF-T1: the statement says 100.00 CAD, Handoff recorded 125.00 CAD")
        let missing = RemittanceRecord.Difference(
            transactionID: "LF-T2", field: "missing", statement: nil, recorded: 500)
        #expect(
            DashboardPages.difference(missing, money: money)
                == "LF-T2: recorded by Handoff (5.00 CAD) but not on the statement")
        #expect(DashboardPages.stamp("2026-11-26T14:03:09Z") == "2026-11-26 14:03 UTC")
        #expect(DashboardPages.stamp(nil) == "—" && DashboardPages.stamp("garbage") == "garbage")
    }

    @Test("Flash messages decode only what the dashboard wrote")
    func flash() {
        #expect(Dashboard.decodeFlash("not base64!") == nil)
        // {"kind":"good","text":"Done"} in unpadded base64url
        #expect(Dashboard.decodeFlash("eyJraW5kIjoiZ29vZCIsInRleHQiOiJEb25lIn0") == ["kind": "good", "text": "Done"])
        // {"kind":"evil","text":"x"}: an unknown kind is dropped
        #expect(Dashboard.decodeFlash("eyJraW5kIjoiZXZpbCIsInRleHQiOiJ4In0") == nil)
    }

    @Test("Advice names the cause a person can act on")
    func advice() {
        #expect(
            Advice.outbox(
                id: 3, partner: "keystone-recovery", state: "failed", error: "host key mismatch for sftp.example",
                notBefore: nil
            ).contains("known-hosts"))
        #expect(
            Advice.outbox(
                id: 3, partner: "meridian-commercial", state: "failed",
                error: "SSL certificate problem: unable to get local issuer", notBefore: nil
            ).contains("certificate"))
        #expect(
            Advice.outbox(id: 3, partner: "x", state: "failed", error: "disk on fire", notBefore: nil).contains(
                "handoff outbox retry 3"))
        #expect(
            Advice.outbox(id: 3, partner: "x", state: "retry_later", error: "timeout", notBefore: 0).contains(
                "1970-01-01 00:00 UTC"))
        // The transport's labels decide, whatever words follow them ("denied" in a permission error is no login
        // problem).
        #expect(
            Advice.outbox(
                id: 3, partner: "k", state: "failed",
                error: "permission: the agency's folder /in refused the write of a.part (denied)", notBefore: nil
            )
            .contains("fix the folder’s permissions"))
        #expect(
            Advice.outbox(
                id: 3, partner: "k", state: "failed",
                error: "conflict: a different file named KRP_PLC.csv.pgp is already at the agency", notBefore: nil
            )
            .contains("whose file it is"))
        #expect(Advice.event(partner: "k", state: "held", reason: nil, kind: "overpayment").contains("Refund it"))
        // A failed transfer is no longer retried by itself, whatever its last error was; a file name
        // ending in .pgp is not an encryption failure.
        let timedOut = Advice.outbox(
            id: 3, partner: "k", state: "failed", error: "timed_out: the agency's server did not answer within 30 s",
            notBefore: nil)
        #expect(timedOut.contains("stopped trying") && timedOut.contains("Retry") && !timedOut.contains("tries again"))
        #expect(
            Advice.outbox(id: 3, partner: "k", state: "failed", error: "no_space: /var/handoff is full", notBefore: nil)
                .contains("stopped trying"))
        #expect(
            !Advice.outbox(
                id: 3, partner: "k", state: "failed", error: "the server closed the connection during KRP_PLC.csv.pgp",
                notBefore: nil
            )
            .contains("encrypted"))
        // A corrected file must come under a new name: the same name with other content is held.
        #expect(Advice.inbox(partner: "x", name: "f.csv", state: "quarantined", reason: "bad")!.contains("new name"))
        #expect(
            Advice.event(partner: "k", state: "held", reason: nil, kind: "conflict").contains("two different versions"))
        #expect(Advice.inbox(partner: "x", name: "f.csv", state: "received", reason: nil) == nil)
        #expect(Advice.inbox(partner: "x", name: "f.csv", state: "quarantined", reason: "bad")!.contains("corrected"))
    }

    @Test(
        """
        Money in an event's reason reads as money: bare minor units from before issue 12 are shown in the \
        account's currency
        """
    )
    func reasonMoney() {
        let cad = Currency(code: "CAD")!, jpy = Currency(code: "JPY")!
        #expect(DashboardPages.readableReason("commission reported 1000, schedule gives 2500", currency: cad)
                == "commission reported 10.00 CAD, schedule gives 25.00 CAD")
        #expect(DashboardPages.readableReason("commission reported -1000, schedule gives 123456789", currency: cad)
                == "commission reported -10.00 CAD, schedule gives 1,234,567.89 CAD")
        #expect(DashboardPages.readableReason("commission reported 1000, schedule gives 2500", currency: jpy)
                == "commission reported 1,000 JPY, schedule gives 2,500 JPY")
        #expect(
            DashboardPages.readableReason(
                "payment LF-9: invoice INV-1 is unknown or has less open than 5000", currency: cad)
                == "payment LF-9: invoice INV-1 is unknown or has less open than 50.00 CAD")
        // Already money, or no money at all, or no currency to show it in: as it is.
        for reason in [
            "commission reported 10.00 CAD, schedule gives 25.00 CAD", "hold bankruptcy added",
            "no account 'C-1' in the AR record",
        ] {
            #expect(DashboardPages.readableReason(reason, currency: cad) == reason)
        }
        #expect(
            DashboardPages.readableReason("commission reported 1000, schedule gives 2500", currency: nil)
                == "commission reported 1000, schedule gives 2500")
        #expect(DashboardPages.readableReason(nil, currency: cad) == "")
    }

    @Test("Every state and kind an owner sees is in words: no stored name with an underscore reaches a page")
    func ownerWordsForEveryState() {
        var shown =
            AgencyEventState.allCases.map(OwnerWords.event) + AgencyRequestState.allCases.map(OwnerWords.request)
            + InboxFileState.allCases.map(OwnerWords.inbox) + Hold.allCases.map(OwnerWords.hold)
        shown += ["staged", "sending", "sent", "confirmed", "retry_later", "failed"].map(OwnerWords.outbox(named:))
        shown += ["staged", "queued", "sent", "receipted"].map(OwnerWords.batch(named:))
        shown += [
            "accepted", "rejected", "acknowledged", "file_rejected", "status_changed", "payment_collected",
            "payment_reversed",
            "direct_payment_echo", "remittance_line"].map(OwnerWords.event(kind:))
        for words in shown { #expect(!words.contains("_") && !words.isEmpty, "\(words)") }
        #expect(OwnerWords.event(.held) == "held for you" && OwnerWords.request(.queued) == "waiting to be sent")
        #expect(
            OwnerWords.hold(.attorney) == "represented by an attorney"
                && OwnerWords.outbox(named: "confirmed") == "delivered")
        #expect(OwnerWords.event(kind: "payment_collected") == "payment collected")
    }

    @Test(
        """
        A held conflict or overpayment is offered Dismiss, never a Retry that could not apply it; a held payment \
        is offered Retry
        """
    )
    func attentionRetryOnlyWhereItCanWork() {
        func item(_ kind: String) -> AttentionItem {
            AttentionItem(
                kind: .heldEvent, id: 7, partnerID: "krp", accountNumber: "A-1", subject: "payment:T1", detail: "why",
                when: "2026-11-20T10:00:00Z", eventKind: kind)
        }
        let entries = DashboardPages.attention([item("conflict"), item("overpayment"), item("payment_collected")])
        #expect(entries[0]["form"] == nil && entries[1]["form"] == nil, "\(entries)")
        #expect(entries[2]["form"] as? String == "/events/7/retry")
        #expect(
            (entries[2]["what"] as? String)?.contains("krp’s payment collected payment:T1 for A-1") == true,
            "\(entries[2])")
        #expect((entries[0]["advice"] as? String)?.contains("two different versions") == true)
    }

    @Test(
        """
        Every kind of attention item says what happened and what to do, in words; money in its currency, not \
        minor units
        """
    )
    func attentionEveryKind() {
        let kinds = AttentionItem.Kind.allCases
        let items = kinds.enumerated().map { n, kind in
            AttentionItem(
                kind: kind, id: Int64(n + 1), partnerID: "krp", accountNumber: "A-1001", subject: "S-\(n)",
                detail: "why \(n)",
                amount: kind == .commissionDifference ? 1_250 : nil,
                currency: kind == .commissionDifference ? "CAD" : nil,
                when: "2026-11-20T10:00:00Z", eventKind: kind == .heldEvent ? "payment_collected" : nil)
        }
        let entries = DashboardPages.attention(items)
        #expect(entries.count == kinds.count)
        for (kind, entry) in zip(kinds, entries) {
            let what = entry["what"] as? String ?? "", advice = entry["advice"] as? String ?? ""
            #expect(!what.isEmpty && !advice.isEmpty && !what.contains("_"), "\(kind): \(entry)")
            #expect(entry["form"] != nil || entry["href"] != nil, "\(kind) offers an action or a page")
        }
        let commission = entries[kinds.firstIndex(of: .commissionDifference)!]["what"] as? String ?? ""
        #expect(commission.contains("12.50 CAD more commission"), "\(commission)")
    }
}
