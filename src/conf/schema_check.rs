//! A small check of a document's top-level shape against what its RelaxNG
//! schema allows (an interleave of optional elements), failing with the
//! messages libvirt relays from libxml2's validator. Used for the moment
//! documents (snapshots, checkpoints), whose schemas are that simple.

use crate::core::error::{Error, Result};
use crate::generated::consts::*;
use roxmltree::Node;

/// What one child element of the root may hold.
pub enum Check {
    /// Text only, accepted by the predicate.
    Text(&'static str, fn(&str) -> bool),
    /// Anything the predicate accepts.
    Nested(&'static str, fn(Node) -> bool),
}

impl Check {
    fn name(&self) -> &'static str {
        match self {
            Check::Text(n, _) | Check::Nested(n, _) => n,
        }
    }

    fn accepts(&self, n: Node) -> bool {
        match self {
            Check::Text(_, f) => !n.children().any(|c| c.is_element()) && f(&text(n)),
            Check::Nested(_, f) => f(n),
        }
    }
}

fn text(n: Node) -> String {
    n.children().filter(|c| c.is_text()).filter_map(|c| c.text()).collect()
}

pub(crate) fn schema_error(schema: &str, detail: String) -> Error {
    Error::with_detail(
        VIR_FROM_XML,
        VIR_ERR_XML_INVALID_SCHEMA,
        format!("Unable to validate doc against /usr/share/libvirt/schemas/{schema}.rng\n{detail}"),
    )
}

/// Checks the root's children against `checks`: each allowed at most once
/// and valid; anything else fails as libvirt reports it.
pub fn validate(root: Node, schema: &str, checks: &[Check]) -> Result<()> {
    let root_name = root.tag_name().name();
    if let Some(a) = root.attributes().next() {
        return Err(schema_error(schema, format!("Invalid attribute {} for element {root_name}\n", a.name())));
    }
    let mut seen: Vec<&str> = Vec::new();
    for c in root.children() {
        if c.is_text() {
            if c.text().is_some_and(|t| !t.trim().is_empty()) {
                return Err(schema_error(schema, format!("Element {root_name} has extra content: text\n")));
            }
            continue;
        }
        if !c.is_element() {
            continue;
        }
        let name = c.tag_name().name();
        let Some(check) = checks.iter().find(|k| k.name() == name) else {
            return Err(schema_error(schema, format!("Element {root_name} has extra content: {name}\n")));
        };
        if seen.contains(&name) || !check.accepts(c) {
            return Err(schema_error(
                schema,
                format!("Extra element {name} in interleave\nElement {root_name} failed to validate content\n"),
            ));
        }
        seen.push(check.name());
    }
    Ok(())
}

/// Any text.
pub fn any_text(_: &str) -> bool {
    true
}

/// xsd:unsignedLong restricted to digits.
pub fn unsigned(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s.parse::<u64>().is_ok()
}

/// `[a-zA-Z0-9_\-][a-zA-Z0-9_\-.]*`.
pub fn moment_name(s: &str) -> bool {
    let ok = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    let mut bytes = s.bytes();
    bytes.next().is_some_and(ok) && bytes.all(|b| ok(b) || b == b'.')
}

/// A disk target name (`[a-zA-Z0-9_]+`) or an absolute path.
pub fn disk_name(s: &str) -> bool {
    let target = !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    target || abs_path(s)
}

/// `(/|[a-zA-Z]:\\).+`.
pub fn abs_path(s: &str) -> bool {
    let b = s.as_bytes();
    (b.len() > 1 && b[0] == b'/') || (b.len() > 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'\\')
}

/// `<parent><name>NAME</name></parent>` with a valid name.
pub fn parent_name(n: Node) -> bool {
    let kids: Vec<_> = n.children().filter(|c| c.is_element()).collect();
    kids.len() == 1
        && kids[0].tag_name().name() == "name"
        && !kids[0].children().any(|c| c.is_element())
        && moment_name(&text(kids[0]))
}

/// An embedded domain definition: the part of domain.rng checked here is
/// its root (a `type` attribute and a `name`).
pub fn embedded_domain(n: Node) -> bool {
    n.attribute("type").is_some() && n.children().any(|c| c.is_element() && c.tag_name().name() == "name")
}
