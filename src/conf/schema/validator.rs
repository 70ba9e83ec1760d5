//! Validation of a document against a compiled grammar, reproducing the
//! outcome and the error lines of libxml2's RelaxNG validator: contents it
//! compiled to an automaton are checked token by token, the others are
//! interpreted with backtracking over sets of states, with the errors of the
//! alternatives stacked and only reported when no alternative succeeds.

use super::datatypes;
use super::doc::{Doc, NodeKind};
use super::grammar::{Def, Extra, Grammar, Kind};

const IGNORABLE: u32 = 1;
const MIXED_CONTENT: u32 = 4;
const MAX_ERROR: usize = 5;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ErrCode {
    TypeVal,
    Type,
    InterSeq,
    InterExtra,
    ElemName,
    ElemNoNs,
    ElemWrongNs,
    ElemWrong,
    TextWrong,
    ElemExtraNs,
    NoElem,
    NotElem,
    AttrValid,
    ContentValid,
    ExtraContent,
    InvalidAttr,
    DataElem,
    ValElem,
    ListElem,
    Datatype,
    Value,
    List,
    ListExtra,
    ExtraData,
    Internal,
}

fn message(code: ErrCode, a1: &str, a2: &str) -> String {
    match code {
        ErrCode::Type => format!("failed to validate type {a1}\n"),
        ErrCode::TypeVal => format!("Type {a1} doesn't allow value '{a2}'\n"),
        ErrCode::InterSeq => "Invalid sequence in interleave\n".to_string(),
        ErrCode::InterExtra => format!("Extra element {a1} in interleave\n"),
        ErrCode::ElemName => format!("Expecting element {a1}, got {a2}\n"),
        ErrCode::ElemNoNs => format!("Expecting a namespace for element {a1}\n"),
        ErrCode::ElemWrongNs => format!("Element {a1} has wrong namespace: expecting {a2}\n"),
        ErrCode::ElemWrong => format!("Did not expect element {a1} there\n"),
        ErrCode::TextWrong => format!("Did not expect text in element {a1} content\n"),
        ErrCode::ElemExtraNs => format!("Expecting no namespace for element {a1}\n"),
        ErrCode::NoElem => format!("Expecting an element {a1}, got nothing\n"),
        ErrCode::NotElem => "Expecting an element got text\n".to_string(),
        ErrCode::AttrValid => format!("Element {a1} failed to validate attributes\n"),
        ErrCode::ContentValid => format!("Element {a1} failed to validate content\n"),
        ErrCode::ExtraContent => format!("Element {a1} has extra content: {a2}\n"),
        ErrCode::InvalidAttr => format!("Invalid attribute {a1} for element {a2}\n"),
        ErrCode::DataElem => format!("Datatype element {a1} has child elements\n"),
        ErrCode::ValElem => format!("Value element {a1} has child elements\n"),
        ErrCode::ListElem => format!("List element {a1} has child elements\n"),
        ErrCode::Datatype => format!("Error validating datatype {a1}\n"),
        ErrCode::Value => format!("Error validating value {a1}\n"),
        ErrCode::List => "Error validating list\n".to_string(),
        ErrCode::ListExtra => format!("Extra data in list: {a1}\n"),
        ErrCode::ExtraData => "Extra data in the document\n".to_string(),
        ErrCode::Internal => format!("Internal error: {a1}\n"),
    }
}

#[derive(Clone)]
struct VState {
    node: usize,
    seq: Option<usize>,
    attrs: Vec<Option<usize>>,
    left: usize,
}

impl VState {
    fn same(&self, o: &VState) -> bool {
        self.node == o.node && self.seq == o.seq && self.left == o.left && self.attrs == o.attrs
    }
}

#[derive(Clone)]
struct StackedErr {
    code: ErrCode,
    a1: String,
    a2: String,
    node: Option<usize>,
}

/// The value being matched by data patterns: one string, or the tokens of a list.
struct Value {
    toks: Vec<String>,
    pos: usize,
    list: bool,
}

impl Value {
    fn current(&self) -> Option<&str> {
        self.toks.get(self.pos).map(String::as_str)
    }

    fn advance(&mut self) {
        self.pos = if self.list { self.pos + 1 } else { self.toks.len() };
    }
}

struct Ctx<'a> {
    g: &'a Grammar,
    doc: Doc,
    flags: u32,
    state: Option<VState>,
    states: Option<Vec<VState>>,
    errs: Vec<StackedErr>,
    err_nr: usize,
    err_max: usize,
    err_top: Option<usize>,
    shown: bool,
    out: Vec<String>,
    value: Option<Value>,
    perr: i32,
}

fn add_state(set: &mut Vec<VState>, s: VState) -> bool {
    if set.iter().any(|x| x.same(&s)) {
        return false;
    }
    set.push(s);
    true
}

/// Validates `tree` and returns libxml2's error lines, or None when valid.
pub fn validate(g: &Grammar, tree: &roxmltree::Document) -> Option<String> {
    let doc = Doc::new(tree);
    let mut c = Ctx {
        g,
        doc,
        flags: 0,
        state: None,
        states: None,
        errs: Vec::new(),
        err_nr: 0,
        err_max: 0,
        err_top: None,
        shown: false,
        out: Vec::new(),
        value: None,
        perr: 0,
    };
    let ok = c.validate_document();
    if ok && !c.shown {
        None
    } else {
        Some(c.out.concat())
    }
}

