//! Resources of a domain: memory and its tuning, vCPUs, I/O threads, CPU
//! and NUMA tuning, and the small host-facing blocks (resource partition,
//! sysinfo, idmap, keywrap).

use super::cputune_sched;
use super::props::{self, *};
use super::tree::{ESpec, Elem, Text};
use crate::conf::xml::XmlWriter;
use crate::core::error::{Error, Result};
use crate::core::uuid::{self, Uuid};
use crate::generated::consts::*;
use roxmltree::Node;

/// `<memtune>`/`<memoryBacking>`-style limits kept in KiB.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MemTune {
    pub hard_limit: Option<u64>,
    pub soft_limit: Option<u64>,
    pub min_guarantee: Option<u64>,
    pub swap_hard_limit: Option<u64>,
}

/// "Unlimited" as libvirt stores memory limits.
pub const MEM_UNLIMITED: u64 = 9_007_199_254_740_991;

impl MemTune {
    pub fn parse(root: Node) -> Result<MemTune> {
        let mut m = MemTune::default();
        let Some(n) = child(root, "memtune") else { return Ok(m) };
        let get = |name: &str| -> Result<Option<u64>> {
            match child(n, name) {
                None => Ok(None),
                Some(c) => Ok(Some(scaled_kib(c, &format!("./memtune/{name}[1]"), "unit")?.min(MEM_UNLIMITED))),
            }
        };
        m.hard_limit = get("hard_limit")?;
        m.soft_limit = get("soft_limit")?;
        m.min_guarantee = get("min_guarantee")?;
        m.swap_hard_limit = get("swap_hard_limit")?;
        Ok(m)
    }

    pub fn format(&self, w: &mut XmlWriter) {
        let items = [
            ("hard_limit", self.hard_limit),
            ("soft_limit", self.soft_limit),
            ("min_guarantee", self.min_guarantee),
            ("swap_hard_limit", self.swap_hard_limit),
        ];
        if items.iter().all(|(_, v)| v.is_none()) {
            return;
        }
        w.open("memtune", &[]);
        for (name, v) in items {
            if let Some(v) = v {
                w.text(name, &[("unit", Some("KiB"))], &v.to_string());
            }
        }
        w.close("memtune");
    }
}

pub const BLKIO_DEVICE: ESpec = ESpec::new(
    "device",
    &[],
    &[
        &ESpec::text("path", &[], Text::Str { trim: true }),
        &ESpec::text("weight", &[], Text::UInt),
        &ESpec::text("read_iops_sec", &[], Text::UInt),
        &ESpec::text("write_iops_sec", &[], Text::UInt),
        &ESpec::text("read_bytes_sec", &[], Text::UInt),
        &ESpec::text("write_bytes_sec", &[], Text::UInt),
    ],
);
pub const BLKIOTUNE: ESpec = ESpec::new("blkiotune", &[], &[&ESpec::text("weight", &[], Text::UInt), &BLKIO_DEVICE]);

const PAGE: ESpec = ESpec::new("page", &[("size", Kind::UInt), ("unit", Kind::Str)], &[]);
pub const MEMORY_BACKING: ESpec = ESpec::new(
    "memoryBacking",
    &[],
    &[
        &ESpec::new("hugepages", &[], &[&PAGE]),
        &ESpec::new("nosharepages", &[], &[]),
        &ESpec::new("locked", &[], &[]),
        &ESpec::new("source", &[("type", Kind::Enum(&["file", "anonymous", "memfd"]))], &[]),
        &ESpec::new("access", &[("mode", Kind::Enum(&["shared", "private"]))], &[]),
        &ESpec::new("allocation", &[("mode", Kind::Enum(&["immediate", "ondemand"])), ("threads", Kind::UInt)], &[]),
        &ESpec::new("discard", &[], &[]),
    ],
);

/// `<vcpu>`.
#[derive(Clone, Debug, PartialEq)]
pub struct Vcpu {
    pub max: u32,
    pub current: u32,
    pub placement: &'static str,
    pub cpuset: Option<String>,
}

impl Vcpu {
    pub fn parse(root: Node) -> Result<Vcpu> {
        let Some(n) = child(root, "vcpu") else {
            return Ok(Vcpu { max: 1, current: 1, placement: "static", cpuset: None });
        };
        let t = text_of(n);
        let max = if t.trim().is_empty() {
            1
        } else {
            t.trim().parse::<u32>().map_err(|_| dom_err("maximum vcpus count must be an integer"))?
        };
        let current = uint_attr(n, "current")?.unwrap_or(max);
        let placement = enum_attr(n, "placement", &["static", "auto"])?;
        let cpuset = attr(n, "cpuset").map(canon_bitmap).transpose()?;
        let placement = if placement.as_deref() == Some("auto") { "auto" } else { "static" };
        Ok(Vcpu { max, current, placement, cpuset })
    }

