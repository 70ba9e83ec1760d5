//! The domain snapshot document (`<domainsnapshot>`): what libvirt reads
//! from a new or redefined snapshot, how its disk list is completed from
//! the domain, and how it is written back.

use crate::conf::domain::devices::disk;
use crate::conf::domain::tree::Elem;
use crate::conf::moment::{self, Moment};
use crate::conf::schema::{self, Schema};
use crate::conf::storage_common::{attr, prop_enum, xpath_string};
use crate::conf::xml::{self, child, XmlWriter};
use crate::core::error::{Error, Result};
use crate::generated::consts::*;
use roxmltree::Node;

/// Where a snapshot keeps memory or a disk (`virDomainSnapshotLocation`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Location {
    #[default]
    Default,
    No,
    Internal,
    External,
    Manual,
}

const LOCATIONS: &[(&str, Location)] = &[
    ("no", Location::No),
    ("internal", Location::Internal),
    ("external", Location::External),
    ("manual", Location::Manual),
];

impl Location {
    pub fn as_str(self) -> &'static str {
        LOCATIONS.iter().find(|(_, l)| *l == self).map(|(s, _)| *s).unwrap_or("default")
    }

    /// Parses the `snapshot` attribute ("default" is not accepted).
    fn prop(n: Node) -> Result<Location> {
        Ok(prop_enum(n, "snapshot", LOCATIONS)?.unwrap_or_default())
    }
}

/// Snapshot states (`virDomainSnapshotState`): the domain states plus
/// "disk-snapshot"; 0 ("nostate") is never valid in a document.
pub const STATES: &[&str] =
    &["nostate", "running", "blocked", "paused", "shutdown", "shutoff", "crashed", "pmsuspended", "disk-snapshot"];

pub const STATE_RUNNING: i32 = 1;
pub const STATE_PAUSED: i32 = 3;
pub const STATE_SHUTOFF: i32 = 5;
pub const STATE_DISK_SNAPSHOT: i32 = 8;

/// Storage types a disk snapshot may name.
const DISK_TYPES: &[(&str, &str)] =
    &[("file", "file"), ("block", "block"), ("network", "network"), ("nvme", "nvme"), ("vhostuser", "vhostuser")];

/// Image formats libvirt knows (`virStorageFileFormat`, "none" excluded).
const FORMATS: &[&str] = &[
    "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd", "ploop", "cow", "qcow", "qcow2", "qed",
    "vmdk",
];

/// One `<disk>` of a snapshot.
#[derive(Clone, Debug, Default)]
pub struct SnapDisk {
    pub name: String,
    pub snapshot: Location,
    /// The storage type written with a source ("file" unless given).
    pub src_type: String,
    /// The new image's `<source>` element, kept as written.
    pub source: Option<Elem>,
    /// The path the source names (file or dev), if any.
    pub path: Option<String>,
    pub format: Option<String>,
}

/// A snapshot definition.
#[derive(Clone, Debug, Default)]
pub struct SnapshotDef {
    pub moment: Moment,
    /// One of [`STATES`]' indexes; 0 until known.
    pub state: i32,
    pub memory: Location,
    pub memory_file: Option<String>,
    pub disks: Vec<SnapDisk>,
}

fn err(code: i32, detail: impl AsRef<str>) -> Error {
    Error::with_detail(VIR_FROM_DOMAIN_SNAPSHOT, code, detail)
}

fn xml_err(detail: impl AsRef<str>) -> Error {
    err(VIR_ERR_XML_ERROR, detail)
}

fn unsupported(detail: impl AsRef<str>) -> Error {
    err(VIR_ERR_CONFIG_UNSUPPORTED, detail)
}

