"""A real VM through ``qemu:///system`` (the remote driver and the system
libvirtd): define, start (also paused), pause, resume, snapshot and revert,
console, shutdown, destroy (also gracefully) and undefine a tiny guest, with lifecycle events recorded.

The guest is built at test time by tools/build_test_guest.sh (the host's
kernel from linux-image-amd64, an initramfs around busybox-static); its
/init prints a banner and a tick line a second on ttyS0 and powers off on
the ACPI power button.  The same scenario runs in a child process once with
real libvirt's client and once with ours; the deterministic parts (states
and their reasons, return values, errors, snapshot fields, the event
sequence, what the console showed) must agree, and ours must have done
every step (PENDING lists the known gaps; none today).

Accelerator: KVM when /dev/kvm is present and a probe boot under KVM shows
the banner (nested KVM can hang Linux guests), TCG otherwise;
VIRT_RS_VM_ACCEL=kvm|qemu forces one.  Skipped (with the reason) without
qemu-system-x86_64, a kernel, busybox, a running libvirtd or root.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

try:
    import pytest
except ImportError:  # the child runner needs no pytest
    pytest = None

HERE = os.path.dirname(os.path.abspath(__file__))
BUILDER = os.path.join(HERE, "..", "tools", "build_test_guest.sh")
PYTHON = "/usr/bin/python3"
URI = "qemu:///system"
SOCKET = "/run/libvirt/libvirt-sock"
QEMU = "/usr/bin/qemu-system-x86_64"
BANNER = "VIRT-RS-GUEST-READY"
BOOT_TIMEOUT = 90
PROBE_TIMEOUT = 12
STOP_TIMEOUT = 30
CHILD_TIMEOUT = 240

# --------------------------------------------------------------------------
# the guest's domain document
# --------------------------------------------------------------------------


def domain_xml(guest, accel, name, disk, serial_log):
    # idle=halt: the default idle routine of this kernel hangs TCG's qemu64 CPU
    return f"""<domain type='{accel}'>
  <name>{name}</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>{guest}/vmlinuz</kernel>
    <initrd>{guest}/initramfs.gz</initrd>
    <cmdline>console=ttyS0 quiet panic=-1 idle=halt</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='{disk}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <serial type='pty'>
      <log file='{serial_log}' append='off'/>
      <target port='0'/>
    </serial>
    <console type='pty'>
      <target type='serial' port='0'/>
    </console>
    <memballoon model='none'/>
  </devices>