    pub fn format(&self, w: &mut XmlWriter) {
        let cur = (self.current != self.max).then(|| self.current.to_string());
        let cpuset = if self.placement == "static" { self.cpuset.as_deref() } else { None };
        w.text(
            "vcpu",
            &[("placement", Some(self.placement)), ("cpuset", cpuset), ("current", cur.as_deref())],
            &self.max.to_string(),
        );
    }
}

pub const VCPUS: ESpec = ESpec::new(
    "vcpus",
    &[],
    &[&ESpec::new(
        "vcpu",
        &[
            ("id", Kind::UInt),
            ("enabled", Kind::Enum(YES_NO)),
            ("hotpluggable", Kind::Enum(YES_NO)),
            ("order", Kind::UInt),
        ],
        &[],
    )],
);

/// `<iothreads>`, `<iothreadids>` and `<defaultiothread>`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IoThreads {
    /// Ids of the I/O threads, in definition order.
    pub ids: Vec<u32>,
    /// Whether `<iothreadids>` lists them (else only the count is shown).
    pub explicit: bool,
    /// Worker pool bounds of the threads that set them, by id.
    pub pools: Vec<(u32, Attrs)>,
    /// Worker pool bounds of the emulator's own I/O thread.
    pub default_pool: Option<Attrs>,
}

const POOL: props::Spec = &[("thread_pool_min", Kind::UInt), ("thread_pool_max", Kind::UInt)];

/// Pool bounds, if any: a minimum needs a maximum at least as large.
fn parse_pool(n: Node) -> Result<Option<Attrs>> {
    let pool = Attrs::parse(n, POOL)?;
    let bound = |k| pool.get(k).and_then(|v| v.parse::<u64>().ok());
    if let Some(min) = bound("thread_pool_min") {
        if bound("thread_pool_max").is_none_or(|max| min > max) {
            return Err(unsupported("thread_pool_min must be smaller or equal to thread_pool_max"));
        }
    }
    Ok((!pool.is_empty()).then_some(pool))
}

impl IoThreads {
    pub fn parse(root: Node) -> Result<IoThreads> {
        let count = match child_text(root, "iothreads") {
            Some(t) => {
                t.trim().parse::<u32>().map_err(|_| dom_err(format!("invalid iothreads count '{}'", t.trim())))?
            }
            None => 0,
        };
        let mut ids = Vec::new();
        let mut pools = Vec::new();
        if let Some(list) = child(root, "iothreadids") {
            for t in children(list, "iothread") {
                let id = uint_attr(t, "id")?.ok_or_else(|| missing_attr(t, "id"))?;
                if id == 0 {
                    return Err(dom_err("invalid iothread 'id' value '0'"));
                }
                if ids.contains(&id) {
                    return Err(dom_err(format!("duplicate iothread id '{id}' found")));
                }
                ids.push(id);
                if let Some(p) = parse_pool(t)? {
                    pools.push((id, p));
                }
            }
        }
        let default_pool = child(root, "defaultiothread").map(parse_pool).transpose()?.flatten();
        let explicit = !ids.is_empty();
        let mut next = 1;
        while (ids.len() as u32) < count {
            while ids.contains(&next) {
                next += 1;
            }
            ids.push(next);
        }
        Ok(IoThreads { ids, explicit, pools, default_pool })
    }

    pub fn format(&self, w: &mut XmlWriter) {
        if !self.ids.is_empty() {
            w.text("iothreads", &[], &self.ids.len().to_string());
        }
        if self.explicit {
            w.open("iothreadids", &[]);
            for id in &self.ids {
                let id_s = id.to_string();
                let mut attrs = vec![("id", Some(id_s.as_str()))];
                if let Some((_, p)) = self.pools.iter().find(|(i, _)| i == id) {
                    attrs.extend(p.list());
                }
                w.empty("iothread", &attrs);
            }
            w.close("iothreadids");
        }
        if let Some(p) = &self.default_pool {
            w.empty("defaultiothread", &p.list());
        }
    }
}