fn parse_disk(n: Node) -> Result<SnapDisk> {
    let Some(name) = n.attribute("name") else {
        return Err(err(VIR_ERR_INTERNAL_ERROR, "missing name from disk snapshot element"));
    };
    let mut d = SnapDisk { name: name.to_string(), snapshot: Location::prop(n)?, ..Default::default() };
    let types: Vec<(&str, &str)> = DISK_TYPES.to_vec();
    let all: Vec<(&str, &str)> = types.iter().copied().chain([("volume", "volume"), ("dir", "dir")]).collect();
    d.src_type = prop_enum(n, "type", &all)?.unwrap_or("file").to_string();
    if d.src_type == "volume" || d.src_type == "dir" {
        return Err(xml_err(format!("unsupported disk snapshot type '{}'", d.src_type)));
    }
    if let Some(s) = child(n, "source") {
        d.path = attr(s, "file").or_else(|| attr(s, "dev"));
        d.source = Some(Elem::parse(s, &disk::SOURCE)?);
    }
    if let Some(fmt) = child(n, "driver").and_then(|dr| attr(dr, "type")) {
        if !FORMATS.contains(&fmt.as_str()) {
            return Err(unsupported(format!("unknown disk snapshot driver '{fmt}'")));
        }
        d.format = Some(fmt);
    }
    if d.snapshot == Location::Default && (d.path.is_some() || d.format.is_some()) {
        d.snapshot = Location::External;
    }
    Ok(d)
}

impl SnapshotDef {
    /// Parses a document as `virDomainSnapshotCreateXML` reads it;
    /// `redefine` reads the fields of an existing snapshot too.
    pub fn parse(text: &str, redefine: bool, validate: bool) -> Result<SnapshotDef> {
        let doc = xml::parse_root(text, "domain_snapshot", "domainsnapshot").map_err(|e| {
            if e.domain == crate::core::error::DOMAIN_UNSET {
                e.from_domain(VIR_FROM_DOMAIN_SNAPSHOT)
            } else {
                e
            }
        })?;
        let root = doc.root_element();
        if validate {
            schema::validate(Schema::DomainSnapshot, text)?;
        }
        let (name, description) = Moment::parse_head(root);
        let mut def = SnapshotDef::default();
        let mut offline = false;
        if redefine {
            let Some(name) = name else {
                return Err(xml_err("a redefined snapshot must have a name"));
            };
            let Some(t) = Moment::creation_time(root) else {
                return Err(err(VIR_ERR_INTERNAL_ERROR, "missing creationTime from existing snapshot"));
            };
            def.moment = Moment { name, description, creation_time: t, ..Default::default() };
            def.moment.parent = Moment::parent_name(root);
            let Some(state) = xpath_string(root, "state") else {
                return Err(xml_err("missing state from existing snapshot"));
            };
            def.state = match STATES.iter().position(|s| *s == state) {
                Some(i) if i > 0 => i as i32,
                _ => return Err(unsupported(format!("Invalid state '{state}' in domain snapshot XML"))),
            };
            offline = def.state == STATE_SHUTOFF || def.state == STATE_DISK_SNAPSHOT;
            if let Some(d) = child(root, "domain").filter(|d| d.attribute("type").is_some()) {
                def.moment.dom = Some(Box::new(moment::parse_embedded_domain(text, d)?));
            }
            if let Some(d) = child(root, "inactiveDomain") {
                def.moment.inactive_dom = Some(Box::new(moment::parse_embedded_domain(text, d)?));
            }
        } else {
            def.moment = Moment::fresh(name, description);
        }
        if let Some(m) = child(root, "memory") {
            def.memory_file = m.attribute("file").map(str::to_string);
            def.memory = Location::prop(m)?;
        }
        if def.memory == Location::Default {
            if def.memory_file.is_some() {
                def.memory = Location::External;
            } else if redefine {
                def.memory = if offline { Location::No } else { Location::Internal };
            }
        }
        if let Some(f) = &def.memory_file {
            if def.memory != Location::External {
                return Err(xml_err(format!("memory filename '{f}' requires external snapshot")));
            }
        } else if def.memory == Location::External {
            return Err(xml_err("external memory snapshots require a filename"));
        }
        if offline && !matches!(def.memory, Location::Default | Location::No) {
            return Err(xml_err("memory state cannot be saved with offline or disk-only snapshot"));
        }
        if let Some(f) = &def.memory_file {
            if !f.starts_with('/') {
                return Err(xml_err(format!("memory snapshot file path ({f}) must be absolute")));
            }
        }
        if let Some(disks) = child(root, "disks") {
            for n in disks.children().filter(|c| c.is_element()) {
                def.disks.push(parse_disk(n)?);
            }
        }
        Ok(def)
    }

