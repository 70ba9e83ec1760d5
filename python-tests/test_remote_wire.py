"""Streams, events and connection failures over the wire: each scenario runs
in a child process once with real libvirt's client and once with ours, and
the results must agree.

* volume upload and download (blocking, non-blocking with stream event
  callbacks, sparse) through the system daemon's storage driver on
  ``qemu:///system``, in a private directory pool made and removed by the
  scenario (libvirt 9.0.0's test driver cannot transfer volumes);
* the daemon dying under an idle connection and under a call in flight,
  with a PRIVATE daemon (an unprivileged libvirtd on its own socket) that
  the scenario starts and kills; the system daemon is never touched;
* many threads sharing one connection with calls and streams in flight.

Skipped when the system daemon's socket is absent.
"""
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

try:
    import pytest
except ImportError:  # the scenario runner child needs no pytest
    pytest = None

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import differential as D  # noqa: E402

SYSTEM_SOCKET = "/var/run/libvirt/libvirt-sock"
SCENARIOS = {}
MiB = 1 << 20


def wscenario(f):
    SCENARIOS["wire_" + f.__name__] = f
    return f


def loop_until(libvirt, done, seconds=10.0):
    """Runs the default event loop until done() or the time is up."""
    deadline = time.time() + seconds
    t = libvirt.virEventAddTimeout(20, lambda timer, opaque: None, None)
    try:
        while not done() and time.time() < deadline:
            libvirt.virEventRunDefaultImpl()
    finally:
        libvirt.virEventRemoveTimeout(t)
    return done()


# --------------------------------------------------------------------------
# volume transfers through qemu:///system
# --------------------------------------------------------------------------

class Pool:
    """A transient directory pool in a temporary directory."""

    def __init__(self, conn):
        self.dir = tempfile.mkdtemp(prefix="vrs-wire-pool-")
        os.chmod(self.dir, 0o755)
        name = "vrs-wire-%d-%d" % (os.getpid(), random.randrange(1 << 30))
        xml = "<pool type='dir'><name>%s</name><target><path>%s</path></target></pool>" % (name, self.dir)
        self.pool = conn.storagePoolCreateXML(xml, 0)

    def volume(self, name, size):
        xml = ("<volume><name>%s</name><capacity unit='bytes'>%d</capacity>"
               "<target><format type='raw'/></target></volume>") % (name, size)
        return self.pool.createXML(xml, 0)

    def close(self):
        for v in self.pool.listAllVolumes():
            v.delete(0)
        self.pool.destroy()
        shutil.rmtree(self.dir, ignore_errors=True)


def payload(size, seed=7):
    return random.Random(seed).randbytes(size)


def sha(b):
    return hashlib.sha256(bytes(b)).hexdigest()[:16]


def upload_blocking(c, vol, data):
    st = c.newStream(0)
    vol.upload(st, 0, len(data), 0)
    pos = [0]

    def source(s, n, o):
        chunk = data[pos[0]:pos[0] + n]
        pos[0] += len(chunk)
        return chunk

    st.sendAll(source, None)
    return st.finish()


def download_blocking(c, vol, offset=0, length=0):
    st = c.newStream(0)
    vol.download(st, offset, length, 0)
    got = bytearray()
    st.recvAll(lambda s, d, o: got.extend(d) or len(d), None)
    st.finish()
    return got


def upload_nonblocking(libvirt, c, vol, data):
    st = c.newStream(libvirt.VIR_STREAM_NONBLOCK)
    vol.upload(st, 0, len(data), 0)
    off, step = 0, 256 * 1024
    while off < len(data):
        n = st.send(data[off:off + step])
        if n == -2:
            time.sleep(0.001)
            continue
        off += n
    return st.finish()


def download_with_callbacks(libvirt, c, vol):
    """Non-blocking download driven by a stream event callback."""
    st = c.newStream(libvirt.VIR_STREAM_NONBLOCK)
    vol.download(st, 0, 0, 0)
    got, state = bytearray(), {"eof": False, "would_block": 0, "error": None}

    def on_event(stream, events, opaque):
        try:
            while True:
                b = stream.recv(64 * 1024)
                if b == -2:
                    state["would_block"] += 1
                    return
                if not b:
                    state["eof"] = True
                    stream.eventRemoveCallback()
                    return
                got.extend(b)
        except libvirt.libvirtError as e:
            state["error"] = D.err(e)
            stream.eventRemoveCallback()

    st.eventAddCallback(libvirt.VIR_STREAM_EVENT_READABLE, on_event, None)
    loop_until(libvirt, lambda: state["eof"] or state["error"], 60)
    fin = st.finish() if state["eof"] else D.call(st.abort)
    return got, [state["eof"], state["error"], fin]


def sections(layout):
    """Adjacent sections of the same kind merged: [[kind, length], ...]."""
    out = []
    for kind, n in layout:
        if out and out[-1][0] == kind:
            out[-1][1] += n
        elif n:
            out.append([kind, n])
    return out


