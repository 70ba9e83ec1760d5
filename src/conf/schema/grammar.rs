//! The compiled grammar of one document, read from the line tables that
//! tools/gen_schemas.py writes into `generated.rs`.
//!
//! One line per pattern, tab-separated: kind, name, namespace, value, the
//! ids of its content, attribute and name-class patterns, and an extra
//! field (choice triage, interleave partition, content automaton or
//! datatype library).  Lines starting with `@` are the deterministic
//! automata of the element contents, one tab-separated field per state:
//! `F` (final) or `-`, then `token=target:pattern` transitions.

use std::collections::HashMap;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Element,
    Attribute,
    Choice,
    Interleave,
    Optional,
    ZeroOrMore,
    OneOrMore,
    Text,
    Empty,
    NotAllowed,
    Value,
    Datatype,
    List,
    Except,
    Param,
    /// A sequence validated item by item (group, define).
    Group,
    /// A pointer to one pattern (reference, start).
    Ref,
}

pub struct Interleave {
    pub determinist: bool,
    pub needcheck: bool,
    pub mixed: bool,
    /// Each group: its rule and the elements (or text) it may start with.
    pub groups: Vec<(usize, Vec<usize>)>,
    /// Element name -> 1-based group index.
    pub triage: HashMap<String, usize>,
}

pub enum Extra {
    None,
    Triage(HashMap<String, usize>),
    Interleave(Box<Interleave>),
    Model(usize),
    /// Datatype or typed value: true for the XML Schema library.
    Library(bool),
}

pub struct Def {
    pub kind: Kind,
    pub name: Option<String>,
    pub ns: Option<String>,
    pub value: Option<String>,
    pub content: Vec<usize>,
    pub attrs: Vec<usize>,
    pub name_class: Vec<usize>,
    pub extra: Extra,
}

impl Def {
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or("")
    }

    /// The namespace, None when empty.
    pub fn namespace(&self) -> Option<&str> {
        self.ns.as_deref().filter(|s| !s.is_empty())
    }
}

pub struct State {
    pub is_final: bool,
    pub next: HashMap<String, (usize, Option<usize>)>,
}

pub struct Grammar {
    pub start: usize,
    pub defs: Vec<Def>,
    pub models: Vec<Vec<State>>,
}

fn unescape(s: &str) -> Option<String> {
    match s {
        "~" => return None,
        "\\e" => return Some(String::new()),
        _ => {}
    }
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some(o) => out.push(o),
            None => {}
        }
    }
    Some(out)
}

fn ids(s: &str) -> Vec<usize> {
    if s == "-" {
        return Vec::new();
    }
    s.split(',').filter_map(|x| x.parse().ok()).collect()
}

fn key_map(s: &str) -> HashMap<String, usize> {
    s.split(' ')
        .filter(|kv| !kv.is_empty() && *kv != "-" && *kv != "+")
        .filter_map(|kv| {
            let (k, v) = kv.rsplit_once('=')?;
            Some((unescape(k)?, v.parse().ok()?))
        })
        .collect()
}

fn kind(c: &str) -> Kind {
    match c {
        "E" => Kind::Element,
        "A" => Kind::Attribute,
        "C" => Kind::Choice,
        "I" => Kind::Interleave,
        "O" => Kind::Optional,
        "Z" => Kind::ZeroOrMore,
        "M" => Kind::OneOrMore,
        "T" => Kind::Text,
        "Y" => Kind::Empty,
        "N" => Kind::NotAllowed,
        "V" => Kind::Value,
        "D" => Kind::Datatype,
        "S" => Kind::List,
        "X" => Kind::Except,
        "P" => Kind::Param,
        "G" => Kind::Group,
        _ => Kind::Ref,
    }
}

fn interleave(s: &str) -> Extra {
    let mut parts = s.splitn(3, ';');
    let flags: u32 = parts.next().and_then(|f| f.parse().ok()).unwrap_or(0);
    let groups = parts
        .next()
        .unwrap_or("")
        .split(' ')
        .filter_map(|g| {
            let (rule, defs) = g.split_once(':')?;
            Some((rule.parse().ok()?, ids(defs)))
        })
        .collect();
    Extra::Interleave(Box::new(Interleave {
        determinist: flags & 1 != 0,
        needcheck: flags & 2 != 0,
        mixed: flags & 4 != 0,
        groups,
        triage: key_map(parts.next().unwrap_or("-")),
    }))
}

fn model(line: &str) -> Vec<State> {
    line.split('\t')
        .map(|st| {
            let is_final = st.starts_with('F');
            let next = st[1..]
                .split(' ')
                .filter_map(|t| {
                    let (tok, rest) = t.rsplit_once('=')?;
                    let (tgt, def) = rest.split_once(':')?;
                    Some((unescape(tok)?, (tgt.parse().ok()?, def.parse().ok())))
                })
                .collect();
            State { is_final, next }
        })
        .collect()
}

impl Grammar {
    pub fn parse(start: usize, text: &str) -> Grammar {
        let mut defs = Vec::new();
        let mut models = Vec::new();
        for line in text.lines() {
            if let Some(m) = line.strip_prefix('@') {
                models.push(model(m));
                continue;
            }
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() < 8 {
                continue;
            }
            let k = kind(f[0]);
            let extra = match (k, f[7]) {
                (_, "-") => Extra::None,
                (Kind::Choice, t) => Extra::Triage(key_map(t)),
                (Kind::Interleave, t) => interleave(t),
                (Kind::Element, t) => t.parse().map(Extra::Model).unwrap_or(Extra::None),
                (_, t) => Extra::Library(t == "x"),
            };
            defs.push(Def {
                kind: k,
                name: unescape(f[1]),
                ns: unescape(f[2]),
                value: unescape(f[3]),
                content: ids(f[4]),
                attrs: ids(f[5]),
                name_class: ids(f[6]),
                extra,
            });
        }
        Grammar { start, defs, models }
    }
}
