#!/usr/bin/env bash
# Starts Debian's libvirtd (and virtlogd) for the remote driver's tests
# (python-tests/test_remote.py talks to it through test+unix:///default).
# Idempotent; meant to be called from .ci/run before `make test`.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

if [ ! -x /usr/sbin/libvirtd ] || [ ! -e /etc/libvirt/libvirtd.conf ]; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --reinstall -o Dpkg::Options::=--force-confmiss \
    libvirt-daemon libvirt-daemon-system >/dev/null
fi
$SUDO mkdir -p /var/log/libvirt /var/lib/libvirt /run/libvirt
getent group kvm >/dev/null || $SUDO groupadd -r kvm
id libvirt-qemu >/dev/null 2>&1 || $SUDO useradd -r -g kvm libvirt-qemu
pgrep -x virtlogd >/dev/null || $SUDO /usr/sbin/virtlogd --daemon
pgrep -x libvirtd >/dev/null || $SUDO /usr/sbin/libvirtd --daemon
for _ in $(seq 50); do
  [ -S /run/libvirt/libvirt-sock ] && exit 0
  sleep 0.2
done
echo "libvirtd did not create /run/libvirt/libvirt-sock" >&2
exit 1
