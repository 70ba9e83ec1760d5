//! The storage pool document (`<pool type=...>`): one model for every
//! pool type, read and written as libvirt does; what differs by type is
//! described by [`PoolType`].

use crate::conf::storage_common::*;
use crate::conf::storage_pool_source::PoolSource;
use crate::conf::xml::{self, XmlWriter};
use crate::core::error::Result;
use crate::core::uuid::{self, Uuid};
use crate::generated::consts::*;

/// Source parts a pool type has.
pub const SRC_HOST: u32 = 1;
pub const SRC_DEVICE: u32 = 2;
pub const SRC_DIR: u32 = 4;
pub const SRC_ADAPTER: u32 = 8;
pub const SRC_NAME: u32 = 16;
pub const SRC_IQN: u32 = 32;
/// Network pools have no local target.
pub const SRC_NETWORK: u32 = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolType {
    Dir,
    Fs,
    Netfs,
    Logical,
    Disk,
    Iscsi,
    IscsiDirect,
    Scsi,
    Mpath,
    Rbd,
    Sheepdog,
    Gluster,
    Zfs,
    Vstorage,
}

/// Pool types by name, in libvirt's order.
pub const POOL_TYPES: &[(&str, PoolType)] = &[
    ("dir", PoolType::Dir),
    ("fs", PoolType::Fs),
    ("netfs", PoolType::Netfs),
    ("logical", PoolType::Logical),
    ("disk", PoolType::Disk),
    ("iscsi", PoolType::Iscsi),
    ("iscsi-direct", PoolType::IscsiDirect),
    ("scsi", PoolType::Scsi),
    ("mpath", PoolType::Mpath),
    ("rbd", PoolType::Rbd),
    ("sheepdog", PoolType::Sheepdog),
    ("gluster", PoolType::Gluster),
    ("zfs", PoolType::Zfs),
    ("vstorage", PoolType::Vstorage),
];

const FS_FORMATS: &[&str] =
    &["auto", "ext2", "ext3", "ext4", "ufs", "iso9660", "udf", "gfs", "gfs2", "vfat", "hfs+", "xfs", "ocfs2", "vmfs"];
const NETFS_FORMATS: &[&str] = &["auto", "nfs", "glusterfs", "cifs"];
const DISK_FORMATS: &[&str] = &["unknown", "dos", "dvh", "gpt", "mac", "bsd", "pc98", "sun", "lvm2"];
const LOGICAL_FORMATS: &[&str] = &["unknown", "lvm2"];

/// Volume formats of file-based pools.
pub const FILE_VOL_FORMATS: &[&str] = &[
    "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd", "ploop", "cow", "qcow", "qcow2", "qed",
    "vmdk",
];
/// Partition types of disk pools' volumes.
pub const DISK_VOL_FORMATS: &[&str] =
    &["none", "linux", "fat16", "fat32", "linux-swap", "linux-lvm", "linux-raid", "extended"];

impl PoolType {
    pub fn from_name(s: &str) -> Option<PoolType> {
        POOL_TYPES.iter().find(|(n, _)| *n == s).map(|(_, t)| *t)
    }

