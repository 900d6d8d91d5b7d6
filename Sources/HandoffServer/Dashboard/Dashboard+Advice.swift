import Foundation

/// What a person should do about a file or event that did not go through: the dashboard shows
/// this beside the error itself, in words for the business owner.
enum Advice {
    /// For a transfer in the outbox, by its state and last error.
    static func outbox(id: Int64, partner: String, state: String, error: String?, notBefore: Int64?) -> String {
        let e = (error ?? "").lowercased()
        switch state {
        case "staged": return "Waiting for the next send job. Press “Send now” to send it at once."
        case "sending":
            return
                "Being sent now, or a send was cut off; the next send job checks the agency’s server before sending "
                + "again, so it is never sent twice."
        case "sent": return "Delivered; waiting for the agency’s confirmation (its acknowledgement or receipt)."
        case "confirmed": return "Nothing to do: the agency has it."
        case "retry_later":
            let when = notBefore.map { Self.time($0) } ?? "shortly"
            return
                "A passing failure. Handoff tries again by itself after \(when); nothing to do unless it keeps failing."
        default:
            // The transport's own labels first: they say what happened, whatever words follow.
            if e.hasPrefix("conflict:") {
                return
                    "A different file of that name is already on \(partner)’s server, so Handoff did not count it as "
                    + "delivered. Ask \(partner) whose file it is; once they have moved it away, press Retry."
            }
            if e.hasPrefix("permission:") {
                return
                    "\(partner)’s server let Handoff log in but refused to write or delete in its folder. "
                    + "Ask \(partner) to fix the folder’s permissions, then press Retry."
            }
            // A passing failure (a full disk, a time-out) ends here only once every attempt has
            // failed: Handoff has stopped trying, so the advice says what to check before Retry.
            if e.hasPrefix("no_space:") {
                return
                    "This machine’s disk was full on every attempt, and Handoff has stopped trying. "
                    + "Free space on it (the path is in the error), then press Retry."
            }
            if e.hasPrefix("timed_out:") {
                return
                    "\(partner)’s server did not answer in time on any attempt, and Handoff has stopped trying. "
                    + "Check with \(partner) that its server is up (and the timeout in partners/\(partner).toml), "
                    + "then press Retry."
            }
            if e.contains("host key") || e.contains("fingerprint") {
                return
                    "The agency’s server showed a host key that does not match the one pinned for \(partner). "
                    + "Confirm the new key with the agency by phone, update the known-hosts file named in "
                    + "partners/\(partner).toml, then press Retry."
            }
            if e.contains("certificate") || e.contains("ssl") || e.contains("tls") {
                return
                    "The secure connection to \(partner) failed its certificate check. "
                    + "Check the CA, client certificate and key files named in partners/\(partner).toml (and their "
                    + "expiry), then press Retry."
            }
            if e.contains("auth") || e.contains("denied") || e.contains("401") || e.contains("403")
                || e.contains("password")
            {
                return
                    "\(partner) refused Handoff’s credentials. Check the key or secret files named in "
                    + "partners/\(partner).toml with the agency, then press Retry."
            }
            if e.contains("encrypt") || e.contains("gnupg") || e.hasPrefix("gpg") {
                return
                    "The file could not be encrypted for \(partner). Check the agency’s public key and Handoff’s "
                    + "signing key in the keyring named in partners/\(partner).toml, then press Retry."
            }
            return
                "Sending failed for good. Fix the cause shown, then press Retry (or run `handoff outbox retry \(id)`)."
        }
    }

    /// For a file taken in from an agency, by its state.
    static func inbox(partner: String, name: String, state: String, reason: String?) -> String? {
        switch state {
        case "quarantined":
            return
                "Handoff kept the file as received but could not use it, and nothing from it was applied. "
                + "Ask \(partner) to send a corrected file under a new name (a file named “\(name)” again, "
                + "with other content, would be held as a conflict); the new file is taken in by the next fetch."
        case "held":
            return
                "An earlier file had the same name with other content. Compare the two in the archive and "
                + "ask \(partner) which is right; nothing from this one was applied. "
                + "If this one is right, ask \(partner) to send it again under a new name."
        default:
            return nil
        }
    }

    /// For an agency event that was not applied.
    /// Whether a held event is one only a person settles (a conflict, an overpayment): it can be
    /// dismissed, never retried.
    static func settledByAPerson(_ kind: String?) -> Bool { kind == "conflict" || kind == "overpayment" }

    static func event(partner: String, state: String, reason: String?, kind: String? = nil) -> String {
        switch (state, kind) {
        case ("held", "conflict"?):
            return
                "\(partner) sent two different versions of the same transaction; nothing of the second was booked. "
                + "Ask \(partner) which is right, correct it with them, then Dismiss this one with what they said."
        case ("held", "overpayment"?):
            return
                "\(partner) collected more than the invoices placed with it owed; the rest was not booked. "
                + "Refund it, or import it as a payment on the right invoice, then Dismiss this one with what you did."
        case ("waiting", _):
            return "A reversal that arrived before its payment. It is applied by itself when the payment arrives."
        default:
            return
                "Not applied; nothing was booked. Fix what the reason names (import the account, "
                + "clear a rejection…) and press Retry, or Dismiss it with a reason if it should never apply."
        }
    }

    static func time(_ epochSeconds: Int64) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return f.string(from: Date(timeIntervalSince1970: TimeInterval(epochSeconds)))
    }
}
