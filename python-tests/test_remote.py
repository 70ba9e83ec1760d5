"""The remote driver against a real daemon: every differential scenario runs
through ``test+unix:///default`` (the daemon's own test driver) once with
real libvirt's client and once with ours, and the results must agree.

Needs a running libvirtd (see .ci/remote-daemon.md); skipped when its
socket is absent.  Scenarios that differ for reasons outside the remote
driver (the in-process test driver, URI parsing in the core) are listed in
ELSEWHERE and expected to differ only if they also differ locally.
"""
import json
import os
import socket

import pytest

import differential as D

REMOTE_URI = "test+unix:///default"
SOCKET = "/var/run/libvirt/libvirt-sock"

# differing through test+unix:///default for reasons outside the remote driver
ELSEWHERE = {
    "open_test_missing_file": "in-process test driver: custom node files",
    "open_test_root_path": "in-process test driver: custom node files",
    "open_test_opaque_path": "in-process test driver: custom node files",
    "open_malformed_uri": "core URI parser",
    "open_uri_without_scheme": "core: message for a URI without driver name",
    "destroy_then_create": "domain handles keep the id they were created with",
    "define_create_destroy_undefine": "domain handles keep the id they were created with",
    "undefine_running_makes_transient": "domain handles keep the id they were created with",
}


def daemon_up():
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(SOCKET)
        return True
    except OSError:
        return False
    finally:
        s.close()


pytestmark = pytest.mark.skipif(not daemon_up(), reason="no libvirtd listening on " + SOCKET)


def collect(libdir):
    old = os.environ.get("VIRT_RS_DIFF_URI")
    os.environ["VIRT_RS_DIFF_URI"] = REMOTE_URI
    try:
        return D.collect(libdir)
    finally:
        if old is None:
            del os.environ["VIRT_RS_DIFF_URI"]
        else:
            os.environ["VIRT_RS_DIFF_URI"] = old


@pytest.fixture(scope="module")
def real_remote():
    return collect(None)


@pytest.fixture(scope="module")
def our_remote(libdir):
    return collect(libdir)


def _params():
    for name in D.SCENARIOS:
        marks = []
        if name in ELSEWHERE:
            marks.append(pytest.mark.xfail(strict=True, reason=ELSEWHERE[name]))
        yield pytest.param(name, id=name, marks=marks)


@pytest.mark.parametrize("name", list(_params()))
def test_same_as_real_through_daemon(name, real_remote, our_remote):
    real = D.normalise(real_remote[name])
    ours = D.normalise(our_remote[name])
    assert ours == real, "\nreal: %s\nours: %s" % (json.dumps(real), json.dumps(ours))
