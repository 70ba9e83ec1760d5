"""Domain calls of the test driver beyond the basics: lifecycle corners,
vCPUs and memory, tuning parameters, metadata, save images, managed save,
core dumps, renaming, guest stand-ins, I/O threads and queries."""
import os
import tempfile

from differential import *  # noqa: F401,F403

VXML = """<domain type='test'>
  <name>vrs-api</name>
  <uuid>{uuid}</uuid>
  <memory unit='KiB'>1048576</memory>
  <currentMemory unit='KiB'>524288</currentMemory>
  <vcpu current='2'>4</vcpu>
  <os><type>hvm</type></os>
  {extra}
  <devices>
    <disk type='file' device='disk'>
      <source file='/var/lib/vrs-api.img'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <target dev='hdc'/>
    </disk>
    <interface type='network'>
      <mac address='52:54:00:12:34:56'/>
      <source network='default'/>
    </interface>
    <interface type='user'>
      <mac address='52:54:00:12:34:57'/>
    </interface>
    <memballoon model='virtio'/>
  </devices>
</domain>"""


def vxml(uuid=UUID1, extra=""):
    return VXML.format(uuid=uuid, extra=extra)


def conn(libvirt):
    quiet(libvirt)
    return libvirt.open(URI)


def with_defined(libvirt, fn, start=False, extra=""):
    """fn(conn, dom) on a defined (and maybe started) domain, cleaned up after."""
    c = conn(libvirt)
    d = c.defineXML(vxml(extra=extra))
    try:
        if start:
            d.create()
        return fn(c, d)
    finally:
        for x in c.listAllDomains():
            if x.name() in ("vrs-api", "vrs-api2"):
                if x.isActive():
                    x.destroy()
                if x.isPersistent():
                    call(x.undefineFlags, libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)


def scrub(value, tmp):
    """The result with a temporary directory's name replaced."""
    import json
    return json.loads(json.dumps(value).replace(tmp, "<tmp>"))


def xml_of(d, flags=0):
    return d.XMLDesc(flags)


# ------------------------------------------------------------ lifecycle


@scenario
def api_lifecycle_states(libvirt):
    def run(c, d):
        r = [d.state(), d.ID(), d.create(), d.state(), d.ID() > 0, d.suspend(), d.state(),
             call(d.suspend), d.resume(), d.state(), call(d.resume), d.reboot(0), d.state(),
             d.reset(0), d.shutdown(), d.state(), d.ID(), call(d.shutdown), call(d.reboot, 0),
             call(d.reset, 0), call(d.destroy)]
        return r
    return with_defined(libvirt, run)


@scenario
def api_shutdown_paused_and_actions(libvirt):
    def run(c, d):
        d.create()
        d.suspend()
        r = [d.shutdown(), d.state()]
        d.create()
        r += [d.setLifecycleAction(libvirt.VIR_DOMAIN_LIFECYCLE_POWEROFF,
                                   libvirt.VIR_DOMAIN_LIFECYCLE_ACTION_RESTART, 0),
              d.shutdown(), d.state(), d.isActive()]
        r += [d.setLifecycleAction(libvirt.VIR_DOMAIN_LIFECYCLE_REBOOT,
                                   libvirt.VIR_DOMAIN_LIFECYCLE_ACTION_DESTROY, 0),
              d.reboot(0), d.state(), d.isActive()]
        return r
    return with_defined(libvirt, run)


@scenario
def api_lifecycle_flags(libvirt):
    def run(c, d):
        r = [call(d.createWithFlags, f) for f in (1, 2, 4, 8, 1 << 30)]
        d.create()
        r += [call(d.shutdownFlags, f) for f in (1, 2, 4, 8, 16, 1 << 30)]
        r += [call(d.reboot, f) for f in (1, 2, 4, 8, 16, 1 << 30)]
        r += [call(d.reset, 1), call(d.destroyFlags, 1 << 30), d.isActive(),
              d.destroyFlags(libvirt.VIR_DOMAIN_DESTROY_GRACEFUL), d.state()]
        r += [call(d.undefineFlags, f) for f in (4, 8, 16, 32, 1 << 30)]
        return r
    return with_defined(libvirt, run)


