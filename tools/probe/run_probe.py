#!/usr/bin/env python3
"""Generate, build and run the libvirt API probe, then write api/semantics.json.

usage: tools/probe/run_probe.py [--jobs N] [--no-run] [--summary]

  --no-run   reuse tools/probe/build/raw.tsv from a previous run
  --summary  print an overview of the observed error formats/fields
"""
import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
BUILD = os.path.join(HERE, "build")
RAW = os.path.join(BUILD, "raw.tsv")
OUT = os.path.join(ROOT, "api", "semantics.json")
LIBDIR = None  # run the probe on another build of libvirt.so.0 (--lib)

sys.path.insert(0, HERE)
import gen_probe  # noqa: E402

VIR_ERR_OPERATION_DENIED = 29
VIR_ERR_INVALID_ARG = 8

# objects the test driver cannot create; the probe builds them with libvirt's
# exported-but-private virGetXxx() constructors instead
FABRICATED = {
    "virNetworkPortPtr": "network port",
    "virSecretPtr": "secret",
    "virNWFilterPtr": "nwfilter",
    "virNWFilterBindingPtr": "nwfilter binding",
}


def build_and_run(jobs, runs):
    """Build once, run the whole probe `runs` times (raw.tsv, raw.2.tsv, ...)."""
    for n in range(runs):
        _build_and_run(jobs, RAW if n == 0 else RAW.replace(".tsv", f".{n + 1}.tsv"), build=(n == 0))


def _build_and_run(jobs, raw, build=True):
    os.makedirs(BUILD, exist_ok=True)
    if build:
        gen_probe.main()
    pc = subprocess.check_output(
        ["pkg-config", "--cflags", "--libs", "libvirt", "libvirt-qemu", "libvirt-lxc"],
        text=True).split()
    exe = os.path.join(BUILD, "probe")
    build and subprocess.check_call(["cc", "-O0", "-w", "-o", exe,
                           os.path.join(HERE, "probe_main.c"),
                           os.path.join(HERE, "probe_gen.c")] + pc)
    env = dict(os.environ)
    if LIBDIR:
        env["LD_LIBRARY_PATH"] = LIBDIR
    # virConnectOpen(NULL/"") must never wander off to a real hypervisor
    env["LIBVIRT_DEFAULT_URI"] = "test:///default"
    env.pop("LIBVIRT_LOG_OUTPUTS", None)
    env.pop("LIBVIRT_DEBUG", None)
    procs = []
    for i in range(jobs):
        fo = open(os.path.join(BUILD, f"raw.{i}.tsv"), "w")
        fe = open(os.path.join(BUILD, f"stderr.{i}.txt"), "w")
        # no ASLR: makes undefined-behaviour cases (e.g. reading past a
        # buffer) reproducible from run to run
        pre = ["setarch", os.uname().machine, "-R"] if shutil.which("setarch") else []
        procs.append((subprocess.Popen(pre + [exe, str(i), str(jobs)], stdout=fo, stderr=fe,
                                       stdin=subprocess.DEVNULL, env=env), fo, fe))
    for p, fo, fe in procs:
        p.wait()
        fo.close()
        fe.close()
        if p.returncode != 0:
            sys.exit(f"probe shard failed with {p.returncode}, see {BUILD}/stderr.*.txt")
    with open(raw, "w") as out:
        for i in range(jobs):
            path = os.path.join(BUILD, f"raw.{i}.tsv")
            with open(path) as f:
                out.write(f.read())
            os.unlink(path)


def unesc(s):
    if s == "\\N":
        return None
    return re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n", "\\": "\\"}.get(m.group(1), m.group(1)), s)


PTR_RE = re.compile(r"0x[0-9a-fA-F]{9,}")


SCRATCH_RE = re.compile(r"/tmp/libvirt-probe-\d+")


def norm(msg):
    """Strip run-dependent values from messages: pointers (ASLR) and the
    per-shard scratch directory used as cwd (shown as <cwd>)."""
    if not msg:
        return msg
    return SCRATCH_RE.sub("<cwd>", PTR_RE.sub("0x<ptr>", msg))


