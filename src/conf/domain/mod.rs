//! The domain XML document: a model of what libvirt keeps of a domain
//! definition, parsed with libvirt's checks and defaults and formatted in
//! libvirt's order. Parts are split by family: resources (`general`), boot
//! and behaviour (`os`), guest CPU and security labels (`cpu`), devices
//! (`devices/`), free-form metadata (`rawxml`).

pub mod cpu;
pub mod cputune_sched;
pub mod devices;
pub mod extras;
pub mod general;
pub mod launch_security;
pub mod os;
pub mod props;
pub mod rawxml;
pub mod tree;

use crate::conf::xml::{self, XmlWriter};
use crate::core::error::{Error, Result};
use crate::core::uuid::{self, Uuid};
use crate::generated::consts::*;
use cpu::{Cpu, SecLabel};
use devices::Devices;
pub use extras::{DomainExtras, Extras};
use general::{IoThreads, MemTune, NumaTune, Vcpu};
use os::{Lifecycle, Os};
use props::*;
use rawxml::RawElem;
use roxmltree::Node;
use tree::Elem;

pub const VIRT_TYPES: &[&str] = &[
    "none",
    "qemu",
    "kqemu",
    "kvm",
    "xen",
    "lxc",
    "uml",
    "openvz",
    "test",
    "vmware",
    "hyperv",
    "vbox",
    "phyp",
    "parallels",
    "bhyve",
    "vz",
    "ch",
];

/// A domain definition.
#[derive(Clone, Debug, PartialEq)]
pub struct DomainDef {
    pub virt_type: &'static str,
    pub name: String,
    pub uuid: Uuid,
    /// `<memory>` in KiB.
    pub memory: u64,
    /// `<currentMemory>` in KiB.
    pub current_memory: u64,
    pub vcpu: Vcpu,
    pub os: Os,
    pub clock: Elem,
    pub lifecycle: Lifecycle,
    pub devices: Devices,
    /// Everything else (title, tuning, features, ...), read through
    /// `Deref` as if it were fields of the definition.
    pub extras: Extras,
}

impl std::ops::Deref for DomainDef {
    type Target = DomainExtras;
    fn deref(&self) -> &DomainExtras {
        &self.extras
    }
}

impl std::ops::DerefMut for DomainDef {
    fn deref_mut(&mut self) -> &mut DomainExtras {
        &mut self.extras
    }
}

/// How to format a definition.
#[derive(Clone, Copy, Debug, Default)]
pub struct FormatOpts {
    /// The running domain's id, written on the root element.
    pub id: Option<i32>,
    /// Include secrets (`VIR_DOMAIN_XML_SECURE`).
    pub secure: bool,
}

fn opt_text(n: Node, name: &str) -> Option<String> {
    child_text(n, name).filter(|t| !t.is_empty())
}

impl DomainDef {
    /// Gives back the spare capacity of the parsed lists and elements,
    /// for a definition that stays in memory.
    pub fn shrink_to_fit(&mut self) {
        self.extras.shrink_to_fit();
        self.os.rest.shrink_to_fit();
        self.clock.shrink_to_fit();
        self.devices.lists.iter_mut().for_each(|(_, l)| tree::shrink_elems(l));
        self.devices.lists.shrink_to_fit();
        self.name.shrink_to_fit();
    }

    /// Parses a definition as `virDomainDefineXML` reads it.
    pub fn parse(text: &str) -> Result<DomainDef> {
        let doc = xml::parse_root(text, "domain_definition", "domain")?;
        let root = doc.root_element();
        Self::parse_node(root)
    }