    pub fn name(&self) -> &str {
        &self.moment.name
    }

    /// Whether the snapshot is online (taken of a running or paused guest).
    pub fn online(&self) -> bool {
        self.state == STATE_RUNNING || self.state == STATE_PAUSED
    }

    /// Memory or any disk kept outside the images.
    pub fn is_external(&self) -> bool {
        self.memory == Location::External || self.disks.iter().any(|d| d.snapshot == Location::External)
    }

    /// Completes the disk list from the snapshot's domain: every disk of
    /// the domain in its order, by target name, with `default` where
    /// nothing is asked; `require_match` wants all disks to use it.
    pub fn align_disks(&mut self, default: Location, require_match: bool) -> Result<()> {
        let Some(dom) = self.moment.dom.as_deref() else {
            return Err(err(VIR_ERR_INTERNAL_ERROR, "missing domain in snapshot"));
        };
        let domdisks = dom.devices.list("disk");
        if self.disks.len() > domdisks.len() {
            return Err(unsupported("too many disk snapshot requests for domain"));
        }
        if domdisks.is_empty() {
            return Ok(());
        }
        let require_match = require_match && default == Location::Internal;
        let mut placed: Vec<Option<SnapDisk>> = vec![None; domdisks.len()];
        for mut sd in std::mem::take(&mut self.disks) {
            let Some(i) = disk_by_name(domdisks, &sd.name) else {
                return Err(unsupported(format!("no disk named '{}'", sd.name)));
            };
            if placed[i].is_some() {
                return Err(unsupported(format!("disk '{}' specified twice", sd.name)));
            }
            let dd = &domdisks[i];
            let dom_loc = disk_location(dd);
            if sd.snapshot == Location::Default {
                sd.snapshot = if dom_loc != Location::Default && (!require_match || dom_loc == Location::No) {
                    dom_loc
                } else {
                    default
                };
            } else if require_match
                && sd.snapshot != default
                && !(sd.snapshot == Location::No && dom_loc == Location::No)
            {
                return Err(unsupported(format!("disk '{}' must use snapshot mode '{}'", sd.name, default.as_str())));
            }
            if let Some(p) = &sd.path {
                if sd.snapshot != Location::External {
                    return Err(unsupported(format!(
                        "file '{p}' for disk '{}' requires use of external snapshot mode",
                        sd.name
                    )));
                }
            }
            sd.name = disk::target_dev(dd).to_string();
            placed[i] = Some(sd);
        }
        for (i, dd) in domdisks.iter().enumerate() {
            if placed[i].is_some() {
                continue;
            }
            let loc = match disk_location(dd) {
                _ if disk_is_empty(dd) => Location::No,
                Location::Default => default,
                l => l,
            };
            placed[i] = Some(SnapDisk {
                name: disk::target_dev(dd).to_string(),
                snapshot: loc,
                src_type: "file".into(),
                ..Default::default()
            });
        }
        self.disks = placed.into_iter().flatten().collect();
        assign_external_names(&mut self.disks, &self.moment.name, domdisks)
    }

