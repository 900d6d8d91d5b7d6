#!/usr/bin/env python3
"""The floor of a reconciliation on SQLite: prints an SQL script for the sqlite3 CLI that writes
the rows a reconciliation of Keystone's activity files writes (a transaction per payment or
reversal, a ledger row for each, the invoices' balances, a commission per payment, a status
row per status, an event record with its JSON payload per line, the placements), by SQLite
alone, set-based, one transaction per file as Handoff commits, with foreign keys on and
Handoff's page cache. It does not decide anything (each payment goes on the account's first
placed invoice, a random hash stands for the chain's SHA-256), so it writes about 9 rows in 10
of what Handoff writes. docs/benchmarks.md ("What a reconciliation costs per event") says why.

Usage, on a bench folder kept by `scripts/bench --keep` (SIZE is its size, e.g. n100000):
    python3 scripts/bench-support/reconcile-floor.py BENCH/SIZE > floor.sql
    cp -a BENCH/SIZE/inst-before-reconcile floor-inst
    /usr/bin/time -v sqlite3 floor-inst/var/handoff.sqlite < floor.sql
"""
import glob, os, sys
B = sys.argv[1]
files = sorted(glob.glob(B + '/returns/KRP_ACT_*.csv'))
now = "'2026-12-03T20:00:00Z'"
P = "'keystone-recovery'"
out = ['.bail on', 'PRAGMA foreign_keys = ON;', 'PRAGMA cache_size = -32768;',
 "CREATE TEMP TABLE stage (record_type TEXT, account_number TEXT, krp_reference TEXT, activity_date TEXT, invoice_number TEXT, amount TEXT, commission TEXT, net TEXT, status_code TEXT, transaction_id TEXT, original_transaction_id TEXT, note TEXT);",
 "CREATE TEMP TABLE act AS SELECT *, '' AS file, 0 AS line FROM stage WHERE 0;",
 "CREATE TEMP TABLE last_t (v INTEGER); INSERT INTO last_t SELECT max(id) FROM transactions;"]
for f in files:
    name = os.path.basename(f)
    out += ['DELETE FROM stage;', f".import --csv --skip 1 {f} stage",
            f"INSERT INTO act SELECT *, '{name}', rowid + 1 FROM stage;"]
