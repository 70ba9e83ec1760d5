"""libvirt-python's own event tests (tests/test_aio.py of its 9.0.0 source
release, which needs only the installed binding) run on our library.

The release is found or fetched by upstream_sdist; without it the tests are
skipped."""
import pytest

from upstream_sdist import find_binding_tests, run_unittest


@pytest.fixture(scope="module")
def binding_tests():
    d = find_binding_tests()
    if not d:
        pytest.skip("libvirt-python 9.0.0 source release not available")
    return d


def test_binding_aio_tests_pass_on_real_libvirt(binding_tests):
    rc, log = run_unittest(binding_tests, "test_aio")
    assert rc == 0, log[-3000:]


def test_binding_aio_tests_pass_on_ours(binding_tests, libdir):
    rc, log = run_unittest(binding_tests, "test_aio", libdir)
    assert rc == 0, log[-3000:]
