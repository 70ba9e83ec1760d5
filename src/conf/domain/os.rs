//! How a domain boots and behaves: `<os>`, `<features>`, `<clock>`, the
//! lifecycle actions, `<pm>` and `<perf>`.

use super::props::{self, *};
use super::tree::{ESpec, Elem, Text};
use crate::conf::xml::XmlWriter;
use crate::core::error::Result;
use roxmltree::Node;

pub const OS_TYPES: &[&str] = &["hvm", "xen", "linux", "exe", "uml", "xenpvh"];

const TEXT: Text = Text::Str { trim: false };

const OS_KIDS: &[&ESpec] = &[
    &ESpec::new(
        "firmware",
        &[],
        &[&ESpec::new("feature", &[("enabled", Kind::Enum(YES_NO)), ("name", Kind::Str)], &[])],
    ),
    &ESpec::text("init", &[], TEXT),
    &ESpec::text("initarg", &[], TEXT),
    &ESpec::text("initenv", &[("name", Kind::Str)], TEXT),
    &ESpec::text("initdir", &[], TEXT),
    &ESpec::text("inituser", &[], TEXT),
    &ESpec::text("initgroup", &[], TEXT),
    &ESpec::text(
        "loader",
        &[
            ("readonly", Kind::Enum(YES_NO)),
            ("secure", Kind::Enum(YES_NO)),
            ("type", Kind::Enum(&["rom", "pflash"])),
            ("stateless", Kind::Enum(YES_NO)),
            ("format", Kind::Enum(&["raw", "qcow2"])),
        ],
        TEXT,
    ),
    &ESpec::text("nvram", &[("template", Kind::Str), ("format", Kind::Enum(&["raw", "qcow2"]))], TEXT),
    &ESpec::text("kernel", &[], TEXT),
    &ESpec::text("initrd", &[], TEXT),
    &ESpec::text("cmdline", &[], TEXT),
    &ESpec::text("dtb", &[], TEXT),
    &ESpec::new("acpi", &[], &[&ESpec::text("table", &[("type", Kind::Enum(&["slic"]))], TEXT)]),
    &ESpec::new("boot", &[("dev", Kind::Str)], &[]),
    &ESpec::new("bootmenu", &[("enable", Kind::Enum(YES_NO)), ("timeout", Kind::UInt)], &[]),
    &ESpec::new("bios", &[("useserial", Kind::Enum(YES_NO)), ("rebootTimeout", Kind::Int)], &[]),
    &ESpec::new("smbios", &[("mode", Kind::Enum(&["emulate", "host", "sysinfo"]))], &[]),
];
const OS_SPEC: ESpec = ESpec::new("os", &[("firmware", Kind::Enum(&["bios", "efi"]))], OS_KIDS);

/// `<os>`: the guest kind plus the boot configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Os {
    pub os_type: &'static str,
    pub arch: &'static str,
    pub machine: Option<String>,
    /// Everything after `<type>`, in libvirt's order.
    pub rest: Elem,
}

impl Os {
    /// The guest kind and architecture (checked first, as libvirt does).
    pub fn parse_caps(root: Node) -> Result<(&'static str, &'static str, Option<String>)> {
        let t = child(root, "os").and_then(|o| child(o, "type"));
        let os_type = t.map(text_of).map(|s| s.trim().to_string()).unwrap_or_default();
        if os_type.is_empty() {
            return Err(dom_err("an os <type> must be specified"));
        }
        let Some(os_type) = OS_TYPES.iter().find(|o| **o == os_type).copied() else {
            return Err(unsupported(format!("unknown OS type '{os_type}'")));
        };
        let arch = match t.and_then(|t| attr(t, "arch")) {
            Some(a) => match crate::conf::arch::ARCHES.iter().find(|x| **x == a) {
                Some(x) => *x,
                None => return Err(unsupported(format!("Unknown architecture {a}"))),
            },
            None => "i686",
        };
        Ok((os_type, arch, t.and_then(|t| attr_s(t, "machine"))))
    }