    pub fn name(self) -> &'static str {
        POOL_TYPES.iter().find(|(_, t)| *t == self).map(|(n, _)| *n).unwrap_or("dir")
    }

    /// The source parts this type reads and writes (`SRC_*`).
    pub fn flags(self) -> u32 {
        use PoolType::*;
        match self {
            Dir | Mpath => 0,
            Fs | Disk => SRC_DEVICE,
            Netfs => SRC_HOST | SRC_DIR,
            Logical | Zfs => SRC_NAME | SRC_DEVICE,
            Iscsi => SRC_HOST | SRC_DEVICE | SRC_IQN,
            IscsiDirect => SRC_HOST | SRC_DEVICE | SRC_NETWORK | SRC_IQN,
            Scsi => SRC_ADAPTER,
            Rbd | Sheepdog => SRC_HOST | SRC_NETWORK | SRC_NAME,
            Gluster => SRC_HOST | SRC_NETWORK | SRC_NAME | SRC_DIR,
            Vstorage => SRC_NAME,
        }
    }

    /// The pool formats (`<source><format type=.../>`) and the default.
    pub fn formats(self) -> Option<(&'static [&'static str], &'static str)> {
        match self {
            PoolType::Fs => Some((FS_FORMATS, "auto")),
            PoolType::Netfs => Some((NETFS_FORMATS, "auto")),
            PoolType::Disk => Some((DISK_FORMATS, "unknown")),
            PoolType::Logical => Some((LOGICAL_FORMATS, "lvm2")),
            _ => None,
        }
    }

    /// The volume formats of this pool type and their default.
    pub fn vol_formats(self) -> Option<(&'static [&'static str], &'static str)> {
        use PoolType::*;
        match self {
            Dir | Fs | Netfs | Gluster | Vstorage | Rbd => Some((FILE_VOL_FORMATS, "raw")),
            Disk => Some((DISK_VOL_FORMATS, "none")),
            _ => None,
        }
    }

    /// `VIR_CONNECT_LIST_STORAGE_POOLS_<TYPE>`.
    pub fn list_flag(self) -> u32 {
        use PoolType::*;
        let f = match self {
            Dir => VIR_CONNECT_LIST_STORAGE_POOLS_DIR,
            Fs => VIR_CONNECT_LIST_STORAGE_POOLS_FS,
            Netfs => VIR_CONNECT_LIST_STORAGE_POOLS_NETFS,
            Logical => VIR_CONNECT_LIST_STORAGE_POOLS_LOGICAL,
            Disk => VIR_CONNECT_LIST_STORAGE_POOLS_DISK,
            Iscsi => VIR_CONNECT_LIST_STORAGE_POOLS_ISCSI,
            IscsiDirect => VIR_CONNECT_LIST_STORAGE_POOLS_ISCSI_DIRECT,
            Scsi => VIR_CONNECT_LIST_STORAGE_POOLS_SCSI,
            Mpath => VIR_CONNECT_LIST_STORAGE_POOLS_MPATH,
            Rbd => VIR_CONNECT_LIST_STORAGE_POOLS_RBD,
            Sheepdog => VIR_CONNECT_LIST_STORAGE_POOLS_SHEEPDOG,
            Gluster => VIR_CONNECT_LIST_STORAGE_POOLS_GLUSTER,
            Zfs => VIR_CONNECT_LIST_STORAGE_POOLS_ZFS,
            Vstorage => VIR_CONNECT_LIST_STORAGE_POOLS_VSTORAGE,
        };
        f as u32
    }

    /// The `virStorageVolType` of this pool's volumes.
    pub fn vol_type(self) -> i32 {
        use PoolType::*;
        match self {
            Dir | Fs | Netfs | Vstorage => VIR_STORAGE_VOL_FILE,
            Rbd | Sheepdog | Gluster | IscsiDirect => VIR_STORAGE_VOL_NETWORK,
            _ => VIR_STORAGE_VOL_BLOCK,
        }
    }
}

/// A storage pool definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolDef {
    pub kind: PoolType,
    pub name: String,
    pub uuid: Uuid,
    pub capacity: u64,
    pub allocation: u64,
    pub available: u64,
    pub cow: Option<bool>,
    pub source: PoolSource,
    pub target_path: Option<String>,
    pub perms: Perms,
    /// `<refresh><volume allocation='capacity'/></refresh>`.
    pub refresh_capacity: bool,
}

fn pool_type(root: roxmltree::Node) -> Result<PoolType> {
    let values: Vec<(&str, PoolType)> = POOL_TYPES.to_vec();
    prop_enum_required(root, "type", &values)
}

impl PoolDef {
    /// Parses a pool document as `virStoragePoolDefineXML` does.
    pub fn parse(text: &str) -> Result<PoolDef> {
        let doc = xml::parse_root(text, "storage_pool_definition", "pool")?;
        PoolDef::from_node(doc.root_element())
    }

