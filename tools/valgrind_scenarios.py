#!/usr/bin/env python3
"""Runs every differential scenario (python-tests/scenarios) on OUR library
inside valgrind memcheck and reports the errors and definite leaks whose
stack passes through our libvirt.so.0. Python's own allocations are noise
here, so only records with a frame in our object count.

usage: tools/valgrind_scenarios.py [LIBDIR]   (default build/lib); exit 1 on findings
"""
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ours(frame, lib):
    obj = frame.findtext("obj") or ""
    return os.path.realpath(obj).startswith(lib)


def main():
    libdir = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "lib"))
    lib = os.path.realpath(libdir)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "results.jsonl")
        xml = os.path.join(tmp, "vg.xml")
        env = dict(os.environ, LD_LIBRARY_PATH=libdir, PYTHONMALLOC="malloc")
        env.pop("LIBVIRT_DEFAULT_URI", None)
        cmd = ["valgrind", "--tool=memcheck", "--leak-check=full", "--show-leak-kinds=definite",
               "--xml=yes", f"--xml-file={xml}", "--num-callers=40",
               "/usr/bin/python3", os.path.join(ROOT, "python-tests", "differential.py"), out]
        subprocess.run(cmd, env=env, cwd="/", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=3600)
        scenarios = sum(1 for line in open(out) if '"name"' in line)
        findings = []
        for err in ET.parse(xml).getroot().iter("error"):
            kind = err.findtext("kind")
            frames = err.findall("./stack/frame")
            if any(ours(f, lib) for f in frames):
                top = [f"{f.findtext('fn')} ({os.path.basename(f.findtext('obj') or '?')})" for f in frames[:8]]
                what = err.findtext("what") or err.findtext("./xwhat/text") or kind
                findings.append(f"{kind}: {what}\n    " + "\n    ".join(top))
    print(f"valgrind: {scenarios} scenarios run on {libdir}; "
          f"{len(findings)} errors or definite leaks with a frame in our library")
    for f in findings:
        print(f)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