@scenario
def api_destroy_flags_keeps_handle_id(libvirt):
    """Through a daemon only the flagless destroy makes the handle forget its id."""
    def run(c, d):
        d.create()
        r = [d.ID() > 0]
        d.destroyFlags(0)
        r.append(d.ID() > 0)
        d.create()
        d.destroy()
        return r + [d.ID()]
    return with_defined(libvirt, run)


@scenario
def api_create_xml_flags(libvirt):
    c = conn(libvirt)
    r = [call(c.createXML, vxml(), f) for f in (1, 2, 4, 8, 1 << 30)]
    d = c.createXML(vxml(), libvirt.VIR_DOMAIN_START_VALIDATE)
    r += [d.state(), d.isPersistent(), call(c.createXML, vxml(), 0)]
    d.destroy()
    r.append(call(c.lookupByName, "vrs-api"))
    return r


@scenario
def api_redefine_running(libvirt):
    def run(c, d):
        d.create()
        d2 = c.defineXML(vxml(extra="<title>updated</title>"))
        r = [d2.ID() == d.ID(), xml_of(d), xml_of(d, libvirt.VIR_DOMAIN_XML_INACTIVE)]
        d.destroy()
        r += [xml_of(d)]
        return r
    return with_defined(libvirt, run)


@scenario
def api_transient_redefined_then_undefined(libvirt):
    c = conn(libvirt)
    t = c.createXML(vxml(), 0)
    r = [t.isPersistent(), c.defineXML(vxml()).isPersistent(), t.isPersistent(),
         t.undefine(), t.isPersistent(), t.isActive(), t.destroy(), call(c.lookupByName, "vrs-api")]
    return r


@scenario
def api_create_xml_over_defined(libvirt):
    def run(c, d):
        t = c.createXML(vxml(extra="<title>live</title>"), 0)
        r = [t.isPersistent(), xml_of(t), xml_of(t, libvirt.VIR_DOMAIN_XML_INACTIVE)]
        t.destroy()
        r.append(xml_of(d))
        return r
    return with_defined(libvirt, run)


@scenario
def api_gone_domain_errors(libvirt):
    c = conn(libvirt)
    d = c.defineXML(vxml())
    d.undefine()
    return [call(d.state), call(d.info), call(d.XMLDesc, 0), call(d.create), call(d.isActive),
            call(d.isPersistent), call(d.isUpdated), call(d.autostart), call(d.maxMemory),
            call(d.vcpusFlags, 0), call(d.OSType), d.ID(), d.name()]


@scenario
def api_list_filters(libvirt):
    def run(c, d):
        F = libvirt
        d.setAutostart(1)
        names = lambda f: sorted(x.name() for x in c.listAllDomains(f))  # noqa: E731
        r = {k: names(getattr(F, k)) for k, _ in flag_names(libvirt, "VIR_CONNECT_LIST_DOMAINS_")}
        r["ids"] = c.listDomainsID()
        r["defined"] = c.listDefinedDomains()
        return r
    return with_defined(libvirt, run)


# ------------------------------------------------------- vcpus and memory


@scenario
def api_vcpus_and_memory_inactive(libvirt):
    def run(c, d):
        L, C, M = libvirt.VIR_DOMAIN_AFFECT_LIVE, libvirt.VIR_DOMAIN_AFFECT_CONFIG, libvirt.VIR_DOMAIN_MEM_MAXIMUM
        V = libvirt.VIR_DOMAIN_VCPU_MAXIMUM
        r = [[call(d.setMemoryFlags, 1000, f) for f in (0, L, C, L | C, M, M | C, M | L)],
             call(d.setMemoryFlags, 10 ** 9, 0), call(d.setMaxMemory, 2000), call(d.setMemory, 100),
             d.maxMemory(), d.info()[:4],
             [call(d.vcpusFlags, f) for f in (0, L, C, L | C, V, 8, 16)],
             [call(d.setVcpusFlags, 3, f) for f in (0, L, C, L | C, V, V | C)],
             call(d.setVcpusFlags, 33, 0), call(d.setVcpusFlags, 5, 0), call(d.setVcpusFlags, 0, 0),
             call(d.setVcpus, 2), call(d.maxVcpus), xml_of(d)]
        return r
    return with_defined(libvirt, run)


