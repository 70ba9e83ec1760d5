"""pytest configuration for the binding-level tests of virt-rs.

Adds ``--libdir``: directory holding OUR libvirt.so.0 (and libvirt-qemu /
libvirt-lxc / libvirt-admin .so.0).  Defaults to ../build/lib relative to
this directory (i.e. <repo>/build/lib, what ``make lib`` produces).
"""
import os

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_LIBDIR = os.path.normpath(os.path.join(HERE, "..", "build", "lib"))


def pytest_addoption(parser):
    parser.addoption(
        "--libdir",
        action="store",
        default=DEFAULT_LIBDIR,
        help="directory containing our libvirt.so.0 (default: %(default)s)",
    )


@pytest.fixture(scope="session")
def libdir(request):
    path = os.path.abspath(request.config.getoption("--libdir"))
    lib = os.path.join(path, "libvirt.so.0")
    if not os.path.exists(lib):
        pytest.exit("no libvirt.so.0 in --libdir=%s (run `make lib`)" % path, returncode=2)
    return path