    /// The document `virDomainSnapshotGetXMLDesc` returns; `uuid` is
    /// written in a bare `<domain>` when the snapshot has no definition.
    pub fn format(&self, uuid: &str, secure: bool) -> String {
        let mut w = XmlWriter::new();
        w.open("domainsnapshot", &[]);
        self.moment.format_head(&mut w, |w| {
            if self.state > 0 {
                w.text("state", &[], STATES[self.state as usize]);
            }
        });
        if self.memory != Location::Default {
            w.empty("memory", &[("snapshot", Some(self.memory.as_str())), ("file", self.memory_file.as_deref())]);
        }
        if !self.disks.is_empty() {
            w.open("disks", &[]);
            for d in &self.disks {
                format_disk(&mut w, d);
            }
            w.close("disks");
        }
        match &self.moment.dom {
            Some(dom) => moment::format_embedded_domain(&mut w, dom, "domain", secure),
            None => {
                w.open("domain", &[]);
                w.text("uuid", &[], uuid);
                w.close("domain");
            }
        }
        if let Some(dom) = &self.moment.inactive_dom {
            moment::format_embedded_domain(&mut w, dom, "inactiveDomain", secure);
        }
        w.close("domainsnapshot");
        w.finish()
    }
}

/// Names the new images of external disk snapshots without one after
/// the original image and the snapshot.
fn assign_external_names(disks: &mut [SnapDisk], snap_name: &str, domdisks: &[Elem]) -> Result<()> {
    for i in 0..disks.len() {
        let d = &disks[i];
        if d.snapshot != Location::External || d.path.is_some() {
            continue;
        }
        if d.src_type != "file" {
            return Err(unsupported(format!(
                "cannot generate external snapshot name for disk '{}' on a '{}' device",
                d.name, d.src_type
            )));
        }
        let Some(orig) = domdisks.get(i).and_then(disk::source_label) else {
            return Err(unsupported(format!(
                "cannot generate external snapshot name for disk '{}' without source",
                d.name
            )));
        };
        if !std::fs::metadata(&orig).map(|m| m.is_file()).unwrap_or(false) {
            return Err(unsupported(format!(
                "source for disk '{}' is not a regular file; refusing to generate external snapshot name",
                d.name
            )));
        }
        let stem = match orig.rfind('.') {
            Some(dot) if !orig[dot..].contains('/') => &orig[..dot],
            _ => orig.as_str(),
        };
        let path = format!("{stem}.{snap_name}");
        if let Some(j) = (0..i).find(|&j| disks[j].path.as_deref() == Some(path.as_str())) {
            return Err(unsupported(format!(
                "cannot generate external snapshot name for disk '{}': collision with disk '{}'",
                disks[i].name, disks[j].name
            )));
        }
        disks[i].path = Some(path);
    }
    Ok(())
}

fn format_disk(w: &mut XmlWriter, d: &SnapDisk) {
    let loc = (d.snapshot != Location::Default).then(|| d.snapshot.as_str());
    let attrs = [("name", Some(d.name.as_str())), ("snapshot", loc)];
    if d.path.is_none() && d.format.is_none() {
        w.empty("disk", &attrs);
        return;
    }
    w.open("disk", &[attrs[0], attrs[1], ("type", Some(d.src_type.as_str()))]);
    if let Some(f) = &d.format {
        w.empty("driver", &[("type", Some(f))]);
    }
    match &d.source {
        Some(s) => s.format(w),
        None => {
            let key = if d.src_type == "block" { "dev" } else { "file" };
            w.empty("source", &[(key, d.path.as_deref())]);
        }
    }
    w.close("disk");
}

/// virDomainDiskByName: the index of the disk with this target or source.
pub fn disk_by_name(disks: &[Elem], name: &str) -> Option<usize> {
    disks
        .iter()
        .position(|d| disk::target_dev(d) == name)
        .or_else(|| disks.iter().position(|d| disk::source_label(d).as_deref() == Some(name)))
}

/// A disk without media (no source).
pub fn disk_is_empty(d: &Elem) -> bool {
    d.attr("type") != Some("network") && disk::source_label(d).is_none()
}

/// Read-only disks.
pub fn disk_is_readonly(d: &Elem) -> bool {
    d.kid("readonly").is_some()
}

