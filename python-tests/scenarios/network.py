"""Networks of the test driver: the default network, definition and
lifecycle, XML round trips of the corpus, updates and lifecycle events."""
import os

from differential import *  # noqa: F401,F403

CORPUS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "corpus")


def corpus(kind):
    d = os.path.join(CORPUS, kind)
    return [(f, open(os.path.join(d, f)).read()) for f in sorted(os.listdir(d)) if f.endswith(".xml")]


NET_UUID = "5a1c0000-0000-4000-8000-0000000000aa"


def net_xml(name="vrs-net", uuid=NET_UUID, extra="<bridge name='vrsbr0'/>"):
    return "<network><name>%s</name><uuid>%s</uuid>%s</network>" % (name, uuid, extra)


def net_state(n):
    return [n.name(), n.UUIDString(), n.isActive(), n.isPersistent(), n.autostart()]


def cleanup_net(c, name):
    try:
        n = c.networkLookupByName(name)
    except Exception:  # noqa: BLE001
        return
    if n.isActive():
        n.destroy()
    try:
        n.undefine()
    except Exception:  # noqa: BLE001
        pass


@scenario
def net_default_network(libvirt):
    c = libvirt.open(URI)
    n = c.networkLookupByName("default")
    return [net_state(n), n.bridgeName(), n.XMLDesc(), n.XMLDesc(0) == n.XMLDesc(),
            c.numOfNetworks(), c.listNetworks(), c.numOfDefinedNetworks(), c.listDefinedNetworks()]


