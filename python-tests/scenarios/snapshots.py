"""Domain snapshots and checkpoints of the test driver: creation (new and
redefined), the documents, trees and every listing filter, lookups,
reverting (states and lifecycle events), deletion variants, undefine, and
the refusals (flags, bad documents, wrong states).

Creation times differ between runs: documents are compared with
`<creationTime>` normalised, and names defaulting to the time are checked
against it instead of compared."""
import re

from differential import *  # noqa: F401,F403
from scenarios.events import pump

SNAP_UUID = "1b2c3d4e-0000-4000-8000-0000000c0001"

DISKS_XML = """<domain type='test'>
  <name>vrs-snap</name>
  <uuid>%s</uuid>
  <memory unit='KiB'>65536</memory>
  <os><type>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><source file='/vrs/a.img'/><target dev='vda'/></disk>
    <disk type='file' device='cdrom'><source file='/vrs/b.iso'/><target dev='hdc'/></disk>
    <disk type='file' device='disk'><source file='/vrs/c.img'/><target dev='vdb'/><readonly/></disk>
    <disk type='network' device='disk'>
      <source protocol='nbd' name='x'><host name='h' port='10809'/></source><target dev='vdc'/>
    </disk>
    <disk type='block' device='lun'><source dev='/dev/vrs-sda'/><target dev='sda' bus='scsi'/></disk>
    <disk type='file' device='cdrom'><target dev='hdd'/></disk>
    <graphics type='vnc' port='5900' passwd='secret'/>
  </devices>
</domain>""" % SNAP_UUID

PLAIN_XML = """<domain type='test'>
  <name>vrs-snap</name>
  <uuid>%s</uuid>
  <memory unit='KiB'>65536</memory>
  <os><type>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><source file='/vrs/a.img'/><target dev='vda'/></disk>
    <disk type='file' device='disk'><source file='/vrs/d.img'/><target dev='vdb'/></disk>
  </devices>
</domain>""" % SNAP_UUID

DOM_IN_SNAP = """<domain type='test'><name>vrs-snap</name><uuid>%s</uuid><memory>65536</memory>
<os><type>hvm</type></os><devices><disk type='file' device='disk'><source file='/vrs/a.img'/>
<target dev='vda'/></disk></devices></domain>""" % SNAP_UUID


def norm(x):
    if isinstance(x, str):
        x = re.sub(r"<creationTime>\d+</creationTime>", "<creationTime>T</creationTime>", x)
        return re.sub(r"<name>\d{9,}</name>", "<name>TIME</name>", x)
    return x


def nt(name):
    """A name defaulting to the creation time, made comparable."""
    return "TIME" if isinstance(name, str) and name.isdigit() and len(name) >= 9 else name


def snapxml(name=None, extra=""):
    n = "<name>%s</name>" % name if name is not None else ""
    return "<domainsnapshot>%s%s</domainsnapshot>" % (n, extra)


def redef(name, state="running", t=100, parent=None, extra="", dom=DOM_IN_SNAP):
    p = "<parent><name>%s</name></parent>" % parent if parent else ""
    return "<domainsnapshot><name>%s</name><state>%s</state><creationTime>%d</creationTime>%s%s%s</domainsnapshot>" % (
        name, state, t, p, extra, dom)


def conn(libvirt):
    quiet(libvirt)
    return libvirt.open(URI)


def with_dom(libvirt, fn, xml=DISKS_XML, start=False, transient=False):
    """fn(conn, dom) on a fresh domain, removed afterwards with its moments."""
    c = conn(libvirt)
    d = c.createXML(xml) if transient else c.defineXML(xml)
    try:
        if start and not transient:
            d.create()
        return fn(c, d)
    finally:
        for x in c.listAllDomains():
            if x.name() == "vrs-snap":
                if x.isActive():
                    x.destroy()
                if x.isPersistent():
                    x.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)


def make(d, name, flags=0, extra=""):
    return call(lambda: d.snapshotCreateXML(snapxml(name, extra), flags).getName())


def info(d, name):
    s = d.snapshotLookupByName(name)
    return {
        "name": s.getName(), "dom": s.getDomain().name(), "current": s.isCurrent(),
        "meta": s.hasMetadata(), "parent": call(lambda: s.getParent().getName()),
        "kids": s.numChildren(), "xml": norm(s.getXMLDesc()),
    }


def split_domain(xml, d):
    """The snapshot document up to its domain, and whether that domain is
    the domain's current definition."""
    head, _, rest = xml.partition("  <domain type='test'>\n")
    inner = [ln[2:] for ln in rest.split("\n") if ln and ln != "</domainsnapshot>"]
    live = d.XMLDesc().split("\n")
    return [head, inner == [ln for ln in live[1:] if ln], live[0].startswith("<domain type='test'")]


