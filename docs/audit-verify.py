#!/usr/bin/env python3
"""Checks an export of Handoff's audit chains (`handoff audit export`) without Handoff.

Each line is {"chain", "seq", "prev_hash", "hash", "row"}. A row's hash is SHA-256 over its
prev_hash (64 hex digits) followed by the row as canonical JSON (keys sorted, no spaces,
UTF-8), and each row's prev_hash is the hash of the line before it in the same chain.

    python3 audit-verify.py export.jsonl [--anchor CHAIN:ROWS:HASH ...]

Prints one line per chain and exits 0 when every row checks, 1 at the first that does not.
"""
import hashlib
import json
import sys


def canonical(row):
    return json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    anchors = {}
    args = argv[2:]
    while args:
        if args[0] != "--anchor" or len(args) < 2:
            print("usage: audit-verify.py FILE [--anchor CHAIN:ROWS:HASH ...]", file=sys.stderr)
            return 2
        chain, rows, digest = args[1].split(":")
        anchors[(chain, int(rows))] = digest
        args = args[2:]
    last = {}  # chain -> (seq, hash)
    with open(argv[1], encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            entry = json.loads(line)
            chain, seq = entry["chain"], entry["seq"]
            digest = hashlib.sha256((entry["prev_hash"] + canonical(entry["row"])).encode("utf-8")).hexdigest()
            if digest != entry["hash"]:
                print(f"line {number}: {chain} row {entry['row'].get('id')} (place {seq}) does not match its hash: changed")
                return 1
            if chain in last and last[chain][0] + 1 == seq and last[chain][1] != entry["prev_hash"]:
                print(f"line {number}: {chain} place {seq} does not link to the line before it")
                return 1
            if chain in last and last[chain][0] >= seq:
                print(f"line {number}: {chain} place {seq} comes after place {last[chain][0]}: out of order")
                return 1
            expected = anchors.get((chain, seq))
            if expected is not None and expected != digest:
                print(f"line {number}: {chain} place {seq} has hash {digest}, not the anchor's {expected}")
                return 1
            last[chain] = (seq, digest)
    for chain, (seq, digest) in sorted(last.items()):
        print(f"{chain}: ok through place {seq}, head {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
