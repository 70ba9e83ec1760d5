"""Custom node files of the test driver (test:///PATH.xml): what a node
document loads (inline and file-referenced objects, <cpu>, <memory>, the
test: domain namespace), how broken files fail, and the URI syntax checks
that come before any driver.

Every scenario writes its files (all made up here) to a fresh temporary
directory; the directory's name is replaced by "<DIR>" in the results so
that the real and our runs compare."""
import os
import re
import shutil
import tempfile

from differential import *  # noqa: F401,F403

TEST_NS = "http://libvirt.org/schemas/domain/test/1.0"
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class NodeDir:
    """A temporary directory holding a node file and the files it uses."""

    def __init__(self, files):
        self.path = tempfile.mkdtemp(prefix="vrs-node-")
        for name, text in files.items():
            full = os.path.join(self.path, name)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w") as f:
                f.write(text)

    def uri(self, name="node.xml"):
        return "test://" + os.path.join(self.path, name)

    def scrub(self, value):
        """`value` with the directory's name (and generated UUIDs) masked."""
        if isinstance(value, str):
            return UUID_RE.sub("<UUID>", value.replace(self.path, "<DIR>"))
        if isinstance(value, (list, tuple)):
            return [self.scrub(v) for v in value]
        if isinstance(value, dict):
            return {k: self.scrub(v) for k, v in value.items()}
        return value

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)


def node(*parts):
    return "<node>\n%s\n</node>\n" % "\n".join(parts)


def domain(name, extra="", uuid=None, mem=131072):
    u = "<uuid>%s</uuid>" % uuid if uuid else ""
    return ("<domain type='test' xmlns:test='%s'><name>%s</name>%s<memory>%d</memory>"
            "<os><type>hvm</type></os>%s</domain>" % (TEST_NS, name, u, mem, extra))


def open_summary(libvirt, uri):
    """What a connection to `uri` shows, or its error."""
    def op():
        c = libvirt.open(uri)
        doms = sorted(c.listAllDomains(), key=lambda d: d.name())
        r = {
            "info": c.getInfo(),
            "domains": [[d.name(), d.ID(), d.state(), d.isPersistent(), d.hasManagedSaveImage()] for d in doms],
            "networks": sorted([n.name(), n.isActive(), n.isPersistent()] for n in c.listAllNetworks()),
            "pools": sorted([p.name(), p.isActive(), p.info()] for p in c.listAllStoragePools()),
            "interfaces": sorted([i.name(), i.isActive(), i.MACString()] for i in c.listAllInterfaces()),
            "devices": sorted([d.name(), d.parent(), d.listCaps()] for d in c.listAllDevices()),
        }
        c.close()
        return r
    return call(op)


