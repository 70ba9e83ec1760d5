"""Event loop and event callbacks: registrations, ids and errors, and the
full sequences of events every family delivers for the same operations.

Events are delivered by the default event loop, which these scenarios run
in the scenario's own thread (`pump` runs iterations until a sentinel timer
fires), so results do not depend on thread timing.  Every scenario removes
its callbacks again, since they hold their connection open."""
from differential import *  # noqa: F401,F403

NET_UUID = "1b2c3d4e-0000-4000-8000-0000000e0001"
POOL_UUID = "1b2c3d4e-0000-4000-8000-0000000e0002"
EV_DOM_UUID = "1b2c3d4e-0000-4000-8000-0000000e0003"

NET_XML = """<network>
  <name>vrs-ev-net</name>
  <uuid>%s</uuid>
  <bridge name='vrsevbr0'/>
  <ip address='192.168.214.1' netmask='255.255.255.0'/>
</network>""" % NET_UUID

POOL_XML = """<pool type='dir'>
  <name>vrs-ev-pool</name>
  <uuid>%s</uuid>
  <target><path>/vrs-ev-pool</path></target>
</pool>""" % POOL_UUID

NODEDEV_XML = """<device>
  <name>vrs-ev-vhba</name>
  <parent>scsi_host1</parent>
  <capability type='scsi_host'>
    <capability type='fc_host'>
      <wwnn>2000000012341234</wwnn>
      <wwpn>1000000012341234</wwpn>
    </capability>
  </capability>
</device>"""


def pump(libvirt, ms=60):
    """Runs the default loop until everything ready has been delivered."""
    libvirt.virEventRegisterDefaultImpl()
    done = []
    t = libvirt.virEventAddTimeout(ms, lambda timer, opaque: done.append(timer), None)
    while not done:
        libvirt.virEventRunDefaultImpl()
    libvirt.virEventRemoveTimeout(t)


def domain_event_ids(libvirt):
    return sorted((v, k) for k, v in vars(libvirt).items()
                  if k.startswith("VIR_DOMAIN_EVENT_ID_") and k != "VIR_DOMAIN_EVENT_ID_LAST")


def plain(x):
    """JSON-able form of callback arguments (objects by name)."""
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    if isinstance(x, dict):
        return {k: plain(v) for k, v in sorted(x.items())}
    if hasattr(x, "name") and callable(x.name):
        return x.name()
    if hasattr(x, "UUIDString"):
        return x.UUIDString()
    return x


class Recorder:
    """Registers a recording callback for every event id of every family."""

    def __init__(self, libvirt, conn, families=("domain", "network", "pool", "nodedev", "secret")):
        self.conn, self.log, self.ids, self.errors = conn, [], [], {}
        rec = self.log

        def cb(tag):
            def f(conn, obj, *args):
                rec.append([tag, plain(obj)] + plain(list(args[:-1])))
                return 0
            return f

        reg = {
            "domain": (conn.domainEventRegisterAny, conn.domainEventDeregisterAny, domain_event_ids(libvirt)),
            "network": (conn.networkEventRegisterAny, conn.networkEventDeregisterAny,
                        [(libvirt.VIR_NETWORK_EVENT_ID_LIFECYCLE, "lifecycle")]),
            "pool": (conn.storagePoolEventRegisterAny, conn.storagePoolEventDeregisterAny,
                     [(libvirt.VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE, "lifecycle"),
                      (libvirt.VIR_STORAGE_POOL_EVENT_ID_REFRESH, "refresh")]),
            "nodedev": (conn.nodeDeviceEventRegisterAny, conn.nodeDeviceEventDeregisterAny,
                        [(libvirt.VIR_NODE_DEVICE_EVENT_ID_LIFECYCLE, "lifecycle"),
                         (libvirt.VIR_NODE_DEVICE_EVENT_ID_UPDATE, "update")]),
            "secret": (conn.secretEventRegisterAny, conn.secretEventDeregisterAny,
                       [(libvirt.VIR_SECRET_EVENT_ID_LIFECYCLE, "lifecycle"),
                        (libvirt.VIR_SECRET_EVENT_ID_VALUE_CHANGED, "value")]),
        }
        for fam in families:
            register, deregister, ids = reg[fam]
            for num, name in ids:
                r = call(register, None, num, cb("%s/%s" % (fam, name)), None)
                if isinstance(r, int):
                    self.ids.append((deregister, r))
                else:
                    self.errors["%s/%s" % (fam, name)] = r

    def close(self):
        for deregister, i in self.ids:
            deregister(i)
        self.ids = []


