//! Node device XML (`<device>`): the capabilities the test host has
//! (system, SCSI hosts with Fibre Channel and vport capabilities) modelled
//! and formatted; the others validated as libvirt does when a device is
//! created, so that bad input fails with the same message.

use super::netdev::invalid_attr;
use super::xml::{child, child_text, parse_root, XmlWriter};
use crate::core::error::{Error, Result};
use crate::core::uuid;
use crate::generated::consts::*;
use roxmltree::Node;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct SystemCap {
    pub product: Option<String>,
    pub hw_vendor: Option<String>,
    pub hw_version: Option<String>,
    pub hw_serial: Option<String>,
    pub hw_uuid: String,
    pub fw_vendor: Option<String>,
    pub fw_version: Option<String>,
    pub fw_release_date: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct FcHost {
    pub wwnn: String,
    pub wwpn: String,
    pub fabric_wwn: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScsiHostCap {
    pub host: u32,
    pub unique_id: Option<i32>,
    pub fc: Option<FcHost>,
    /// `vport_ops`: (max_vports, vports).
    pub vport_ops: Option<(u32, u32)>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Cap {
    System(SystemCap),
    ScsiHost(ScsiHostCap),
    /// Any other capability, by its type name (validated, not modelled).
    Other(String),
}

impl Cap {
    /// The name `virNodeDeviceListCaps` reports.
    pub fn name(&self) -> &str {
        match self {
            Cap::System(_) => "system",
            Cap::ScsiHost(_) => "scsi_host",
            Cap::Other(n) => n,
        }
    }
}

/// How a new device names its parent besides by name.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum ParentFc {
    #[default]
    None,
    Wwns(String, String),
    Fabric(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct NodeDeviceDef {
    pub name: String,
    pub parent: Option<String>,
    pub parent_fc: ParentFc,
    pub caps: Vec<Cap>,
}

/// Capability types in libvirt's enumeration order (its error messages
/// name unexpected ones by their index).
const CAP_TYPES: [&str; 22] = [
    "system",
    "pci",
    "usb_device",
    "usb",
    "net",
    "scsi_host",
    "scsi_target",
    "scsi",
    "storage",
    "fc_host",
    "vports",
    "scsi_generic",
    "drm",
    "mdev_types",
    "mdev",
    "ccw",
    "css",
    "vdpa",
    "ap_card",
    "ap_queue",
    "ap_matrix",
    "vpd",
];

fn internal(msg: String) -> Error {
    Error::internal(msg).from_domain(VIR_FROM_NODEDEV)
}

fn unsupported(msg: String) -> Error {
    Error::with_detail(VIR_FROM_NODEDEV, VIR_ERR_CONFIG_UNSUPPORTED, msg)
}

impl NodeDeviceDef {
    /// Parses a device definition given to `virNodeDeviceCreateXML`: the
    /// device is called "new device" until it gets a name of its own.
    pub fn parse_new(xml: &str) -> Result<NodeDeviceDef> {
        let doc = parse_root(xml, "node_device_definition", "device")?;
        let root = doc.root_element();
        let name = "new device".to_string();
        let caps = root
            .children()
            .filter(|c| c.has_tag_name("capability"))
            .map(|c| parse_cap(c, &name))
            .collect::<Result<Vec<_>>>()?;
        if caps.is_empty() {
            return Err(internal(format!("no device capabilities for '{name}'")));
        }
        let parent_node = child(root, "parent");
        let parent_fc = match parent_node {
            Some(p) => parse_parent_fc(p)?,
            None => ParentFc::None,
        };
        let parent = child_text(root, "parent").filter(|p| !p.is_empty()).map(str::to_string);
        Ok(NodeDeviceDef { name, parent, parent_fc, caps })
    }

    /// The Fibre Channel names, or libvirt's error for a device without.
    pub fn fc_host(&self) -> Result<&FcHost> {
        self.caps
            .iter()
            .find_map(|c| match c {
                Cap::ScsiHost(h) => h.fc.as_ref(),
                _ => None,
            })
            .ok_or_else(|| internal("Device is not a fibre channel HBA".into()))
    }

    pub fn scsi_host(&self) -> Option<&ScsiHostCap> {
        self.caps.iter().find_map(|c| match c {
            Cap::ScsiHost(h) => Some(h),
            _ => None,
        })
    }

    pub fn scsi_host_mut(&mut self) -> Option<&mut ScsiHostCap> {
        self.caps.iter_mut().find_map(|c| match c {
            Cap::ScsiHost(h) => Some(h),
            _ => None,
        })
    }

    /// Whether any capability is (or, for SCSI hosts, includes) `cap`.
    pub fn has_cap(&self, cap: &str) -> bool {
        self.caps.iter().any(|c| match c {
            Cap::ScsiHost(h) => {
                cap == "scsi_host" || (cap == "fc_host" && h.fc.is_some()) || (cap == "vports" && h.vport_ops.is_some())
            }
            other => other.name() == cap,
        })
    }

    pub fn format(&self) -> String {
        let mut w = XmlWriter::new();
        w.open("device", &[]);
        w.text("name", &[], &self.name);
        if let Some(p) = &self.parent {
            w.text("parent", &[], p);
        }
        for c in &self.caps {
            match c {
                Cap::System(s) => format_system(s, &mut w),
                Cap::ScsiHost(h) => format_scsi_host(h, &mut w),
                Cap::Other(t) => w.empty("capability", &[("type", Some(t))]),
            }
        }
        w.close("device");
        w.finish()
    }
}

fn parse_parent_fc(p: Node) -> Result<ParentFc> {
    let err = |msg: String| super::netdev::xml_error(VIR_FROM_NODEDEV, msg);
    match (p.attribute("wwnn"), p.attribute("wwpn")) {
        (Some(n), Some(w)) => return Ok(ParentFc::Wwns(n.to_string(), w.to_string())),
        (Some(n), None) => {
            return Err(err(format!("when providing parent wwnn='{n}', the wwpn must also be provided")))
        }
        (None, Some(w)) => {
            return Err(err(format!("when providing parent wwpn='{w}', the wwnn must also be provided")))
        }
        (None, None) => {}
    }
    Ok(p.attribute("fabric_wwn").map(|f| ParentFc::Fabric(f.to_string())).unwrap_or_default())
}

fn parse_cap(c: Node, dev: &str) -> Result<Cap> {
    let t = c.attribute("type").ok_or_else(|| super::netdev::missing_attr("type", "capability"))?;
    let index = CAP_TYPES.iter().position(|x| *x == t).ok_or_else(|| invalid_attr("type", "capability", t))?;
    let has = |name: &str| child(c, name).is_some();
    let missing = |what: &str| internal(format!("no {what} supplied for '{dev}'"));
    match t {
        "system" => parse_system(c, dev).map(Cap::System),
        "scsi_host" => parse_scsi_host(c, dev).map(Cap::ScsiHost),
        "pci" if !has("domain") => Err(missing("PCI domain ID")),
        "usb_device" if !has("bus") => Err(missing("USB bus number")),
        "usb" if !has("number") => Err(missing("USB interface number")),
        "net" if !has("interface") => Err(missing("network interface")),
        "scsi_target" if !has("target") => Err(missing("target name")),
        "scsi" if !has("host") => Err(missing("SCSI host ID")),
        "storage" if !has("block") => Err(missing("block device path")),
        "drm" if !has("type") => Err(unsupported(format!("unknown drm type '(null)' for '{dev}'"))),
        "mdev" if !has("type") => Err(unsupported(format!("missing type id attribute for '{dev}'"))),
        "ccw" | "css" if !has("cssid") => Err(unsupported(format!("missing cssid value for '{dev}'"))),
        "ap_card" | "ap_queue" if !has("ap-adapter") => {
            Err(unsupported(format!("missing ap-adapter value for '{dev}'")))
        }
        "fc_host" | "vports" | "scsi_generic" | "mdev_types" | "vdpa" | "vpd" => {
            Err(internal(format!("unknown capability type '{index}' for '{dev}'")))
        }
        other => Ok(Cap::Other(other.to_string())),
    }
}

fn text(n: Node, path: &[&str]) -> Option<String> {
    let mut cur = n;
    for p in path {
        cur = child(cur, p)?;
    }
    cur.text().map(|t| t.trim().to_string())
}

fn parse_system(c: Node, dev: &str) -> Result<SystemCap> {
    let u = text(c, &["hardware", "uuid"]).ok_or_else(|| internal(format!("no system UUID supplied for '{dev}'")))?;
    let parsed = uuid::parse(&u).ok_or_else(|| internal(format!("malformed uuid element for '{dev}'")))?;
    Ok(SystemCap {
        product: text(c, &["product"]),
        hw_vendor: text(c, &["hardware", "vendor"]),
        hw_version: text(c, &["hardware", "version"]),
        hw_serial: text(c, &["hardware", "serial"]),
        hw_uuid: uuid::format(&parsed),
        fw_vendor: text(c, &["firmware", "vendor"]),
        fw_version: text(c, &["firmware", "version"]),
        fw_release_date: text(c, &["firmware", "release_date"]),
    })
}

fn format_system(s: &SystemCap, w: &mut XmlWriter) {
    w.open("capability", &[("type", Some("system"))]);
    w.opt_text("product", s.product.as_deref());
    w.open("hardware", &[]);
    w.opt_text("vendor", s.hw_vendor.as_deref());
    w.opt_text("version", s.hw_version.as_deref());
    w.opt_text("serial", s.hw_serial.as_deref());
    w.text("uuid", &[], &s.hw_uuid);
    w.close("hardware");
    w.open("firmware", &[]);
    w.opt_text("vendor", s.fw_vendor.as_deref());
    w.opt_text("version", s.fw_version.as_deref());
    w.opt_text("release_date", s.fw_release_date.as_deref());
    w.close("firmware");
    w.close("capability");
}

fn parse_scsi_host(c: Node, dev: &str) -> Result<ScsiHostCap> {
    let mut h = ScsiHostCap {
        host: text(c, &["host"]).and_then(|v| v.parse().ok()).unwrap_or(0),
        unique_id: text(c, &["unique_id"]).and_then(|v| v.parse().ok()),
        ..Default::default()
    };
    for sub in c.children().filter(|x| x.has_tag_name("capability")) {
        match sub.attribute("type").unwrap_or_default() {
            "fc_host" => {
                let wwnn = text(sub, &["wwnn"])
                    .ok_or_else(|| internal(format!("no WWNN supplied for '{dev}', and auto-generation failed")))?;
                let wwpn = text(sub, &["wwpn"])
                    .ok_or_else(|| internal(format!("no WWPN supplied for '{dev}', and auto-generation failed")))?;
                h.fc = Some(FcHost { wwnn, wwpn, fabric_wwn: text(sub, &["fabric_wwn"]) });
            }
            "vport_ops" => {
                let n = |k: &str| text(sub, &[k]).and_then(|v| v.parse().ok()).unwrap_or(0);
                h.vport_ops = Some((n("max_vports"), n("vports")));
            }
            other => return Err(internal(format!("unknown SCSI host capability type '{other}' for '{dev}'"))),
        }
    }
    Ok(h)
}

fn format_scsi_host(h: &ScsiHostCap, w: &mut XmlWriter) {
    w.open("capability", &[("type", Some("scsi_host"))]);
    w.text("host", &[], &h.host.to_string());
    if let Some(u) = h.unique_id {
        w.text("unique_id", &[], &u.to_string());
    }
    if let Some(fc) = &h.fc {
        w.open("capability", &[("type", Some("fc_host"))]);
        w.text("wwnn", &[], &fc.wwnn);
        w.text("wwpn", &[], &fc.wwpn);
        w.opt_text("fabric_wwn", fc.fabric_wwn.as_deref());
        w.close("capability");
    }
    if let Some((max, n)) = h.vport_ops {
        w.open("capability", &[("type", Some("vport_ops"))]);
        w.text("max_vports", &[], &max.to_string());
        w.text("vports", &[], &n.to_string());
        w.close("capability");
    }
    w.close("capability");
}

/// A device of the built-in host, defined from its XML (no validation
/// of a new device applies).
pub fn builtin(name: &str, parent: Option<&str>, caps: Vec<Cap>) -> NodeDeviceDef {
    NodeDeviceDef { name: name.to_string(), parent: parent.map(str::to_string), parent_fc: ParentFc::None, caps }
}
