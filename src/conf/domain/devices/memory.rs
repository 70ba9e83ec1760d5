//! `<memory>` devices: DIMMs, NVDIMMs, virtio-pmem, virtio-mem and SGX EPC
//! sections, whose sizes libvirt keeps in KiB.

use super::super::props::*;
use super::super::tree::{ESpec, Elem, Text};
use super::address::ADDRESS;
use super::ALIAS;
use crate::core::error::Result;
use roxmltree::Node;

const SIZE: ESpec = ESpec::text("size", &[("unit", Kind::Str)], Text::UInt);
const SOURCE: ESpec = ESpec::new(
    "source",
    &[],
    &[
        &ESpec::text("nodemask", &[], Text::Str { trim: false }),
        &ESpec::text("pagesize", &[("unit", Kind::Str)], Text::UInt),
        &ESpec::text("path", &[], Text::Str { trim: false }),
        &ESpec::text("alignsize", &[("unit", Kind::Str)], Text::UInt),
        &ESpec::new("pmem", &[], &[]),
    ],
);
const TARGET: ESpec = ESpec::new(
    "target",
    &[],
    &[
        &SIZE,
        &ESpec::text("node", &[], Text::UInt),
        &ESpec::new("label", &[], &[&SIZE]),
        &ESpec::text("block", &[("unit", Kind::Str)], Text::UInt),
        &ESpec::text("requested", &[("unit", Kind::Str)], Text::UInt),
        &ESpec::text("current", &[("unit", Kind::Str)], Text::UInt),
        &ESpec::new("readonly", &[], &[]),
    ],
);

pub const MEMORY: ESpec = ESpec::new(
    "memory",
    &[
        ("model", Kind::Enum(&["dimm", "nvdimm", "virtio-pmem", "virtio-mem", "sgx-epc"])),
        ("access", Kind::Enum(&["shared", "private"])),
        ("discard", Kind::Enum(YES_NO)),
    ],
    &[&ESpec::text("uuid", &[], Text::Str { trim: true }), &SOURCE, &TARGET, &ALIAS, &ADDRESS],
)
.fix(fix_memory);

/// Elements holding a size, by the path from `<memory>`.
const SIZED: &[&[&str]] = &[
    &["source", "pagesize"],
    &["source", "alignsize"],
    &["target", "size"],
    &["target", "label", "size"],
    &["target", "block"],
    &["target", "requested"],
    &["target", "current"],
];

fn fix_memory(e: &mut Elem, n: Node) -> Result<()> {
    let Some(model) = attr(n, "model") else {
        return Err(missing_attr(n, "model"));
    };
    if e.kid("uuid").is_some() && model == "nvdimm" {
        return Err(unsupported("UUID is not supported for NVDIMM device"));
    }
    let Some(target) = child(n, "target") else {
        return Err(dom_err("missing <target> element for <memory> device"));
    };
    if child(target, "size").is_none() {
        return Err(xml_err("missing element or attribute './size'"));
    }
    for path in SIZED {
        let Some(node) = path.iter().try_fold(n, |at, name| child(at, name)) else { continue };
        let last = path[path.len() - 1];
        let kib = scaled_kib(node, &format!("./{last}"), "unit")?;
        let elem = path.iter().try_fold(&mut *e, |at, name| at.kid_mut(name)).expect("parsed with its node");
        elem.text = Some(kib.to_string());
        elem.attrs.0 = vec![("unit", "KiB".to_string())];
    }
    Ok(())
}

/// A device as a running guest shows it, when that differs: virtio-mem
/// reports the memory it currently provides (none: nothing runs here).
pub fn live_view(e: &Elem) -> Option<Elem> {
    let t = e.kid("target")?;
    if e.attr("model") != Some("virtio-mem") || t.kid("current").is_some() {
        return None;
    }
    let mut e = e.clone();
    let mut current = Elem::empty("current");
    current.attrs.0.push(("unit", "KiB".to_string()));
    current.text = Some("0".to_string());
    e.kid_mut("target")?.insert_kid(&TARGET, current);
    Some(e)
}

/// The memory a device adds to the guest, in KiB.
pub fn size_kib(e: &Elem) -> u64 {
    let size = e.kid("target").and_then(|t| t.kid("size")).and_then(|s| s.text.as_deref());
    size.and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// The guest NUMA node a device is plugged into, if it names one.
pub fn node(e: &Elem) -> Option<u64> {
    e.kid("target").and_then(|t| t.kid("node")).and_then(|n| n.text.as_deref()).and_then(|n| n.parse().ok())
}