def tree_state(d):
    names = sorted(d.snapshotListNames())
    cur = d.snapshotCurrent().getName() if d.hasCurrentSnapshot() else None
    return {"names": names, "current": cur,
            "parents": {n: call(lambda n=n: d.snapshotLookupByName(n).getParent().getName()) for n in names},
            "kids": {n: d.snapshotLookupByName(n).listChildrenNames() for n in names}}


@scenario
def snap_default_domain_roundtrip(libvirt):
    """A snapshot of the built-in running domain: document, queries, handles."""
    c = conn(libvirt)
    d = c.lookupByName("test")
    out = {"before": [d.snapshotNum(), d.hasCurrentSnapshot(), call(d.snapshotCurrent)]}
    s = d.snapshotCreateXML("<domainsnapshot><name>s1</name><description>a &amp; b</description></domainsnapshot>")
    try:
        # the built-in domain may carry changes of earlier scenarios: its
        # copy in the snapshot is compared with its own document
        out["s1"] = info(d, "s1")
        out["s1"]["xml"] = split_domain(out["s1"]["xml"], d)
        out["conn"] = s.getConnect().getURI()
        out["cur"] = [d.hasCurrentSnapshot(), d.snapshotCurrent().getName()]
        s2 = d.snapshotCreateXML("<domainsnapshot/>")
        t = re.search(r"<creationTime>(\d+)</creationTime>", s2.getXMLDesc()).group(1)
        out["default_name_is_time"] = s2.getName() == t
        out["s2_parent"] = s2.getParent().getName()
        out["s1_kids"] = [x.getName() == s2.getName() for x in s.listAllChildren()]
        out["state"] = d.state()
        s2.delete()
    finally:
        s.delete()
    out["after"] = [d.snapshotNum(), d.hasCurrentSnapshot(), call(s.getXMLDesc), call(s.isCurrent)]
    return out


@scenario
def snap_documents_by_state(libvirt):
    """Disk lists (read-only, empty, network, block), memory and state, for
    a shut off, running and paused domain, with and without SECURE."""
    def f(c, d):
        out = {"off": norm(d.snapshotLookupByName(make(d, "off")).getXMLDesc())}
        d.create()
        s = d.snapshotLookupByName(make(d, "run"))
        out["run"] = norm(s.getXMLDesc())
        out["secure"] = norm(s.getXMLDesc(libvirt.VIR_DOMAIN_SNAPSHOT_XML_SECURE))
        out["bad_flag"] = call(s.getXMLDesc, 2)
        d.suspend()
        out["paused"] = norm(d.snapshotLookupByName(make(d, "pau")).getXMLDesc())
        out["mem_no"] = make(d, "m1", extra="<memory snapshot='no'/>")
        out["mem_no_xml"] = norm(d.snapshotLookupByName("m1").getXMLDesc()) if out["mem_no"] == "m1" else None
        out["tree"] = tree_state(d)
        return out
    return with_dom(libvirt, f)


@scenario
def snap_create_document_errors(libvirt):
    """What the snapshot document parser and disk alignment refuse."""
    docs = [
        "<foo/>",
        "<domainsnapshot><name>x</name>",
        "<domainsnapshot><name>x</name><memory snapshot='bogus'/></domainsnapshot>",
        "<domainsnapshot><name>x</name><memory snapshot='default'/></domainsnapshot>",
        "<domainsnapshot><name>x</name><memory snapshot='internal' file='/m'/></domainsnapshot>",
        "<domainsnapshot><name>x</name><memory snapshot='external'/></domainsnapshot>",
        "<domainsnapshot><name>x</name><memory snapshot='external' file='rel'/></domainsnapshot>",
        "<domainsnapshot><name>x</name><memory snapshot='external' file='/vrs/m'/></domainsnapshot>",
        "<domainsnapshot><name>x</name><memory file='/vrs/m'/></domainsnapshot>",
        "<domainsnapshot><name>x</name><disks><disk name='vdz'/></disks></domainsnapshot>",
        "<domainsnapshot><name>x</name><disks><disk snapshot='no'/></disks></domainsnapshot>",
        "<domainsnapshot><name>x</name><disks><disk name='vda' snapshot='bogus'/></disks></domainsnapshot>",
        "<domainsnapshot><name>x</name><disks><disk name='vda' snapshot='no'/></disks></domainsnapshot>",
        "<domainsnapshot><name>x</name><disks><disk name='vda' snapshot='external'/></disks></domainsnapshot>",
        "<domainsnapshot><name>x</name><disks><disk name='vda' snapshot='manual'/></disks></domainsnapshot>",
        "<domainsnapshot><name>x</name><disks><disk name='vda'><source file='/vrs/n'/></disk></disks></domainsnapshot>",
        "<domainsnapshot><name>x</name><disks><disk name='vda' type='dir'/></disks></domainsnapshot>",
        "<domainsnapshot><name>x</name><disks><disk name='vda' type='bogus'/></disks></domainsnapshot>",
        "<domainsnapshot><name>x</name><disks><disk name='vda'><driver type='bogus'/></disk></disks></domainsnapshot>",
        "<domainsnapshot><name>x</name><disks><disk name='vda'/><disk name='/vrs/a.img'/></disks></domainsnapshot>",
        "<domainsnapshot><name>x</name><disks><disk name='vda'/><disk name='vdb'/><disk name='vdc'/>"
        "<disk name='hdc'/><disk name='hdd'/><disk name='sda'/><disk name='sdz'/></disks></domainsnapshot>",
        "<domainsnapshot><name>x</name><disks><disk name='hdc' snapshot='no'/><disk name='vdb' snapshot='internal'/>"
        "<disk name='/vrs/a.img'/></disks></domainsnapshot>",
        "<domainsnapshot><name>y</name><state>paused</state><parent><name>zz</name></parent>"
        "<creationTime>5</creationTime><inactiveDomain/></domainsnapshot>",
    ]

    def f(c, d):
        out = []
        for i, x in enumerate(docs):
            r = call(lambda: d.snapshotCreateXML(x, 0))
            if not isinstance(r, list):
                r = norm(r.getXMLDesc())
                d.snapshotLookupByName(re.search(r"<name>(.*?)</name>", r).group(1)).delete()
            out.append(r)
        out.append(make(d, "dup"))
        out.append(make(d, "dup"))
        return out
    return with_dom(libvirt, f)


