"""libvirt-python's own event tests (tests/test_aio.py of its 9.0.0 source
release, which needs only the installed binding) run on our library.

The source release is looked for in $VIRT_LIBVIRT_PYTHON_SDIST (a
directory holding the unpacked release or the .tar.gz), then fetched with
`pip download` into build/; without it the tests are skipped."""
import glob
import os
import subprocess
import tarfile

import pytest

PYTHON = "/usr/bin/python3"
HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.path.join(HERE, "..", "build", "libvirt-python-sdist")
RELEASE = "libvirt-python-9.0.0"


def find_binding_tests():
    for base in filter(None, [os.environ.get("VIRT_LIBVIRT_PYTHON_SDIST"), CACHE]):
        unpacked = os.path.join(base, RELEASE, "tests")
        if os.path.isdir(unpacked):
            return unpacked
        for tgz in glob.glob(os.path.join(base, RELEASE + ".tar.gz")):
            with tarfile.open(tgz) as t:
                t.extractall(base, filter="data")
            return unpacked
    os.makedirs(CACHE, exist_ok=True)
    p = subprocess.run([PYTHON, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                        "-d", CACHE, "libvirt-python==9.0.0"], capture_output=True, text=True, timeout=300)
    if p.returncode != 0 or not glob.glob(os.path.join(CACHE, RELEASE + ".tar.gz")):
        return None
    return find_binding_tests()


@pytest.fixture(scope="module")
def binding_tests():
    d = find_binding_tests()
    if not d:
        pytest.skip("libvirt-python 9.0.0 source release not available")
    return d


def run_unittest(d, module, libdir=None):
    env = dict(os.environ)
    env.pop("LD_LIBRARY_PATH", None)
    if libdir:
        env["LD_LIBRARY_PATH"] = libdir
    p = subprocess.run([PYTHON, "-m", "unittest", "-v", module], cwd=d, env=env,
                       capture_output=True, text=True, timeout=120)
    return p.returncode, p.stderr


def test_binding_aio_tests_pass_on_real_libvirt(binding_tests):
    rc, log = run_unittest(binding_tests, "test_aio")
    assert rc == 0, log[-3000:]


def test_binding_aio_tests_pass_on_ours(binding_tests, libdir):
    rc, log = run_unittest(binding_tests, "test_aio", libdir)
    assert rc == 0, log[-3000:]
