//! `<devices>`: every device family in libvirt's output order, and the
//! defaults libvirt fills in once all devices are read (bus addresses,
//! implicit controllers, serial consoles, primary video).

pub mod address;
pub mod chardev;
pub mod controller;
pub mod disk;
pub mod graphics;
pub mod memory;
pub mod misc;
pub mod net;
pub mod network_source;

use super::props::*;
use super::tree::{ESpec, Elem};
use crate::conf::xml::XmlWriter;
use crate::core::error::Result;
use roxmltree::Node;
use std::collections::{HashMap, HashSet};

pub const ALIAS: ESpec = ESpec::new("alias", &[("name", Kind::Str)], &[]);
pub const BOOT: ESpec = ESpec::new("boot", &[("order", Kind::UInt), ("loadparm", Kind::Str)], &[]);

/// Device families in the order libvirt formats them.
pub const FAMILIES: &[&ESpec] = &[
    &disk::DISK,
    &controller::CONTROLLER,
    &misc::LEASE,
    &misc::FILESYSTEM,
    &net::NET,
    &misc::SMARTCARD,
    &chardev::SERIAL,
    &chardev::PARALLEL,
    &chardev::CONSOLE,
    &chardev::CHANNEL,
    &graphics::INPUT,
    &misc::TPM,
    &graphics::GRAPHICS,
    &graphics::SOUND,
    &graphics::VIDEO,
    &misc::HOSTDEV,
    &misc::REDIRDEV,
    &misc::HUB,
    &misc::WATCHDOG,
    &misc::MEMBALLOON,
    &misc::RNG,
    &misc::PANIC,
    &misc::SHMEM,
    &memory::MEMORY,
    &misc::IOMMU,
    &misc::VSOCK,
];

/// Where libvirt inserts a device among others: working backwards, before
/// the first one of its group with a higher key, else after the last one
/// of its group, else at the end.
pub fn insert_pos<T>(list: &[T], new: &T, same: impl Fn(&T, &T) -> bool, key: impl Fn(&T) -> i64) -> usize {
    let mut at: Option<usize> = None;
    for (idx, cur) in list.iter().enumerate().rev() {
        if !same(cur, new) {
            continue;
        }
        if key(cur) > key(new) {
            at = Some(idx);
        } else if at.is_none() {
            at = Some(idx + 1);
        }
    }
    at.unwrap_or(list.len())
}

/// [`insert_pos`] knowing the highest key of the new device's group so
/// far: a device whose key is not below it goes right after the last one
/// of its group, found from the end (devices written in order cost O(1)).
pub fn insert_pos_known_max<T>(
    list: &[T],
    new: &T,
    same: impl Fn(&T, &T) -> bool,
    key: impl Fn(&T) -> i64,
    group_max: Option<i64>,
) -> usize {
    match group_max {
        Some(m) if key(new) < m => insert_pos(list, new, same, key),
        _ => list.iter().rposition(|c| same(c, new)).map(|p| p + 1).unwrap_or(list.len()),
    }
}

