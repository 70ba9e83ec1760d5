"""Differential harness: run the same scenarios against the REAL libvirt and
against OURS, through the distro python binding (/usr/bin/python3), and
compare the JSON results.

A scenario is a function ``f(libvirt) -> JSON-able``.  Exceptions are turned
into data by the runner: a ``libvirt.libvirtError`` becomes
``["libvirtError", code, domain, message]``, anything else
``["exception", type name, str(exc)]``.  Use ``call(fn, *args)`` inside a
scenario to capture an expected error and carry on.

All scenarios of one run execute in ONE subprocess per library, in
definition order; each scenario opens (and closes) its own connections, so
the test driver's shared "/default" state is back to pristine between
scenarios as long as nothing leaks a reference.  Results are streamed one
JSON line per scenario to a file, so if a library crashes the process, only
the scenario that crashed is charged with it and the remaining ones are
re-run in a fresh subprocess.

Command line (used by the harness itself):
    /usr/bin/python3 differential.py OUTFILE [NAME ...]
Handy for debugging by hand:
    python3 differential.py --compare [--libdir DIR] [NAME ...]
"""
import json
import os
import subprocess
import sys
import tempfile

PYTHON = "/usr/bin/python3"
URI = os.environ.get("VIRT_RS_DIFF_URI") or "test:///default"

SCENARIOS = {}   # name -> function, in definition order
XFAIL = {}       # name -> reason the results currently differ (strict xfail)


def scenario(fn=None, *, xfail=None):
    def register(f):
        assert f.__name__ not in SCENARIOS, f.__name__
        SCENARIOS[f.__name__] = f
        if xfail:
            XFAIL[f.__name__] = xfail
        return f
    return register(fn) if fn is not None else register


def err(e):
    lv = sys.modules.get("libvirt")
    if lv is not None and isinstance(e, lv.libvirtError):
        return ["libvirtError", e.get_error_code(), e.get_error_domain(), e.get_error_message()]
    return ["exception", type(e).__name__, str(e)]


def call(fn, *args):
    """Result of fn(*args), or the error triple if it raises."""
    try:
        return fn(*args)
    except Exception as e:  # noqa: BLE001 - that is the point
        return err(e)


def try_open(libvirt, uri, readonly=False):
    """URI of the opened connection, or the error triple."""
    def op():
        c = (libvirt.openReadOnly if readonly else libvirt.open)(uri)
        return ["opened", c.getURI()]
    return call(op)


def quiet(libvirt):
    # Keep libvirt's default error printer off stderr.
    libvirt.registerErrorHandler(lambda ctx, e: None, None)


def flag_names(libvirt, prefix):
    return sorted((k, getattr(libvirt, k)) for k in dir(libvirt) if k.startswith(prefix))


SMALL_XML = """<domain type='test'>
  <name>{name}</name>
  <uuid>{uuid}</uuid>
  <memory unit='KiB'>{mem}</memory>
  <currentMemory unit='KiB'>{mem}</currentMemory>
  <vcpu>{vcpus}</vcpu>
  <os><type arch='i686'>hvm</type><boot dev='hd'/></os>
  <features><acpi/></features>
</domain>"""

UUID1 = "1b2c3d4e-0000-4000-8000-00000000a001"
UUID2 = "1b2c3d4e-0000-4000-8000-00000000a002"
TEST_UUID = "6695eb01-f6a4-8304-79aa-97f2502e193f"


def small_xml(name="vrs-small", uuid=UUID1, mem=65536, vcpus=2):
    return SMALL_XML.format(name=name, uuid=uuid, mem=mem, vcpus=vcpus)


def dom_summary(d, state=True):
    r = {
        "name": d.name(), "id": d.ID(), "uuid": d.UUIDString(),
        "active": d.isActive(), "persistent": d.isPersistent(),
    }
    if state:
        r["state"] = d.state()
    return r


# --------------------------------------------------------------------------
# scenario modules: python-tests/scenarios/*.py, one per area ("base" first)
# --------------------------------------------------------------------------

# when run as a script, make "import differential" find this very module so
# the scenario modules register into the same SCENARIOS
sys.modules.setdefault("differential", sys.modules[__name__])


def load_scenarios():
    import importlib
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scenarios")
    sys.path.insert(0, os.path.dirname(here))
    names = sorted(f[:-3] for f in os.listdir(here) if f.endswith(".py") and not f.startswith("_"))
    for n in sorted(names, key=lambda n: (n != "base", n)):
        importlib.import_module("scenarios." + n)


