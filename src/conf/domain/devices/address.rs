//! `<address>`: where a device sits on its bus, spelt per address type.

use super::super::props::*;
use super::super::tree::{ESpec, Elem};
use crate::core::error::Result;
use roxmltree::Node;

pub const ADDRESS_ATTRS: Spec = &[
    ("type", Kind::Str),
    ("domain", Kind::Str),
    ("controller", Kind::Str),
    ("bus", Kind::Str),
    ("target", Kind::Str),
    ("slot", Kind::Str),
    ("function", Kind::Str),
    ("multifunction", Kind::Str),
    ("unit", Kind::Str),
    ("port", Kind::Str),
    ("reg", Kind::Str),
    ("cssid", Kind::Str),
    ("ssid", Kind::Str),
    ("devno", Kind::Str),
    ("iobase", Kind::Str),
    ("irq", Kind::Str),
    ("base", Kind::Str),
];

pub const ADDRESS: ESpec = ESpec::new("address", &[], &[]).fix(fix_address);

const TYPES: &[&str] = &[
    "pci",
    "drive",
    "virtio-serial",
    "ccid",
    "usb",
    "spapr-vio",
    "virtio-s390",
    "ccw",
    "virtio-mmio",
    "isa",
    "dimm",
    "unassigned",
];

/// Builds an address from its parts (all already formatted).
pub fn make(kind: &str, parts: &[(&'static str, String)]) -> Elem {
    let mut e = Elem::empty("address");
    e.attrs.set(ADDRESS_ATTRS, "type", kind);
    for (k, v) in parts {
        e.attrs.set(ADDRESS_ATTRS, k, v.clone());
    }
    e
}

/// A drive address (`controller`, `bus`, `target`, `unit`).
pub fn drive(controller: u32, bus: u32, target: u32, unit: u32) -> Elem {
    make(
        "drive",
        &[
            ("controller", controller.to_string()),
            ("bus", bus.to_string()),
            ("target", target.to_string()),
            ("unit", unit.to_string()),
        ],
    )
}

fn fix_address(e: &mut Elem, n: Node) -> Result<()> {
    let kind = match attr(n, "type") {
        Some(t) if TYPES.contains(&t) => t,
        Some(t) => return Err(unsupported(format!("unknown address type '{t}'"))),
        None => return Err(dom_err("No type specified for device address")),
    };
    let num = |name: &str| -> Result<Option<u32>> { uint_attr_any(n, name) };
    let dec = |name: &'static str| -> Result<Option<(&'static str, String)>> {
        Ok(num(name)?.map(|v| (name, v.to_string())))
    };
    let mut parts: Vec<(&'static str, String)> = Vec::new();
    match kind {
        "pci" => {
            let (d, b, s, f) = (num("domain")?, num("bus")?, num("slot")?, num("function")?);
            let (d, b, s, f) = (d.unwrap_or(0), b.unwrap_or(0), s.unwrap_or(0), f.unwrap_or(0));
            if d > 0xffff {
                return Err(internal(format!("Invalid PCI address domain='0x{d:x}', must be <= 0xFFFF")));
            }
            if b > 0xff {
                return Err(internal(format!("Invalid PCI address bus='0x{b:x}', must be <= 0xFF")));
            }
            if s > 0x1f {
                return Err(internal(format!("Invalid PCI address slot='0x{s:x}', must be <= 0x1F")));
            }
            if f > 7 {
                return Err(internal(format!("Invalid PCI address function=0x{f:x}, must be <= 7")));
            }
            parts.push(("domain", format!("0x{d:04x}")));
            parts.push(("bus", format!("0x{b:02x}")));
            parts.push(("slot", format!("0x{s:02x}")));
            parts.push(("function", format!("0x{f:x}")));
            if let Some(m) = enum_attr(n, "multifunction", ON_OFF)? {
                parts.push(("multifunction", m));
            }
        }
        "drive" => {
            for k in ["controller", "bus", "target", "unit"] {
                parts.push((k, num(k)?.unwrap_or(0).to_string()));
            }
        }
        "virtio-serial" => {
            for k in ["controller", "bus", "port"] {
                parts.push((k, num(k)?.unwrap_or(0).to_string()));
            }
        }
        "ccid" => {
            for k in ["controller", "slot"] {
                parts.push((k, num(k)?.unwrap_or(0).to_string()));
            }
        }
        "usb" => {
            parts.push(("bus", num("bus")?.unwrap_or(0).to_string()));
            if let Some(p) = attr(n, "port") {
                parts.push(("port", p.to_string()));
            }
        }
        "spapr-vio" => {
            if let Some(r) = num("reg")? {
                parts.push(("reg", format!("0x{r:x}")));
            }
        }
        "ccw" => {
            let (c, s, d) = (num("cssid")?, num("ssid")?, num("devno")?);
            if let (Some(c), Some(s), Some(d)) = (c, s, d) {
                parts.push(("cssid", format!("0x{c:x}")));
                parts.push(("ssid", format!("0x{s:x}")));
                parts.push(("devno", format!("0x{d:04x}")));
            }
        }
        "isa" => {
            if let Some(v) = num("iobase")? {
                parts.push(("iobase", format!("0x{v:x}")));
            }
            if let Some(v) = num("irq")? {
                parts.push(("irq", format!("0x{v:x}")));
            }
        }
        "dimm" => {
            parts.extend(dec("slot")?);
            if let Some(v) = attr(n, "base") {
                let b = parse_uint_any(v).ok_or_else(|| bad_value(n, "base", v, " Expected integer value"))?;
                parts.push(("base", format!("0x{b:x}")));
            }
        }
        _ => {}
    }
    *e = make(kind, &parts);
    Ok(())
}
