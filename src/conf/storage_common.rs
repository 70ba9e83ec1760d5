//! Pieces the storage pool and volume documents share: libvirt's reading
//! of numbers, scaled sizes, permissions and paths, and its wording for
//! malformed attributes.

use crate::conf::xml::XmlWriter;
use crate::core::error::{Error, Result};
use crate::generated::consts::*;
use roxmltree::Node;

/// `VIR_ERR_XML_ERROR` in the storage error domain.
pub fn xml_err(detail: impl AsRef<str>) -> Error {
    Error::with_detail(VIR_FROM_STORAGE, VIR_ERR_XML_ERROR, detail)
}

/// `VIR_ERR_CONFIG_UNSUPPORTED` in the storage error domain.
pub fn unsupported(detail: impl AsRef<str>) -> Error {
    Error::with_detail(VIR_FROM_STORAGE, VIR_ERR_CONFIG_UNSUPPORTED, detail)
}

/// An attribute error as the generic XML property readers report it.
pub fn prop_err(detail: impl AsRef<str>) -> Error {
    Error::with_detail(VIR_FROM_XML, VIR_ERR_XML_ERROR, detail)
}

fn invalid_prop(n: Node, attr: &str, value: &str, expect: &str) -> Error {
    prop_err(format!("Invalid value for attribute '{attr}' in element '{}': '{value}'.{expect}", n.tag_name().name()))
}

/// The string value of the first child element `name` (all its text, as
/// XPath's `string()`), or `None` when absent or empty.
pub fn xpath_string(n: Node, name: &str) -> Option<String> {
    child(n, name).and_then(node_string)
}

/// The concatenated text of a node, `None` when empty.
pub fn node_string(n: Node) -> Option<String> {
    let s: String = n.descendants().filter(|d| d.is_text()).filter_map(|d| d.text()).collect();
    (!s.is_empty()).then_some(s)
}

pub use crate::conf::xml::child;

/// Child elements called `name`, in document order.
pub fn children<'a, 'i: 'a>(n: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    n.children().filter(move |c| c.is_element() && c.tag_name().name() == name)
}

/// An attribute's value, `None` when absent or empty (as libvirt reads
/// most optional attributes).
pub fn attr(n: Node, name: &str) -> Option<String> {
    n.attribute(name).filter(|v| !v.is_empty()).map(str::to_string)
}

/// An enumerated attribute: `None` when absent, libvirt's error for an
/// unknown (or empty) value.
pub fn prop_enum<T: Copy>(n: Node, name: &str, values: &[(&str, T)]) -> Result<Option<T>> {
    match n.attribute(name) {
        None => Ok(None),
        Some(v) => {
            values.iter().find(|(k, _)| *k == v).map(|(_, t)| Some(*t)).ok_or_else(|| invalid_prop(n, name, v, ""))
        }
    }
}

/// A required enumerated attribute.
pub fn prop_enum_required<T: Copy>(n: Node, name: &str, values: &[(&str, T)]) -> Result<T> {
    prop_enum(n, name, values)?
        .ok_or_else(|| prop_err(format!("Missing required attribute '{name}' in element '{}'", n.tag_name().name())))
}

/// A yes/no attribute.
pub fn prop_yes_no(n: Node, name: &str) -> Result<Option<bool>> {
    prop_enum(n, name, &[("yes", true), ("no", false)])
}

/// A signed integer attribute (base 10).
pub fn prop_int(n: Node, name: &str) -> Result<Option<i32>> {
    match n.attribute(name) {
        None => Ok(None),
        Some(v) => parse_i64(v)
            .and_then(|x| i32::try_from(x).ok())
            .map(Some)
            .ok_or_else(|| invalid_prop(n, name, v, " Expected integer value")),
    }
}

/// A required non-negative integer attribute (base 10).
pub fn prop_uint_required(n: Node, name: &str) -> Result<u32> {
    match n.attribute(name) {
        None => Err(prop_err(format!("Missing required attribute '{name}' in element '{}'", n.tag_name().name()))),
        Some(v) => parse_u64(v)
            .and_then(|x| u32::try_from(x).ok())
            .ok_or_else(|| invalid_prop(n, name, v, " Expected non-negative integer value")),
    }
}

fn split_number(s: &str) -> (bool, &str) {
    let s = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    }
}

fn digits(s: &str, radix: u32) -> Option<u64> {
    if s.is_empty() || !s.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(s, radix).ok()
}