    fn parse_node(root: Node) -> Result<DomainDef> {
        let name = child_text(root, "name").map(|t| t.trim().to_string()).unwrap_or_default();
        if name.is_empty() {
            return Err(Error::new(VIR_FROM_DOMAIN, VIR_ERR_NO_NAME, None));
        }
        let given_uuid = match child_text(root, "uuid") {
            Some(u) => Some(uuid::parse(&u).ok_or_else(|| internal("malformed uuid element"))?),
            None => None,
        };
        let genid = match child(root, "genid") {
            None => None,
            Some(g) => {
                let t = text_of(g);
                if t.trim().is_empty() {
                    Some(uuid::format(&uuid::generate()))
                } else {
                    Some(uuid::format(&uuid::parse(&t).ok_or_else(|| internal("malformed genid element"))?))
                }
            }
        };
        // the identity (name, uuid, genid) is read before the type
        let virt_type = match attr(root, "type") {
            None => return Err(internal("missing domain type attribute")),
            Some(t) => match VIRT_TYPES.iter().find(|v| **v == t) {
                Some(v) => *v,
                None => return Err(unsupported(format!("invalid domain type {t}"))),
            },
        };
        let caps = Os::parse_caps(root)?;
        let title = opt_text(root, "title");
        if title.as_deref().map(|t| t.contains('\n')).unwrap_or(false) {
            return Err(dom_err("Domain title can't contain newlines"));
        }
        let description = opt_text(root, "description");
        let metadata = parse_metadata(root);

        let mem = |name: &str| -> Result<Option<u64>> {
            child(root, name).map(|n| scaled_kib(n, &format!("./{name}[1]"), "unit")).transpose()
        };
        let memory = mem("memory")?.unwrap_or(0);
        let dump_core = child(root, "memory").map(|m| enum_attr(m, "dumpCore", props::ON_OFF)).transpose()?.flatten();
        let current_memory = mem("currentMemory")?.unwrap_or(0);
        let max_memory = match child(root, "maxMemory") {
            None => None,
            Some(n) => {
                let v = scaled_kib(n, "./maxMemory[1]", "unit")?;
                let slots = uint_attr(n, "slots")?.unwrap_or(0);
                Some((v, slots))
            }
        };
        let blkiotune = tree::Elem::parse_opt(root, &general::BLKIOTUNE)?.map(Box::new);
        let memtune = MemTune::parse(root)?;
        let memory_backing = tree::Elem::parse_opt(root, &general::MEMORY_BACKING)?.map(Box::new);
        let mut vcpu = Vcpu::parse(root)?;
        let vcpus = tree::Elem::parse_opt(root, &general::VCPUS)?.map(Box::new);
        let iothreads = IoThreads::parse(root)?;
        let cputune = general::parse_cputune(root, vcpu.max)?.map(Box::new);
        let numatune = NumaTune::parse(root, &mut vcpu.placement)?.map(Box::new);
        let resource = tree::Elem::parse_opt(root, &general::RESOURCE)?.map(Box::new);
        let mut sysinfo: Vec<Elem> =
            children(root, "sysinfo").map(|n| Elem::parse(n, &general::SYSINFO)).collect::<Result<_>>()?;
        let uuid = general::sysinfo_uuid(&mut sysinfo, given_uuid)?;
        let idmap = tree::Elem::parse_opt(root, &general::IDMAP)?.map(Box::new);
        let features = os::parse_features(root)?.map(Box::new);
        let clock = os::parse_clock(root)?;
        let lifecycle = Lifecycle::parse(root)?;
        let pm = tree::Elem::parse_opt(root, &os::PM)?.map(Box::new);
        let perf = os::parse_perf(root)?;
        let cpu = Cpu::parse(root)?.map(Box::new);
        let per_device_boot = Devices::node_has_boot_order(root);
        let os = Os::parse(root, caps, per_device_boot)?;
        let hvm = os.os_type == "hvm";
        let devices = Devices::parse(root, hvm)?;
        let seclabels = SecLabel::parse_all(root)?;
        let keywrap = tree::Elem::parse_opt(root, &general::KEYWRAP)?.map(Box::new);
        let launch_security = launch_security::parse(root)?;

        let extras = Extras::new(DomainExtras {
            genid,
            title,
            description,
            metadata,
            max_memory,
            dump_core,
            blkiotune,
            memtune,
            memory_backing,
            vcpus,
            iothreads,
            cputune,
            numatune,
            resource,
            sysinfo,
            bootloader: opt_text(root, "bootloader"),
            bootloader_args: opt_text(root, "bootloader_args"),
            idmap,
            features,
            cpu,
            pm,
            perf,
            seclabels,
            keywrap,
            launch_security,
        });
        let mut def =
            DomainDef { virt_type, name, uuid, memory, current_memory, vcpu, os, clock, lifecycle, devices, extras };
        def.post_parse()?;
        Ok(def)
    }

