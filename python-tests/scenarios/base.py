"""Connection-level and domain scenarios of the first test-driver cut."""
import os

from differential import *  # noqa: F401,F403


# --------------------------------------------------------------------------
# connection level
# --------------------------------------------------------------------------

@scenario
def conn_get_type(libvirt):
    c = libvirt.open(URI)
    return c.getType()


@scenario
def conn_get_uri(libvirt):
    c = libvirt.open(URI)
    return c.getURI()


@scenario
def conn_get_version(libvirt):
    c = libvirt.open(URI)
    return c.getVersion()


@scenario
def conn_get_lib_version(libvirt):
    c = libvirt.open(URI)
    return [c.getLibVersion(), libvirt.getVersion(), libvirt.getVersion("Test")]


@scenario
def module_get_version_unknown_type(libvirt):
    quiet(libvirt)
    return call(libvirt.getVersion, "NoSuchHypervisor")


@scenario
def conn_get_hostname(libvirt):
    import socket
    c = libvirt.open(URI)
    h = c.getHostname()
    return [h, h == socket.gethostname() or h.split(".")[0] == socket.gethostname()]


@scenario
def conn_get_info(libvirt):
    c = libvirt.open(URI)
    return c.getInfo()


@scenario
def conn_get_max_vcpus(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    return [call(c.getMaxVcpus, None), call(c.getMaxVcpus, "test"),
            call(c.getMaxVcpus, "kvm")]


@scenario
def conn_secure_encrypted_alive(libvirt):
    c = libvirt.open(URI)
    return [c.isSecure(), c.isEncrypted(), c.isAlive()]


@scenario
def conn_open_readonly(libvirt):
    c = libvirt.openReadOnly(URI)
    return [c.getType(), c.getURI(), c.isAlive(), c.numOfDomains(), c.close()]


@scenario
def conn_close_refcount(libvirt):
    c = libvirt.open(URI)
    return c.close()


@scenario
def conn_close_with_domain_ref(libvirt):
    c = libvirt.open(URI)
    d = c.lookupByName("test")
    r = c.close()
    name = d.name()
    del d
    return [r, name]


@scenario
def conn_close_two_connections(libvirt):
    c1 = libvirt.open(URI)
    c2 = libvirt.open(URI)
    return [c1.close(), c2.close()]


@scenario
def conn_default_state_shared(libvirt):
    # test:///default is one shared driver state while any connection is open
    c1 = libvirt.open(URI)
    c2 = libvirt.open(URI)
    c1.lookupByName("test").suspend()
    s = c2.lookupByName("test").state()
    c2.lookupByName("test").resume()
    return s


@scenario
def conn_default_state_reset_after_close(libvirt):
    c1 = libvirt.open(URI)
    c1.lookupByName("test").suspend()
    c1.close()
    c2 = libvirt.open(URI)
    return c2.lookupByName("test").state()[0]


@scenario
def open_unknown_scheme(libvirt):
    # Neither library knows "vrsbogus"; real libvirt hands it to the remote
    # driver, which tries the local libvirtd socket.
    quiet(libvirt)
    return try_open(libvirt, "vrsbogus:///system")


@scenario
def open_unknown_scheme_with_host(libvirt):
    quiet(libvirt)
    return try_open(libvirt, "vrsbogus://example.invalid/system")


@scenario
def open_test_missing_file(libvirt):
    quiet(libvirt)
    return try_open(libvirt, "test:///nonexistent/vrs-no-such-file.xml")


@scenario
def open_test_relative_path(libvirt):
    quiet(libvirt)
    return try_open(libvirt, "test://default")


@scenario
def open_malformed_uri(libvirt):
    quiet(libvirt)
    return try_open(libvirt, "test:///default\x01:[")


@scenario
def open_uri_without_scheme(libvirt):
    # No driver name at all: both reject without reaching any driver.
    quiet(libvirt)
    return [try_open(libvirt, u) for u in ("vrsbogus", "/tmp/vrs-x", "test")]


@scenario
def open_test_root_path(libvirt):
    quiet(libvirt)
    return try_open(libvirt, "test:///")


@scenario
def open_test_opaque_path(libvirt):
    quiet(libvirt)
    return try_open(libvirt, "test:vrs-no-such-file")


@scenario
def open_test_with_transport(libvirt):
    # A transport ("+unix") always means the remote driver.
    quiet(libvirt)
    return try_open(libvirt, "test+unix:///default?socket=/nonexistent/vrs-sock")


@scenario
def open_test_query_params(libvirt):
    c = libvirt.open("test:///default?vrs=1")
    return [c.getURI(), c.getType(), c.numOfDomains()]


@scenario
def open_default_uri_from_env(libvirt):
    old = os.environ.get("LIBVIRT_DEFAULT_URI")
    os.environ["LIBVIRT_DEFAULT_URI"] = URI
    try:
        c = libvirt.open(None)
        return [c.getURI(), c.getType()]
    finally:
        if old is None:
            del os.environ["LIBVIRT_DEFAULT_URI"]
        else:
            os.environ["LIBVIRT_DEFAULT_URI"] = old


# --------------------------------------------------------------------------
# listing
# --------------------------------------------------------------------------

@scenario
def list_all_domains_noflags(libvirt):
    c = libvirt.open(URI)
    return sorted(dom_summary(d)["name"] for d in c.listAllDomains())


@scenario
def list_all_domains_each_flag(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    out = {}
    for name, val in flag_names(libvirt, "VIR_CONNECT_LIST_DOMAINS_"):
        r = call(c.listAllDomains, val)
        out[name] = sorted(d.name() for d in r) if isinstance(r, list) and \
            all(hasattr(d, "name") for d in r) else r
    return out


@scenario
def list_all_domains_flag_combos(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    F = libvirt
    combos = {
        "active|inactive": F.VIR_CONNECT_LIST_DOMAINS_ACTIVE | F.VIR_CONNECT_LIST_DOMAINS_INACTIVE,
        "persistent|running": F.VIR_CONNECT_LIST_DOMAINS_PERSISTENT | F.VIR_CONNECT_LIST_DOMAINS_RUNNING,
        "transient|paused": F.VIR_CONNECT_LIST_DOMAINS_TRANSIENT | F.VIR_CONNECT_LIST_DOMAINS_PAUSED,
        "inactive|running": F.VIR_CONNECT_LIST_DOMAINS_INACTIVE | F.VIR_CONNECT_LIST_DOMAINS_RUNNING,
        "all-states": (F.VIR_CONNECT_LIST_DOMAINS_RUNNING | F.VIR_CONNECT_LIST_DOMAINS_PAUSED |
                       F.VIR_CONNECT_LIST_DOMAINS_SHUTOFF | F.VIR_CONNECT_LIST_DOMAINS_OTHER),
        "unknown-bit": 1 << 30,
    }
    out = {}
    for k, v in combos.items():
        r = call(c.listAllDomains, v)
        out[k] = sorted(d.name() for d in r) if r and hasattr(r[0], "name") or r == [] else r
    return out


@scenario
def list_all_domains_after_suspend(libvirt):
    c = libvirt.open(URI)
    c.lookupByName("test").suspend()
    F = libvirt
    return [sorted(d.name() for d in c.listAllDomains(F.VIR_CONNECT_LIST_DOMAINS_PAUSED)),
            sorted(d.name() for d in c.listAllDomains(F.VIR_CONNECT_LIST_DOMAINS_RUNNING))]


@scenario
def list_domains_id(libvirt):
    c = libvirt.open(URI)
    return c.listDomainsID()


@scenario
def num_of_domains(libvirt):
    c = libvirt.open(URI)
    return [c.numOfDomains(), c.numOfDefinedDomains()]


@scenario
def list_defined_domains(libvirt):
    c = libvirt.open(URI)
    return c.listDefinedDomains()


@scenario
def list_after_define_and_destroy(libvirt):
    c = libvirt.open(URI)
    d = c.defineXML(small_xml())
    c.lookupByName("test").destroy()
    r = [c.listDomainsID(), sorted(c.listDefinedDomains()), c.numOfDomains(),
         c.numOfDefinedDomains(), sorted(x.name() for x in c.listAllDomains())]
    d.undefine()
    return r


# --------------------------------------------------------------------------
# lookups
# --------------------------------------------------------------------------

@scenario
def lookup_by_name_found(libvirt):
    c = libvirt.open(URI)
    return dom_summary(c.lookupByName("test"), state=False)


@scenario
def lookup_by_name_missing(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    return call(c.lookupByName, "vrs-no-such-domain")


@scenario
def lookup_by_id_found(libvirt):
    c = libvirt.open(URI)
    return dom_summary(c.lookupByID(1), state=False)


@scenario
def lookup_by_id_missing(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    return [call(c.lookupByID, 4242), call(c.lookupByID, -1)]


@scenario
def lookup_by_uuidstring_found(libvirt):
    c = libvirt.open(URI)
    return dom_summary(c.lookupByUUIDString(TEST_UUID), state=False)


@scenario
def lookup_by_uuidstring_missing(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    return call(c.lookupByUUIDString, UUID2)


@scenario
def lookup_by_uuidstring_invalid(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    return call(c.lookupByUUIDString, "not-a-uuid")


@scenario
def lookup_by_uuid_bytes(libvirt):
    c = libvirt.open(URI)
    d = c.lookupByName("test")
    raw = d.UUID()
    return [len(raw), c.lookupByUUID(raw).name()]


# --------------------------------------------------------------------------
# domain properties
# --------------------------------------------------------------------------

@scenario
def dom_info(libvirt):
    c = libvirt.open(URI)
    i = c.lookupByName("test").info()
    return i[:4]  # cpuTime (index 4) is wall-clock based in the test driver


@scenario
def dom_state(libvirt):
    c = libvirt.open(URI)
    return c.lookupByName("test").state()


@scenario
def dom_identity(libvirt):
    c = libvirt.open(URI)
    d = c.lookupByName("test")
    return [d.ID(), d.name(), d.UUIDString(), d.OSType()]


@scenario
def dom_memory(libvirt):
    c = libvirt.open(URI)
    return c.lookupByName("test").maxMemory()


@scenario
def dom_autostart(libvirt):
    c = libvirt.open(URI)
    return c.lookupByName("test").autostart()


@scenario
def dom_active_persistent_updated(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    d = c.lookupByName("test")
    return [d.isActive(), d.isPersistent(), call(d.isUpdated)]


@scenario
def dom_vcpus_flags(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    d = c.lookupByName("test")
    F = libvirt
    return {
        "0": call(d.vcpusFlags, 0),
        "live": call(d.vcpusFlags, F.VIR_DOMAIN_AFFECT_LIVE),
        "config": call(d.vcpusFlags, F.VIR_DOMAIN_AFFECT_CONFIG),
        "maximum": call(d.vcpusFlags, F.VIR_DOMAIN_VCPU_MAXIMUM),
        "config|maximum": call(d.vcpusFlags, F.VIR_DOMAIN_AFFECT_CONFIG | F.VIR_DOMAIN_VCPU_MAXIMUM),
        "live|config": call(d.vcpusFlags, F.VIR_DOMAIN_AFFECT_LIVE | F.VIR_DOMAIN_AFFECT_CONFIG),
    }


@scenario
def dom_max_vcpus(libvirt):
    c = libvirt.open(URI)
    return c.lookupByName("test").maxVcpus()


@scenario
def dom_inactive_properties(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    d = c.defineXML(small_xml(mem=131072, vcpus=3))
    r = {
        "info": d.info()[:4], "state": d.state(), "id": d.ID(), "os": d.OSType(),
        "maxmem": d.maxMemory(), "vcpus0": call(d.vcpusFlags, 0),
        "vcpus_max": call(d.vcpusFlags, libvirt.VIR_DOMAIN_VCPU_MAXIMUM),
        "maxVcpus": call(d.maxVcpus), "autostart": d.autostart(),
    }
    d.undefine()
    return r


# --------------------------------------------------------------------------
# lifecycle
# --------------------------------------------------------------------------

@scenario
def suspend_resume(libvirt):
    c = libvirt.open(URI)
    d = c.lookupByName("test")
    r = [d.suspend(), d.state(), d.info()[0], d.isActive()]
    r += [d.resume(), d.state()]
    return r


@scenario
def double_suspend(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    d = c.lookupByName("test")
    d.suspend()
    return [call(d.suspend), d.state()]


@scenario
def resume_running(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    return call(c.lookupByName("test").resume)


@scenario
def destroy_then_create(libvirt):
    c = libvirt.open(URI)
    d = c.lookupByName("test")
    r = [d.destroy(), d.state(), d.isActive(), d.ID(), c.numOfDomains(),
         c.numOfDefinedDomains(), c.listDefinedDomains()]
    r += [d.create(), d.state(), d.isActive(), d.ID(), c.numOfDomains(),
          c.lookupByName("test").ID()]
    return r


@scenario
def destroy_twice(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    d = c.lookupByName("test")
    d.destroy()
    return [call(d.destroy), call(d.suspend), call(d.resume)]


@scenario
def create_running(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    return call(c.lookupByName("test").create)


@scenario
def define_lookup_undefine(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    d = c.defineXML(small_xml())
    r = {"defined": dom_summary(d), "ndefined": c.numOfDefinedDomains(),
         "defined_list": sorted(c.listDefinedDomains()),
         "by_name": c.lookupByName("vrs-small").UUIDString(),
         "by_uuid": c.lookupByUUIDString(UUID1).name()}
    r["undefine"] = d.undefine()
    r["after"] = call(c.lookupByName, "vrs-small")
    r["after_uuid"] = call(c.lookupByUUIDString, UUID1)
    r["ndefined_after"] = c.numOfDefinedDomains()
    return r


@scenario
def define_create_destroy_undefine(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    d = c.defineXML(small_xml())
    r = [d.create(), dom_summary(d), c.numOfDomains(), sorted(c.listDomainsID())]
    r += [d.destroy(), dom_summary(d), d.undefine(), call(c.lookupByName, "vrs-small")]
    return r


@scenario
def undefine_running_makes_transient(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    d = c.defineXML(small_xml())
    d.create()
    r = [d.undefine(), dom_summary(d), c.numOfDefinedDomains()]
    r += [d.destroy(), call(c.lookupByName, "vrs-small")]
    return r


@scenario
def define_twice_same_uuid_updates(libvirt):
    c = libvirt.open(URI)
    c.defineXML(small_xml(mem=65536))
    d = c.defineXML(small_xml(mem=131072))
    r = [d.maxMemory(), c.numOfDefinedDomains()]
    d.undefine()
    return r


@scenario
def define_duplicate_name_other_uuid(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    d = c.defineXML(small_xml())
    r = call(c.defineXML, small_xml(uuid=UUID2))
    d.undefine()
    return r


@scenario
def define_name_of_running_domain(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    return call(c.defineXML, small_xml(name="test"))


@scenario
def define_invalid_xml(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    return [call(c.defineXML, "<domain"), call(c.defineXML, "<notadomain/>")]


@scenario
def create_xml_transient(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    d = c.createXML(small_xml(), 0)
    r = [dom_summary(d), c.numOfDomains()]
    r += [d.destroy(), call(c.lookupByName, "vrs-small"), c.numOfDomains()]
    return r


@scenario
def set_autostart(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    d = c.lookupByName("test")
    r = [d.setAutostart(1), d.autostart(), d.setAutostart(0), d.autostart()]
    t = c.createXML(small_xml(), 0)
    r.append(call(t.setAutostart, 1))
    t.destroy()
    return r


@scenario
def define_xml_flags(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    d = c.defineXMLFlags(small_xml(), 0)
    r = [dom_summary(d), call(c.defineXMLFlags, small_xml(name="vrs-other", uuid=UUID2), 1 << 30)]
    d.undefine()
    return r


@scenario
def dom_xml_desc_running(libvirt):
    c = libvirt.open(URI)
    return c.lookupByName("test").XMLDesc(0)


@scenario
def dom_xml_desc_defined(libvirt):
    c = libvirt.open(URI)
    d = c.defineXML(small_xml())
    r = d.XMLDesc(0)
    d.undefine()
    return r


@scenario
def node_free_memory(libvirt):
    c = libvirt.open(URI)
    return c.getFreeMemory()


@scenario
def conn_get_capabilities(libvirt):
    c = libvirt.open(URI)
    return c.getCapabilities()


@scenario
def dom_shutdown(libvirt):
    c = libvirt.open(URI)
    d = c.lookupByName("test")
    return [d.shutdown(), d.state(), d.create(), d.state()]


@scenario
def dom_set_memory(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    d = c.lookupByName("test")
    return [d.setMemory(1048576), d.info()[2], call(d.setMemory, 1 << 40),
            call(d.setMaxMemory, 4194304)]


# --------------------------------------------------------------------------
# read-only connections
# --------------------------------------------------------------------------

@scenario
def readonly_lifecycle_denied(libvirt):
    quiet(libvirt)
    c = libvirt.openReadOnly(URI)
    d = c.lookupByName("test")
    return {"suspend": call(d.suspend), "resume": call(d.resume),
            "destroy": call(d.destroy), "create": call(d.create),
            "setAutostart": call(d.setAutostart, 1), "state": d.state()[0]}


@scenario
def readonly_define_denied(libvirt):
    quiet(libvirt)
    c = libvirt.openReadOnly(URI)
    return [call(c.defineXML, small_xml()), call(c.createXML, small_xml(), 0),
            call(c.lookupByName("test").undefine), c.numOfDefinedDomains()]


@scenario
def readonly_reads_allowed(libvirt):
    c = libvirt.openReadOnly(URI)
    d = c.lookupByName("test")
    return [d.info()[:4], d.state()[0], c.listDomainsID(), d.maxMemory(), c.getInfo()]