FULL_FILES = {
    "node.xml": """<node xmlns:test='%s'>
  <domain file='dom-a.xml'/>
  <domain type='test'>
    <name>nf-b</name>
    <uuid>1b2c3d4e-0000-4000-8000-0000000000b1</uuid>
    <memory unit='MiB'>256</memory>
    <vcpu>2</vcpu>
    <os><type>hvm</type></os>
    <devices>
      <interface type='network'>
        <mac address='52:54:00:11:22:33'/>
        <source network='nf-net'/>
      </interface>
      <disk type='file' device='disk'>
        <source file='/nf/disk.img'/>
        <target dev='vda' bus='virtio'/>
      </disk>
    </devices>
    <test:runstate>3</test:runstate>
  </domain>
  <domain type='test'>
    <name>nf-c</name>
    <uuid>1b2c3d4e-0000-4000-8000-0000000000c1</uuid>
    <memory>65536</memory>
    <os><type>hvm</type></os>
    <test:runstate>5</test:runstate>
    <test:hasmanagedsave/>
  </domain>
  <domain type='test'>
    <name>nf-d</name>
    <uuid>1b2c3d4e-0000-4000-8000-0000000000d1</uuid>
    <memory>65536</memory>
    <os><type>hvm</type></os>
    <test:transient/>
  </domain>
  <network file='net.xml'/>
  <network>
    <name>nf-net2</name>
    <uuid>1b2c3d4e-0000-4000-8000-0000000001e2</uuid>
    <bridge name='nfbr2'/>
  </network>
  <pool type='dir'>
    <name>nf-pool</name>
    <uuid>1b2c3d4e-0000-4000-8000-0000000002a1</uuid>
    <target><path>/nf-pool</path></target>
    <volume file='vol.xml'/>
    <volume>
      <name>inline.img</name>
      <capacity unit='KiB'>4</capacity>
      <key>my-key</key>
      <target><path>/elsewhere/inline.img</path></target>
    </volume>
  </pool>
  <pool file='pool.xml'>
    <volume><name>ignored.img</name><capacity>1</capacity></volume>
  </pool>
  <interface file='iface.xml'/>
  <interface type='ethernet' name='nfeth1'>
    <mac address='aa:bb:cc:00:00:02'/>
  </interface>
  <device file='dev.xml'/>
  <device>
    <name>nf-dev2</name>
    <parent>nf-dev1</parent>
    <capability type='system'>
      <hardware><uuid>1b2c3d4e-0000-4000-8000-0000000003b2</uuid></hardware>
      <firmware/>
    </capability>
  </device>
  <cpu>
    <mhz>2600</mhz>
    <model>nf-model</model>
    <nodes>1</nodes>
    <sockets>2</sockets>
    <cores>4</cores>
    <threads>2</threads>
    <active>12</active>
  </cpu>
  <memory>4194304</memory>
</node>
""" % TEST_NS,
    "dom-a.xml": """<domain type='test'>
  <name>nf-a</name>
  <uuid>1b2c3d4e-0000-4000-8000-0000000000a1</uuid>
  <memory>131072</memory>
  <currentMemory>65536</currentMemory>
  <vcpu>1</vcpu>
  <os><type arch='i686'>hvm</type></os>
</domain>
""",
    "net.xml": """<network>
  <name>nf-net</name>
  <uuid>1b2c3d4e-0000-4000-8000-0000000001e1</uuid>
  <forward mode='nat'/>
  <bridge name='nfbr1'/>
  <ip address='192.168.150.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.150.2' end='192.168.150.99'/></dhcp>
  </ip>
</network>
""",
    "pool.xml": """<pool type='dir'>
  <name>nf-pool2</name>
  <uuid>1b2c3d4e-0000-4000-8000-0000000002a2</uuid>
  <capacity>1000</capacity>
  <target><path>/nf-pool2</path></target>
</pool>
""",
    "vol.xml": """<volume>
  <name>disk.img</name>
  <capacity unit='MiB'>10</capacity>
  <allocation unit='MiB'>1</allocation>
</volume>
""",
    "iface.xml": """<interface type='ethernet' name='nfeth0'>
  <start mode='onboot'/>
  <mac address='aa:bb:cc:00:00:01'/>
  <protocol family='ipv4'><ip address='10.1.2.3' prefix='24'/></protocol>
</interface>
""",
    "dev.xml": """<device>
  <name>nf-dev1</name>
  <capability type='system'>
    <product>nf-product</product>
    <hardware><vendor>nf</vendor><uuid>1b2c3d4e-0000-4000-8000-0000000003b1</uuid></hardware>
    <firmware><vendor>nf-fw</vendor></firmware>
  </capability>
</device>
""",
}


@scenario
def nodefile_full_host(libvirt):
    with NodeDir(FULL_FILES) as d:
        return d.scrub([try_open(libvirt, d.uri()), open_summary(libvirt, d.uri())])


@scenario
def nodefile_full_host_xml(libvirt):
    # every document as libvirt formats what it loaded
    quiet(libvirt)
    with NodeDir(FULL_FILES) as d:
        c = libvirt.open(d.uri())
        r = {
            "domains": [[x.name(), x.XMLDesc(0), x.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)]
                        for x in sorted(c.listAllDomains(), key=lambda x: x.name())],
            "networks": sorted(n.XMLDesc() for n in c.listAllNetworks()),
            "pools": sorted(p.XMLDesc() for p in c.listAllStoragePools()),
            "volumes": sorted([p.name(), v.name(), v.key(), v.path(), v.info(), v.XMLDesc()]
                              for p in c.listAllStoragePools() for v in p.listAllVolumes()),
            "interfaces": sorted(i.XMLDesc() for i in c.listAllInterfaces()),
            "devices": sorted(x.XMLDesc() for x in c.listAllDevices()),
        }
        c.close()
        return d.scrub(r)


