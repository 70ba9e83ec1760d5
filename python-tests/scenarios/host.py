"""Host-wide calls of the test driver: capabilities, sysinfo, NUMA cells,
CPU statistics and map, free pages, security model, CPU models and
baselines, and the host calls it does not implement."""
from differential import *  # noqa: F401,F403

HASWELL = "<cpu><arch>x86_64</arch><model>Haswell</model><vendor>Intel</vendor></cpu>"


@scenario
def host_capabilities(libvirt):
    c = libvirt.open(URI)
    return [c.getCapabilities(), libvirt.openReadOnly(URI).getCapabilities() == c.getCapabilities()]


@scenario
def host_sysinfo(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    return [c.getSysinfo(0), call(c.getSysinfo, 1)]


@scenario
def host_cells_free_memory(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    return [call(c.getCellsFreeMemory, 0, 5), call(c.getCellsFreeMemory, 1, 1), call(c.getCellsFreeMemory, 0, 1),
            call(c.getCellsFreeMemory, 2, 1), call(c.getCellsFreeMemory, 1, 0), call(c.getCellsFreeMemory, -1, 1),
            c.getFreeMemory()]


@scenario
def host_cpu_stats(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    return [call(c.getCPUStats, n, 0) for n in (-1, 0, 15, 16)] + [
        call(c.getCPUStats, -2, 0), call(c.getCPUStats, -1, 1)]


@scenario
def host_memory_stats(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    return [call(c.getMemoryStats, -1, 0), call(c.getMemoryStats, 0, 0)]


@scenario
def host_cpu_map(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    return [c.getCPUMap(0), call(c.getCPUMap, 1)]


@scenario
def host_free_pages(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    return [call(c.getFreePages, [4, 2048, 1048576], 0, 2, 0), call(c.getFreePages, [4], 1, 1, 0),
            call(c.getFreePages, [4], 0, 1, 1), call(c.getFreePages, [], 0, 1, 0)]


@scenario
def host_free_pages_raw(libvirt):
    """The counts as the C API writes them (the binding drops them)."""
    import ctypes
    lib = ctypes.CDLL("libvirt.so.0")
    lib.virConnectOpen.restype = ctypes.c_void_p
    lib.virGetLastErrorMessage.restype = ctypes.c_char_p
    c = ctypes.c_void_p(lib.virConnectOpen(URI.encode()))
    pages = (ctypes.c_uint * 3)(4, 2048, 1048576)
    out = []
    for start, cells, npages in ((0, 2, 3), (5, 1, 2), (-1, 3, 1)):
        counts = (ctypes.c_ulonglong * 9)()
        r = lib.virNodeGetFreePages(c, npages, pages, start, cells, counts, 0)
        out.append([r, list(counts)])
    for args in ((0, pages, 0, 1), (1, None, 0, 1), (1, pages, 0, 0)):
        counts = (ctypes.c_ulonglong * 9)()
        out.append([lib.virNodeGetFreePages(c, args[0], args[1], args[2], args[3], counts, 0),
                    lib.virGetLastErrorMessage().decode()])
    out.append([lib.virNodeGetFreePages(c, 1, pages, 0, 1, None, 0), lib.virGetLastErrorMessage().decode()])
    lib.virConnectClose(c)
    return out


@scenario
def host_node_stats_raw(libvirt):
    """CPU statistics, CPU map and cells through the C API's own buffers."""
    import ctypes
    lib = ctypes.CDLL("libvirt.so.0")
    lib.virConnectOpen.restype = ctypes.c_void_p
    lib.virGetLastErrorMessage.restype = ctypes.c_char_p
    c = ctypes.c_void_p(lib.virConnectOpen(URI.encode()))

    class Stat(ctypes.Structure):
        _fields_ = [("field", ctypes.c_char * 80), ("value", ctypes.c_ulonglong)]
    out = []
    for cap in (0, 2, 6):
        arr = (Stat * 6)()
        n = ctypes.c_int(cap)
        r = lib.virNodeGetCPUStats(c, -1, arr if cap else None, ctypes.byref(n), 0)
        out.append([r, n.value, [(a.field.decode(), a.value) for a in arr]])
    n = ctypes.c_int(-1)
    out.append([lib.virNodeGetCPUStats(c, 0, None, ctypes.byref(n), 0), lib.virGetLastErrorMessage().decode()])
    m = ctypes.POINTER(ctypes.c_ubyte)()
    online = ctypes.c_uint(0)
    r = lib.virNodeGetCPUMap(c, ctypes.byref(m), ctypes.byref(online), 0)
    out.append([r, online.value, m[0], lib.virNodeGetCPUMap(c, None, None, 0)])
    ctypes.CDLL(None).free(m)  # the caller owns the map
    cells = (ctypes.c_ulonglong * 4)()
    out.append([lib.virNodeGetCellsFreeMemory(c, cells, 0, 4), list(cells)])
    out.append([lib.virNodeGetCellsFreeMemory(c, None, 0, 4), lib.virGetLastErrorMessage().decode()])

    class Model(ctypes.Structure):
        _fields_ = [("model", ctypes.c_char * 257), ("doi", ctypes.c_char * 257)]
    sm = Model()
    sm.doi = b"junk"
    out.append([lib.virNodeGetSecurityModel(c, ctypes.byref(sm)), sm.model.decode(), sm.doi.decode()])
    lib.virConnectClose(c)
    return out


@scenario
def host_security_model(libvirt):
    return libvirt.open(URI).getSecurityModel()


@scenario
def host_alloc_pages(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    return [call(c.allocPages, {4: 10}, 0, 1, 0), call(libvirt.openReadOnly(URI).allocPages, {4: 10}, 0, 1, 0)]


@scenario
def host_cpu_model_names(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    arches = ["i686", "x86_64", "ppc64", "ppc64le", "aarch64", "armv7l", "armv6l", "armv7b", "s390", "s390x",
              "ppc", "ppcle", "riscv64", "mips", "sparc", "alpha", "ia64", "bogus", "none", "x86", ""]
    r = {a: call(c.getCPUModelNames, a, 0) for a in arches}
    r["flags"] = call(c.getCPUModelNames, "x86_64", 1)
    return r


@scenario
def host_baseline_cpu(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    return [call(c.baselineCPU, [HASWELL], 0), call(c.baselineCPU, [HASWELL, HASWELL], 0),
            call(c.baselineCPU, [HASWELL], 2), call(c.baselineCPU, [], 0),
            call(c.baselineCPU, ["<cpu/>"], 0), call(c.baselineCPU, ["<cpu><model>Haswell</model></cpu>"], 0),
            call(c.baselineCPU, [HASWELL.replace("</cpu>", "<feature name='vmx'/><feature policy='disable' "
                                                  "name='aes'/></cpu>")], 0),
            call(c.baselineCPU, ["<cpu><arch>x86_64</arch><model>Haswell</model></cpu>"], 0),
            call(c.baselineCPU, ["<cpu><arch>x86_64</arch></cpu>"], 0),
            call(c.baselineCPU, ["<cpu><arch>ppc64</arch><model>POWER8</model></cpu>"], 0),
            call(c.baselineCPU, ["<cpu><arch>x86_64</arch><model>Bogus</model></cpu>"], 0),
            call(c.baselineCPU, ["<cpu><arch>aarch64</arch><model>x</model></cpu>"], 0),
            call(c.baselineCPU, [HASWELL.replace("Intel", "AMD"), HASWELL], 0),
            call(c.baselineCPU, [HASWELL, HASWELL.replace("x86_64", "i686")], 0)]


@scenario
def host_baseline_cpu_expand(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    nehalem = ("<cpu><arch>x86_64</arch><model>Nehalem</model><vendor>Intel</vendor><feature name='vmx'/>"
               "<feature name='abm'/><feature policy='disable' name='sse'/></cpu>")
    return [call(c.baselineCPU, [HASWELL], 1), call(c.baselineCPU, [nehalem], 1),
            call(c.baselineCPU, ["<cpu><arch>x86_64</arch><model>Nehalem-IBRS</model></cpu>"], 1),
            call(c.baselineCPU, [HASWELL.replace("</cpu>", "<feature name='aes'/><feature name='vmx'/></cpu>")], 0),
            call(c.baselineCPU, [HASWELL.replace("</cpu>", "<feature name='vmx'/><feature name='abm'/></cpu>"),
                                 HASWELL.replace("</cpu>", "<feature name='abm'/></cpu>")], 0)]


@scenario
def host_baseline_cpu_models(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    other = "<cpu><arch>x86_64</arch><model>Nehalem</model><vendor>Intel</vendor></cpu>"
    return call(c.baselineCPU, [HASWELL, other], 0)


@scenario
def host_unsupported_calls(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    return [call(c.compareCPU, HASWELL, 0), call(c.getDomainCapabilities, None, None, None, None, 0),
            call(c.getMemoryParameters, 0), call(c.suspendForDuration, 0, 60, 0), call(c.getSEVInfo, 0),
            call(c.baselineHypervisorCPU, None, None, None, None, [HASWELL], 0),
            call(c.compareHypervisorCPU, None, None, None, None, HASWELL, 0),
            call(c.getStoragePoolCapabilities, 0)]


@scenario
def host_network_dhcp_leases(libvirt):
    quiet(libvirt)
    n = libvirt.open(URI).networkLookupByName("default")
    return [call(n.DHCPLeases), call(n.DHCPLeases, "aa:bb:cc:dd:ee:ff"), call(n.listAllPorts, 0),
            call(n.portCreateXML, "<networkport/>", 0),
            call(n.portLookupByUUID, b"\x01" * 16)]


@scenario
def host_network_port_lookup_uuid_string(libvirt):
    quiet(libvirt)
    n = libvirt.open(URI).networkLookupByName("default")
    return call(n.portLookupByUUIDString, "5a1c0000-0000-4000-8000-0000000000aa")