const PIN: props::Spec = &[("vcpu", Kind::UInt), ("iothread", Kind::UInt), ("cpuset", Kind::Str)];
pub const CPUTUNE: ESpec = ESpec::new(
    "cputune",
    &[],
    &[
        &ESpec::text("shares", &[], Text::UInt),
        &ESpec::text("period", &[], Text::UInt),
        &ESpec::text("quota", &[], Text::Int),
        &ESpec::text("global_period", &[], Text::UInt),
        &ESpec::text("global_quota", &[], Text::Int),
        &ESpec::text("emulator_period", &[], Text::UInt),
        &ESpec::text("emulator_quota", &[], Text::Int),
        &ESpec::text("iothread_period", &[], Text::UInt),
        &ESpec::text("iothread_quota", &[], Text::Int),
        &ESpec::new("vcpupin", PIN, &[]),
        &ESpec::new("emulatorpin", PIN, &[]),
        &ESpec::new("iothreadpin", PIN, &[]),
        &cputune_sched::EMULATORSCHED,
        &cputune_sched::VCPUSCHED,
        &cputune_sched::IOTHREADSCHED,
        &cputune_sched::CACHETUNE,
        &cputune_sched::MEMORYTUNE,
    ],
);

/// `<cputune>` with libvirt's checks on top of the plain tree.
pub fn parse_cputune(root: Node, vcpus: u32) -> Result<Option<Elem>> {
    let Some(n) = child(root, "cputune") else { return Ok(None) };
    if let Some(s) = child(n, "shares") {
        if text_of(s).trim().parse::<u64>().is_err() {
            return Err(dom_err("can't parse cputune shares value"));
        }
    }
    let mut e = Elem::parse(n, &CPUTUNE)?;
    for (name, lo, hi) in [
        ("period", 1000u64, 1_000_000u64),
        ("global_period", 1000, 1_000_000),
        ("emulator_period", 1000, 1_000_000),
        ("iothread_period", 1000, 1_000_000),
    ] {
        if let Some(v) = e.kid(name).and_then(|k| k.text.as_deref()).and_then(|t| t.parse::<u64>().ok()) {
            if v != 0 && !(lo..=hi).contains(&v) {
                return Err(unsupported(format!("Value of cputune '{name}' must be in range [{lo}, {hi}]")));
            }
        }
    }
    for name in ["quota", "global_quota", "emulator_quota", "iothread_quota"] {
        if let Some(v) = e.kid(name).and_then(|k| k.text.as_deref()).and_then(|t| t.parse::<i64>().ok()) {
            if v > 0 && !(1000..=17_592_186_044_415).contains(&v) {
                return Err(unsupported(format!("Value of cputune '{name}' must be in range [1000, 17592186044415]")));
            }
        }
    }
    let mut seen = Vec::new();
    let mut kept = Vec::new();
    for mut k in std::mem::take(&mut e.kids) {
        if let Some(c) = k.attr("cpuset").map(canon_bitmap).transpose()? {
            k.attrs.set(PIN, "cpuset", c);
        }
        if k.name == "vcpupin" {
            let v: u32 = k.attr("vcpu").and_then(|v| v.parse().ok()).unwrap_or(0);
            if v >= vcpus {
                continue;
            }
            if seen.contains(&v) {
                return Err(internal(format!("duplicate vcpupin for vcpu '{v}'")));
            }
            seen.push(v);
        }
        kept.push(k);
    }
    // pins are kept per vCPU and written in vCPU order
    let vcpu_of = |k: &Elem| k.attr("vcpu").and_then(|v| v.parse::<u32>().ok()).unwrap_or(0);
    let mut pins: Vec<Elem> = kept.iter().filter(|k| k.name == "vcpupin").cloned().collect();
    pins.sort_by_key(vcpu_of);
    let mut pins = pins.into_iter();
    for k in kept.iter_mut().filter(|k| k.name == "vcpupin") {
        *k = pins.next().expect("same count");
    }
    e.kids = cputune_sched::normalize(kept)?;
    Ok((!e.kids.is_empty()).then_some(e))
}

/// `<numatune>`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NumaTune {
    pub mode: Option<String>,
    pub placement: Option<String>,
    pub nodeset: Option<String>,
    pub memnodes: Vec<Attrs>,
}

const NUMA_MODES: &[&str] = &["strict", "preferred", "interleave", "restrictive"];
const MEMNODE: props::Spec = &[("cellid", Kind::UInt), ("mode", Kind::Str), ("nodeset", Kind::Str)];

