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
    if let Some(at) = excessive_depth(xml) {
        let msg = format!("Excessive depth in document: {MAX_DEPTH} use XML_PARSE_HUGE option");
        return Err(Error::with_detail(DOMAIN_UNSET, VIR_ERR_XML_DETAIL, report(xml, doc_name, &msg, at)));
    }
    let opts = roxmltree::ParsingOptions { allow_dtd: false, ..Default::default() };
    roxmltree::Document::parse_with_options(xml, opts).map_err(|e| {
        let (msg, at) = libxml2_error(xml, &e);
        Error::with_detail(DOMAIN_UNSET, VIR_ERR_XML_DETAIL, report(xml, doc_name, &msg, at))
    })
}

/// libxml2's report: the message, then the line holding byte offset `at`
/// and a caret under that position ("(null)" past the last line).
fn report(xml: &str, doc_name: &str, msg: &str, at: usize) -> String {
    let at = at.min(xml.len());
    let line_no = xml[..at].matches('\n').count() + 1;
    let line_start = xml[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = xml[line_start..].split('\n').next().unwrap_or("");
    let (text, caret) = if xml.is_empty() || (line.is_empty() && at == xml.len()) {
        ("(null)", 0)
    } else {
        (line, xml[line_start..at].chars().count())
    };
    format!("({doc_name}):{line_no}: {msg}\n{text}\n{}^", "-".repeat(caret))
}

/// Byte offset of a parser position (1-based row and column in characters).
fn offset(xml: &str, pos: roxmltree::TextPos) -> usize {
    let line_start: usize = xml.split_inclusive('\n').take(pos.row as usize - 1).map(str::len).sum();
    let line = &xml[line_start.min(xml.len())..];
    line_start + line.chars().take(pos.col as usize - 1).map(char::len_utf8).sum::<usize>()
}

/// The element name at the start of a tag's text.
fn tag_name(tag: &str) -> &str {
    tag.split(|c: char| c.is_whitespace() || c == '/' || c == '>').next().unwrap_or("")
}

/// Walks the tags of `text` (comments, CDATA, PIs and quoted values
/// skipped), calling `f(name, offset, opening)` for each start or end tag
/// (a self-closing tag reports nothing); `f` returns false to stop.
fn walk_tags<'t>(text: &'t str, mut f: impl FnMut(&'t str, usize, bool) -> bool) {
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(lt) = text[i..].find('<').map(|k| i + k) {
        let rest = &text[lt..];
        let skip_to = |end: &str| rest.find(end).map_or(text.len(), |k| lt + k + end.len());
        if rest.starts_with("<!--") {
            i = skip_to("-->");
        } else if rest.starts_with("<![CDATA[") {
            i = skip_to("]]>");
        } else if rest.starts_with("<?") {
            i = skip_to("?>");
        } else if rest.starts_with("<!") {
            i = skip_to(">");
        } else {
            // a tag: find its end outside quotes
            let mut j = lt + 1;
            let mut quote = None;
            while j < b.len() {
                match (quote, b[j]) {
                    (None, b'"' | b'\'') => quote = Some(b[j]),
                    (Some(q), c) if c == q => quote = None,
                    (None, b'>') => break,
                    _ => {}
                }
                j += 1;
            }
            let tag = &text[lt + 1..j.min(text.len())];
            let go_on = if let Some(closing) = tag.strip_prefix('/') {
                f(tag_name(closing), lt, false)
            } else if j >= b.len() || !tag.ends_with('/') {
                // an element opened here (or a start tag cut off at the end)
                f(tag_name(tag), lt, true)
            } else {
                true
            };
            if !go_on {
                return;
            }
            i = (j + 1).min(text.len());
        }
        if i >= text.len() {
            break;
        }
    }
}

/// The elements still open at the end of `text`, with the line each
/// started on.
fn open_elements(text: &str) -> Vec<(&str, usize)> {
    let mut stack = Vec::new();
    walk_tags(text, |name, at, opening| {
        if opening {
            stack.push((name, text[..at].matches('\n').count() + 1));
        } else if let Some(k) = stack.iter().rposition(|(n, _)| *n == name) {
            stack.truncate(k);
        }
        true
    });
    stack
}

/// libxml2's nesting limit (without XML_PARSE_HUGE, which libvirt does not set).
const MAX_DEPTH: usize = 256;

/// Where a document first nests deeper than libxml2 allows.
fn excessive_depth(text: &str) -> Option<usize> {
    let (mut depth, mut at) = (0usize, None);
    walk_tags(text, |_, offset, opening| {
        if opening {
            depth += 1;
            if depth > MAX_DEPTH + 1 {
                at = Some(offset);
                return false;
            }
        } else {
            depth = depth.saturating_sub(1);
        }
        true
    });
    at
}

/// The message libxml2 gives for a malformed document, and where it points.
fn libxml2_error(xml: &str, e: &roxmltree::Error) -> (String, usize) {
    use roxmltree::Error as E;
    let end = xml.len();
    let start_tag_expected = || {
        // skip what may precede the root: blanks, the declaration, comments, PIs
        let mut rest = xml;
        loop {
            let t = rest.trim_start();
            let skipped = if t.starts_with("<?") {
                t.find("?>").map(|k| &t[k + 2..])
            } else if t.starts_with("<!--") {
                t.find("-->").map(|k| &t[k + 3..])
            } else {
                None
            };
            match skipped {
                Some(r) => rest = r,
                None => {
                    let at = end - t.len();
                    return (t.is_empty() || !t.starts_with('<')).then_some(at);
                }
            }
        }
    };
    if xml.is_empty() {
        return ("Document is empty".into(), 0);
    }
    if let Some(at) = start_tag_expected() {
        return ("Start tag expected, '<' not found".into(), at);
    }
    let pos_end = |pos: roxmltree::TextPos, token_len: usize| (offset(xml, pos) + token_len).min(end);
    match e {
        E::UnexpectedCloseTag(open, close, pos) => {
            let at = offset(xml, *pos);
            let line = open_elements(&xml[..at]).iter().rev().find(|(n, _)| n == open).map_or(1, |(_, l)| *l);
            let close_len = xml[at..].find('>').map_or(0, |k| k + 1);
            (format!("Opening and ending tag mismatch: {open} line {line} and {close}"), (at + close_len).min(end))
        }
        E::DuplicatedAttribute(name, pos) => {
            let at = offset(xml, *pos);
            let rest = &xml[at..];
            let value_end = rest
                .find('=')
                .and_then(|eq| {
                    let v = rest[eq + 1..].trim_start();
                    let q = v.chars().next()?;
                    let skip = rest.len() - v.len();
                    v[1..].find(q).map(|k| skip + k + 2)
                })
                .unwrap_or(name.len());
            (format!("Attribute {name} redefined"), (at + value_end).min(end))
        }
        E::UnknownEntityReference(name, pos) => (format!("Entity '{name}' not defined"), pos_end(*pos, name.len() + 2)),
        E::UnknownToken(pos) if open_elements(&xml[..offset(xml, *pos)]).is_empty() => {
            ("Extra content at the end of the document".into(), offset(xml, *pos))
        }
        E::UnclosedRootNode | E::UnexpectedEndOfStream | E::NoRootNode => match open_elements(xml).last() {
            Some((name, line)) if unterminated_start_tag(xml) => {
                (format!("Couldn't find end of Start Tag {name} line {line}"), end)
            }
            Some((name, line)) => (format!("Premature end of data in tag {name} line {line}"), end),
            None => ("Premature end of data".into(), end),
        },
        E::UnknownNamespace(p, pos) => (format!("Namespace prefix {p} is not defined"), offset(xml, *pos)),
        E::DtdDetected => ("DTDs are not accepted".into(), 0),
        E::EntityReferenceLoop(pos) => ("Detected an entity reference loop".into(), offset(xml, *pos)),
        other => (other.to_string(), end),
    }
}

/// Whether the document ends inside a start tag (`<a`, `<a b='1'`).
fn unterminated_start_tag(xml: &str) -> bool {
    match xml.rfind('<') {
        Some(lt) => !xml[lt..].contains('>') && !xml[lt..].starts_with("</"),
        None => false,
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

    /// Messages and carets as libvirt 9.0.0 (libxml2) reports them.
    #[test]
    fn reports_malformed_documents_like_libxml2() {
        let cases = [
            ("<domain", "1: Couldn't find end of Start Tag domain line 1\n<domain\n-------^"),
            (
                "<network><name>n</name>",
                "1: Premature end of data in tag network line 1\n<network><name>n</name>\n-----------------------^",
            ),
            (
                "<d><n>a</n></d> trailing",
                "1: Extra content at the end of the document\n<d><n>a</n></d> trailing\n----------------^",
            ),
            ("<a><b></a>", "1: Opening and ending tag mismatch: b line 1 and a\n<a><b></a>\n----------^"),
            ("<a x='1' x='2'/>", "1: Attribute x redefined\n<a x='1' x='2'/>\n--------------^"),
            ("<a>&foo;</a>", "1: Entity 'foo' not defined\n<a>&foo;</a>\n--------^"),
            ("text", "1: Start tag expected, '<' not found\ntext\n^"),
            (
                "<?xml version='1.0'?>",
                "1: Start tag expected, '<' not found\n<?xml version='1.0'?>\n---------------------^",
            ),
            ("<a>\n<b>\n</a>", "3: Opening and ending tag mismatch: b line 2 and a\n</a>\n----^"),
            ("<a>\n  <b>text\n", "3: Premature end of data in tag b line 2\n(null)\n^"),
            (" ", "1: Start tag expected, '<' not found\n \n-^"),
            ("\n\n<a", "3: Couldn't find end of Start Tag a line 3\n<a\n--^"),
        ];
        for (input, want) in cases {
            let e = parse(input, "domain_definition").unwrap_err();
            assert_eq!(e.message, format!("(domain_definition):{want}"), "input {input:?}");
        }
    }
}