@scenario
def snap_create_flags(libvirt):
    """Each creation flag alone and the refused combinations."""
    def f(c, d):
        d.create()
        out = {}
        for i in range(12):
            name = "f%d" % i
            out[name] = make(d, name, 1 << i)
            if out[name] == name:
                out[name + "_state"] = d.state()
                if not d.isActive():
                    d.create()
        for a, b in [(0, 2), (0, 3), (1, 2), (0, 1), (2, 3)]:
            out["pair%d_%d" % (a, b)] = make(d, "p", (1 << a) | (1 << b))
        out["tree"] = tree_state(d)
        return out
    return with_dom(libvirt, f)


@scenario
def snap_halt_and_transient(libvirt):
    """HALT stops a running persistent domain (with its event); a transient
    domain refuses HALT; creation on an inactive domain ignores HALT."""
    c = conn(libvirt)
    log = []
    cb = c.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                  lambda cn, dom, ev, det, op: log.append([dom.name(), dom.ID(), ev, det]), None)
    try:
        def f(c2, d):
            out = {"halt": make(d, "h1", libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_HALT), "state": d.state(), "id": d.ID()}
            out["halt_off"] = make(d, "h2", libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_HALT)
            out["xml"] = norm(d.snapshotLookupByName("h1").getXMLDesc())
            return out
        out = with_dom(libvirt, f, start=True)

        def g(c2, d):
            return {"halt": make(d, "t1", libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_HALT), "plain": make(d, "t2"),
                    "names": d.snapshotListNames()}
        out["transient"] = with_dom(libvirt, g, transient=True)
        pump(libvirt)
        out["events"] = log
        return out
    finally:
        c.domainEventDeregisterAny(cb)


def build_tree(libvirt, d):
    """a -> b -> (c, d2 -> e), plus root f; a mix of states and memory."""
    make(d, "a")
    d.create()
    make(d, "b")
    make(d, "c")
    d.revertToSnapshot(d.snapshotLookupByName("b"))
    d.suspend()
    make(d, "d2")
    make(d, "e", extra="<memory snapshot='external' file='/vrs/mem-e'/>"
         "<disks><disk name='vda' snapshot='internal'/><disk name='vdb' snapshot='internal'/></disks>")
    d.snapshotCreateXML(redef("f", "shutoff", 7, extra="", dom=DOM_IN_SNAP), libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE)


def ordered(names, hashed):
    return sorted(names) if hashed else names


@scenario
def snap_list_filters_all_flags(libvirt):
    """Every listing flag combination, from the domain and from each node."""
    def f(c, d):
        build_tree(libvirt, d)
        top, kids = {}, {}
        topo = libvirt.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL
        roots = libvirt.VIR_DOMAIN_SNAPSHOT_LIST_ROOTS
        for fl in range(0, 2049):
            hashed = not (fl & topo) and not (fl & roots)
            names = call(d.snapshotListNames, fl)
            objs = call(lambda: [s.getName() for s in d.listAllSnapshots(fl)])
            top[fl] = [call(d.snapshotNum, fl),
                       ordered(names, hashed) if isinstance(names, list) and names[:1] != ["libvirtError"] else names,
                       ordered(objs, hashed) if isinstance(objs, list) and objs[:1] != ["libvirtError"] else objs]
        for n in ["a", "b", "d2", "e"]:
            s = d.snapshotLookupByName(n)
            for fl in range(0, 2049, 3):
                kids["%s/%d" % (n, fl)] = [call(s.numChildren, fl), call(s.listChildrenNames, fl),
                                          call(lambda: [x.getName() for x in s.listAllChildren(fl)])]
        return {"top": top, "kids": kids, "tree": tree_state(d)}
    return with_dom(libvirt, f, xml=PLAIN_XML)


