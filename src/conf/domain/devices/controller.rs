//! `<controller>`: buses devices hang from, with libvirt's implicit ones.

use super::super::props::*;
use super::super::tree::{ESpec, Elem};
use super::address::ADDRESS;
use super::ALIAS;
use crate::core::error::Result;
use roxmltree::Node;
use std::collections::{HashMap, HashSet};

pub const TYPES: &[&str] = &["ide", "fdc", "scsi", "sata", "virtio-serial", "ccid", "usb", "pci", "xenbus", "isa"];

fn models(kind: &str) -> &'static [&'static str] {
    match kind {
        "scsi" => &[
            "auto",
            "buslogic",
            "lsilogic",
            "lsisas1068",
            "vmpvscsi",
            "ibmvscsi",
            "virtio-scsi",
            "lsisas1078",
            "virtio-transitional",
            "virtio-non-transitional",
            "ncr53c90",
            "am53c974",
            "dc390",
        ],
        "usb" => &[
            "piix3-uhci",
            "piix4-uhci",
            "ehci",
            "ich9-ehci1",
            "ich9-uhci1",
            "ich9-uhci2",
            "ich9-uhci3",
            "vt82c686b-uhci",
            "pci-ohci",
            "nec-xhci",
            "qusb1",
            "qusb2",
            "qemu-xhci",
            "none",
        ],
        "pci" => &[
            "pci-root",
            "pcie-root",
            "pci-bridge",
            "dmi-to-pci-bridge",
            "pcie-root-port",
            "pcie-switch-upstream-port",
            "pcie-switch-downstream-port",
            "pci-expander-bus",
            "pcie-expander-bus",
            "pcie-to-pci-bridge",
        ],
        "ide" => &["piix3", "piix4", "ich6"],
        "virtio-serial" => &["virtio", "virtio-transitional", "virtio-non-transitional"],
        "isa" => &[],
        _ => &[],
    }
}

const ATTRS: Spec = &[
    ("type", Kind::Enum(TYPES)),
    ("index", Kind::UInt),
    ("model", Kind::Str),
    ("ports", Kind::UInt),
    ("vectors", Kind::UInt),
    ("maxGrantFrames", Kind::UInt),
    ("maxEventChannels", Kind::UInt),
];

pub const CONTROLLER: ESpec = ESpec::new(
    "controller",
    ATTRS,
    &[
        &ESpec::new("model", &[("name", Kind::Str)], &[]),
        &ESpec::new(
            "driver",
            &[
                ("queues", Kind::UInt),
                ("cmd_per_lun", Kind::UInt),
                ("max_sectors", Kind::UInt),
                ("ioeventfd", Kind::Enum(ON_OFF)),
                ("iothread", Kind::UInt),
            ],
            &[],
        ),
        &ESpec::new(
            "target",
            &[
                ("chassisNr", Kind::UInt),
                ("chassis", Kind::UInt),
                ("port", Kind::Str),
                ("busNr", Kind::UInt),
                ("index", Kind::UInt),
                ("hotplug", Kind::Enum(ON_OFF)),
            ],
            &[],
        ),
        &ALIAS,
        &ADDRESS,
    ],
)
.fix(fix_controller);

fn fix_controller(e: &mut Elem, n: Node) -> Result<()> {
    let kind = enum_attr(n, "type", TYPES)?.unwrap_or_else(|| "ide".into());
    e.set(&CONTROLLER, "type", kind.clone());
    if let Some(m) = attr(n, "model") {
        if !models(&kind).contains(&m) {
            return Err(unsupported(format!("Unknown model type '{m}'")));
        }
    }
    // a root port's number is written in hex
    if let Some(t) = child(n, "target") {
        if let Some(p) = uint_attr_any(t, "port")? {
            let spec = CONTROLLER.kids.iter().find(|k| k.name == "target").expect("target spec");
            if let Some(te) = e.kid_mut("target") {
                te.set(spec, "port", format!("0x{p:x}"));
            }
        }
    }
    Ok(())
}

pub fn kind(e: &Elem) -> &str {
    e.attr("type").unwrap_or("")
}

pub fn index(e: &Elem) -> Option<u32> {
    e.attr("index").and_then(|i| i.parse().ok())
}

/// A new controller as libvirt adds it implicitly.
pub fn implicit(kind: &str, index: u32) -> Elem {
    let mut e = Elem::empty("controller");
    e.set(&CONTROLLER, "type", kind.to_string());
    e.set(&CONTROLLER, "index", index.to_string());
    e
}

/// Inserts a controller next to the others of its type, ordered by index
/// (one without an index goes after the last of its type).
pub fn insert(list: &mut Vec<Elem>, c: Elem) {
    let max = list.iter().filter(|x| kind(x) == kind(&c)).filter_map(index).max();
    insert_known_max(list, c, max.map(i64::from));
}

/// [`insert`] given the highest index among the controllers of the new
/// one's type.
pub fn insert_known_max(list: &mut Vec<Elem>, c: Elem, max: Option<i64>) {
    let key = |e: &Elem| index(e).map(i64::from).unwrap_or(-1);
    let at = if index(&c).is_none() {
        list.iter().rposition(|x| kind(x) == kind(&c)).map(|p| p + 1).unwrap_or(list.len())
    } else {
        super::insert_pos_known_max(list, &c, |a, b| kind(a) == kind(b), key, max)
    };
    list.insert(at, c);
}

/// The highest PCI controller index (a PCI bus number).
const MAX_PCI_INDEX: u32 = 255;

/// Gives indexes to controllers written without one (the lowest unused
/// for their type) and rejects duplicates.
pub fn assign_indexes(list: &mut [Elem]) -> Result<()> {
    let mut used: HashSet<(String, u32)> = list.iter().filter_map(|c| Some((kind(c).to_string(), index(c)?))).collect();
    // the lowest unused index only grows as indexes are handed out
    let mut lowest: HashMap<String, u32> = HashMap::new();
    for c in list.iter_mut() {
        if index(c).is_some() {
            continue;
        }
        let k = kind(c).to_string();
        let idx = lowest.entry(k.clone()).or_insert(0);
        while used.contains(&(k.clone(), *idx)) {
            *idx += 1;
        }
        c.set(&CONTROLLER, "index", idx.to_string());
        used.insert((k, *idx));
    }
    let mut count: HashMap<(&str, Option<u32>), usize> = HashMap::new();
    for c in list.iter() {
        *count.entry((kind(c), index(c))).or_default() += 1;
    }
    if let Some(a) = list.iter().find(|c| count[&(kind(c), index(c))] > 1) {
        return Err(dom_err(format!("Multiple '{}' controllers with index '{}'", kind(a), index(a).unwrap_or(0))));
    }
    if let Some(i) = list.iter().filter(|c| kind(c) == "pci").filter_map(index).find(|i| *i > MAX_PCI_INDEX) {
        return Err(unsupported(format!("PCI controller index {i} too high, maximum is {MAX_PCI_INDEX}")));
    }
    Ok(())
}
