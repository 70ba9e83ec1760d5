//! A domain's snapshots or checkpoints as libvirt keeps them: definitions
//! by name, a tree linked through their parents (each node's children
//! newest first, roots hanging off an unnamed top), and a current one.
//! Listing follows libvirt's traversals and filters.

use crate::conf::checkpoint::CheckpointDef;
use crate::conf::domain::{DomainDef, FormatOpts};
use crate::conf::moment::Moment;
use crate::conf::snapshot::SnapshotDef;
use crate::core::error::{Error, Result};
use crate::generated::consts::*;
use std::collections::BTreeMap;

/// A definition kept in a [`MomentTree`].
pub trait MomentDef: Clone {
    fn moment(&self) -> &Moment;
    fn moment_mut(&mut self) -> &mut Moment;
}

impl MomentDef for SnapshotDef {
    fn moment(&self) -> &Moment {
        &self.moment
    }
    fn moment_mut(&mut self) -> &mut Moment {
        &mut self.moment
    }
}

impl MomentDef for CheckpointDef {
    fn moment(&self) -> &Moment {
        &self.moment
    }
    fn moment_mut(&mut self) -> &mut Moment {
        &mut self.moment
    }
}

pub fn has(flags: u32, bit: i32) -> bool {
    flags & bit as u32 != 0
}

/// The public API's checks on flag combinations.
pub fn require_flag(flags: u32, flag: (i32, &str), needs: (i32, &str), api: (&str, i32)) -> Result<()> {
    if has(flags, flag.0) && !has(flags, needs.0) {
        let msg = format!("Flag '{}' is required by flag '{}'", needs.1, flag.1);
        return Err(Error::arg_error("flags", api.0, msg).from_domain(api.1));
    }
    Ok(())
}

pub fn exclusive_flags(flags: u32, a: (i32, &str), b: (i32, &str), api: (&str, i32)) -> Result<()> {
    if has(flags, a.0) && has(flags, b.0) {
        let msg = format!("Flags '{}' and '{}' are mutually exclusive", a.1, b.1);
        return Err(Error::arg_error("flags", api.0, msg).from_domain(api.1));
    }
    Ok(())
}

/// A flag with its name, for the messages above.
macro_rules! flag {
    ($name:ident) => {
        ($name, stringify!($name))
    };
}
pub(super) use flag;

#[derive(Clone)]
struct Node<D> {
    def: D,
    /// The node this one hangs from (`None`: the top).
    parent: Option<String>,
    children: Vec<String>,
}

/// The tree of one domain's moments.
#[derive(Clone)]
pub struct MomentTree<D> {
    nodes: BTreeMap<String, Node<D>>,
    roots: Vec<String>,
    current: Option<String>,
}

impl<D> MomentTree<D> {
    pub const EMPTY: MomentTree<D> = MomentTree { nodes: BTreeMap::new(), roots: Vec::new(), current: None };
}

impl<D> Default for MomentTree<D> {
    fn default() -> Self {
        Self::EMPTY
    }
}

/// How to walk the tree when listing (libvirt's moment list flags).
#[derive(Clone, Copy, Default)]
pub struct Walk {
    /// From the top: only the roots; from a node: all descendants.
    pub roots_or_descendants: bool,
    pub leaves: bool,
    pub no_leaves: bool,
    /// Nothing matches (moments without metadata were asked for).
    pub none: bool,
}

impl<D: MomentDef> MomentTree<D> {
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn get(&self, name: &str) -> Option<&D> {
        self.nodes.get(name).map(|n| &n.def)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.nodes.contains_key(name)
    }

    pub fn current(&self) -> Option<&str> {
        self.current.as_deref()
    }

    pub fn set_current(&mut self, name: Option<&str>) {
        self.current = name.map(str::to_string);
    }

    pub fn num_children(&self, name: &str) -> usize {
        self.nodes.get(name).map_or(0, |n| n.children.len())
    }

    /// Adds a new definition (not linked yet).
    pub fn insert(&mut self, def: D) -> Result<()> {
        let name = def.moment().name.clone();
        if self.nodes.contains_key(&name) {
            return Err(Error::with_detail(
                VIR_FROM_DOMAIN,
                VIR_ERR_OPERATION_FAILED,
                format!("domain moment {name} already exists"),
            ));
        }
        self.nodes.insert(name, Node { def, parent: None, children: Vec::new() });
        Ok(())
    }

    /// Replaces a definition in place, keeping its children; the caller
    /// re-links it under its (new) parent.
    pub fn replace(&mut self, def: D) {
        let name = def.moment().name.clone();
        self.drop_parent(&name);
        if let Some(n) = self.nodes.get_mut(&name) {
            n.def = def;
        }
    }