def record(libvirt, ops, families=("domain", "network", "pool", "nodedev", "secret")):
    """The events the operations raise, with each operation's own result."""
    quiet(libvirt)
    libvirt.virEventRegisterDefaultImpl()
    c = libvirt.open(URI)
    r = Recorder(libvirt, c, families)
    steps = []
    try:
        for name, op in ops:
            steps.append([name, call(op, c)])
            pump(libvirt)
            steps.append(["events", r.log[:]])
            del r.log[:]
    finally:
        r.close()
        pump(libvirt)
    return {"registration_errors": r.errors, "steps": steps}


# --------------------------------------------------------------------------
# the loop and registrations
# --------------------------------------------------------------------------

@scenario
def events_without_a_loop(libvirt):
    # runs before any scenario registers the default loop
    quiet(libvirt)
    c = libvirt.open(URI)
    out = [call(c.domainEventRegisterAny, None, 0, lambda *a: 0, None),
           call(c.networkEventRegisterAny, None, 0, lambda *a: 0, None),
           call(c.registerCloseCallback, lambda *a: None, None),
           call(c.unregisterCloseCallback)]
    return out


@scenario
def events_loop_timers_and_handles(libvirt):
    import os
    libvirt.virEventRegisterDefaultImpl()
    # first let the loop finish what earlier users left (libvirt removes a
    # closed remote connection's socket watch only on its next iteration)
    pump(libvirt)
    log = []
    t1 = libvirt.virEventAddTimeout(0, lambda t, o: log.append(["t0", o]), "a")
    t2 = libvirt.virEventAddTimeout(-1, lambda t, o: log.append(["off", o]), "b")
    r, w = os.pipe()
    h = libvirt.virEventAddHandle(r, libvirt.VIR_EVENT_HANDLE_READABLE,
                                  lambda watch, fd, ev, o: log.append(["h", ev, os.read(fd, 1).decode()]), None)
    libvirt.virEventRunDefaultImpl()
    libvirt.virEventRemoveTimeout(t1)
    os.write(w, b"x")
    pump(libvirt)
    libvirt.virEventUpdateHandle(h, 0)
    os.write(w, b"y")
    pump(libvirt)
    libvirt.virEventUpdateHandle(h, libvirt.VIR_EVENT_HANDLE_READABLE)
    pump(libvirt)
    out = [t2 - t1, log, libvirt.virEventRemoveHandle(h), libvirt.virEventRemoveTimeout(t2),
           call(libvirt.virEventRemoveTimeout, t2)]
    pump(libvirt)
    os.close(r)
    os.close(w)
    return out