@scenario
def snap_redefine(libvirt):
    """Redefinition: required fields, states, parents, cycles, uuid, the
    current flag, replacing an existing snapshot, and its documents."""
    R = libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE
    C = libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT
    other = DOM_IN_SNAP.replace(SNAP_UUID, UUID2)
    cases = [
        ("<domainsnapshot><creationTime>1</creationTime><state>running</state></domainsnapshot>", R),
        ("<domainsnapshot><name>r</name></domainsnapshot>", R),
        ("<domainsnapshot><name>r</name><creationTime>x</creationTime></domainsnapshot>", R),
        ("<domainsnapshot><name>r</name><creationTime>1</creationTime></domainsnapshot>", R),
        ("<domainsnapshot><name>r</name><creationTime>1</creationTime><state>nostate</state></domainsnapshot>", R),
        ("<domainsnapshot><name>r</name><creationTime>1</creationTime><state>bogus</state></domainsnapshot>", R),
        ("<domainsnapshot><name>r</name><creationTime>1</creationTime><state>running</state></domainsnapshot>", R),
        (redef("r1", "running", 10), R),
        (redef("r2", "shutoff", 11, parent="r1"), R | C),
        (redef("r3", "paused", 12, parent="r2", extra="<description>d</description>"), R),
        (redef("r4", "running", 13, parent="zz"), R),
        (redef("r4", "running", 13, parent="r4"), R),
        (redef("r1", "running", 14, parent="r3"), R),
        (redef("r1", "shutoff", 14), R),
        (redef("r2", "running", 14), R),
        (redef("r5", "running", 15, dom=other), R),
        (redef("r6", "disk-snapshot", 16, parent="r1"), R),
        (redef("r7", "shutoff", 17, extra="<memory snapshot='internal'/>"), R),
        (redef("r8", "running", 18, extra="<memory snapshot='external' file='/vrs/x'/>"), R),
        (redef("r9", "running", 19, extra="<disks><disk name='vda' snapshot='external'>"
               "<source file='/vrs/new'/></disk></disks>"), R),
        (redef("r10", "running", 20, extra="<disks><disk name='vdq'/></disks>"), R),
        (redef("r3", "running", 21, parent="r1", extra="<description>again</description>"), R),
        (redef("r11", "shutoff", 0, dom=DOM_IN_SNAP.replace("<name>vrs-snap", "<name>renamed")), R),
        (redef("r12", "crashed", 22, extra="<inactiveDomain type='test'><name>vrs-snap</name><uuid>%s</uuid>"
               "<memory>1024</memory><os><type>hvm</type></os></inactiveDomain>" % SNAP_UUID), R),
        (redef("r13", "running", 23), C),
    ]

    def f(c, d):
        out = []
        for x, fl in cases:
            r = call(lambda: d.snapshotCreateXML(x, fl).getName())
            out.append([r, tree_state(d)["current"]])
        out.append(tree_state(d))
        out.append({n: norm(d.snapshotLookupByName(n).getXMLDesc()) for n in ["r2", "r3", "r9", "r11", "r12"]})
        return out
    return with_dom(libvirt, f, xml=PLAIN_XML)


@scenario
def snap_revert_transitions(libvirt):
    """Reverting between shut off, running and paused snapshots with each
    flag: resulting state, current snapshot and lifecycle events."""
    c = conn(libvirt)
    log = []
    cb = c.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                  lambda cn, dom, ev, det, op: log.append([dom.name(), dom.ID(), ev, det]), None)
    try:
        def f(c2, d):
            make(d, "off")
            d.create()
            make(d, "run")
            d.suspend()
            make(d, "pau")
            d.resume()
            out = []
            R, P = libvirt.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING, libvirt.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED
            for src in ["off", "run", "pau"]:
                for dst in ["off", "run", "pau"]:
                    for fl in [0, R, P, R | P, libvirt.VIR_DOMAIN_SNAPSHOT_REVERT_FORCE, 8]:
                        if src == "off" and d.isActive():
                            d.destroy()
                        if src != "off" and not d.isActive():
                            d.create()
                        if src == "pau" and d.state()[0] == 1:
                            d.suspend()
                        if src == "run" and d.state()[0] == 3:
                            d.resume()
                        pump(libvirt)
                        del log[:]
                        r = call(d.revertToSnapshot, d.snapshotLookupByName(dst), fl)
                        pump(libvirt)
                        out.append([src, dst, fl, r, d.state(), d.ID(), c2.lookupByName("vrs-snap").ID(),
                                    d.snapshotCurrent().getName(), list(log)])
            return out
        return with_dom(libvirt, f, xml=PLAIN_XML)
    finally:
        c.domainEventDeregisterAny(cb)


