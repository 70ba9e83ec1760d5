"""Storage pools and volumes of test:///default: the built-in default-pool,
pool and volume XML round trips (the corpus under ../corpus/storage_pool and
../corpus/storage_vol), lifecycle, errors, lookups and listings.

libvirt keeps pools and volumes in hash tables with a per-process seed, so
listings are compared sorted.  Random UUIDs are replaced by "UUID"."""
import json
import os

from differential import *  # noqa: F401,F403

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(os.path.dirname(HERE), "corpus")
DEFAULT_POOL = "default-pool"
PUUID = "1b2c3d4e-0000-4000-8000-0000000b0001"


def corpus_files(kind):
    d = os.path.join(CORPUS, kind)
    return sorted(f for f in os.listdir(d) if f.endswith(".xml")) if os.path.isdir(d) else []


def read_corpus(kind, name):
    with open(os.path.join(CORPUS, kind, name)) as f:
        return f.read()


def masked(p, value):
    """A result with a pool's (possibly random) UUID masked."""
    return json.loads(json.dumps(value).replace(p.UUIDString(), "UUID"))


def pool_state(p):
    return {"name": p.name(), "info": p.info(), "active": p.isActive(),
            "persistent": p.isPersistent(), "autostart": p.autostart()}


def vol_state(v):
    return {"name": v.name(), "key": v.key(), "path": v.path(), "info": v.info(), "xml": v.XMLDesc(0)}


def pool_xml(name, path=None, uuid=None, kind="dir", extra=""):
    u = "<uuid>%s</uuid>" % uuid if uuid else ""
    t = "<target><path>%s</path></target>" % (path or "/vrs/" + name)
    return "<pool type='%s'><name>%s</name>%s%s%s</pool>" % (kind, name, u, extra, t)


def vol_xml(name, cap="1048576", extra=""):
    return "<volume><name>%s</name><capacity>%s</capacity>%s</volume>" % (name, cap, extra)


def cleanup_pool(c, name):
    try:
        p = c.storagePoolLookupByName(name)
    except Exception:  # noqa: BLE001
        return
    if p.isActive():
        for v in p.listAllVolumes():
            v.delete(0)
        p.destroy()
    try:
        p.undefine()
    except Exception:  # noqa: BLE001
        pass


# --------------------------------------------------------------------------
# the built-in pool
# --------------------------------------------------------------------------

@scenario
def storage_default_pool(libvirt):
    c = libvirt.open(URI)
    p = c.storagePoolLookupByName(DEFAULT_POOL)
    return [pool_state(p), p.UUIDString(), p.XMLDesc(0), p.listVolumes(), p.numOfVolumes(),
            c.listStoragePools(), c.listDefinedStoragePools(),
            c.numOfStoragePools(), c.numOfDefinedStoragePools(),
            p.name() == c.storagePoolLookupByUUIDString(p.UUIDString()).name(),
            p.name() == c.storagePoolLookupByUUID(p.UUID()).name()]