@scenario
def nodefile_host_queries(libvirt):
    # a node file has its own node info and no NUMA cells
    quiet(libvirt)
    with NodeDir(FULL_FILES) as d:
        c = libvirt.open(d.uri())
        r = [c.getInfo(), c.getCapabilities(), call(c.getFreeMemory), call(c.getCellsFreeMemory, 0, 4),
             c.getCPUMap(), c.getMaxVcpus(None), c.getType(), c.getURI(), c.getSysinfo()]
        c.close()
        return d.scrub(r)


@scenario
def nodefile_each_connection_has_its_own_host(libvirt):
    quiet(libvirt)
    with NodeDir(FULL_FILES) as d:
        c1 = libvirt.open(d.uri())
        c1.lookupByName("nf-c").create()
        c1.lookupByName("nf-a").destroy()
        c1.defineXML(domain("nf-new", uuid="1b2c3d4e-0000-4000-8000-0000000000f1"))
        c1.networkLookupByName("nf-net").destroy()
        c2 = libvirt.open(d.uri())
        dflt = libvirt.open("test:///default")
        r = [open_summary(libvirt, d.uri()),
             sorted([x.name(), x.ID(), x.state()] for x in c1.listAllDomains()),
             sorted([x.name(), x.ID(), x.state()] for x in c2.listAllDomains()),
             [n.name() for n in c1.listAllNetworks(libvirt.VIR_CONNECT_LIST_NETWORKS_ACTIVE)],
             [x.name() for x in dflt.listAllDomains()], call(dflt.lookupByName, "nf-a")]
        for c in (c1, c2, dflt):
            c.close()
        return d.scrub(r)


@scenario
def nodefile_objects_work(libvirt):
    # what was loaded behaves as defined objects do
    quiet(libvirt)
    with NodeDir(FULL_FILES) as d:
        c = libvirt.open(d.uri())
        a = c.lookupByName("nf-a")
        t = c.lookupByName("nf-d")
        r = [a.info()[:4], a.isPersistent(), call(t.destroy), call(c.lookupByName, "nf-d"),
             call(c.lookupByName("nf-c").managedSaveRemove, 0), c.lookupByName("nf-c").hasManagedSaveImage(),
             c.lookupByID(1).name(), call(lambda: c.lookupByID(2).name()), call(c.lookupByID, 3), c.lookupByName("nf-b").state(),
             c.listDomainsID() and sorted(c.listDomainsID()), sorted(c.listDefinedDomains())]
        p = c.storagePoolLookupByName("nf-pool")
        v = p.createXML("<volume><name>new.img</name><capacity>100</capacity></volume>", 0)
        r += [v.key(), p.info(), sorted(p.listVolumes()), call(c.storageVolLookupByKey, "my-key").name(),
              c.storageVolLookupByPath("/nf-pool/disk.img").name()]
        v.delete()
        i = c.interfaceLookupByName("nfeth0")
        r += [call(i.destroy), i.isActive(), c.interfaceLookupByMACString("aa:bb:cc:00:00:02").name()]
        c.close()
        return d.scrub(r)


@scenario
def nodefile_empty_node(libvirt):
    # nothing but <node/>: the default node info, no objects at all
    with NodeDir({"node.xml": "<node/>\n"}) as d:
        return d.scrub(open_summary(libvirt, d.uri()))


@scenario
def nodefile_relative_uri(libvirt):
    # 'test:RELATIVE' names a file relative to the working directory
    quiet(libvirt)
    with NodeDir({"node.xml": node(domain("nf-rel"))}) as d:
        cwd = os.getcwd()
        os.chdir(d.path)
        try:
            return d.scrub([try_open(libvirt, "test:node.xml"), open_summary(libvirt, "test:node.xml"),
                            try_open(libvirt, "test:./node.xml"), try_open(libvirt, "test:gone.xml")])
        finally:
            os.chdir(cwd)


@scenario
def nodefile_namespace_prefixes(libvirt):
    # the test: namespace goes by its URI, whatever the prefix and wherever
    # it is declared; another namespace's runstate is not the test driver's
    files = {
        "node.xml": """<node xmlns:t='%s'>
  <domain type='test'><name>nf-p1</name><memory>1024</memory><os><type>hvm</type></os>
    <t:runstate>5</t:runstate></domain>
  <domain type='test' xmlns:q='%s'><name>nf-p2</name><memory>1024</memory><os><type>hvm</type></os>
    <q:runstate>3</q:runstate></domain>
  <domain type='test' xmlns:test='http://example.org/other'><name>nf-p3</name><memory>1024</memory>
    <os><type>hvm</type></os><test:runstate>5</test:runstate></domain>
  <domain type='test'><name>nf-p4</name><memory>1024</memory><os><type>hvm</type></os>
    <t:unknown/><t:runstate>7</t:runstate></domain>
</node>
""" % (TEST_NS, TEST_NS),
    }
    with NodeDir(files) as d:
        return d.scrub(open_summary(libvirt, d.uri()))


