#!/bin/sh
# Build libvirt-python 9.0.0 from its PyPI sdist against an install of this
# library (found only through pkg-config), then run a smoke test with it.
#
# Usage: tools/pip_sdist_test.sh [PREFIX]
#   PREFIX   install prefix to build against (default /tmp/vrs-prefix).
#            Set SKIP_INSTALL=1 to reuse an existing install there.
# Environment: PYTHON (default /usr/bin/python3), WORK (default /tmp/vrs-sdist)
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=${1:-/tmp/vrs-prefix}
PYTHON=${PYTHON:-/usr/bin/python3}
WORK=${WORK:-/tmp/vrs-sdist}
VERSION=9.0.0

say() { printf '== %s\n' "$*"; }
die() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

# Toolchain: gcc + the Python headers of the interpreter that builds it.
need_apt=
command -v gcc >/dev/null 2>&1 || need_apt="$need_apt gcc"
command -v pkg-config >/dev/null 2>&1 || need_apt="$need_apt pkg-config"
inc=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
[ -f "$inc/Python.h" ] || need_apt="$need_apt python3-dev"
"$PYTHON" -c 'import ensurepip' >/dev/null 2>&1 || need_apt="$need_apt python3-venv"
if [ -n "$need_apt" ]; then
    say "installing apt packages:$need_apt"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need_apt
fi

if [ "${SKIP_INSTALL:-0}" != 1 ]; then
    say "installing into $PREFIX"
    make -C "$ROOT" install PREFIX="$PREFIX" >/dev/null
fi
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"
# Make sure the system libvirt's .pc files cannot be picked up instead.
export PKG_CONFIG_LIBDIR="$PREFIX/lib/pkgconfig"
got=$(pkg-config --modversion libvirt) || die "pkg-config cannot find libvirt in $PREFIX"
[ "$got" = "$VERSION" ] || die "pkg-config libvirt version $got != $VERSION"
api=$(pkg-config --variable=libvirt_api libvirt)
case "$api" in "$PREFIX"/*) ;; *) die "libvirt_api=$api is not under $PREFIX";; esac
[ -f "$api" ] || die "libvirt_api file $api missing"

rm -rf "$WORK"
mkdir -p "$WORK/dl"
say "creating venv $WORK/venv"
"$PYTHON" -m venv "$WORK/venv"
VPY="$WORK/venv/bin/python"
"$VPY" -m pip install -q --upgrade pip setuptools wheel

say "downloading libvirt-python==$VERSION sdist"
"$VPY" -m pip download -q --no-binary :all: --no-deps -d "$WORK/dl" "libvirt-python==$VERSION"
sdist=$(ls "$WORK"/dl/libvirt-python-$VERSION.tar.gz "$WORK"/dl/libvirt_python-$VERSION.tar.gz 2>/dev/null | head -n1)
[ -n "$sdist" ] || die "sdist not downloaded"

say "building + installing $sdist (log: $WORK/build.log)"
# --no-cache-dir/--no-build-isolation: always compile, use the venv's setuptools.
# setuptools puts -L<python LIBDIR> (= the system multiarch dir, which may
# hold the real libvirt.so) ahead of pkg-config's -L, so put ours first via
# LDFLAGS/CFLAGS to make sure the binding links against this install.
export LDFLAGS="-L$PREFIX/lib ${LDFLAGS:-}"
export CFLAGS="-I$PREFIX/include ${CFLAGS:-}"
if ! "$VPY" -m pip install -v --no-cache-dir --no-build-isolation --no-binary :all: \
        "$sdist" >"$WORK/build.log" 2>&1; then
    # generator.py output (type converter / validation failures) first
    grep -nE 'Missing type converters|^ *[^ ]+ \*+:[0-9]+ *$|ERROR:|Exception:|CalledProcessError' "$WORK/build.log" >&2 || true
    grep -nE 'error:' "$WORK/build.log" | head -n 20 >&2 || true
    die "building libvirt-python against $PREFIX failed (full log: $WORK/build.log)"
fi
grep -q -- "-I$PREFIX/include" "$WORK/build.log" || die "build did not use $PREFIX/include"
site=$("$VPY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
# The generated wrapper must at least be valid Python (optional-arg defaults
# come from "(optional)" in the API XML's arg info).
"$VPY" -m py_compile "$site/libvirt.py" "$site/libvirt_qemu.py" "$site/libvirt_lxc.py" \
    || die "generated binding modules do not compile (see above)"

say "smoke test"
out=$(cd "$WORK" && LD_LIBRARY_PATH="$PREFIX/lib" "$VPY" -c '
import libvirt
c = libvirt.open("test:///default")
print(c.getType())
' ) || die "smoke test crashed"
echo "$out"
maps=$(cd "$WORK" && LD_LIBRARY_PATH="$PREFIX/lib" "$VPY" -c '
import libvirt
print([l.split()[-1] for l in open("/proc/self/maps") if "libvirt.so" in l][0])')
say "loaded $maps"
case "$maps" in "$PREFIX"/lib/*) ;; *) die "loaded $maps, not the library under $PREFIX";; esac
[ "$out" = "TEST" ] || die "expected TEST, got '$out'"
say "PASS"