@scenario
def storage_pool_lookup_errors(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    return [call(c.storagePoolLookupByName, "nope"),
            call(c.storagePoolLookupByUUIDString, "dfe224cb-28fb-8dd0-c4b2-64eb3f0f4567"),
            call(c.storagePoolLookupByUUIDString, "zz"),
            call(c.storagePoolLookupByTargetPath, "/default-pool"),
            call(c.storageVolLookupByKey, "nope"), call(c.storageVolLookupByPath, "nope"),
            call(c.storagePoolLookupByName(DEFAULT_POOL).storageVolLookupByName, "nope")]


@scenario
def storage_pool_xml_flags(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    p = c.storagePoolLookupByName(DEFAULT_POOL)
    return [call(p.XMLDesc, libvirt.VIR_STORAGE_XML_INACTIVE), call(p.XMLDesc, 0x80000000)]


@scenario
def storage_list_all_pools_flags(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    made = [c.storagePoolDefineXML(pool_xml("vrs-la1"), 0),
            c.storagePoolCreateXML(pool_xml("vrs-la2"), 0),
            c.storagePoolDefineXML("<pool type='logical'><name>vrs-la3</name></pool>", 0)]
    made[2].setAutostart(1)
    out = {}
    for fl in [0, 1, 2, 4, 8, 16, 32, 64, 128, 512, 3, 1 << 19, 1 << 20, 0x80000000]:
        r = call(c.listAllStoragePools, fl)
        out[str(fl)] = r if r and isinstance(r[0], str) else sorted(x.name() for x in r)
    out["names"] = [sorted(c.listStoragePools()), sorted(c.listDefinedStoragePools()),
                    c.numOfStoragePools(), c.numOfDefinedStoragePools()]
    made[1].destroy()
    made[0].undefine()
    made[2].undefine()
    return out


# --------------------------------------------------------------------------
# pool lifecycle
# --------------------------------------------------------------------------

@scenario
def storage_pool_lifecycle(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    r = []
    p = c.storagePoolDefineXML(pool_xml("vrs-life", uuid=PUUID), 0)
    r.append(pool_state(p))
    r.append(masked(p, p.XMLDesc(0)))
    for name, f, a in [("refresh", p.refresh, (0,)), ("destroy", p.destroy, ()),
                       ("listvols", p.listVolumes, ()), ("numvols", p.numOfVolumes, ()),
                       ("listall", p.listAllVolumes, (0,)),
                       ("volcreate", p.createXML, (vol_xml("a"), 0)),
                       ("vollookup", p.storageVolLookupByName, ("a",)),
                       ("build", p.build, (0,)), ("create", p.create, (0,))]:
        r.append([name, call(f, *a)])
    r.append(pool_state(p))
    for name, f, a in [("build", p.build, (0,)), ("create", p.create, (0,)), ("delete", p.delete, (0,)),
                       ("undefine", p.undefine, ()), ("refresh", p.refresh, (0,)),
                       ("autostart", p.setAutostart, (1,)), ("destroy", p.destroy, ()),
                       ("delete", p.delete, (0,)), ("undefine", p.undefine, ()),
                       ("undefine-again", p.undefine, ()), ("create-gone", p.create, (0,)),
                       ("info-gone", p.info, ()), ("active-gone", p.isActive, ()),
                       ("persistent-gone", p.isPersistent, ()), ("listall-gone", p.listAllVolumes, (0,)),
                       ("xml-gone", p.XMLDesc, (0,)), ("autostart-gone", p.autostart, ())]:
        r.append([name, call(f, *a)])
    return r


@scenario
def storage_pool_flags(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    p = c.storagePoolLookupByName(DEFAULT_POOL)
    r = [call(c.storagePoolCreateXML, pool_xml("vrs-fl"), 1),
         call(c.storagePoolDefineXML, pool_xml("vrs-fl"), 2),
         call(c.storagePoolDefineXML, pool_xml("vrs-fl"), 0x80000000)]
    for fl in [1, 2, 4, 8, 0x80000000]:
        r.append([call(p.build, fl), call(p.create, fl), call(p.delete, fl), call(p.refresh, fl),
                  call(p.listAllVolumes, fl)])
    q = call(c.storagePoolDefineXML, pool_xml("vrs-fl"), libvirt.VIR_STORAGE_POOL_DEFINE_VALIDATE)
    r.append(q if isinstance(q, list) else q.name())
    if not isinstance(q, list):
        q.undefine()
    return r


@scenario
def storage_pool_transient(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    t = c.storagePoolCreateXML(pool_xml("vrs-tr", uuid=PUUID), 0)
    r = [pool_state(t), call(t.setAutostart, 1), call(t.undefine), call(t.refresh, 0)]
    d = c.storagePoolDefineXML(pool_xml("vrs-tr", uuid=PUUID), 0)
    r.append(pool_state(d))
    r.append([call(t.destroy), pool_state(t), call(t.undefine), call(t.isActive)])
    t = c.storagePoolCreateXML(pool_xml("vrs-tr2"), 0)
    r.append(masked(t, [call(t.destroy), call(t.isActive), call(t.destroy),
                        call(c.storagePoolLookupByName, "vrs-tr2")]))
    return r


@scenario
def storage_pool_create_over_inactive(libvirt):
    """CreateXML on a defined, inactive pool replaces its definition and
    leaves it transient; its volumes stay."""
    quiet(libvirt)
    c = libvirt.open(URI)
    p = c.storagePoolDefineXML(pool_xml("vrs-ov", uuid=PUUID), 0)
    p.setAutostart(1)
    p.create(0)
    p.createXML(vol_xml("kept"), 0)
    p.destroy()
    r = [pool_state(p)]
    q = c.storagePoolCreateXML(pool_xml("vrs-ov", path="/vrs/other", uuid=PUUID), 0)
    r.append([pool_state(q), masked(q, q.XMLDesc(0)), q.listVolumes()])
    r.append(call(c.storagePoolCreateXML, pool_xml("vrs-ov", path="/vrs/other", uuid=PUUID), 0))
    d = c.storagePoolDefineXML(pool_xml("vrs-ov", path="/vrs/third", uuid=PUUID), 0)
    r.append([pool_state(d), masked(d, d.XMLDesc(0))])
    d.storageVolLookupByName("kept").delete(0)
    r.append(pool_state(d))
    d.destroy()
    r.append([pool_state(d), masked(d, d.XMLDesc(0))])
    d.undefine()
    return r


@scenario
def storage_pool_duplicates(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    dflt = c.storagePoolLookupByName(DEFAULT_POOL).UUIDString()
    p = c.storagePoolDefineXML(pool_xml("vrs-dup", uuid=PUUID), 0)
    r = [call(c.storagePoolDefineXML, pool_xml("vrs-dup"), 0),
         call(c.storagePoolDefineXML, pool_xml("vrs-dup", uuid=dflt), 0),
         call(c.storagePoolDefineXML, pool_xml("vrs-dup2", path="/vrs/vrs-dup", uuid=dflt), 0),
         call(c.storagePoolDefineXML, pool_xml("vrs-dup2", path="/vrs/vrs-dup"), 0),
         call(c.storagePoolDefineXML, pool_xml("vrs-dup2", uuid=PUUID), 0),
         call(c.storagePoolDefineXML, pool_xml("vrs-dup2", path="/default-pool"), 0),
         call(c.storagePoolCreateXML, pool_xml("vrs-dup"), 0),
         call(c.storagePoolCreateXML, pool_xml("vrs-dup2", path="/default-pool"), 0)]
    same = c.storagePoolDefineXML(pool_xml("vrs-dup", uuid=PUUID), 0)
    r.append(same.name())
    src = "<source><device path='/dev/vrs-a'/></source>"
    f = c.storagePoolDefineXML(pool_xml("vrs-fs1", kind="fs", extra=src), 0)
    r.append(call(c.storagePoolDefineXML, pool_xml("vrs-fs2", kind="fs", extra=src), 0))
    f.undefine()
    p.undefine()
    return r


@scenario
def storage_pool_autostart(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    p = c.storagePoolLookupByName(DEFAULT_POOL)
    r = [p.autostart(), p.setAutostart(1), p.autostart(), p.setAutostart(5), p.autostart(),
         p.setAutostart(0), p.autostart()]
    d = c.storagePoolDefineXML(pool_xml("vrs-auto"), 0)
    r += [d.autostart(), d.setAutostart(1), d.autostart(), pool_state(d)]
    d.undefine()
    return r


@scenario
def storage_default_pool_cycle(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    p = c.storagePoolLookupByName(DEFAULT_POOL)
    v = p.createXML(vol_xml("vrs-keep.img"), 0)
    r = [p.destroy(), pool_state(p), call(p.listVolumes), call(v.info), call(v.path),
         call(c.storageVolLookupByKey, "/default-pool/vrs-keep.img"),
         p.delete(0), p.build(0), p.create(0), pool_state(p), p.listVolumes(), p.refresh(0), pool_state(p)]
    v.delete(0)
    r.append(pool_state(p))
    return r


# --------------------------------------------------------------------------
# pool documents: corpus round trips and rejected documents
# --------------------------------------------------------------------------

def pool_round_trip(libvirt, xml):
    quiet(libvirt)
    c = libvirt.open(URI)
    p = c.storagePoolDefineXML(xml, 0)
    r = [pool_state(p), masked(p, p.XMLDesc(0))]
    r.append(call(p.create, 0))
    r.append([pool_state(p), masked(p, p.XMLDesc(0))])
    r.append(call(p.destroy))
    r.append(p.isActive())
    p.undefine()
    t = c.storagePoolCreateXML(xml, 0)
    r.append(masked(t, [pool_state(t), t.XMLDesc(0), call(t.destroy), call(t.isActive)]))
    return r


def register_corpus(kind, runner, prefix):
    for fname in corpus_files(kind):
        stem = fname[:-4].replace("-", "_")

        def f(libvirt, fname=fname):
            return runner(libvirt, read_corpus(kind, fname))
        f.__name__ = "%s_%s" % (prefix, stem)
        scenario(f)


register_corpus("storage_pool", pool_round_trip, "storage_pool_corpus")


BAD_POOLS = {
    "empty": "",
    "wrong_root": "<volume/>",
    "no_type": "<pool><name>e1</name><target><path>/x</path></target></pool>",
    "bad_type": "<pool type='foo'><name>e1</name><target><path>/x</path></target></pool>",
    "no_name": "<pool type='dir'><target><path>/x</path></target></pool>",
    "empty_name": "<pool type='dir'><name></name><target><path>/x</path></target></pool>",
    "slash_name": "<pool type='dir'><name>a/b</name><target><path>/x</path></target></pool>",
    "bad_uuid": "<pool type='dir'><name>e1</name><uuid>zz</uuid><target><path>/x</path></target></pool>",
    "no_target": "<pool type='dir'><name>e1</name></pool>",
    "no_target_path": "<pool type='dir'><name>e1</name><target></target></pool>",
    "bad_mode": "<pool type='dir'><name>e1</name><target><path>/x</path><permissions><mode>999</mode></permissions></target></pool>",
    "mode_too_big": "<pool type='dir'><name>e1</name><target><path>/x</path><permissions><mode>1777</mode></permissions></target></pool>",
    "bad_owner": "<pool type='dir'><name>e1</name><target><path>/x</path><permissions><owner>x</owner></permissions></target></pool>",
    "bad_group": "<pool type='dir'><name>e1</name><target><path>/x</path><permissions><group>-2</group></permissions></target></pool>",
    "big_owner": "<pool type='dir'><name>e1</name><target><path>/x</path><permissions><owner>4294967296</owner></permissions></target></pool>",
    "bad_cow": "<pool type='dir'><name>e1</name><features><cow state='maybe'/></features><target><path>/x</path></target></pool>",
    "fs_no_device": "<pool type='fs'><name>e1</name><target><path>/x</path></target></pool>",
    "fs_bad_format": "<pool type='fs'><name>e1</name><source><device path='/dev/a'/><format type='zz'/></source><target><path>/x</path></target></pool>",
    "fs_device_no_path": "<pool type='fs'><name>e1</name><source><device/></source><target><path>/x</path></target></pool>",
    "netfs_no_host": "<pool type='netfs'><name>e1</name><source><dir path='/e'/></source><target><path>/x</path></target></pool>",
    "netfs_no_dir": "<pool type='netfs'><name>e1</name><source><host name='h'/></source><target><path>/x</path></target></pool>",
    "netfs_host_no_name": "<pool type='netfs'><name>e1</name><source><host/><dir path='/e'/></source><target><path>/x</path></target></pool>",
    "netfs_bad_port": "<pool type='netfs'><name>e1</name><source><host name='h' port='x'/><dir path='/e'/></source><target><path>/x</path></target></pool>",
    "netfs_cifs_protocol": "<pool type='netfs'><name>e1</name><source><host name='h'/><dir path='/e'/><format type='cifs'/><protocol ver='3'/></source><target><path>/x</path></target></pool>",
    "disk_no_device": "<pool type='disk'><name>e1</name><target><path>/dev</path></target></pool>",
    "disk_bad_separator": "<pool type='disk'><name>e1</name><source><device path='/dev/a' part_separator='maybe'/></source><target><path>/dev</path></target></pool>",
    "iscsi_no_host": "<pool type='iscsi'><name>e1</name><source><device path='iqn.x'/></source><target><path>/x</path></target></pool>",
    "auth_bad_type": "<pool type='iscsi'><name>e1</name><source><host name='h'/><device path='iqn.x'/><auth type='foo' username='u'><secret usage='x'/></auth></source><target><path>/x</path></target></pool>",
    "auth_no_type": "<pool type='iscsi'><name>e1</name><source><host name='h'/><device path='iqn.x'/><auth username='u'><secret usage='x'/></auth></source><target><path>/x</path></target></pool>",
    "auth_no_user": "<pool type='iscsi'><name>e1</name><source><host name='h'/><device path='iqn.x'/><auth type='chap'><secret usage='x'/></auth></source><target><path>/x</path></target></pool>",
    "auth_no_secret": "<pool type='iscsi'><name>e1</name><source><host name='h'/><device path='iqn.x'/><auth type='chap' username='u'/></source><target><path>/x</path></target></pool>",
    "auth_secret_both": "<pool type='iscsi'><name>e1</name><source><host name='h'/><device path='iqn.x'/><auth type='chap' username='u'><secret usage='x' uuid='2ec115d7-3a88-3ceb-bc12-0ac909a6fd87'/></auth></source><target><path>/x</path></target></pool>",
    "auth_secret_none": "<pool type='iscsi'><name>e1</name><source><host name='h'/><device path='iqn.x'/><auth type='chap' username='u'><secret/></auth></source><target><path>/x</path></target></pool>",
    "auth_bad_uuid": "<pool type='iscsi'><name>e1</name><source><host name='h'/><device path='iqn.x'/><auth type='chap' username='u'><secret uuid='x'/></auth></source><target><path>/x</path></target></pool>",
    "iscsi_direct_no_iqn": "<pool type='iscsi-direct'><name>e1</name><source><host name='h'/><device path='iqn.x'/></source></pool>",
    "scsi_no_adapter": "<pool type='scsi'><name>e1</name><source></source><target><path>/x</path></target></pool>",
    "scsi_adapter_bad_type": "<pool type='scsi'><name>e1</name><source><adapter type='bogus'/></source><target><path>/x</path></target></pool>",
    "scsi_host_no_name": "<pool type='scsi'><name>e1</name><source><adapter type='scsi_host'/></source><target><path>/x</path></target></pool>",
    "scsi_host_both": "<pool type='scsi'><name>e1</name><source><adapter type='scsi_host' name='host0'><parentaddr unique_id='1'><address domain='0x0000' bus='0x00' slot='0x1f' function='0x2'/></parentaddr></adapter></source><target><path>/x</path></target></pool>",
    "scsi_parentaddr_no_id": "<pool type='scsi'><name>e1</name><source><adapter type='scsi_host'><parentaddr><address domain='0' bus='0' slot='1' function='0'/></parentaddr></adapter></source><target><path>/x</path></target></pool>",
    "scsi_parentaddr_no_address": "<pool type='scsi'><name>e1</name><source><adapter type='scsi_host'><parentaddr unique_id='1'/></adapter></source><target><path>/x</path></target></pool>",
    "scsi_address_bad_slot": "<pool type='scsi'><name>e1</name><source><adapter type='scsi_host'><parentaddr unique_id='1'><address domain='0' bus='0' slot='0x20' function='0'/></parentaddr></adapter></source><target><path>/x</path></target></pool>",
    "scsi_address_bad_function": "<pool type='scsi'><name>e1</name><source><adapter type='scsi_host'><parentaddr unique_id='1'><address domain='0' bus='0' slot='1' function='8'/></parentaddr></adapter></source><target><path>/x</path></target></pool>",
    "scsi_address_bad_bus": "<pool type='scsi'><name>e1</name><source><adapter type='scsi_host'><parentaddr unique_id='1'><address domain='0' bus='0x100' slot='1' function='0'/></parentaddr></adapter></source><target><path>/x</path></target></pool>",
    "scsi_address_bad_domain": "<pool type='scsi'><name>e1</name><source><adapter type='scsi_host'><parentaddr unique_id='1'><address domain='x' bus='0' slot='1' function='0'/></parentaddr></adapter></source><target><path>/x</path></target></pool>",
    "fc_no_wwn": "<pool type='scsi'><name>e1</name><source><adapter type='fc_host'/></source><target><path>/x</path></target></pool>",
    "fc_bad_wwn": "<pool type='scsi'><name>e1</name><source><adapter type='fc_host' wwnn='zz' wwpn='10000000c9831b4b'/></source><target><path>/x</path></target></pool>",
    "fc_parent_wwnn_only": "<pool type='scsi'><name>e1</name><source><adapter type='fc_host' parent_wwnn='20000000c9831b4c' wwnn='20000000c9831b4b' wwpn='10000000c9831b4b'/></source><target><path>/x</path></target></pool>",
    "fc_bad_managed": "<pool type='scsi'><name>e1</name><source><adapter type='fc_host' managed='x' wwnn='20000000c9831b4b' wwpn='10000000c9831b4b'/></source><target><path>/x</path></target></pool>",
    "rbd_no_name": "<pool type='rbd'><name>e1</name><source><host name='h'/></source></pool>",
    "rbd_no_host": "<pool type='rbd'><name>e1</name><source><name>n</name></source></pool>",
    "gluster_no_host": "<pool type='gluster'><name>e1</name><source><name>n</name></source></pool>",
    "vstorage_no_target": "<pool type='vstorage'><name>e1</name><source><name>n</name></source></pool>",
    "mpath_no_target": "<pool type='mpath'><name>e1</name></pool>",
    "bad_refresh": "<pool type='rbd'><name>e1</name><source><name>n</name><host name='h'/></source><refresh><volume allocation='foo'/></refresh></pool>",
}


@scenario
def storage_pool_rejected_documents(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    out = {}
    for label, xml in sorted(BAD_POOLS.items()):
        out[label] = [call(c.storagePoolDefineXML, xml, 0), call(c.storagePoolCreateXML, xml, 0)]
    return out


# --------------------------------------------------------------------------
# volumes
# --------------------------------------------------------------------------

def vol_round_trip(libvirt, xml):
    quiet(libvirt)
    c = libvirt.open(URI)
    p = c.storagePoolLookupByName(DEFAULT_POOL)
    before = p.info()
    v = p.createXML(xml, 0)
    r = [vol_state(v), p.info(), before]
    r.append(vol_state(c.storageVolLookupByKey(v.key())))
    r.append(vol_state(c.storageVolLookupByPath(v.path())))
    r.append(v.storagePoolLookupByVolume().name())
    v.delete(0)
    r.append([p.info() == before, call(v.info), call(v.XMLDesc, 0)])
    return r


register_corpus("storage_vol", vol_round_trip, "storage_vol_corpus")


V = "<volume><name>v</name>%s</volume>"
BAD_VOLS = {
    "empty": "",
    "wrong_root": "<pool/>",
    "no_name": "<volume><capacity>1</capacity></volume>",
    "no_capacity": V % "",
    "empty_capacity": V % "<capacity></capacity>",
    "bad_unit": V % "<capacity unit='Q'>3</capacity>",
    "bad_capacity": V % "<capacity>x</capacity>",
    "negative_capacity": V % "<capacity>-1</capacity>",
    "hex_capacity": V % "<capacity>0x10</capacity>",
    "trailing_space": V % "<capacity> 5 </capacity>",
    "bad_allocation": V % "<capacity>1</capacity><allocation>z</allocation>",
    "bad_allocation_unit": V % "<capacity>1</capacity><allocation unit='zz'>1</allocation>",
    "overflow_20E": V % "<capacity unit='E'>20</capacity>",
    "overflow_strtoull": V % "<capacity>99999999999999999999</capacity>",
    "overflow_kib": V % "<capacity unit='KiB'>18014398509481983</capacity><allocation>0</allocation>",
    "bad_type": "<volume type='foo'><name>v</name><capacity>1</capacity></volume>",
    "bad_format": V % "<capacity>1</capacity><target><format type='zzz'/></target>",
    "format_none": V % "<capacity>1</capacity><target><format type='none'/></target>",
    "format_luks": V % "<capacity>1</capacity><target><format type='luks'/></target>",
    "bad_compat": V % "<capacity>1</capacity><target><compat>x</compat></target>",
    "compat_one_number": V % "<capacity>1</capacity><target><compat>1</compat></target>",
    "bad_feature": V % "<capacity>1</capacity><target><features><foo/></features></target>",
    "bad_cluster": V % "<capacity>1</capacity><target><clusterSize>x</clusterSize></target>",
    "bad_cluster_unit": V % "<capacity>1</capacity><target><clusterSize unit='Q'>2</clusterSize></target>",
    "bad_mode": V % "<capacity>1</capacity><target><permissions><mode>8</mode></permissions></target>",
    "enc_no_format": V % "<capacity>1</capacity><target><encryption/></target>",
    "enc_bad_format": V % "<capacity>1</capacity><target><encryption format='zz'/></target>",
    "enc_bad_engine": V % "<capacity>1</capacity><target><encryption format='luks' engine='foo'/></target>",
    "enc_secret_no_type": V % "<capacity>1</capacity><target><encryption format='luks'><secret uuid='2ec115d7-3a88-3ceb-bc12-0ac909a6fd87'/></encryption></target>",
    "enc_secret_bad_type": V % "<capacity>1</capacity><target><encryption format='luks'><secret type='foo' usage='x'/></encryption></target>",
    "enc_secret_nothing": V % "<capacity>1</capacity><target><encryption format='luks'><secret type='passphrase'/></encryption></target>",
    "enc_cipher_no_size": V % "<capacity>1</capacity><target><encryption format='luks'><cipher name='aes'/></encryption></target>",
    "enc_cipher_bad_size": V % "<capacity>1</capacity><target><encryption format='luks'><cipher name='aes' size='x'/></encryption></target>",
    "enc_cipher_no_name": V % "<capacity>1</capacity><target><encryption format='luks'><cipher size='256'/></encryption></target>",
    "enc_ivgen_alone": V % "<capacity>1</capacity><target><encryption format='luks'><ivgen name='plain'/></encryption></target>",
    "enc_ivgen_no_name": V % "<capacity>1</capacity><target><encryption format='luks'><cipher name='aes' size='256'/><ivgen/></encryption></target>",
    "backing_bad_format": V % "<capacity>1</capacity><backingStore><path>/b</path><format type='zz'/></backingStore>",
    "too_big": V % "<capacity unit='T'>200</capacity>",
    "too_big_allocation": V % "<capacity>1</capacity><allocation unit='T'>200</allocation>",
}


@scenario
def storage_vol_rejected_documents(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    p = c.storagePoolLookupByName(DEFAULT_POOL)
    return {label: call(p.createXML, xml, 0) for label, xml in sorted(BAD_VOLS.items())}


@scenario
def storage_vol_lifecycle(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    p = c.storagePoolLookupByName(DEFAULT_POOL)
    src = p.createXML(vol_xml("vrs-src", "100", "<allocation>40</allocation><target><format type='qcow2'/>"
                                                "<permissions><mode>0600</mode></permissions></target>"), 0)
    r = [vol_state(src), p.info(), sorted(p.listVolumes()), p.numOfVolumes(),
         sorted(v.name() for v in p.listAllVolumes()),
         call(p.createXML, vol_xml("vrs-src"), 0)]
    for x in [vol_xml("vrs-c1", "1"), vol_xml("vrs-c2", "1000", "<allocation>7</allocation>"),
              vol_xml("vrs-src", "1"), "<volume><name>vrs-c3</name></volume>",
              vol_xml("vrs-c4", "300", "").replace("<capacity>", "<capacity unit='T'>")]:
        v = call(p.createXMLFrom, x, src, 0)
        if isinstance(v, list):
            r.append(v)
            continue
        r.append([vol_state(v), p.info()])
        v.delete(0)
    r += [call(p.createXMLFrom, vol_xml("vrs-c5"), src, 1), call(p.createXML, vol_xml("vrs-c5"), 1),
          call(src.XMLDesc, 1), call(src.delete, 1),
          src.delete(0), call(src.delete, 0), call(src.info), call(src.XMLDesc, 0), call(src.path),
          src.storagePoolLookupByVolume().name(), p.info()]
    return r


@scenario
def storage_vol_clone_across_pools(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    p = c.storagePoolLookupByName(DEFAULT_POOL)
    q = c.storagePoolCreateXML(pool_xml("vrs-other"), 0)
    src = p.createXML(vol_xml("vrs-x"), 0)
    r = [call(q.createXMLFrom, vol_xml("vrs-y"), src, 0)]
    q.createXML(vol_xml("vrs-x"), 0)
    v = q.createXMLFrom(vol_xml("vrs-y"), src, 0)
    r.append([vol_state(v), q.info(), sorted(q.listVolumes())])
    r.append(call(c.storageVolLookupByKey, "/vrs/vrs-other/vrs-y") and
             c.storageVolLookupByKey("/vrs/vrs-other/vrs-y").storagePoolLookupByVolume().name())
    src.delete(0)
    for x in q.listAllVolumes():
        x.delete(0)
    q.destroy()
    return r


@scenario
def storage_vol_unsupported(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    p = c.storagePoolLookupByName(DEFAULT_POOL)
    v = p.createXML(vol_xml("vrs-unsup"), 0)
    r = [call(v.wipe, 0), call(v.wipePattern, 0, 0), call(v.resize, 5, 0), call(v.infoFlags, 0),
         call(c.getStoragePoolCapabilities, 0)]
    v.delete(0)
    return r


POOL_KINDS = [
    ("logical", "<source><name>vrs-vg</name></source>"),
    ("disk", "<source><device path='/dev/vrs'/></source><target><path>/dev</path></target>"),
    ("iscsi", "<source><host name='h'/><device path='iqn.x'/></source><target><path>/dev/disk/by-path</path></target>"),
    ("netfs", "<source><host name='h'/><dir path='/e'/></source><target><path>/mnt/vrs</path></target>"),
    ("fs", "<source><device path='/dev/vrs-z'/></source><target><path>/mnt/vrs-y</path></target>"),
    ("gluster", "<source><name>n</name><host name='h'/></source>"),
    ("rbd", "<source><name>n</name><host name='h'/></source>"),
    ("scsi", "<source><adapter type='scsi_host' name='host7'/></source><target><path>/dev/sc</path></target>"),
    ("mpath", "<target><path>/dev/mapper</path></target>"),
    ("zfs", "<source><name>tank</name></source>"),
    ("vstorage", "<source><name>vs</name></source><target><path>/mnt/vs</path></target>"),
    ("sheepdog", "<source><name>n</name><host name='h'/></source>"),
    ("iscsi-direct", "<source><host name='h'/><device path='iqn.x'/><initiator><iqn name='iqn.y'/></initiator></source>"),
]


@scenario
def storage_vols_by_pool_type(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    out = {}
    for kind, body in POOL_KINDS:
        q = c.storagePoolCreateXML("<pool type='%s'><name>vrs-k</name>%s</pool>" % (kind, body), 0)
        res = []
        for fmt in ["", "<target><format type='qcow2'/></target>", "<target><format type='none'/></target>",
                    "<target><format type='linux'/></target>",
                    "<backingStore><path>/b</path></backingStore>"]:
            v = call(q.createXML, vol_xml("vrs-v", "1", fmt), 0)
            if isinstance(v, list):
                res.append(v)
                continue
            res.append(vol_state(v))
            v.delete(0)
        q.destroy()
        out[kind] = res
    return out


@scenario
def storage_vols_survive_pool_restart(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    p = c.storagePoolDefineXML("<pool type='logical'><name>vrs-lv</name><source><name>vgz</name></source></pool>", 0)
    r = [call(p.createXML, vol_xml("lv0"), 0)]
    p.create(0)
    for n in ["lv1", "lv2", "lv3"]:
        p.createXML(vol_xml(n, "10"), 0)
    v = p.storageVolLookupByName("lv1")
    p.destroy()
    r += [call(v.info), call(v.XMLDesc, 0), call(v.path), call(v.delete, 0), v.name(), v.key(),
          call(c.storageVolLookupByKey, "/dev/vgz/lv1"), call(c.storageVolLookupByPath, "/dev/vgz/lv1"),
          call(p.storageVolLookupByName, "lv1"), p.info()]
    p.create(0)
    r += [sorted(p.listVolumes()), p.info(), c.storageVolLookupByPath("/dev/vgz/lv2").name()]
    for x in p.listAllVolumes():
        x.delete(0)
    r.append(p.info())
    p.destroy()
    p.undefine()
    return r


@scenario
def storage_fc_host_vport(libvirt):
    """fc_host pools: the vHBA exists only when CreateXML made it."""
    quiet(libvirt)
    c = libvirt.open(URI)
    x = ("<pool type='scsi'><name>vrs-fc</name><source><adapter type='fc_host' parent='scsi_host5' "
         "wwnn='20000000c9831b4b' wwpn='10000000c9831b4b'/></source><target><path>/x</path></target></pool>")
    q = c.storagePoolDefineXML(x, 0)
    r = [call(q.create, 0), q.isActive(), call(q.destroy), q.isActive(), call(q.destroy), q.undefine()]
    t = c.storagePoolCreateXML(x, 0)
    r += masked(t, [t.isActive(), t.isPersistent(), call(t.destroy), call(t.isActive)])
    return r


# --------------------------------------------------------------------------
# source discovery
# --------------------------------------------------------------------------

@scenario
def storage_find_pool_sources(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    cases = [("logical", None, 0), ("logical", "<source/>", 0), ("logical", None, 1),
             ("netfs", None, 0), ("netfs", "<source><host name='h'/><dir path='/x'/></source>", 0),
             ("netfs", "<source><host name='a&amp;b'/><host name='c'/></source>", 0),
             ("netfs", "<foo/>", 0), ("netfs", "<source><host/></source>", 0),
             ("netfs", "<source><host name='h' port='x'/></source>", 0),
             ("netfs", "<source><host name='h'/><format type='bogus'/></source>", 0),
             ("dir", None, 0), ("fs", None, 0), ("iscsi", None, 0), ("bogus", None, 0), ("rbd", None, 0)]
    return [call(c.findStoragePoolSources, *a) for a in cases]


@scenario
def storage_malformed_documents(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    p = c.storagePoolLookupByName(DEFAULT_POOL)
    return [call(c.storagePoolDefineXML, "<pool type='dir'><name>x</name>", 0),
            call(p.createXML, "<volume>", 0),
            call(c.findStoragePoolSources, "logical", "junk", 0)]


@scenario
def storage_readonly(libvirt):
    quiet(libvirt)
    c = libvirt.openReadOnly(URI)
    p = c.storagePoolLookupByName(DEFAULT_POOL)
    return [pool_state(p), p.XMLDesc(0), sorted(c.listStoragePools()),
            call(c.storagePoolDefineXML, pool_xml("vrs-ro"), 0), call(c.storagePoolCreateXML, pool_xml("vrs-ro"), 0),
            call(p.createXML, vol_xml("vrs-ro"), 0), call(p.refresh, 0), call(p.destroy), call(p.setAutostart, 1),
            call(c.findStoragePoolSources, "logical", None, 0)]


def pump_events(libvirt):
    """Runs the default event loop until a short timer fires."""
    fired = []
    t = libvirt.virEventAddTimeout(20, lambda timer, opaque: fired.append(1), None)
    while not fired:
        libvirt.virEventRunDefaultImpl()
    libvirt.virEventRemoveTimeout(t)


@scenario
def storage_pool_events(libvirt):
    quiet(libvirt)
    libvirt.virEventRegisterDefaultImpl()
    c = libvirt.open(URI)
    seen = []
    ids = [c.storagePoolEventRegisterAny(None, libvirt.VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE,
                                         lambda c, p, e, d, o: seen.append([p.name(), e, d]), None),
           c.storagePoolEventRegisterAny(None, libvirt.VIR_STORAGE_POOL_EVENT_ID_REFRESH,
                                         lambda c, p, o: seen.append([p.name(), "refresh"]), None)]
    steps = []

    def step(label, f, *a):
        r = call(f, *a)
        pump_events(libvirt)
        steps.append([label, r if not hasattr(r, "name") else r.name(), seen[:]])
        del seen[:]

    p = c.storagePoolDefineXML(pool_xml("vrs-ev", uuid=PUUID), 0)
    pump_events(libvirt)
    steps.append(["define", seen[:]])
    del seen[:]
    step("redefine", c.storagePoolDefineXML, pool_xml("vrs-ev", uuid=PUUID), 0)
    step("build", p.build, 0)
    step("create", p.create, 0)
    step("build-active", p.build, 0)
    step("refresh", p.refresh, 0)
    step("vol", p.createXML, vol_xml("vrs-ev-vol"), 0)
    step("destroy", p.destroy)
    step("delete", p.delete, 0)
    step("undefine", p.undefine)
    step("createxml", c.storagePoolCreateXML, pool_xml("vrs-ev2"), 0)
    t = c.storagePoolLookupByName("vrs-ev2")
    step("destroy-transient", t.destroy)
    for i in ids:
        c.storagePoolEventDeregisterAny(i)
    return steps


@scenario
def storage_pool_define_validate(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    bad = "<pool type='dir'><name>vrs-val</name><foo/><target><path>/vrs/val</path></target></pool>"
    r = call(c.storagePoolDefineXML, bad, libvirt.VIR_STORAGE_POOL_DEFINE_VALIDATE)
    if not isinstance(r, list):
        r.undefine()
        r = "defined"
    return r


@scenario
def storage_secret_nwfilter_not_in_test_driver(libvirt):
    """The test driver has no secrets and no network filters."""
    quiet(libvirt)
    c = libvirt.open(URI)
    sx = "<secret><usage type='ceph'><name>vrs</name></usage></secret>"
    fx = "<filter name='vrs-f' chain='root'/>"
    bx = ("<filterbinding><owner><name>d</name><uuid>%s</uuid></owner><portdev name='p'/>"
          "<mac address='52:54:00:aa:bb:cc'/><filterref filter='f'/></filterbinding>" % UUID1)
    return [call(c.secretDefineXML, sx, 0), call(c.listSecrets), call(c.numOfSecrets), call(c.listAllSecrets, 0),
            call(c.secretLookupByUsage, 2, "vrs"),
            call(c.nwfilterDefineXML, fx), call(c.nwfilterDefineXMLFlags, fx, 0), call(c.listNWFilters),
            call(c.numOfNWFilters), call(c.listAllNWFilters, 0), call(c.nwfilterLookupByName, "x"),
            call(c.nwfilterBindingCreateXML, bx, 0),
            call(c.listAllNWFilterBindings, 0), call(c.nwfilterBindingLookupByPortDev, "p")]


@scenario
def storage_lookup_by_uuid_string_no_support(libvirt):
    quiet(libvirt)
    c = libvirt.open(URI)
    return [call(c.secretLookupByUUIDString, UUID1), call(c.nwfilterLookupByUUIDString, UUID1)]