@scenario
def snap_revert_restores_definition(libvirt):
    """Reverting brings back the definition captured with the snapshot (live
    and persistent), for a transient domain only with run or pause."""
    def f(c, d):
        make(d, "s1")
        d.setMemoryFlags(32768, libvirt.VIR_DOMAIN_AFFECT_CONFIG)
        out = {"changed": d.maxMemory()}
        d.revertToSnapshot(d.snapshotLookupByName("s1"))
        out["reverted"] = [d.maxMemory(), d.info()[1:3]]
        d.create()
        make(d, "s2")
        d.setMemoryFlags(16384, libvirt.VIR_DOMAIN_AFFECT_LIVE | libvirt.VIR_DOMAIN_AFFECT_CONFIG)
        d.revertToSnapshot(d.snapshotLookupByName("s2"))
        out["live"] = [d.info()[1:3], d.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE) == d.XMLDesc()]
        d.revertToSnapshot(d.snapshotLookupByName("s1"))
        out["off"] = [d.state(), d.info()[1:3]]
        return out
    out = with_dom(libvirt, f, xml=PLAIN_XML)

    def g(c, d):
        make(d, "t1")
        d.suspend()
        make(d, "t2")
        return [call(d.revertToSnapshot, d.snapshotLookupByName("t1")), d.state(),
                call(d.revertToSnapshot, d.snapshotLookupByName("t2"), libvirt.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING),
                d.state(), d.isActive(), d.isPersistent()]
    out["transient"] = with_dom(libvirt, g, xml=PLAIN_XML, transient=True)
    return out


def delete_tree(libvirt, d):
    for n in ["a", "b", "c", "d", "e", "f", "g"]:
        parent = {"b": "a", "c": "b", "d": "b", "e": "d", "f": "a"}.get(n)
        d.snapshotCreateXML(redef(n, "shutoff", ord(n), parent=parent),
                            libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE | libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT)


@scenario
def snap_delete_variants(libvirt):
    """Deleting a leaf, an inner node (children move up), with CHILDREN and
    CHILDREN_ONLY, the current one, and the refused flags."""
    out = {}
    D = libvirt
    for label, victim, fl, cur in [
        ("leaf", "e", 0, "e"), ("inner", "b", 0, "c"), ("inner_current", "b", 0, "b"),
        ("children", "b", D.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN, "e"),
        ("children_only", "b", D.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY, "e"),
        ("children_only_other", "b", D.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY, "f"),
        ("root", "a", 0, "g"), ("root_children", "a", D.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN, "a"),
        ("both", "b", 5, "e"), ("metadata_only", "b", D.VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY, "e"),
        ("bad", "b", 8, "e"),
    ]:
        def f(c, d):
            delete_tree(libvirt, d)
            d.revertToSnapshot(d.snapshotLookupByName(cur))
            s = d.snapshotLookupByName(victim)
            r = call(s.delete, fl)
            return [r, tree_state(d), call(s.getName), call(s.isCurrent), call(s.getXMLDesc)[:2],
                    call(lambda: [x.getName() for x in d.listAllSnapshots(D.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL)]),
                    {n: norm(d.snapshotLookupByName(n).getXMLDesc())[:160] for n in sorted(d.snapshotListNames())}]
        out[label] = with_dom(libvirt, f, xml=PLAIN_XML)
    return out


@scenario
def snap_undefine_and_domain_filters(libvirt):
    """Undefining a domain with snapshots needs the metadata flag when it is
    inactive; listing domains by snapshot/checkpoint presence."""
    U = libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
    c = conn(libvirt)
    d = c.defineXML(PLAIN_XML)
    make(d, "u1")
    make(d, "u2")
    out = {"plain": call(d.undefine),
           "nvram": call(d.undefineFlags, libvirt.VIR_DOMAIN_UNDEFINE_NVRAM),
           "checkpoints_flag": call(d.undefineFlags, libvirt.VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA)}
    flt = {}
    for name in ["HAS_SNAPSHOT", "NO_SNAPSHOT", "HAS_CHECKPOINT", "NO_CHECKPOINT"]:
        fl = getattr(libvirt, "VIR_CONNECT_LIST_DOMAINS_" + name)
        flt[name] = sorted(x.name() for x in c.listAllDomains(fl))
    out["filters"] = flt
    d.create()
    out["running_undefine"] = [call(d.undefine), d.isPersistent(), sorted(d.snapshotListNames())]
    d.destroy()
    out["gone"] = call(c.lookupByName, "vrs-snap")
    d = c.defineXML(PLAIN_XML)
    make(d, "u3")
    out["with_flag"] = [call(d.undefineFlags, U), call(c.lookupByName, "vrs-snap")]
    d = c.defineXML(PLAIN_XML)
    out["fresh"] = [d.snapshotNum(), d.undefine()]
    return out


