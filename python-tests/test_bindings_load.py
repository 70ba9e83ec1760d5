"""The distro language bindings (python3-libvirt, Sys::Virt, ruby-libvirt)
must load against OUR libvirt.so.0, and it must really be ours that is mapped.

Each check runs in a subprocess whose environment is ONLY the loader variable
(LD_LIBRARY_PATH=<libdir>, or LD_PRELOAD=<libdir>/libvirt.so.0) so nothing
else from the caller's environment can influence which library is picked up.
"""
import json
import os
import subprocess

import pytest

PY = "/usr/bin/python3"
PERL = "/usr/bin/perl"
RUBY = "/usr/bin/ruby"

# Each snippet prints JSON: {"version": <lib version>, "maps": [mapped libvirt* paths]}
PY_SNIPPET = r"""
import json, libvirt, libvirt_qemu, libvirt_lxc
maps = sorted({l.split()[-1] for l in open('/proc/self/maps') if 'libvirt' in l and '.so' in l})
print(json.dumps({'version': libvirt.getVersion(), 'maps': maps}))
"""

PERL_SNIPPET = r"""
use Sys::Virt;
open(my $f, '<', '/proc/self/maps') or die;
my %s;
while (<$f>) { my @c = split; $s{$c[-1]} = 1 if $c[-1] =~ /libvirt.*\.so/; }
my $v = Sys::Virt->new(uri => "test:///default", readonly => 1)->get_library_version();
print '{"version": ', $v, ', "maps": [', join(', ', map { "\"$_\"" } sort keys %s), "]}\n";
"""

RUBY_SNIPPET = r"""
require 'libvirt'
require 'json'
maps = File.readlines('/proc/self/maps').map { |l| l.split[-1] }.grep(/libvirt.*\.so/).uniq.sort
puts JSON.generate({'version' => Libvirt::version[0].version, 'maps' => maps})
"""

COMMANDS = {
    "python": [PY, "-c", PY_SNIPPET],
    "perl": [PERL, "-e", PERL_SNIPPET],
    "ruby": [RUBY, "-e", RUBY_SNIPPET],
}


def run(cmd, env):
    p = subprocess.run(cmd, env=env, cwd="/", capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, "%s failed (rc=%d)\nstdout:%s\nstderr:%s" % (
        cmd[0], p.returncode, p.stdout, p.stderr)
    return json.loads(p.stdout.strip().splitlines()[-1])


def mapped(maps, soname):
    return [m for m in maps if os.path.basename(m).startswith(soname)]


def check_ours(result, libdir, sonames):
    assert result["version"] == 9000000
    for so in sonames:
        paths = mapped(result["maps"], so)
        assert paths, "%s not mapped at all: %s" % (so, result["maps"])
        real = {os.path.realpath(p) for p in paths}
        ours = os.path.realpath(os.path.join(libdir, so))
        assert real == {ours}, "%s mapped from %s, expected only %s" % (so, sorted(real), ours)


@pytest.mark.parametrize("lang", sorted(COMMANDS))
def test_load_ld_library_path(lang, libdir):
    res = run(COMMANDS[lang], {"LD_LIBRARY_PATH": libdir})
    sonames = ["libvirt.so.0"]
    if lang in ("python", "ruby"):  # these load libvirt-qemu/-lxc too
        sonames += ["libvirt-qemu.so.0", "libvirt-lxc.so.0"]
    check_ours(res, libdir, sonames)


ALL_OURS = ("libvirt.so.0", "libvirt-qemu.so.0", "libvirt-lxc.so.0")


def test_load_ld_preload_perl(libdir):
    """Sys::Virt links only libvirt.so.0: preloading ours alone suffices."""
    res = run(COMMANDS["perl"], {"LD_PRELOAD": os.path.join(libdir, "libvirt.so.0")})
    check_ours(res, libdir, ["libvirt.so.0"])


def test_load_ld_preload_ruby(libdir):
    """ruby-libvirt's _libvirt.so links libvirt-qemu.so.0 and libvirt-lxc.so.0
    as well, so all of ours are preloaded (see test_load_ld_preload_python_all
    for why preloading only libvirt.so.0 cannot work)."""
    pre = " ".join(os.path.join(libdir, so) for so in ALL_OURS)
    res = run(COMMANDS["ruby"], {"LD_PRELOAD": pre})
    check_ours(res, libdir, list(ALL_OURS))


def test_load_ld_preload_python_core(libdir):
    """`import libvirt` alone with only our libvirt.so.0 preloaded."""
    snippet = PY_SNIPPET.replace(", libvirt_qemu, libvirt_lxc", "")
    res = run([PY, "-c", snippet], {"LD_PRELOAD": os.path.join(libdir, "libvirt.so.0")})
    check_ours(res, libdir, ["libvirt.so.0"])


def test_load_ld_preload_python_all(libdir):
    """`import libvirt, libvirt_qemu, libvirt_lxc` preloading all of ours.

    Preloading only our libvirt.so.0 cannot work for libvirt_qemu/libvirt_lxc:
    the distro's libvirt-qemu.so.0 / libvirt-lxc.so.0 would then be loaded and
    they import LIBVIRT_PRIVATE_9.0.0 internals (virDomainClass,
    virObjectIsClass, virRaiseErrorFull, ...), so ours must be preloaded too.
    """
    pre = " ".join(os.path.join(libdir, so) for so in ALL_OURS)
    res = run(COMMANDS["python"], {"LD_PRELOAD": pre})
    check_ours(res, libdir, list(ALL_OURS))


def test_real_library_is_default():
    """Sanity: without our loader variables the distro library is used, so the
    checks above really distinguish the two."""
    res = run(COMMANDS["python"], {})
    assert all(m.startswith("/usr/lib/") or m.startswith("/lib/") for m in res["maps"]), res