fn fam(name: &str) -> usize {
    FAMILIES.iter().position(|f| f.name == name).expect("known device family")
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Devices {
    pub emulator: Option<String>,
    /// The device lists present, by index in [`FAMILIES`] (kept sparse:
    /// most domains use few families).
    pub lists: Vec<(usize, Vec<Elem>)>,
    /// The first console is the first serial port seen as a console.
    pub serial_console: bool,
}

impl Devices {
    pub fn list(&self, name: &str) -> &[Elem] {
        self.list_at(fam(name))
    }

    pub fn list_mut(&mut self, name: &str) -> &mut Vec<Elem> {
        self.list_at_mut(fam(name))
    }

    fn list_at(&self, i: usize) -> &[Elem] {
        self.lists.iter().find(|(f, _)| *f == i).map(|(_, v)| v.as_slice()).unwrap_or(&[])
    }

    fn list_at_mut(&mut self, i: usize) -> &mut Vec<Elem> {
        let pos = match self.lists.iter().position(|(f, _)| *f >= i) {
            Some(p) if self.lists[p].0 == i => p,
            Some(p) => {
                self.lists.insert(p, (i, Vec::new()));
                p
            }
            None => {
                self.lists.push((i, Vec::new()));
                self.lists.len() - 1
            }
        };
        &mut self.lists[pos].1
    }

    /// Whether any device carries a `<boot order>`.
    pub fn node_has_boot_order(root: Node) -> bool {
        child(root, "devices")
            .map(|d| d.children().filter(|c| c.is_element()).any(|c| child(c, "boot").is_some()))
            .unwrap_or(false)
    }

    pub fn parse(root: Node, hvm: bool) -> Result<Devices> {
        let mut d = Devices::default();
        let Some(n) = child(root, "devices") else {
            d.finish(hvm)?;
            return Ok(d);
        };
        d.emulator = child_text(n, "emulator").map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
        let mut disk_keys: Vec<(Option<String>, Option<u32>)> = Vec::new();
        let mut disk_bus_max: HashMap<Option<String>, i64> = HashMap::new();
        let mut controller_max: HashMap<String, i64> = HashMap::new();
        for c in n.children().filter(|c| c.is_element()) {
            let name = c.tag_name().name();
            let Some(i) = FAMILIES.iter().position(|f| f.name == name) else { continue };
            let e = Elem::parse(c, FAMILIES[i])?;
            match name {
                // at parse time libvirt orders disks by the bus written and
                // the index their name encodes
                "disk" => {
                    let t = child(c, "target");
                    let key = (t.and_then(|t| attr_s(t, "bus")), disk::name_to_index(disk::target_dev(&e)));
                    let rank = |a: &(Option<String>, Option<u32>)| a.1.map(|x| x as i64).unwrap_or(-1);
                    let max = disk_bus_max.get(&key.0).copied();
                    let at = insert_pos_known_max(&disk_keys, &key, |a, b| a.0 == b.0, rank, max);
                    let m = disk_bus_max.entry(key.0.clone()).or_insert(rank(&key));
                    *m = (*m).max(rank(&key));
                    disk_keys.insert(at, key);
                    d.list_at_mut(i).insert(at, e);
                }
                "controller" => {
                    let kind = controller::kind(&e).to_string();
                    let idx = controller::index(&e).map(i64::from);
                    let max = controller_max.get(&kind).copied();
                    controller::insert_known_max(d.list_at_mut(i), e, max);
                    if let Some(idx) = idx {
                        controller_max.insert(kind, max.map_or(idx, |m| m.max(idx)));
                    }
                }
                _ => d.list_at_mut(i).push(e),
            }
        }
        let iommus = d.list("iommu").len();
        if iommus > 1 {
            return Err(dom_err("only a single IOMMU device is supported"));
        }
        if d.list("memballoon").len() > 1 {
            d.list_mut("memballoon").truncate(1);
        }
        d.finish(hvm)?;
        Ok(d)
    }

    fn finish(&mut self, hvm: bool) -> Result<()> {
        self.finish_disks()?;
        controller::assign_indexes(self.list_mut("controller"))?;
        self.finish_chardevs(hvm)?;
        self.add_implicit_controllers();
        if !self.list("redirdev").is_empty() && !self.has_usb() {
            return Err(unsupported("cannot add redirected USB device: USB is disabled for this domain"));
        }
        self.finish_video();
        self.lists.retain(|(_, v)| !v.is_empty());
        Ok(())
    }

    /// Whether the guest has a USB controller that is not `model='none'`.
    fn has_usb(&self) -> bool {
        self.list("controller").iter().any(|c| controller::kind(c) == "usb" && c.attr("model") != Some("none"))
    }

    fn finish_disks(&mut self) -> Result<()> {
        let disks = self.list_mut("disk");
        // the first disk reusing an earlier target, named with the first
        // disk that had it
        let mut first: HashMap<&str, usize> = HashMap::with_capacity(disks.len());
        for (i, d) in disks.iter().enumerate() {
            if let Some(&j) = first.get(disk::target_dev(d)) {
                let name = |e: &Elem| disk::source_label(e).unwrap_or_else(|| "<null>".into());
                return Err(dom_err(format!(
                    "target '{}' duplicated for disk sources '{}' and '{}'",
                    disk::target_dev(d),
                    name(&disks[j]),
                    name(d)
                )));
            }
            first.insert(disk::target_dev(d), i);
        }
        for d in disks.iter_mut() {
            disk::assign_address(d);
        }
        Ok(())
    }

    fn finish_chardevs(&mut self, hvm: bool) -> Result<()> {
        chardev::assign_ports(self.list_mut("serial"));
        chardev::assign_ports(self.list_mut("parallel"));
        let default_console = "serial";
        let consoles = self.list_mut("console");
        for (i, c) in consoles.iter_mut().enumerate() {
            if chardev::target_type(c).is_none() {
                chardev::set_target(c, "type", default_console);
            }
            if i > 0 && chardev::target_type(c) == Some("serial") {
                return Err(unsupported("Only the first console can be a serial port"));
            }
            if chardev::port(c).is_none() {
                chardev::set_target(c, "port", i.to_string());
            }
        }
        if !hvm {
            return Ok(());
        }
        let first_serial = self.list("console").first().map(|c| chardev::target_type(c) == Some("serial"));
        if first_serial == Some(true) {
            let c = self.list_mut("console").remove(0);
            if self.list("serial").is_empty() {
                let s = chardev::serial_of_console(&c);
                self.list_mut("serial").push(s);
            }
            self.serial_console = true;
        } else if !self.list("serial").is_empty() {
            self.serial_console = true;
        }
        Ok(())
    }

    fn add_implicit_controllers(&mut self) {
        // drive controllers, one type after the other as libvirt adds them
        let mut wanted: Vec<(&'static str, u32)> = Vec::new();
        for kind in ["scsi", "fdc", "ide", "sata"] {
            let mut max: Option<u32> = None;
            for d in self.list("disk").iter().chain(self.list("hostdev")) {
                let Some(a) = d.kid("address").filter(|a| a.attr("type") == Some("drive")) else { continue };
                let bus = if d.name == "hostdev" { "scsi" } else { disk::bus(d) };
                if bus == kind {
                    let c: u32 = a.attr("controller").and_then(|c| c.parse().ok()).unwrap_or(0);
                    max = Some(max.map_or(c, |m| m.max(c)));
                }
            }
            if let Some(max) = max {
                wanted.extend((0..=max).map(|i| (kind, i)));
            }
        }
        let virtio_chr = self
            .list("console")
            .iter()
            .chain(self.list("channel"))
            .filter(|c| chardev::target_type(c) == Some("virtio"))
            .map(|c| {
                c.kid("address")
                    .filter(|a| a.attr("type") == Some("virtio-serial"))
                    .and_then(|a| a.attr("controller"))
                    .and_then(|x| x.parse().ok())
                    .unwrap_or(0u32)
            })
            .collect::<Vec<_>>();
        wanted.extend(virtio_chr.into_iter().map(|c| ("virtio-serial", c)));
        if !self.list("smartcard").is_empty() {
            wanted.push(("ccid", 0));
            for (slot, s) in self.list_mut("smartcard").iter_mut().enumerate() {
                if s.kid("address").is_none() {
                    let a = address::make("ccid", &[("controller", "0".into()), ("slot", slot.to_string())]);
                    s.insert_kid(&misc::SMARTCARD, a);
                }
            }
        }
        let list = self.list_mut("controller");
        let mut present: HashSet<(String, u32)> =
            list.iter().filter_map(|c| Some((controller::kind(c).to_string(), controller::index(c)?))).collect();
        for (kind, idx) in wanted {
            if present.insert((kind.to_string(), idx)) {
                controller::insert(list, controller::implicit(kind, idx));
            }
        }
    }

    fn finish_video(&mut self) {
        if self.list("video").is_empty() && !self.list("graphics").is_empty() {
            self.list_mut("video").push(graphics::default_video());
        }
        graphics::set_primary(self.list_mut("video"));
    }

    /// Writes `<devices>`; `live` for a running domain's XML.
    pub fn format(&self, w: &mut XmlWriter, secure: bool, live: bool) {
        w.open("devices", &[]);
        w.opt_text("emulator", self.emulator.as_deref());
        for (i, f) in FAMILIES.iter().enumerate() {
            if f.name == "console" && self.serial_console {
                if let Some(s) = self.list("serial").first() {
                    chardev::console_of_serial(s).format(w);
                }
            }
            for e in self.list_at(i) {
                if f.name == "graphics" && !secure {
                    graphics::hide_secrets(e).format(w);
                } else if f.name == "disk" && !secure {
                    disk::hide_secrets(e).format(w);
                } else if let Some(v) = (f.name == "memory" && live).then(|| memory::live_view(e)).flatten() {
                    v.format(w);
                } else {
                    e.format(w);
                }
            }
        }
        w.close("devices");
    }
}
