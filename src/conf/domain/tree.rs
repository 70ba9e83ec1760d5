//! Spec-driven elements: many parts of a domain are plain trees of
//! attributes, text and children that libvirt formats in a fixed order
//! whatever order they were written in. A static spec per element names
//! the attributes (with their checks) and the children in that order;
//! anything the spec does not name is dropped, as libvirt's parsers drop
//! what they do not know.

use super::props::{self, xml_err, Attrs, Spec};
use crate::conf::xml::XmlWriter;
use crate::core::error::Result;
use roxmltree::Node;

/// How an element's text is taken.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Text {
    None,
    /// Kept as written (trimmed when `trim`).
    Str {
        trim: bool,
    },
    /// A non-negative number, reformatted.
    UInt,
    /// A signed number, reformatted.
    Int,
}

pub struct ESpec {
    pub name: &'static str,
    pub attrs: Spec,
    pub text: Text,
    pub kids: &'static [&'static ESpec],
    /// Written as an open/close pair even when empty.
    pub block: bool,
    /// Checks and defaults applied once the element is read.
    pub fixup: Option<Fixup>,
}

/// A post-parse hook: the parsed element and the node it came from.
pub type Fixup = fn(&mut Elem, Node) -> Result<()>;

impl ESpec {
    pub const fn new(name: &'static str, attrs: Spec, kids: &'static [&'static ESpec]) -> ESpec {
        ESpec { name, attrs, text: Text::None, kids, block: false, fixup: None }
    }
    pub const fn block(name: &'static str, attrs: Spec, kids: &'static [&'static ESpec]) -> ESpec {
        ESpec { name, attrs, text: Text::None, kids, block: true, fixup: None }
    }
    pub const fn fix(self, f: Fixup) -> ESpec {
        ESpec { fixup: Some(f), ..self }
    }
    pub const fn text(name: &'static str, attrs: Spec, text: Text) -> ESpec {
        ESpec { name, attrs, text, kids: &[], block: false, fixup: None }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Elem {
    pub name: &'static str,
    pub attrs: Attrs,
    pub text: Option<String>,
    /// Children, in the spec's order (input order among equals).
    pub kids: Vec<Elem>,
    pub block: bool,
}

impl Elem {
    pub fn empty(name: &'static str) -> Elem {
        Elem { name, attrs: Attrs::default(), text: None, kids: Vec::new(), block: false }
    }

    /// Gives back the spare capacity parsing left (a definition kept in
    /// memory for long should hold only what it uses).
    pub fn shrink_to_fit(&mut self) {
        self.attrs.0.shrink_to_fit();
        self.attrs.0.iter_mut().for_each(|(_, v)| v.shrink_to_fit());
        if let Some(t) = self.text.as_mut() {
            t.shrink_to_fit();
        }
        shrink_elems(&mut self.kids);
    }

    pub fn parse(n: Node, spec: &'static ESpec) -> Result<Elem> {
        let attrs = Attrs::parse(n, spec.attrs)?;
        let text = match spec.text {
            Text::None => None,
            Text::Str { trim } => {
                let t = props::text_of(n);
                let t = if trim { t.trim().to_string() } else { t };
                (!t.is_empty()).then_some(t)
            }
            Text::UInt | Text::Int => {
                let t = props::text_of(n);
                let t = t.trim();
                let ok = if spec.text == Text::UInt { t.parse::<u64>().is_ok() } else { t.parse::<i64>().is_ok() };
                if !ok {
                    return Err(xml_err(format!("Invalid value '{t}' for element '{}'", spec.name)));
                }
                Some(t.trim_start_matches('+').to_string())
            }
        };
        let mut kids = Vec::new();
        for ks in spec.kids {
            for c in props::children(n, ks.name) {
                kids.push(Elem::parse(c, ks)?);
            }
        }
        let mut e = Elem { name: spec.name, attrs, text, kids, block: spec.block };
        if let Some(f) = spec.fixup {
            f(&mut e, n)?;
        }
        Ok(e)
    }

    pub fn parse_opt(parent: Node, spec: &'static ESpec) -> Result<Option<Elem>> {
        props::child(parent, spec.name).map(|c| Elem::parse(c, spec)).transpose()
    }

    pub fn kid(&self, name: &str) -> Option<&Elem> {
        self.kids.iter().find(|k| k.name == name)
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.get(name)
    }

    pub fn kid_mut(&mut self, name: &str) -> Option<&mut Elem> {
        self.kids.iter_mut().find(|k| k.name == name)
    }

    /// Inserts a child at its place in the spec's order.
    pub fn insert_kid(&mut self, spec: &ESpec, kid: Elem) {
        let rank = |n: &str| spec.kids.iter().position(|k| k.name == n).unwrap_or(usize::MAX);
        let r = rank(kid.name);
        let at = self.kids.iter().position(|k| rank(k.name) > r).unwrap_or(self.kids.len());
        self.kids.insert(at, kid);
    }

    pub fn remove_kids(&mut self, name: &str) {
        self.kids.retain(|k| k.name != name);
    }

    /// Sets an attribute at its place in `spec`'s order.
    pub fn set(&mut self, spec: &ESpec, name: &'static str, v: impl Into<String>) {
        self.attrs.set(spec.attrs, name, v);
    }

    pub fn format(&self, w: &mut XmlWriter) {
        let attrs = self.attrs.list();
        match (&self.text, self.kids.is_empty()) {
            (Some(t), _) => w.text(self.name, &attrs, t),
            (None, true) if !self.block => w.empty(self.name, &attrs),
            (None, _) => {
                w.open(self.name, &attrs);
                for k in &self.kids {
                    k.format(w);
                }
                w.close(self.name);
            }
        }
    }
}

/// [`Elem::shrink_to_fit`] over a list and the list itself.
pub fn shrink_elems(v: &mut Vec<Elem>) {
    v.iter_mut().for_each(Elem::shrink_to_fit);
    v.shrink_to_fit();
}
