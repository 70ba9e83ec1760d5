"""The *_VALIDATE flags: documents checked against libvirt's RelaxNG schemas,
failing with libxml2's error lines (VIR_ERR_XML_INVALID_SCHEMA)."""

from differential import *  # noqa: F401,F403


def variants(base, edits):
    """`base` with each (label, old, new) substitution applied once."""
    out = []
    for label, old, new in edits:
        assert old in base, label
        out.append((label, base.replace(old, new, 1)))
    return out


def attempt(fn, docs, flags, cleanup):
    """Runs fn(xml, flags) on every document; created objects are cleaned up."""
    out = {}
    for label, xml in docs:
        r = call(fn, xml, flags)
        if not isinstance(r, list):
            cleanup(r)
            r = "ok"
        out[label] = r
    return out


def undefine(o):
    o.undefine()


def destroy(o):
    o.destroy()


# --------------------------------------------------------------------------
# storage pools
# --------------------------------------------------------------------------

POOL = "<pool type='dir'><name>vrs-val</name><target><path>/vrs/val</path></target></pool>"

POOL_BAD = [
    ("unknown-first", "<name>", "<foo/><name>"),
    ("unknown-last", "</pool>", "<foo/></pool>"),
    ("unknown-in-target", "<path>", "<foo/><path>"),
    ("missing-name", "<name>vrs-val</name>", ""),
    ("missing-target", "<target><path>/vrs/val</path></target>", ""),
    ("missing-path", "<path>/vrs/val</path>", ""),
    ("bad-root-attribute", "type='dir'", "type='dir' bogus='1'"),
    ("bad-type", "type='dir'", "type='nosuch'"),
    ("missing-type", " type='dir'", ""),
    ("duplicate-name", "<name>vrs-val</name>", "<name>vrs-val</name><name>again</name>"),
    ("text-in-root", "<name>", "junk<name>"),
    ("text-in-target", "<path>", "junk<path>"),
    ("bad-capacity-unit", "</name>", "</name><capacity unit='zz'>1</capacity>"),
    ("capacity-not-a-number", "</name>", "</name><capacity>abc</capacity>"),
    ("bad-uuid", "</name>", "</name><uuid>not-a-uuid</uuid>"),
    ("bad-mode", "</path>", "</path><permissions><mode>999</mode></permissions>"),
    ("mode-not-octal", "</path>", "</path><permissions><mode>abc</mode></permissions>"),
    ("element-in-path", "/vrs/val", "<x/>"),
    ("wrong-root", "<pool type='dir'>", "<pools type='dir'>"),
    ("source-host-for-dir", "</name>", "</name><source><host name='h'/></source>"),
    ("path-twice", "</path>", "</path><path>/x</path>"),
    ("permissions-order", "</path>", "</path><permissions><owner>0</owner><bogus/></permissions>"),
    ("bad-owner", "</path>", "</path><permissions><owner>root</owner></permissions>"),
    ("attribute-on-name", "<name>", "<name x='1'>"),
]

POOL_GOOD = [
    ("plain", "</pool>", "</pool>"),
    ("uuid", "</name>", "</name><uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>"),
    ("capacity", "</name>", "</name><capacity unit='GiB'>2</capacity><allocation>0</allocation>"),
    ("permissions", "</path>", "</path><permissions><mode>0755</mode><owner>0</owner><group>0</group></permissions>"),
    ("children-reordered", "<name>vrs-val</name><target><path>/vrs/val</path></target>",
     "<target><path>/vrs/val</path></target><name>vrs-val</name>"),
]


