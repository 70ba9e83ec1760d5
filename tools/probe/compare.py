#!/usr/bin/env python3
"""Compares the probe's findings on our library with libvirt's
(api/semantics.json): the ABI-wide bad-input sweep. Every function is called
with NULL handles, handles of the wrong class and read-only connections,
NULL and empty strings, negative and zero counts and unknown flags; the
API layer's answers must be libvirt's.

usage: tools/probe/compare.py OURS.json [REAL.json]; exit 1 on API-layer differences
"""
import json
import os
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

# answers the API layer gives before any driver is involved
API_KEYS = ["null_handle", "readonly_denied", "readonly_error", "nonnull_args", "negative_int", "zero_args",
            "closed_connection"]


def crashed(v):
    return isinstance(v, str) and v.startswith("crash")


def safer(fn, r, rv, ov):
    """Ours refuses a NULL where libvirt crashed, and otherwise agrees."""
    crashed_args = {c.split(":")[1] for c in (r.get("notes") or "").replace(",", " ").split()
                    if c.startswith("nonnull:")}
    extra = set(ov or {}) - set(rv or {})
    return all((ov or {}).get(k) == v for k, v in (rv or {}).items()) and extra <= crashed_args


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    ours = json.load(open(args[0]))
    real = json.load(open(args[1] if len(args) > 1 else os.path.join(ROOT, "api", "semantics.json")))
    known = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "known_differences.json")))
    calls = same = 0
    api_diffs, flag_diffs, crashes, known_seen = [], [], [], []
    for fn, r in sorted(real.items()):
        o = ours.get(fn)
        if o is None:
            api_diffs.append(f"{fn}: not probed on ours")
            continue
        for key in API_KEYS + ["bad_flags", "null_arg_other"]:
            rv, ov = r.get(key), o.get(key)
            if "crash" in json.dumps(rv):
                continue  # libvirt itself crashes here: nothing to match
            if ov is not None and "crash" in json.dumps(ov):
                crashes.append(f"{fn}.{key}: {json.dumps(ov)[:200]}")
            calls += 1
            if rv == ov:
                same += 1
            elif key == "nonnull_args" and safer(fn, r, rv, ov):
                same += 1
            elif f"{fn}.{key}" in known:
                known_seen.append(f"{fn}.{key}")
            elif key in API_KEYS:
                api_diffs.append(f"{fn}.{key}:\n    real {json.dumps(rv)[:300]}\n    ours {json.dumps(ov)[:300]}")
            else:
                flag_diffs.append(f"{fn}.{key}")
    print(f"sweep: {len(real)} functions, {calls} answers compared, {same} identical; "
          f"{len(api_diffs)} API-layer differences, {len(flag_diffs)} flag/driver-level differences, "
          f"{len(crashes)} crashes on ours")
    stale = sorted(set(known) - set(known_seen))
    print(f"  {len(known_seen)} known differences (tools/probe/known_differences.json)")
    for d in api_diffs + crashes:
        print(" ", d)
    for d in stale:
        print(f"  {d}: listed as a known difference but now agrees: remove it")
    if "-v" in sys.argv:
        for d in flag_diffs:
            print("  driver:", d)
    return 1 if api_diffs or crashes or stale else 0


if __name__ == "__main__":
    sys.exit(main())