for f in files:
    name = os.path.basename(f)
    F = f"a.file = '{name}'"
    out += ['BEGIN;',
    # transactions: payments, then reversals (their payment by reference)
    f"""INSERT INTO transactions (reference, customer_id, invoice_number, date, kind, amount, reverses_id, source_kind, source_name, source_line, recorded_at)
      SELECT {P} || ':' || a.transaction_id, c.id, NULL, a.activity_date, CASE a.record_type WHEN 'PMT' THEN 'payment' ELSE 'reversal' END,
             CAST(round(a.amount * 100) AS INTEGER),
             CASE a.record_type WHEN 'REV' THEN (SELECT t.id FROM transactions t WHERE t.reference = {P} || ':' || a.original_transaction_id) END,
             'agency', a.file, a.line, {now}
      FROM act a JOIN customers c ON c.account_number = a.account_number
      WHERE {F} AND a.record_type IN ('PMT', 'REV') ORDER BY a.line;""",
    "CREATE TEMP TABLE new_t AS SELECT id, customer_id, kind, amount, date, source_name, source_line FROM transactions WHERE id > (SELECT v FROM last_t);",
    "CREATE INDEX temp.new_t_line ON new_t (source_line);",
    "UPDATE last_t SET v = (SELECT max(id) FROM transactions);",
    # one ledger row per transaction, on the account's first placed invoice, sealed (a random hash for SHA-256)
    f"""INSERT INTO ledger_entries (customer_id, invoice_id, transaction_id, kind, amount, currency, effective_date, source_kind, source_name, source_line, source_event_id, recorded_at, chain_seq, chain_hash)
      SELECT t.customer_id, (SELECT min(pi.invoice_id) FROM placement_invoices pi JOIN placements p ON p.id = pi.placement_id WHERE p.customer_id = t.customer_id),
             t.id, t.kind, CASE t.kind WHEN 'payment' THEN -t.amount ELSE t.amount END, 'USD', t.date, 'agency', t.source_name, t.source_line, NULL, {now},
             (SELECT max(chain_seq) FROM ledger_entries) + row_number() OVER (ORDER BY t.id), lower(hex(randomblob(32)))
      FROM new_t t ORDER BY t.id;""",
    f"""UPDATE invoices SET balance = max(0, invoices.balance + d.delta), updated_at = {now}
      FROM (SELECT l.invoice_id, sum(l.amount) AS delta FROM ledger_entries l JOIN new_t t ON t.id = l.transaction_id GROUP BY l.invoice_id) d
      WHERE invoices.id = d.invoice_id;""",
    f"""INSERT INTO commissions (partner_id, customer_id, transaction_id, event_key, kind, base, rate_ppm, expected, reported, currency, date, created_at)
      SELECT {P}, t.customer_id, t.id, 'payment:' || a.transaction_id, 'collection', t.amount, 350000, t.amount * 35 / 100,
             CAST(round(a.commission * 100) AS INTEGER), 'USD', a.activity_date, {now}
      FROM act a JOIN new_t t ON t.source_line = a.line AND t.source_name = a.file WHERE {F} AND a.record_type = 'PMT';""",
    # each status with its placement
    f"""INSERT INTO placement_statuses (placement_id, date, code, meaning, event_key, created_at)
      SELECT (SELECT max(p.id) FROM placements p WHERE p.customer_id = c.id AND p.partner_id = {P}), a.activity_date, coalesce(a.status_code, a.record_type), 'status',
             'status:' || a.file || ':' || a.line, {now}
      FROM act a JOIN customers c ON c.account_number = a.account_number WHERE {F} AND a.record_type IN ('STS', 'CLS');""",
    # every event recorded with its payload
    f"""INSERT INTO agency_events (partner_id, event_key, inbox_id, account_number, kind, payload, state, reason, created_at, updated_at)
      SELECT {P}, CASE a.record_type WHEN 'PMT' THEN 'payment:' || a.transaction_id WHEN 'REV' THEN 'reversal:' || a.transaction_id
                  ELSE lower(hex(randomblob(32))) || ':' || a.line END,
             1, a.account_number, lower(a.record_type),
             json_object('event', json_object('partnerID', {P}, 'accountNumber', a.account_number, 'date', a.activity_date,
                 'kind', json_object(a.record_type, json_object('paymentID', a.transaction_id, 'gross', a.amount, 'commission', a.commission, 'net', a.net,
                 'invoices', a.invoice_number, 'status', a.status_code)), 'key', a.record_type || ':' || a.transaction_id),
                 'source', json_object('kind', 'agency', 'name', a.file, 'line', a.line)),
             'applied', NULL, {now}, {now}
      FROM act a WHERE {F} ORDER BY a.line;""",
    # the placements: balance, last status, closed
    f"""UPDATE placements SET balance = max(0, placements.balance - s.collected), agency_status = coalesce(s.status, placements.agency_status), updated_at = {now}
      FROM (SELECT c.id AS customer_id,
                   sum(CASE a.record_type WHEN 'PMT' THEN CAST(round(a.amount * 100) AS INTEGER) WHEN 'REV' THEN -CAST(round(a.amount * 100) AS INTEGER) ELSE 0 END) AS collected,
                   max(a.status_code) AS status
            FROM act a JOIN customers c ON c.account_number = a.account_number WHERE {F} GROUP BY c.id) s
      WHERE placements.customer_id = s.customer_id AND placements.partner_id = {P};""",
    'DROP TABLE new_t;',
    'COMMIT;']
out += ["SELECT 'events', count(*) FROM agency_events; SELECT 'ledger', count(*) FROM ledger_entries; SELECT 'transactions', count(*) FROM transactions; SELECT 'commissions', count(*) FROM commissions; SELECT 'statuses', count(*) FROM placement_statuses;"]
sys.stdout.write('\n'.join(out) + '\n')