@scenario
def snap_validate_flag(libvirt):
    """VALIDATE checks the document against the snapshot schema."""
    V = libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE
    docs = [
        "<domainsnapshot><name>v1</name></domainsnapshot>",
        "<domainsnapshot><bogus/></domainsnapshot>",
        "<domainsnapshot foo='1'><name>v2</name></domainsnapshot>",
        "<domainsnapshot><name>v3</name><name>v4</name></domainsnapshot>",
        "<domainsnapshot><name>v5</name><state>bogus</state></domainsnapshot>",
        "<domainsnapshot><name>v6</name><memory snapshot='external'/></domainsnapshot>",
        "<domainsnapshot><name>v7</name><memory snapshot='no'/></domainsnapshot>",
        "<domainsnapshot><name>v8</name><disks><disk name='vda' snapshot='bogus'/></disks></domainsnapshot>",
        "<domainsnapshot><name>v9</name>text</domainsnapshot>",
        "<domainsnapshot><name>v10</name><active>2</active></domainsnapshot>",
    ]

    def f(c, d):
        return [call(lambda: d.snapshotCreateXML(x, V).getName()) for x in docs] + [
            nt(call(lambda: d.snapshotCreateXML(docs[1], 0).getName()))]
    return with_dom(libvirt, f, xml=PLAIN_XML)


@scenario
def snap_handles_after_removal(libvirt):
    """Snapshot handles whose snapshot or domain is gone."""
    c = conn(libvirt)
    d = c.defineXML(PLAIN_XML)
    s = d.snapshotCreateXML(snapxml("h1"))
    s.delete()
    out = [call(s.getXMLDesc), call(s.getParent), call(s.isCurrent), call(s.hasMetadata), call(s.numChildren),
           call(s.listChildrenNames), call(s.delete), call(d.revertToSnapshot, s), s.getName(),
           call(d.snapshotLookupByName, "h1"), call(d.snapshotLookupByName, "h1", 1)]
    s = d.snapshotCreateXML(snapxml("h2"))
    d.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)
    out += [call(s.getXMLDesc), call(s.getParent), s.getName(), call(d.snapshotNum), call(d.listAllSnapshots)]
    return out


# --------------------------------------------------------------------------
# checkpoints
# --------------------------------------------------------------------------

def cpxml(name=None, extra=""):
    n = "<name>%s</name>" % name if name is not None else ""
    return "<domaincheckpoint>%s%s</domaincheckpoint>" % (n, extra)


def cp_state(d):
    names = sorted(x.getName() for x in d.listAllCheckpoints())
    return {"names": sorted(nt(n) for n in names),
            "parents": {nt(n): call(lambda n=n: d.checkpointLookupByName(n).getParent().getName()) for n in names},
            "topo": [nt(x.getName()) for x in d.listAllCheckpoints(libvirt_topo)]}


libvirt_topo = 2  # VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL


@scenario
def cp_create_and_documents(libvirt):
    """Checkpoints need a running domain with a disk and no snapshot; the
    document, its disks and the XML flags."""
    def f(c, d):
        out = {"inactive": call(d.checkpointCreateXML, cpxml("c0"))}
        d.create()
        cp = d.checkpointCreateXML(cpxml("c1", "<description>x</description>"))
        out["c1"] = [cp.getName(), cp.getDomain().name(), cp.getConnect().getURI(), call(cp.getParent)]
        for fl in range(0, 9):
            out["xml%d" % fl] = norm(call(cp.getXMLDesc, fl))
        c2 = d.checkpointCreateXML(cpxml("c2", "<disks><disk name='vda' checkpoint='no'/>"
                                                "<disk name='/vrs/d.img' bitmap='bm'/></disks>"))
        out["c2"] = [norm(c2.getXMLDesc(libvirt.VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN)), c2.getParent().getName()]
        c3 = d.checkpointCreateXML("<domaincheckpoint/>")
        x = c3.getXMLDesc()
        out["c3_name_is_time"] = c3.getName() == re.search(r"<creationTime>(\d+)</creationTime>", x).group(1)
        out["snapshot_refused"] = make(d, "s")
        out["dup"] = call(d.checkpointCreateXML, cpxml("c1"))
        out["lookup"] = [call(d.checkpointLookupByName, "zz"), call(d.checkpointLookupByName, "c1", 1)]
        out["state"] = cp_state(d)
        d.destroy()
        out["size_inactive"] = call(cp.getXMLDesc, libvirt.VIR_DOMAIN_CHECKPOINT_XML_SIZE)
        out["after_destroy"] = cp_state(d)
        return out
    out = with_dom(libvirt, f, xml=PLAIN_XML)

    def g(c, d):
        d.create()
        return [call(d.checkpointCreateXML, cpxml("n1"))]
    out["no_disk"] = with_dom(libvirt, g, xml=small_xml("vrs-snap", SNAP_UUID))

    def h(c, d):
        make(d, "s1")
        d.create()
        return [call(d.checkpointCreateXML, cpxml("n1"))]
    out["with_snapshot"] = with_dom(libvirt, h, xml=PLAIN_XML)
    return out