@scenario
def api_vcpus_and_memory_running(libvirt):
    def run(c, d):
        L, C, M = libvirt.VIR_DOMAIN_AFFECT_LIVE, libvirt.VIR_DOMAIN_AFFECT_CONFIG, libvirt.VIR_DOMAIN_MEM_MAXIMUM
        V = libvirt.VIR_DOMAIN_VCPU_MAXIMUM
        r = [[call(d.setMemoryFlags, 1000, f) for f in (0, L, C, L | C, M, M | C, M | L)],
             d.info()[:4], [call(d.vcpusFlags, f) for f in (0, L, C, V, V | C)],
             [call(d.setVcpusFlags, 3, f) for f in (0, L, C, L | C, V | C)],
             call(d.setVcpusFlags, 4, V | C), call(d.setVcpus, 4), d.maxVcpus(),
             xml_of(d), xml_of(d, libvirt.VIR_DOMAIN_XML_INACTIVE)]
        return r
    return with_defined(libvirt, run, start=True)



@scenario
def api_cpumaps(libvirt):
    def run(c, d):
        r = [d.ioThreadInfo(0), call(d.vcpus), d.vcpuPinInfo(0), d.emulatorPinInfo(0)]
        d.create()
        r += [d.ioThreadInfo(0), call(d.ioThreadInfo, 3), d.vcpus()[1], d.vcpuPinInfo(0),
              d.emulatorPinInfo(0), d.pinIOThread(1, (True,), 0), d.ioThreadInfo(0)]
        return r
    return with_defined(libvirt, run, extra="<iothreads>2</iothreads>")


@scenario
def api_pinning(libvirt):
    def run(c, d):
        r = [call(d.pinVcpu, 0, (True,)), call(d.pinEmulator, (True, False), 0)]
        d.create()
        r += [d.pinVcpu(1, (False, True, True)), call(d.pinVcpu, 3, (True,)),
              call(d.pinVcpuFlags, 0, (True,), 1), d.pinEmulator((False, False, True), 0),
              call(d.pinEmulator, (False, False), 0),
              d.pinEmulator((True,), libvirt.VIR_DOMAIN_AFFECT_CONFIG),
              xml_of(d), xml_of(d, libvirt.VIR_DOMAIN_XML_INACTIVE)]
        return r
    return with_defined(libvirt, run)


# ---------------------------------------------------------------- tuning


@scenario
def api_memory_parameters(libvirt):
    def run(c, d):
        L, C = libvirt.VIR_DOMAIN_AFFECT_LIVE, libvirt.VIR_DOMAIN_AFFECT_CONFIG
        r = [d.memoryParameters(0), call(d.memoryParameters, L), call(d.memoryParameters, L | C),
             call(d.setMemoryParameters, {"hard_limit": 1000, "swap_hard_limit": 500}, 0),
             d.setMemoryParameters({"hard_limit": 1000}, 0), d.memoryParameters(0),
             d.setMemoryParameters({"soft_limit": 100, "swap_hard_limit": 5000}, C),
             d.memoryParameters(C), xml_of(d)]
        d.create()
        r += [d.setMemoryParameters({"soft_limit": 10}, L), d.memoryParameters(L), d.memoryParameters(C),
              xml_of(d)]
        return r
    return with_defined(libvirt, run)


@scenario
def api_numa_blkio_parameters(libvirt):
    def run(c, d):
        r = [d.numaParameters(0), d.setNumaParameters({"numa_mode": 2, "numa_nodeset": "0-1"}, 0),
             d.numaParameters(0), call(d.setNumaParameters, {"numa_mode": 9}, 0),
             call(d.setNumaParameters, {"numa_nodeset": "x"}, 0),
             d.blkioParameters(0),
             d.setBlkioParameters({"weight": 500, "device_weight": "/dev/sda,100"}, 0),
             d.setBlkioParameters({"device_read_bytes_sec": "/dev/sdb,1000,/dev/sda,5"}, 0),
             d.blkioParameters(0), xml_of(d)]
        return r
    return with_defined(libvirt, run)


