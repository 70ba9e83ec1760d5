"""Locating libvirt-python's 9.0.0 source release, whose tests/ directory
holds the binding's own unit tests.

The release is looked for in $VIRT_LIBVIRT_PYTHON_SDIST (a directory
holding the unpacked release or the .tar.gz), then fetched once with
`pip download` into build/ (cached there for later runs)."""
import glob
import os
import subprocess
import tarfile

PYTHON = "/usr/bin/python3"
HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.path.join(HERE, "..", "build", "libvirt-python-sdist")
RELEASE = "libvirt-python-9.0.0"


def find_binding_tests():
    """The unpacked tests/ directory, or None when the release cannot be had."""
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


def run_unittest(d, module, libdir=None, timeout=120):
    """Runs one test module of the release with Debian's binding, on the
    real library or (with `libdir`) on ours: (exit status, stderr)."""
    env = dict(os.environ)
    env.pop("LD_LIBRARY_PATH", None)
    if libdir:
        env["LD_LIBRARY_PATH"] = libdir
    p = subprocess.run([PYTHON, "-m", "unittest", "-v", module], cwd=d, env=env,
                       capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stderr
