#!/bin/sh
# Builds a C program against the system libvirt and against virt-rs
# (build/lib, run `make lib` first), runs both and diffs their outputs.
# Usage: tests-c/c_diff.sh PROGRAM.c [virt-rs-libdir]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
src=$here/$1
name=$(basename "$1" .c)
libdir=${2:-$root/build/lib}
cc=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

$cc -Wall -o "$tmp/real" "$src" -lvirt-admin -lvirt
$cc -Wall -I"$root/include" -o "$tmp/ours" "$src" \
    -L"$libdir" -lvirt-admin -lvirt

# stdout: results, array states and virGetLastError(); stderr: what the
# default error handler printed. Both must match.
"$tmp/real" > "$tmp/real.out" 2> "$tmp/real.err"
LD_LIBRARY_PATH="$libdir" "$tmp/ours" > "$tmp/ours.out" 2> "$tmp/ours.err"

if diff -u "$tmp/real.out" "$tmp/ours.out" && diff -u "$tmp/real.err" "$tmp/ours.err"; then
    echo "$name: identical ($(wc -l < "$tmp/real.out") lines)"
else
    echo "$name: outputs differ" >&2
    exit 1
fi