@scenario
def api_interface_parameters(libvirt):
    def run(c, d):
        r = [d.interfaceParameters("testnet0", 0), d.interfaceParameters("52:54:00:12:34:57", 0),
             call(d.interfaceParameters, "nope", 0),
             d.setInterfaceParameters("testnet0", {"inbound.average": 100, "outbound.average": 200,
                                                   "outbound.peak": 300}, 0),
             d.interfaceParameters("testnet0", 0), xml_of(d),
             d.setInterfaceParameters("testnet0", {"inbound.average": 0}, 0), xml_of(d)]
        return r
    return with_defined(libvirt, run)


@scenario
def api_block_iotune(libvirt):
    def run(c, d):
        r = [d.blockIoTune("vda", 0), call(d.blockIoTune, "nope", 0), call(d.blockIoTune, None, 0),
             call(d.setBlockIoTune, "vda", {"total_bytes_sec": 1000}, 0),
             d.setBlockIoTune("vda", {"total_bytes_sec_max": 5000, "total_bytes_sec": 1000,
                                      "group_name": "g1"}, 0),
             call(d.setBlockIoTune, "vda", {"read_bytes_sec": 5}, 0),
             d.blockIoTune("/var/lib/vrs-api.img", 0), xml_of(d)]
        return r
    return with_defined(libvirt, run)


@scenario
def api_perf_scheduler_launch(libvirt):
    def run(c, d):
        r = [d.perfEvents(0), d.setPerfEvents({"cmt": True, "mbml": False}, 0), d.perfEvents(0),
             xml_of(d), d.schedulerType(), d.schedulerParameters(),
             call(d.schedulerParametersFlags, 0), d.setSchedulerParameters({"weight": 10}),
             call(d.setSchedulerParametersFlags, {"weight": 10}, 0),
             call(d.launchSecurityInfo, 0)]
        return r
    return with_defined(libvirt, run)


@scenario
def api_memstats_period_lifecycle_action(libvirt):
    def run(c, d):
        r = [d.setMemoryStatsPeriod(5, 0), call(d.setMemoryStatsPeriod, -1, 0),
             d.setLifecycleAction(0, 1, 0), call(d.setLifecycleAction, 0, 4, 0),
             d.setLifecycleAction(2, 4, 0), call(d.setLifecycleAction, 9, 1, 0),
             call(d.setLifecycleAction, 0, 9, 0), xml_of(d)]
        return r
    return with_defined(libvirt, run)


# -------------------------------------------------------------- metadata


@scenario
def api_metadata(libvirt):
    def run(c, d):
        M = libvirt
        T, D, E = M.VIR_DOMAIN_METADATA_TITLE, M.VIR_DOMAIN_METADATA_DESCRIPTION, M.VIR_DOMAIN_METADATA_ELEMENT
        r = [call(d.metadata, T, None, 0), call(d.metadata, E, None, 0), call(d.metadata, E, "http://x/", 0),
             call(d.metadata, 7, None, 0), call(d.metadata, T, "http://x", 0),
             d.setMetadata(T, "My title", None, None, 0), d.metadata(T, None, 0),
             call(d.setMetadata, T, "a\nb", None, None, 0),
             d.setMetadata(D, "desc\nx", None, None, 0),
             d.setMetadata(E, "<foo a='1'><bar>x</bar><baz/></foo>", "app", "http://app/", 0),
             d.setMetadata(E, "<other/>", "o", "http://other/", 0),
             call(d.setMetadata, E, "<foo2/>", None, "http://app/", 0),
             call(d.setMetadata, E, "<foo2/>", "k", None, 0),
             call(d.setMetadata, T, "t", "k", None, 0),
             d.metadata(E, "http://app/", 0),
             d.setMetadata(E, "<foo3 xmlns:q='urn:q'><q:x/></foo3>", "app", "http://app/", 0),
             d.metadata(E, "http://app/", 0), xml_of(d),
             d.setMetadata(E, None, None, "http://other/", 0), d.setMetadata(T, "", None, None, 0),
             d.setMetadata(D, None, None, None, 0), xml_of(d)]
        d.create()
        r += [d.setMetadata(T, "live", None, None, libvirt.VIR_DOMAIN_AFFECT_LIVE),
              d.metadata(T, None, libvirt.VIR_DOMAIN_AFFECT_LIVE),
              call(d.metadata, T, None, libvirt.VIR_DOMAIN_AFFECT_CONFIG)]
        return r
    return with_defined(libvirt, run)


