//! `<disk>`: storage seen by the guest, with its bus defaults and drive
//! addresses.

use super::super::props::*;
use super::super::tree::{ESpec, Elem, Text};
use super::address::{self, ADDRESS};
use super::network_source;
use super::{ALIAS, BOOT};
use crate::core::error::{Error, Result};
use crate::generated::consts::*;
use roxmltree::Node;

const TEXT: Text = Text::Str { trim: false };

pub const DISK_TYPES: &[&str] = &["file", "block", "dir", "network", "volume", "nvme", "vhostuser"];
pub const BUSES: &[&str] = &["ide", "fdc", "scsi", "virtio", "xen", "usb", "uml", "sata", "sd"];

pub const HOST: ESpec = ESpec::new(
    "host",
    &[("name", Kind::Str), ("port", Kind::Str), ("transport", Kind::Str), ("socket", Kind::Str)],
    &[],
);
const SOURCE_ATTRS: Spec = &[
    ("file", Kind::Str),
    ("dev", Kind::Str),
    ("dir", Kind::Str),
    ("protocol", Kind::Str),
    ("name", Kind::Str),
    ("query", Kind::Str),
    ("tls", Kind::Enum(YES_NO)),
    ("pool", Kind::Str),
    ("volume", Kind::Str),
    ("mode", Kind::Enum(&["host", "direct"])),
    ("type", Kind::Str),
    ("path", Kind::Str),
    ("managed", Kind::Enum(YES_NO)),
    ("namespace", Kind::UInt),
    ("startupPolicy", Kind::Enum(&["mandatory", "requisite", "optional"])),
];
/// `<secret>` of an `<auth>` or `<encryption>`: a uuid or a usage name.
const SECRET: ESpec = ESpec::new("secret", &[("type", Kind::Str), ("uuid", Kind::Str), ("usage", Kind::Str)], &[]);
pub const AUTH: ESpec = ESpec::new("auth", &[("username", Kind::Str)], &[&SECRET]);
pub const ENCRYPTION: ESpec = ESpec::new("encryption", &[("format", Kind::Str), ("engine", Kind::Str)], &[&SECRET]);
const SOURCE_KIDS: &[&ESpec] = &[
    &HOST,
    &ESpec::new("snapshot", &[("name", Kind::Str)], &[]),
    &ESpec::new("config", &[("file", Kind::Str)], &[]),
    &AUTH,
    &ENCRYPTION,
    &ESpec::new("address", address::ADDRESS_ATTRS, &[]),
    &ESpec::new("reconnect", &[("enabled", Kind::Enum(YES_NO)), ("timeout", Kind::UInt)], &[]),
    &ESpec::new("ssl", &[("verify", Kind::Enum(YES_NO))], &[]),
    &ESpec::new("cookies", &[], &[&ESpec::text("cookie", &[("name", Kind::Str)], TEXT)]),
    &ESpec::new("readahead", &[("size", Kind::UInt)], &[]),
    &ESpec::new("timeout", &[("seconds", Kind::UInt)], &[]),
];
pub const SOURCE: ESpec = ESpec::new("source", SOURCE_ATTRS, SOURCE_KIDS);

/// `<backingStore>`: the image chain below a disk's source, each layer
/// with its own type, format and source (an empty element ends it).
pub static BACKING_STORE: ESpec = ESpec::new(
    "backingStore",
    &[("type", Kind::Enum(DISK_TYPES)), ("index", Kind::UInt)],
    &[&ESpec::new("format", &[("type", Kind::Str)], &[]), &SOURCE, &BACKING_STORE],
)
.fix(fix_backing_store);

const IOTUNE_KIDS: &[&ESpec] = &[
    &ESpec::text("total_bytes_sec", &[], Text::UInt),
    &ESpec::text("read_bytes_sec", &[], Text::UInt),
    &ESpec::text("write_bytes_sec", &[], Text::UInt),
    &ESpec::text("total_iops_sec", &[], Text::UInt),
    &ESpec::text("read_iops_sec", &[], Text::UInt),
    &ESpec::text("write_iops_sec", &[], Text::UInt),
    &ESpec::text("total_bytes_sec_max", &[], Text::UInt),
    &ESpec::text("read_bytes_sec_max", &[], Text::UInt),
    &ESpec::text("write_bytes_sec_max", &[], Text::UInt),
    &ESpec::text("total_iops_sec_max", &[], Text::UInt),
    &ESpec::text("read_iops_sec_max", &[], Text::UInt),
    &ESpec::text("write_iops_sec_max", &[], Text::UInt),
    &ESpec::text("size_iops_sec", &[], Text::UInt),
    &ESpec::text("group_name", &[], TEXT),
    &ESpec::text("total_bytes_sec_max_length", &[], Text::UInt),
    &ESpec::text("read_bytes_sec_max_length", &[], Text::UInt),
    &ESpec::text("write_bytes_sec_max_length", &[], Text::UInt),
    &ESpec::text("total_iops_sec_max_length", &[], Text::UInt),
    &ESpec::text("read_iops_sec_max_length", &[], Text::UInt),
    &ESpec::text("write_iops_sec_max_length", &[], Text::UInt),
];
pub const IOTUNE: ESpec = ESpec::new("iotune", &[], IOTUNE_KIDS);