@scenario
def cp_document_errors(libvirt):
    """The checkpoint schema and disk checks."""
    docs = [
        "<foo/>",
        "<domaincheckpoint><name>a b</name></domaincheckpoint>",
        "<domaincheckpoint><bogus/></domaincheckpoint>",
        "<domaincheckpoint x='1'/>",
        "<domaincheckpoint><name>a</name><domain/></domaincheckpoint>",
        "<domaincheckpoint><name>a</name><disks/></domaincheckpoint>",
        "<domaincheckpoint><name>a</name><disks><disk name='vda' checkpoint='no' bitmap='x'/></disks>"
        "</domaincheckpoint>",
        "<domaincheckpoint><name>a</name><disks><disk name='vda' checkpoint='maybe'/></disks></domaincheckpoint>",
        "<domaincheckpoint><name>a</name><disks><disk/></disks></domaincheckpoint>",
        "<domaincheckpoint><name>a</name><disks><disk name='vdz'/></disks></domaincheckpoint>",
        "<domaincheckpoint><name>a</name><disks><disk name='vda'/><disk name='/vrs/a.img'/></disks>"
        "</domaincheckpoint>",
        "<domaincheckpoint><name>a</name><creationTime>-1</creationTime></domaincheckpoint>",
        "<domaincheckpoint><name>a</name><creationTime>5</creationTime></domaincheckpoint>",
        "<domaincheckpoint><name>a</name><parent><name>p</name></parent></domaincheckpoint>",
        "<domaincheckpoint><name>a</name><name>b</name></domaincheckpoint>",
        "<domaincheckpoint><name>.a</name></domaincheckpoint>",
        "<domaincheckpoint><name>b</name><disks><disk name='hdc'/></disks></domaincheckpoint>",
        "<domaincheckpoint><name>c</name><disks><disk name='hdc' checkpoint='no'/><disk name='vdb'/></disks>"
        "</domaincheckpoint>",
        "<domaincheckpoint><name>d</name>text</domaincheckpoint>",
    ]

    def f(c, d):
        d.create()
        out = []
        for x in docs:
            r = call(lambda: d.checkpointCreateXML(x))
            if not isinstance(r, list):
                r = norm(r.getXMLDesc(libvirt.VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN))
            out.append(r)
        return out
    return with_dom(libvirt, f, xml=DISKS_XML)


@scenario
def cp_redefine_and_tree(libvirt):
    """Checkpoint redefinition, which becomes current, and listing flags."""
    R = libvirt.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE
    cases = [
        (cpxml("r1"), R),
        (cpxml(None, "<creationTime>5</creationTime>"), R),
        (cpxml("r1", "<creationTime>5</creationTime>"), R),
        (cpxml("r2", "<creationTime>6</creationTime><parent><name>r1</name></parent>"), R),
        (cpxml("r3", "<creationTime>7</creationTime><parent><name>zz</name></parent>"), R),
        (cpxml("r3", "<creationTime>7</creationTime><parent><name>r3</name></parent>"), R),
        (cpxml("r1", "<creationTime>8</creationTime><parent><name>r2</name></parent>"), R),
        (cpxml("r4", "<creationTime>9</creationTime><disks><disk name='vda'/></disks>"), R),
        (cpxml("r5", "<creationTime>10</creationTime>" + DOM_IN_SNAP), R),
        (cpxml("r6", "<creationTime>11</creationTime>" + DOM_IN_SNAP.replace(SNAP_UUID, UUID2)), R),
        (cpxml("n1"), 0),
        (cpxml("n2"), 0),
        (cpxml("r7", "<creationTime>12</creationTime><parent><name>n2</name></parent>"), R),
        (cpxml("n3"), 0),
        (cpxml("q"), libvirt.VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE),
        (cpxml("q2"), R | libvirt.VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE),
        (cpxml("q3"), 4),
        (cpxml("q4"), R | 4),
        (cpxml("q5"), 8),
    ]

    def f(c, d):
        d.create()
        out = [[call(lambda: d.checkpointCreateXML(x, fl).getName()), cp_state(d)] for x, fl in cases]
        out.append({n: norm(d.checkpointLookupByName(n).getXMLDesc(libvirt.VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN))
                    for n in ["r1", "r4", "n1", "n3", "r7"]})
        lists = {}
        for fl in range(0, 17):
            top = call(lambda: [x.getName() for x in d.listAllCheckpoints(fl)])
            if isinstance(top, list) and top[:1] != ["libvirtError"] and not fl & 3:
                top = sorted(top)
            lists[fl] = [top] + [call(lambda n=n: [x.getName() for x in d.checkpointLookupByName(n).listAllChildren(fl)])
                                 for n in ["r1", "r2", "n1", "n2"]]
        out.append(lists)
        return out
    return with_dom(libvirt, f, xml=PLAIN_XML)