RUNSTATES = [
    "<test:runstate>0</test:runstate>",
    "<test:runstate>1</test:runstate>",
    "<test:runstate>2</test:runstate>",
    "<test:runstate>3</test:runstate>",
    "<test:runstate>4</test:runstate>",
    "<test:runstate>5</test:runstate>",
    "<test:runstate>6</test:runstate>",
    "<test:runstate>7</test:runstate>",
    "<test:runstate>8</test:runstate>",
    "<test:runstate>-1</test:runstate>",
    "<test:runstate>abc</test:runstate>",
    "<test:runstate> +3</test:runstate>",
    "<test:runstate>3 </test:runstate>",
    "<test:transient/>",
    "<test:runstate>3</test:runstate><test:transient/>",
    "<test:runstate>5</test:runstate><test:transient/>",
    "<test:hasmanagedsave/>",
    "<test:runstate>5</test:runstate><test:hasmanagedsave/>",
    "<test:runstate>1</test:runstate><test:hasmanagedsave/>",
]


@scenario
def nodefile_runstates(libvirt):
    quiet(libvirt)
    out = []
    for extra in RUNSTATES:
        with NodeDir({"node.xml": node(domain("nf-rs", extra), domain("nf-other"))}) as d:
            out.append([extra, d.scrub(open_summary(libvirt, d.uri()))])
    return out


@scenario
def nodefile_namespace_checked_on_define(libvirt):
    # any definition is checked for the test: elements, but only node
    # files act on them
    quiet(libvirt)
    c = libvirt.open("test:///default")
    out = []
    for extra in ["<test:runstate>9</test:runstate>", "<test:runstate>x</test:runstate>",
                  "<test:runstate>5</test:runstate><test:transient/>", "<test:hasmanagedsave/>",
                  "<test:runstate>3</test:runstate><test:transient/>"]:
        def op():
            dom = c.defineXML(domain("nf-def", extra, uuid=UUID2))
            r = [dom.state(), dom.isPersistent(), dom.hasManagedSaveImage(), "test:" in dom.XMLDesc()]
            dom.undefine()
            return r
        out.append([extra, call(op)])
    c.close()
    return out


CPU_CASES = [
    "<cpu><nodes>3</nodes></cpu>",
    "<cpu><nodes> 3</nodes><sockets>+1</sockets></cpu>",
    "<cpu><nodes>3 </nodes></cpu>",
    "<cpu><nodes>0x10</nodes></cpu>",
    "<cpu><nodes>-1</nodes></cpu>",
    "<cpu><nodes>4294967296</nodes></cpu>",
    "<cpu><sockets>x</sockets></cpu>",
    "<cpu><cores>x</cores><threads>y</threads></cpu>",
    "<cpu><threads>y</threads><active>z</active></cpu>",
    "<cpu><active>z</active><model>m</model></cpu><memory>-1</memory>",
    "<cpu><active>200</active></cpu>",
    "<cpu><active>5</active></cpu>",
    "<cpu><nodes>0</nodes><mhz>0</mhz><active>0</active></cpu>",
    "<cpu><sockets>0</sockets></cpu>",
    "<cpu><nodes></nodes><mhz/></cpu><memory></memory>",
    "<cpu><mhz>abc</mhz></cpu>",
    "<cpu><mhz>4294967295</mhz></cpu>",
    "<cpu><mhz>4294967296</mhz><model></model></cpu>",
    "<cpu><model>abcdefghijklmnopqrstuvwxyz01234</model></cpu>",
    "<cpu><model>abcdefghijklmnopqrstuvwxyz012345</model></cpu>",
    "<cpu><model>abcdefghijklmnopqrstuvwxyz012345</model><mhz>x</mhz></cpu>",
    "<cpu><model>a<b>x</b>c</model><mhz>1<!-- c -->2</mhz></cpu>",
    "<cpu><nodes>2</nodes><nodes>3</nodes></cpu>",
    "<cpu><nodes>4</nodes></cpu><cpu><nodes>5</nodes></cpu>",
    "<memory>abc</memory>",
    "<memory unit='MiB'>100</memory>",
    "<memory> 5</memory>",
    "<memory>0</memory>",
    "<memory>18446744073709551615</memory>",
    "<memory>18446744073709551616</memory>",
]


