"""libvirt-python's whole upstream test suite (tests/ of its 9.0.0 source
release) run with Debian's prebuilt binding, once on the real library and
once on ours: every upstream test that passes on real libvirt must pass on
ours, and none may pass on ours only.

Each test module runs in its own process (a process registers one event
implementation for good); results are read from unittest's verbose log."""
import os
import re

import pytest

from upstream_sdist import find_binding_tests, run_unittest

# upstream tests that pass on real libvirt and are known to fail on ours,
# with why; the comparison is strict, so an entry must go once fixed
KNOWN_GAPS = {}

STATUS = {"ok": "ok", "FAIL": "failed", "ERROR": "failed", "skipped": "skipped",
          "expected failure": "ok", "unexpected success": "failed"}
LINE = re.compile(r"^(\w+) \(([\w.]+)\)(?:.*?)\.\.\. ")


def outcomes(log):
    """{test id: 'ok' | 'failed' | 'skipped'} from unittest's -v log; a
    test's status may follow stray output on later lines."""
    out = {}
    current = None
    for line in log.splitlines():
        m = LINE.match(line)
        if m:
            current = m.group(2)
            line = line[m.end():]
        if current is None:
            continue
        tail = line.strip()
        status = STATUS.get(tail.split(" ", 1)[0] if tail.startswith("skipped") else tail)
        if status is None:
            # stray output before the verdict (a libvirt error line)
            status = next((s for w, s in STATUS.items() if tail.endswith(" " + w)), None)
        if status:
            out[current] = status
            current = None
    return out


@pytest.fixture(scope="module")
def binding_tests():
    d = find_binding_tests()
    if not d:
        pytest.skip("libvirt-python 9.0.0 source release not available")
    return d


def run_all(d, libdir=None):
    results = {}
    for f in sorted(os.listdir(d)):
        if f.startswith("test_") and f.endswith(".py"):
            rc, log = run_unittest(d, f[:-3], libdir)
            got = outcomes(log)
            if not got:
                # the module failed to import: one failure for the module
                got = {f[:-3]: "failed"}
            results.update(got)
    return results


def passing(results):
    return {t for t, s in results.items() if s == "ok"}


def test_outcome_parser():
    log = ("testA (mod.Cls.testA) ... ok\n"
           "testB (mod.Cls.testB) ... libvirt: some error : text\nERROR\n"
           "testC (mod.Cls.testC) ... skipped 'no'\n"
           "testD (mod.Cls.testD) ... FAIL\n")
    assert outcomes(log) == {"mod.Cls.testA": "ok", "mod.Cls.testB": "failed",
                             "mod.Cls.testC": "skipped", "mod.Cls.testD": "failed"}


def test_upstream_suite_passes_on_ours_as_on_real(binding_tests, libdir):
    real = run_all(binding_tests)
    ours = run_all(binding_tests, libdir)
    assert passing(real), "no upstream test passed on real libvirt: %r" % real
    assert set(real) == set(ours), "different test sets were run"
    missing = passing(real) - passing(ours)
    extra = passing(ours) - passing(real)
    assert not extra, "pass on ours only: %s" % sorted(extra)
    assert missing == set(KNOWN_GAPS), (
        "fail on ours only: %s; known gaps now passing: %s"
        % (sorted(missing - set(KNOWN_GAPS)), sorted(set(KNOWN_GAPS) - missing)))
