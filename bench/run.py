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

TARGET_RATIO, TARGET_GEOMEAN, TARGET_RSS, TARGET_FLAT = 3.0, 5.0, 0.5, 1.5
MAIN_SIZE = 10000


def run_process(bench, libdir, args):
    env = dict(os.environ, LD_LIBRARY_PATH=libdir)
    p = subprocess.run([bench, *args], env=env, capture_output=True, text=True)
    lines = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
    if p.returncode != 0:
        sys.exit(f"bench {' '.join(args)} failed ({p.returncode}):\n{p.stderr}")
    return lines


def check_library(lines, libdir, label):
    path = next(l["library"] for l in lines if "library" in l)
    ours = bool(libdir) and os.path.realpath(path).startswith(os.path.realpath(libdir))
    if ours != bool(libdir):
        sys.exit(f"{label}: expected {'our' if libdir else 'the system'} library, loaded {path}")
    return path


def groups(bench, sizes):
    """(key suffix, bench arguments) for each process of one round."""
    table = run_process(bench, "", ["--list"])
    out = [("", ["-n", "0", w["name"]]) for w in table if not w["scale"]]
    scale = [w["name"] for w in table if w["scale"]]
    out += [(f"@{n}", ["-n", str(n), *scale]) for n in sizes]
    return out, {w["name"]: w for w in table}


def measure(a):
    libs = [("real", ""), ("ours", a.ours)] if a.mode == "compare" else [("real-A", ""), ("real-B", "")]
    procs, table = groups(a.bench, a.sizes)
    runs = {label: {} for label, _ in libs}  # label -> key -> [result per round]
    libpaths = {}
    for r in range(a.rounds):
        for suffix, args in procs:
            for label, libdir in libs if r % 2 == 0 else libs[::-1]:
                lines = run_process(a.bench, libdir, ["-t", str(a.secs), "-c", str(a.cap), *args])
                libpaths[label] = check_library(lines, libdir, label)
                peak = next(l["peak_rss_kib"] for l in lines if "peak_rss_kib" in l)
                for l in lines:
                    if "workload" in l:
                        runs[label].setdefault(l["workload"] + suffix, []).append(dict(l, peak_rss_kib=peak))
            print(f"round {r + 1}/{a.rounds}: {' '.join(args[2:])} -n {args[1]}", file=sys.stderr)
    return libs, runs, libpaths, table


def summarize(results):
    """Medians over rounds of one library's results for one key."""
    ok = [x for x in results if x["status"] == "ok" and x["secs"] > 0 and x["units"] > 0]
    if not ok:
        return {"status": results[0]["status"], "error": results[0].get("error", "")}
    return {
        "status": "ok",
        "rate": statistics.median(x["units"] / x["secs"] for x in ok),
        "ns_per_unit": statistics.median(x["secs"] * 1e9 / x["units"] for x in ok),
        "peak_rss_kib": statistics.median(x["peak_rss_kib"] for x in ok),
        "rss_delta_kib": statistics.median(x.get("rss_delta_kib", 0) for x in ok),
        "n": min(x["n"] for x in ok),
        "rounds": len(ok),
        "spread": (max(x["units"] / x["secs"] for x in ok) / min(x["units"] / x["secs"] for x in ok)) - 1,
    }


def report(a, libs, runs, table):
    ref, cand = libs[0][0], libs[1][0]
    s = {label: {k: summarize(v) for k, v in runs[label].items()} for label, _ in libs}
    main_keys = [k for k in runs[ref] if "@" not in k] + [
        f"{w}@{MAIN_SIZE}" for w in ["define", *[w for w in table if table[w]["scale"]]] if a.sizes and MAIN_SIZE in a.sizes
    ]
    rows = []
    for k in main_keys:
        r, c = s[ref].get(k, {"status": "missing"}), s[cand].get(k, {"status": "missing"})
        row = {"workload": k, "what": table.get(k.split("@")[0], {}).get("what", "domain defined"), ref: r, cand: c}
        if r["status"] == "ok" and c["status"] == "ok":
            row["ratio"] = c["rate"] / r["rate"]
            row["rss_ratio"] = c["peak_rss_kib"] / r["peak_rss_kib"]
        rows.append(row)
    scaling = []
    for w in ["define", *[w for w in table if table[w]["scale"]]]:
        for label, _ in libs:
            pts = [(n, s[label].get(f"{w}@{n}", {})) for n in a.sizes]
            pts = [(n, p) for n, p in pts if p.get("status") == "ok"]
            if pts:
                scaling.append({"workload": w, "library": label,
                                "points": [{"target": n, "n": p["n"], "ns_per_unit": p["ns_per_unit"]} for n, p in pts],
                                "growth": pts[-1][1]["ns_per_unit"] / pts[0][1]["ns_per_unit"]})
    ratios = [row["ratio"] for row in rows if "ratio" in row]
    geomean = math.exp(sum(map(math.log, ratios)) / len(ratios)) if ratios else 0
    rss10k = next((row["rss_ratio"] for row in rows if row["workload"] == f"lookup-name@{MAIN_SIZE}" and "rss_ratio" in row), None)
    flat = {x["workload"]: x["growth"] for x in scaling if x["library"] == cand}
    targets = {
        f"every workload >= {TARGET_RATIO:g}x": [row["workload"] for row in rows if row.get("ratio", 0) < TARGET_RATIO],
        "never slower (>= 1x)": [row["workload"] for row in rows if row.get("ratio", 0) < 1],
        f"geometric mean >= {TARGET_GEOMEAN:g}x": geomean,
        f"peak RSS with {MAIN_SIZE} domains <= {TARGET_RSS:g}x": rss10k,
        f"per-op cost growth smallest->largest population <= {TARGET_FLAT:g}x": flat,
    }
    met = {
        f"every workload >= {TARGET_RATIO:g}x": not targets[f"every workload >= {TARGET_RATIO:g}x"],
        "never slower (>= 1x)": not targets["never slower (>= 1x)"],
        f"geometric mean >= {TARGET_GEOMEAN:g}x": geomean >= TARGET_GEOMEAN,
        f"peak RSS with {MAIN_SIZE} domains <= {TARGET_RSS:g}x": rss10k is not None and rss10k <= TARGET_RSS,
        f"per-op cost growth smallest->largest population <= {TARGET_FLAT:g}x": bool(flat) and all(g <= TARGET_FLAT for g in flat.values()),
    }
    return {"ref": ref, "candidate": cand, "rows": rows, "scaling": scaling, "geomean": geomean,
            "targets": targets, "met": met}


