//! A storage pool's `<source>`: hosts, devices, directory, SCSI adapter,
//! name, iSCSI initiator, format, authentication and vendor data. Which
//! parts a pool reads and writes depends on its type
//! ([`crate::conf::storage_pool::PoolType`]).

use crate::conf::storage_common::*;
use crate::conf::storage_pool::{PoolType, SRC_ADAPTER, SRC_DEVICE, SRC_DIR, SRC_HOST, SRC_IQN, SRC_NAME};
use crate::conf::xml::XmlWriter;
use crate::core::error::{Error, Result};
use crate::generated::consts::*;
use roxmltree::Node;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Host {
    pub name: String,
    pub port: i32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    pub path: String,
    pub part_separator: Option<bool>,
}

/// A PCI address as `<address domain= bus= slot= function=/>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PciAddr {
    pub domain: u32,
    pub bus: u32,
    pub slot: u32,
    pub function: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Adapter {
    ScsiHost {
        name: Option<String>,
        parent_addr: Option<(u32, PciAddr)>,
    },
    FcHost {
        parent: Option<String>,
        parent_wwnn: Option<String>,
        parent_wwpn: Option<String>,
        parent_fabric_wwn: Option<String>,
        managed: Option<bool>,
        wwnn: String,
        wwpn: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Auth {
    pub kind: &'static str,
    pub username: String,
    pub secret_type: Option<String>,
    pub secret: SecretRef,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PoolSource {
    pub hosts: Vec<Host>,
    pub devices: Vec<Device>,
    pub dir: Option<String>,
    pub adapter: Option<Adapter>,
    pub name: Option<String>,
    pub initiator_iqn: Option<String>,
    /// The pool format's name, for types that have formats.
    pub format: Option<&'static str>,
    pub auth: Option<Auth>,
    pub protocol_ver: Option<String>,
    pub vendor: Option<String>,
    pub product: Option<String>,
}

fn sub_attr(n: Node, elem: &str, name: &str) -> Option<String> {
    child(n, elem).and_then(|c| attr(c, name))
}

impl PoolSource {
    /// Reads a `<source>` element for a pool of type `kind`.
    pub fn parse(n: Node, kind: PoolType) -> Result<PoolSource> {
        let mut s = PoolSource { name: xpath_string(n, "name"), ..Default::default() };
        if kind == PoolType::Rbd && s.name.is_none() {
            return Err(xml_err("element 'name' is mandatory for RBD pool"));
        }
        if let Some((formats, default)) = kind.formats() {
            s.format = Some(match sub_attr(n, "format", "type") {
                None => default,
                Some(f) => formats
                    .iter()
                    .find(|x| **x == f)
                    .copied()
                    .ok_or_else(|| unsupported(format!("unknown pool format type {f}")))?,
            });
        }
        for h in children(n, "host") {
            let name = attr(h, "name").ok_or_else(|| xml_err("missing storage pool host name"))?;
            s.hosts.push(Host { name, port: prop_int(h, "port")?.unwrap_or(0) });
        }
        s.initiator_iqn = child(n, "initiator").and_then(|i| sub_attr(i, "iqn", "name"));
        for d in children(n, "device") {
            let path = attr(d, "path").ok_or_else(|| xml_err("missing storage pool source device path"))?;
            s.devices.push(Device { path, part_separator: prop_yes_no(d, "part_separator")? });
        }
        s.dir = sub_attr(n, "dir", "path").map(|d| sanitize_path(&d));
        if kind == PoolType::Gluster && s.dir.is_none() {
            s.dir = Some("/".to_string());
        }
        if let Some(a) = child(n, "adapter") {
            s.adapter = Adapter::parse(a)?;
        }
        if let Some(a) = child(n, "auth") {
            s.auth = Some(Auth::parse(a)?);
        }
        s.protocol_ver = sub_attr(n, "protocol", "ver");
        if s.protocol_ver.is_some() && s.format == Some("cifs") {
            return Err(unsupported("storage pool protocol ver unsupported for pool type 'cifs'"));
        }
        s.vendor = sub_attr(n, "vendor", "name");
        s.product = sub_attr(n, "product", "name");
        Ok(s)
    }

    /// Writes `<source>` with the parts pools of type `kind` have.
    pub fn format(&self, kind: PoolType, w: &mut XmlWriter) {
        let flags = kind.flags();
        w.open("source", &[]);
        if flags & SRC_HOST != 0 {
            for h in &self.hosts {
                let port = (h.port != 0).then(|| h.port.to_string());
                w.empty("host", &[("name", Some(&h.name)), ("port", port.as_deref())]);
            }
        }
        if flags & SRC_DEVICE != 0 {
            for d in &self.devices {
                let sep = d.part_separator.map(|b| if b { "yes" } else { "no" });
                w.empty("device", &[("path", Some(&d.path)), ("part_separator", sep)]);
            }
        }
        if flags & SRC_DIR != 0 {
            if let Some(d) = &self.dir {
                w.empty("dir", &[("path", Some(d))]);
            }
        }
        if flags & SRC_ADAPTER != 0 {
            if let Some(a) = &self.adapter {
                a.format(w);
            }
        }
        if flags & SRC_NAME != 0 {
            w.opt_text("name", self.name.as_deref());
        }
        if flags & SRC_IQN != 0 {
            if let Some(i) = &self.initiator_iqn {
                w.open("initiator", &[]);
                w.empty("iqn", &[("name", Some(i))]);
                w.close("initiator");
            }
        }
        if let Some(f) = self.format {
            w.empty("format", &[("type", Some(f))]);
        }
        if let Some(a) = &self.auth {
            w.open("auth", &[("type", Some(a.kind)), ("username", Some(&a.username))]);
            let (k, v) = a.secret.attr();
            w.empty("secret", &[("type", a.secret_type.as_deref()), (k, v)]);
            w.close("auth");
        }
        if let Some(v) = &self.protocol_ver {
            w.empty("protocol", &[("ver", Some(v))]);
        }
        if let Some(v) = &self.vendor {
            w.empty("vendor", &[("name", Some(v))]);
        }
        if let Some(p) = &self.product {
            w.empty("product", &[("name", Some(p))]);
        }
        w.close("source");
    }
}

impl Auth {
    fn parse(n: Node) -> Result<Auth> {
        let kind = match n.attribute("type") {
            None => return Err(unsupported("storage pool missing auth type")),
            Some("chap") => "chap",
            Some("ceph") => "ceph",
            Some(t) => return Err(unsupported(format!("unknown auth type '{t}'"))),
        };
        let username = attr(n, "username").ok_or_else(|| xml_err("missing username for auth"))?;
        let s = child(n, "secret").ok_or_else(|| xml_err("Missing <secret> element in auth"))?;
        Ok(Auth { kind, username, secret_type: attr(s, "type"), secret: SecretRef::parse(s)? })
    }
}

/// Checks a World Wide Name: 16 hexadecimal digits, optionally after `0x`.
fn check_wwn(w: &str) -> Result<()> {
    let digits = w.strip_prefix("0x").or_else(|| w.strip_prefix("0X")).unwrap_or(w);
    if digits.len() == 16 && digits.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(Error::with_detail(VIR_FROM_NONE, VIR_ERR_INTERNAL_ERROR, format!("Malformed wwn: {w}")))
    }
}

impl PciAddr {
    fn parse(n: Node) -> Result<PciAddr> {
        let field = |name: &str| -> Result<u32> {
            let Some(v) = n.attribute(name) else { return Ok(0) };
            parse_u64_auto(v).and_then(|x| u32::try_from(x).ok()).ok_or_else(|| {
                prop_err(format!(
                    "Invalid value for attribute '{name}' in element 'address': '{v}'. Expected non-negative integer value"
                ))
            })
        };
        let a = PciAddr {
            domain: field("domain")?,
            bus: field("bus")?,
            slot: field("slot")?,
            function: field("function")?,
        };
        let range = |detail: String| Error::with_detail(VIR_FROM_NONE, VIR_ERR_XML_ERROR, detail);
        if a.bus > 0xFF {
            return Err(range(format!("Invalid PCI address bus='0x{:x}', must be <= 0xFF", a.bus)));
        }
        if a.slot > 0x1F {
            return Err(range(format!("Invalid PCI address slot='0x{:x}', must be <= 0x1F", a.slot)));
        }
        if a.function > 7 {
            return Err(range(format!("Invalid PCI address function=0x{:x}, must be <= 7", a.function)));
        }
        Ok(a)
    }
}

impl Adapter {
    fn parse(n: Node) -> Result<Option<Adapter>> {
        let kind = prop_enum(n, "type", &[("scsi_host", 1), ("fc_host", 2)])?;
        match kind {
            None => Ok(attr(n, "name").map(|name| Adapter::ScsiHost { name: Some(name), parent_addr: None })),
            Some(1) => {
                let name = attr(n, "name");
                let mut parent_addr = None;
                if let Some(p) = child(n, "parentaddr") {
                    let id = p
                        .attribute("unique_id")
                        .and_then(parse_i64)
                        .filter(|v| (0..=i32::MAX as i64).contains(v))
                        .ok_or_else(|| xml_err("Missing or invalid scsi adapter 'unique_id' value"))?;
                    let a = child(p, "address").ok_or_else(|| xml_err("Missing scsi_host PCI address element"))?;
                    parent_addr = Some((id as u32, PciAddr::parse(a)?));
                }
                match (&name, &parent_addr) {
                    (None, None) => {
                        Err(xml_err("Either 'name' or 'parent' must be specified for the 'scsi_host' adapter"))
                    }
                    (Some(_), Some(_)) => {
                        Err(xml_err("Both 'name' and 'parent' cannot be specified for the 'scsi_host' adapter"))
                    }
                    _ => Ok(Some(Adapter::ScsiHost { name, parent_addr })),
                }
            }
            Some(_) => {
                let managed = prop_yes_no(n, "managed")?;
                let (Some(wwnn), Some(wwpn)) = (attr(n, "wwnn"), attr(n, "wwpn")) else {
                    return Err(xml_err("'wwnn' and 'wwpn' must be specified for adapter type 'fchost'"));
                };
                check_wwn(&wwnn)?;
                check_wwn(&wwpn)?;
                let parent_wwnn = attr(n, "parent_wwnn");
                let parent_wwpn = attr(n, "parent_wwpn");
                match (&parent_wwnn, &parent_wwpn) {
                    (Some(a), None) => {
                        return Err(xml_err(format!(
                            "when providing parent_wwnn='{a}', the parent_wwpn must also be provided"
                        )))
                    }
                    (None, Some(b)) => {
                        return Err(xml_err(format!(
                            "when providing parent_wwpn='{b}', the parent_wwnn must also be provided"
                        )))
                    }
                    (Some(a), Some(b)) => {
                        check_wwn(a)?;
                        check_wwn(b)?;
                    }
                    _ => {}
                }
                let parent_fabric_wwn = attr(n, "parent_fabric_wwn");
                if let Some(f) = &parent_fabric_wwn {
                    check_wwn(f)?;
                }
                Ok(Some(Adapter::FcHost {
                    parent: attr(n, "parent"),
                    parent_wwnn,
                    parent_wwpn,
                    parent_fabric_wwn,
                    managed,
                    wwnn,
                    wwpn,
                }))
            }
        }
    }

    fn format(&self, w: &mut XmlWriter) {
        match self {
            Adapter::ScsiHost { name, parent_addr } => {
                let head = [("type", Some("scsi_host")), ("name", name.as_deref())];
                match parent_addr {
                    None => w.empty("adapter", &head),
                    Some((id, a)) => {
                        w.open("adapter", &head);
                        w.open("parentaddr", &[("unique_id", Some(&id.to_string()))]);
                        w.empty(
                            "address",
                            &[
                                ("domain", Some(&format!("0x{:04x}", a.domain))),
                                ("bus", Some(&format!("0x{:02x}", a.bus))),
                                ("slot", Some(&format!("0x{:02x}", a.slot))),
                                ("function", Some(&format!("0x{:x}", a.function))),
                            ],
                        );
                        w.close("parentaddr");
                        w.close("adapter");
                    }
                }
            }
            Adapter::FcHost { parent, parent_wwnn, parent_wwpn, parent_fabric_wwn, managed, wwnn, wwpn } => {
                let managed = managed.map(|b| if b { "yes" } else { "no" });
                w.empty(
                    "adapter",
                    &[
                        ("type", Some("fc_host")),
                        ("parent", parent.as_deref()),
                        ("parent_wwnn", parent_wwnn.as_deref()),
                        ("parent_wwpn", parent_wwpn.as_deref()),
                        ("parent_fabric_wwn", parent_fabric_wwn.as_deref()),
                        ("managed", managed),
                        ("wwnn", Some(wwnn)),
                        ("wwpn", Some(wwpn)),
                    ],
                );
            }
        }
    }
}
