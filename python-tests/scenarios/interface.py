"""Host interfaces of the test driver: the default eth1, definitions and
their XML round trips, start/stop, lookups and change transactions."""
from differential import *  # noqa: F401,F403
from scenarios.network import corpus, edge_cases

IF_XML = "<interface type='ethernet' name='vrs-eth2'><mac address='aa:bb:cc:dd:ee:02'/></interface>"


def if_state(i):
    return [i.name(), i.MACString(), i.isActive()]


def if_lists(c):
    return [sorted(c.listInterfaces()), sorted(c.listDefinedInterfaces()),
            c.numOfInterfaces(), c.numOfDefinedInterfaces()]


@scenario
def iface_default(libvirt):
    c = libvirt.open(URI)
    i = c.interfaceLookupByName("eth1")
    return [if_state(i), i.XMLDesc(), i.XMLDesc(0), if_lists(c),
            [if_state(x) for x in c.listAllInterfaces()]]


@scenario
def iface_lookups(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    r = [if_state(c.interfaceLookupByMACString("AA:BB:CC:DD:EE:FF")),
         call(c.interfaceLookupByName, "nope"),
         call(c.interfaceLookupByMACString, "00:00:00:00:00:00")]
    i = c.interfaceDefineXML(IF_XML.replace("ee:02", "ee:ff"))
    r += [call(c.interfaceLookupByMACString, "aa:bb:cc:dd:ee:ff"), if_state(i)]
    i.undefine()
    return r


@scenario
def iface_xml_desc_flags(libvirt):
    quiet(libvirt)
    i = libvirt.open(URI).interfaceLookupByName("eth1")
    return [call(i.XMLDesc, libvirt.VIR_INTERFACE_XML_INACTIVE), call(i.XMLDesc, 0x80000000)]


@scenario
def iface_corpus_round_trip(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    out = {}
    for f, xml in corpus("interface"):
        i = call(c.interfaceDefineXML, xml)
        if isinstance(i, list):
            out[f] = i
            continue
        out[f] = [if_state(i), i.XMLDesc()]
        i.undefine()
    return out


BAD_INTERFACES = [
    "", "<iface/>", "<interface/>", "<interface type='ethernet'/>", "<interface type='foo' name='x'/>",
    "<interface name='x'/>",
    "<interface type='ethernet' name='lo'><start mode='bogus'/></interface>",
    "<interface type='vlan' name='eth0.42'><vlan><interface name='eth0'/></vlan></interface>",
    "<interface type='vlan' name='v'><vlan tag='1'><interface/></vlan></interface>",
    "<interface type='vlan' name='v'/>",
    "<interface type='bond' name='b'/>",
    "<interface type='bond' name='b'><bond mode='xx'/></interface>",
    "<interface type='bond' name='b'><bond mode='balance-rr'><miimon freq='x'/></bond></interface>",
    "<interface type='bond' name='b'><bond><miimon freq='5' updelay='x'/></bond></interface>",
    "<interface type='bond' name='b'><bond mode='balance-rr'><miimon freq='10' carrier='foo'/></bond></interface>",
    "<interface type='bond' name='b'><bond mode='balance-rr'><arpmon interval='1'/></bond></interface>",
    "<interface type='bond' name='b'><bond><arpmon interval='x' target='1.1.1.1'/></bond></interface>",
    "<interface type='bond' name='b'><bond><arpmon interval='1' target='1.1.1.1' validate='x'/></bond></interface>",
    "<interface type='bond' name='b'><bond mode='802.3ad'><interface type='bridge' name='x'><bridge/></interface></bond></interface>",
    "<interface type='bridge' name='b'/>",
    "<interface type='bridge' name='br'><bridge><interface type='bridge' name='x'><bridge/></interface></bridge></interface>",
    "<interface type='bridge' name='br'><bridge><interface name='x'/></bridge></interface>",
    "<interface type='bridge' name='b'><bridge><interface type='ethernet'/></bridge></interface>",
    "<interface type='ethernet' name='e'><mtu size='x'/></interface>",
    "<interface type='ethernet' name='e'><link state='bogus'/></interface>",
    "<interface type='ethernet' name='e'><link speed='x'/></interface>",
    "<interface type='ethernet' name='e'><protocol/></interface>",
    "<interface type='ethernet' name='e'><protocol family='ipv9'/></interface>",
    "<interface type='ethernet' name='e'><protocol family='ipv4'><ip address='1.2.3.4' prefix='x'/></protocol></interface>",
    "<interface type='ethernet' name='e'><protocol family='ipv4'><dhcp peerdns='maybe'/></protocol></interface>",
]


@scenario
def iface_define_invalid(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    out = []
    for xml in BAD_INTERFACES:
        r = call(c.interfaceDefineXML, xml)
        if not isinstance(r, list):
            r = ["defined", r.XMLDesc()]
            c.interfaceLookupByName(r[1].split("name='")[1].split("'")[0]).undefine()
        out.append(r)
    return out


@scenario
def iface_define_edge_cases(libvirt):
    """Defaults, odd values libvirt keeps, and validation corner cases."""
    quiet(libvirt)
    c = libvirt.open(URI)
    out = []
    for xml in edge_cases("interface", "edge-cases.txt"):
        i = call(c.interfaceDefineXML, xml)
        if not isinstance(i, list):
            r = i.XMLDesc()
            i.undefine()
            i = r
        out.append(i)
    return out


@scenario
def iface_lifecycle(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    i = c.interfaceDefineXML(IF_XML)
    r = [if_state(i), if_lists(c), call(i.destroy, 0), call(i.create, 0), if_state(i), call(i.create, 0),
         if_lists(c), call(i.create, 1), call(i.destroy, 1), call(i.undefine), call(i.isActive),
         call(i.destroy, 0), call(i.XMLDesc), call(i.undefine), if_lists(c)]
    return r


@scenario
def iface_define_flags_and_redefine(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    r = [call(lambda: if_state(c.interfaceDefineXML(IF_XML, libvirt.VIR_INTERFACE_DEFINE_VALIDATE))),
         call(c.interfaceDefineXML, IF_XML, 2)]
    c.interfaceLookupByName("vrs-eth2").undefine()
    e = c.interfaceLookupByName("eth1")
    old = e.XMLDesc()
    r += [if_state(c.interfaceDefineXML("<interface type='ethernet' name='eth1'/>")), if_state(e), e.XMLDesc()]
    c.interfaceDefineXML(old)
    r += [if_state(e), e.XMLDesc() == old]
    return r


@scenario
def iface_list_all_flags(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    i = c.interfaceDefineXML(IF_XML)
    r = {f: sorted(x.name() for x in c.listAllInterfaces(f)) for f in range(4)}
    r["bad"] = call(c.listAllInterfaces, 4)
    i.undefine()
    return r


@scenario
def iface_transaction_rollback(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    r = [call(c.changeCommit, 0), call(c.changeRollback, 0), call(c.changeBegin, 0), call(c.changeBegin, 0)]
    c.interfaceDefineXML(IF_XML)
    c.interfaceLookupByName("eth1").destroy()
    r += [if_lists(c), call(c.changeRollback, 0), if_lists(c), call(c.changeRollback, 0)]
    r.append(if_state(c.interfaceLookupByName("eth1")))
    c.interfaceLookupByName("eth1").create(0)
    return r


@scenario
def iface_transaction_commit(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    r = [call(c.changeBegin, 0)]
    i = c.interfaceDefineXML(IF_XML)
    r += [call(c.changeCommit, 0), if_lists(c), call(c.changeCommit, 0),
          call(c.changeBegin, 1), call(c.changeCommit, 1), call(c.changeRollback, 1)]
    i.undefine()
    r += [call(c.changeBegin, 0), call(c.interfaceLookupByName("eth1").undefine), if_lists(c),
          call(c.changeRollback, 0), if_lists(c), c.interfaceLookupByName("eth1").XMLDesc()]
    return r


@scenario
def iface_readonly(libvirt):
    quiet(libvirt)
    c = libvirt.openReadOnly(URI)
    i = c.interfaceLookupByName("eth1")
    return [i.XMLDesc(), call(c.interfaceDefineXML, IF_XML), call(i.destroy, 0), call(i.undefine),
            call(c.changeBegin, 0)]
