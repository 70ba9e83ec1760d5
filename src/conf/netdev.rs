//! Pieces of network device configuration shared by several documents
//! (networks, their port groups, and later domain interfaces): MAC
//! addresses, IP addresses, bandwidth limits, VLAN tags and virtual ports.

use super::xml::{child, XmlWriter};
use crate::core::error::{Error, Result};
use crate::generated::consts::*;
use roxmltree::Node;
use std::net::IpAddr;

/// An attribute's value, if present.
pub fn attr<'a>(n: Node<'a, '_>, name: &str) -> Option<&'a str> {
    n.attribute(name)
}

/// libvirt's "XML error: ..." in error domain `from`.
pub fn xml_error(from: i32, msg: impl AsRef<str>) -> Error {
    Error::with_detail(from, VIR_ERR_XML_ERROR, msg)
}

/// libvirt's "unsupported configuration: ..." in error domain `from`.
pub fn unsupported(from: i32, msg: impl AsRef<str>) -> Error {
    Error::with_detail(from, VIR_ERR_CONFIG_UNSUPPORTED, msg)
}

/// What libvirt reports when a call failed without saying why.
pub fn unknown_cause() -> Error {
    let mut e = Error::new(VIR_FROM_NONE, VIR_ERR_INTERNAL_ERROR, None);
    e.message = "An error occurred, but the cause is unknown".to_string();
    e.str1 = None;
    e
}

/// The generic attribute errors of libvirt's XML property helpers.
pub fn invalid_attr(attr: &str, elem: &str, value: &str) -> Error {
    xml_error(VIR_FROM_XML, format!("Invalid value for attribute '{attr}' in element '{elem}': '{value}'."))
}

pub fn nonneg_attr(attr: &str, elem: &str, value: &str) -> Error {
    xml_error(
        VIR_FROM_XML,
        format!(
            "Invalid value for attribute '{attr}' in element '{elem}': '{value}'. Expected non-negative integer value"
        ),
    )
}

pub fn missing_attr(attr: &str, elem: &str) -> Error {
    xml_error(VIR_FROM_XML, format!("Missing required attribute '{attr}' in element '{elem}'"))
}

/// A yes/no attribute (libvirt's tristate): absent is `None`.
pub fn yes_no(n: Node, name: &str) -> Result<Option<bool>> {
    match attr(n, name) {
        None => Ok(None),
        Some("yes") => Ok(Some(true)),
        Some("no") => Ok(Some(false)),
        Some(v) => Err(invalid_attr(name, n.tag_name().name(), v)),
    }
}

pub fn yes_no_str(v: bool) -> &'static str {
    if v {
        "yes"
    } else {
        "no"
    }
}

/// A MAC address in libvirt's accepted spelling: six groups of one or two
/// hex digits separated by ':' (or '-'); formatted lowercase, zero-padded.
pub fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let sep = if s.contains('-') && !s.contains(':') { '-' } else { ':' };
    let parts: Vec<&str> = s.split(sep).collect();
    if parts.len() != 6 {
        return None;
    }
    let mut mac = [0u8; 6];
    for (m, p) in mac.iter_mut().zip(parts) {
        if p.is_empty() || p.len() > 2 || !p.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        *m = u8::from_str_radix(p, 16).ok()?;
    }
    Some(mac)
}

pub fn format_mac(mac: &[u8; 6]) -> String {
    mac.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}

/// An IP address as libvirt's socket-address helpers accept it.
pub fn parse_ip(s: &str) -> Option<IpAddr> {
    s.trim().parse().ok()
}

/// The prefix length a netmask encodes, if it is contiguous.
pub fn netmask_prefix(mask: &IpAddr) -> Option<u32> {
    let bits: u128 = match mask {
        IpAddr::V4(a) => (u32::from(*a) as u128) << 96,
        IpAddr::V6(a) => u128::from(*a),
    };
    let ones = bits.leading_ones();
    (bits.checked_shl(ones).unwrap_or(0) == 0).then_some(ones)
}

/// Whether `a` and `b` share the first `prefix` bits.
pub fn same_network(a: &IpAddr, b: &IpAddr, prefix: u32) -> bool {
    let (x, y, width) = match (a, b) {
        (IpAddr::V4(x), IpAddr::V4(y)) => (u32::from(*x) as u128, u32::from(*y) as u128, 32),
        (IpAddr::V6(x), IpAddr::V6(y)) => (u128::from(*x), u128::from(*y), 128),
        _ => return false,
    };
    let shift = width - prefix.min(width);
    if shift >= 128 {
        return true;
    }
    (x >> shift) == (y >> shift)
}

