#!/usr/bin/env python3
"""Runs bench.c against two libvirt.so.0 builds, alternately, and reports.

compare mode: ours (LD_LIBRARY_PATH=<ours>) against the system's real
libvirt (empty LD_LIBRARY_PATH).  noise mode: the real library against
itself, to show how much two identical runs differ here.

Every workload runs in its own process (so its peak RSS is its own); the
scaling workloads share one process per population size.  Each round runs
every process once per library, the two libraries interleaved and their
order swapped every round; the report takes medians over rounds.
Writes <out>/results.{json,md} (noise mode: noise.{json,md}) and prints the table.
"""
import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time

# "flat" allows 2x: even a hash table slows down once 100k entries leave the
# caches (real libvirt's lookups grow 1.3-1.9x from 1k to 100k here)
TARGET_RATIO, TARGET_GEOMEAN, TARGET_RSS, TARGET_FLAT = 3.0, 5.0, 0.5, 2.0
# through libvirtd the daemon bounds the total: the client's CPU per call at
# most half of libvirt's client (CPU ratio >= 2) and at least its round trips/s
TARGET_RPC_CPU, TARGET_RPC_WALL = 2.0, 1.0
MAIN_SIZE = 10000


def run_process(bench, libdir, args, timeout=None):
    """The JSON lines of one run; a crash or a hang becomes a "crashed" line."""
    env = dict(os.environ, LD_LIBRARY_PATH=libdir)
    try:
        p = subprocess.run([bench, *args], env=env, capture_output=True, text=True, timeout=timeout)
        out, err, rc = p.stdout, p.stderr, p.returncode
    except subprocess.TimeoutExpired as e:
        out, err, rc = (e.stdout or b"").decode(), (e.stderr or b"").decode(), "timeout"
    lines = [json.loads(l) for l in out.splitlines() if l.startswith("{") and l.endswith("}")]
    if rc != 0:
        print(f"bench {' '.join(args)} (LD_LIBRARY_PATH={libdir!r}) failed ({rc}):\n{err}", file=sys.stderr)
        lines.append({"crashed": f"exit {rc}"})
    return lines


def check_library(lines, libdir, label):
    path = next((l["library"] for l in lines if "library" in l), None)
    if path is None:
        return None
    ours = bool(libdir) and os.path.realpath(path).startswith(os.path.realpath(libdir))
    if ours != bool(libdir):
        sys.exit(f"{label}: expected {'our' if libdir else 'the system'} library, loaded {path}")
    return path


def groups(bench, sizes, only=None):
    """(key suffix, bench arguments) for each process of one round; `only`
    keeps the named workloads."""
    table = [w for w in run_process(bench, "", ["--list"]) if not only or w["name"] in only]
    out = [("", ["-n", "0", w["name"]]) for w in table if not w["scale"]]
    scale = [w["name"] for w in table if w["scale"]]
    out += [(f"@{n}", ["-n", str(n), *scale]) for n in sizes if scale]
    return out, {w["name"]: w for w in table}


def measure(a):
    libs = [("real", ""), ("ours", a.ours)] if a.mode == "compare" else [("real-A", ""), ("real-B", "")]
    procs, table = groups(a.bench, a.sizes, a.only)
    runs = {label: {} for label, _ in libs}  # label -> key -> [result per round]
    libpaths = {}
    for r in range(a.rounds):
        for suffix, args in procs:
            for label, libdir in libs if r % 2 == 0 else libs[::-1]:
                n, names = args[1], args[2:]
                limit = a.cap + 10 * a.secs * len(names) + 60
                lines = run_process(a.bench, libdir, ["-t", str(a.secs), "-c", str(a.cap), *args], limit)
                libpaths[label] = check_library(lines, libdir, label) or libpaths.get(label)
                peak = next((l["peak_rss_kib"] for l in lines if "peak_rss_kib" in l), 0)
                seen = {l["workload"] for l in lines if "workload" in l}
                crash = [{"workload": w, "status": "crashed"} for w in (["define"] if n != "0" else []) + names
                         if w not in seen and any("crashed" in l for l in lines)]
                for l in lines + crash:
                    if "workload" in l:
                        runs[label].setdefault(l["workload"] + suffix, []).append(dict(l, peak_rss_kib=peak))
            print(f"round {r + 1}/{a.rounds}: {' '.join(names)} -n {n}", file=sys.stderr)
    return libs, runs, libpaths, table


