#!/usr/bin/env python3
"""Regenerates every artefact of tools/gen_api.py into a scratch directory
and fails when a checked-in copy differs (the spec is the one source)."""
import filecmp
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIRS = ["include/libvirt", "gen", "src/generated", "src/capi/generated"]
FILES = ["src/core/driver/api_table.rs"]
# the CPU model tables come from libvirt's installed CPU map, when present
CPU_MAP = "/usr/share/libvirt/cpu_map"
CPU_DATA = "src/conf/cpu_models_data.rs"
# the document grammars come from libvirt's installed RelaxNG schemas, when present
SCHEMAS = "/usr/share/libvirt/schemas"
SCHEMA_DATA = "src/conf/schema/generated.rs"


def main():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, os.path.join(ROOT, "tools", "gen_api.py"), "--out", tmp], check=True)
        stale = []
        for d in DIRS:
            fresh = os.path.join(tmp, d)
            for name in sorted(os.listdir(fresh)):
                mine = os.path.join(ROOT, d, name)
                if not os.path.exists(mine) or not filecmp.cmp(mine, os.path.join(fresh, name), shallow=False):
                    stale.append(os.path.join(d, name))
        for name in FILES:
            if not filecmp.cmp(os.path.join(ROOT, name), os.path.join(tmp, name), shallow=False):
                stale.append(name)
        if os.path.isdir(CPU_MAP):
            fresh = os.path.join(tmp, "cpu_models_data.rs")
            subprocess.run([sys.executable, os.path.join(ROOT, "tools", "gen_cpu_models.py"), "--out", fresh],
                           check=True)
            if not filecmp.cmp(os.path.join(ROOT, CPU_DATA), fresh, shallow=False):
                stale.append(CPU_DATA + " (python3 tools/gen_cpu_models.py)")
        if os.path.isdir(SCHEMAS):
            fresh = os.path.join(tmp, "schema_generated.rs")
            subprocess.run([sys.executable, os.path.join(ROOT, "tools", "gen_schemas.py"), "--out", fresh],
                           check=True, stdout=subprocess.DEVNULL)
            if not filecmp.cmp(os.path.join(ROOT, SCHEMA_DATA), fresh, shallow=False):
                stale.append(SCHEMA_DATA + " (python3 tools/gen_schemas.py)")
        if stale:
            print("generated files are stale; run `make generate`:", *stale, sep="\n  ")
            return 1
    print("generated files match the spec")
    return 0


if __name__ == "__main__":
    sys.exit(main())