    /// libvirt's checks and defaults once everything is read.
    fn post_parse(&mut self) -> Result<()> {
        if self.name.contains('/') {
            return Err(dom_err(format!("name {} cannot contain '/'", self.name)));
        }
        // <memory> is the total: the initial memory plus the memory devices;
        // NUMA cells give the initial memory only when <memory> is absent
        let hotplug: u64 = self.devices.list("memory").iter().map(devices::memory::size_kib).sum();
        let numa = self.cpu.as_ref().map(|c| c.numa_memory()).unwrap_or(0);
        if self.memory == 0 && numa > 0 {
            self.memory = numa + hotplug;
        } else if hotplug > self.memory {
            return Err(dom_err("Total size of memory devices exceeds the total memory size"));
        }
        let cells = self.cpu.as_ref().map_or(0, |c| c.cells.len());
        for node in self.devices.list("memory").iter().filter_map(devices::memory::node) {
            let msg = match cells {
                0 => "can't add memory backend as guest has no NUMA nodes configured".to_string(),
                n if node >= n as u64 => format!(
                    "can't add memory backend for guest node '{node}' as the guest has only '{n}' NUMA nodes configured"
                ),
                _ => continue,
            };
            return Err(Error::with_detail(VIR_FROM_DOMAIN, VIR_ERR_XML_DETAIL, msg));
        }
        if self.memory == hotplug {
            return Err(dom_err("Memory size must be specified via <memory> or in the <numa> configuration"));
        }
        if self.current_memory == 0 || self.current_memory > self.memory {
            self.current_memory = self.memory;
        }
        if self.vcpu.max == 0 {
            return Err(internal("CPU IDs in <numa> exceed the <vcpu> count"));
        }
        if self.vcpu.current > self.vcpu.max {
            return Err(unsupported("maximum vCPU count must not be less than current vCPU count"));
        }
        if self.vcpu.current == 0 {
            self.vcpu.current = self.vcpu.max;
        }
        let intremap =
            self.devices.list("iommu").iter().any(|i| i.kid("driver").and_then(|d| d.attr("intremap")) == Some("on"));
        let split_apic =
            self.features.as_ref().and_then(|f| f.kid("ioapic")).and_then(|i| i.attr("driver")) == Some("qemu");
        if intremap && !split_apic {
            return Err(unsupported("IOMMU interrupt remapping requires split I/O APIC (ioapic driver='qemu')"));
        }
        Ok(())
    }