# ------------------------------------------------------ save and dumps


@scenario
def api_save_restore(libvirt):
    tmp = tempfile.mkdtemp(prefix="vrs-save-")
    img = os.path.join(tmp, "save.img")

    def run(c, d):
        d.create()
        r = [call(d.save, "/nonexistent/dir/x"), d.save(img), d.state(), d.ID(), call(d.save, img),
             c.saveImageGetXMLDesc(img, 0), call(c.restoreFlags, img, "<x/>", 0),
             c.restore(img), c.lookupByName("vrs-api").state(), call(c.restore, img),
             call(c.restore, "/nonexistent")]
        bad = os.path.join(tmp, "bad.img")
        with open(bad, "wb") as f:
            f.write(b"garbage")
        r.append(call(c.restore, bad))
        with open(bad, "wb") as f:
            f.write(b"TestGuestMagic\0\xff\xff\x00\x00")
        r.append(call(c.restore, bad))
        r.append(c.saveImageDefineXML(img, vxml(extra="<title>edited</title>"), 0))
        r.append(c.saveImageGetXMLDesc(img, 0))
        return r
    try:
        return scrub(with_defined(libvirt, run), tmp)
    finally:
        for f in os.listdir(tmp):
            os.unlink(os.path.join(tmp, f))
        os.rmdir(tmp)


@scenario
def api_managed_save(libvirt):
    def run(c, d):
        F = libvirt
        r = [call(d.managedSave, 0), d.create(), d.managedSave(0), d.state(), d.hasManagedSaveImage(0),
             sorted(x.name() for x in c.listAllDomains(F.VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE)),
             call(d.undefine), d.create(), d.hasManagedSaveImage(0), d.managedSave(0),
             d.managedSaveRemove(0), d.hasManagedSaveImage(0), call(d.managedSave, 1 << 30)]
        t = c.createXML(vxml(uuid=UUID2).replace("vrs-api", "vrs-api2"), 0)
        r.append(call(t.managedSave, 0))
        t.destroy()
        return r
    return with_defined(libvirt, run)


@scenario
def api_core_dump(libvirt):
    tmp = tempfile.mkdtemp(prefix="vrs-core-")
    core = os.path.join(tmp, "core")

    def run(c, d):
        r = [call(d.coreDump, core, 0)]
        d.create()
        r += [call(d.coreDumpWithFormat, core, 1, 0), d.coreDump(core, 0), d.isActive(),
              call(d.coreDump, core, 1 << 30), d.coreDump(core, libvirt.VIR_DUMP_CRASH), d.state()]
        with open(core, "rb") as f:
            r.append(list(f.read()))
        return r
    try:
        return with_defined(libvirt, run)
    finally:
        for f in os.listdir(tmp):
            os.unlink(os.path.join(tmp, f))
        os.rmdir(tmp)


# ---------------------------------------------------------------- rename


@scenario
def api_rename(libvirt):
    def run(c, d):
        r = [call(d.rename, "test", 0), call(d.rename, "vrs-api", 0), call(d.rename, "a/b", 0),
             call(d.rename, "x", 1), d.rename("vrs-api2", 0), d.name(),
             call(c.lookupByName, "vrs-api"), c.lookupByName("vrs-api2").UUIDString()]
        d2 = c.lookupByName("vrs-api2")
        d2.create()
        r.append(call(d2.rename, "vrs-api3", 0))
        t = c.lookupByName("test")
        r.append(call(t.rename, "x", 0))
        return r
    return with_defined(libvirt, run)