/// The snapshot mode a domain disk asks for; read-only disks are left
/// out of snapshots.
fn disk_location(d: &Elem) -> Location {
    match d.attr("snapshot").and_then(|s| LOCATIONS.iter().find(|(k, _)| *k == s)) {
        Some((_, l)) => *l,
        None if disk_is_readonly(d) => Location::No,
        None => Location::Default,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conf::domain::DomainDef;

    const DOM: &str = "<domain type='test'><name>d</name><uuid>11111111-2222-3333-4444-555555555555</uuid>\
        <memory>1024</memory><os><type>hvm</type></os><devices>\
        <disk type='file' device='disk'><source file='/a'/><target dev='vda'/></disk>\
        <disk type='file' device='cdrom'><target dev='hdc'/></disk></devices></domain>";

    #[test]
    fn redefinitions_need_name_time_and_state() {
        let e = SnapshotDef::parse("<domainsnapshot/>", true, false).unwrap_err();
        assert_eq!(e.message, "XML error: a redefined snapshot must have a name");
        let e = SnapshotDef::parse("<domainsnapshot><name>a</name></domainsnapshot>", true, false).unwrap_err();
        assert_eq!(e.code, VIR_ERR_INTERNAL_ERROR);
        let x = "<domainsnapshot><name>a</name><creationTime>5</creationTime><state>nostate</state></domainsnapshot>";
        let e = SnapshotDef::parse(x, true, false).unwrap_err();
        assert_eq!(e.message, "unsupported configuration: Invalid state 'nostate' in domain snapshot XML");
    }

    #[test]
    fn new_snapshots_fill_in_every_disk_and_format_in_order() {
        let mut s = SnapshotDef::parse(
            "<domainsnapshot><name>s</name><description>x</description></domainsnapshot>",
            false,
            false,
        )
        .unwrap();
        assert!(s.moment.creation_time > 0);
        s.moment.creation_time = 42;
        s.moment.dom = Some(Box::new(DomainDef::parse(DOM).unwrap()));
        s.state = STATE_SHUTOFF;
        s.memory = Location::No;
        s.align_disks(Location::Internal, true).unwrap();
        let x = s.format("u", false);
        assert!(x.starts_with(
            "<domainsnapshot>\n  <name>s</name>\n  <description>x</description>\n  <state>shutoff</state>\n  \
             <creationTime>42</creationTime>\n  <memory snapshot='no'/>\n  <disks>\n    \
             <disk name='vda' snapshot='internal'/>\n    <disk name='hdc' snapshot='no'/>\n  </disks>\n  <domain type='test'>\n"
        ));
        assert!(x.ends_with("  </domain>\n</domainsnapshot>\n"));
    }

    #[test]
    fn disk_requests_are_checked_against_the_domain() {
        let dom = DomainDef::parse(DOM).unwrap();
        let with = |disks: &str| {
            let x = format!("<domainsnapshot><name>s</name><disks>{disks}</disks></domainsnapshot>");
            let mut s = SnapshotDef::parse(&x, false, false)?;
            s.moment.dom = Some(Box::new(dom.clone()));
            s.align_disks(Location::Internal, true).map(|_| s)
        };
        assert_eq!(with("<disk name='vdz'/>").unwrap_err().message, "unsupported configuration: no disk named 'vdz'");
        let e = with("<disk name='vda'/><disk name='/a'/>").unwrap_err();
        assert_eq!(e.message, "unsupported configuration: disk '/a' specified twice");
        let e = with("<disk name='vda' snapshot='no'/>").unwrap_err();
        assert_eq!(e.message, "unsupported configuration: disk 'vda' must use snapshot mode 'internal'");
        let s = with("<disk name='/a'/>").unwrap();
        assert_eq!(s.disks[0].name, "vda");
    }

    #[test]
    fn schema_checks_run_on_request() {
        let x = "<domainsnapshot><bogus/></domainsnapshot>";
        assert!(SnapshotDef::parse(x, false, false).is_ok());
        let e = SnapshotDef::parse(x, false, true).unwrap_err();
        assert_eq!(e.code, VIR_ERR_XML_INVALID_SCHEMA);
        assert!(e.message.ends_with("Element domainsnapshot has extra content: bogus\n"));
    }
}
