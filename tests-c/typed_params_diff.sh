#!/bin/sh
# Builds tests-c/typed_params_diff.c against the system libvirt and against
# virt-rs (build/lib, run `make lib` first) and diffs the two outputs.
# Usage: tests-c/typed_params_diff.sh [virt-rs-libdir]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
libdir=${1:-$root/build/lib}
cc=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

$cc -Wall -o "$tmp/real" "$here/typed_params_diff.c" -lvirt
$cc -Wall -I"$root/include" -o "$tmp/ours" "$here/typed_params_diff.c" \
    -L"$libdir" -lvirt

# stdout: results, array states and virGetLastError(); stderr: what the
# default error handler printed. Both must match.
"$tmp/real" > "$tmp/real.out" 2> "$tmp/real.err"
LD_LIBRARY_PATH="$libdir" "$tmp/ours" > "$tmp/ours.out" 2> "$tmp/ours.err"

if diff -u "$tmp/real.out" "$tmp/ours.out" && diff -u "$tmp/real.err" "$tmp/ours.err"; then
    echo "typed_params_diff: identical ($(wc -l < "$tmp/real.out") lines)"
else
    echo "typed_params_diff: outputs differ" >&2
    exit 1
fi
