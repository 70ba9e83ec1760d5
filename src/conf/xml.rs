//! The XML plumbing every document shares: a small writer that indents and
//! escapes as libvirt's formatters do (two spaces per level, single-quoted
//! attributes), and parsing with libvirt's errors for malformed input and
//! for the wrong root element.

use crate::core::error::{Error, Result, DOMAIN_UNSET};
use crate::generated::consts::*;
use std::fmt::Write;

/// Escapes text or an attribute value the way libvirt's formatters do.
pub fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains(['<', '>', '&', '\'', '"']) {
        return s.into();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\'' => out.push_str("&apos;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out.into()
}

/// An indenting XML writer. Attributes are given in output order; `None`
/// values are left out, which keeps optional attributes in one call.
#[derive(Default)]
pub struct XmlWriter {
    buf: String,
    depth: usize,
}

pub type Attrs<'a> = &'a [(&'a str, Option<&'a str>)];

impl XmlWriter {
    pub fn new() -> XmlWriter {
        XmlWriter::default()
    }

    /// Starts at a given nesting depth (for fragments embedded in a parent).
    pub fn at_depth(depth: usize) -> XmlWriter {
        XmlWriter { buf: String::new(), depth }
    }

    fn head(&mut self, name: &str, attrs: Attrs) {
        for _ in 0..self.depth {
            self.buf.push_str("  ");
        }
        self.buf.push('<');
        self.buf.push_str(name);
        for (k, v) in attrs {
            if let Some(v) = v {
                let _ = write!(self.buf, " {k}='{}'", escape(v));
            }
        }
    }

    /// `<name attrs>` on its own line; children follow one level deeper.
    pub fn open(&mut self, name: &str, attrs: Attrs) {
        self.head(name, attrs);
        self.buf.push_str(">\n");
        self.depth += 1;
    }

    /// `</name>` closing what [`XmlWriter::open`] started.
    pub fn close(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        for _ in 0..self.depth {
            self.buf.push_str("  ");
        }
        let _ = writeln!(self.buf, "</{name}>");
    }

    /// `<name attrs/>`.
    pub fn empty(&mut self, name: &str, attrs: Attrs) {
        self.head(name, attrs);
        self.buf.push_str("/>\n");
    }

    /// `<name attrs>text</name>`.
    pub fn text(&mut self, name: &str, attrs: Attrs, text: &str) {
        self.head(name, attrs);
        let _ = writeln!(self.buf, ">{}</{name}>", escape(text));
    }

    /// `<name>text</name>` when there is a value, nothing otherwise.
    pub fn opt_text(&mut self, name: &str, text: Option<&str>) {
        if let Some(t) = text {
            self.text(name, &[], t);
        }
    }

    /// Lines formatted elsewhere (each ending in a newline), indented to the
    /// current depth.
    pub fn raw_lines(&mut self, lines: &str) {
        for l in lines.lines() {
            for _ in 0..self.depth {
                self.buf.push_str("  ");
            }
            self.buf.push_str(l);
            self.buf.push('\n');
        }
    }

    pub fn depth(&self) -> usize {
        self.depth
    }

    pub fn finish(self) -> String {
        self.buf
    }
}

/// Parses a document; a malformed one fails as libvirt reports libxml2's
/// errors: `VIR_ERR_XML_DETAIL` in the calling API's error domain, with
/// "(`doc_name`):LINE: message", the offending line and a caret under it.
pub fn parse<'a>(xml: &'a str, doc_name: &str) -> Result<roxmltree::Document<'a>> {
    let opts = roxmltree::ParsingOptions { allow_dtd: false, ..Default::default() };
    roxmltree::Document::parse_with_options(xml, opts).map_err(|e| {
        let pos = e.pos();
        let (row, col) = (pos.row as usize, pos.col as usize);
        let line = xml.lines().nth(row.saturating_sub(1));
        let (msg, line, caret) = match line {
            None if xml.trim().is_empty() => ("Document is empty".to_string(), "(null)".to_string(), 0),
            _ => (libxml2_message(&e), line.unwrap_or("").to_string(), col.saturating_sub(1)),
        };
        let detail = format!("({doc_name}):{}: {msg}\n{line}\n{}^", row.max(1), "-".repeat(caret));
        Error::with_detail(DOMAIN_UNSET, VIR_ERR_XML_DETAIL, detail)
    })
}

/// libxml2's wording for the common kinds of malformed input.
fn libxml2_message(e: &roxmltree::Error) -> String {
    use roxmltree::Error as E;
    match e {
        E::UnexpectedCloseTag(open, close, _) => format!("Opening and ending tag mismatch: {open} and {close}"),
        E::UnknownEntityReference(name, _) => format!("Entity '{name}' not defined"),
        E::UnexpectedEntityCloseTag(_) | E::UnexpectedEndOfStream => "Premature end of data".to_string(),
        E::UnknownNamespace(p, _) => format!("Namespace prefix {p} is not defined"),
        E::DtdDetected => "DTDs are not accepted".to_string(),
        E::DuplicatedAttribute(a, _) => format!("Attribute {a} redefined"),
        E::EntityReferenceLoop(_) => "Detected an entity reference loop".to_string(),
        other => other.to_string(),
    }
}

/// Parses a document and checks its root element's name, failing as
/// libvirt does: "XML error: expecting root element of 'domain', not 'foo'".
pub fn parse_root<'a>(xml: &'a str, doc_name: &str, root: &str) -> Result<roxmltree::Document<'a>> {
    let doc = parse(xml, doc_name)?;
    let got = doc.root_element().tag_name().name();
    if got != root {
        return Err(Error::with_detail(
            VIR_FROM_XML,
            VIR_ERR_XML_ERROR,
            format!("expecting root element of '{root}', not '{got}'"),
        ));
    }
    Ok(doc)
}

/// The first child element called `name`.
pub fn child<'a, 'i>(n: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    n.children().find(|c| c.is_element() && c.tag_name().name() == name)
}

/// The trimmed text of the first child element called `name`.
pub fn child_text<'a>(n: roxmltree::Node<'a, '_>, name: &str) -> Option<&'a str> {
    child(n, name).and_then(|c| c.text()).map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_nested_elements_with_libvirt_indentation() {
        let mut w = XmlWriter::new();
        w.open("domain", &[("type", Some("test")), ("id", None)]);
        w.text("name", &[], "a<b>&'\"");
        w.empty("boot", &[("dev", Some("hd"))]);
        w.close("domain");
        assert_eq!(
            w.finish(),
            "<domain type='test'>\n  <name>a&lt;b&gt;&amp;&apos;&quot;</name>\n  <boot dev='hd'/>\n</domain>\n"
        );
    }

    #[test]
    fn reports_wrong_root_and_empty_documents() {
        let e = parse_root("<foo/>", "domain_definition", "domain").unwrap_err();
        assert_eq!((e.code, e.domain), (VIR_ERR_XML_ERROR, VIR_FROM_XML));
        assert_eq!(e.message, "XML error: expecting root element of 'domain', not 'foo'");
        let e = parse("", "domain_definition").unwrap_err();
        assert_eq!(e.message, "(domain_definition):1: Document is empty\n(null)\n^");
    }
}