impl<'a> Ctx<'a> {
    fn def(&self, d: usize) -> &'a Def {
        &self.g.defs[d]
    }

    fn name(&self, n: usize) -> String {
        self.doc.nodes[n].name.clone()
    }

    // ------------------------------------------------------------ errors

    fn show(&mut self, code: ErrCode, a1: &str, a2: &str) {
        self.shown = true;
        self.out.push(message(code, a1, a2));
    }

    fn push_err(&mut self, code: ErrCode, a1: &str, a2: &str) {
        if self.err_max == 0 {
            self.err_max = 8;
            self.err_nr = 0;
            self.err_top = None;
        }
        if self.err_nr >= self.err_max {
            self.err_max *= 2;
            self.err_top = Some(self.err_nr - 1);
        }
        let node = self.state.as_ref().map(|s| s.node);
        if let (Some(t), Some(n)) = (self.err_top, node) {
            let top = &self.errs[t];
            if top.node == Some(n) && top.code == code {
                return;
            }
        }
        let e = StackedErr { code, a1: a1.to_string(), a2: a2.to_string(), node };
        if self.err_nr < self.errs.len() {
            self.errs[self.err_nr] = e;
        } else {
            self.errs.push(e);
        }
        self.err_top = Some(self.err_nr);
        self.err_nr += 1;
    }

    fn pop_errors(&mut self, level: usize) {
        self.err_nr = level;
        if self.err_nr == 0 {
            self.err_top = None;
        }
    }

    fn pop_err(&mut self) {
        if self.err_nr == 0 {
            self.err_top = None;
            return;
        }
        self.err_nr -= 1;
        self.err_top = if self.err_nr > 0 { Some(self.err_nr - 1) } else { None };
    }

    fn dump_errors(&mut self) {
        let mut k = 0;
        for i in 0..self.err_nr {
            if k < MAX_ERROR {
                let e = self.errs[i].clone();
                let dup =
                    self.errs[..i].iter().any(|d| d.code == e.code && d.node == e.node && d.a1 == e.a1 && d.a2 == e.a2);
                if !dup {
                    self.show(e.code, &e.a1, &e.a2);
                    k += 1;
                }
            }
        }
        self.err_nr = 0;
    }

    fn err(&mut self, code: ErrCode, a1: &str, a2: &str) {
        if self.flags & IGNORABLE == 0 {
            if self.err_nr != 0 {
                self.dump_errors();
            }
            self.show(code, a1, a2);
        } else {
            self.push_err(code, a1, a2);
        }
    }

    fn dump_unless_ignorable(&mut self) {
        if self.flags & IGNORABLE == 0 {
            self.dump_errors();
        }
    }

    // ------------------------------------------------------------ helpers

    fn skip_ignored(&self, mut n: Option<usize>) -> Option<usize> {
        while let Some(i) = n {
            let node = &self.doc.nodes[i];
            let skip = match node.kind {
                NodeKind::Other => true,
                NodeKind::Text => self.flags & MIXED_CONTENT != 0 || self.doc.is_blank(i),
                _ => false,
            };
            if !skip {
                break;
            }
            n = node.next;
        }
        n
    }

    fn new_state(&self, node: usize) -> VState {
        let n = &self.doc.nodes[node];
        VState { node, seq: n.first, attrs: (0..n.attrs.len()).map(Some).collect(), left: n.attrs.len() }
    }

    fn cur(&mut self) -> &mut VState {
        self.state.as_mut().expect("validation state")
    }

    // ------------------------------------------------------------ document

    fn validate_document(&mut self) -> bool {
        let root = self.doc.root;
        self.state = Some(VState { node: 0, seq: Some(root), attrs: Vec::new(), left: 0 });
        let mut ret = self.validate_definition(self.g.start);
        if let Some(s) = self.state.clone() {
            if s.seq.is_some() && self.skip_ignored(s.seq).is_some() && ret != -1 {
                self.err(ErrCode::ExtraData, "", "");
                ret = -1;
            }
        } else if let Some(states) = self.states.take() {
            let done = states.iter().any(|s| self.skip_ignored(s.seq).is_none());
            if !done && ret != -1 {
                self.err(ErrCode::ExtraData, "", "");
                ret = -1;
            }
        }
        self.state = None;
        if ret != 0 {
            self.dump_errors();
        }
        ret == 0
    }

    fn validate_definition(&mut self, d: usize) -> i32 {
        if self.state.is_some() && self.states.is_some() {
            self.state = None;
        }
        if self.states.as_ref().is_none_or(|s| s.len() == 1) {
            if let Some(mut s) = self.states.take() {
                self.state = s.pop();
            }
            let ret = self.validate_state(d);
            if self.state.is_some() && self.states.is_some() {
                self.state = None;
            }
            if self.states.as_ref().is_some_and(|s| s.len() == 1) {
                self.state = self.states.take().and_then(|mut s| s.pop());
            }
            return ret;
        }
        let states = self.states.take().unwrap_or_default();
        let mut res: Option<Vec<VState>> = None;
        let mut kept: Vec<VState> = Vec::new();
        let oldflags = self.flags;
        self.flags |= IGNORABLE;
        for st in states {
            self.state = Some(st);
            self.states = None;
            let ret = self.validate_state(d);
            if self.state.is_some() && self.states.is_some() {
                self.state = None;
            }
            if ret == 0 {
                match self.states.take() {
                    None => {
                        let s = self.state.take();
                        if let Some(r) = res.as_mut() {
                            if let Some(s) = s {
                                add_state(r, s);
                            }
                        } else if let Some(s) = s {
                            kept.push(s);
                        }
                    }
                    Some(new) => {
                        if let Some(r) = res.as_mut() {
                            for s in new {
                                add_state(r, s);
                            }
                        } else {
                            let mut r = new;
                            for s in kept.drain(..) {
                                add_state(&mut r, s);
                            }
                            res = Some(r);
                        }
                    }
                }
            } else {
                self.state = None;
                self.states = None;
            }
        }
        self.flags = oldflags;
        if let Some(r) = res {
            self.states = Some(r);
            0
        } else if kept.len() > 1 {
            self.states = Some(kept);
            0
        } else if kept.len() == 1 {
            self.state = kept.pop();
            0
        } else {
            self.states = None;
            -1
        }
    }

    fn validate_list(&mut self, list: &[usize]) -> i32 {
        if list.is_empty() {
            self.err(ErrCode::Internal, "NULL definition list", "");
            return -1;
        }
        let mut ret = 0;
        for &d in list {
            if self.state.is_none() && self.states.is_none() {
                return -1;
            }
            let res = self.validate_definition(d);
            if res < 0 {
                ret = -1;
            }
            if res == -1 {
                break;
            }
        }
        ret
    }

    fn validate_state(&mut self, d: usize) -> i32 {
        let def = self.def(d);
        let node = self.state.as_ref().and_then(|s| s.seq);
        match def.kind {
            Kind::Empty => 0,
            Kind::NotAllowed => -1,
            Kind::Text => {
                let mut n = node;
                while let Some(i) = n {
                    if matches!(self.doc.nodes[i].kind, NodeKind::Text | NodeKind::Other) {
                        n = self.doc.nodes[i].next;
                    } else {
                        break;
                    }
                }
                self.cur().seq = n;
                0
            }
            Kind::Element => self.validate_element(d, node),
            Kind::Optional => {
                let err_nr = self.err_nr;
                let oldflags = self.flags;
                self.flags |= IGNORABLE;
                let old = self.state.clone();
                let ret = self.validate_list(&def.content);
                if ret != 0 {
                    self.state = old;
                    self.flags = oldflags;
                    if self.err_nr > err_nr {
                        self.pop_errors(err_nr);
                    }
                    return 0;
                }
                if let Some(set) = self.states.as_mut() {
                    if let Some(o) = old {
                        add_state(set, o);
                    }
                } else {
                    let mut set = Vec::new();
                    if let Some(o) = old {
                        add_state(&mut set, o);
                    }
                    if let Some(s) = self.state.take() {
                        add_state(&mut set, s);
                    }
                    self.states = Some(set);
                }
                self.flags = oldflags;
                if self.err_nr > err_nr {
                    self.pop_errors(err_nr);
                }
                0
            }
            Kind::OneOrMore => {
                let err_nr = self.err_nr;
                let ret = self.validate_list(&def.content);
                if ret != 0 {
                    return ret;
                }
                if self.err_nr > err_nr {
                    self.pop_errors(err_nr);
                }
                self.repeat(def)
            }
            Kind::ZeroOrMore => self.repeat(def),
            Kind::Choice => self.validate_choice(d, node),
            Kind::Group => self.validate_list(&def.content),
            Kind::Interleave => self.validate_interleave(d),
            Kind::Attribute => self.validate_attribute(d),
            Kind::Ref => match def.content.first() {
                Some(&c) => self.validate_definition(c),
                None => -1,
            },
            Kind::Datatype | Kind::Value | Kind::List => self.validate_data_node(d, node),
            Kind::Except | Kind::Param => -1,
        }
    }

    fn repeat(&mut self, def: &'a Def) -> i32 {
        let mut res: Vec<VState> = Vec::new();
        if let Some(s) = self.state.clone() {
            add_state(&mut res, s);
        } else if let Some(set) = self.states.clone() {
            for s in set {
                add_state(&mut res, s);
            }
        }
        let oldflags = self.flags;
        self.flags |= IGNORABLE;
        loop {
            let mut progress = false;
            let base = res.len();
            if let Some(set) = self.states.take() {
                for st in set {
                    self.state = Some(st);
                    self.states = None;
                    let ret = self.validate_list(&def.content);
                    if ret == 0 {
                        if let Some(s) = self.state.take() {
                            if add_state(&mut res, s) {
                                progress = true;
                            }
                        } else if let Some(new) = self.states.take() {
                            for s in new {
                                if add_state(&mut res, s) {
                                    progress = true;
                                }
                            }
                        }
                    } else {
                        self.state = None;
                    }
                }
            } else {
                let ret = self.validate_list(&def.content);
                if ret != 0 {
                    self.state = None;
                } else if let Some(s) = self.state.take() {
                    if add_state(&mut res, s) {
                        progress = true;
                    }
                } else if let Some(new) = self.states.take() {
                    for s in new {
                        if add_state(&mut res, s) {
                            progress = true;
                        }
                    }
                }
            }
            if !progress {
                break;
            }
            let fresh: Vec<VState> = res[base..].to_vec();
            self.states = None;
            self.state = None;
            if fresh.len() == 1 {
                self.state = fresh.into_iter().next();
            } else {
                self.states = Some(fresh);
            }
        }
        self.state = None;
        self.states = Some(res);
        self.flags = oldflags;
        0
    }

    fn validate_choice(&mut self, d: usize, node: Option<usize>) -> i32 {
        let def = self.def(d);
        let node = self.skip_ignored(node);
        let err_nr = self.err_nr;
        if let (Extra::Triage(map), Some(n)) = (&def.extra, node) {
            let nd = &self.doc.nodes[n];
            let branch = match nd.kind {
                NodeKind::Text => map.get("#text"),
                NodeKind::Element => {
                    let mut b = None;
                    if let Some(ns) = &nd.ns {
                        b = map.get(&format!("{}|{}", nd.name, ns)).or_else(|| map.get(&format!("#any|{ns}")));
                    } else {
                        b = b.or_else(|| map.get(&nd.name));
                    }
                    b.or_else(|| map.get("#any"))
                }
                _ => None,
            };
            let Some(&branch) = branch else {
                let name = nd.name.clone();
                self.err(ErrCode::ElemWrong, &name, "");
                return -1;
            };
            return self.validate_definition(branch);
        }
        let oldflags = self.flags;
        self.flags |= IGNORABLE;
        let mut found: Option<Vec<VState>> = None;
        let mut ret = 0;
        for &alt in &def.content {
            let old = self.state.clone();
            ret = self.validate_definition(alt);
            if ret == 0 {
                let set = found.get_or_insert_with(Vec::new);
                if let Some(s) = self.state.take() {
                    add_state(set, s);
                } else if let Some(new) = self.states.take() {
                    for s in new {
                        add_state(set, s);
                    }
                }
            }
            self.states = None;
            self.state = old;
        }
        if let Some(set) = found {
            self.states = Some(set);
            self.state = None;
            ret = 0;
        } else {
            self.states = None;
        }
        self.flags = oldflags;
        if ret != 0 {
            self.dump_unless_ignorable();
        } else if self.err_nr > err_nr {
            self.pop_errors(err_nr);
        }
        ret
    }

    fn element_matches(&mut self, d: usize, n: usize, report: bool) -> bool {
        let def = self.def(d);
        let nd = &self.doc.nodes[n];
        let (name, ns) = (nd.name.clone(), nd.ns.clone());
        if let Some(dn) = &def.name {
            if *dn != name {
                if report {
                    self.err(ErrCode::ElemName, dn, &name);
                }
                return false;
            }
        }
        match (def.namespace(), &ns) {
            (Some(_), None) => {
                if report {
                    self.err(ErrCode::ElemNoNs, &name, "");
                }
                return false;
            }
            (Some(want), Some(have)) if want != have => {
                if report {
                    self.err(ErrCode::ElemWrongNs, &name, want);
                }
                return false;
            }
            (None, Some(_)) if def.ns.is_some() && def.name.is_none() => {
                if report {
                    self.err(ErrCode::ElemExtraNs, &name, "");
                }
                return false;
            }
            (None, Some(_)) if def.name.is_some() => {
                if report {
                    self.err(ErrCode::ElemExtraNs, def.name(), "");
                }
                return false;
            }
            _ => {}
        }
        let Some(&nc) = def.name_class.first() else { return true };
        let ncd = self.def(nc);
        if ncd.kind == Kind::Except {
            let oldflags = self.flags;
            self.flags |= IGNORABLE;
            for &x in &ncd.content {
                if self.element_matches(x, n, report) {
                    self.flags = oldflags;
                    return false;
                }
            }
            self.flags = oldflags;
            true
        } else {
            ncd.name_class.iter().any(|&x| self.element_matches(x, n, false))
        }
    }

    fn pop_matching_errors(&mut self, name: &str) {
        while let Some(t) = self.err_top.filter(|_| self.err_nr > 0) {
            let e = &self.errs[t];
            let hit = (e.code == ErrCode::ElemName && e.a2 == name)
                || (e.code == ErrCode::ElemExtraNs && e.a1 == name)
                || e.code == ErrCode::NoElem
                || e.code == ErrCode::NotElem;
            if !hit {
                break;
            }
            self.pop_err();
        }
    }

    fn element_end(&mut self, log: bool) -> i32 {
        let seq = self.state.as_ref().and_then(|s| s.seq);
        if seq.is_some() {
            let s = self.skip_ignored(seq);
            self.cur().seq = s;
            if let Some(s) = s {
                if log {
                    let st = self.state.as_ref().map(|x| x.node).unwrap_or(0);
                    let (a, b) = (self.name(st), self.name(s));
                    self.err(ErrCode::ExtraContent, &a, &b);
                }
                return -1;
            }
        }
        let st = self.state.clone().expect("state");
        for (i, a) in st.attrs.iter().enumerate() {
            if let Some(a) = a {
                if log {
                    let an = self.doc.nodes[st.node].attrs[*a].name.clone();
                    let en = self.name(st.node);
                    self.err(ErrCode::InvalidAttr, &an, &en);
                }
                return -1 - i as i32;
            }
        }
        0
    }

    fn log_best_error(&mut self, set: &[VState]) {
        let mut best: Option<usize> = None;
        let mut value = 1_000_000usize;
        for (i, s) in set.iter().enumerate() {
            if s.seq.is_some() {
                if best.is_none() || value > 100_000 {
                    value = 100_000;
                    best = Some(i);
                }
            } else if best.is_none() || value > s.left {
                value = s.left;
                best = Some(i);
            }
        }
        if let Some(b) = best {
            self.state = Some(set[b].clone());
            self.element_end(true);
        }
    }

    /// Checks the end of the element content over the alternatives left.
    fn end_over_states(&mut self, set: Vec<VState>, seq: Option<Option<usize>>, oldflags: u32) -> i32 {
        let mut set = set;
        let mut tmp = -1;
        for s in set.iter_mut() {
            if let Some(q) = seq {
                s.seq = q;
            }
            self.state = Some(s.clone());
            if self.element_end(false) == 0 {
                tmp = 0;
                break;
            }
            *s = self.state.clone().expect("state");
        }
        if tmp != 0 {
            self.flags |= IGNORABLE;
            self.log_best_error(&set);
        }
        self.flags = oldflags;
        self.states = None;
        tmp
    }

    fn validate_element(&mut self, d: usize, node: Option<usize>) -> i32 {
        let def = self.def(d);
        let mut err_nr = self.err_nr;
        let node = self.skip_ignored(node);
        let Some(n) = node else {
            self.err(ErrCode::NoElem, def.name(), "");
            self.dump_unless_ignorable();
            return -1;
        };
        if self.doc.nodes[n].kind != NodeKind::Element {
            self.err(ErrCode::NotElem, "", "");
            self.dump_unless_ignorable();
            return -1;
        }
        let name = self.name(n);
        if self.doc.nodes[n].psvi == Some(d) {
            let nx = self.skip_ignored(self.doc.nodes[n].next);
            self.cur().seq = nx;
            if self.err_nr > err_nr {
                self.pop_errors(err_nr);
            }
            if self.err_nr != 0 {
                self.pop_matching_errors(&name);
            }
            return 0;
        }
        if !self.element_matches(d, n, true) {
            self.dump_unless_ignorable();
            return -1;
        }
        let mut ret = 0;
        if self.err_nr != 0 {
            if self.err_nr > err_nr {
                self.pop_errors(err_nr);
            }
            self.pop_matching_errors(&name);
        }
        err_nr = self.err_nr;
        let oldflags = self.flags;
        self.flags &= !MIXED_CONTENT;
        let oldstate = self.state.take();
        self.state = Some(self.new_state(n));
        if !def.attrs.is_empty() && self.validate_attribute_list(&def.attrs) != 0 {
            ret = -1;
            self.err(ErrCode::AttrValid, &name, "");
        }
        if let Extra::Model(m) = def.extra {
            let saved_state = self.state.take();
            let saved_states = self.states.take();
            self.state = Some(self.new_state(n));
            let first = self.doc.nodes[n].first;
            let tmp = self.validate_compiled(m, first);
            let nseq = self.state.as_ref().and_then(|s| s.seq);
            self.state = saved_state;
            self.states = saved_states;
            if tmp != 0 {
                ret = -1;
            }
            if let Some(set) = self.states.take() {
                let tmp = self.end_over_states(set, Some(nseq), oldflags);
                if ret == 0 && tmp == -1 {
                    ret = -1;
                }
            } else {
                if let Some(s) = self.state.as_mut() {
                    s.seq = nseq;
                }
                if ret == 0 {
                    ret = self.element_end(true);
                }
            }
        } else {
            if !def.content.is_empty() {
                let tmp = self.validate_list(&def.content);
                if tmp != 0 {
                    ret = -1;
                    if self.state.is_none() {
                        self.state = oldstate.clone();
                        self.err(ErrCode::ContentValid, &name, "");
                        self.state = None;
                    } else {
                        self.err(ErrCode::ContentValid, &name, "");
                    }
                }
            }
            if let Some(set) = self.states.take() {
                let tmp = self.end_over_states(set, None, oldflags);
                if ret == 0 && tmp == -1 {
                    ret = -1;
                }
            } else if ret == 0 && self.state.is_some() {
                ret = self.element_end(true);
            }
        }
        if ret == 0 {
            self.doc.nodes[n].psvi = Some(d);
        }
        self.flags = oldflags;
        self.state = oldstate;
        self.states = None;
        let nx = self.skip_ignored(self.doc.nodes[n].next);
        if let Some(s) = self.state.as_mut() {
            s.seq = nx;
        }
        if ret != 0 {
            if self.flags & IGNORABLE == 0 {
                self.dump_errors();
                ret = 0;
            }
        } else if self.err_nr > err_nr {
            self.pop_errors(err_nr);
        }
        ret
    }

    fn validate_compiled(&mut self, m: usize, content: Option<usize>) -> i32 {
        let model = &self.g.models[m];
        let oldperr = self.perr;
        self.perr = 0;
        let mut st = 0usize;
        let mut failed = false;
        let mut cur = content;
        while let Some(c) = cur {
            self.cur().seq = Some(c);
            let nd = &self.doc.nodes[c];
            let token = match nd.kind {
                NodeKind::Text if !self.doc.is_blank(c) => Some("#text".to_string()),
                NodeKind::Element => Some(match &nd.ns {
                    Some(ns) => format!("{}|{}", nd.name, ns),
                    None => nd.name.clone(),
                }),
                _ => None,
            };
            if let Some(tok) = token {
                match model[st].next.get(&tok) {
                    Some(&(target, def)) => {
                        st = target;
                        if let Some(def) = def {
                            if self.def(def).kind == Kind::Element && self.validate_definition(def) != 0 {
                                self.perr = -1;
                            }
                        }
                    }
                    None => {
                        let parent = self.doc.nodes[c].parent.map(|p| self.name(p)).unwrap_or_default();
                        if tok == "#text" {
                            self.err(ErrCode::TextWrong, &parent, "");
                        } else {
                            let nm = self.name(c);
                            self.err(ErrCode::ElemWrong, &nm, "");
                        }
                        failed = true;
                        break;
                    }
                }
            }
            cur = self.doc.nodes[c].next;
        }
        let mut ret = if failed {
            -1
        } else if model[st].is_final {
            self.cur().seq = None;
            0
        } else {
            self.err(ErrCode::NoElem, "", "");
            self.dump_unless_ignorable();
            -1
        };
        if ret == 0 && self.perr != 0 {
            ret = self.perr;
        }
        self.perr = oldperr;
        ret
    }

    // ------------------------------------------------------------ interleave

    fn group_matches(&mut self, n: usize, defs: &[usize]) -> bool {
        let kind = self.doc.nodes[n].kind;
        defs.iter().any(|&e| {
            let k = self.def(e).kind;
            (kind == NodeKind::Element && k == Kind::Element && self.element_matches_silent(e, n))
                || (kind == NodeKind::Text && k == Kind::Text)
        })
    }

    fn element_matches_silent(&mut self, d: usize, n: usize) -> bool {
        let saved = (self.flags, self.err_nr, self.err_top, self.shown, self.out.len());
        self.flags |= IGNORABLE;
        let errs = self.errs.clone();
        let r = self.element_matches(d, n, false);
        self.errs = errs;
        (self.flags, self.err_nr, self.err_top, self.shown) = (saved.0, saved.1, saved.2, saved.3);
        self.out.truncate(saved.4);
        r
    }

    fn validate_interleave(&mut self, d: usize) -> i32 {
        let def = self.def(d);
        let err_nr = self.err_nr;
        let Extra::Interleave(part) = &def.extra else {
            self.err(ErrCode::Internal, "interleave block has no data", "");
            return -1;
        };
        let nbgroups = part.groups.len();
        let oldflags = self.flags;
        if part.mixed {
            self.flags |= MIXED_CONTENT;
            if nbgroups == 2 {
                let seq = self.state.as_ref().and_then(|s| s.seq);
                let s = self.skip_ignored(seq);
                if let Some(st) = self.state.as_mut() {
                    st.seq = s;
                }
                let (r0, r1) = (part.groups[0].0, part.groups[1].0);
                let rule = if self.def(r0).kind == Kind::Text { r1 } else { r0 };
                let ret = self.validate_definition(rule);
                if ret == 0 {
                    let seq = self.state.as_ref().and_then(|s| s.seq);
                    let s = self.skip_ignored(seq);
                    if let Some(st) = self.state.as_mut() {
                        st.seq = s;
                    }
                }
                self.flags = oldflags;
                return ret;
            }
        }
        let mut list: Vec<Option<usize>> = vec![None; nbgroups];
        let mut lasts: Vec<Option<usize>> = vec![None; nbgroups];
        let seq = self.state.as_ref().and_then(|s| s.seq);
        let mut cur = self.skip_ignored(seq);
        let start = cur;
        let mut lastchg: Option<usize> = None;
        while let Some(c) = cur {
            self.cur().seq = Some(c);
            let nd = &self.doc.nodes[c];
            let mut i = nbgroups;
            if part.determinist {
                let hit = match nd.kind {
                    NodeKind::Text => part.triage.get("#text"),
                    NodeKind::Element => {
                        let mut h = None;
                        if let Some(ns) = &nd.ns {
                            h = part
                                .triage
                                .get(&format!("{}|{}", nd.name, ns))
                                .or_else(|| part.triage.get(&format!("#any|{ns}")));
                        } else {
                            h = h.or_else(|| part.triage.get(&nd.name));
                        }
                        h.or_else(|| part.triage.get("#any"))
                    }
                    _ => None,
                };
                if let Some(&g) = hit {
                    i = g - 1;
                    if part.needcheck {
                        let defs = part.groups[i].1.clone();
                        if !self.group_matches(c, &defs) {
                            i = nbgroups;
                        }
                    }
                }
            } else {
                for (gi, (_, defs)) in part.groups.iter().enumerate() {
                    if self.group_matches(c, defs) {
                        i = gi;
                        break;
                    }
                }
            }
            if i >= nbgroups {
                break;
            }
            match lasts[i] {
                Some(l) => {
                    self.doc.nodes[l].next = Some(c);
                    lasts[i] = Some(c);
                }
                None => {
                    list[i] = Some(c);
                    lasts[i] = Some(c);
                }
            }
            let nx = self.doc.nodes[c].next;
            lastchg = Some(nx.unwrap_or(c));
            cur = self.skip_ignored(nx);
        }
        let lastelem = cur;
        let mut oldstate = self.state.take();
        let mut ret = 0;
        let mut done_early = false;
        for i in 0..nbgroups {
            self.state = oldstate.clone();
            let rule = part.groups[i].0;
            let mut last = None;
            if let Some(l) = lasts[i] {
                last = self.doc.nodes[l].next;
                self.doc.nodes[l].next = None;
            }
            self.cur().seq = list[i];
            ret = self.validate_definition(rule);
            if ret != 0 {
                break;
            }
            if let Some(s) = self.state.take() {
                let left = self.skip_ignored(s.seq);
                oldstate = Some(s);
                if let Some(l) = left {
                    let nm = self.name(l);
                    self.err(ErrCode::InterExtra, &nm, "");
                    self.state = oldstate.clone();
                    ret = -1;
                    done_early = true;
                    break;
                }
            } else if let Some(set) = self.states.take() {
                let mut found = false;
                let mut left = None;
                for s in &set {
                    left = self.skip_ignored(s.seq);
                    if left.is_none() {
                        found = true;
                        break;
                    }
                }
                if let Some(l) = set.last() {
                    oldstate = Some(l.clone());
                }
                if !found {
                    let nm = left.map(|l| self.name(l)).unwrap_or_default();
                    self.err(ErrCode::InterExtra, &nm, "");
                    self.state = oldstate.clone();
                    ret = -1;
                    done_early = true;
                    break;
                }
            } else {
                ret = -1;
                break;
            }
            if let Some(l) = lasts[i] {
                self.doc.nodes[l].next = last;
            }
        }
        if !done_early {
            self.state = oldstate;
            if let Some(s) = self.state.as_mut() {
                s.seq = lastelem;
            }
            if ret != 0 {
                self.err(ErrCode::InterSeq, "", "");
                ret = -1;
            }
        }
        self.flags = oldflags;
        let mut c = lastchg;
        while let Some(x) = c {
            let prev = self.doc.nodes[x].prev;
            if Some(x) == start || prev.is_none() {
                break;
            }
            let p = prev.unwrap_or(x);
            self.doc.nodes[p].next = Some(x);
            c = Some(p);
        }
        if ret == 0 && self.err_nr > err_nr {
            self.pop_errors(err_nr);
        }
        ret
    }

    // ------------------------------------------------------------ attributes

    fn validate_attribute_list(&mut self, defs: &[usize]) -> i32 {
        let mut ret = 0;
        let mut needmore = false;
        for &d in defs {
            if self.def(d).kind == Kind::Attribute {
                if self.validate_attribute(d) != 0 {
                    ret = -1;
                }
            } else {
                needmore = true;
            }
        }
        if !needmore {
            return ret;
        }
        for &d in defs {
            if self.def(d).kind != Kind::Attribute {
                if self.state.is_none() && self.states.is_none() {
                    return -1;
                }
                let res = self.validate_definition(d);
                if res < 0 {
                    ret = -1;
                }
                if res == -1 {
                    break;
                }
            }
        }
        ret
    }

    fn attribute_matches(&self, d: usize, node: usize, a: usize) -> bool {
        let def = self.def(d);
        let attr = &self.doc.nodes[node].attrs[a];
        if let Some(n) = &def.name {
            if *n != attr.name {
                return false;
            }
        }
        if let Some(ns) = &def.ns {
            if ns.is_empty() {
                if attr.ns.is_some() {
                    return false;
                }
            } else if attr.ns.as_deref() != Some(ns.as_str()) {
                return false;
            }
        }
        match def.name_class.first() {
            None => true,
            Some(&nc) if self.def(nc).kind == Kind::Except => {
                !self.def(nc).content.iter().any(|&x| self.attribute_matches(x, node, a))
            }
            Some(_) => true,
        }
    }

    fn validate_attribute(&mut self, d: usize) -> i32 {
        let def = self.def(d);
        let Some(st) = self.state.clone() else { return -1 };
        if st.left == 0 {
            return -1;
        }
        let found = st.attrs.iter().enumerate().find_map(|(i, a)| {
            let a = (*a)?;
            let attr = &self.doc.nodes[st.node].attrs[a];
            let hit = if def.name.is_some() {
                def.name.as_deref() == Some(attr.name.as_str())
                    && match (def.namespace(), &attr.ns) {
                        (None, None) => true,
                        (want, Some(have)) => want == Some(have.as_str()),
                        _ => false,
                    }
            } else {
                self.attribute_matches(d, st.node, a)
            };
            hit.then_some((i, a))
        });
        let Some((i, a)) = found else { return -1 };
        let value = self.doc.nodes[st.node].attrs[a].value.clone();
        let saved = self.value.replace(Value { toks: vec![value], pos: 0, list: false });
        let saved_seq = st.seq;
        let mut ret = 0;
        for &c in &def.content {
            ret = self.validate_value(c);
            if ret != 0 {
                break;
            }
        }
        self.value = saved;
        if let Some(s) = self.state.as_mut() {
            s.seq = saved_seq;
            if ret == 0 {
                s.attrs[i] = None;
                s.left -= 1;
            }
        }
        ret
    }

    // ------------------------------------------------------------ data

    fn current_value(&self) -> Option<String> {
        self.value.as_ref().and_then(|v| v.current().map(str::to_string))
    }

    fn advance_value(&mut self) {
        if let Some(v) = self.value.as_mut() {
            v.advance();
        }
    }

    fn validate_datatype(&mut self, value: Option<&str>, d: usize) -> i32 {
        let def = self.def(d);
        let xsd = matches!(def.extra, Extra::Library(true));
        let Some(value) = value else {
            self.err(ErrCode::Type, def.name(), "");
            return -1;
        };
        let params: Vec<(&str, &str)> = def
            .attrs
            .iter()
            .map(|&p| self.def(p))
            .filter(|p| p.kind == Kind::Param)
            .map(|p| (p.name(), p.value.as_deref().unwrap_or("")))
            .collect();
        match datatypes::check(xsd, def.name(), value) {
            None => {
                self.err(ErrCode::Type, def.name(), "");
                return -1;
            }
            Some(false) => {
                self.err(ErrCode::TypeVal, def.name(), value);
                return -1;
            }
            Some(true) => {}
        }
        if !params.iter().all(|(f, v)| datatypes::facet(def.name(), f, v, value)) {
            return -1;
        }
        if let Some(&ex) = def.content.first() {
            let saved = self.value.replace(Value { toks: vec![value.to_string()], pos: 0, list: false });
            let ret = self.validate_value(ex);
            self.value = saved;
            return ret;
        }
        0
    }

    fn validate_value(&mut self, d: usize) -> i32 {
        let def = self.def(d);
        let value = self.current_value();
        match def.kind {
            Kind::Empty => {
                if value.as_deref().is_some_and(|v| !super::doc::is_blank_str(v)) {
                    -1
                } else {
                    0
                }
            }
            Kind::Text => 0,
            Kind::Value => {
                let want = def.value.as_deref().unwrap_or("");
                let ok = match &value {
                    Some(v) if v == want => true,
                    v => {
                        let v = v.as_deref().unwrap_or("");
                        if def.name.is_some() {
                            let xsd = matches!(def.extra, Extra::Library(true));
                            datatypes::equal(xsd, def.name(), want, v)
                        } else {
                            datatypes::normalize(want) == datatypes::normalize(v)
                        }
                    }
                };
                if ok {
                    self.advance_value();
                    0
                } else {
                    -1
                }
            }
            Kind::Datatype => {
                let ret = self.validate_datatype(value.as_deref(), d);
                if ret == 0 {
                    self.advance_value();
                }
                ret
            }
            Kind::Choice => {
                let oldflags = self.flags;
                self.flags |= IGNORABLE;
                let oldpos = self.value.as_ref().map(|v| v.pos);
                let mut ret = -1;
                for &alt in &def.content {
                    ret = self.validate_value(alt);
                    if ret == 0 {
                        break;
                    }
                    if let (Some(v), Some(p)) = (self.value.as_mut(), oldpos) {
                        v.pos = p;
                    }
                }
                self.flags = oldflags;
                if ret != 0 {
                    self.dump_unless_ignorable();
                } else {
                    if self.err_nr > 0 {
                        self.pop_errors(0);
                    }
                    self.advance_value();
                }
                ret
            }
            Kind::List => {
                let toks: Vec<String> =
                    value.unwrap_or_default().split_ascii_whitespace().map(str::to_string).collect();
                let saved = self.value.replace(Value { toks, pos: 0, list: true });
                let mut ret = 0;
                for &c in &def.content {
                    ret = self.validate_value(c);
                    if ret != 0 {
                        break;
                    }
                }
                if ret == 0 {
                    if let Some(rest) = self.current_value() {
                        self.err(ErrCode::ListExtra, &rest, "");
                        ret = -1;
                    }
                }
                self.value = saved;
                ret
            }
            Kind::OneOrMore | Kind::ZeroOrMore => {
                if def.kind == Kind::OneOrMore {
                    for &c in &def.content {
                        if self.validate_value(c) != 0 {
                            return -1;
                        }
                    }
                }
                let oldflags = self.flags;
                self.flags |= IGNORABLE;
                while let Some(before) = self.value.as_ref().filter(|v| v.current().is_some()).map(|v| v.pos) {
                    let mut ok = true;
                    for &c in &def.content {
                        if self.validate_value(c) != 0 {
                            ok = false;
                            break;
                        }
                    }
                    let after = self.value.as_ref().map(|v| v.pos);
                    if !ok {
                        if let Some(v) = self.value.as_mut() {
                            v.pos = before;
                        }
                        break;
                    }
                    if after == Some(before) {
                        break;
                    }
                }
                self.flags = oldflags;
                if self.err_nr > 0 {
                    self.pop_errors(0);
                }
                0
            }
            Kind::Except => {
                for &c in &def.content {
                    if self.validate_value(c) == 0 {
                        return -1;
                    }
                }
                0
            }
            Kind::Group => {
                for &c in &def.content {
                    if self.validate_value(c) != 0 {
                        return -1;
                    }
                }
                0
            }
            Kind::Ref => match def.content.first() {
                Some(&c) => self.validate_value(c),
                None => -1,
            },
            _ => -1,
        }
    }

    /// Data, value and list patterns matched against the text content.
    fn validate_data_node(&mut self, d: usize, node: Option<usize>) -> i32 {
        let def = self.def(d);
        let mut content = String::new();
        let mut child = node;
        while let Some(c) = child {
            match self.doc.nodes[c].kind {
                NodeKind::Element => {
                    let parent = self.doc.nodes[c].parent.map(|p| self.name(p)).unwrap_or_default();
                    let code = match def.kind {
                        Kind::Datatype => ErrCode::DataElem,
                        Kind::Value => ErrCode::ValElem,
                        _ => ErrCode::ListElem,
                    };
                    self.err(code, &parent, "");
                    return -1;
                }
                NodeKind::Text => content.push_str(&self.doc.nodes[c].text),
                _ => {}
            }
            child = self.doc.nodes[c].next;
        }
        match def.kind {
            Kind::Datatype => {
                let ret = self.validate_datatype(Some(&content), d);
                if ret == -1 {
                    self.err(ErrCode::Datatype, def.name(), "");
                } else if ret == 0 {
                    self.cur().seq = None;
                }
                ret
            }
            Kind::Value => {
                let saved = self.value.replace(Value { toks: vec![content], pos: 0, list: false });
                let ret = self.validate_value(d);
                self.value = saved;
                if ret == -1 {
                    self.err(ErrCode::Value, def.name(), "");
                } else if ret == 0 {
                    self.cur().seq = None;
                }
                ret
            }
            _ => {
                let saved = self.value.replace(Value { toks: vec![content], pos: 0, list: false });
                let ret = self.validate_value(d);
                self.value = saved;
                if ret == -1 {
                    self.err(ErrCode::List, "", "");
                } else if ret == 0 {
                    if let Some(n) = node {
                        let nx = self.doc.nodes[n].next;
                        self.cur().seq = nx;
                    }
                }
                ret
            }
        }
    }
}
