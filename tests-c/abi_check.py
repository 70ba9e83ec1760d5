#!/usr/bin/env python3
"""Compare the exported ABI of a built library with libvirt 9.0.0's.

usage: abi_check.py OUTDIR LIB [LIB...]      (LIB like libvirt.so.0)

The expected ABI comes from <shared>/abi/<lib>.syms.tsv, where <shared> is
$VIRT_SHARED_DIR, else ../shared next to the repository root, else (in a
local clone) ../shared next to the repository it was cloned from.  Checked:
  * version definitions (readelf -V): same node set, same parent chain,
    BASE entry equal to the soname;
  * dynamic symbols (objdump -T): every expected symbol is defined, has the
    expected kind (func/object) and is the default version on its node;
  * nothing else is exported, except libvirt.so.0's LIBVIRT_PRIVATE_9.0.0
    node, whose symbols must all be named virtrs_* (or be one of the object
    constructors real libvirt exports there too).
Exits 1 if any library has a problem.
"""
import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PRIVATE_NODE = "LIBVIRT_PRIVATE_9.0.0"
PRIVATE_PREFIX = "virtrs_"
# constructors real libvirt also exports on its private node (see tools/gen_api.py)
PRIVATE_CONSTRUCTORS = {"virGetDomainCheckpoint", "virGetDomainSnapshot", "virGetNWFilter",
                        "virGetNWFilterBinding", "virGetNetworkPort", "virGetSecret"}


def shared_dir():
    if os.environ.get("VIRT_SHARED_DIR"):
        return os.environ["VIRT_SHARED_DIR"]
    beside = os.path.join(os.path.dirname(REPO), "shared")
    if os.path.isdir(beside):
        return beside
    origin = subprocess.run(["git", "-C", REPO, "config", "--get", "remote.origin.url"],
                            capture_output=True, text=True).stdout.strip()
    if origin and os.path.isdir(origin):
        return os.path.join(os.path.dirname(os.path.abspath(origin)), "shared")
    return beside


def load_expected(lib):
    """-> ({node: parent-or-None}, {symbol: (node, kind)})"""
    stem = lib.split(".so")[0]
    nodes, syms = {}, {}
    with open(os.path.join(shared_dir(), "abi", stem + ".syms.tsv")) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            node, parent, sym, kind = line.rstrip("\n").split("\t")
            nodes[node] = None if parent == "-" else parent
            syms[sym] = (node, kind)
    return nodes, syms


def run(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def read_verdefs(path):
    """-> (base name, {node: parent-or-None}) from readelf's .gnu.version_d dump."""
    base, nodes, cur, in_d = None, {}, None, False
    for line in run("readelf", "-V", "--wide", path).splitlines():
        if "section '" in line:
            in_d = "'.gnu.version_d'" in line
            continue
        if not in_d:
            continue
        m = re.search(r"Flags: (\S+)\s+Index: \d+\s+Cnt: \d+\s+Name: (\S+)", line)
        if m:
            if m.group(1) == "BASE":
                base, cur = m.group(2), None
            else:
                cur = m.group(2)
                nodes[cur] = None
            continue
        m = re.search(r"Parent 1: (\S+)", line)
        if m and cur:
            nodes[cur] = m.group(1)
    return base, nodes


def read_dynsyms(path):
    """-> {symbol: (version, kind, hidden_version)} for defined global/weak symbols."""
    out = {}
    for line in run("objdump", "-T", path).splitlines():
        if "\t" not in line or not re.match(r"[0-9a-f]{16} ", line):
            continue
        left, right = line.split("\t", 1)
        flags, section = left[17:24], left[24:].strip()
        exported = flags[0] in "gu" or flags[1] == "w"
        if section == "*UND*" or not exported:
            continue
        fields = right.split()
        if len(fields) < 3:  # unversioned symbol: size name
            fields = [fields[0], "", fields[-1]]
        version, name = fields[1], fields[-1]
        if section == "*ABS*" and name == version:
            continue  # the version node's own marker symbol
        hidden = version.startswith("(")
        kind = {"F": "func", "O": "object"}.get(flags[6], "other")
        out[name] = (version.strip("()"), kind, hidden)
    return out


def check(outdir, lib):
    path = os.path.join(outdir, lib)
    problems = []
    exp_nodes, exp_syms = load_expected(lib)
    allowed_nodes = dict(exp_nodes)
    if lib == "libvirt.so.0":
        allowed_nodes[PRIVATE_NODE] = None  # as in real libvirt: no parent

    base, nodes = read_verdefs(path)
    if base != lib:
        problems.append(f"BASE version definition is {base!r}, expected {lib!r}")
    for node, parent in exp_nodes.items():
        if node not in nodes:
            problems.append(f"missing version node {node}")
        elif nodes[node] != parent:
            problems.append(f"node {node}: parent {nodes[node]}, expected {parent}")
    for node in nodes:
        if node not in allowed_nodes:
            problems.append(f"unexpected version node {node}")
        elif node == PRIVATE_NODE and nodes[node] is not None:
            problems.append(f"node {node}: parent {nodes[node]}, expected none")

    syms = read_dynsyms(path)
    ok = 0
    for sym, (node, kind) in sorted(exp_syms.items()):
        if sym not in syms:
            problems.append(f"missing symbol {sym} ({node})")
            continue
        version, got_kind, hidden = syms[sym]
        bad = []
        if version != node:
            bad.append(f"on node {version or '(none)'}, expected {node}")
        if hidden:
            bad.append("not the default version (@ instead of @@)")
        if got_kind != kind:
            bad.append(f"kind {got_kind}, expected {kind}")
        if bad:
            problems.append(f"symbol {sym}: " + "; ".join(bad))
        else:
            ok += 1

    extra = private = 0
    for sym, (version, _, _) in sorted(syms.items()):
        if sym in exp_syms:
            continue
        if lib == "libvirt.so.0" and version == PRIVATE_NODE and (
                sym.startswith(PRIVATE_PREFIX) or sym in PRIVATE_CONSTRUCTORS):
            private += 1
            continue
        extra += 1
        problems.append(f"extra exported symbol {sym} ({version or 'unversioned'})")

    summary = f"{lib}: {ok}/{len(exp_syms)} public symbols on the right node, {extra} extra"
    if lib == "libvirt.so.0":
        summary += f", {private} private ({PRIVATE_PREFIX}* and object constructors) on {PRIVATE_NODE}"
    good_nodes = sum(nodes.get(n, 0) == p for n, p in exp_nodes.items())
    summary += f"; {good_nodes}/{len(exp_nodes)} version nodes with the right parent"
    for p in problems:
        print(f"  {lib}: {p}")
    print(summary)
    return not problems


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    results = [check(sys.argv[1], lib) for lib in sys.argv[2:]]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