@scenario
def validate_pool_define_invalid(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    return attempt(c.storagePoolDefineXML, variants(POOL, POOL_BAD), libvirt.VIR_STORAGE_POOL_DEFINE_VALIDATE,
                   undefine)


@scenario
def validate_pool_define_valid(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    docs = variants(POOL, POOL_GOOD) + [
        ("netfs", "<pool type='netfs'><name>vrs-nfs</name><source><host name='nfs.example.com'/>"
                  "<dir path='/export'/><format type='nfs'/></source><target><path>/vrs/nfs</path></target></pool>"),
        ("logical", "<pool type='logical'><name>vrs-lv</name><source><name>vg0</name></source>"
                    "<target><path>/dev/vg0</path></target></pool>"),
    ]
    return attempt(c.storagePoolDefineXML, docs, libvirt.VIR_STORAGE_POOL_DEFINE_VALIDATE, undefine)


@scenario
def validate_pool_flag_not_set(libvirt):
    """Without the flag the schema is not consulted."""
    quiet(libvirt)
    c = libvirt.open(URI)
    return attempt(c.storagePoolDefineXML, variants(POOL, POOL_BAD[:3]), 0, undefine)


# --------------------------------------------------------------------------
# storage volumes
# --------------------------------------------------------------------------

VOL = "<volume><name>vrs-vol</name><capacity unit='M'>1</capacity><target><path>/x</path></target></volume>"

VOL_BAD = [
    ("unknown-first", "<name>", "<foo/><name>"),
    ("unknown-last", "</volume>", "<foo/></volume>"),
    ("missing-name", "<name>vrs-vol</name>", ""),
    ("missing-capacity", "<capacity unit='M'>1</capacity>", ""),
    ("bad-unit", "unit='M'", "unit='parsecs'"),
    ("capacity-not-a-number", ">1<", ">one<"),
    ("bad-root-attribute", "<volume>", "<volume bogus='1'>"),
    ("bad-volume-type", "<volume>", "<volume type='nosuch'>"),
    ("bad-format", "<path>/x</path>", "<path>/x</path><format type='no such'/>"),
    ("text-in-root", "<name>", "junk<name>"),
    ("duplicate-capacity", "</capacity>", "</capacity><capacity>2</capacity>"),
    ("element-in-name", "vrs-vol", "<b/>"),
    ("unknown-in-target", "<path>", "<foo/><path>"),
    ("bad-allocation", "</capacity>", "</capacity><allocation>lots</allocation>"),
    ("bad-mode", "</path>", "</path><permissions><mode>888</mode></permissions>"),
    ("bad-compat", "</path>", "</path><compat>one.one</compat>"),
    ("wrong-root", "<volume>", "<vol>"),
    ("attribute-on-name", "<name>", "<name a='b'>"),
    ("bad-backing-store", "</volume>", "<backingStore><foo/></backingStore></volume>"),
    ("nested-unknown", "</target>", "<features><bogus/></features></target>"),
]


@scenario
def validate_vol_create(libvirt):
    """Invalid documents fail against storagevol.rng; valid ones then meet
    the volume parser, which refuses the flag."""
    quiet(libvirt)
    c = libvirt.open(URI)
    p = c.storagePoolLookupByName("default-pool")
    docs = variants(VOL, VOL_BAD) + [("valid", VOL), ("valid-minimal", "<volume><name>v</name><capacity>1</capacity>"
                                                                      "<target><path>/y</path></target></volume>")]
    flag = libvirt.VIR_STORAGE_VOL_CREATE_VALIDATE
    return attempt(p.createXML, docs, flag, lambda v: v.delete(0))


# --------------------------------------------------------------------------
# networks
# --------------------------------------------------------------------------

NET = ("<network><name>vrs-net</name><bridge name='virbr9'/><forward mode='nat'/>"
       "<ip address='192.168.150.1' netmask='255.255.255.0'><dhcp>"
       "<range start='192.168.150.2' end='192.168.150.254'/></dhcp></ip></network>")

NET_BAD = [
    ("unknown-first", "<name>", "<foo/><name>"),
    ("unknown-last", "</network>", "<foo/></network>"),
    ("unknown-in-ip", "<dhcp>", "<foo/><dhcp>"),
    ("missing-name", "<name>vrs-net</name>", ""),
    ("bad-address", "192.168.150.1'", "192.168.150.999'"),
    ("bad-netmask", "255.255.255.0", "255.255.255.x"),
    ("bad-forward-mode", "mode='nat'", "mode='teleport'"),
    ("range-missing-end", " end='192.168.150.254'", ""),
    ("bad-mac", "<bridge name='virbr9'/>", "<bridge name='virbr9'/><mac address='zz:zz'/>"),
    ("bad-stp", "name='virbr9'", "name='virbr9' stp='maybe'"),
    ("bad-root-attribute", "<network>", "<network bogus='1'>"),
    ("duplicate-name", "</name>", "</name><name>x</name>"),
    ("text-in-root", "<name>", "junk<name>"),
    ("text-in-dhcp", "<range", "junk<range"),
    ("bad-prefix", " netmask='255.255.255.0'", " prefix='forty'"),
    ("host-without-ip", "<range", "<host mac='00:16:3e:77:e2:ed' name='a'/><range"),
    ("bad-uuid", "</name>", "</name><uuid>1234</uuid>"),
    ("bad-domain-localonly", "</name>", "</name><domain name='x' localOnly='perhaps'/>"),
    ("wrong-root", "<network>", "<net>"),
    ("attribute-on-name", "<name>", "<name x='y'>"),
    ("bad-port-range", "<forward mode='nat'/>", "<forward mode='nat'><nat><port start='a' end='b'/></nat></forward>"),
    ("bad-dns", "</name>", "</name><dns><host ip='1.2.3.4'/></dns>"),
]


@scenario
def validate_network_define(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    docs = variants(NET, NET_BAD) + [
        ("valid", NET),
        ("valid-isolated", "<network><name>vrs-iso</name><ip address='10.9.0.1' prefix='24'/></network>"),
        ("valid-mtu", "<network><name>vrs-mtu</name><mtu size='9000'/><domain name='example.org'/></network>"),
    ]
    return attempt(c.networkDefineXMLFlags, docs, libvirt.VIR_NETWORK_DEFINE_VALIDATE, undefine)


@scenario
def validate_network_create(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    docs = variants(NET, NET_BAD[:6]) + [("valid", NET.replace("virbr9", "virbr8"))]
    return attempt(c.networkCreateXMLFlags, docs, libvirt.VIR_NETWORK_CREATE_VALIDATE, destroy)


# --------------------------------------------------------------------------
# domains
# --------------------------------------------------------------------------

DOM = ("<domain type='test'><name>vrs-dom</name><memory unit='KiB'>1048576</memory><vcpu>2</vcpu>"
       "<os><type arch='x86_64'>hvm</type></os><devices><disk type='file' device='disk'>"
       "<source file='/tmp/x.img'/><target dev='vda' bus='virtio'/></disk>"
       "<interface type='network'><source network='default'/></interface></devices></domain>")

DOM_BAD = [
    ("unknown-first", "<name>", "<foo/><name>"),
    ("unknown-last", "</domain>", "<foo/></domain>"),
    ("missing-name", "<name>vrs-dom</name>", ""),
    ("missing-os", "<os><type arch='x86_64'>hvm</type></os>", ""),
    ("bad-domain-type", "type='test'", "type='nosuch'"),
    ("memory-not-a-number", ">1048576<", ">lots<"),
    ("bad-memory-unit", "unit='KiB'", "unit='furlongs'"),
    ("bad-vcpu", "<vcpu>2</vcpu>", "<vcpu>two</vcpu>"),
    ("unknown-device", "<devices>", "<devices><gizmo/>"),
    ("bad-disk-device", "device='disk'", "device='platter'"),
    ("bad-interface-type", "<interface type='network'>", "<interface type='carrier-pigeon'>"),
    ("bad-arch", "arch='x86_64'", "arch='abacus'"),
    ("bad-os-type", ">hvm<", ">teapot<"),
    ("bad-on-poweroff", "</vcpu>", "</vcpu><on_poweroff>explode</on_poweroff>"),
    ("unknown-feature", "</vcpu>", "</vcpu><features><warpdrive/></features>"),
    ("duplicate-name", "</name>", "</name><name>again</name>"),
    ("text-in-root", "<name>", "junk<name>"),
    ("bad-root-attribute", "type='test'", "type='test' bogus='1'"),
    ("disk-missing-target", "<target dev='vda' bus='virtio'/>", ""),
    ("bad-target-bus", "bus='virtio'", "bus='omnibus'"),
    ("bad-uuid", "</name>", "</name><uuid>xyz</uuid>"),
    ("bad-clock", "</vcpu>", "</vcpu><clock offset='sometime'/>"),
    ("wrong-root", "<domain type='test'>", "<dom type='test'>"),
    ("bad-mac", "<source network='default'/>", "<source network='default'/><mac address='nope'/>"),
]


@scenario
def validate_domain_define(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    docs = variants(DOM, DOM_BAD) + [
        ("valid", DOM),
        ("valid-minimal", "<domain type='test'><name>vrs-min</name><memory>1024</memory>"
                          "<os><type>hvm</type></os></domain>"),
        ("valid-features", DOM.replace("</vcpu>", "</vcpu><features><acpi/><apic/></features>"
                                                  "<clock offset='utc'/><on_poweroff>destroy</on_poweroff>")),
    ]
    return attempt(c.defineXMLFlags, docs, libvirt.VIR_DOMAIN_DEFINE_VALIDATE, undefine)


@scenario
def validate_domain_create(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    docs = variants(DOM, DOM_BAD[:6]) + [("valid", DOM)]
    return attempt(c.createXML, docs, libvirt.VIR_DOMAIN_START_VALIDATE, destroy)


# --------------------------------------------------------------------------
# node devices and interfaces
# --------------------------------------------------------------------------

NODEDEV = ("<device><name>vrs-dev</name><parent>scsi_host1</parent><capability type='scsi_host'>"
           "<capability type='fc_host'><wwnn>2000000012345678</wwnn><wwpn>1000000012345678</wwpn>"
           "</capability></capability></device>")

NODEDEV_BAD = [
    ("missing-name", "<name>vrs-dev</name>", ""),
    ("unknown-first", "<name>", "<foo/><name>"),
    ("unknown-last", "</device>", "<foo/></device>"),
    ("parent-before-name", "<name>vrs-dev</name><parent>scsi_host1</parent>",
     "<parent>scsi_host1</parent><name>vrs-dev</name>"),
    ("bad-capability-type", "type='scsi_host'", "type='nosuch'"),
    ("bad-wwnn", "2000000012345678", "xyz"),
    ("missing-wwpn", "<wwpn>1000000012345678</wwpn>", ""),
    ("bad-root-attribute", "<device>", "<device bogus='1'>"),
    ("text-in-root", "<name>", "junk<name>"),
    ("duplicate-name", "</name>", "</name><name>x</name>"),
    ("unknown-in-capability", "<capability type='fc_host'>", "<foo/><capability type='fc_host'>"),
    ("bad-parent-attribute", "<parent>", "<parent wwnn='zz'>"),
    ("wrong-root", "<device>", "<devices>"),
    ("element-in-name", "vrs-dev", "<b/>"),
    ("capability-without-type", " type='scsi_host'", ""),
    ("unknown-in-fc-host", "<wwnn>", "<foo/><wwnn>"),
    ("bad-fabric", "</wwpn>", "</wwpn><fabric_wwn>no</fabric_wwn>"),
    ("text-in-capability", "<capability type='fc_host'>", "junk<capability type='fc_host'>"),
    ("devnode-bad-type", "</name>", "</name><devnode type='pipe'>/dev/x</devnode>"),
    ("driver-without-name", "</parent>", "</parent><driver/>"),
]


@scenario
def validate_nodedev_create(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    docs = variants(NODEDEV, NODEDEV_BAD) + [("valid", NODEDEV)]
    return attempt(c.nodeDeviceCreateXML, docs, libvirt.VIR_NODE_DEVICE_CREATE_XML_VALIDATE, destroy)


IFACE = ("<interface type='ethernet' name='vrs-eth'><start mode='onboot'/>"
         "<mac address='aa:bb:cc:dd:ee:ff'/><protocol family='ipv4'><dhcp/></protocol></interface>")

IFACE_BAD = [
    ("unknown-first", "<start", "<foo/><start"),
    ("missing-name", " name='vrs-eth'", ""),
    ("bad-type", "type='ethernet'", "type='string-and-cans'"),
    ("bad-start-mode", "mode='onboot'", "mode='sometimes'"),
    ("bad-mac", "aa:bb:cc:dd:ee:ff", "aa:bb"),
    ("bad-family", "family='ipv4'", "family='ipv5'"),
    ("text-in-root", "<start", "junk<start"),
    ("unknown-in-protocol", "<dhcp/>", "<dhcp/><foo/>"),
    ("bad-root-attribute", "<interface ", "<interface bogus='1' "),
    ("duplicate-mac", "<mac address='aa:bb:cc:dd:ee:ff'/>",
     "<mac address='aa:bb:cc:dd:ee:ff'/><mac address='aa:bb:cc:dd:ee:fe'/>"),
    ("bad-mtu", "<start mode='onboot'/>", "<start mode='onboot'/><mtu size='big'/>"),
    ("bad-ip", "<dhcp/>", "<ip address='1.2.3' prefix='24'/>"),
    ("wrong-root", "<interface ", "<iface "),
    ("bad-link", "<start mode='onboot'/>", "<start mode='onboot'/><link state='wobbly'/>"),
    ("dhcp-bad-peerdns", "<dhcp/>", "<dhcp peerdns='maybe'/>"),
    ("unknown-last", "</interface>", "<foo/></interface>"),
    ("bridge-without-bridge", "type='ethernet'", "type='bridge'"),
    ("element-in-dhcp", "<dhcp/>", "<dhcp><x/></dhcp>"),
    ("bad-prefix", "<dhcp/>", "<ip address='1.2.3.4' prefix='x'/>"),
    ("start-twice", "<start mode='onboot'/>", "<start mode='onboot'/><start mode='none'/>"),
]


@scenario
def validate_interface_define(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    docs = variants(IFACE, IFACE_BAD) + [
        ("valid", IFACE),
        ("valid-bridge", "<interface type='bridge' name='vrs-br'><bridge><interface type='ethernet' name='eth5'/>"
                         "</bridge></interface>"),
    ]
    return attempt(c.interfaceDefineXML, docs, libvirt.VIR_INTERFACE_DEFINE_VALIDATE, undefine)


# --------------------------------------------------------------------------
# snapshots and checkpoints
# --------------------------------------------------------------------------

SNAP = "<domainsnapshot><name>vrs-snap</name><description>d</description><memory snapshot='internal'/></domainsnapshot>"

SNAP_BAD = [
    ("unknown-first", "<name>", "<foo/><name>"),
    ("unknown-last", "</domainsnapshot>", "<foo/></domainsnapshot>"),
    ("bad-memory-mode", "snapshot='internal'", "snapshot='sideways'"),
    ("memory-file-relative", "snapshot='internal'", "snapshot='external' file='rel'"),
    ("bad-state", "</description>", "</description><state>dreaming</state>"),
    ("disk-without-name", "</domainsnapshot>", "<disks><disk/></disks></domainsnapshot>"),
    ("bad-disk-mode", "</domainsnapshot>", "<disks><disk name='vda' snapshot='sometimes'/></disks></domainsnapshot>"),
    ("text-in-root", "<name>", "junk<name>"),
    ("duplicate-name", "</name>", "</name><name>x</name>"),
    ("bad-root-attribute", "<domainsnapshot>", "<domainsnapshot bogus='1'>"),
    ("bad-active", "</description>", "</description><active>2</active>"),
    ("parent-without-name", "</description>", "</description><parent/>"),
]


@scenario
def validate_snapshot_create(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    d = c.lookupByName("test")
    docs = variants(SNAP, SNAP_BAD) + [("valid", SNAP)]
    flags = libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE | libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA
    return attempt(d.snapshotCreateXML, docs, flags, lambda s: None)


CHECKPOINT = "<domaincheckpoint><name>vrs-chk</name><description>d</description></domaincheckpoint>"

CHECKPOINT_BAD = [
    ("unknown-first", "<name>", "<foo/><name>"),
    ("bad-creation-time", "</description>", "</description><creationTime>yesterday</creationTime>"),
    ("empty-disks", "</description>", "</description><disks/>"),
    ("bad-disk-mode", "</description>", "</description><disks><disk name='vda' checkpoint='maybe'/></disks>"),
    ("size-on-disk", "</description>", "</description><disks><disk name='vda' checkpoint='no' size='1'/></disks>"),
    ("text-in-root", "<name>", "junk<name>"),
    ("bad-root-attribute", "<domaincheckpoint>", "<domaincheckpoint bogus='1'>"),
    ("name-with-slash", "vrs-chk", "a/b"),
]


@scenario
def validate_checkpoint_create(libvirt):
    """Checkpoint documents are always checked against their schema."""
    quiet(libvirt)
    c = libvirt.open(URI)
    d = c.lookupByName("test")
    docs = variants(CHECKPOINT, CHECKPOINT_BAD) + [("valid", CHECKPOINT)]
    return attempt(d.checkpointCreateXML, docs, 0, lambda k: k.delete())