@scenario
def cp_delete_variants(libvirt):
    """Checkpoint deletion: leaf, inner node, children, children only,
    metadata only, and the refused flags; undefine drops checkpoints."""
    D = libvirt
    out = {}
    for label, victim, fl in [
        ("leaf", "c5", 0), ("inner", "c2", 0), ("children", "c2", D.VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN),
        ("children_only", "c2", D.VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY),
        ("meta", "c2", D.VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY), ("both", "c2", 5), ("bad", "c2", 8),
        ("root", "c1", 0), ("current", "c5", 0),
    ]:
        def f(c, d):
            d.create()
            for n in ["c1", "c2", "c3"]:
                d.checkpointCreateXML(cpxml(n))
            d.checkpointCreateXML(cpxml("c4", "<creationTime>4</creationTime><parent><name>c2</name></parent>"),
                                  D.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE)
            d.checkpointCreateXML(cpxml("c5", "<creationTime>5</creationTime><parent><name>c1</name></parent>"),
                                  D.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE)
            cp = d.checkpointLookupByName(victim)
            r = call(cp.delete, fl)
            after = cp_state(d)
            d.checkpointCreateXML(cpxml("z"))
            return [r, after, d.checkpointLookupByName("z").getParent().getName(), call(cp.getXMLDesc)[:2]]
        out[label] = with_dom(libvirt, f, xml=PLAIN_XML)

    def g(c, d):
        d.create()
        d.checkpointCreateXML(cpxml("k"))
        d.destroy()
        return [call(d.undefine), call(c.lookupByName, "vrs-snap")]
    out["undefine"] = with_dom(libvirt, g, xml=PLAIN_XML)
    return out


@scenario
def moment_corpus_redefine(libvirt):
    """The corpus documents redefined as snapshots and checkpoints, and
    their documents read back."""
    from scenarios.network import corpus

    def f(c, d):
        out = {}
        for fn, x in corpus("domainsnapshot"):
            r = call(d.snapshotCreateXML, x, libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE)
            out[fn] = r if isinstance(r, list) else [r.getName(), norm(r.getXMLDesc())]
        out["tree"] = tree_state(d)
        for s in d.listAllSnapshots():
            s.delete()
        d.create()
        for fn, x in corpus("domaincheckpoint"):
            r = call(d.checkpointCreateXML, x, libvirt.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE)
            out["cp/" + fn] = r if isinstance(r, list) else [r.getName(), norm(r.getXMLDesc())]
        out["cp"] = cp_state(d)
        return out
    return with_dom(libvirt, f, xml=PLAIN_XML)


@scenario
def snap_external_names(libvirt):
    """External memory makes disks external too: new image names are made
    from existing regular files, refused for anything else."""
    import os
    import tempfile
    tmp = tempfile.mkdtemp(prefix="vrs-snap-")
    try:
        for n in ["a.img", "b.qcow2", "c"]:
            open(os.path.join(tmp, n), "w").close()
        xml = PLAIN_XML.replace("/vrs/a.img", os.path.join(tmp, "a.img")).replace("/vrs/d.img", os.path.join(tmp, "b.qcow2"))

        def f(c, d):
            d.create()
            out = []
            for name, extra in [
                ("e1", "<memory snapshot='external' file='/vrs/m1'/>"),
                ("e2", "<memory file='/vrs/m2'/><disks><disk name='vdb' snapshot='no'/></disks>"),
                ("e3", "<memory file='/vrs/m3'/><disks><disk name='vda'><source file='%s'/></disk></disks>"
                 % os.path.join(tmp, "b.e3")),
                ("e4", "<disks><disk name='vda' snapshot='external'/></disks>"),
            ]:
                r = call(lambda: d.snapshotCreateXML(snapxml(name, extra)).getXMLDesc())
                out.append(norm(r).replace(tmp, "TMP") if isinstance(r, str) else r)
            ext = libvirt.VIR_DOMAIN_SNAPSHOT_LIST_EXTERNAL
            out.append([sorted(d.snapshotListNames(ext)), sorted(d.snapshotListNames(libvirt.VIR_DOMAIN_SNAPSHOT_LIST_INTERNAL))])
            return out
        return with_dom(libvirt, f, xml=xml)
    finally:
        for n in os.listdir(tmp):
            os.unlink(os.path.join(tmp, n))
        os.rmdir(tmp)