const DRIVER_ATTRS: Spec = &[
    ("name", Kind::Str),
    ("type", Kind::Str),
    ("cache", Kind::Enum(&["default", "none", "writethrough", "writeback", "directsync", "unsafe"])),
    ("error_policy", Kind::Enum(&["default", "stop", "report", "ignore", "enospace"])),
    ("rerror_policy", Kind::Enum(&["default", "stop", "report", "ignore"])),
    ("io", Kind::Enum(&["default", "native", "threads", "io_uring"])),
    ("ioeventfd", Kind::Enum(ON_OFF)),
    ("event_idx", Kind::Enum(ON_OFF)),
    ("copy_on_read", Kind::Enum(ON_OFF)),
    ("discard", Kind::Enum(&["default", "unmap", "ignore"])),
    ("iothread", Kind::UInt),
    ("detect_zeroes", Kind::Enum(&["default", "off", "on", "unmap"])),
    ("queues", Kind::UInt),
    ("queue_size", Kind::UInt),
];

const DISK_ATTRS: Spec = &[
    ("type", Kind::Enum(DISK_TYPES)),
    ("device", Kind::Enum(&["floppy", "disk", "cdrom", "lun"])),
    ("model", Kind::Enum(&["virtio", "virtio-transitional", "virtio-non-transitional"])),
    ("rawio", Kind::Enum(YES_NO)),
    ("sgio", Kind::Enum(&["filtered", "unfiltered"])),
    ("snapshot", Kind::Enum(&["no", "internal", "external", "manual"])),
];
const TARGET_ATTRS: Spec = &[
    ("dev", Kind::Str),
    ("bus", Kind::Enum(BUSES)),
    ("tray", Kind::Enum(&["closed", "open"])),
    ("removable", Kind::Enum(ON_OFF)),
    ("rotation_rate", Kind::UInt),
];

pub static DISK: ESpec = ESpec::new(
    "disk",
    DISK_ATTRS,
    &[
        &ESpec::new("driver", DRIVER_ATTRS, &[]),
        &AUTH,
        &SOURCE,
        &BACKING_STORE,
        &ESpec::new(
            "geometry",
            &[("cyls", Kind::UInt), ("heads", Kind::UInt), ("secs", Kind::UInt), ("trans", Kind::Str)],
            &[],
        ),
        &ESpec::new(
            "blockio",
            &[
                ("logical_block_size", Kind::UInt),
                ("physical_block_size", Kind::UInt),
                ("discard_granularity", Kind::UInt),
            ],
            &[],
        ),
        &ESpec::new("target", TARGET_ATTRS, &[]),
        &IOTUNE,
        &ESpec::new("readonly", &[], &[]),
        &ESpec::new("shareable", &[], &[]),
        &ESpec::new("transient", &[("shareBacking", Kind::Enum(YES_NO))], &[]),
        &ESpec::text("serial", &[], TEXT),
        &ESpec::text("wwn", &[], TEXT),
        &ESpec::text("vendor", &[], TEXT),
        &ESpec::text("product", &[], TEXT),
        &BOOT,
        &ALIAS,
        &ADDRESS,
    ],
)
.fix(fix_disk);

/// The source attribute each disk type keeps.
fn source_keys(kind: &str) -> &'static [&'static str] {
    match kind {
        "file" => &["file", "startupPolicy"],
        "block" => &["dev", "startupPolicy"],
        "dir" => &["dir", "startupPolicy"],
        "network" => &["protocol", "name", "query", "tls"],
        "volume" => &["pool", "volume", "mode", "startupPolicy"],
        "nvme" => &["type", "managed", "namespace"],
        "vhostuser" => &["type", "path"],
        _ => &[],
    }
}

/// The bus a disk name implies (`hda` -> ide, `vdb` -> virtio, ...).
fn bus_from_name(dev: &str) -> Option<&'static str> {
    let table = [("hd", "ide"), ("sd", "scsi"), ("vd", "virtio"), ("xvd", "xen"), ("fd", "fdc"), ("ubd", "uml")];
    table.iter().find(|(p, _)| dev.starts_with(p)).map(|(_, b)| *b)
}

/// The index a disk name encodes (`sda` -> 0, `sdaa` -> 26), as libvirt's
/// virDiskNameToIndex computes it.
pub fn name_to_index(dev: &str) -> Option<u32> {
    let prefixes = ["fd", "hd", "vd", "sd", "xvd", "ubd"];
    let rest = prefixes.iter().find_map(|p| dev.strip_prefix(p))?;
    if rest.is_empty() || !rest.chars().all(|c| c.is_ascii_lowercase()) {
        return None;
    }
    let mut idx: u32 = 0;
    for (i, c) in rest.chars().enumerate() {
        let v = c as u32 - 'a' as u32;
        idx = if i == 0 { v } else { (idx + 1) * 26 + v };
    }
    Some(idx)
}