BASES = {"wall": "secs", "cpu": "cpu_secs"}  # throughput per wall-clock or per CPU second


def summarize(results):
    """Medians over rounds of one library's results for one key."""
    ok = [x for x in results if x["status"] == "ok" and x["secs"] > 0 and x["cpu_secs"] > 0 and x["units"] > 0]
    if not ok:
        return {"status": results[0]["status"], "error": results[0].get("error", "")}
    out = {"status": "ok", "rounds": len(ok), "n": min(x["n"] for x in ok),
           "peak_rss_kib": statistics.median(x["peak_rss_kib"] for x in ok),
           "rss_delta_kib": statistics.median(x.get("rss_delta_kib", 0) for x in ok)}
    for basis, field in BASES.items():
        rates = [x["units"] / x[field] for x in ok]
        out[f"{basis}_rate"] = statistics.median(rates)
        out[f"{basis}_ns"] = 1e9 / out[f"{basis}_rate"]
        out[f"{basis}_spread"] = max(rates) / min(rates) - 1
    return out


def geomean(xs):
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else 0.0


def targets(rows, scaling, cand, basis, table):
    """(target, met, detail) for each of the issue's targets, on one basis."""
    ratio = f"{basis}_ratio"
    remote = lambda row: table.get(row["workload"].split("@")[0], {}).get("remote", 0)
    rpc = [row for row in rows if remote(row)]
    rows = [row for row in rows if not remote(row)]
    def misses(bound):
        return [row["workload"] + ("" if ratio in row else f" ({row[cand]['status']})")
                for row in rows if row.get(ratio, 0) < bound]
    def listed(xs):
        return ("misses: " + ", ".join(xs)) if xs else "all"
    g = geomean([row[ratio] for row in rows if ratio in row])
    rss = next((row["rss_ratio"] for row in rows if row["workload"] == f"list-all@{MAIN_SIZE}" and "rss_ratio" in row), None)
    flat = {x["workload"]: x[f"{basis}_growth"] for x in scaling if x["library"] == cand}
    return ([] if not rows else [
        (f"every workload >= {TARGET_RATIO:g}x", not misses(TARGET_RATIO), listed(misses(TARGET_RATIO))),
        ("never slower (>= 1x)", not misses(1), listed(misses(1))),
        (f"geometric mean >= {TARGET_GEOMEAN:g}x", g >= TARGET_GEOMEAN, f"{g:.2f}x"),
        (f"peak RSS with {MAIN_SIZE} domains <= {TARGET_RSS:g}x", rss is not None and rss <= TARGET_RSS,
         "n/a" if rss is None else f"{rss:.2f}x"),
        (f"per-unit cost growth, smallest to largest population, <= {TARGET_FLAT:g}x",
         bool(flat) and all(v <= TARGET_FLAT for v in flat.values()), ", ".join(f"{k} {v:.2f}x" for k, v in flat.items())),
    ]) + ([] if not rpc else [
        (f"through libvirtd: client CPU per call <= {1 / TARGET_RPC_CPU:g}x libvirt's",
         all(row.get("cpu_ratio", 0) >= TARGET_RPC_CPU for row in rpc),
         ", ".join(f"{row['workload']} {1 / row['cpu_ratio']:.2f}x" if "cpu_ratio" in row
                   else f"{row['workload']} ({row[cand]['status']})" for row in rpc)),
        (f"through libvirtd: round trips/s >= {TARGET_RPC_WALL:g}x libvirt's",
         all(row.get("wall_ratio", 0) >= TARGET_RPC_WALL for row in rpc),
         ", ".join(f"{row['workload']} {row['wall_ratio']:.2f}x" if "wall_ratio" in row
                   else f"{row['workload']} ({row[cand]['status']})" for row in rpc)),
    ])