</domain>"""


def wait_for(pred, timeout, step=0.2):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


def log_shows(path, text):
    try:
        with open(path, "rb") as f:
            return text.encode() in f.read()
    except OSError:
        return False


# --------------------------------------------------------------------------
# the child: one run of the scenario with whichever libvirt.so.0 it loads
# --------------------------------------------------------------------------


def err(libvirt, e):
    if isinstance(e, libvirt.libvirtError):
        return ["libvirtError", e.get_error_code(), e.get_error_domain(), e.get_error_message()]
    return ["exception", type(e).__name__, str(e)]


class Recorder:
    """Steps in order: (label, value); a raising step records its error."""

    def __init__(self, libvirt):
        self.libvirt = libvirt
        self.steps = []
        self.facts = {}  # run-dependent values, reported but not compared

    def __call__(self, label, fn, *args):
        try:
            value = fn(*args)
        except Exception as e:  # noqa: BLE001 - recorded as data
            value = err(self.libvirt, e)
        self.steps.append([label, value])
        return value

    def keep(self, label, fn, *args):
        """Like a step, for a call returning an object: records whether it
        came back (or its error) and returns the object (or None)."""
        box = []
        self(label, lambda: box.append(fn(*args)) or True)
        return box[0] if box else None


class Events:
    """Lifecycle events of one domain, delivered by the default event loop."""

    def __init__(self, libvirt, conn, name):
        self.libvirt = libvirt
        self.name = name
        self.seen = []
        self.lock = threading.Lock()
        self.id = conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, self.cb, None)

    def cb(self, conn, dom, event, detail, opaque):
        if dom.name() == self.name:
            with self.lock:
                self.seen.append([event, detail])

    def wait_last(self, event, timeout=10):
        def last():
            with self.lock:
                return bool(self.seen) and self.seen[-1][0] == event
        return wait_for(last, timeout)

    def list(self):
        with self.lock:
            return list(self.seen)


def read_console(libvirt, conn, dom, want, timeout):
    """Text the serial console gives until `want` shows up (or timeout)."""
    st = conn.newStream(libvirt.VIR_STREAM_NONBLOCK)
    dom.openConsole(None, st, libvirt.VIR_DOMAIN_CONSOLE_FORCE)
    got = b""
    end = time.monotonic() + timeout
    try:
        while want.encode() not in got and time.monotonic() < end:
            data = st.recv(4096)
            if data == -2:  # nothing yet
                time.sleep(0.1)
                continue
            if not data:
                break
            got += data
    finally:
        st.abort()
    return got.decode(errors="replace")


def live_fields(xml):
    import xml.etree.ElementTree as ET
    root = ET.fromstring(xml)
    return {
        "type": root.get("type"),
        "has_id": (root.get("id") or "").isdigit(),
        "kernel": os.path.basename(root.findtext("os/kernel") or ""),
        "console_pty": root.find("devices/console").get("type"),
        "on_poweroff": root.findtext("on_poweroff"),
    }


def snapshot_fields(libvirt, xml):
    import xml.etree.ElementTree as ET
    root = ET.fromstring(xml)
    return {
        "name": root.findtext("name"),
        "state": root.findtext("state"),
        "memory": root.find("memory").get("snapshot") if root.find("memory") is not None else None,
        "disks": [[d.get("name"), d.get("snapshot")] for d in root.findall("disks/disk")],
        "has_domain": root.find("domain") is not None,
        "creationTime": (root.findtext("creationTime") or "").isdigit(),
    }


def ident(i):
    """A domain id as far as it is deterministic: -1 or some positive id."""
    return "positive" if i > 0 else i


def scenario(libvirt, guest, accel, name):
    libvirt.registerErrorHandler(lambda *a: None, None)
    libvirt.virEventRegisterDefaultImpl()

    def loop():
        while True:
            libvirt.virEventRunDefaultImpl()

    threading.Thread(target=loop, daemon=True).start()

    disk = os.path.join(guest, "disk-%s.qcow2" % name)
    serial_log = os.path.join(guest, "serial-%s.log" % name)
    shutil.copyfile(os.path.join(guest, "disk.qcow2"), disk)
    os.chmod(disk, 0o644)

    r = Recorder(libvirt)
    S = libvirt
    conn = libvirt.open(URI)
    r.facts["name"] = name
    r("conn", lambda: [conn.getType(), conn.getURI(), conn.isAlive()])
    ev = r.keep("events.register", lambda: Events(libvirt, conn, name))
    dom = None
    try:
        dom = conn.defineXML(domain_xml(guest, accel, name, disk, serial_log))
        r("define", lambda: [dom.name(), dom.isActive(), dom.isPersistent(), dom.state(), ident(dom.ID())])
        r("lookup", lambda: conn.lookupByName(name).UUIDString() == dom.UUIDString())
        t0 = time.monotonic()
        r("create", dom.create)
        r("running", lambda: [dom.isActive(), dom.state(), ident(dom.ID()), ident(conn.lookupByName(name).ID())])
        booted = wait_for(lambda: log_shows(serial_log, BANNER), BOOT_TIMEOUT)
        r.facts["boot_seconds"] = round(time.monotonic() - t0, 1)
        r("booted", lambda: booted)
        r("info", lambda: dom.info()[:2] + dom.info()[3:4])
        r("live_xml", lambda: live_fields(dom.XMLDesc(0)))
        r("flags", lambda: [dom.isUpdated(), dom.hasManagedSaveImage(0), dom.autostart(), dom.OSType()])

        r("console", lambda: "%s tick" % BANNER in read_console(libvirt, conn, dom, BANNER + " tick", 15))

        r("suspend", dom.suspend)
        r("paused", dom.state)
        r("suspend.again", dom.suspend)
        r("resume", dom.resume)
        r("resumed", dom.state)
        r("resume.again", dom.resume)

        t1 = time.monotonic()
        snap = r.keep("snapshot.create", lambda: dom.snapshotCreateXML(
            "<domainsnapshot><name>s1</name><description>virt-rs</description></domainsnapshot>", 0))
        r.facts["snapshot_seconds"] = round(time.monotonic() - t1, 1)
        if snap is not None:
            r("snapshot.fields", lambda: snapshot_fields(libvirt, snap.getXMLDesc(0)))
            r("snapshot.queries", lambda: [snap.getName(), dom.snapshotNum(0), dom.snapshotListNames(0),
                                          dom.hasCurrentSnapshot(0), snap.isCurrent(0), snap.hasMetadata(0),
                                          dom.snapshotCurrent(0).getName(),
                                          dom.snapshotLookupByName("s1", 0).getName(),
                                          [s.getName() for s in dom.listAllSnapshots(0)]])
            r("snapshot.parent", lambda: snap.getParent(0).getName())
            r("snapshot.missing", lambda: dom.snapshotLookupByName("nope", 0).getName())
            r("snapshot.revert", lambda: dom.revertToSnapshot(snap, 0))
            r("snapshot.reverted", dom.state)
            r("snapshot.delete", lambda: snap.delete(0))
            r("snapshot.after", lambda: [dom.snapshotNum(0), dom.hasCurrentSnapshot(0)])
        r("state.before_shutdown", dom.state)

        r("shutdown", dom.shutdown)
        stopped = wait_for(lambda: not dom.isActive(), STOP_TIMEOUT)
        r("shutdown.completed", lambda: stopped)
        if not stopped:
            dom.destroy()
        r("after_shutdown", lambda: [dom.isActive(), dom.state(), ident(dom.ID())])
        r("shutdown.inactive", dom.shutdown)

        r("create.paused", lambda: dom.createWithFlags(S.VIR_DOMAIN_START_PAUSED))
        r("started_paused", lambda: [dom.isActive(), dom.state(), ident(dom.ID())])
        r("destroy.graceful", lambda: dom.destroyFlags(S.VIR_DOMAIN_DESTROY_GRACEFUL))
        r("after_graceful", lambda: [dom.isActive(), dom.state(), ident(dom.ID())])
        r("create.again", dom.create)
        r("destroy", dom.destroy)
        r("after_destroy", lambda: [dom.isActive(), dom.state(), ident(dom.ID())])
        r("destroy.inactive", dom.destroy)
        r("suspend.inactive", dom.suspend)

        r("undefine", dom.undefine)
        dom = None
        r("gone", lambda: conn.lookupByName(name).name())
        if ev is not None:
            ev.wait_last(S.VIR_DOMAIN_EVENT_UNDEFINED)
            r("events", ev.list)
            r("events.deregister", lambda: conn.domainEventDeregisterAny(ev.id))
    finally:
        if dom is not None:
            for f in (dom.destroy, dom.undefine):
                try:
                    f()
                except libvirt.libvirtError:
                    pass
        conn.close()
        for p in (disk, serial_log):
            try:
                os.unlink(p)
            except OSError:
                pass
    # the unique name is run-dependent
    return {"steps": json.loads(json.dumps(r.steps).replace(name, "<name>")), "facts": r.facts}


def probe(libvirt, guest, accel, name):
    """Whether a transient guest shows its banner under `accel` in time."""
    libvirt.registerErrorHandler(lambda *a: None, None)
    disk = os.path.join(guest, "disk-probe.qcow2")
    serial_log = os.path.join(guest, "serial-probe.log")
    shutil.copyfile(os.path.join(guest, "disk.qcow2"), disk)
    conn = libvirt.open(URI)
    try:
        dom = conn.createXML(domain_xml(guest, accel, name, disk, serial_log), 0)
        try:
            return wait_for(lambda: log_shows(serial_log, BANNER), PROBE_TIMEOUT)
        finally:
            dom.destroy()
    finally:
        conn.close()
        for p in (disk, serial_log):
            try:
                os.unlink(p)
            except OSError:
                pass


def cleanup(libvirt, names):
    """Destroys and undefines what a killed child left behind; the names it
    found."""
    libvirt.registerErrorHandler(lambda *a: None, None)
    conn = libvirt.open(URI)
    found = []
    try:
        for name in names:
            try:
                dom = conn.lookupByName(name)
            except libvirt.libvirtError:
                continue
            found.append(name)
            for f in (dom.destroy, lambda: dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)):
                try:
                    f()
                except libvirt.libvirtError:
                    pass
    finally:
        conn.close()
    return found


def reachable(libvirt):
    """None when qemu:///system answers, else why not."""
    libvirt.registerErrorHandler(lambda *a: None, None)
    try:
        conn = libvirt.open(URI)
    except libvirt.libvirtError as e:
        return "%s: %s" % (URI, e.get_error_message())
    conn.close()
    return None