    /// Formats the definition as `virDomainGetXMLDesc` shows it.
    pub fn format(&self, opts: FormatOpts) -> String {
        let mut w = XmlWriter::new();
        let id = opts.id.map(|i| i.to_string());
        w.open("domain", &[("type", Some(self.virt_type)), ("id", id.as_deref())]);
        w.text("name", &[], &self.name);
        w.text("uuid", &[], &uuid::format(&self.uuid));
        w.opt_text("genid", self.genid.as_deref());
        w.opt_text("title", self.title.as_deref());
        w.opt_text("description", self.description.as_deref());
        self.format_metadata(&mut w);
        if let Some((size, slots)) = self.max_memory {
            let slots = (slots > 0).then(|| slots.to_string());
            w.text("maxMemory", &[("slots", slots.as_deref()), ("unit", Some("KiB"))], &size.to_string());
        }
        w.text("memory", &[("dumpCore", self.dump_core.as_deref()), ("unit", Some("KiB"))], &self.memory.to_string());
        w.text("currentMemory", &[("unit", Some("KiB"))], &self.current_memory.to_string());
        fmt_opt(&mut w, &self.blkiotune);
        self.memtune.format(&mut w);
        fmt_opt(&mut w, &self.memory_backing);
        self.vcpu.format(&mut w);
        fmt_opt(&mut w, &self.vcpus);
        self.iothreads.format(&mut w);
        let live = opts.id.is_some();
        match self.cputune.as_deref().filter(|_| live).and_then(cputune_sched::live_view) {
            Some(v) => v.format(&mut w),
            None => fmt_opt(&mut w, &self.cputune),
        }
        if let Some(n) = &self.numatune {
            n.format(&mut w);
        }
        fmt_opt(&mut w, &self.resource);
        for s in &self.sysinfo {
            s.format(&mut w);
        }
        w.opt_text("bootloader", self.bootloader.as_deref());
        w.opt_text("bootloader_args", self.bootloader_args.as_deref());
        self.os.format(&mut w);
        fmt_opt(&mut w, &self.idmap);
        fmt_opt(&mut w, &self.features);
        if let Some(c) = &self.cpu {
            c.format(&mut w);
        }
        self.clock.format(&mut w);
        self.lifecycle.format(&mut w);
        fmt_opt(&mut w, &self.pm);
        os::format_perf(&self.perf, &mut w);
        self.devices.format(&mut w, opts.secure, live);
        for s in &self.seclabels {
            s.format(&mut w);
        }
        fmt_opt(&mut w, &self.keywrap);
        fmt_opt(&mut w, &self.launch_security);
        w.close("domain");
        w.finish()
    }

    fn format_metadata(&self, w: &mut XmlWriter) {
        if self.metadata.is_empty() {
            return;
        }
        w.open("metadata", &[]);
        for m in &self.metadata {
            let mut s = String::new();
            m.dump(0, &mut s);
            w.raw_lines(&s);
        }
        w.close("metadata");
    }

    /// The OS type as `virDomainGetOSType` reports it.
    pub fn os_type(&self) -> &str {
        self.os.os_type
    }
}

fn fmt_opt(w: &mut XmlWriter, e: &Option<Box<Elem>>) {
    if let Some(e) = e {
        e.format(w);
    }
}