@scenario
def events_registration_ids_and_errors(libvirt):
    quiet(libvirt)
    libvirt.virEventRegisterDefaultImpl()
    c1 = libvirt.open(URI)
    c2 = libvirt.open(URI)
    d = c1.lookupByName("test")
    cb = lambda *a: 0  # noqa: E731
    ids = [c1.domainEventRegisterAny(None, 0, cb, None),
           c2.domainEventRegisterAny(None, 0, cb, None),
           c1.domainEventRegisterAny(d, 1, cb, None),
           c1.networkEventRegisterAny(None, 0, cb, None),
           c1.storagePoolEventRegisterAny(None, 1, cb, None),
           c1.nodeDeviceEventRegisterAny(None, 0, cb, None)]
    errors = [call(c1.secretEventRegisterAny, None, 0, cb, None),
              call(c1.domainEventRegisterAny, None, 27, cb, None),
              call(c1.networkEventRegisterAny, None, 1, cb, None),
              call(c1.storagePoolEventRegisterAny, None, 2, cb, None),
              call(c1.nodeDeviceEventRegisterAny, None, 2, cb, None),
              call(c1.domainEventDeregisterAny, 1000),
              call(c2.domainEventDeregisterAny, ids[0]),
              call(c1.secretEventDeregisterAny, 0),
              call(c1.networkEventDeregisterAny, -1)]
    # any family's deregistration finds any id of the same host and connection
    removed = [c1.networkEventDeregisterAny(ids[2]), call(c1.domainEventDeregisterAny, ids[2])]
    for i, fam in [(0, c1.domainEventDeregisterAny), (1, c2.domainEventDeregisterAny),
                   (3, c1.networkEventDeregisterAny), (4, c1.storagePoolEventDeregisterAny),
                   (5, c1.nodeDeviceEventDeregisterAny)]:
        removed.append(fam(ids[i]))
    again = c1.domainEventRegisterAny(None, 0, cb, None)
    c1.domainEventDeregisterAny(again)
    return {"ids": [i - ids[0] for i in ids], "next": again - ids[0], "errors": errors, "removed": removed}


@scenario
def events_legacy_domain_registration(libvirt):
    quiet(libvirt)
    libvirt.virEventRegisterDefaultImpl()
    c = libvirt.open(URI)
    cb = lambda *a: 0  # noqa: E731
    out = [c.domainEventRegister(cb, None), c.domainEventRegister(cb, None),
           c.domainEventDeregister(cb), c.domainEventDeregister(cb),
           call(c.domainEventDeregister, cb)]
    return out