load_scenarios()

# --------------------------------------------------------------------------
# runner / harness
# --------------------------------------------------------------------------

def run_scenarios(outfile, names):
    import libvirt
    with open(outfile, "a") as out:
        for name in names:
            out.write(json.dumps({"start": name}) + "\n")
            out.flush()
            try:
                res = {"ok": SCENARIOS[name](libvirt)}
            except Exception as e:  # noqa: BLE001
                res = {"raised": err(e)}
            try:
                line = json.dumps({"name": name, **res})
            except (TypeError, ValueError) as e:
                line = json.dumps({"name": name, "raised": ["unserialisable", repr(res)[:500], str(e)]})
            out.write(line + "\n")
            out.flush()


def library_env(libdir=None):
    """This process's environment, loading the real library (libdir=None)
    or ours, with nothing else steering which library or URI is used."""
    env = dict(os.environ)
    for k in ("LD_LIBRARY_PATH", "LD_PRELOAD", "LIBVIRT_DEFAULT_URI"):
        env.pop(k, None)
    if libdir:
        env["LD_LIBRARY_PATH"] = libdir
    return env


def run_script(script, names, env, timeout, **kw):
    """Runs `script OUTFILE` (a module whose main runs the scenarios `names`
    with run_scenarios) in a child with `env`; returns {name: result}, a
    scenario without a record marked as crashed with the child's status."""
    fd, out = tempfile.mkstemp(prefix="vrs-child-", suffix=".jsonl")
    os.close(fd)
    try:
        p = subprocess.run([PYTHON, os.path.abspath(script), out], env=env, capture_output=True,
                           text=True, timeout=timeout, cwd="/", **kw)
        res = {}
        for line in open(out):
            rec = json.loads(line)
            if "name" in rec:
                res[rec["name"]] = normalise(rec)
        for n in names:
            res.setdefault(n, {"crashed": [p.returncode, p.stderr[-2000:]]})
        return res
    finally:
        os.unlink(out)


def collect(libdir=None, names=None, timeout=120):
    """Run scenarios with the real library (libdir=None) or ours, in as few
    subprocesses as possible.  Returns {name: result-dict}."""
    names = list(names or SCENARIOS)
    env = library_env(libdir)
    results = {}
    fd, outfile = tempfile.mkstemp(prefix="vrs-diff-", suffix=".jsonl")
    os.close(fd)
    try:
        while names:
            open(outfile, "w").close()
            try:
                p = subprocess.run([PYTHON, os.path.abspath(__file__), outfile] + names,
                                   env=env, capture_output=True, text=True, timeout=timeout,
                                   cwd="/")
                rc, stderr = p.returncode, p.stderr
            except subprocess.TimeoutExpired as e:
                rc, stderr = "timeout", (e.stderr or b"")
                if isinstance(stderr, bytes):
                    stderr = stderr.decode(errors="replace")
            started = None
            for line in open(outfile):
                rec = json.loads(line)
                if "start" in rec:
                    started = rec["start"]
                else:
                    results[rec["name"]] = rec
                    started = None
            done = [n for n in names if n in results]
            if started is None and len(done) == len(names):
                break
            # The process died: blame the scenario that was running (or the
            # first one if it died before starting any), then go on.
            victim = started or names[len(done)]
            results[victim] = {"name": victim, "crashed": [rc, stderr[-2000:]]}
            names = [n for n in names if n not in results]
    finally:
        os.unlink(outfile)
    return results


def normalise(rec):
    return {k: v for k, v in rec.items() if k != "name"}


def main(argv):
    if argv and argv[0] == "--compare":
        argv = argv[1:]
        libdir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "lib")
        if argv[:1] == ["--libdir"]:
            libdir, argv = argv[1], argv[2:]
        real = collect(None, argv or None)
        ours = collect(os.path.abspath(libdir), argv or None)
        bad = 0
        for n in (argv or SCENARIOS):
            same = normalise(real[n]) == normalise(ours[n])
            bad += not same
            tag = "same" if same else ("DIFF (xfail)" if n in XFAIL else "DIFF")
            print("%-40s %s" % (n, tag))
            if not same:
                print("   real:", json.dumps(normalise(real[n])))
                print("   ours:", json.dumps(normalise(ours[n])))
        return 1 if bad else 0
    run_scenarios(argv[0], argv[1:] or list(SCENARIOS))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