impl NumaTune {
    pub fn parse(root: Node, vcpu_placement: &mut &'static str) -> Result<Option<NumaTune>> {
        let Some(n) = child(root, "numatune") else {
            if *vcpu_placement == "auto" {
                return Ok(Some(NumaTune {
                    mode: Some("strict".into()),
                    placement: Some("auto".into()),
                    ..Default::default()
                }));
            }
            return Ok(None);
        };
        let mut t = NumaTune::default();
        if let Some(m) = child(n, "memory") {
            let mode = match attr(m, "mode") {
                Some(v) if NUMA_MODES.contains(&v) => v.to_string(),
                Some(v) => return Err(unsupported(format!("Unsupported NUMA memory tuning mode '{v}'"))),
                None => "strict".into(),
            };
            let nodeset = attr(m, "nodeset").map(canon_bitmap).transpose()?;
            let placement = match attr(m, "placement") {
                Some(p @ ("static" | "auto")) => p.to_string(),
                Some(p) => return Err(unsupported(format!("Unsupported numatune placement '{p}'"))),
                None if nodeset.is_some() => "static".into(),
                None if *vcpu_placement == "auto" => "auto".into(),
                None => "static".into(),
            };
            if placement == "auto" {
                *vcpu_placement = "auto";
            }
            t.mode = Some(mode);
            t.placement = Some(placement);
            t.nodeset = nodeset;
        }
        for mn in children(n, "memnode") {
            let mut a = Attrs::parse(mn, MEMNODE)?;
            if let Some(v) = a.get("mode") {
                if !NUMA_MODES.contains(&v) {
                    return Err(unsupported(format!("Invalid mode attribute in memnode element: {v}")));
                }
            }
            if let Some(ns) = a.get("nodeset").map(canon_bitmap).transpose()? {
                a.set(MEMNODE, "nodeset", ns);
            }
            t.memnodes.push(a);
        }
        Ok(Some(t))
    }

    pub fn format(&self, w: &mut XmlWriter) {
        w.open("numatune", &[]);
        if let Some(mode) = &self.mode {
            let auto = self.placement.as_deref() == Some("auto");
            let placement = auto.then_some("auto");
            let nodeset = if auto { None } else { self.nodeset.as_deref() };
            w.empty("memory", &[("mode", Some(mode)), ("nodeset", nodeset), ("placement", placement)]);
        }
        for m in &self.memnodes {
            w.empty("memnode", &m.list());
        }
        w.close("numatune");
    }
}

pub const RESOURCE: ESpec = ESpec::new(
    "resource",
    &[],
    &[
        &ESpec::text("partition", &[], Text::Str { trim: false }),
        &ESpec::new("fibrechannel", &[("appid", Kind::Str)], &[]),
    ],
);

const ENTRY: ESpec = ESpec::text("entry", &[("name", Kind::Str), ("file", Kind::Str)], Text::Str { trim: false });
pub const SYSINFO: ESpec = ESpec::new(
    "sysinfo",
    &[("type", Kind::Enum(&["smbios", "fwcfg"]))],
    &[
        &ESpec::new("bios", &[], &[&ENTRY]),
        &ESpec::new("system", &[], &[&ENTRY]),
        &ESpec::new("baseBoard", &[], &[&ENTRY]),
        &ESpec::new("chassis", &[], &[&ENTRY]),
        &ESpec::new("processor", &[], &[&ENTRY]),
        &ESpec::new("memory_device", &[], &[&ENTRY]),
        &ESpec::new("oemStrings", &[], &[&ESpec::text("entry", &[], Text::Str { trim: false })]),
        &ENTRY,
    ],
);

/// The domain's UUID checked against the one its SMBIOS system table
/// states (written back in canonical form); without a `<uuid>`, the table's
/// one or a new one.
pub fn sysinfo_uuid(sysinfo: &mut [Elem], given: Option<Uuid>) -> Result<Uuid> {
    let mut found = given;
    let entries = sysinfo.iter_mut().filter(|s| s.attr("type") == Some("smbios"));
    let systems = entries.flat_map(|s| s.kids.iter_mut().filter(|k| k.name == "system"));
    for e in systems.flat_map(|s| s.kids.iter_mut().filter(|k| k.attr("name") == Some("uuid"))) {
        let text = e.text.as_deref().unwrap_or("").trim();
        let detail = |msg| Error::with_detail(VIR_FROM_DOMAIN, VIR_ERR_XML_DETAIL, msg);
        let Some(u) = uuid::parse(text) else {
            return Err(detail("malformed <sysinfo> uuid element"));
        };
        if found.is_some_and(|f| f != u) {
            return Err(detail("UUID mismatch between <uuid> and <sysinfo>"));
        }
        found = Some(u);
        e.text = Some(uuid::format(&u));
    }
    Ok(found.unwrap_or_else(uuid::generate))
}

const IDMAP_ENTRY: props::Spec = &[("start", Kind::UInt), ("target", Kind::UInt), ("count", Kind::UInt)];
pub const IDMAP: ESpec =
    ESpec::new("idmap", &[], &[&ESpec::new("uid", IDMAP_ENTRY, &[]), &ESpec::new("gid", IDMAP_ENTRY, &[])]);

pub const KEYWRAP: ESpec = ESpec::new(
    "keywrap",
    &[],
    &[&ESpec::new("cipher", &[("name", Kind::Enum(&["aes", "dea"])), ("state", Kind::Enum(ON_OFF))], &[])],
);
