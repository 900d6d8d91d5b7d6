import HandoffDomain
import HandoffStore

// MARK: - What a chunk of events writes, a few statements for all of it

extension PostgresSession {
    func updatePlacements(_ changes: [PlacementChange]) throws {
        let rows = PlacementChange.stored(changes)
        guard !rows.isEmpty else { return }
        // One row per placement, as its changes in order leave it: an UPDATE … FROM that met a
        // placement twice would apply one of its rows, chosen by the server.
        try db.cachedStatement(sql: """
            UPDATE placements p SET state = r.state, state_reason = COALESCE(r.reason, p.state_reason), \
            agency_reference = COALESCE(r.reference, p.agency_reference), \
            agency_status = COALESCE(r.status, p.agency_status), updated_at = ?6
            FROM unnest(?1::bigint[], ?2::text[], ?3::text[], ?4::text[], ?5::text[]) \
                AS r(id, state, reason, reference, status)
            WHERE p.id = r.id
            """).execute(arguments: [
            pgArray(rows.map(\.placementID)), pgArray(rows.map(\.state)), pgArray(rows.map(\.reason)),
            pgArray(rows.map(\.agencyReference)), pgArray(rows.map(\.agencyStatus)), now,
        ])
    }

    func recordPlacementStatuses(_ statuses: [ReportedStatus]) throws {
        guard !statuses.isEmpty else { return }
        // A repeat of a placement's event key, in the list or recorded before, is kept once.
        try db.cachedStatement(sql: """
            INSERT INTO placement_statuses (placement_id, date, code, meaning, event_key, created_at)
            SELECT r.placement_id, r.date, r.code, r.meaning, r.event_key, ?6
            FROM unnest(?1::bigint[], ?2::date[], ?3::text[], ?4::text[], ?5::text[])
                WITH ORDINALITY AS r(placement_id, date, code, meaning, event_key, n)
            ORDER BY r.n
            ON CONFLICT (placement_id, event_key) DO NOTHING
            """).execute(arguments: [
            pgArray(statuses.map(\.placementID)), pgArray(statuses.map(\.date.iso)), pgArray(statuses.map(\.code)),
            pgArray(statuses.map(\.meaning.rawValue)), pgArray(statuses.map(\.eventKey)), now,
        ])
    }

    func appendLedgerEntries(_ entries: [NewLedgerEntry]) throws {
        guard !entries.isEmpty else { return }
        // The rows are written sealed, with the next ones held back (``flushLedger()``).
        for entry in entries { try holdBack(entry) }
        // Each invoice's balance moved once, by the sum of its entries, added up by PostgreSQL
        // (as numeric): a sum beyond bigint is the server's refusal (22003), never a trap here.
        let invoices = Set(entries.map(\.invoiceID)).count
        try db.cachedStatement(sql: """
            UPDATE invoices SET balance = balance + d.delta, updated_at = ?
            FROM (SELECT e.id, SUM(e.amount) AS delta FROM unnest(?::bigint[], ?::bigint[]) AS e(id, amount)
                  GROUP BY e.id) d
            WHERE invoices.id = d.id
            """).execute(arguments: [now, pgArray(entries.map(\.invoiceID)), pgArray(entries.map(\.amount))])
        guard db.changesCount == invoices else { throw PostgresError.unexpected("ledger entries for unknown invoices") }
    }

    func recordCommissions(_ commissions: [CommissionRecord]) throws {
        guard !commissions.isEmpty else { return }
        // One statement for the chunk, in order (a commission has no key of its own to conflict on).
        try db.cachedStatement(sql: """
            INSERT INTO commissions (partner_id, customer_id, transaction_id, event_key, kind, base, \
            rate_ppm, expected, reported, currency, date, created_at)
            SELECT r.partner_id, r.customer_id, r.transaction_id, r.event_key, r.kind, r.base, r.rate_ppm, \
            r.expected, r.reported, r.currency, r.date, ?12
            FROM unnest(?1::text[], ?2::bigint[], ?3::bigint[], ?4::text[], ?5::text[], ?6::bigint[], ?7::bigint[], \
            ?8::bigint[], ?9::bigint[], ?10::text[], ?11::date[])
                WITH ORDINALITY AS r(partner_id, customer_id, transaction_id, event_key, kind, base, rate_ppm, \
            expected, reported, currency, date, n)
            ORDER BY r.n
            """).execute(arguments: [
            pgArray(commissions.map(\.partnerID)), pgArray(commissions.map(\.customerID)),
            pgArray(commissions.map(\.transactionID)), pgArray(commissions.map(\.eventKey)),
            pgArray(commissions.map(\.kind)), pgArray(commissions.map(\.base)), pgArray(commissions.map(\.ratePPM)),
            pgArray(commissions.map(\.expected)), pgArray(commissions.map(\.reported)),
            pgArray(commissions.map(\.currency)), pgArray(commissions.map { $0.date?.iso }), now,
        ])
        guard db.changesCount == commissions.count else {
            throw PostgresError.unexpected("\(db.changesCount) commissions recorded of \(commissions.count)")
        }
    }

    func recordAgencyEvents(_ events: [NewAgencyEvent]) throws {
        // One statement per run of events in which no key comes twice: an `ON CONFLICT DO
        // UPDATE` may not meet one row twice, and the second record of a key must see the first.
        struct Key: Hashable {
            var partnerID: ExactText
            var key: ExactText
        }
        var start = 0
        while start < events.count {
            var keys = Set<Key>()
            var end = start
            while end < events.count,
                keys.insert(Key(partnerID: ExactText(events[end].partnerID), key: ExactText(events[end].key))).inserted
            {
                end += 1
            }
            try insertAgencyEvents(events[start..<end])
            start = end
        }
    }

    /// Records events whose keys all differ, in order; each replaces only a `waiting` event with its key.
    private func insertAgencyEvents(_ events: ArraySlice<NewAgencyEvent>) throws {
        try db.cachedStatement(sql: """
            INSERT INTO agency_events (partner_id, event_key, inbox_id, account_number, kind, payload, \
            state, reason, created_at, updated_at)
            SELECT r.partner_id, r.event_key, r.inbox_id, r.account_number, r.kind, r.payload, r.state, r.reason, \
            ?9, ?9
            FROM unnest(?1::text[], ?2::text[], ?3::bigint[], ?4::text[], ?5::text[], ?6::text[], ?7::text[], \
            ?8::text[])
                WITH ORDINALITY AS r(partner_id, event_key, inbox_id, account_number, kind, payload, state, reason, n)
            ORDER BY r.n
            ON CONFLICT (partner_id, event_key) DO UPDATE SET state = excluded.state, reason = excluded.reason, \
            updated_at = excluded.updated_at
            WHERE agency_events.state = 'waiting'
            """).execute(arguments: [
            pgArray(events.map(\.partnerID)), pgArray(events.map(\.key)), pgArray(events.map(\.inboxID)),
            pgArray(events.map(\.accountNumber)), pgArray(events.map(\.kind)), pgArray(events.map(\.payload)),
            pgArray(events.map(\.state.rawValue)), pgArray(events.map(\.reason)), now,
        ])
    }
}