def parse_raw():
    """Parse every raw run; a case whose outcome differs between runs is
    recorded with status "unstable" (undefined behaviour in libvirt)."""
    runs = [parse_one(RAW)]
    n = 2
    while os.path.exists(RAW.replace(".tsv", f".{n}.tsv")):
        runs.append(parse_one(RAW.replace(".tsv", f".{n}.tsv")))
        n += 1
    res = runs[0]
    for other in runs[1:]:
        for fn, cases in res.items():
            for c, r in cases.items():
                r2 = other.get(fn, {}).get(c)
                if r.get("status") == "unstable":
                    outs = r["outcomes"]
                else:
                    outs = [outcome(r)]
                o2 = outcome(r2)
                if o2 not in outs:
                    cases[c] = {"status": "unstable", "outcomes": outs + [o2]}
    return res


def parse_one(path):
    res = collections.defaultdict(dict)
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            p = line.split("\t")
            fn, case, status = p[0], p[1], p[2]
            r = {"status": status}
            if status == "ok":
                r["retkind"], r["ret"] = p[3], int(p[4])
                r["errset"] = p[5] == "1"
                if r["errset"]:
                    r.update(code=int(p[6]), domain=int(p[7]), level=int(p[8]),
                             message=norm(unesc(p[9])), str1=norm(unesc(p[10])),
                             str2=norm(unesc(p[11])), str3=norm(unesc(p[12])),
                             int1=int(p[13]), int2=int(p[14]))
            res[fn][case] = r
    return res


def outcome(r):
    """Compact JSON-able description of one probe call."""
    if r is None:
        return None
    if r["status"] == "unstable":
        return {"unstable": r["outcomes"]}
    if r["status"] != "ok":
        return r["status"]          # "crash:<signal>", "hang", "exit:N"
    if not r["errset"]:
        return "accepted"
    return {"code": r["code"], "domain": r["domain"], "message": r["message"]}


def is_err(r, code=None):
    return r is not None and r["status"] == "ok" and r["errset"] and (code is None or r["code"] == code)


def is_nonnull_check(r, arg):
    return (is_err(r, VIR_ERR_INVALID_ARG) and r.get("str2") == arg
            and "must not be NULL" in (r["message"] or ""))