    pub fn parse(root: Node, caps: (&'static str, &'static str, Option<String>), per_device_boot: bool) -> Result<Os> {
        let n = child(root, "os");
        let mut rest = match n {
            Some(n) => Elem::parse(n, &OS_SPEC)?,
            None => Elem::empty("os"),
        };
        let (os_type, arch, machine) = caps;
        if os_type == "exe" && rest.kid("init").is_none() {
            return Err(dom_err("init binary must be specified"));
        }
        for b in rest.kids.iter().filter(|k| k.name == "boot") {
            let dev = b.attr("dev").unwrap_or("");
            if !["fd", "hd", "cdrom", "network"].contains(&dev) {
                return Err(dom_err(format!("unknown boot device '{dev}'")));
            }
        }
        if let Some(l) = rest.kids.iter_mut().find(|k| k.name == "loader") {
            if l.attr("type").is_none() && l.text.is_some() {
                l.attrs.set(LOADER_ATTRS, "type", "rom");
            }
        }
        let has_boot = rest.kids.iter().any(|k| k.name == "boot");
        if os_type == "hvm" && !has_boot && !per_device_boot && child(root, "bootloader").is_none() {
            let at = rest.kids.iter().position(|k| rank(k.name) > rank("boot")).unwrap_or(rest.kids.len());
            let mut b = Elem::empty("boot");
            b.attrs.set(&[("dev", Kind::Str)], "dev", "hd");
            rest.kids.insert(at, b);
        }
        Ok(Os { os_type, arch, machine, rest })
    }

    pub fn format(&self, w: &mut XmlWriter) {
        w.open("os", &self.rest.attrs.list());
        w.text("type", &[("arch", Some(self.arch)), ("machine", self.machine.as_deref())], self.os_type);
        for k in &self.rest.kids {
            k.format(w);
        }
        w.close("os");
    }

    pub fn has(&self, name: &str) -> bool {
        self.rest.kid(name).is_some()
    }
}

const LOADER_ATTRS: props::Spec = &[
    ("readonly", Kind::Enum(YES_NO)),
    ("secure", Kind::Enum(YES_NO)),
    ("type", Kind::Enum(&["rom", "pflash"])),
    ("stateless", Kind::Enum(YES_NO)),
    ("format", Kind::Enum(&["raw", "qcow2"])),
];

fn rank(name: &str) -> usize {
    OS_KIDS.iter().position(|k| k.name == name).unwrap_or(usize::MAX)
}