@scenario
def events_keepalive_alive_close_callbacks(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    return [call(c.setKeepAlive, 5, 3), call(c.setKeepAlive, -1, 0), c.isAlive(),
            call(c.registerCloseCallback, lambda *a: None, None),
            call(c.unregisterCloseCallback), call(c.unregisterCloseCallback)]


@scenario
def events_qemu_monitor_unsupported(libvirt):
    import libvirt_qemu
    quiet(libvirt)
    c = libvirt.open(URI)
    return [call(libvirt_qemu.qemuMonitorEventRegister, c, None, None, lambda *a: None, None, 0),
            call(libvirt_qemu.qemuMonitorEventDeregister, c, 0)]


# --------------------------------------------------------------------------
# event sequences, family by family
# --------------------------------------------------------------------------

def _domain_ops(libvirt):
    xml = small_xml(name="vrs-ev-dom", uuid=EV_DOM_UUID)
    return [
        ("define", lambda c: c.defineXML(xml).name()),
        ("create", lambda c: c.lookupByName("vrs-ev-dom").create()),
        ("suspend", lambda c: c.lookupByName("vrs-ev-dom").suspend()),
        ("resume", lambda c: c.lookupByName("vrs-ev-dom").resume()),
        ("destroy", lambda c: c.lookupByName("vrs-ev-dom").destroy()),
        ("undefine", lambda c: c.lookupByName("vrs-ev-dom").undefine()),
    ]


@scenario
def events_domain_lifecycle_sequence(libvirt):
    return record(libvirt, _domain_ops(libvirt), families=("domain",))


@scenario
def events_domain_transient_sequence(libvirt):
    xml = small_xml(name="vrs-ev-dom", uuid=EV_DOM_UUID)
    return record(libvirt, [
        ("createXML", lambda c: c.createXML(xml, 0).name()),
        ("suspend", lambda c: c.lookupByName("vrs-ev-dom").suspend()),
        ("shutdown", lambda c: c.lookupByName("vrs-ev-dom").shutdown()),
    ], families=("domain",))


@scenario
def events_domain_other_ids_sequence(libvirt):
    meta = "<m xmlns='http://example.org/vrs'>x</m>"
    return record(libvirt, [
        ("reboot", lambda c: c.lookupByName("test").reboot(0)),
        ("reset", lambda c: c.lookupByName("test").reset(0)),
        ("set_memory", lambda c: c.lookupByName("test").setMemory(1048576)),
        ("set_metadata", lambda c: c.lookupByName("test").setMetadata(
            libvirt.VIR_DOMAIN_METADATA_ELEMENT, meta, "vrs", "http://example.org/vrs",
            libvirt.VIR_DOMAIN_AFFECT_LIVE)),
        ("remove_metadata", lambda c: c.lookupByName("test").setMetadata(
            libvirt.VIR_DOMAIN_METADATA_ELEMENT, None, None, "http://example.org/vrs",
            libvirt.VIR_DOMAIN_AFFECT_LIVE)),
        ("set_memory_back", lambda c: c.lookupByName("test").setMemory(2097152)),
    ], families=("domain",))


@scenario
def events_network_sequence(libvirt):
    return record(libvirt, [
        ("define", lambda c: c.networkDefineXML(NET_XML).name()),
        ("start", lambda c: c.networkLookupByName("vrs-ev-net").create()),
        ("destroy", lambda c: c.networkLookupByName("vrs-ev-net").destroy()),
        ("undefine", lambda c: c.networkLookupByName("vrs-ev-net").undefine()),
    ], families=("network",))


@scenario
def events_storage_pool_sequence(libvirt):
    return record(libvirt, [
        ("define", lambda c: c.storagePoolDefineXML(POOL_XML, 0).name()),
        ("start", lambda c: c.storagePoolLookupByName("vrs-ev-pool").create(0)),
        ("refresh", lambda c: c.storagePoolLookupByName("vrs-ev-pool").refresh(0)),
        ("destroy", lambda c: c.storagePoolLookupByName("vrs-ev-pool").destroy()),
        ("undefine", lambda c: c.storagePoolLookupByName("vrs-ev-pool").undefine()),
    ], families=("pool",))


@scenario
def events_node_device_sequence(libvirt):
    made = []

    def create(c):
        made.append(c.nodeDeviceCreateXML(NODEDEV_XML, 0))
        return made[0].parent()

    return record(libvirt, [
        ("create", create),
        ("destroy", lambda c: made[0].destroy()),
    ], families=("nodedev",))


@scenario
def events_every_family_registers_as_libvirt(libvirt):
    # which families and ids the test driver accepts (secrets: none)
    out = record(libvirt, [], families=("domain", "network", "pool", "nodedev", "secret"))
    return out["registration_errors"]


# --------------------------------------------------------------------------
# streams
# --------------------------------------------------------------------------

@scenario
def streams_without_a_driver(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    st = c.newStream(0)
    out = [call(st.send, b"abc"), call(st.recv, 10), call(st.recvHole), call(st.sendHole, 10),
           call(st.recvFlags, 10, 0), call(st.finish), call(st.abort),
           call(st.recvAll, lambda s, d, o: len(d), None),
           call(st.sendAll, lambda s, n, o: b"", None)]
    st = c.newStream(libvirt.VIR_STREAM_NONBLOCK)
    out += [call(st.recvAll, lambda s, d, o: len(d), None), call(st.sendAll, lambda s, n, o: b"", None),
            call(st.sparseRecvAll, lambda s, d, o: len(d), lambda s, n, o: 0, None)]
    return out


@scenario
def streams_screenshot(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    d = c.lookupByName("test")
    st = c.newStream(0)
    out = [d.screenshot(st, 0, 0)]
    head = st.recv(8)
    chunks = []
    st.recvAll(lambda s, data, o: chunks.append(len(data)) or len(data), None)
    out += [head.hex(), sum(chunks) > 1000, st.recv(10).hex(), st.finish(), call(st.finish), call(st.recv, 10),
            call(st.send, b"x"), call(d.screenshot, c.newStream(0), 0, 1)]
    st = c.newStream(0)
    d.screenshot(st, 0, 0)
    out += [call(st.send, b"x"), call(st.recvAll, lambda s, data, o: -1, None), call(st.recv, 1), st.abort()]
    return out