    fn children_of_mut(&mut self, parent: Option<&str>) -> Option<&mut Vec<String>> {
        match parent {
            None => Some(&mut self.roots),
            Some(p) => self.nodes.get_mut(p).map(|n| &mut n.children),
        }
    }

    /// Hangs a node under the parent its definition names, or at the top
    /// when that parent is unknown; it becomes the newest child.
    pub fn link_parent(&mut self, name: &str) {
        let Some(node) = self.nodes.get(name) else { return };
        let parent = node.def.moment().parent.clone().filter(|p| self.nodes.contains_key(p));
        if let Some(list) = self.children_of_mut(parent.as_deref()) {
            list.insert(0, name.to_string());
        }
        if let Some(n) = self.nodes.get_mut(name) {
            n.parent = parent;
        }
    }

    /// Unhangs a node from its parent.
    pub fn drop_parent(&mut self, name: &str) {
        let Some(parent) = self.nodes.get(name).map(|n| n.parent.clone()) else { return };
        if let Some(list) = self.children_of_mut(parent.as_deref()) {
            list.retain(|c| c != name);
        }
        if let Some(n) = self.nodes.get_mut(name) {
            n.parent = None;
        }
    }

    /// Removes a node; tells whether it was the current one.
    pub fn remove(&mut self, name: &str) -> bool {
        self.nodes.remove(name);
        let was = self.current.as_deref() == Some(name);
        if was {
            self.current = None;
        }
        was
    }

    /// Descendants of a node (or of the top) in depth-first pre-order,
    /// each node's children newest first.
    pub fn descendants(&self, from: Option<&str>) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack: Vec<&str> = Vec::new();
        let start = match from {
            None => &self.roots,
            Some(f) => match self.nodes.get(f) {
                Some(n) => &n.children,
                None => return out,
            },
        };
        stack.extend(start.iter().rev().map(String::as_str));
        while let Some(name) = stack.pop() {
            out.push(name.to_string());
            if let Some(n) = self.nodes.get(name) {
                stack.extend(n.children.iter().rev().map(String::as_str));
            }
        }
        out
    }

    /// Direct children of a node (or the roots).
    pub fn children(&self, from: Option<&str>) -> Vec<String> {
        match from {
            None => self.roots.clone(),
            Some(f) => self.nodes.get(f).map(|n| n.children.clone()).unwrap_or_default(),
        }
    }

    /// Names listed from a node (or the top) as libvirt walks them, kept
    /// by `keep`.
    pub fn list(&self, from: Option<&str>, walk: Walk, keep: impl Fn(&D) -> bool) -> Vec<String> {
        if walk.none {
            return Vec::new();
        }
        // From the top the flag's sense flips: set means roots only.
        let all = if from.is_none() { !walk.roots_or_descendants } else { walk.roots_or_descendants };
        let names = if all { self.descendants(from) } else { self.children(from) };
        names
            .into_iter()
            .filter(|n| {
                let Some(node) = self.nodes.get(n) else { return false };
                let leaf = node.children.is_empty();
                (!walk.leaves || leaf) && (!walk.no_leaves || !leaf) && keep(&node.def)
            })
            .collect()
    }

    /// Deletes a node as the test driver does: with `children` its
    /// descendants go too (the node becomes current if one of them was);
    /// otherwise its children move up to its parent. `children_only`
    /// keeps the node itself.
    pub fn delete(&mut self, name: &str, children: bool, children_only: bool) {
        if children || children_only {
            let mut was_current = false;
            for d in self.descendants(Some(name)) {
                was_current |= self.remove(&d);
            }
            if was_current {
                self.current = Some(name.to_string());
            }
        } else if self.num_children(name) > 0 {
            self.move_children_up(name);
        }
        if children_only {
            if let Some(n) = self.nodes.get_mut(name) {
                n.children.clear();
            }
            return;
        }
        self.drop_parent(name);
        if self.current.as_deref() == Some(name) {
            let parent = self.nodes.get(name).and_then(|n| n.def.moment().parent.clone());
            self.current = parent.filter(|p| self.nodes.contains_key(p));
        }
        self.remove(name);
    }

    /// Gives a node's children to its parent (ahead of the parent's own),
    /// renaming their recorded parent.
    fn move_children_up(&mut self, name: &str) {
        let Some(node) = self.nodes.get_mut(name) else { return };
        let kids = std::mem::take(&mut node.children);
        let parent = node.parent.clone();
        for k in &kids {
            if let Some(c) = self.nodes.get_mut(k) {
                c.def.moment_mut().parent = parent.clone();
                c.parent = parent.clone();
            }
        }
        if let Some(list) = self.children_of_mut(parent.as_deref()) {
            let mut merged = kids;
            merged.append(list);
            *list = merged;
        }
    }

    /// The first ancestor chain check of a redefinition: its parent must
    /// exist and must not descend from it.
    pub fn check_cycles(&self, name: &str, parent: Option<&str>) -> Result<()> {
        let Some(p) = parent else { return Ok(()) };
        let inval = |m: String| Error::with_detail(VIR_FROM_DOMAIN, VIR_ERR_INVALID_ARG, m);
        if p == name {
            return Err(inval(format!("cannot set moment {name} as its own parent")));
        }
        let Some(mut other) = self.nodes.get(p) else {
            return Err(inval(format!("parent {p} for moment {name} not found")));
        };
        let mut steps = 0;
        while let Some(pp) = other.def.moment().parent.as_deref() {
            if pp == name {
                return Err(inval(format!("parent {} would create cycle to {name}", other.def.moment().name)));
            }
            steps += 1;
            match self.nodes.get(pp) {
                Some(n) if steps <= self.nodes.len() => other = n,
                _ => break,
            }
        }
        Ok(())
    }
}