const STATE: props::Spec = &[("state", Kind::Enum(ON_OFF))];
const HV_KIDS: &[&ESpec] = &[
    &ESpec::new("relaxed", STATE, &[]),
    &ESpec::new("vapic", STATE, &[]),
    &ESpec::new("spinlocks", &[("state", Kind::Enum(ON_OFF)), ("retries", Kind::UInt)], &[]),
    &ESpec::new("vpindex", STATE, &[]),
    &ESpec::new("runtime", STATE, &[]),
    &ESpec::new("synic", STATE, &[]),
    &ESpec::new("stimer", STATE, &[&ESpec::new("direct", STATE, &[])]),
    &ESpec::new("reset", STATE, &[]),
    &ESpec::new("vendor_id", &[("state", Kind::Enum(ON_OFF)), ("value", Kind::Str)], &[]),
    &ESpec::new("frequencies", STATE, &[]),
    &ESpec::new("reenlightenment", STATE, &[]),
    &ESpec::new("tlbflush", STATE, &[]),
    &ESpec::new("ipi", STATE, &[]),
    &ESpec::new("evmcs", STATE, &[]),
    &ESpec::new("avic", STATE, &[]),
];
const FEATURES: &[&ESpec] = &[
    &ESpec::new("acpi", &[], &[]),
    &ESpec::new("apic", &[("eoi", Kind::Enum(ON_OFF))], &[]),
    &ESpec::new("pae", &[], &[]),
    &ESpec::new("hap", STATE, &[]),
    &ESpec::new("viridian", &[], &[]),
    &ESpec::new("privnet", &[], &[]),
    &ESpec::block("hyperv", &[("mode", Kind::Enum(&["custom", "passthrough"]))], HV_KIDS),
    &ESpec::block(
        "kvm",
        &[],
        &[
            &ESpec::new("hidden", STATE, &[]),
            &ESpec::new("hint-dedicated", STATE, &[]),
            &ESpec::new("poll-control", STATE, &[]),
            &ESpec::new("pv-ipi", STATE, &[]),
            &ESpec::new("dirty-ring", &[("state", Kind::Enum(ON_OFF)), ("size", Kind::UInt)], &[]),
        ],
    ),
    &ESpec::new("pvspinlock", STATE, &[]),
    &ESpec::new("capabilities", &[("policy", Kind::Enum(&["default", "allow", "deny"]))], &[]),
    &ESpec::new("pmu", STATE, &[]),
    &ESpec::new("vmport", STATE, &[]),
    &ESpec::new("gic", &[("version", Kind::Str)], &[]),
    &ESpec::new("smm", STATE, &[&ESpec::text("tseg", &[("unit", Kind::Str)], Text::UInt)]),
    &ESpec::new("ioapic", &[("driver", Kind::Enum(&["kvm", "qemu"]))], &[]),
    &ESpec::new("hpt", &[("resizing", Kind::Enum(&["enabled", "disabled", "required"]))], &[]),
    &ESpec::new("vmcoreinfo", STATE, &[]),
    &ESpec::new("htm", STATE, &[]),
    &ESpec::new("nested-hv", STATE, &[]),
    &ESpec::new("msrs", &[("unknown", Kind::Enum(&["ignore", "fault"]))], &[]),
    &ESpec::new("ccf-assist", STATE, &[]),
    &ESpec::block("xen", &[], &[&ESpec::new("e820_host", STATE, &[]), &ESpec::new("passthrough", STATE, &[])]),
    &ESpec::new("cfpc", &[("value", Kind::Str)], &[]),
    &ESpec::new("sbbc", &[("value", Kind::Str)], &[]),
    &ESpec::new("ibs", &[("value", Kind::Str)], &[]),
    &ESpec::new("tcg", &[], &[&ESpec::text("tb-cache", &[("unit", Kind::Str)], Text::UInt)]),
    &ESpec::new("async-teardown", &[("enabled", Kind::Enum(YES_NO))], &[]),
];
const FEATURES_SPEC: ESpec = ESpec::new("features", &[], FEATURES);

/// Features whose missing `state` means "on".
const DEFAULT_ON: &[&str] = &["hap", "pvspinlock", "pmu", "vmport", "smm", "vmcoreinfo"];
/// Features that must say their state.
const STATE_REQUIRED: &[&str] = &["htm", "nested-hv", "ccf-assist"];

pub fn parse_features(root: Node) -> Result<Option<Elem>> {
    let Some(n) = child(root, "features") else { return Ok(None) };
    for c in n.children().filter(|c| c.is_element()) {
        let name = c.tag_name().name();
        if !FEATURES.iter().any(|f| f.name == name) {
            return Err(unsupported(format!("unexpected feature '{name}'")));
        }
        if STATE_REQUIRED.contains(&name) && c.attribute("state").is_none() {
            return Err(missing_attr(c, "state"));
        }
    }
    let mut e = Elem::parse(n, &FEATURES_SPEC)?;
    for k in e.kids.iter_mut() {
        if DEFAULT_ON.contains(&k.name) && k.attr("state").is_none() {
            k.attrs.set(STATE, "state", "on");
        }
        if k.name == "hyperv" && k.attr("mode").is_none() {
            k.attrs.set(&[("mode", Kind::Str)], "mode", "custom");
        }
        if k.name == "tcg" {
            scale_kid(k, "tb-cache")?;
        }
        if k.name == "capabilities" && k.attr("policy") == Some("default") {
            k.attrs.remove("policy");
        }
    }
    // the default capability policy with nothing to change is not kept
    e.kids.retain(|k| !(k.name == "capabilities" && k.attrs.is_empty() && k.kids.is_empty()));
    Ok(Some(e))
}