def fmt_rate(x):
    return f"{x / 1e6:.2f}M" if x >= 1e6 else f"{x / 1e3:.1f}k" if x >= 1e3 else f"{x:.0f}"


def fmt_ns(x):
    return f"{x / 1e6:.2f} ms" if x >= 1e6 else f"{x / 1e3:.2f} µs" if x >= 1e3 else f"{x:.0f} ns"


def markdown(rep, meta):
    ref, cand = rep["ref"], rep["candidate"]
    out = [f"Mode {meta['mode']}: {cand} / {ref}; {meta['rounds']} rounds of {meta['secs']} s per workload, "
           f"medians; load average {meta['loadavg_before']} before, {meta['loadavg_after']} after; "
           f"{meta['elapsed']:.0f} s in all.", "",
           f"| workload | unit | {ref} /s | {cand} /s | {cand}/{ref} | {ref} peak RSS | {cand} peak RSS | RSS ratio | spread {ref}/{cand} |",
           "|---|---|--:|--:|--:|--:|--:|--:|--:|"]
    for row in rep["rows"]:
        r, c = row[ref], row[cand]
        cell = lambda x, f: f(x) if x.get("status") == "ok" else x.get("status", "?")
        mib = lambda x: f"{x['peak_rss_kib'] / 1024:.1f} MiB"
        spread = lambda x: f"{x['spread'] * 100:.0f}%" if x.get("status") == "ok" else "-"
        out.append(f"| {row['workload']} | {row['what']} | {cell(r, lambda x: fmt_rate(x['rate']))} | "
                   f"{cell(c, lambda x: fmt_rate(x['rate']))} | "
                   f"{'%.2fx' % row['ratio'] if 'ratio' in row else '-'} | {cell(r, mib)} | {cell(c, mib)} | "
                   f"{'%.2f' % row['rss_ratio'] if 'rss_ratio' in row else '-'} | {spread(r)}/{spread(c)} |")
    out += ["", f"Geometric mean of {cand}/{ref}: {rep['geomean']:.2f}x", "",
            "Per-unit cost by population (ns per lookup, get-info, listed domain, or define averaged over the population):", "",
            "| workload | library | " + " | ".join(f"{p['target']}" for p in rep["scaling"][0]["points"]) + " | growth |"
            if rep["scaling"] else "", "|---|---|" + "--:|" * (len(rep["scaling"][0]["points"]) + 1) if rep["scaling"] else ""]
    for x in rep["scaling"]:
        pts = " | ".join(fmt_ns(p["ns_per_unit"]) + ("" if p["n"] == p["target"] else f" (n={p['n']})") for p in x["points"])
        out.append(f"| {x['workload']} | {x['library']} | {pts} | {x['growth']:.2f}x |")
    out += ["", "Targets:", ""]
    for name, ok in rep["met"].items():
        v = rep["targets"][name]
        detail = (f"{v:.2f}x" if isinstance(v, float) else "n/a" if v is None else
                  ", ".join(f"{k} {g:.2f}x" for k, g in v.items()) if isinstance(v, dict) else
                  ("misses: " + ", ".join(v)) if v else "all")
        out.append(f"- {'MET' if ok else 'MISSED'}: {name} ({detail})")
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
    name = "results" if a.mode == "compare" else "noise"
    with open(os.path.join(a.out, f"{name}.json"), "w") as f:
        json.dump({"meta": meta, "report": rep, "runs": runs}, f, indent=1)
    with open(os.path.join(a.out, f"{name}.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
