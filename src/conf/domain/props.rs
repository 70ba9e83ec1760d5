//! Attribute and value helpers shared by the domain parsers, with the
//! error messages libvirt's XML property helpers produce.

use crate::conf::xml::XmlWriter;
use crate::core::error::{Error, Result};
use crate::generated::consts::*;
use roxmltree::Node;

/// `VIR_ERR_XML_ERROR` from the XML helpers (`VIR_FROM_XML`).
pub fn xml_err(msg: impl AsRef<str>) -> Error {
    Error::with_detail(VIR_FROM_XML, VIR_ERR_XML_ERROR, msg)
}

/// `VIR_ERR_XML_ERROR` raised by the domain parser (`VIR_FROM_DOMAIN`).
pub fn dom_err(msg: impl AsRef<str>) -> Error {
    Error::with_detail(VIR_FROM_DOMAIN, VIR_ERR_XML_ERROR, msg)
}

/// `VIR_ERR_CONFIG_UNSUPPORTED` raised by the domain parser.
pub fn unsupported(msg: impl AsRef<str>) -> Error {
    Error::with_detail(VIR_FROM_DOMAIN, VIR_ERR_CONFIG_UNSUPPORTED, msg)
}

/// `VIR_ERR_INTERNAL_ERROR` raised by the domain parser.
pub fn internal(msg: impl AsRef<str>) -> Error {
    Error::with_detail(VIR_FROM_DOMAIN, VIR_ERR_INTERNAL_ERROR, msg)
}

pub fn elem_name<'a>(n: Node<'a, '_>) -> &'a str {
    n.tag_name().name()
}

/// An attribute's value as written.
pub fn attr<'a>(n: Node<'a, '_>, name: &str) -> Option<&'a str> {
    n.attribute(name)
}

pub fn attr_s(n: Node, name: &str) -> Option<String> {
    n.attribute(name).map(str::to_string)
}

pub fn missing_attr(n: Node, name: &str) -> Error {
    xml_err(format!("Missing required attribute '{name}' in element '{}'", elem_name(n)))
}

pub fn bad_value(n: Node, name: &str, v: &str, expected: &str) -> Error {
    xml_err(format!("Invalid value for attribute '{name}' in element '{}': '{v}'.{expected}", elem_name(n)))
}

/// An attribute that must be one of `allowed` (virXMLPropEnum's message).
pub fn enum_attr(n: Node, name: &str, allowed: &[&str]) -> Result<Option<String>> {
    match n.attribute(name) {
        None => Ok(None),
        Some(v) if allowed.contains(&v) => Ok(Some(v.to_string())),
        Some(v) => Err(bad_value(n, name, v, "")),
    }
}

/// A required enumerated attribute.
pub fn enum_attr_req(n: Node, name: &str, allowed: &[&str]) -> Result<String> {
    enum_attr(n, name, allowed)?.ok_or_else(|| missing_attr(n, name))
}

/// Parses an unsigned number as strtoul does with base 10 or, given a
/// `0x` prefix, 16 (libvirt's "parse any base" helpers).
pub fn parse_uint_any(v: &str) -> Option<u64> {
    let t = v.trim();
    if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else if t.len() > 1 && t.starts_with('0') {
        u64::from_str_radix(&t[1..], 8).ok()
    } else {
        t.parse().ok()
    }
}

/// A non-negative integer attribute (virXMLPropUInt, base 10).
pub fn uint_attr(n: Node, name: &str) -> Result<Option<u32>> {
    match n.attribute(name) {
        None => Ok(None),
        Some(v) => {
            v.parse::<u32>().map(Some).map_err(|_| bad_value(n, name, v, " Expected non-negative integer value"))
        }
    }
}

/// A non-negative integer attribute in any base (PCI addresses and such).
pub fn uint_attr_any(n: Node, name: &str) -> Result<Option<u32>> {
    match n.attribute(name) {
        None => Ok(None),
        Some(v) => parse_uint_any(v)
            .and_then(|x| u32::try_from(x).ok())
            .map(Some)
            .ok_or_else(|| bad_value(n, name, v, " Expected non-negative integer value")),
    }
}

/// A signed integer attribute.
pub fn int_attr(n: Node, name: &str) -> Result<Option<i64>> {
    match n.attribute(name) {
        None => Ok(None),
        Some(v) => v.parse::<i64>().map(Some).map_err(|_| bad_value(n, name, v, " Expected integer value")),
    }
}

pub const YES_NO: &[&str] = &["yes", "no"];
pub const ON_OFF: &[&str] = &["on", "off"];

/// Children elements called `name`.
pub fn children<'a, 'i: 'a>(n: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    n.children().filter(move |c| c.is_element() && c.tag_name().name() == name)
}

pub fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children().find(|c| c.is_element() && c.tag_name().name() == name)
}

/// The full text of an element (all text children joined), untrimmed.
pub fn text_of(n: Node) -> String {
    n.children().filter(|c| c.is_text()).filter_map(|c| c.text()).collect()
}

/// The text of the first child element called `name`, if any.
pub fn child_text(n: Node, name: &str) -> Option<String> {
    child(n, name).map(text_of)
}

/// The multiplier of a libvirt size unit (`virScaleInteger`), or the error
/// it raises for an unknown suffix.
pub fn unit_scale(unit: &str) -> Result<u64> {
    let u = unit;
    let (base, rest) = match u.chars().next().map(|c| c.to_ascii_lowercase()) {
        None => return Ok(1),
        Some('b') if u.len() == 1 || u.eq_ignore_ascii_case("bytes") => return Ok(1),
        Some(c) => (c, &u[c.len_utf8()..]),
    };
    let power = match base {
        'k' => 1,
        'm' => 2,
        'g' => 3,
        't' => 4,
        'p' => 5,
        'e' => 6,
        _ => return Err(suffix_err(u)),
    };
    let mult: u64 = match rest {
        "" | "ib" | "iB" => 1024,
        "b" | "B" => 1000,
        _ => return Err(suffix_err(u)),
    };
    Ok(mult.pow(power))
}