# ------------------------------------------------------- guest stand-ins


@scenario
def api_guest_calls(libvirt):
    def run(c, d):
        r = [call(d.injectNMI, 0), call(d.sendKey, 0, 0, [1, 2], 2, 0), call(d.setUserPassword, "u", "p", 0),
             call(d.setTime, {"seconds": 1}, 0), call(d.hostname, 0), call(d.fsFreeze, None, 0),
             call(d.sendProcessSignal, 2, 1, 0), call(d.sendProcessSignal, 1, 100, 0),
             call(d.sendProcessSignal, 1, 9, 0)]
        d.create()
        r += [d.injectNMI(0), d.sendKey(0, 0, [1, 2], 2, 0), call(d.sendKey, 0, 0, [99999], 1, 0),
              d.setUserPassword("u", "p", 0), call(d.setUserPassword, "u", "p", 2),
              d.hostname(0), call(d.hostname, 1),
              d.fsFreeze(None, 0), d.fsFreeze(["/"], 0), d.fsThaw(None, 0), d.fsFreeze(["/boot"], 0),
              call(d.fsFreeze, ["/x"], 0), d.fsThaw(["/", "/boot"], 0), d.fSTrim(None, 0, 0),
              call(d.fSTrim, "/x", 0, 0), d.messages(0), call(d.messages, 4),
              d.setTime({"seconds": 5, "nseconds": 3}, 0), call(d.setTime, {"seconds": 5}, 4)]
        return r
    return with_defined(libvirt, run)


@scenario
def api_iothreads(libvirt):
    def run(c, d):
        C = libvirt.VIR_DOMAIN_AFFECT_CONFIG
        r = [d.addIOThread(3, 0), call(d.addIOThread, 3, 0), call(d.addIOThread, 0, 0),
             d.addIOThread(1, C), xml_of(d), call(d.delIOThread, 9, 0), d.delIOThread(3, 0),
             xml_of(d), call(d.setIOThreadParams, 1, {"poll_max_ns": 100}, 0),
             call(d.setIOThreadParams, 1, {"poll_max_ns": 100}, C)]
        d.create()
        r += [call(d.setIOThreadParams, 1, {"poll_max_ns": 100}, 0),
              call(d.setIOThreadParams, 9, {"poll_max_ns": 100}, 0),
              call(d.setIOThreadParams, 1, {"poll_grow": 2}, 1 << 30)]
        return r
    return with_defined(libvirt, run, extra="<iothreads>2</iothreads>")


# --------------------------------------------------------------- queries


@scenario
def api_queries_inactive(libvirt):
    def run(c, d):
        return [d.schedulerType(), call(d.getTime, 0), call(d.controlInfo, 0), call(d.memoryStats),
                call(d.blockStats, "vda"), call(d.interfaceStats, "testnet0"), d.blockInfo("vda", 0),
                call(d.blockInfo, "hdc", 0), call(d.blockInfo, "nope", 0), call(d.getCPUStats, True, 0),
                call(d.fsInfo, 0), call(d.interfaceAddresses, 0, 0), d.securityLabel(),
                call(d.diskErrors, 0), call(d.memoryPeek, 0, 4, 1)]
    return with_defined(libvirt, run, extra="<iothreads>2</iothreads>")


@scenario
def api_queries_running(libvirt):
    def run(c, d):
        d.create()
        shape = lambda t: [type(x).__name__ for x in t]  # noqa: E731  (clock-based values)
        r = [d.getTime(0), d.controlInfo(0), d.memoryStats(), shape(d.blockStats("vda")),
             call(d.blockStats, "nope"), call(d.blockStats, ""), shape(d.interfaceStats("testnet0")),
             call(d.interfaceStats, "nope"), d.getCPUStats(True, 0), d.getCPUStats(False, 0),
             d.fsInfo(0), d.interfaceAddresses(0, 0), call(d.interfaceAddresses, 5, 0),
             d.securityLabel(), d.diskErrors(0), list(d.memoryPeek(250, 10, 1)),
             call(d.memoryPeek, 0, 4, 0), call(d.memoryPeek, 0, 4, 3)]
        d.setTime({"seconds": 5, "nseconds": 3}, 0)
        r += [d.getTime(0), d.controlInfo(0)]
        d.setTime({"seconds": 31234, "nseconds": 0}, 0)
        r += [d.controlInfo(0)]
        d.suspend()
        r += [call(d.getTime, 0)]
        return r
    return with_defined(libvirt, run, extra="<iothreads>2</iothreads>")