def analyse(fn, cases):
    args = fn["args"]
    kinds = [gen_probe.classify(a[0], a[1]) for a in args]
    first_handle = bool(args) and kinds[0] == "handle"
    has_handle = any(k in ("handle", "domarr") for k in kinds)
    has_flags = "flags" in kinds
    e = {}
    notes = []

    if first_handle:
        e["null_handle"] = outcome(cases.get("null_handle"))
        nv = outcome(cases.get("null_handle_v"))
        if nv != e["null_handle"]:
            e["null_handle_valid_args"] = nv
    else:
        e["null_handle"] = None
        e["zero_args"] = outcome(cases.get("zero_args"))

    # ---- read-only ----
    RO = ("ro_buf", "ro_x", "ro_x1", "ro_good")
    ro = [cases.get(c) for c in RO]
    if not has_handle:
        e["readonly_denied"] = None
    elif any(is_err(r, VIR_ERR_OPERATION_DENIED) for r in ro):
        e["readonly_denied"] = True
        r = next(r for r in ro if is_err(r, VIR_ERR_OPERATION_DENIED))
        e["readonly_error"] = outcome(r)
        if not all(is_err(r, VIR_ERR_OPERATION_DENIED) for r in ro):
            notes.append("read-only denial depends on argument values: "
                         + json.dumps({c: outcome(cases.get(c)) for c in RO}))
    elif any(r is not None and r["status"] == "ok" and not (r["errset"] and r["code"] == VIR_ERR_INVALID_ARG)
             for r in ro):
        e["readonly_denied"] = False
    else:
        e["readonly_denied"] = None
        notes.append("read-only behaviour unknown: " + json.dumps({c: outcome(cases.get(c)) for c in RO}))
    if has_handle and has_flags and e["readonly_denied"] is False:
        bits = sorted(int(c.split(":")[1]) for c, r in cases.items()
                      if c.startswith("ro_flagbit:") and is_err(r, VIR_ERR_OPERATION_DENIED))
        if bits:
            e["readonly_denied_flags"] = {"mask": hex(sum(1 << b for b in bits)),
                                          "message": cases[f"ro_flagbit:{bits[0]}"]["message"]}
    if has_handle:
        e["readonly_call"] = outcome(cases.get("ro_good")) if not e.get("readonly_denied") else None
        if e["readonly_call"] is None:
            del e["readonly_call"]

    # ---- handles whose connection the application closed ----
    if first_handle:
        closed, opened = outcome(cases.get("closed_good")), outcome(cases.get("rw_good"))
        e["closed_connection"] = "as open" if closed == opened else closed

    # ---- NULL pointer arguments ----
    nn, detail, cond = {}, {}, []
    for i, (name, t) in enumerate(args):
        if kinds[i] not in ("handle", "cstr", "strarr", "domarr", "cb", "ptr"):
            continue
        if i == 0 and first_handle:
            continue
        r0, r1 = cases.get(f"nonnull:{name}:0"), cases.get(f"nonnull:{name}:1")
        if is_nonnull_check(r0, name) or is_nonnull_check(r1, name):
            nn[name] = (r0 if is_nonnull_check(r0, name) else r1)["message"]
            if not is_nonnull_check(r0, name):
                cond.append(name)
                detail[name] = {"count0": outcome(r0), "count1": outcome(r1)}
        else:
            o0, o1 = outcome(r0), outcome(r1)
            detail[name] = o0 if o0 == o1 else {"count0": o0, "count1": o1}
    e["nonnull_args"] = nn
    if cond:
        e["nonnull_needs_count"] = cond
    if detail:
        e["null_arg_other"] = detail

    # ---- negative signed ints ----
    neg = {}
    for i, (name, t) in enumerate(args):
        if kinds[i] == "int" and t in gen_probe.SIGNED_INT_TYPES:
            neg[name] = outcome(cases.get(f"neg:{name}"))
    if neg:
        e["negative_int"] = neg

    # ---- unknown flags ----
    if has_flags:
        variants = [cases.get(c) for c in ("bad_flags", "bad_flags1", "bad_flags_good")]
        hit = [r for r in variants if is_err(r) and "unsupported flags" in (r["message"] or "")]
        if hit:
            o = outcome(hit[0])
            m = re.search(r"unsupported flags \(0x[0-9a-f]+\) in function (\w+)", o["message"])
            o["rejected_by"] = ("api" if m and m.group(1) == fn["name"]
                                else "driver:" + m.group(1) if m else None)
            e["bad_flags"] = o
        else:
            os_ = [outcome(r) for r in variants]
            e["bad_flags"] = os_[2] if os_[2] is not None else os_[0]
            if len({json.dumps(x, sort_keys=True) for x in os_}) > 1:
                e["bad_flags_variants"] = dict(zip(("count0", "count1", "good_strings"), os_))
    else:
        e["bad_flags"] = None

    # ---- notes ----
    fab = sorted({FABRICATED[t] for _, t in args if t in FABRICATED})
    if fab:
        notes.append("test driver lacks " + ", ".join(fab)
                     + " objects; probe used a handle built with libvirt's private virGet* constructor")
    if any(t == "virDomainCheckpointPtr" for _, t in args):
        notes.append("checkpoint belongs to extra domain 'probecpdom' (test driver forbids checkpoints next to snapshots)")
    crashed = sorted(c for c, r in cases.items() if r["status"].startswith("crash"))
    hung = sorted(c for c, r in cases.items() if r["status"] == "hang")
    if crashed:
        notes.append("real libvirt crashed in cases: " + ", ".join(crashed))
    unstable = sorted(c for c, r in cases.items() if r["status"] == "unstable")
    if unstable:
        notes.append("outcome differs between runs (undefined behaviour) in cases: " + ", ".join(unstable))
    if hung:
        notes.append("real libvirt hung (>5s) in cases: " + ", ".join(hung))
    e["notes"] = "; ".join(notes)
    return e