/// An unsigned number as `strtoull` in base 10 reads it, refusing a sign
/// and anything after the digits (libvirt's `virStrToLong_ullp`).
pub fn parse_u64(s: &str) -> Option<u64> {
    match split_number(s) {
        (true, _) => None,
        (false, d) => digits(d, 10),
    }
}

/// A signed number in base 10.
pub fn parse_i64(s: &str) -> Option<i64> {
    let (neg, d) = split_number(s);
    let v = digits(d, 10)?;
    if neg {
        0i64.checked_sub_unsigned(v)
    } else {
        i64::try_from(v).ok()
    }
}

/// A number in C's base-0 notation (`0x` hexadecimal, leading `0` octal).
pub fn parse_u64_auto(s: &str) -> Option<u64> {
    let (neg, d) = split_number(s);
    if neg {
        return None;
    }
    if let Some(h) = d.strip_prefix("0x").or_else(|| d.strip_prefix("0X")) {
        digits(h, 16)
    } else if d.len() > 1 && d.starts_with('0') {
        digits(&d[1..], 8)
    } else {
        digits(d, 10)
    }
}

/// Multiplies a size by its unit as libvirt does ("KiB", "k", "MB",
/// "bytes", ...), failing past `limit`.
pub fn scale(value: u64, unit: Option<&str>, limit: u64) -> Result<u64> {
    let unit = unit.unwrap_or("");
    let factor: u64 = if unit.is_empty() || ["b", "byte", "bytes"].iter().any(|b| b.eq_ignore_ascii_case(unit)) {
        1
    } else {
        let rest = &unit[unit.char_indices().nth(1).map(|(i, _)| i).unwrap_or(unit.len())..];
        let base: u64 = if rest.is_empty() || rest.eq_ignore_ascii_case("iB") {
            1024
        } else if rest.eq_ignore_ascii_case("b") {
            1000
        } else {
            return Err(unknown_suffix(unit));
        };
        let power = match unit.chars().next().map(|c| c.to_ascii_lowercase()) {
            Some('k') => 1,
            Some('m') => 2,
            Some('g') => 3,
            Some('t') => 4,
            Some('p') => 5,
            Some('e') => 6,
            _ => return Err(unknown_suffix(unit)),
        };
        base.pow(power)
    };
    if value != 0 && value > limit / factor {
        return Err(Error::with_detail(VIR_FROM_NONE, VIR_ERR_OVERFLOW, format!("value too large: {value}{unit}")));
    }
    Ok(value * factor)
}

fn unknown_suffix(unit: &str) -> Error {
    Error::with_detail(VIR_FROM_NONE, VIR_ERR_INVALID_ARG, format!("unknown suffix '{unit}'"))
}

/// A scaled element as the generic reader does (`clusterSize`): the
/// error names the element's path.
pub fn scaled_element(n: Node, name: &str, path: &str) -> Result<Option<u64>> {
    let Some(e) = child(n, name) else { return Ok(None) };
    let text = node_string(e).unwrap_or_default();
    let v = parse_u64(&text)
        .ok_or_else(|| prop_err(format!("Invalid value '{text}' for element or attribute '{path}'")))?;
    scale(v, e.attribute("unit"), u64::MAX).map(Some)
}

/// Collapses repeated slashes and drops a trailing one, keeping a leading
/// `//` (which POSIX lets mean something else than `/`).
pub fn sanitize_path(p: &str) -> String {
    let (prefix, rest) = if p.starts_with("//") && !p.starts_with("///") { ("/", &p[1..]) } else { ("", p) };
    let mut body = String::with_capacity(rest.len());
    for c in rest.chars() {
        if !(c == '/' && body.ends_with('/')) {
            body.push(c);
        }
    }
    if body.len() > 1 && body.ends_with('/') {
        body.pop();
    }
    format!("{prefix}{body}")
}

/// Ownership and mode of a pool's target or a volume (`<permissions>`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Perms {
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub label: Option<String>,
}

fn parse_id(text: &str, what: &str) -> Result<Option<u32>> {
    if text == "-1" {
        return Ok(None);
    }
    match parse_u64(text).and_then(|v| u32::try_from(v).ok()) {
        Some(u32::MAX) => Ok(None),
        Some(v) => Ok(Some(v)),
        None => Err(xml_err(format!("malformed {what} element"))),
    }
}