/// Turns a `<kid unit='X'>N</kid>` size into KiB.
fn scale_kid(e: &mut Elem, kid: &str) -> Result<()> {
    for k in e.kids.iter_mut().filter(|k| k.name == kid) {
        let v: u64 = k.text.as_deref().and_then(|t| t.parse().ok()).unwrap_or(0);
        let scale = match k.attr("unit") {
            Some(u) => unit_scale(u)?,
            None => 1024,
        };
        k.text = Some((v * scale).div_ceil(1024).to_string());
        k.attrs.set(&[("unit", Kind::Str)], "unit", "KiB");
    }
    Ok(())
}

const TIMER_NAMES: &[&str] = &["platform", "pit", "rtc", "hpet", "tsc", "kvmclock", "hypervclock", "armvtimer"];
const TIMER: ESpec = ESpec::new(
    "timer",
    &[
        ("name", Kind::Enum(TIMER_NAMES)),
        ("present", Kind::Enum(YES_NO)),
        ("tickpolicy", Kind::Enum(&["delay", "catchup", "merge", "discard"])),
        ("track", Kind::Enum(&["boot", "guest", "wall", "realtime"])),
        ("frequency", Kind::Str),
        ("mode", Kind::Enum(&["auto", "native", "emulate", "paravirt", "smpsafe"])),
    ],
    &[&ESpec::new("catchup", &[("threshold", Kind::UInt), ("slew", Kind::UInt), ("limit", Kind::UInt)], &[])],
);
const CLOCK_ATTRS: props::Spec = &[
    ("offset", Kind::Str),
    ("adjustment", Kind::Str),
    ("basis", Kind::Enum(&["utc", "localtime"])),
    ("timezone", Kind::Str),
    ("start", Kind::UInt),
];
const CLOCK: ESpec = ESpec::new("clock", CLOCK_ATTRS, &[&TIMER]);

pub fn parse_clock(root: Node) -> Result<Elem> {
    let Some(n) = child(root, "clock") else {
        let mut e = Elem::empty("clock");
        e.attrs.set(CLOCK_ATTRS, "offset", "utc");
        return Ok(e);
    };
    let offset = attr(n, "offset").unwrap_or("utc");
    if !["utc", "localtime", "timezone", "variable", "absolute"].contains(&offset) {
        return Err(unsupported(format!("unknown clock offset '{offset}'")));
    }
    let mut e = Elem::parse(n, &CLOCK)?;
    e.attrs = Attrs::default();
    e.attrs.set(CLOCK_ATTRS, "offset", offset);
    match offset {
        "utc" | "localtime" => {
            if let Some(a) = attr(n, "adjustment") {
                if a == "reset" {
                    e.attrs.set(CLOCK_ATTRS, "adjustment", "reset");
                } else {
                    let v: i64 = a.parse().map_err(|_| dom_err(format!("unknown clock adjustment '{a}'")))?;
                    e.attrs.set(CLOCK_ATTRS, "adjustment", v.to_string());
                }
            }
        }
        "variable" => {
            let adj: i64 = match attr(n, "adjustment") {
                Some(a) => a.parse().map_err(|_| dom_err("variable clock adjustment must be an integer"))?,
                None => 0,
            };
            let basis = enum_attr(n, "basis", &["utc", "localtime"])?.unwrap_or_else(|| "utc".into());
            e.attrs.set(CLOCK_ATTRS, "adjustment", adj.to_string());
            e.attrs.set(CLOCK_ATTRS, "basis", basis);
        }
        "timezone" => {
            let tz = attr(n, "timezone")
                .ok_or_else(|| dom_err("missing 'timezone' attribute for clock with offset='timezone'"))?;
            e.attrs.set(CLOCK_ATTRS, "timezone", tz);
        }
        _ => {
            let start = uint_attr(n, "start")?
                .ok_or_else(|| dom_err("missing 'start' attribute for clock with offset='absolute'"))?;
            e.attrs.set(CLOCK_ATTRS, "start", start.to_string());
        }
    }
    Ok(e)
}