def report(a, libs, runs, table):
    ref, cand = libs[0][0], libs[1][0]
    s = {label: {k: summarize(v) for k, v in runs[label].items()} for label, _ in libs}
    scaled = [w for w in table if table[w]["scale"]]
    scale = ["define", *scaled] if scaled else []
    main_keys = [k for k in runs[ref] if "@" not in k] + ([f"{w}@{MAIN_SIZE}" for w in scale] if MAIN_SIZE in a.sizes else [])
    rows = []
    for k in main_keys:
        r, c = s[ref].get(k, {"status": "missing"}), s[cand].get(k, {"status": "missing"})
        row = {"workload": k, "what": table.get(k.split("@")[0], {}).get("what", "domain defined"), ref: r, cand: c}
        if r["status"] == "ok" and c["status"] == "ok":
            row.update({f"{b}_ratio": c[f"{b}_rate"] / r[f"{b}_rate"] for b in BASES})
            row["rss_ratio"] = c["peak_rss_kib"] / r["peak_rss_kib"]
        rows.append(row)
    scaling = []
    for w in scale:
        for label, _ in libs:
            pts = [(n, s[label].get(f"{w}@{n}", {})) for n in a.sizes]
            pts = [(n, p) for n, p in pts if p.get("status") == "ok"]
            if pts:
                x = {"workload": w, "library": label,
                     "points": [{"target": n, "n": p["n"], **{f"{b}_ns": p[f"{b}_ns"] for b in BASES}} for n, p in pts]}
                x.update({f"{b}_growth": pts[-1][1][f"{b}_ns"] / pts[0][1][f"{b}_ns"] for b in BASES})
                scaling.append(x)
    local = [row for row in rows if not table.get(row["workload"].split("@")[0], {}).get("remote", 0)]
    rep = {"ref": ref, "candidate": cand, "rows": rows, "scaling": scaling,
           "geomean": {b: geomean([row[f"{b}_ratio"] for row in local if f"{b}_ratio" in row]) for b in BASES}}
    if a.mode == "compare":
        rep["targets"] = {b: targets(rows, scaling, cand, b, table) for b in BASES}
    else:
        rep["deviation"] = {b: max((abs(math.log(row[f"{b}_ratio"])), row["workload"]) for row in rows if f"{b}_ratio" in row)
                            for b in BASES}
    return rep


def fmt_rate(x):
    return f"{x / 1e6:.2f}M" if x >= 1e6 else f"{x / 1e3:.1f}k" if x >= 1e3 else f"{x:.0f}"


def fmt_ns(x):
    return f"{x / 1e6:.2f} ms" if x >= 1e6 else f"{x / 1e3:.2f} µs" if x >= 1e3 else f"{x:.0f} ns"


