#!/usr/bin/env bash
# Builds the tiny guest of the real-VM test (python-tests/test_qemu_vm.py)
# from installed Debian packages; nothing it makes is committed.
#
#   tools/build_test_guest.sh OUTDIR
#
# OUTDIR receives
#   vmlinuz         a copy of the newest /boot/vmlinuz-* (linux-image-amd64)
#   initramfs.gz    busybox-static as /init's shell; /init prints BANNER on
#                   ttyS0, powers off when the ACPI power button is pressed
#                   (button.ko and evdev.ko of the same kernel), and then
#                   prints a numbered tick line every second
#   disk.qcow2      an empty 8 MiB qcow2 image (internal snapshots need one)
# and prints the kernel version on stdout.
set -euo pipefail

out=${1:?usage: build_test_guest.sh OUTDIR}
BANNER=${BANNER:-VIRT-RS-GUEST-READY}
BUSYBOX=${BUSYBOX:-/bin/busybox}

kernel=$(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1 || true)
[ -n "$kernel" ] || { echo "no kernel in /boot (install linux-image-amd64)" >&2; exit 1; }
[ -r "$kernel" ] || { echo "$kernel is not readable" >&2; exit 1; }
[ -x "$BUSYBOX" ] || { echo "no $BUSYBOX (install busybox-static)" >&2; exit 1; }
version=${kernel#/boot/vmlinuz-}

mkdir -p "$out"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,lib}
cp "$BUSYBOX" "$root/bin/busybox"
for m in kernel/drivers/acpi/button.ko kernel/drivers/input/evdev.ko; do
  src=/lib/modules/$version/$m
  for cand in "$src" "$src.xz" "$src.zst"; do
    if [ -r "$cand" ]; then
      case $cand in
        *.xz) xz -dc "$cand" >"$root/lib/$(basename "$src")" ;;
        *.zst) zstd -qdc "$cand" >"$root/lib/$(basename "$src")" ;;
        *) cp "$cand" "$root/lib/" ;;
      esac
      break
    fi
  done
done

cat >"$root/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in /lib/*.ko; do insmod "\$m" 2>/dev/null; done
# the ACPI power button: any event on its input device powers off
for e in /sys/class/input/event*; do
  if grep -q "Power Button" "\$e/device/name" 2>/dev/null; then
    (dd if=/dev/input/\${e##*/} bs=24 count=1 >/dev/null 2>&1 && echo "$BANNER powering off" >/dev/ttyS0 && poweroff -f) &
  fi
done
echo "$BANNER" >/dev/ttyS0
n=0
while true; do
  n=\$((n + 1))
  echo "$BANNER tick \$n" >/dev/ttyS0
  sleep 1
done
EOF
chmod 755 "$root/init"

(cd "$root" && find . | "$BUSYBOX" cpio -o -H newc -R 0:0 2>/dev/null) | gzip -9 >"$out/initramfs.gz"
cp "$kernel" "$out/vmlinuz"
qemu-img create -q -f qcow2 "$out/disk.qcow2" 8M
chmod 0644 "$out/vmlinuz" "$out/initramfs.gz" "$out/disk.qcow2"
echo "$version"
