//! Free-form XML kept as written (`<metadata>` children): a small tree
//! copied from the parsed document and dumped the way libxml2 serialises
//! nodes (double-quoted attributes, indentation only where an element has
//! no text among its children, blank text dropped like NOBLANKS parsing).

use roxmltree::{Node, NodeType};
use std::fmt::Write;

#[derive(Clone, Debug, PartialEq)]
pub enum Raw {
    Element(RawElem),
    Text(String),
    Comment(String),
    Pi(String, Option<String>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct RawElem {
    /// Qualified name as written (`prefix:local`).
    pub name: String,
    /// The namespace URI, if the element has one.
    pub ns: Option<String>,
    /// Namespace declarations to print on this element.
    pub ns_decls: Vec<(Option<String>, String)>,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Raw>,
}

fn qname(prefix: Option<&str>, local: &str) -> String {
    match prefix {
        Some(p) if !p.is_empty() => format!("{p}:{local}"),
        _ => local.to_string(),
    }
}

/// Whether a text node is only blanks (libxml2's notion).
fn is_blank(t: &str) -> bool {
    t.chars().all(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
}

/// libxml2's "ignorable blank" rule, applied as the parser builds the
/// tree: a blank text node is kept when it is its element's only content,
/// follows kept text, or the element's kept content starts with text.
fn keep_blank(kept: &[Raw], is_last: bool) -> bool {
    match kept.first() {
        None => is_last,
        Some(first) => matches!(first, Raw::Text(_)) || matches!(kept.last(), Some(Raw::Text(_))),
    }
}

impl RawElem {
    /// Copies an element subtree. `top` declares every namespace the
    /// subtree needs that is declared outside it, as a node copy does.
    pub fn copy(n: Node, top: bool) -> RawElem {
        let mut ns_decls = Vec::new();
        for ns in n.namespaces() {
            if ns.name() == Some("xml") {
                continue;
            }
            if own_decl(n, ns.name(), ns.uri()) || (top && subtree_uses(n, ns.uri())) {
                ns_decls.push((ns.name().map(str::to_string), ns.uri().to_string()));
            }
        }
        let tag = n.tag_name();
        let prefix = tag.namespace().and_then(|u| n.lookup_prefix(u));
        let attrs = n
            .attributes()
            .map(|a| {
                let p = a.namespace().and_then(|u| n.lookup_prefix(u));
                (qname(p, a.name()), a.value().to_string())
            })
            .collect();
        let mut children = Vec::new();
        for c in n.children() {
            match c.node_type() {
                NodeType::Element => children.push(Raw::Element(RawElem::copy(c, false))),
                NodeType::Text => {
                    let t = c.text().unwrap_or("");
                    if !is_blank(t) || keep_blank(&children, c.next_sibling().is_none()) {
                        children.push(Raw::Text(t.into()));
                    }
                }
                NodeType::Comment => children.push(Raw::Comment(c.text().unwrap_or("").into())),
                NodeType::PI => {
                    if let Some(pi) = c.pi() {
                        children.push(Raw::Pi(pi.target.to_string(), pi.value.map(str::to_string)))
                    }
                }
                _ => {}
            }
        }
        RawElem { name: qname(prefix, tag.name()), ns: tag.namespace().map(str::to_string), ns_decls, attrs, children }
    }

    /// Serialises at nesting `level` (no leading indentation, no newline).
    pub fn dump(&self, level: usize, out: &mut String) {
        out.push('<');
        out.push_str(&self.name);
        for (p, uri) in &self.ns_decls {
            match p {
                Some(p) => {
                    let _ = write!(out, " xmlns:{p}=\"{}\"", escape_attr(uri));
                }
                None => {
                    let _ = write!(out, " xmlns=\"{}\"", escape_attr(uri));
                }
            }
        }
        for (k, v) in &self.attrs {
            let _ = write!(out, " {k}=\"{}\"", escape_attr(v));
        }
        if self.children.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        let format = !self.children.iter().any(|c| matches!(c, Raw::Text(_)));
        if format {
            out.push('\n');
        }
        for c in &self.children {
            if format {
                out.push_str(&"  ".repeat(level + 1));
            }
            match c {
                Raw::Element(e) => e.dump(if format { level + 1 } else { level }, out),
                Raw::Text(t) => out.push_str(&escape_text(t)),
                Raw::Comment(t) => {
                    let _ = write!(out, "<!--{t}-->");
                }
                Raw::Pi(t, v) => match v {
                    Some(v) => {
                        let _ = write!(out, "<?{t} {v}?>");
                    }
                    None => {
                        let _ = write!(out, "<?{t}?>");
                    }
                },
            }
            if format {
                out.push('\n');
            }
        }
        if format {
            out.push_str(&"  ".repeat(level));
        }
        let _ = write!(out, "</{}>", self.name);
    }
}

fn own_decl(n: Node, prefix: Option<&str>, uri: &str) -> bool {
    let parent: Vec<(Option<&str>, &str)> =
        n.parent_element().map(|p| p.namespaces().map(|ns| (ns.name(), ns.uri())).collect()).unwrap_or_default();
    !parent.contains(&(prefix, uri))
}

fn subtree_uses(n: Node, uri: &str) -> bool {
    n.descendants()
        .filter(|d| d.is_element())
        .any(|d| d.tag_name().namespace() == Some(uri) || d.attributes().any(|a| a.namespace() == Some(uri)))
}

fn hex_ref(out: &mut String, c: char) {
    let _ = write!(out, "&#x{:X};", c as u32);
}

/// libxml2's escaping of text content (no output encoding set).
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) >= 0x80 => hex_ref(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

/// libxml2's escaping of attribute values.
pub fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) >= 0x80 => hex_ref(&mut out, c),
            c => out.push(c),
        }
    }
    out
}