/// One direction of a bandwidth limit.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rate {
    pub average: Option<u64>,
    pub peak: Option<u64>,
    pub floor: Option<u64>,
    pub burst: Option<u64>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Bandwidth {
    pub inbound: Option<Rate>,
    pub outbound: Option<Rate>,
}

fn parse_rate(n: Node, allow_floor: bool) -> Result<Rate> {
    let num = |name: &str| -> Result<Option<u64>> {
        match attr(n, name) {
            None => Ok(None),
            Some(v) => v
                .parse::<u64>()
                .map(Some)
                .map_err(|_| unsupported(VIR_FROM_NONE, format!("could not convert bandwidth {name} value '{v}'"))),
        }
    };
    let r = Rate { average: num("average")?, peak: num("peak")?, floor: num("floor")?, burst: num("burst")? };
    if r.floor.is_some() && n.tag_name().name() == "outbound" {
        return Err(unsupported(VIR_FROM_NONE, "'floor' attribute allowed only in <inbound> element"));
    }
    if r.floor.is_some() && !allow_floor {
        return Err(unsupported(VIR_FROM_NONE, "floor attribute is not supported for this config"));
    }
    if r.average.is_none() && r.floor.is_none() {
        return Err(Error::with_detail(
            VIR_FROM_NONE,
            VIR_ERR_XML_DETAIL,
            "Missing mandatory average or floor attributes",
        ));
    }
    Ok(r)
}

impl Bandwidth {
    pub fn parse(n: Node, allow_floor: bool) -> Result<Option<Bandwidth>> {
        let inbound = child(n, "inbound").map(|c| parse_rate(c, allow_floor)).transpose()?;
        let outbound = child(n, "outbound").map(|c| parse_rate(c, false)).transpose()?;
        if inbound.is_none() && outbound.is_none() {
            return Ok(None);
        }
        Ok(Some(Bandwidth { inbound, outbound }))
    }

    pub fn format(&self, w: &mut XmlWriter) {
        w.open("bandwidth", &[]);
        for (name, r) in [("inbound", &self.inbound), ("outbound", &self.outbound)] {
            if let Some(r) = r {
                let s = |v: Option<u64>| v.map(|v| v.to_string());
                let (a, p, f, b) = (s(r.average), s(r.peak), s(r.floor), s(r.burst));
                w.empty(
                    name,
                    &[
                        ("average", a.as_deref()),
                        ("peak", p.as_deref()),
                        ("floor", f.as_deref()),
                        ("burst", b.as_deref()),
                    ],
                );
            }
        }
        w.close("bandwidth");
    }
}

/// VLAN tags (`<vlan trunk=...><tag id= nativeMode=/></vlan>`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Vlan {
    pub trunk: bool,
    pub tags: Vec<(u32, Option<String>)>,
}

impl Vlan {
    pub fn parse(n: Node) -> Result<Option<Vlan>> {
        let mut tags = Vec::new();
        for t in n.children().filter(|c| c.has_tag_name("tag")) {
            let id = attr(t, "id").ok_or_else(|| missing_attr("id", "tag"))?;
            let id: u32 = id.parse().map_err(|_| invalid_attr("id", "tag", id))?;
            if id > 4095 {
                return Err(xml_error(VIR_FROM_NONE, format!("vlan tag id {id} too large (maximum 4095)")));
            }
            let native = match attr(t, "nativeMode") {
                None => None,
                Some(m) if m == "tagged" || m == "untagged" => Some(m.to_string()),
                Some(m) => return Err(invalid_attr("nativeMode", "tag", m)),
            };
            tags.push((id, native));
        }
        if tags.is_empty() {
            return Err(xml_error(
                VIR_FROM_NONE,
                "Missing tag id - each <vlan> must have at least one <tag id='n'/> subelement",
            ));
        }
        let trunk = match attr(n, "trunk") {
            Some("yes") => true,
            Some("no") if tags.len() > 1 => {
                return Err(xml_error(
                    VIR_FROM_NONE,
                    "invalid \"trunk='no'\" in <vlan> - trunk='yes' is required for more than one vlan tag",
                ))
            }
            Some("no") => false,
            None => tags.len() > 1,
            Some(v) => return Err(invalid_attr("trunk", "vlan", v)),
        };
        Ok(Some(Vlan { trunk, tags }))
    }

