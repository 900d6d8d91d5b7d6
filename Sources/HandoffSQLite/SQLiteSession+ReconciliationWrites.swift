import Foundation
import GRDB
import HandoffDomain
import HandoffStore

// MARK: - What a chunk of events writes, each row bound directly

extension SQLiteSession {
    func appendLedgerEntries(_ entries: [NewLedgerEntry]) throws {
        guard !entries.isEmpty else { return }
        // One prepared insert run once per row, its values bound with SQLite's C API (cheaper
        // than a multi-row insert whose values GRDB boxes one by one, docs/benchmarks.md), each
        // row sealed into the ledger's chain as it is inserted.
        var sealed = try sealedLedgerRows()
        let insert = sealed == nil ? try direct("""
            INSERT INTO ledger_entries (customer_id, invoice_id, transaction_id, kind, amount, currency, effective_date,
                source_kind, source_name, source_line, source_event_id, recorded_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
            """) : nil
        var order: [Int64] = []
        var deltas: [Int64: Int64] = [:]
        for e in entries {
            if sealed != nil {
                try sealed!.append(
                    customerID: e.customerID, invoiceID: e.invoiceID, transactionID: e.transactionID,
                    kind: e.kind.rawValue,
                    amount: e.amount, currency: e.currency.code, effectiveDate: e.effectiveDate.iso,
                    sourceKind: e.source.kind.rawValue, sourceName: e.source.name,
                    sourceLine: e.source.line.map(Int64.init),
                    sourceEventID: e.source.eventID, recordedAt: now)
            } else if let insert {
                insert.bind(1, e.customerID)
                insert.bind(2, e.invoiceID)
                insert.bind(3, e.transactionID)
                insert.bind(4, e.kind.rawValue)
                insert.bind(5, e.amount)
                insert.bind(6, e.currency.code)
                insert.bind(7, e.effectiveDate.iso)
                insert.bind(8, e.source.kind.rawValue)
                insert.bind(9, e.source.name)
                insert.bind(10, e.source.line.map(Int64.init))
                insert.bind(11, e.source.eventID)
                insert.bind(12, now)
                try insert.execute()
            }
            if let delta = deltas[e.invoiceID] {
                let (sum, overflow) = delta.addingReportingOverflow(e.amount)
                guard !overflow else { throw DatabaseError(resultCode: .SQLITE_ERROR, message: "integer overflow") }
                deltas[e.invoiceID] = sum
            } else {
                deltas[e.invoiceID] = e.amount
                order.append(e.invoiceID)
            }
        }
        // Each invoice's balance moved once, by the sum of its entries.
        let update = try direct("UPDATE invoices SET balance = balance + ?1, updated_at = ?2 WHERE id = ?3")
        update.bind(2, now)
        for id in order {
            update.bind(1, deltas[id]!)
            update.bind(3, id)
            try update.execute()
            guard db.changesCount == 1 else { throw StoreError.corrupt("ledger entries for unknown invoice #\(id)") }
        }
    }

    func recordCommissions(_ commissions: [CommissionRecord]) throws {
        guard !commissions.isEmpty else { return }
        let insert = try direct("""
            INSERT INTO commissions (partner_id, customer_id, transaction_id, event_key, kind, base, \
            rate_ppm, expected, reported, currency, date,
                created_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
            """)
        insert.bind(12, now)
        for c in commissions {
            insert.bind(1, c.partnerID)
            insert.bind(2, c.customerID)
            insert.bind(3, c.transactionID)
            insert.bind(4, c.eventKey)
            insert.bind(5, c.kind)
            insert.bind(6, c.base)
            insert.bind(7, c.ratePPM)
            insert.bind(8, c.expected)
            insert.bind(9, c.reported)
            insert.bind(10, c.currency)
            insert.bind(11, c.date?.iso)
            try insert.execute()
        }
    }

    func recordAgencyEvents(_ events: [NewAgencyEvent]) throws {
        guard !events.isEmpty else { return }
        let insert = try direct("""
            INSERT INTO agency_events (partner_id, event_key, inbox_id, account_number, kind, payload, \
            state, reason, created_at, updated_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)
            ON CONFLICT (partner_id, event_key) DO UPDATE SET state = excluded.state, reason = excluded.reason, \
            updated_at = excluded.updated_at
            WHERE agency_events.state = 'waiting'
            """)
        insert.bind(9, now)
        for e in events {
            insert.bind(1, e.partnerID)
            insert.bind(2, e.key)
            insert.bind(3, e.inboxID)
            insert.bind(4, e.accountNumber)
            insert.bind(5, e.kind)
            insert.bind(6, e.payload)
            insert.bind(7, e.state.rawValue)
            insert.bind(8, e.reason)
            try insert.execute()
        }
    }
}
