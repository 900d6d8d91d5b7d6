#!/usr/bin/env python3
"""Writes the TOML conformance fixtures from cases.py: valid/NAME.toml with the value Python's
tomllib (3.11+, TOML 1.0.0) reads in valid/NAME.json, and invalid/NAME.toml for text it refuses.

Handoff departs from tomllib in two documented ways, both applied here: a leading byte order
mark is skipped, and an integer beyond 64 bits is refused (TOML 1.0.0 lets a parser refuse
what it cannot hold losslessly), so such a case is filed under invalid/.

JSON is that of the toml-test suite: each value {"type": T, "value": TEXT}, T one of string,
integer, float, bool, datetime, datetime-local, date-local, time-local; tables are objects
and arrays lists. Run from this folder: python3 generate.py
"""
import datetime, json, math, os, shutil, sys, tomllib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cases import CASES


class TooLarge(Exception):
    pass


def tagged(v):
    if isinstance(v, bool):
        return {"type": "bool", "value": "true" if v else "false"}
    if isinstance(v, int):
        if not -2**63 <= v < 2**63:
            raise TooLarge
        return {"type": "integer", "value": str(v)}
    if isinstance(v, float):
        return {"type": "float", "value": "nan" if math.isnan(v) else repr(v)}
    if isinstance(v, str):
        return {"type": "string", "value": v}
    if isinstance(v, datetime.datetime):
        return {"type": "datetime" if v.tzinfo else "datetime-local", "value": v.isoformat()}
    if isinstance(v, datetime.date):
        return {"type": "date-local", "value": v.isoformat()}
    if isinstance(v, datetime.time):
        return {"type": "time-local", "value": v.isoformat()}
    if isinstance(v, list):
        return [tagged(x) for x in v]
    return {k: tagged(x) for k, x in v.items()}


here = os.path.dirname(os.path.abspath(__file__))
for kind in ("valid", "invalid"):
    shutil.rmtree(os.path.join(here, kind), ignore_errors=True)
    os.makedirs(os.path.join(here, kind))
counts = {"valid": 0, "invalid": 0}
for name, text in sorted(CASES.items()):
    try:
        expected = tagged(tomllib.loads(text.removeprefix("\ufeff")))
        kind = "valid"
    except (tomllib.TOMLDecodeError, TooLarge):
        kind = "invalid"
    counts[kind] += 1
    with open(os.path.join(here, kind, name + ".toml"), "wb") as f:
        f.write(text.encode("utf-8"))
    if kind == "valid":
        with open(os.path.join(here, kind, name + ".json"), "w", encoding="utf-8") as f:
            json.dump(expected, f, ensure_ascii=False, indent=1, sort_keys=True)
            f.write("\n")
print(counts)