    pub fn format(&self, w: &mut XmlWriter) {
        w.open("vlan", &[("trunk", self.trunk.then_some("yes"))]);
        for (id, native) in &self.tags {
            let id = id.to_string();
            w.empty("tag", &[("id", Some(&id)), ("nativeMode", native.as_deref())]);
        }
        w.close("vlan");
    }
}

/// A virtual port profile; parameters are kept in libvirt's output order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VirtualPort {
    pub kind: Option<String>,
    pub params: Vec<(&'static str, String)>,
}

const VIRTUALPORT_PARAMS: [&str; 6] =
    ["managerid", "typeid", "typeidversion", "instanceid", "profileid", "interfaceid"];

impl VirtualPort {
    pub fn parse(n: Node) -> Result<VirtualPort> {
        let kind = attr(n, "type").map(str::to_string);
        if kind.is_none() {
            return Err(xml_error(VIR_FROM_NONE, "missing required virtualport type"));
        }
        if let Some(k) = &kind {
            if !["802.1Qbg", "802.1Qbh", "openvswitch", "midonet", "none"].contains(&k.as_str()) {
                return Err(unsupported(VIR_FROM_NONE, format!("unknown virtualport type {k}")));
            }
        }
        let mut params = Vec::new();
        if let Some(p) = child(n, "parameters") {
            for name in VIRTUALPORT_PARAMS {
                if let Some(v) = attr(p, name) {
                    params.push((name, v.to_string()));
                }
            }
        }
        Ok(VirtualPort { kind, params })
    }

    pub fn format(&self, w: &mut XmlWriter) {
        let head = [("type", self.kind.as_deref())];
        if self.params.is_empty() {
            w.empty("virtualport", &head);
            return;
        }
        w.open("virtualport", &head);
        let attrs: Vec<(&str, Option<&str>)> = self.params.iter().map(|(k, v)| (*k, Some(v.as_str()))).collect();
        w.empty("parameters", &attrs);
        w.close("virtualport");
    }
}

/// Re-serialises an element the way libxml2 dumps a node kept verbatim
/// (metadata): double-quoted attributes, namespace declarations where the
/// source had them, element-only children on their own indented lines.
/// Lines are relative to the element's own depth.
pub fn dump_element(n: Node) -> String {
    let mut out = String::new();
    dump_into(n, 0, &mut out);
    out
}

fn dump_into(n: Node, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    let name = qualified_name(n);
    let mut head = format!("{pad}<{name}");
    let parent_ns: Vec<_> = n.parent_element().map(|p| p.namespaces().collect()).unwrap_or_default();
    for ns in n.namespaces() {
        if parent_ns.iter().any(|p| p.name() == ns.name() && p.uri() == ns.uri()) || ns.name() == Some("xml") {
            continue;
        }
        match ns.name() {
            Some(p) => head.push_str(&format!(" xmlns:{p}=\"{}\"", escape_dq(ns.uri()))),
            None => head.push_str(&format!(" xmlns=\"{}\"", escape_dq(ns.uri()))),
        }
    }
    for a in n.attributes() {
        let prefix = a.namespace().and_then(|u| n.lookup_prefix(u)).map(|p| format!("{p}:")).unwrap_or_default();
        head.push_str(&format!(" {prefix}{}=\"{}\"", a.name(), escape_dq(a.value())));
    }
    let kids: Vec<Node> = n.children().filter(|c| c.is_element() || c.is_text()).collect();
    let only_elements = kids.iter().all(|c| c.is_element() || c.text().is_some_and(|t| t.trim().is_empty()));
    if kids.is_empty() {
        out.push_str(&format!("{head}/>\n"));
    } else if only_elements {
        out.push_str(&format!("{head}>\n"));
        for c in kids.iter().filter(|c| c.is_element()) {
            dump_into(*c, depth + 1, out);
        }
        out.push_str(&format!("{pad}</{name}>\n"));
    } else {
        let mut body = String::new();
        for c in n.children() {
            if c.is_text() {
                body.push_str(&escape_text(c.text().unwrap_or("")));
            } else if c.is_element() {
                let mut inner = String::new();
                dump_into(c, 0, &mut inner);
                body.push_str(inner.trim_end_matches('\n'));
            }
        }
        out.push_str(&format!("{head}>{body}</{name}>\n"));
    }
}

fn qualified_name(n: Node) -> String {
    match n.tag_name().namespace().and_then(|u| n.lookup_prefix(u)) {
        Some(p) if !p.is_empty() => format!("{p}:{}", n.tag_name().name()),
        _ => n.tag_name().name().to_string(),
    }
}

fn escape_dq(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('"', "&quot;")
}

fn escape_text(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