@scenario
def nodefile_cpu_and_memory(libvirt):
    quiet(libvirt)
    out = []
    for body in CPU_CASES:
        with NodeDir({"node.xml": node(body)}) as d:
            out.append([body, d.scrub(call(lambda: libvirt.open(d.uri()).getInfo()))])
    return out


BROKEN = [
    ("missing referenced domain", {"node.xml": node("<domain file='gone.xml'/>")}),
    ("missing referenced network", {"node.xml": node("<network file='gone.xml'/>")}),
    ("missing referenced volume", {"node.xml": node(
        "<pool type='dir'><name>p</name><target><path>/p</path></target><volume file='gone.xml'/></pool>")}),
    ("malformed", {"node.xml": "<node><domain\n"}),
    ("empty", {"node.xml": ""}),
    ("not XML", {"node.xml": "hello\n"}),
    ("wrong root", {"node.xml": "<nodex/>\n"}),
    ("malformed reference", {"node.xml": node("<domain file='bad.xml'/>"), "bad.xml": "<domain><name>x</name>\n"}),
    ("reference with the wrong root", {"node.xml": node("<network file='p.xml'/>"),
                                       "p.xml": "<pool type='dir'><name>p</name></pool>\n"}),
    ("reference to itself", {"node.xml": node("<domain file='node.xml'/>")}),
    ("reference to a directory", {"node.xml": node("<domain file='sub'/>"), "sub/x": ""}),
    ("empty reference", {"node.xml": node("<domain file=''/>")}),
    ("bad domain", {"node.xml": node("<domain type='test'><name>x</name></domain>")}),
    ("domain without anything", {"node.xml": node("<domain/>")}),
    ("duplicate domain", {"node.xml": node(domain("x", uuid=UUID1), domain("x", uuid=UUID2))}),
    ("duplicate network", {"node.xml": node(
        "<network><name>n</name><uuid>%s</uuid></network>" % UUID1, "<network><name>n</name></network>")}),
    ("network without name", {"node.xml": node("<network><bridge name='x'/></network>")}),
    ("duplicate pool", {"node.xml": node(
        "<pool type='dir'><name>p</name><uuid>%s</uuid><target><path>/p</path></target></pool>" % UUID1,
        "<pool type='dir'><name>p</name><target><path>/q</path></target></pool>")}),
    ("pools with one source", {"node.xml": node(
        "<pool type='dir'><name>p</name><target><path>/p</path></target></pool>",
        "<pool type='dir'><name>q</name><target><path>/p</path></target></pool>")}),
    ("volume without capacity", {"node.xml": node(
        "<pool type='dir'><name>p</name><target><path>/p</path></target><volume><name>v</name></volume></pool>")}),
    ("duplicate volume", {"node.xml": node(
        "<pool type='dir'><name>p</name><target><path>/p</path></target>"
        "<volume><name>v</name><capacity>1</capacity></volume>"
        "<volume><name>v</name><capacity>1</capacity></volume></pool>")}),
    ("interface without type", {"node.xml": node("<interface name='e'/>")}),
    ("interface without name", {"node.xml": node("<interface type='ethernet'/>")}),
    ("device without name", {"node.xml": node("<device><capability type='system'/></device>")}),
    ("first error wins", {"node.xml": node("<device/>", "<interface/>", "<pool/>", "<network/>", "<domain/>",
                                           "<memory>x</memory>")}),
    ("devices last", {"node.xml": node("<device/>", "<interface/>", "<pool/>")}),
    ("namespaced node", {"node.xml": "<node xmlns='http://example.org/n'><domain file='gone.xml'/></node>\n"}),
]


@scenario
def nodefile_broken_files(libvirt):
    quiet(libvirt)
    out = []
    for what, files in BROKEN:
        with NodeDir(files) as d:
            out.append([what, d.scrub(open_summary(libvirt, d.uri()))])
    return out


