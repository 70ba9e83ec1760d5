//! `<cpu>` (guest CPU model, topology, NUMA cells) and `<seclabel>`.

use super::props::{self, *};
use crate::conf::xml::XmlWriter;
use crate::core::error::{Error, Result};
use crate::generated::consts::*;
use roxmltree::Node;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cpu {
    pub mode: Option<String>,
    pub match_: Option<String>,
    pub check: Option<String>,
    pub migratable: Option<String>,
    pub model: Option<(Attrs, Option<String>)>,
    pub vendor: Option<String>,
    pub topology: Option<Attrs>,
    pub cache: Option<Attrs>,
    pub maxphysaddr: Option<Attrs>,
    pub features: Vec<(String, String)>,
    pub cells: Vec<Attrs>,
}

const MODEL: props::Spec = &[("fallback", Kind::Enum(&["allow", "forbid"])), ("vendor_id", Kind::Str)];
const TOPOLOGY: props::Spec =
    &[("sockets", Kind::UInt), ("dies", Kind::UInt), ("cores", Kind::UInt), ("threads", Kind::UInt)];
const CACHE: props::Spec = &[("level", Kind::UInt), ("mode", Kind::Enum(&["emulate", "passthrough", "disable"]))];
const MAXPHYS: props::Spec = &[("mode", Kind::Enum(&["emulate", "passthrough"])), ("limit", Kind::UInt)];
const CELL: props::Spec = &[
    ("id", Kind::UInt),
    ("cpus", Kind::Str),
    ("memory", Kind::Str),
    ("unit", Kind::Str),
    ("memAccess", Kind::Enum(&["shared", "private"])),
    ("discard", Kind::Enum(YES_NO)),
];

fn cpu_err(code: i32, msg: impl AsRef<str>) -> Error {
    Error::with_detail(VIR_FROM_CPU, code, msg)
}

impl Cpu {
    pub fn parse(root: Node) -> Result<Option<Cpu>> {
        let Some(n) = child(root, "cpu") else { return Ok(None) };
        let mut c = Cpu::default();
        let model = child(n, "model");
        let mode = match attr(n, "mode") {
            Some(m @ ("custom" | "host-model" | "host-passthrough" | "maximum")) => Some(m.to_string()),
            Some(m) => return Err(cpu_err(VIR_ERR_CONFIG_UNSUPPORTED, format!("Invalid mode attribute '{m}'"))),
            None if model.is_some() => Some("custom".into()),
            None => None,
        };
        c.mode = mode.clone();
        let custom = mode.as_deref() == Some("custom");
        if let Some(m) = attr(n, "match") {
            if !["minimum", "exact", "strict"].contains(&m) {
                return Err(cpu_err(
                    VIR_ERR_XML_ERROR,
                    format!("Invalid match attribute for CPU specification: '{m}'"),
                ));
            }
            c.match_ = Some(m.to_string());
        } else if custom {
            c.match_ = Some("exact".into());
        }
        c.check = enum_attr(n, "check", &["none", "partial", "full"])?;
        c.migratable = enum_attr(n, "migratable", ON_OFF)?;
        if let Some(m) = model {
            let name = text_of(m).trim().to_string();
            if !name.is_empty() || custom {
                let mut a = Attrs::parse(m, MODEL)?;
                if a.get("fallback").is_none() && custom {
                    a.set(MODEL, "fallback", "allow");
                }
                c.model = Some((a, (!name.is_empty()).then_some(name)));
            }
        }
        c.vendor = child_text(n, "vendor").map(|v| v.trim().to_string());
        if let Some(t) = child(n, "topology") {
            let mut a = Attrs::parse(t, TOPOLOGY)?;
            for k in ["sockets", "dies", "cores", "threads"] {
                if a.get(k).is_none() {
                    a.set(TOPOLOGY, k, "1");
                }
            }
            c.topology = Some(a);
        }
        c.cache = child(n, "cache").map(|x| Attrs::parse(x, CACHE)).transpose()?;
        if let Some(x) = child(n, "maxphysaddr") {
            let mut a = Attrs::parse(x, MAXPHYS)?;
            if a.get("mode") != Some("emulate") {
                a.remove("limit");
            }
            c.maxphysaddr = Some(a);
        }
        for f in children(n, "feature") {
            let name = attr(f, "name").ok_or_else(|| cpu_err(VIR_ERR_XML_ERROR, "Invalid 'name' attribute"))?;
            let policy = attr(f, "policy").unwrap_or("require");
            c.features.push((policy.to_string(), name.to_string()));
        }
        let custom_or_none = mode.as_deref().unwrap_or("custom") == "custom";
        if !c.features.is_empty() && custom_or_none && c.model.as_ref().map(|m| m.1.is_none()).unwrap_or(true) {
            return Err(cpu_err(VIR_ERR_XML_ERROR, "Non-empty feature list specified without CPU model"));
        }
        for (policy, _) in &c.features {
            if !["force", "require", "optional", "disable", "forbid"].contains(&policy.as_str()) {
                return Err(cpu_err(VIR_ERR_XML_ERROR, format!("Invalid CPU feature policy '{policy}'")));
            }
        }
        if let Some(numa) = child(n, "numa") {
            for (i, cell) in children(numa, "cell").enumerate() {
                let mut a = Attrs::parse(cell, CELL)?;
                if a.get("id").is_none() {
                    a.set(CELL, "id", i.to_string());
                }
                let cpus = a.get("cpus").map(canon_bitmap).transpose()?;
                if let Some(cpus) = cpus {
                    a.set(CELL, "cpus", cpus);
                }
                let mem = attr(cell, "memory").ok_or_else(|| dom_err("Missing 'memory' attribute in NUMA cell"))?;
                let v: u64 = mem
                    .parse()
                    .map_err(|_| dom_err(format!("Invalid value '{mem}' for element or attribute './@memory'")))?;
                let scale = attr(cell, "unit").map(unit_scale).transpose()?.unwrap_or(1024);
                a.set(CELL, "memory", (v * scale).div_ceil(1024).to_string());
                a.set(CELL, "unit", "KiB");
                c.cells.push(a);
            }
        }
        Ok(Some(c))
    }