@scenario
def api_domain_stats(libvirt):
    def run(c, d):
        stats = lambda recs: sorted((x[0].name(), x[1]) for x in recs)  # noqa: E731
        r = [stats(c.getAllDomainStats(s, 0)) for s in (0, 1, 2, 1 << 20)]
        r += [stats(c.getAllDomainStats(0, f)) for f in (1, 2, 4, 8, 16, 32, 64, 1 << 30)]
        r += [call(c.getAllDomainStats, 2, 1 << 31), stats(c.domainListGetStats([d], 0, 0)),
              stats(c.domainListGetStats([d, c.lookupByName("test")], 1, 2))]
        return r
    return with_defined(libvirt, run)


# ---------------------------------------------------------------- events


@scenario
def api_event_sequences(libvirt):
    from scenarios.events import record
    tmp = tempfile.mkdtemp(prefix="vrs-ev-")
    img = os.path.join(tmp, "save.img")
    core = os.path.join(tmp, "core")
    dom = lambda c: c.lookupByName("vrs-api")  # noqa: E731
    ops = [
        ("define", lambda c: c.defineXML(vxml()).name()),
        ("redefine", lambda c: c.defineXML(vxml()).name()),
        ("create", lambda c: dom(c).create()),
        ("define-running", lambda c: c.defineXML(vxml(extra="<title>t</title>")).name()),
        ("save", lambda c: dom(c).save(img)),
        ("restore", lambda c: c.restore(img)),
        ("managed-save", lambda c: dom(c).managedSave(0)),
        ("start-from-managed", lambda c: dom(c).create()),
        ("crash-dump", lambda c: dom(c).coreDump(core, libvirt.VIR_DUMP_CRASH)),
        ("rename", lambda c: dom(c).rename("vrs-api2", 0)),
        ("rename-back", lambda c: c.lookupByName("vrs-api2").rename("vrs-api", 0)),
        ("start", lambda c: dom(c).create()),
        ("reboot-restart", lambda c: dom(c).reboot(0)),
        ("shutdown", lambda c: dom(c).shutdown()),
        ("start-again", lambda c: dom(c).create()),
        ("undefine-running", lambda c: dom(c).undefine()),
        ("destroy-transient", lambda c: dom(c).destroy()),
        ("create-xml", lambda c: c.createXML(vxml(), 0).name()),
        ("metadata", lambda c: dom(c).setMetadata(libvirt.VIR_DOMAIN_METADATA_TITLE, "x", None, None, 0)),
        ("shutdown-transient", lambda c: dom(c).shutdown()),
    ]
    try:
        return scrub(record(libvirt, ops, families=("domain",)), tmp)
    finally:
        for f in os.listdir(tmp):
            os.unlink(os.path.join(tmp, f))
        os.rmdir(tmp)


@scenario
def api_unknown_architectures(libvirt):
    # names outside libvirt 9.0.0's architecture list, in a definition and a CPU query
    c = libvirt.open(URI)
    out = []
    for arch in ("none", "loongarch64", "x86_64"):
        xml = ("<domain type='test'><name>vrs-arch</name><memory>1024</memory>"
               "<os><type arch='%s'>hvm</type></os></domain>" % arch)
        d = call(c.defineXML, xml)
        if not isinstance(d, list):
            d.undefine()
            d = "defined"
        out.append([arch, d, call(c.getCPUModelNames, arch) if arch != "x86_64" else None])
    c.close()
    return out