def summary(fns, res, sem):
    print(f"functions probed: {len(sem)}")
    print(f"probe calls: {sum(len(v) for v in res.values())}")
    print("readonly_denied:", collections.Counter(str(v['readonly_denied']) for v in sem.values()))
    print("readonly_denied_flags:", sum(1 for v in sem.values() if 'readonly_denied_flags' in v))
    cr = sorted({fn for fn, cs in res.items() for c, r in cs.items() if r['status'].startswith('crash')
                 or (r['status'] == 'unstable' and any(str(o).startswith('crash') for o in r['outcomes']))})
    us = sorted({fn for fn, cs in res.items() for c, r in cs.items() if r['status'] == 'unstable'})
    print(f"functions with run-to-run unstable outcome ({len(us)}):", " ".join(us))
    hg = sorted({fn for fn, cs in res.items() for c, r in cs.items() if r['status'] == 'hang'})
    print(f"functions with a crash in some case ({len(cr)}):", " ".join(cr))
    print(f"functions with a hang in some case ({len(hg)}):", " ".join(hg))
    nhc = sorted(fn for fn, v in sem.items() if isinstance(v['null_handle'], str))
    print("null_handle crash/hang/accepted:", nhc)
    # message formats and error fields per kind of error
    kinds = collections.defaultdict(collections.Counter)
    examples = {}
    for fn, cs in res.items():
        for c, r in cs.items():
            if not is_err(r) or (c.startswith("ro_flagbit:") and r["code"] != VIR_ERR_OPERATION_DENIED):
                continue
            msg = r["message"]
            if c == "null_handle":
                k = "null_handle"
            elif r["code"] == VIR_ERR_OPERATION_DENIED:
                k = "readonly"
            elif "must not be NULL" in msg:
                k = "nonnull"
            elif "unsupported flags" in msg:
                k = "bad_flags(api)" if msg.endswith(" " + fn) else "bad_flags(driver)"
            elif c.startswith("neg:"):
                k = "negative"
            else:
                continue
            tmpl = re.sub(r"\bvir\w+|\btest\w+", "FN", msg)
            sig = (r["code"], r["domain"], r["level"], tmpl,
                   "str1=" + repr(r["str1"] if r["str1"] is None else re.sub(r"\bvir\w+|\btest\w+", "FN", r["str1"])),
                   "str2=" + repr(r["str2"] if r["str2"] is None else re.sub(r"\bvir\w+|\btest\w+", "FN", r["str2"])),
                   "str3=" + repr(r["str3"]), f"int1={r['int1']}", f"int2={r['int2']}")
            kinds[k][sig] += 1
            examples.setdefault((k, sig), f"{fn}/{c}")
    for k in sorted(kinds):
        print(f"== {k}")
        for sig, n in kinds[k].most_common(12):
            print(f"  {n:4d}  {sig}  e.g. {examples[(k, sig)]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=6)
    ap.add_argument("--runs", type=int, default=2, help="full runs to compare for stability")
    ap.add_argument("--no-run", action="store_true")
    ap.add_argument("--summary", action="store_true")
    ap.add_argument("--lib", help="run on the libvirt.so.0 in this directory (e.g. build/lib)")
    ap.add_argument("--out", help="write the results here instead of api/semantics.json")
    a = ap.parse_args()
    global LIBDIR, OUT, BUILD, RAW
    if a.lib:
        LIBDIR = os.path.abspath(a.lib)
        BUILD = os.path.join(HERE, "build", "other")
        RAW = os.path.join(BUILD, "raw.tsv")
    if a.out:
        OUT = os.path.abspath(a.out)
    if not a.no_run:
        build_and_run(a.jobs, a.runs)
    res = parse_raw()
    fns = gen_probe.load_functions()
    sem = {}
    for fn in sorted(fns, key=lambda f: f["name"]):
        if fn["name"] not in res:
            print("missing results for", fn["name"], file=sys.stderr)
            continue
        sem[fn["name"]] = analyse(fn, res[fn["name"]])
    with open(OUT, "w") as f:
        f.write("{\n")
        items = list(sem.items())
        for i, (k, v) in enumerate(items):
            f.write(f"  {json.dumps(k)}: {json.dumps(v, sort_keys=True, ensure_ascii=False)}")
            f.write(",\n" if i + 1 < len(items) else "\n")
        f.write("}\n")
    print(f"wrote {OUT} ({len(sem)} functions)", file=sys.stderr)
    if a.summary:
        summary(fns, res, sem)


if __name__ == "__main__":
    main()