/// `<metadata>` children: namespaced elements only, the first per
/// namespace.
fn parse_metadata(root: Node) -> Vec<RawElem> {
    let mut out: Vec<RawElem> = Vec::new();
    let Some(m) = child(root, "metadata") else { return out };
    for c in m.children().filter(|c| c.is_element()) {
        let Some(ns) = c.tag_name().namespace() else { continue };
        if out.iter().any(|e| e.ns.as_deref() == Some(ns)) {
            continue;
        }
        out.push(RawElem::copy(c, true));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "<domain type='test'><name>a</name><uuid>11111111-2222-3333-4444-555555555555</uuid>\
        <memory unit='MiB'>1</memory><vcpu current='1'>2</vcpu><os><type>hvm</type></os>\
        <devices><disk type='file'><source file='/a'/><target dev='hdc'/></disk>\
        <serial type='pty'/></devices></domain>";

    #[test]
    fn formats_with_libvirts_defaults() {
        let def = DomainDef::parse(SMALL).unwrap();
        let expected = "<domain type='test' id='3'>
  <name>a</name>
  <uuid>11111111-2222-3333-4444-555555555555</uuid>
  <memory unit='KiB'>1024</memory>
  <currentMemory unit='KiB'>1024</currentMemory>
  <vcpu placement='static' current='1'>2</vcpu>
  <os>
    <type arch='i686'>hvm</type>
    <boot dev='hd'/>
  </os>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <source file='/a'/>
      <target dev='hdc' bus='ide'/>
      <address type='drive' controller='0' bus='1' target='0' unit='0'/>
    </disk>
    <controller type='ide' index='0'/>
    <serial type='pty'>
      <target port='0'/>
    </serial>
    <console type='pty'>
      <target type='serial' port='0'/>
    </console>
  </devices>
</domain>
";
        assert_eq!(def.format(FormatOpts { id: Some(3), secure: false }), expected);
        // formatting is stable: the output parses back to the same text
        let again = DomainDef::parse(&def.format(FormatOpts::default())).unwrap();
        assert_eq!(again.format(FormatOpts::default()), def.format(FormatOpts::default()));
    }

    #[test]
    fn refuses_as_libvirt_does() {
        let e = DomainDef::parse("<domain type='test'><memory>1</memory></domain>").unwrap_err();
        assert_eq!(
            (e.code, e.domain, e.message.as_str()),
            (VIR_ERR_NO_NAME, VIR_FROM_DOMAIN, "missing name information")
        );
        let e = DomainDef::parse("<domain type='test'><name>x</name><uuid>zz</uuid></domain>").unwrap_err();
        assert_eq!(e.message, "internal error: malformed uuid element");
        let e = DomainDef::parse("<domain type='test'><name>x</name><memory>1</memory><os><type>hvm</type></os><devices><disk type='nope'/></devices></domain>").unwrap_err();
        assert_eq!((e.code, e.domain), (VIR_ERR_XML_ERROR, VIR_FROM_XML));
        assert_eq!(e.message, "XML error: Invalid value for attribute 'type' in element 'disk': 'nope'.");
    }

    #[test]
    fn parses_many_devices_without_quadratic_steps() {
        fn letters(mut i: usize) -> String {
            let mut s = Vec::new();
            i += 1;
            while i > 0 {
                i -= 1;
                s.insert(0, b'a' + (i % 26) as u8);
                i /= 26;
            }
            String::from_utf8(s).unwrap()
        }
        const N: usize = 20_000;
        let mut xml =
            String::from("<domain type='test'><name>x</name><memory>1</memory><os><type>hvm</type></os><devices>");
        for i in 0..N {
            xml.push_str(&format!("<disk type='file'><source file='/d{i}'/><target dev='sd{}'/></disk>", letters(i)));
            let (model, kind) = if i % 2 == 0 { ("virtio", "network") } else { ("e1000", "bridge") };
            xml.push_str(&format!(
                "<interface type='{kind}'><source {kind}='n{i}'/><model type='{model}'/></interface>"
            ));
        }
        xml.push_str("</devices></domain>");
        let start = std::time::Instant::now();
        let def = DomainDef::parse(&xml).unwrap();
        // quadratic steps took minutes here; linear ones well under a second
        assert!(start.elapsed().as_secs() < 30, "{:?}", start.elapsed());
        assert_eq!(def.devices.list("disk").len(), N);
        assert_eq!(disk_order_check(&def), (0..N).map(letters).collect::<Vec<_>>());
        let dup = xml.replacen("<target dev='sdb'/>", "<target dev='sda'/>", 1);
        let e = DomainDef::parse(&dup).unwrap_err();
        assert_eq!(e.message, "XML error: target 'sda' duplicated for disk sources '/d0' and '/d1'");
    }

    fn disk_order_check(def: &DomainDef) -> Vec<String> {
        def.devices.list("disk").iter().map(|d| devices::disk::target_dev(d)[2..].to_string()).collect()
    }

    #[test]
    fn keeps_namespaced_metadata_as_libxml2_prints_it() {
        let xml = "<domain type='test'><name>x</name><memory>1</memory><os><type>hvm</type></os>\
            <metadata><a:x xmlns:a='urn:a'>\n  <b c='&quot;'/>\n</a:x><plain/></metadata></domain>";
        let out = DomainDef::parse(xml).unwrap().format(FormatOpts::default());
        assert!(out.contains(
            "  <metadata>\n    <a:x xmlns:a=\"urn:a\">\n      <b c=\"&quot;\"/>\n    </a:x>\n  </metadata>\n"
        ));
    }
}