    /// Total memory of the NUMA cells, in KiB.
    pub fn numa_memory(&self) -> u64 {
        self.cells.iter().filter_map(|c| c.get("memory")).filter_map(|m| m.parse::<u64>().ok()).sum()
    }

    pub fn format(&self, w: &mut XmlWriter) {
        let attrs = [
            ("mode", self.mode.as_deref()),
            ("match", self.match_.as_deref()),
            ("check", self.check.as_deref()),
            ("migratable", self.migratable.as_deref()),
        ];
        let has_body = self.model.is_some()
            || self.vendor.is_some()
            || self.topology.is_some()
            || self.cache.is_some()
            || self.maxphysaddr.is_some()
            || !self.features.is_empty()
            || !self.cells.is_empty();
        if !has_body {
            w.empty("cpu", &attrs);
            return;
        }
        w.open("cpu", &attrs);
        if let Some((a, name)) = &self.model {
            match name {
                Some(n) => w.text("model", &a.list(), n),
                None => w.empty("model", &a.list()),
            }
        }
        w.opt_text("vendor", self.vendor.as_deref());
        for (name, a) in [("topology", &self.topology), ("cache", &self.cache), ("maxphysaddr", &self.maxphysaddr)] {
            if let Some(a) = a {
                w.empty(name, &a.list());
            }
        }
        for (policy, name) in &self.features {
            let policy = if self.mode.as_deref() == Some("custom") || policy != "require" {
                Some(policy.as_str())
            } else {
                None
            };
            w.empty("feature", &[("policy", policy), ("name", Some(name))]);
        }
        if !self.cells.is_empty() {
            w.open("numa", &[]);
            for c in &self.cells {
                w.empty("cell", &c.list());
            }
            w.close("numa");
        }
        w.close("cpu");
    }
}

/// One `<seclabel>`.
#[derive(Clone, Debug, PartialEq)]
pub struct SecLabel {
    pub kind: String,
    pub model: Option<String>,
    pub relabel: Option<bool>,
    pub label: Option<String>,
    pub imagelabel: Option<String>,
    pub baselabel: Option<String>,
}

impl SecLabel {
    pub fn parse_all(root: Node) -> Result<Vec<SecLabel>> {
        let nodes: Vec<Node> = children(root, "seclabel").collect();
        let mut out = Vec::new();
        for n in &nodes {
            let kind = enum_attr(*n, "type", &["dynamic", "static", "none"])?;
            let model = attr_s(*n, "model");
            if nodes.len() > 1 && model.is_none() {
                return Err(dom_err("missing security model when using multiple labels"));
            }
            let Some(kind) = kind else { continue };
            let relabel = match enum_attr(*n, "relabel", YES_NO)? {
                Some(v) => Some(v == "yes"),
                None if kind == "none" => None,
                None => Some(kind == "dynamic"),
            };
            let text = |name| child_text(*n, name).map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
            let mut s = SecLabel { kind, model, relabel, label: None, imagelabel: None, baselabel: text("baselabel") };
            if s.kind == "static" {
                s.label = Some(text("label").ok_or_else(|| dom_err("security label is missing"))?);
            }
            if s.kind == "none" {
                s.relabel = None;
            }
            out.push(s);
        }
        Ok(out)
    }

    pub fn format(&self, w: &mut XmlWriter) {
        let relabel = self.relabel.map(|r| if r { "yes" } else { "no" });
        let attrs = [("type", Some(self.kind.as_str())), ("model", self.model.as_deref()), ("relabel", relabel)];
        let kids = [("label", &self.label), ("imagelabel", &self.imagelabel), ("baselabel", &self.baselabel)];
        if kids.iter().all(|(_, v)| v.is_none()) {
            w.empty("seclabel", &attrs);
            return;
        }
        w.open("seclabel", &attrs);
        for (name, v) in kids {
            w.opt_text(name, v.as_deref());
        }
        w.close("seclabel");
    }
}