def sparse_upload(libvirt, c, vol, layout, data):
    st = c.newStream(0)
    vol.upload(st, 0, 0, libvirt.VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM)
    pos = {"i": 0, "used": 0}

    def current():
        if pos["i"] >= len(layout):
            return None
        return layout[pos["i"]]

    def advance(n):
        pos["used"] += n
        if pos["used"] >= current()[1]:
            pos["i"] += 1
            pos["used"] = 0

    def hole_handler(s, o):
        sec = current()
        if sec is None:
            return (True, 0)
        return (sec[0] == "data", sec[1] - pos["used"])

    def skip_handler(s, length, o):
        advance(length)
        return 0

    def source(s, n, o):
        sec = current()
        if sec is None or sec[0] != "data":
            return b""
        n = min(n, sec[1] - pos["used"])
        chunk = data[pos["i"]][pos["used"]:pos["used"] + n]
        advance(n)
        return chunk

    st.sparseSendAll(source, hole_handler, skip_handler, None)
    return st.finish()


def sparse_download(libvirt, c, vol):
    st = c.newStream(0)
    vol.download(st, 0, 0, libvirt.VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM)
    layout, content = [], bytearray()

    def sink(s, d, o):
        layout.append(("data", len(d)))
        content.extend(d)
        return len(d)

    def hole(s, length, o):
        layout.append(("hole", length))
        content.extend(bytes(length))
        return 0

    st.sparseRecvAll(sink, hole, None)
    st.finish()
    return sections(layout), content


@wscenario
def volume_upload_download(libvirt):
    D.quiet(libvirt)
    libvirt.virEventRegisterDefaultImpl()
    c = libvirt.open("qemu:///system")
    pool = Pool(c)
    out = []
    try:
        data = payload(8 * MiB)
        vol = pool.volume("blocking.img", len(data))
        out += ["upload", upload_blocking(c, vol, data)]
        got = download_blocking(c, vol)
        out += ["download", len(got), sha(got) == sha(data)]
        part = download_blocking(c, vol, 3 * MiB + 5, 1000)
        out += ["partial", len(part), bytes(part) == data[3 * MiB + 5:3 * MiB + 1005]]

        vol2 = pool.volume("nonblocking.img", len(data))
        data2 = payload(8 * MiB, seed=8)
        out += ["nb-upload", upload_nonblocking(libvirt, c, vol2, data2)]
        got2, state = download_with_callbacks(libvirt, c, vol2)
        out += ["nb-download", len(got2), sha(got2) == sha(data2), state]

        # a transfer with errors: offset beyond the volume, abort midway
        st = c.newStream(0)
        out.append(D.call(vol.upload, st, 16 * MiB, 10, 0))
        st = c.newStream(0)
        vol.download(st, 0, 0, 0)
        first = st.recv(1000)
        out += [len(first), st.abort(), D.call(st.recv, 10), D.call(st.finish)]
    finally:
        pool.close()
    out.append(c.close())
    return out


@wscenario
def volume_sparse(libvirt):
    D.quiet(libvirt)
    c = libvirt.open("qemu:///system")
    pool = Pool(c)
    out = []
    try:
        layout = [("data", 1 * MiB), ("hole", 3 * MiB), ("data", 512 * 1024), ("hole", 2 * MiB + 512 * 1024)]
        blocks = [payload(n, seed=i) if kind == "data" else None for i, (kind, n) in enumerate(layout)]
        total = sum(n for _, n in layout)
        vol = pool.volume("sparse.img", total)
        out += ["upload", sparse_upload(libvirt, c, vol, layout, blocks)]
        got_layout, content = sparse_download(libvirt, c, vol)
        want = b"".join(b if b is not None else bytes(n) for b, (_, n) in zip(blocks, layout))
        out += ["download", got_layout, len(content), sha(content) == sha(want)]
        plain = download_blocking(c, vol)
        out += ["plain", len(plain), sha(plain) == sha(want)]
    finally:
        pool.close()
    out.append(c.close())
    return out


# --------------------------------------------------------------------------
# a private daemon that dies
# --------------------------------------------------------------------------

