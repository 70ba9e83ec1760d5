//! What snapshot and checkpoint documents share ("moments" of a domain):
//! a name, a description, the parent's name, a creation time and the
//! domain definition captured with it.

use crate::conf::domain::{DomainDef, FormatOpts};
use crate::conf::storage_common::{parse_i64, xpath_string};
use crate::conf::xml::{child, XmlWriter};
use crate::core::error::Result;
use roxmltree::Node;

/// The common part of a snapshot or checkpoint definition.
#[derive(Clone, Debug, Default)]
pub struct Moment {
    pub name: String,
    pub description: Option<String>,
    /// The parent moment's name, as recorded in the definition.
    pub parent: Option<String>,
    /// Seconds since the epoch; 0 means unknown (not written).
    pub creation_time: i64,
    /// The domain definition at the time of the moment.
    pub dom: Option<Box<DomainDef>>,
    /// The persistent definition of a running domain (snapshots only).
    pub inactive_dom: Option<Box<DomainDef>>,
}

/// Seconds since the epoch, now.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

impl Moment {
    /// Reads the name and description; a new moment without a name is
    /// named after its creation time.
    pub fn parse_head(root: Node) -> (Option<String>, Option<String>) {
        (xpath_string(root, "name"), xpath_string(root, "description"))
    }

    /// A new moment (not a redefinition): created now, named after the
    /// time unless named.
    pub fn fresh(name: Option<String>, description: Option<String>) -> Moment {
        let t = now();
        Moment { name: name.unwrap_or_else(|| t.to_string()), description, creation_time: t, ..Default::default() }
    }

    /// `<creationTime>` of a redefinition, `None` when missing or malformed.
    pub fn creation_time(root: Node) -> Option<i64> {
        xpath_string(root, "creationTime").and_then(|t| parse_i64(&t))
    }

    /// `<parent><name>` of a redefinition.
    pub fn parent_name(root: Node) -> Option<String> {
        child(root, "parent").and_then(|p| xpath_string(p, "name"))
    }

    /// Writes name, description (when `always_desc` or set), parent and
    /// creation time; `between` runs after the description (the snapshot's
    /// state goes there).
    pub fn format_head(&self, w: &mut XmlWriter, between: impl FnOnce(&mut XmlWriter)) {
        w.text("name", &[], &self.name);
        w.opt_text("description", self.description.as_deref());
        between(w);
        if let Some(p) = &self.parent {
            w.open("parent", &[]);
            w.text("name", &[], p);
            w.close("parent");
        }
        if self.creation_time != 0 {
            w.text("creationTime", &[], &self.creation_time.to_string());
        }
    }
}

/// Parses an embedded domain definition (`<domain>` or, renamed,
/// `<inactiveDomain>`) from the document text it sits in.
pub fn parse_embedded_domain(text: &str, node: Node) -> Result<DomainDef> {
    let src = &text[node.range()];
    let tag = node.tag_name().name();
    if tag == "domain" {
        return DomainDef::parse(src);
    }
    // Give the element the name a domain definition has.
    let mut s = String::with_capacity(src.len());
    s.push_str("<domain");
    s.push_str(&src[1 + tag.len()..]);
    let close = format!("</{tag}>");
    if s.ends_with(&close) {
        s.truncate(s.len() - close.len());
        s.push_str("</domain>");
    }
    DomainDef::parse(&s)
}

/// Writes an embedded domain definition under `root_name`, at the
/// writer's depth.
pub fn format_embedded_domain(w: &mut XmlWriter, def: &DomainDef, root_name: &str, secure: bool) {
    let text = def.format(FormatOpts { id: None, secure });
    if root_name == "domain" {
        w.raw_lines(&text);
        return;
    }
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if let Some(first) = lines.first_mut() {
        *first = first.replacen("<domain", &format!("<{root_name}"), 1);
    }
    if let Some(last) = lines.last_mut() {
        *last = last.replacen("</domain>", &format!("</{root_name}>"), 1);
    }
    w.raw_lines(&lines.join("\n"));
}