def child_main(argv):
    import libvirt
    mode, out = argv[0], argv[-1]
    if mode == "reachable":
        res = reachable(libvirt)
    elif mode == "probe":
        res = probe(libvirt, argv[1], argv[2], argv[3])
    elif mode == "cleanup":
        res = cleanup(libvirt, argv[1:-1])
    else:
        try:
            res = scenario(libvirt, argv[1], argv[2], argv[3])
        except Exception as e:  # noqa: BLE001
            res = {"raised": err(libvirt, e)}
    with open(out, "w") as f:
        json.dump(res, f)


# --------------------------------------------------------------------------
# the pytest side
# --------------------------------------------------------------------------

# steps where ours is known to differ, with the reason (strict: a step that
# starts to agree must leave this list)
PENDING = {}


class Child:
    """The scenario (or the probe) in a /usr/bin/python3 child loading real
    libvirt (libdir None) or ours; its answer comes back as a JSON file."""

    def __init__(self, args, libdir=None):
        env = dict(os.environ)
        for k in ("LD_LIBRARY_PATH", "LD_PRELOAD", "LIBVIRT_DEFAULT_URI"):
            env.pop(k, None)
        if libdir:
            env["LD_LIBRARY_PATH"] = libdir
        fd, self.out = tempfile.mkstemp(prefix="vrs-vm-", suffix=".json")
        os.close(fd)
        self.p = subprocess.Popen([PYTHON, os.path.abspath(__file__)] + args + [self.out], env=env, cwd="/",
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def result(self, timeout=CHILD_TIMEOUT):
        try:
            try:
                _, stderr = self.p.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                _, stderr = self.p.communicate()
            with open(self.out) as f:
                text = f.read()
            if not text:
                raise AssertionError("child failed (rc %s): %s" % (self.p.returncode, stderr[-3000:]))
            return json.loads(text)
        finally:
            os.unlink(self.out)


def unique_name(what):
    return "virtrs-vm-%s-%s" % (what, uuid.uuid4().hex[:8])


def skip_reason():
    if os.geteuid() != 0:
        return "needs root (qemu:///system and the guest's serial log)"
    if not os.access(QEMU, os.X_OK):
        return "no %s (qemu-system-x86)" % QEMU
    if not shutil.which("qemu-img"):
        return "no qemu-img (qemu-utils)"
    if not any(f.startswith("vmlinuz-") for f in os.listdir("/boot")):
        return "no /boot/vmlinuz-* (linux-image-amd64)"
    if not os.access("/bin/busybox", os.X_OK):
        return "no /bin/busybox (busybox-static)"
    if not os.access(PYTHON, os.X_OK):
        return "no %s with the libvirt binding" % PYTHON
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(SOCKET)
    except OSError:
        return "no libvirtd on %s (.ci/start-libvirtd.sh)" % SOCKET
    finally:
        s.close()
    return None


if pytest is not None:
    REASON = skip_reason()
    pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")

    @pytest.fixture(scope="module")
    def guest():
        d = tempfile.mkdtemp(prefix="virtrs-guest-")
        os.chmod(d, 0o755)  # the qemu process (another user) reads the kernel
        try:
            subprocess.run(["bash", BUILDER, d], check=True, capture_output=True, text=True)
            yield d
        finally:
            shutil.rmtree(d, ignore_errors=True)

    @pytest.fixture(scope="module")
    def accel(guest):
        why = Child(["reachable"]).result()
        if why:
            pytest.skip(why)
        forced = os.environ.get("VIRT_RS_VM_ACCEL")
        if forced:
            return forced
        if os.path.exists("/dev/kvm"):
            name = unique_name("probe")
            try:
                if Child(["probe", guest, "kvm", name]).result():
                    return "kvm"
            finally:
                Child(["cleanup", name]).result()
        return "qemu"

    def test_real_vm_lifecycle(guest, accel, libdir):
        # both at once: separate domains, disks and serial logs
        names = [unique_name("real"), unique_name("ours")]
        try:
            real_child = Child(["run", guest, accel, names[0]])
            ours_child = Child(["run", guest, accel, names[1]], libdir=libdir)
            real, ours = real_child.result(), ours_child.result()
        finally:
            left = Child(["cleanup"] + names).result()
        assert left == [], "the scenario left domains behind"
        print("accel:", accel, "real:", real.get("facts"), "ours:", ours.get("facts"))
        assert "raised" not in real, real
        assert "raised" not in ours, ours
        want, got = dict(real["steps"]), dict(ours["steps"])
        # the scenario is meaningful: real libvirt did the whole list
        assert want["booted"] is True and want["console"] is True
        assert want["paused"] == [3, 1] and want["resumed"] == [1, 5]
        assert want["snapshot.create"] is True and want["snapshot.delete"] == 0
        assert want["shutdown"] == 0 and want["shutdown.completed"] is True
        assert want["after_shutdown"][:2] == [0, [5, 1]]
        assert want["after_destroy"] == [0, [5, 2], -1]
        assert want["events"][0] == [0, 0] and want["events"][-1] == [1, 0]
        # ours did the same, step by step (known gaps strictly expected)
        diffs = []
        for label, value in real["steps"]:
            same = got.get(label, "<missing>") == value
            if same == (label in PENDING):
                diffs.append("%s: real %r, ours %r%s" % (label, value, got.get(label, "<missing>"),
                                                          " (now same: drop it from PENDING)" if same else ""))
        assert [label for label, _ in ours["steps"] if label not in want] == []
        assert not diffs, "\n".join(diffs)


if __name__ == "__main__":
    child_main(sys.argv[1:])