class PrivateDaemon:
    """An unprivileged libvirtd (user nobody) on a socket of its own."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="vrs-wire-daemon-")
        os.chmod(self.dir, 0o755)
        for sub in ("run", "home"):
            os.mkdir(os.path.join(self.dir, sub))
        subprocess.run(["chown", "-R", "nobody", self.dir], check=True)
        self.sock = os.path.join(self.dir, "run", "libvirt", "libvirt-sock")
        home = os.path.join(self.dir, "home")
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": home,
               "XDG_RUNTIME_DIR": os.path.join(self.dir, "run"),
               "XDG_CONFIG_HOME": os.path.join(home, ".config"), "XDG_CACHE_HOME": os.path.join(home, ".cache")}
        self.log = open(os.path.join(self.dir, "log"), "w")
        self.proc = subprocess.Popen(
            ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "libvirtd"],
            env=env, stdout=self.log, stderr=self.log, cwd=self.dir)
        deadline = time.time() + 20
        while not os.path.exists(self.sock):
            if time.time() > deadline or self.proc.poll() is not None:
                self.kill()
                raise RuntimeError("the private daemon did not start")
            time.sleep(0.05)
        time.sleep(0.2)
        self.uri = "test+unix:///default?socket=" + self.sock

    def signal(self, sig):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)

    def kill(self):
        self.signal(signal.SIGKILL)
        self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@wscenario
def daemon_dies_idle(libvirt):
    """The close callback tells why (end of file); calls then fail at once."""
    D.quiet(libvirt)
    libvirt.virEventRegisterDefaultImpl()
    d = PrivateDaemon()
    try:
        c = libvirt.open(d.uri)
        reasons = []
        c.registerCloseCallback(lambda conn, reason, opaque: reasons.append(reason), None)
        out = [c.getType(), c.isAlive(), D.call(c.registerCloseCallback, lambda *a: 0, None)]
        d.signal(signal.SIGKILL)
        out.append(loop_until(libvirt, lambda: reasons))
        out += [reasons, c.isAlive(), D.call(c.getType), D.call(c.listDomainsID),
                D.call(c.unregisterCloseCallback)]
        out.append(D.call(c.close))
    finally:
        d.kill()
    return out


@wscenario
def daemon_dies_mid_call(libvirt):
    """A call waiting for its reply fails when the daemon dies; no hang."""
    D.quiet(libvirt)
    d = PrivateDaemon()
    try:
        c = libvirt.open(d.uri)
        dom = c.lookupByName("test")
        d.signal(signal.SIGSTOP)
        res = []
        t = threading.Thread(target=lambda: res.append(D.call(dom.info)), daemon=True)
        t.start()
        time.sleep(0.5)
        d.signal(signal.SIGKILL)
        t.join(15)
        out = [t.is_alive(), res, c.isAlive(), D.call(dom.info), D.call(c.close)]
    finally:
        d.kill()
    return out


# --------------------------------------------------------------------------
# one connection, many threads
# --------------------------------------------------------------------------

@wscenario
def threads_calls_and_streams(libvirt):
    D.quiet(libvirt)
    c = libvirt.open("test+unix:///default")
    shots, lookups, errors = [], [], []

    def shooter():
        try:
            for _ in range(5):
                st = c.newStream(0)
                dom = c.lookupByName("test")
                mime = dom.screenshot(st, 0, 0)
                got = bytearray()
                st.recvAll(lambda s, b, o: got.extend(b) or len(b), None)
                st.finish()
                shots.append((mime, sha(got)))
        except Exception as e:  # noqa: BLE001
            errors.append(D.err(e))

    def looker():
        try:
            for _ in range(30):
                lookups.append((c.lookupByName("test").ID(), len(c.listAllDomains()) > 0,
                                c.networkLookupByName("default").name()))
        except Exception as e:  # noqa: BLE001
            errors.append(D.err(e))

    ts = [threading.Thread(target=shooter) for _ in range(4)] + [threading.Thread(target=looker) for _ in range(6)]
    [t.start() for t in ts]
    [t.join(60) for t in ts]
    return [sorted(set(shots)), len(shots), sorted(set(lookups)), len(lookups), errors,
            any(t.is_alive() for t in ts), c.close()]


# --------------------------------------------------------------------------
# runner
# --------------------------------------------------------------------------

def run_child(libdir):
    """{name: result} of SCENARIOS run in a child with this library."""
    return D.run_script(__file__, SCENARIOS, D.library_env(libdir), 600)


if __name__ == "__main__":
    D.SCENARIOS.clear()
    D.SCENARIOS.update(SCENARIOS)
    D.run_scenarios(sys.argv[1], sys.argv[2:] or list(SCENARIOS))
    sys.exit(0)


def _daemon_up():
    import socket
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(SYSTEM_SOCKET)
        return True
    except OSError:
        return False
    finally:
        s.close()


_CACHE = {}


def _results(libdir):
    if not _CACHE:
        _CACHE["real"] = run_child(None)
        _CACHE["ours"] = run_child(libdir)
    return _CACHE["real"], _CACHE["ours"]


@pytest.mark.skipif(not _daemon_up(), reason="no libvirtd socket at " + SYSTEM_SOCKET)
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_same_as_real_over_the_wire(name, libdir):
    real, ours = _results(libdir)
    assert "ok" in real[name], "real libvirt failed: %s" % json.dumps(real[name])
    assert ours[name] == real[name], "\nreal: %s\nours: %s" % (json.dumps(real[name]), json.dumps(ours[name]))