fn suffix_err(u: &str) -> Error {
    Error::with_detail(VIR_FROM_NONE, VIR_ERR_INVALID_ARG, format!("unknown suffix '{u}'"))
}

/// A scaled size element (`<memory unit='MiB'>1</memory>`) in KiB, rounded
/// up. `xpath` names the element in libvirt's error message.
pub fn scaled_kib(n: Node, xpath: &str, unit_attr: &str) -> Result<u64> {
    let text = text_of(n);
    let v: u64 = text
        .trim()
        .parse()
        .map_err(|_| xml_err(format!("Invalid value '{}' for element or attribute '{xpath}'", text.trim())))?;
    let scale = match n.attribute(unit_attr) {
        Some(u) => unit_scale(u)?,
        None => 1024,
    };
    let bytes = v.checked_mul(scale).ok_or_else(|| too_large(v))?;
    Ok(bytes.div_ceil(1024))
}

fn too_large(v: u64) -> Error {
    Error::with_detail(VIR_FROM_NONE, VIR_ERR_OVERFLOW, format!("value too large: {v}"))
}

/// A set of attributes libvirt formats in a fixed order, whatever order
/// they were written in: each known attribute with how to check it.
#[derive(Clone, Copy)]
pub enum Kind {
    Str,
    Enum(&'static [&'static str]),
    UInt,
    Int,
}

pub type Spec = &'static [(&'static str, Kind)];

/// Parsed attributes, kept in the spec's order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Attrs(pub Vec<(&'static str, String)>);

impl Attrs {
    pub fn parse(n: Node, spec: Spec) -> Result<Attrs> {
        let mut out = Vec::new();
        for (name, kind) in spec {
            let Some(v) = n.attribute(*name) else { continue };
            let v = match kind {
                Kind::Str => v.to_string(),
                Kind::Enum(allowed) => enum_attr(n, name, allowed)?.unwrap_or_default(),
                Kind::UInt => uint_attr(n, name)?.unwrap_or_default().to_string(),
                Kind::Int => int_attr(n, name)?.unwrap_or_default().to_string(),
            };
            out.push((*name, v));
        }
        Ok(Attrs(out))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sets a value, keeping the spec's order.
    pub fn set(&mut self, spec: Spec, name: &'static str, v: impl Into<String>) {
        let v = v.into();
        if let Some(slot) = self.0.iter_mut().find(|(k, _)| *k == name) {
            slot.1 = v;
            return;
        }
        let rank = |k: &str| spec.iter().position(|(s, _)| *s == k).unwrap_or(usize::MAX);
        let r = rank(name);
        let at = self.0.iter().position(|(k, _)| rank(k) > r).unwrap_or(self.0.len());
        self.0.insert(at, (name, v));
    }

    pub fn remove(&mut self, name: &str) {
        self.0.retain(|(k, _)| *k != name);
    }

    /// The attributes as the writer takes them.
    pub fn list(&self) -> Vec<(&str, Option<&str>)> {
        self.0.iter().map(|(k, v)| (*k, Some(v.as_str()))).collect()
    }
}

/// Writes `<name attrs/>` when there is anything to write.
pub fn write_attrs_elem(w: &mut XmlWriter, name: &str, a: &Attrs) {
    if !a.is_empty() {
        w.empty(name, &a.list());
    }
}

/// A flat element of attributes only, parsed with its spec.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Flat(pub Attrs);

impl Flat {
    pub fn parse_opt(parent: Node, name: &str, spec: Spec) -> Result<Option<Flat>> {
        child(parent, name).map(|c| Attrs::parse(c, spec).map(Flat)).transpose()
    }
}

/// `true` for "yes"-like text of a few boolean attributes.
pub fn yes(v: Option<&str>) -> bool {
    v == Some("yes")
}

/// Parses a libvirt CPU/node set ("0-3,^2,8") into sorted members.
pub fn parse_bitmap(s: &str) -> Result<Vec<u32>> {
    let bad = || Error::with_detail(VIR_FROM_NONE, VIR_ERR_INVALID_ARG, format!("Failed to parse bitmap '{s}'"));
    let mut set = std::collections::BTreeSet::new();
    let mut neg = Vec::new();
    for part in s.split(',') {
        let p = part.trim();
        if let Some(n) = p.strip_prefix('^') {
            neg.push(n.trim().parse::<u32>().map_err(|_| bad())?);
            continue;
        }
        match p.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (a.trim().parse::<u32>().map_err(|_| bad())?, b.trim().parse::<u32>().map_err(|_| bad())?);
                if b < a || b > 65535 {
                    return Err(bad());
                }
                set.extend(a..=b);
            }
            None => {
                let v = p.parse::<u32>().map_err(|_| bad())?;
                if v > 65535 {
                    return Err(bad());
                }
                set.insert(v);
            }
        }
    }
    for n in neg {
        set.remove(&n);
    }
    Ok(set.into_iter().collect())
}

/// Formats members as libvirt does ("0-2,5").
pub fn format_bitmap(v: &[u32]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < v.len() {
        let start = v[i];
        let mut end = start;
        while i + 1 < v.len() && v[i + 1] == end + 1 {
            i += 1;
            end = v[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if end == start {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}-{end}"));
        }
        i += 1;
    }
    out
}

/// Re-spells a set attribute in libvirt's canonical form.
pub fn canon_bitmap(s: &str) -> Result<String> {
    Ok(format_bitmap(&parse_bitmap(s)?))
}