const ACTIONS: &[&str] = &["destroy", "restart", "rename-restart", "preserve", "coredump-destroy", "coredump-restart"];
const LOCKFAILURE: &[&str] = &["default", "poweroff", "restart", "pause", "ignore"];

/// The `on_*` actions.
#[derive(Clone, Debug, PartialEq)]
pub struct Lifecycle {
    pub on_poweroff: &'static str,
    pub on_reboot: &'static str,
    pub on_crash: &'static str,
    pub on_lockfailure: Option<&'static str>,
}

impl Lifecycle {
    pub fn parse(root: Node) -> Result<Lifecycle> {
        let get = |name: &str, allowed: &[&'static str], default: &'static str| -> Result<&'static str> {
            match child_text(root, name) {
                None => Ok(default),
                Some(t) => match allowed.iter().find(|a| **a == t) {
                    Some(a) => Ok(*a),
                    None => Err(unsupported(format!("unknown {name} action: {t}"))),
                },
            }
        };
        let l = Lifecycle {
            on_reboot: get("on_reboot", ACTIONS, "restart")?,
            on_poweroff: get("on_poweroff", ACTIONS, "destroy")?,
            on_crash: get("on_crash", ACTIONS, "destroy")?,
            on_lockfailure: match child_text(root, "on_lockfailure") {
                None => None,
                Some(t) => match LOCKFAILURE.iter().find(|a| **a == t) {
                    Some(a) => Some(*a),
                    None => return Err(unsupported(format!("unknown on_lockfailure action: {t}"))),
                },
            },
        };
        for (event, v) in [("poweroff", l.on_poweroff), ("reboot", l.on_reboot)] {
            if v.starts_with("coredump") {
                return Err(unsupported(format!("Lifecycle event '{event}' doesn't support '{v}' action")));
            }
        }
        Ok(l)
    }

    pub fn format(&self, w: &mut XmlWriter) {
        w.text("on_poweroff", &[], self.on_poweroff);
        w.text("on_reboot", &[], self.on_reboot);
        w.text("on_crash", &[], self.on_crash);
        if let Some(l) = self.on_lockfailure {
            w.text("on_lockfailure", &[], l);
        }
    }
}

pub const PM: ESpec = ESpec::new(
    "pm",
    &[],
    &[
        &ESpec::new("suspend-to-mem", &[("enabled", Kind::Enum(YES_NO))], &[]),
        &ESpec::new("suspend-to-disk", &[("enabled", Kind::Enum(YES_NO))], &[]),
    ],
);

pub const PERF_EVENTS: &[&str] = &[
    "cmt",
    "mbmt",
    "mbml",
    "cpu_cycles",
    "instructions",
    "cache_references",
    "cache_misses",
    "branch_instructions",
    "branch_misses",
    "bus_cycles",
    "stalled_cycles_frontend",
    "stalled_cycles_backend",
    "ref_cpu_cycles",
    "cpu_clock",
    "task_clock",
    "page_faults",
    "context_switches",
    "cpu_migrations",
    "page_faults_min",
    "page_faults_maj",
    "alignment_faults",
    "emulation_faults",
];

/// `<perf>`: events switched on or off, in libvirt's event order.
pub fn parse_perf(root: Node) -> Result<Vec<(String, bool)>> {
    let mut out: Vec<(String, bool)> = Vec::new();
    let Some(n) = child(root, "perf") else { return Ok(out) };
    for e in children(n, "event") {
        let name = enum_attr_req(e, "name", PERF_EVENTS)?;
        let enabled = enum_attr_req(e, "enabled", YES_NO)? == "yes";
        if out.iter().any(|(n, _)| *n == name) {
            continue;
        }
        out.push((name, enabled));
    }
    out.sort_by_key(|(n, _)| PERF_EVENTS.iter().position(|p| p == n));
    Ok(out)
}

pub fn format_perf(perf: &[(String, bool)], w: &mut XmlWriter) {
    if perf.is_empty() {
        return;
    }
    w.open("perf", &[]);
    for (name, on) in perf {
        w.empty("event", &[("name", Some(name)), ("enabled", Some(if *on { "yes" } else { "no" }))]);
    }
    w.close("perf");
}