    pub fn from_node(root: roxmltree::Node) -> Result<PoolDef> {
        let kind = pool_type(root)?;
        let flags = kind.flags();
        let mut source = match child(root, "source") {
            Some(s) => PoolSource::parse(s, kind)?,
            None => PoolSource {
                format: kind.formats().map(|(_, d)| d),
                dir: (kind == PoolType::Gluster).then(|| "/".to_string()),
                ..Default::default()
            },
        };
        let mut name = xpath_string(root, "name");
        if name.is_none() && flags & SRC_NAME != 0 {
            name = source.name.clone();
        }
        let name = name.ok_or_else(|| xml_err("missing pool source name element"))?;
        if name.contains('/') {
            return Err(xml_err(format!("name {name} cannot contain '/'")));
        }
        let uuid = match xpath_string(root, "uuid") {
            None => uuid::generate(),
            Some(u) => uuid::parse(&u).ok_or_else(|| xml_err("malformed uuid element"))?,
        };
        let cow = match child(root, "features").and_then(|f| child(f, "cow")) {
            Some(c) => prop_yes_no(c, "state")?,
            None => None,
        };
        if flags & SRC_HOST != 0 && source.hosts.is_empty() {
            return Err(xml_err("missing storage pool source host name"));
        }
        if flags & SRC_DIR != 0 && source.dir.is_none() {
            return Err(xml_err("missing storage pool source path"));
        }
        if flags & SRC_NAME != 0 && source.name.is_none() {
            source.name = Some(name.clone());
        }
        if flags & SRC_ADAPTER != 0 && source.adapter.is_none() {
            return Err(xml_err("missing storage pool source adapter"));
        }
        if matches!(kind, PoolType::Fs | PoolType::Disk) && source.devices.is_empty() {
            return Err(xml_err("missing storage pool source device name"));
        }
        if kind == PoolType::IscsiDirect && source.initiator_iqn.is_none() {
            return Err(unsupported("missing initiator IQN"));
        }
        let target = child(root, "target");
        let (target_path, perms) = if flags & SRC_NETWORK == 0 {
            let src_name = source.name.clone().unwrap_or_default();
            let path = match kind {
                PoolType::Logical => format!("/dev/{src_name}"),
                PoolType::Zfs => format!("/dev/zvol/{src_name}"),
                _ => target
                    .and_then(|t| xpath_string(t, "path"))
                    .ok_or_else(|| xml_err("missing storage pool target path"))?,
            };
            (Some(sanitize_path(&path)), Perms::parse(target)?)
        } else {
            (None, Perms::default())
        };
        let refresh_capacity =
            match child(root, "refresh").and_then(|r| child(r, "volume")).and_then(|v| v.attribute("allocation")) {
                None | Some("default") => false,
                Some("capacity") => true,
                Some(other) => {
                    return Err(unsupported(format!("unknown storage pool volume refresh allocation type {other}")))
                }
            };
        Ok(PoolDef {
            kind,
            name,
            uuid,
            capacity: 0,
            allocation: 0,
            available: 0,
            cow,
            source,
            target_path,
            perms,
            refresh_capacity,
        })
    }

    /// The document as `virStoragePoolGetXMLDesc` gives it.
    pub fn format(&self) -> String {
        let mut w = XmlWriter::new();
        w.open("pool", &[("type", Some(self.kind.name()))]);
        w.text("name", &[], &self.name);
        w.text("uuid", &[], &uuid::format(&self.uuid));
        bytes_element(&mut w, "capacity", self.capacity);
        bytes_element(&mut w, "allocation", self.allocation);
        bytes_element(&mut w, "available", self.available);
        if let Some(c) = self.cow {
            w.open("features", &[]);
            w.empty("cow", &[("state", Some(if c { "yes" } else { "no" }))]);
            w.close("features");
        }
        self.source.format(self.kind, &mut w);
        if let Some(p) = &self.target_path {
            w.open("target", &[]);
            w.text("path", &[], p);
            self.perms.format(&mut w);
            w.close("target");
        }
        if self.refresh_capacity {
            w.open("refresh", &[]);
            w.empty("volume", &[("allocation", Some("capacity"))]);
            w.close("refresh");
        }
        w.close("pool");
        w.finish()
    }
}

/// Parses the source specification given to `virConnectFindStoragePoolSources`.
pub fn parse_source_spec(text: &str, kind: PoolType) -> Result<PoolSource> {
    let doc = xml::parse_root(text, "storage_source_specification", "source")?;
    PoolSource::parse(doc.root_element(), kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_pool_takes_defaults_from_its_name() {
        let d = PoolDef::parse("<pool type='logical'><name>vg1</name></pool>").unwrap();
        assert_eq!(d.source.name.as_deref(), Some("vg1"));
        assert_eq!(d.target_path.as_deref(), Some("/dev/vg1"));
        assert_eq!(d.source.format, Some("lvm2"));
    }

    #[test]
    fn formats_a_dir_pool() {
        let mut d = PoolDef::parse(
            "<pool type='dir'><name>p</name><uuid>dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566</uuid>\
             <target><path>/p/</path><permissions><mode>0755</mode><group>-1</group></permissions></target></pool>",
        )
        .unwrap();
        d.capacity = 10;
        d.available = 10;
        assert_eq!(
            d.format(),
            "<pool type='dir'>\n  <name>p</name>\n  <uuid>dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566</uuid>\n  \
             <capacity unit='bytes'>10</capacity>\n  <allocation unit='bytes'>0</allocation>\n  \
             <available unit='bytes'>10</available>\n  <source>\n  </source>\n  <target>\n    <path>/p</path>\n    \
             <permissions>\n      <mode>0755</mode>\n    </permissions>\n  </target>\n</pool>\n"
        );
    }

    #[test]
    fn rejects_what_libvirt_rejects() {
        let e = PoolDef::parse("<pool type='fs'><name>f</name><target><path>/x</path></target></pool>").unwrap_err();
        assert_eq!(e.message, "XML error: missing storage pool source device name");
        let e = PoolDef::parse("<pool type='foo'/>").unwrap_err();
        assert_eq!(e.message, "XML error: Invalid value for attribute 'type' in element 'pool': 'foo'.");
        assert_eq!(e.domain, VIR_FROM_XML);
    }
}