@scenario
def net_lookup_errors(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    n = c.networkLookupByUUIDString("dd8fe884-6c02-601e-7551-cca97df1c5df")
    return [n.name(), call(c.networkLookupByName, "nope"),
            call(c.networkLookupByUUIDString, NET_UUID),
            call(lambda: c.networkLookupByUUID(b"\x01" * 16))]


@scenario
def net_xml_desc_flags(libvirt):
    quiet(libvirt)
    n = libvirt.open(URI).networkLookupByName("default")
    return [call(n.XMLDesc, libvirt.VIR_NETWORK_XML_INACTIVE), call(n.XMLDesc, 0x80000000)]


@scenario
def net_corpus_round_trip(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    out = {}
    for f, xml in corpus("network"):
        n = call(c.networkDefineXML, xml)
        if isinstance(n, list):
            out[f] = n
            continue
        out[f] = [n.XMLDesc(), call(n.bridgeName)]
        n.undefine()
    return out


@scenario
def net_corpus_create_transient(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    out = {}
    for f, xml in corpus("network"):
        n = call(c.networkCreateXML, xml)
        if isinstance(n, list):
            out[f] = n
            continue
        out[f] = [net_state(n), n.XMLDesc() == c.networkLookupByName(n.name()).XMLDesc()]
        n.destroy()
        out[f].append(call(c.networkLookupByName, n.name()))
    return out


BAD_NETWORKS = [
    "", "<net/>", "<network/>", "<network><name></name></network>",
    "<network><name>a/b</name></network>",
    "<network><name>x</name><uuid>bad</uuid></network>",
    "<network><name>default</name></network>",
    "<network><name>x</name><uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid></network>",
    "<network><name>x</name><forward mode='bogus'/></network>",
    "<network><name>x</name><forward/></network>",
    "<network><name>x</name><forward mode='nat' dev='eth0'/></network>",
    "<network><name>x</name><forward mode='route'/></network>",
    "<network><name>x</name><forward mode='open'/></network>",
    "<network><name>x</name><ip address='1.2.3.4' prefix='99'/></network>",
    "<network><name>x</name><ip address='1.2.3.4' netmask='255.0.0.0' prefix='8'/></network>",
    "<network><name>x</name><ip address='bogus'/></network>",
    "<network><name>x</name><ip family='ipv6' address='10.1.1.1' prefix='64'/></network>",
    "<network><name>x</name><ip family='ipv6' address='2001:db8::1' netmask='255.255.255.0'/></network>",
    "<network><name>x</name><ip family='ipv7' address='2001:db8::1' prefix='64'/></network>",
    "<network><name>x</name><ip address='2001:db8::1' prefix='64'/></network>",
    "<network><name>x</name><mac address='zz'/></network>",
    "<network><name>x</name><mac address='01:00:00:00:00:00'/></network>",
    "<network><name>x</name><mtu size='abc'/></network>",
    "<network><name>x</name><bridge stp='off' delay='x'/></network>",
    "<network><name>x</name><bridge name='b' macTableManager='foo'/></network>",
    "<network><name>x</name><dns enable='no'><host ip='1.2.3.4'><hostname>a</hostname></host></dns></network>",
    "<network><name>x</name><dns><host ip='1.2.3.4'/></dns></network>",
    "<network><name>x</name><dns><txt name='t'/></dns></network>",
    "<network><name>x</name><dns forwardPlainNames='maybe'/></network>",
    "<network><name>x</name><portgroup/></network>",
    "<network><name>x</name><vlan><tag id='5000'/></vlan></network>",
    "<network><name>x</name><vlan><tag/></vlan></network>",
    "<network><name>x</name><virtualport type='bogus'/></network>",
    "<network><name>x</name><bandwidth><inbound average='1' floor='5'/></bandwidth></network>",
    "<network><name>x</name><route address='10.1.0.0' prefix='16' gateway='10.0.0.2'/></network>",
    "<network><name>x</name><ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.1.2' end='10.0.1.9'/></dhcp></ip></network>",
    "<network><name>x</name><ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.9' end='10.0.0.2'/></dhcp></ip></network>",
    "<network><name>x</name><ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.2'/></dhcp></ip></network>",
    "<network><name>x</name><ip address='10.0.0.1' prefix='24'><dhcp><host ip='10.0.0.5'/></dhcp></ip></network>",
    "<network><name>x</name><ip address='10.0.0.1' prefix='24'><dhcp><host mac='aa:bb:cc:dd:ee:01'/></dhcp></ip></network>",
    "<network><name>x</name><ip address='10.0.0.1' prefix='24'><dhcp><host mac='aa:bb:cc:dd:ee:zz' ip='10.0.0.6'/></dhcp></ip></network>",
]


@scenario
def net_define_invalid(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    out = []
    for xml in BAD_NETWORKS:
        r = call(c.networkDefineXML, xml)
        if not isinstance(r, list):
            r = ["defined", r.XMLDesc()]
            c.networkLookupByName(r[1].split("<name>")[1].split("<")[0]).undefine()
        out.append(r)
    return out


def edge_cases(kind, name):
    text = open(os.path.join(CORPUS, kind, name)).read()
    return [x.strip() for x in text.split("\n===\n") if x.strip()]


@scenario
def net_define_edge_cases(libvirt):
    """Defaults, canonical spellings and validation corner cases."""
    quiet(libvirt)
    c = libvirt.open(URI)
    out = []
    for xml in edge_cases("network", "edge-cases.txt"):
        n = call(c.networkDefineXML, xml)
        if not isinstance(n, list):
            r = n.XMLDesc()
            n.undefine()
            n = r
        out.append(n)
    return out


@scenario
def net_define_flags(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    x = net_xml()
    r = [call(lambda: net_state(c.networkDefineXMLFlags(x, libvirt.VIR_NETWORK_DEFINE_VALIDATE))),
         call(c.networkDefineXMLFlags, x, 2)]
    cleanup_net(c, "vrs-net")
    r += [call(lambda: net_state(c.networkCreateXMLFlags(x, libvirt.VIR_NETWORK_CREATE_VALIDATE))),
          call(c.networkCreateXMLFlags, x, 2)]
    cleanup_net(c, "vrs-net")
    return r


@scenario
def net_lifecycle(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    n = c.networkDefineXML(net_xml())
    r = [net_state(n), c.listDefinedNetworks(), call(n.destroy), net_state(n)]
    r += [call(n.create), net_state(n), call(n.create), sorted(c.listNetworks())]
    r += [call(n.undefine), net_state(n), call(n.setAutostart, 1), net_state(n)]
    r += [call(n.destroy), net_state(n), call(n.setAutostart, 0), call(n.undefine),
          call(n.undefine), call(n.isActive), call(n.XMLDesc), call(n.create)]
    return r


@scenario
def net_redefine_while_running(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    n = c.networkDefineXML(net_xml())
    n.create()
    n2 = c.networkDefineXML(net_xml(extra="<bridge name='vrsbr1'/><mtu size='1400'/>"))
    r = [net_state(n2), n.XMLDesc(), n.bridgeName()]
    n.destroy()
    r += [n.XMLDesc(), n.bridgeName()]
    n.undefine()
    return r


@scenario
def net_create_xml_transient(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    n = c.networkCreateXML(net_xml())
    r = [net_state(n), call(c.networkCreateXML, net_xml()),
         call(c.networkCreateXML, net_xml(uuid="5a1c0000-0000-4000-8000-0000000000ab")),
         call(c.networkDefineXML, net_xml(name="default")),
         call(n.undefine), call(n.create), call(n.setAutostart, 1), call(n.autostart)]
    r += [call(n.destroy), call(n.isActive), call(c.networkLookupByName, "vrs-net")]
    return r


@scenario
def net_create_xml_over_defined(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    n = c.networkDefineXML(net_xml())
    t = c.networkCreateXML(net_xml(extra="<bridge name='vrsbr7'/>"))
    r = [net_state(t), t.bridgeName(), n.XMLDesc()]
    n.destroy()
    r += [net_state(n), n.bridgeName()]
    n.undefine()
    return r


@scenario
def net_bridge_name(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    n = c.networkDefineXML(net_xml(extra=""))
    r = [call(n.bridgeName), n.XMLDesc()]
    n.undefine()
    return r


@scenario
def net_autostart_default(libvirt):
    n = libvirt.open(URI).networkLookupByName("default")
    r = [n.autostart(), n.setAutostart(1), n.autostart(), n.setAutostart(0), n.autostart()]
    return r


@scenario
def net_list_all_flags(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    a = c.networkDefineXML(net_xml())
    a.setAutostart(1)
    t = c.networkCreateXML(net_xml(name="vrs-t", uuid="5a1c0000-0000-4000-8000-0000000000ac"))
    out = {}
    for f in range(0, 64):
        out[f] = sorted(n.name() for n in c.listAllNetworks(f))
    out["bad"] = call(c.listAllNetworks, 64)
    out["lists"] = [sorted(c.listNetworks()), sorted(c.listDefinedNetworks()),
                    c.numOfNetworks(), c.numOfDefinedNetworks()]
    t.destroy()
    a.undefine()
    return out


@scenario
def net_readonly(libvirt):
    quiet(libvirt)
    c = libvirt.openReadOnly(URI)
    n = c.networkLookupByName("default")
    return [n.XMLDesc(), call(c.networkDefineXML, net_xml()), call(n.destroy), call(n.setAutostart, 1),
            call(n.undefine), call(n.update, 3, 9, -1, "<portgroup name='a'/>", 0)]


UPD_BASE = ("<bridge name='vrsbr0'/><forward mode='nat'/><ip address='10.0.0.1' prefix='24'><dhcp>"
            "<range start='10.0.0.2' end='10.0.0.9'/><host mac='aa:bb:cc:dd:ee:01' ip='10.0.0.20'/>"
            "</dhcp></ip><portgroup name='a'/>")

UPD_FRAGMENTS = {
    "BRIDGE": "<bridge name='x'/>", "DOMAIN": "<domain name='d'/>", "IP": "<ip address='1.1.1.1'/>",
    "IP_DHCP_HOST": "<host mac='aa:bb:cc:dd:ee:02' ip='10.0.0.21'/>",
    "IP_DHCP_RANGE": "<range start='10.0.0.10' end='10.0.0.12'/>",
    "FORWARD": "<forward mode='route'/>", "FORWARD_INTERFACE": "<interface dev='eth3'/>",
    "FORWARD_PF": "<pf dev='eth0'/>", "PORTGROUP": "<portgroup name='b'/>",
    "DNS_HOST": "<host ip='10.0.0.5'><hostname>h</hostname></host>",
    "DNS_TXT": "<txt name='t' value='v'/>", "DNS_SRV": "<srv service='s' protocol='tcp'/>",
    "NONE": "<x/>", "LAST": "<x/>",
}


@scenario
def net_update_sections_commands(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    n = c.networkDefineXML(net_xml(extra=UPD_BASE))
    sections = sorted((getattr(libvirt, k), k[len("VIR_NETWORK_SECTION_"):])
                      for k in dir(libvirt) if k.startswith("VIR_NETWORK_SECTION_"))
    out = []
    for sv, s in sections:
        for cv in range(0, 6):
            out.append([s, cv, call(n.update, cv, sv, -1, UPD_FRAGMENTS[s], 0)])
    out.append(n.XMLDesc())
    for sv, s in sections:
        for cv in (2, 1):
            out.append([s, cv, call(n.update, cv, sv, -1, UPD_FRAGMENTS[s], 0)])
    out.append(n.XMLDesc())
    n.undefine()
    return out


@scenario
def net_update_details(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    n = c.networkDefineXML(net_xml(extra=UPD_BASE + "<ip family='ipv6' address='2001:db8::1' prefix='64'/>"))
    L = libvirt
    H, R, P = L.VIR_NETWORK_SECTION_IP_DHCP_HOST, L.VIR_NETWORK_SECTION_IP_DHCP_RANGE, L.VIR_NETWORK_SECTION_PORTGROUP
    r = [
        call(n.update, 3, P, -1, "<portgroup name='c'/>", L.VIR_NETWORK_UPDATE_AFFECT_LIVE),
        call(n.update, 3, P, -1, "<portgroup name='c'/>", L.VIR_NETWORK_UPDATE_AFFECT_CONFIG),
        call(n.update, 3, P, -1, "<portgroup name='c2'/>", 3),
        call(n.update, 3, P, -1, "<portgroup name='c3'/>", 8),
        call(n.update, 3, P, 5, "<portgroup name='d'/>", 0),
        call(n.update, 4, P, -1, "<portgroup name='e' default='yes'/>", 0),
        call(n.update, 3, P, -1, "<portgroup name='f' default='yes'/>", 0),
        call(n.update, 1, P, -1, "<portgroup name='a' trustGuestRxFilters='yes'/>", 0),
        call(n.update, 3, H, 5, "<host mac='aa:bb:cc:dd:ee:05' ip='10.0.0.25'/>", 0),
        call(n.update, 4, H, 0, "<host mac='aa:bb:cc:dd:ee:06' ip='10.0.0.26'/>", 0),
        call(n.update, 1, H, -1, "<host mac='aa:bb:cc:dd:ee:06' name='six' ip='10.0.0.36'/>", 0),
        call(n.update, 3, H, -1, "<host mac='aa:bb:cc:dd:ee:07' name='six' ip='10.0.0.37'/>", 0),
        call(n.update, 2, H, -1, "<host mac='aa:bb:cc:dd:ee:01'/>", 0),
        call(n.update, 3, H, -1, "<host id='0:1:2' name='v6' ip='2001:db8::10'/>", 0),
        call(n.update, 3, R, -1, "<range start='2001:db8::100' end='2001:db8::1ff'/>", 0),
        call(n.update, 3, R, -1, "<range start='10.1.0.10' end='10.1.0.12'/>", 0),
        call(n.update, 3, R, 1, "<range start='10.0.0.10' end='10.0.0.12'/>", 0),
        call(n.update, 3, P, -1, "<bogus/>", 0),
        call(n.update, 3, L.VIR_NETWORK_SECTION_DNS_TXT, -1, "<txt name='t t' value='v'/>", 0),
        call(n.update, 3, L.VIR_NETWORK_SECTION_DNS_SRV, -1, "<srv service='s' protocol='tcp' port='1'/>", 0),
        call(n.update, 3, L.VIR_NETWORK_SECTION_DNS_SRV, -1, "<srv service='s' protocol='tcp' port='2'/>", 0),
        call(n.update, 2, L.VIR_NETWORK_SECTION_DNS_SRV, -1, "<srv service='s' protocol='tcp'/>", 0),
        call(n.update, 2, L.VIR_NETWORK_SECTION_DNS_SRV, -1, "<srv service='s' protocol='tcp' port='2'/>", 0),
        n.XMLDesc(),
    ]
    n.create()
    r += [
        call(n.update, 3, P, -1, "<portgroup name='live'/>", 0),
        call(n.update, 3, P, -1, "<portgroup name='conf'/>", L.VIR_NETWORK_UPDATE_AFFECT_CONFIG),
        call(n.update, 3, P, -1, "<portgroup name='both'/>", 3),
        n.XMLDesc(),
    ]
    n.destroy()
    r.append(n.XMLDesc())
    n.undefine()
    t = c.networkCreateXML(net_xml(extra=UPD_BASE))
    r += [call(t.update, 3, P, -1, "<portgroup name='x'/>", L.VIR_NETWORK_UPDATE_AFFECT_CONFIG),
          call(t.update, 3, P, -1, "<portgroup name='y'/>", 3), t.XMLDesc()]
    t.destroy()
    return r


LIBXML2_MESSAGES = ("conf/xml.rs reports roxmltree's wording for unterminated documents (\"the root "
                    "node was opened but never closed\" / \"the document does not have a root node\", "
                    "caret at column 0) where libxml2 says \"Premature end of data in tag network line 1\" / "
                    "\"Couldn't find end of Start Tag portgroup line 1\" with the caret after the text")


@scenario
def net_malformed_xml(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    n = c.networkLookupByName("default")
    return [call(c.networkDefineXML, "<network>"),
            call(n.update, 3, libvirt.VIR_NETWORK_SECTION_PORTGROUP, -1, "<portgroup", 0)]


UPD_MATCH_BASE = "<network><name>u</name><uuid>5a1c0000-0000-4000-8000-0000000000aa</uuid><bridge name='b'/><forward mode='nat'/><ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.2' end='10.0.0.9'/><host mac='aa:bb:cc:dd:ee:01' name='one' ip='10.0.0.21'/><host mac='aa:bb:cc:dd:ee:02' name='two' ip='10.0.0.22'/></dhcp></ip><ip family='ipv6' address='2001:db8::1' prefix='64'/><dns><txt name='t1' value='v1'/><host ip='10.0.0.5'><hostname>h1</hostname><hostname>h2</hostname></host><srv service='s' protocol='tcp' target='x' port='1'/><srv service='s' protocol='udp'/></dns><portgroup name='a' default='yes'/><portgroup name='b'/></network>"


@scenario
def net_update_matching(libvirt):
    """Which existing entries each update command matches, and its refusals."""
    quiet(libvirt)
    c = libvirt.open(URI)
    L = libvirt
    H, R, P, FI = (L.VIR_NETWORK_SECTION_IP_DHCP_HOST, L.VIR_NETWORK_SECTION_IP_DHCP_RANGE,
                   L.VIR_NETWORK_SECTION_PORTGROUP, L.VIR_NETWORK_SECTION_FORWARD_INTERFACE)
    DH, DT, DS = L.VIR_NETWORK_SECTION_DNS_HOST, L.VIR_NETWORK_SECTION_DNS_TXT, L.VIR_NETWORK_SECTION_DNS_SRV
    cases = [
        (1, H, -1, "<host mac='aa:bb:cc:dd:ee:01' name='uno' ip='10.0.0.31'/>"),
        (1, H, -1, "<host name='two' ip='10.0.0.32'/>"),
        (1, H, -1, "<host mac='AA:BB:CC:DD:EE:02' ip='10.0.0.33'/>"),
        (2, H, -1, "<host name='two'/>"),
        (2, H, -1, "<host ip='10.0.0.21'/>"),
        (2, H, -1, "<host mac='aa:bb:cc:dd:ee:01' ip='10.0.0.99'/>"),
        (3, H, -1, "<host mac='aa:bb:cc:dd:ee:03' name='one' ip='10.0.0.99'/>"),
        (3, H, -1, "<host mac='aa:bb:cc:dd:ee:03'/>"),
        (3, H, 1, "<host id='0:1' ip='2001:db8::5'/>"),
        (3, H, 1, "<host mac='aa:bb:cc:dd:ee:03' ip='2001:db8::5'/>"),
        (2, R, -1, "<range start='10.0.0.2' end='10.0.0.8'/>"),
        (2, R, -1, "<range start='10.0.0.2' end='10.0.0.9'/>"),
        (4, R, 1, "<range start='2001:db8::10' end='2001:db8::20'/>"),
        (2, DH, -1, "<host ip='10.0.0.5'><hostname>h1</hostname></host>"),
        (2, DH, -1, "<host ip='10.0.0.6'><hostname>h2</hostname></host>"),
        (3, DH, -1, "<host ip='10.0.0.7'><hostname>h3</hostname></host>"),
        (2, DH, -1, "<host ip='10.0.0.7'><hostname>h3</hostname><hostname>h4</hostname></host>"),
        (2, DT, -1, "<txt name='t1' value='other'/>"),
        (2, DT, -1, "<txt name='t1'/>"),
        (3, DT, -1, "<txt name='t2'/>"),
        (2, DS, -1, "<srv service='s' protocol='tcp'/>"),
        (2, DS, -1, "<srv service='s' protocol='udp'/>"),
        (2, DS, -1, "<srv service='s' protocol='sctp'/>"),
        (1, P, -1, "<portgroup name='b' default='yes'/>"),
        (1, P, -1, "<portgroup name='a'/>"),
        (2, P, -1, "<portgroup name='a' default='yes'/>"),
        (2, P, -1, "<portgroup name='zz'/>"),
        (3, FI, -1, "<interface dev='eth1'/>"),
        (4, FI, -1, "<interface dev='eth0'/>"),
        (2, FI, -1, "<interface dev='eth1'/>"),
        (3, FI, -1, "<interface/>"),
        (3, H, -1, "<host/>"),
        (3, R, -1, "<range/>"),
        (3, DS, -1, "<srv/>"),
    ]
    n = c.networkDefineXML(UPD_MATCH_BASE)
    out = [[cmd, sec, idx, x, call(n.update, cmd, sec, idx, x, 0)] for cmd, sec, idx, x in cases]
    out.append(n.XMLDesc())
    n.undefine()
    m = c.networkDefineXML(net_xml(name="vrs-u2", uuid="5a1c0000-0000-4000-8000-0000000000ab"))
    for cmd, sec, idx, x in [(3, H, -1, "<host mac='aa:bb:cc:dd:ee:03' ip='10.0.0.99'/>"),
                             (3, FI, -1, "<interface dev='eth1'/>"), (3, DT, -1, "<txt name='t' value='v'/>")]:
        out.append([cmd, sec, idx, x, call(m.update, cmd, sec, idx, x, 0)])
    out.append(m.XMLDesc())
    m.undefine()
    return out