fn fix_disk(e: &mut Elem, n: Node) -> Result<()> {
    if e.attr("sgio") == Some("unfiltered") {
        return Err(unsupported("unfiltered sgio is no longer supported"));
    }
    if e.attr("type").is_none() {
        e.set(&DISK, "type", "file");
    }
    if e.attr("device").is_none() {
        e.set(&DISK, "device", "disk");
    }
    let kind = e.attr("type").unwrap_or("file").to_string();
    trim_source(e, &kind);
    let protocol = network_protocol(e, &kind)?;
    if kind == "vhostuser" && e.attr("snapshot").is_none() {
        e.set(&DISK, "snapshot", "no");
    }
    let source_name = source_label(e);
    let target = child(n, "target").and_then(|t| attr(t, "dev"));
    let Some(dev) = target else {
        return Err(Error::with_detail(
            VIR_FROM_DOMAIN,
            VIR_ERR_NO_TARGET,
            source_name.unwrap_or_else(|| "(null)".into()),
        ));
    };
    if protocol == Some("none") {
        return Err(Error::with_detail(VIR_FROM_DOMAIN, VIR_ERR_NO_SOURCE, dev));
    }
    let device = e.attr("device").unwrap_or("disk").to_string();
    let has_addr = e.kid("address").is_some();
    let t = e.kid_mut("target").expect("target checked above");
    if t.attr("bus").is_none() {
        let bus = match bus_from_name(dev) {
            Some(b) => b,
            None if device == "floppy" => "fdc",
            None if has_addr => "scsi",
            None => return Err(dom_err(format!("Unknown disk name '{dev}' and no address specified"))),
        };
        t.set(&ESpec::new("target", TARGET_ATTRS, &[]), "bus", bus);
    }
    if device == "cdrom" && e.kid("readonly").is_none() {
        e.insert_kid(&DISK, Elem::empty("readonly"));
    }
    Ok(())
}

/// Keeps what a source of disk type `kind` has: its attributes, the
/// children only some types use.
fn trim_source(e: &mut Elem, kind: &str) {
    let Some(src) = e.kid_mut("source") else { return };
    let keep = source_keys(kind);
    src.attrs.0.retain(|(k, _)| keep.contains(k));
    let only: &[(&str, &str)] = &[
        ("host", "network"),
        ("snapshot", "network"),
        ("config", "network"),
        ("ssl", "network"),
        ("cookies", "network"),
        ("readahead", "network"),
        ("timeout", "network"),
        ("address", "nvme"),
        ("reconnect", "vhostuser"),
    ];
    src.kids.retain(|k| only.iter().all(|(name, t)| k.name != *name || *t == kind));
    if src.attrs.is_empty() && src.kids.is_empty() {
        e.remove_kids("source");
    }
}

fn fix_backing_store(e: &mut Elem, _n: Node) -> Result<()> {
    let kind = e.attr("type").unwrap_or("file").to_string();
    trim_source(e, &kind);
    network_protocol(e, &kind)?;
    Ok(())
}

/// The protocol of a network disk's source, its hosts checked and given
/// their default ports; `None` for other disk types.
fn network_protocol(e: &mut Elem, kind: &str) -> Result<Option<&'static str>> {
    match e.kid_mut("source") {
        Some(src) if kind == "network" => network_source::normalize(src).map(Some),
        _ => Ok(None),
    }
}

/// A disk as formatted without `VIR_DOMAIN_XML_SECURE`: no cookies.
pub fn hide_secrets(e: &Elem) -> Elem {
    let mut c = e.clone();
    if let Some(src) = c.kid_mut("source") {
        src.remove_kids("cookies");
    }
    c
}

/// What libvirt names a disk by in messages: its source path or name.
pub fn source_label(e: &Elem) -> Option<String> {
    let s = e.kid("source")?;
    ["file", "dev", "dir", "name", "volume"].iter().find_map(|k| s.attr(k)).map(str::to_string)
}

pub fn target_dev(e: &Elem) -> &str {
    e.kid("target").and_then(|t| t.attr("dev")).unwrap_or("")
}

pub fn bus(e: &Elem) -> &str {
    e.kid("target").and_then(|t| t.attr("bus")).unwrap_or("")
}

/// Gives a drive address to disks on IDE, SCSI, SATA and floppy buses
/// that have none, from the index their name encodes.
pub fn assign_address(e: &mut Elem) {
    if e.kid("address").is_some() {
        return;
    }
    let Some(idx) = name_to_index(target_dev(e)) else { return };
    let addr = match bus(e) {
        "ide" => address::drive(idx / 4, (idx % 4) / 2, 0, idx % 2),
        "fdc" => address::drive(idx / 2, 0, 0, idx % 2),
        "scsi" => address::drive(idx / 7, 0, 0, idx % 7),
        "sata" => address::drive(idx / 6, 0, 0, idx % 6),
        _ => return,
    };
    e.insert_kid(&DISK, addr);
}