/// A copy of a definition as libvirt makes one (written out and read
/// back, which may reorder disks the way a fresh definition would be).
pub fn copy_def(def: &DomainDef) -> DomainDef {
    DomainDef::parse(&def.format(FormatOpts { id: None, secure: true })).unwrap_or_else(|_| def.clone())
}

/// A domain's snapshots and checkpoints.
#[derive(Clone, Default)]
pub struct DomMoments {
    pub snapshots: MomentTree<SnapshotDef>,
    pub checkpoints: MomentTree<CheckpointDef>,
}

impl DomMoments {
    /// What a domain without snapshots or checkpoints reads.
    pub const NONE: DomMoments = DomMoments { snapshots: MomentTree::EMPTY, checkpoints: MomentTree::EMPTY };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(name: &str, parent: Option<&str>) -> CheckpointDef {
        let mut d = CheckpointDef::default();
        d.moment.name = name.into();
        d.moment.parent = parent.map(str::to_string);
        d
    }

    fn tree() -> MomentTree<CheckpointDef> {
        let mut t = MomentTree::default();
        for (n, p) in [("a", None), ("b", Some("a")), ("c", Some("b")), ("d", Some("b")), ("e", None)] {
            t.insert(def(n, p)).unwrap();
            t.link_parent(n);
        }
        t
    }

    #[test]
    fn walks_newest_children_first_and_filters_leaves() {
        let mut t = tree();
        assert_eq!(t.descendants(None), ["e", "a", "b", "d", "c"]);
        assert_eq!(t.list(None, Walk { roots_or_descendants: true, ..Walk::default() }, |_| true), ["e", "a"]);
        assert_eq!(t.list(Some("b"), Walk::default(), |_| true), ["d", "c"]);
        let leaves = Walk { leaves: true, ..Walk::default() };
        assert_eq!(t.list(None, leaves, |_| true), ["e", "d", "c"]);
        let both = Walk { leaves: true, no_leaves: true, ..Walk::default() };
        assert!(t.list(None, both, |_| true).is_empty());
        assert_eq!(t.insert(def("a", None)).unwrap_err().message, "operation failed: domain moment a already exists");
    }

    #[test]
    fn deleting_moves_children_up_or_takes_them_along() {
        let mut t = tree();
        t.set_current(Some("b"));
        t.delete("b", false, false);
        assert_eq!(t.children(Some("a")), ["d", "c"]);
        assert_eq!(t.get("c").unwrap().moment.parent.as_deref(), Some("a"));
        assert_eq!(t.current(), Some("a"));
        let mut t = tree();
        t.set_current(Some("c"));
        t.delete("b", false, true);
        assert_eq!((t.len(), t.current(), t.num_children("b")), (3, Some("b"), 0));
        t.delete("a", true, false);
        assert_eq!(t.descendants(None), ["e"]);
    }

    #[test]
    fn redefinitions_may_not_form_cycles() {
        let t = tree();
        assert!(t.check_cycles("x", Some("c")).is_ok());
        assert_eq!(
            t.check_cycles("a", Some("c")).unwrap_err().message,
            "invalid argument: parent b would create cycle to a"
        );
        assert_eq!(
            t.check_cycles("a", Some("a")).unwrap_err().message,
            "invalid argument: cannot set moment a as its own parent"
        );
        assert_eq!(
            t.check_cycles("a", Some("zz")).unwrap_err().message,
            "invalid argument: parent zz for moment a not found"
        );
    }
}
