"""Node devices of the test driver: the built-in system and SCSI hosts,
their XML, listing by capability, and virtual HBAs created and destroyed
on a vport-capable Fibre Channel host."""
from differential import *  # noqa: F401,F403
from scenarios.network import corpus

VHBA = ("<device><parent>%s</parent><capability type='scsi_host'><capability type='fc_host'>"
        "<wwnn>2000000012345678</wwnn><wwpn>1000000012345678</wwpn></capability></capability></device>")


def dev_state(d):
    return [d.name(), d.parent(), d.listCaps(), d.numOfCaps()]


@scenario
def nodedev_default_devices(libvirt):
    c = libvirt.open(URI)
    devs = sorted(c.listAllDevices(), key=lambda d: d.name())
    return [sorted(c.listDevices(None)), c.numOfDevices(None),
            [dev_state(d) + [d.XMLDesc(), d.XMLDesc(0)] for d in devs]]


@scenario
def nodedev_list_by_cap(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    caps = ["system", "pci", "usb_device", "usb", "net", "scsi_host", "scsi_target", "scsi", "storage",
            "fc_host", "vports", "vport_ops", "scsi_generic", "drm", "mdev", "foo"]
    r = {cap: [sorted(c.listDevices(cap)), c.numOfDevices(cap)] for cap in caps}
    r["flags"] = [call(c.listDevices, None, 1), call(c.numOfDevices, None, 1)]
    return r


@scenario
def nodedev_list_all_flags(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    r = {f: sorted(d.name() for d in c.listAllDevices(1 << f)) for f in range(22)}
    r["combo"] = sorted(d.name() for d in c.listAllDevices(1 | (1 << 10)))
    r["active"] = call(c.listAllDevices, 1 << 30)
    r["inactive"] = call(c.listAllDevices, 1 << 31)
    r["bad"] = call(c.listAllDevices, 1 << 22)
    return r


@scenario
def nodedev_lookup_errors(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    d = c.nodeDeviceLookupByName("scsi_host1")
    return [call(c.nodeDeviceLookupByName, "nope"), call(d.XMLDesc, 1), call(c.nodeDeviceLookupByName("computer").parent),
            call(c.nodeDeviceLookupSCSIHostByWWN, "2000000012341234", "1000000012341234", 0)]


@scenario
def nodedev_unsupported_calls(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    d = c.nodeDeviceLookupByName("scsi_host1")
    return [call(d.isActive), call(d.isPersistent), call(d.autostart), call(d.setAutostart, 1),
            call(d.dettach), call(d.detachFlags, None, 0), call(d.reAttach), call(d.reset), call(d.create, 0),
            call(d.undefine, 0), call(c.nodeDeviceDefineXML, VHBA % "scsi_host1", 0)]


@scenario
def nodedev_create_vhba(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    d = c.nodeDeviceCreateXML(VHBA % "scsi_host1", 0)
    r = [dev_state(d), d.XMLDesc(), sorted(c.listDevices(None)), sorted(c.listDevices("vports")),
         c.nodeDeviceLookupByName("scsi_host1").XMLDesc()]
    d2 = c.nodeDeviceCreateXML((VHBA % "scsi_host2").replace("12345678<", "87654321<"), 0)
    r += [dev_state(d2), d2.XMLDesc(), d.XMLDesc(), sorted(c.listDevices(None))]
    r += [call(d.destroy), sorted(c.listDevices(None)), call(d.destroy), call(d.XMLDesc, 0), call(d2.destroy)]
    return r


@scenario
def nodedev_destroy_builtin(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    r = [call(c.nodeDeviceLookupByName("computer").destroy), sorted(c.listDevices(None))]
    d = c.nodeDeviceCreateXML(VHBA % "scsi_host2", 0)
    r += [call(c.nodeDeviceLookupByName("scsi_host2").destroy), sorted(c.listDevices(None))]
    r += [call(d.destroy), sorted(c.listDevices(None))]
    r += [call(c.nodeDeviceLookupByName("scsi_host1").destroy), sorted(c.listDevices(None))]
    r += [call(c.nodeDeviceLookupByName("scsi_host11").destroy), sorted(c.listDevices(None))]
    r += [call(c.nodeDeviceCreateXML, VHBA % "computer", 0)]
    return r


@scenario
def nodedev_vhba_destroy_checks_template_parent(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    d = c.nodeDeviceCreateXML(VHBA % "scsi_host2", 0)
    r = [call(c.nodeDeviceLookupByName("scsi_host1").destroy), call(d.destroy), sorted(c.listDevices(None))]
    r += [call(c.nodeDeviceLookupByName("scsi_host11").destroy), sorted(c.listDevices(None)),
          call(lambda: c.nodeDeviceCreateXML(VHBA % "scsi_host2", 0).name())]
    return r


BAD_DEVICES = [
    "", "<dev/>", "<device/>",
    VHBA.replace("<parent>%s</parent>", ""),
    VHBA % "computer", VHBA % "nope", VHBA % "scsi_host11",
    "<device><parent>scsi_host1</parent><capability/></device>",
    "<device><parent>scsi_host1</parent><capability type='scsi_host'/></device>",
    "<device><parent>computer</parent><capability type='scsi_host'/></device>",
    "<device><capability type='scsi_host'><capability type='fc_host'/></capability></device>",
    "<device><capability type='scsi_host'><capability type='fc_host'><wwnn>2000000012345678</wwnn></capability></capability></device>",
    "<device><parent>scsi_host1</parent><capability type='scsi_host'><capability type='vports'/></capability></device>",
    "<device><parent>scsi_host1</parent><capability type='scsi_host'><capability type='bogus'/></capability></device>",
    "<device><parent wwnn='2000000012341234' wwpn='1000000012341234'/><capability type='scsi_host'><capability type='fc_host'><wwnn>2000000012345678</wwnn><wwpn>1000000012345678</wwpn></capability></capability></device>",
    "<device><parent fabric_wwn='2000000043214321'/><capability type='scsi_host'><capability type='fc_host'><wwnn>2000000012345678</wwnn><wwpn>1000000012345678</wwpn></capability></capability></device>",
    "<device><parent>scsi_host1</parent><capability type='system'><hardware><uuid>bad</uuid></hardware></capability></device>",
    VHBA.replace("<parent>%s</parent>", "<parent wwnn='2000000056785678' wwpn='1000000056785678'/>"),
    VHBA.replace("<parent>%s</parent>", "<parent wwnn='2000000034563456' wwpn='1000000034563456'/>"),
    VHBA.replace("<parent>%s</parent>", "<parent fabric_wwn='2000000087658765'/>"),
    VHBA.replace("<parent>%s</parent>", "<parent fabric_wwn='1'/>"),
    VHBA.replace("<parent>%s</parent>", "<parent wwnn='1'/>"),
    VHBA.replace("<parent>%s</parent>", "<parent wwpn='1'/>"),
    VHBA.replace("<parent>%s</parent>", "<parent></parent>"),
] + ["<device><parent>scsi_host1</parent><capability type='%s'/></device>" % t for t in (
    "system", "pci", "usb_device", "usb", "usb_interface", "net", "scsi_target", "scsi", "storage", "drm",
    "mdev", "ccw", "css", "vdpa", "ap_card", "ap_queue", "ap_matrix", "vpd", "foo", "fc_host", "vports",
    "scsi_generic", "mdev_types")]


@scenario
def nodedev_create_invalid(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    out = []
    for xml in BAD_DEVICES:
        r = call(c.nodeDeviceCreateXML, xml, 0)
        if not isinstance(r, list):
            d = r
            r = ["created", d.name(), d.parent(), d.XMLDesc()]
            d.destroy()
        out.append(r)
    return out


@scenario
def nodedev_create_flags(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    return [call(c.nodeDeviceCreateXML, VHBA % "scsi_host1", 2), call(c.nodeDeviceCreateXML, VHBA % "scsi_host1", 4)]


@scenario
def nodedev_corpus_create(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    out = {}
    for f, xml in corpus("nodedev"):
        d = call(c.nodeDeviceCreateXML, xml, 0)
        if isinstance(d, list):
            out[f] = d
            continue
        out[f] = [dev_state(d), d.XMLDesc()]
        d.destroy()
    return out


@scenario
def nodedev_create_validate_schema(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    r = call(c.nodeDeviceCreateXML, VHBA % "scsi_host1", libvirt.VIR_NODE_DEVICE_CREATE_XML_VALIDATE)
    if not isinstance(r, list):
        r.destroy()
        r = "created"
    return r


@scenario
def nodedev_readonly(libvirt):
    quiet(libvirt)
    c = libvirt.openReadOnly(URI)
    d = c.nodeDeviceLookupByName("scsi_host1")
    return [d.XMLDesc(), call(c.nodeDeviceCreateXML, VHBA % "scsi_host1", 0), call(d.destroy)]


@scenario
def nodedev_parent_cached_in_handle(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    d = c.nodeDeviceCreateXML(VHBA % "scsi_host2", 0)
    r = [d.parent(), c.nodeDeviceLookupByName("scsi_host12").parent(), d.XMLDesc()]
    d.destroy()
    return r


@scenario
def nodedev_no_vport_capable_host(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    c.nodeDeviceLookupByName("scsi_host1").destroy()
    c.nodeDeviceLookupByName("scsi_host2").destroy()
    return [call(c.nodeDeviceCreateXML, VHBA.replace("<parent>%s</parent>", ""), 0), sorted(c.listDevices(None))]
