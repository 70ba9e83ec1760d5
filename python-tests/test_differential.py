"""Differential tests: every scenario in differential.py must give the same
result with the real libvirt and with ours (see differential.py)."""
import json

import pytest

import differential as D


@pytest.fixture(scope="session")
def real_results():
    return D.collect(None)


@pytest.fixture(scope="session")
def our_results(libdir):
    return D.collect(libdir)


def _params():
    for name in D.SCENARIOS:
        marks = []
        if name in D.XFAIL:
            marks.append(pytest.mark.xfail(strict=True, reason=D.XFAIL[name]))
        yield pytest.param(name, id=name, marks=marks)


def test_real_library_has_no_crashes(real_results):
    """The scenarios themselves must be sound against the oracle."""
    bad = {n: r for n, r in real_results.items() if "crashed" in r}
    assert not bad, bad


@pytest.mark.parametrize("name", list(_params()))
def test_same_as_real(name, real_results, our_results):
    real = D.normalise(real_results[name])
    ours = D.normalise(our_results[name])
    assert ours == real, "\nreal: %s\nours: %s" % (json.dumps(real), json.dumps(ours))
