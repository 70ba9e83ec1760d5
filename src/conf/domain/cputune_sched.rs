//! The parts of `<cputune>` beyond pinning: scheduler policies of vCPUs,
//! I/O threads and the emulator, and cache and memory bandwidth
//! allocations (resctrl).

use super::props::*;
use super::tree::{ESpec, Elem};
use crate::core::error::{Error, Result};
use crate::generated::consts::*;

const SCHEDULERS: &[&str] = &["batch", "idle", "fifo", "rr"];

pub const EMULATORSCHED: ESpec =
    ESpec::new("emulatorsched", &[("scheduler", Kind::Enum(SCHEDULERS)), ("priority", Kind::Int)], &[]);
pub const VCPUSCHED: ESpec = ESpec::new(
    "vcpusched",
    &[("vcpus", Kind::Str), ("scheduler", Kind::Enum(SCHEDULERS)), ("priority", Kind::Int)],
    &[],
);
pub const IOTHREADSCHED: ESpec = ESpec::new(
    "iothreadsched",
    &[("iothreads", Kind::Str), ("scheduler", Kind::Enum(SCHEDULERS)), ("priority", Kind::Int)],
    &[],
);
const CACHE: ESpec = ESpec::new(
    "cache",
    &[
        ("id", Kind::UInt),
        ("level", Kind::UInt),
        ("type", Kind::Enum(&["both", "code", "data"])),
        ("size", Kind::UInt),
        ("unit", Kind::Str),
    ],
    &[],
);
const MONITOR: ESpec = ESpec::new("monitor", &[("level", Kind::UInt), ("vcpus", Kind::Str)], &[]);
/// Attributes of an allocation; the `id` is libvirt's, shown while the
/// guest runs, never taken from the input.
const RESCTRL: Spec = &[("vcpus", Kind::Str), ("id", Kind::Str)];
pub const CACHETUNE: ESpec = ESpec::new("cachetune", RESCTRL, &[&CACHE, &MONITOR]);
pub const MEMORYTUNE: ESpec = ESpec::new(
    "memorytune",
    RESCTRL,
    &[&ESpec::new("node", &[("id", Kind::UInt), ("bandwidth", Kind::UInt)], &[]), &MONITOR],
);

/// Rewrites the scheduler and resctrl children of a parsed `<cputune>` as
/// libvirt keeps them: one `<vcpusched>`/`<iothreadsched>` per thread in
/// id order, bitmaps and cache sizes in canonical form.
pub fn normalize(kids: Vec<Elem>) -> Result<Vec<Elem>> {
    let mut out = Vec::with_capacity(kids.len());
    let mut vcpu_scheds = Vec::new();
    let mut io_scheds = Vec::new();
    let mut resctrl_sets: Vec<(&'static str, Vec<u32>)> = Vec::new();
    for mut k in kids {
        match k.name {
            "emulatorsched" => {
                check_priority(&mut k)?;
                out.push(k);
            }
            "vcpusched" => split_sched(k, &VCPUSCHED, &mut vcpu_scheds)?,
            "iothreadsched" => split_sched(k, &IOTHREADSCHED, &mut io_scheds)?,
            "cachetune" | "memorytune" => {
                let set = parse_bitmap(k.attr("vcpus").unwrap_or(""))?;
                let clash = resctrl_sets.iter().any(|(name, s)| {
                    let overlaps = s.iter().any(|v| set.contains(v));
                    overlaps && (*name == k.name || *s != set)
                });
                if clash {
                    return Err(dom_err("Overlapping vcpus in resctrls"));
                }
                k.set(&CACHETUNE, "vcpus", format_bitmap(&set));
                k.attrs.remove("id");
                for c in k.kids.iter_mut().filter(|c| c.name == "cache") {
                    pretty_size(c)?;
                }
                resctrl_sets.push((k.name, set));
                out.push(k);
            }
            _ => out.push(k),
        }
    }
    // libvirt writes the per-thread policies after the emulator's
    let at = out.iter().position(|k| matches!(k.name, "cachetune" | "memorytune")).unwrap_or(out.len());
    vcpu_scheds.sort_by_key(|(id, _)| *id);
    io_scheds.sort_by_key(|(id, _)| *id);
    let scheds = vcpu_scheds.into_iter().chain(io_scheds).map(|(_, e)| e);
    out.splice(at..at, scheds);
    Ok(out)
}

fn check_priority(k: &mut Elem) -> Result<()> {
    match k.attr("scheduler") {
        Some("fifo" | "rr") if k.attr("priority").is_none() => {
            Err(xml_err(format!("Missing required attribute 'priority' in element '{}'", k.name)))
        }
        Some("fifo" | "rr") => Ok(()),
        _ => {
            k.attrs.remove("priority");
            Ok(())
        }
    }
}

/// One policy element per thread of its bitmap attribute (the first of
/// `spec`).
fn split_sched(mut k: Elem, spec: &ESpec, into: &mut Vec<(u32, Elem)>) -> Result<()> {
    let ids = spec.attrs[0].0;
    check_priority(&mut k)?;
    let set = parse_bitmap(k.attr(ids).unwrap_or(""))?;
    for id in set {
        if into.iter().any(|(seen, _)| *seen == id) {
            let msg = format!("'{}' attributes '{ids}' must not overlap", k.name);
            return Err(Error::with_detail(VIR_FROM_DOMAIN, VIR_ERR_XML_DETAIL, msg));
        }
        let mut one = k.clone();
        one.set(spec, ids, id.to_string());
        into.push((id, one));
    }
    Ok(())
}

/// A cache size in the largest binary unit that holds it exactly.
fn pretty_size(c: &mut Elem) -> Result<()> {
    let Some(size) = c.attr("size").and_then(|s| s.parse::<u64>().ok()) else { return Ok(()) };
    let scale = unit_scale(c.attr("unit").unwrap_or("KiB"))?;
    let bytes = size.saturating_mul(scale);
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let (mut v, mut u) = (bytes, 0);
    while u + 1 < units.len() && v >= 1024 && v % 1024 == 0 {
        v /= 1024;
        u += 1;
    }
    c.set(&CACHE, "size", v.to_string());
    c.set(&CACHE, "unit", units[u]);
    Ok(())
}

/// `<cputune>` as a running guest shows it, when that differs: each
/// allocation carries the id libvirt gives it from its vCPUs.
pub fn live_view(e: &Elem) -> Option<Elem> {
    let is_resctrl = |k: &Elem| matches!(k.name, "cachetune" | "memorytune");
    if !e.kids.iter().any(is_resctrl) {
        return None;
    }
    let mut e = e.clone();
    for k in e.kids.iter_mut().filter(|k| is_resctrl(k)) {
        let id = format!("vcpus_{}", k.attr("vcpus").unwrap_or(""));
        k.set(&CACHETUNE, "id", id);
    }
    Some(e)
}