impl Perms {
    /// Reads the `permissions` child of `parent`, if any.
    pub fn parse(parent: Option<Node>) -> Result<Perms> {
        let Some(n) = parent.and_then(|p| child(p, "permissions")) else { return Ok(Perms::default()) };
        let mut p = Perms::default();
        if let Some(m) = xpath_string(n, "mode") {
            let (neg, d) = split_number(&m);
            p.mode = match digits(d, 8) {
                Some(v) if !neg && v <= 0o777 => Some(v as u32),
                _ => return Err(xml_err("malformed octal mode")),
            };
        }
        if let Some(o) = xpath_string(n, "owner") {
            p.uid = parse_id(&o, "owner")?;
        }
        if let Some(g) = xpath_string(n, "group") {
            p.gid = parse_id(&g, "group")?;
        }
        p.label = xpath_string(n, "label");
        Ok(p)
    }

    pub fn is_set(&self) -> bool {
        self.mode.is_some() || self.uid.is_some() || self.gid.is_some() || self.label.is_some()
    }

    pub fn format(&self, w: &mut XmlWriter) {
        if !self.is_set() {
            return;
        }
        w.open("permissions", &[]);
        if let Some(m) = self.mode {
            w.text("mode", &[], &format!("0{m:o}"));
        }
        if let Some(u) = self.uid {
            w.text("owner", &[], &(u as i32).to_string());
        }
        if let Some(g) = self.gid {
            w.text("group", &[], &(g as i32).to_string());
        }
        w.opt_text("label", self.label.as_deref());
        w.close("permissions");
    }
}

/// Writes `<name unit='bytes'>value</name>`.
pub fn bytes_element(w: &mut XmlWriter, name: &str, value: u64) {
    w.text(name, &[("unit", Some("bytes"))], &value.to_string());
}

/// A secret reference (`<secret uuid=.../>` or `<secret usage=.../>`) as
/// pools' auth and volumes' encryption carry it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretRef {
    Uuid(String),
    Usage(String),
}

impl SecretRef {
    pub fn parse(n: Node) -> Result<SecretRef> {
        let none_err = |d: String| Error::with_detail(VIR_FROM_NONE, VIR_ERR_XML_ERROR, d);
        match (attr(n, "uuid"), attr(n, "usage")) {
            (Some(_), Some(_)) => Err(none_err("either secret uuid or usage expected".into())),
            (Some(u), None) => match crate::core::uuid::parse(&u) {
                Some(raw) => Ok(SecretRef::Uuid(crate::core::uuid::format(&raw))),
                None => Err(none_err(format!("invalid secret uuid '{u}'"))),
            },
            (None, Some(u)) => Ok(SecretRef::Usage(u)),
            (None, None) => Err(none_err("missing secret uuid or usage attribute".into())),
        }
    }

    pub fn attr(&self) -> (&'static str, Option<&str>) {
        match self {
            SecretRef::Uuid(u) => ("uuid", Some(u.as_str())),
            SecretRef::Usage(u) => ("usage", Some(u.as_str())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizes_paths_like_libvirt() {
        for (i, o) in [
            ("/", "/"),
            ("//", "//"),
            ("//a///b//", "//a/b"),
            ("///a", "/a"),
            ("/a/", "/a"),
            ("a//b/", "a/b"),
            ("/var/lib/vrs//dir/", "/var/lib/vrs/dir"),
            ("", ""),
        ] {
            assert_eq!(sanitize_path(i), o, "{i}");
        }
    }

    #[test]
    fn scales_units() {
        assert_eq!(scale(3, Some("KiB"), u64::MAX).unwrap(), 3072);
        assert_eq!(scale(2, Some("kB"), u64::MAX).unwrap(), 2000);
        assert_eq!(scale(5, Some("bytes"), u64::MAX).unwrap(), 5);
        assert_eq!(scale(5, Some("k"), u64::MAX).unwrap(), 5120);
        assert_eq!(scale(5, Some("Q"), u64::MAX).unwrap_err().message, "invalid argument: unknown suffix 'Q'");
        let e = scale(20, Some("E"), i64::MAX as u64).unwrap_err();
        assert_eq!(e.message, "numerical overflow: value too large: 20E");
    }

    #[test]
    fn reads_numbers_like_strtoull() {
        assert_eq!(parse_u64("+5"), Some(5));
        assert_eq!(parse_u64("\n5"), Some(5));
        assert_eq!(parse_u64("010"), Some(10));
        assert_eq!(parse_u64("5 "), None);
        assert_eq!(parse_u64("-1"), None);
        assert_eq!(parse_u64("0x10"), None);
        assert_eq!(parse_u64_auto("0x1f"), Some(31));
        assert_eq!(parse_i64("-5"), Some(-5));
    }
}