@scenario
def nodefile_uri_forms(libvirt):
    quiet(libvirt)
    with NodeDir({"node.xml": node(domain("nf-u"))}) as d:
        forms = [d.uri(), d.uri() + "?x=1", d.uri().replace("test:///", "test:////"),
                 "test:" + d.path + "/node.xml", "test://" + d.path.replace("/vrs-", "/%76rs-") + "/node.xml",
                 "test://" + d.path, "test://" + d.path + "/", "test:///nonexistent/vrs-node.xml"]
        return d.scrub([[try_open(libvirt, u)] for u in forms])


@scenario
def uri_syntax_refused(libvirt):
    # libxml2's RFC 3986 parser refuses these before any driver is asked
    quiet(libvirt)
    uris = ["test:///def ault", "test:///def[ault", "test:///def]ault", "test:///def{ault", "test:///def|ault",
            "test:///def\\ault", "test:///def^ault", "test:///def`ault", 'test:///def"ault', "test:///def<ault",
            "test:///def%ault", "test:///default?a b", "test:///default?a[b]", "test:///default#a b",
            "test:///default#a#b", "test://ho st/default", "test://[::1/default", "test://h:abc/default",
            "test://h:/default", "test://h:-1/default", "test://h:2147483648/default", "test://u@h@x/default",
            "test://u[x@h/default", "te_st:///default", "1test:///default", "test:///default\x7f",
            "test:///d\u00e9fault", "test:x y", "test:%zz", ":///default", "test:///default\t",
            "test:///default\n", "test://[::1]x/default", "test://a b@h/default", "test:///default?%", "a b"]
    return [[u, try_open(libvirt, u)] for u in uris]


@scenario
def uri_syntax_accepted(libvirt):
    # and these parse (the test driver then decides)
    quiet(libvirt)
    uris = ["test:///default?x#y", "test:///default#", "test:///default?", "test:/default",
            "test:///%64efault", "test:///default%00", "test:///default?~!$&'()*+,;=:@/?", "test:", "test://",
            "test:?x", "test:#f", "//host/default", "?x", "#f", "//", "test:///default/%7e",
            "test:///def%41ult", "test:a:b"]
    return [[u, try_open(libvirt, u)] for u in uris]


AUTH_NODE = node("<auth><user password='s3cret'>alice</user><user>bob</user></auth>",
                 "<auth><user password='pw'> spaced </user></auth>")


def _open_with_credentials(libvirt, uri, types, answers):
    """openAuth answering each credential from `answers` (type -> text, or
    False to fail the callback); returns the requests seen and the result."""
    seen = []

    def cb(creds, opaque):
        for c in creds:
            seen.append([c[0], c[1], c[2], c[3]])
            answer = answers.get(c[0])
            if answer is False:
                return -1
            if answer is not None:
                c[4] = answer
        return 0

    def go():
        conn = libvirt.openAuth(uri, [types, cb, None], 0)
        name = conn.getHostname() is not None
        conn.close()
        return name
    return [call(go), seen]


@scenario
def node_file_auth_users(libvirt):
    A, P, N = libvirt.VIR_CRED_AUTHNAME, libvirt.VIR_CRED_PASSPHRASE, libvirt.VIR_CRED_NOECHOPROMPT
    cases = [
        ([A, P], {A: "alice", P: "s3cret"}),
        ([A, P], {A: "alice", P: "wrong"}),
        ([A, P], {A: "nobody", P: "x"}),
        ([A, P], {A: "bob"}),
        ([A, P], {A: " spaced ", P: "pw"}),
        ([A, P], {A: "spaced", P: "pw"}),
        ([A, P], {}),
        ([A, P], {A: "alice"}),
        ([A, P], {A: False}),
        ([A, P], {A: "alice", P: False}),
        ([A, N], {A: "alice", N: "s3cret"}),
        ([P], {P: "s3cret"}),
        ([A], {A: "alice"}),
    ]
    with NodeDir({"node.xml": AUTH_NODE}) as d:
        out = [_open_with_credentials(libvirt, d.uri(), t, a) for t, a in cases]
        out.append(call(lambda: libvirt.open(d.uri()).close()))
        return d.scrub(out)


@scenario
def node_file_auth_bad_users(libvirt):
    out = []
    for text in (node("<auth><user password='x'/></auth>"), node("<auth/>"),
                 node("<auth><user>  </user></auth>")):
        with NodeDir({"node.xml": text}) as d:
            out.append(d.scrub(call(lambda: libvirt.open(d.uri()).close())))
    return out