def markdown(rep, meta):
    ref, cand = rep["ref"], rep["candidate"]
    ok = lambda x: x.get("status") == "ok"
    cell = lambda x, f: f(x) if ok(x) else x.get("status", "?")
    mib = lambda x: f"{x['peak_rss_kib'] / 1024:.1f} MiB"
    out = [f"Mode {meta['mode']}: {cand} against {ref}; {meta['rounds']} rounds of {meta['secs']:g} s per workload, "
           f"medians; load average {meta['loadavg_before']} before, {meta['loadavg_after']} after; "
           f"{meta['elapsed']:.0f} s in all. Ratios are {cand}/{ref} throughput per wall-clock second "
           "and per CPU second of the process; spread is (max/min - 1) of the wall rate over rounds.", "",
           f"| workload | unit | {ref} /s | {cand} /s | ratio | ratio (CPU) | {ref} peak RSS | {cand} peak RSS "
           f"| RSS ratio | spread {ref}/{cand} |",
           "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for row in rep["rows"]:
        r, c = row[ref], row[cand]
        ratio = lambda b: f"{row[b + '_ratio']:.2f}x" if b + "_ratio" in row else "-"
        spread = lambda x: f"{x['wall_spread'] * 100:.0f}%" if ok(x) else "-"
        out.append(f"| {row['workload']} | {row['what']} | {cell(r, lambda x: fmt_rate(x['wall_rate']))} | "
                   f"{cell(c, lambda x: fmt_rate(x['wall_rate']))} | {ratio('wall')} | {ratio('cpu')} | "
                   f"{cell(r, mib)} | {cell(c, mib)} | "
                   f"{'%.2f' % row['rss_ratio'] if 'rss_ratio' in row else '-'} | {spread(r)}/{spread(c)} |")
    g = rep["geomean"]
    out += [""] + ([f"Geometric mean of the ratios (test driver, rpc-* left out): {g['wall']:.2f}x (wall), "
                    f"{g['cpu']:.2f}x (CPU). "] if g["wall"] else []) + [
            "For rpc-* rows the CPU ratio is libvirt's client CPU per round trip over ours.", ""]
    if rep["scaling"]:
        sizes = [p["target"] for p in rep["scaling"][0]["points"]]
        out += ["Wall-clock cost of one unit by population (a lookup, a get-info, one listed domain, or one define "
                "averaged over building the population); growth is largest/smallest population:", "",
                "| workload | library | " + " | ".join(map(str, sizes)) + " | growth | growth (CPU) |",
                "|---|---|" + "--:|" * (len(sizes) + 2)]
        for x in rep["scaling"]:
            pts = " | ".join(fmt_ns(p["wall_ns"]) + ("" if p["n"] == p["target"] else f" (n={p['n']})") for p in x["points"])
            out.append(f"| {x['workload']} | {x['library']} | {pts} | {x['wall_growth']:.2f}x | {x['cpu_growth']:.2f}x |")
    if "targets" in rep:
        out += ([""] if out[-1] else []) + ["Targets (wall-clock; CPU-time verdict in brackets):", ""]
        for (name, met, detail), (_, cmet, cdetail) in zip(rep["targets"]["wall"], rep["targets"]["cpu"]):
            out.append(f"- {'MET' if met else 'MISSED'} [{'MET' if cmet else 'MISSED'}]: {name}: {detail} [{cdetail}]")
    else:
        d = rep["deviation"]
        out += ["", "Largest deviation from 1x between two runs of the same library: "
                + ", ".join(f"{b} {math.exp(v[0]):.2f}x ({v[1]})" for b, v in d.items())]
    return "\n".join(out) + "\n"


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", required=True)
    ap.add_argument("--ours", required=True, help="directory holding our libvirt.so.0")
    ap.add_argument("--out", required=True)
    ap.add_argument("--mode", choices=["compare", "noise"], default="compare")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--secs", type=float, default=1.0, help="time per workload per run")
    ap.add_argument("--cap", type=float, default=20.0, help="seconds allowed to define a population")
    ap.add_argument("--sizes", type=lambda v: [int(x) for x in v.split(",") if x], default=[1000, 10000, 100000])
    ap.add_argument("--only", type=lambda v: [x for x in v.split(",") if x], default=None,
                    help="comma-separated workloads to run (results go to subset.{md,json})")
    a = ap.parse_args()
    a.ours = os.path.abspath(a.ours)
    t0, load0 = time.monotonic(), loadavg()
    libs, runs, libpaths, table = measure(a)
    meta = {"mode": a.mode, "rounds": a.rounds, "secs": a.secs, "cap": a.cap, "sizes": a.sizes,
            "libraries": libpaths, "loadavg_before": load0, "loadavg_after": loadavg(),
            "elapsed": time.monotonic() - t0, "kernel": platform.release(), "cpus": os.cpu_count()}
    rep = report(a, libs, runs, table)
    text = markdown(rep, meta)
    os.makedirs(a.out, exist_ok=True)
    name = "subset" if a.only else "results" if a.mode == "compare" else "noise"
    with open(os.path.join(a.out, f"{name}.json"), "w") as f:
        json.dump({"meta": meta, "report": rep, "runs": runs}, f, indent=1)
    with open(os.path.join(a.out, f"{name}.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
