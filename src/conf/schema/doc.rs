//! The instance document as the validator walks it: an arena of nodes with
//! sibling links it may re-thread while sorting the children of an
//! interleave, as libxml2 does on its tree.

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Document,
    Element,
    Text,
    /// Comments and processing instructions: always skipped.
    Other,
}

pub struct Attr {
    pub name: String,
    pub ns: Option<String>,
    pub value: String,
}

pub struct Node {
    pub kind: NodeKind,
    pub name: String,
    pub ns: Option<String>,
    pub text: String,
    pub attrs: Vec<Attr>,
    pub parent: Option<usize>,
    pub first: Option<usize>,
    pub next: Option<usize>,
    pub prev: Option<usize>,
    /// The pattern this element last validated against successfully.
    pub psvi: Option<usize>,
}

pub struct Doc {
    pub nodes: Vec<Node>,
    pub root: usize,
}

fn blank(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

impl Doc {
    pub fn new(tree: &roxmltree::Document) -> Doc {
        let mut doc = Doc { nodes: Vec::new(), root: 0 };
        doc.push(NodeKind::Document, String::new(), None, None);
        let root = doc.add(tree.root_element(), 0);
        doc.root = root;
        doc
    }

    fn push(&mut self, kind: NodeKind, name: String, ns: Option<String>, parent: Option<usize>) -> usize {
        self.nodes.push(Node {
            kind,
            name,
            ns,
            text: String::new(),
            attrs: Vec::new(),
            parent,
            first: None,
            next: None,
            prev: None,
            psvi: None,
        });
        self.nodes.len() - 1
    }

    fn add(&mut self, n: roxmltree::Node, parent: usize) -> usize {
        let tag = n.tag_name();
        let id =
            self.push(NodeKind::Element, tag.name().to_string(), tag.namespace().map(str::to_string), Some(parent));
        self.nodes[id].attrs = n
            .attributes()
            .map(|a| Attr {
                name: a.name().to_string(),
                ns: a.namespace().map(str::to_string),
                value: a.value().to_string(),
            })
            .collect();
        let mut last: Option<usize> = None;
        for c in n.children() {
            let cid = if c.is_element() {
                self.add(c, id)
            } else if c.is_text() {
                let t = self.push(NodeKind::Text, "text".to_string(), None, Some(id));
                self.nodes[t].text = c.text().unwrap_or("").to_string();
                t
            } else {
                self.push(NodeKind::Other, String::new(), None, Some(id))
            };
            match last {
                Some(l) => {
                    self.nodes[l].next = Some(cid);
                    self.nodes[cid].prev = Some(l);
                }
                None => self.nodes[id].first = Some(cid),
            }
            last = Some(cid);
        }
        id
    }

    pub fn is_blank(&self, n: usize) -> bool {
        blank(&self.nodes[n].text)
    }
}

pub fn is_blank_str(s: &str) -> bool {
    blank(s)
}
