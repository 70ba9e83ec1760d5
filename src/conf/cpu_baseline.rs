//! Host CPU descriptions as `virConnectBaselineCPU` takes and returns them,
//! and the CPU models libvirt's CPU drivers know per architecture.

use super::netdev::xml_error;
use super::xml::{child_text, parse_root, XmlWriter};
use crate::core::error::{Error, Result};
use crate::generated::consts::*;

const X86_MODELS: [&str; 58] = [
    "486",
    "pentium",
    "pentium2",
    "pentium3",
    "pentiumpro",
    "coreduo",
    "n270",
    "core2duo",
    "qemu32",
    "kvm32",
    "cpu64-rhel5",
    "cpu64-rhel6",
    "qemu64",
    "kvm64",
    "Conroe",
    "Penryn",
    "Nehalem",
    "Nehalem-IBRS",
    "Westmere",
    "Westmere-IBRS",
    "SandyBridge",
    "SandyBridge-IBRS",
    "IvyBridge",
    "IvyBridge-IBRS",
    "Haswell-noTSX",
    "Haswell-noTSX-IBRS",
    "Haswell",
    "Haswell-IBRS",
    "Broadwell-noTSX",
    "Broadwell-noTSX-IBRS",
    "Broadwell",
    "Broadwell-IBRS",
    "Skylake-Client",
    "Skylake-Client-IBRS",
    "Skylake-Client-noTSX-IBRS",
    "Skylake-Server",
    "Skylake-Server-IBRS",
    "Skylake-Server-noTSX-IBRS",
    "Cascadelake-Server",
    "Cascadelake-Server-noTSX",
    "Icelake-Client",
    "Icelake-Client-noTSX",
    "Icelake-Server",
    "Icelake-Server-noTSX",
    "Cooperlake",
    "Snowridge",
    "athlon",
    "phenom",
    "Opteron_G1",
    "Opteron_G2",
    "Opteron_G3",
    "Opteron_G4",
    "Opteron_G5",
    "EPYC",
    "EPYC-IBPB",
    "EPYC-Rome",
    "EPYC-Milan",
    "Dhyana",
];

const PPC64_MODELS: [&str; 7] = ["POWER6", "POWER7", "POWER8", "POWER9", "POWER10", "POWERPC_e5500", "POWERPC_e6500"];

/// The CPU models known for `arch`: libvirt's errors for an unknown
/// architecture and for one no CPU driver handles.
pub fn model_names(arch: &str, unknown_from: i32) -> Result<Vec<String>> {
    if !super::arch::is_known(arch) {
        return Err(Error::with_detail(unknown_from, VIR_ERR_INVALID_ARG, format!("cannot find architecture {arch}")));
    }
    let models: &[&str] = match arch {
        "i686" | "x86_64" => &X86_MODELS,
        "ppc64" | "ppc64le" => &PPC64_MODELS,
        "s390" | "s390x" | "armv6l" | "armv7l" | "armv7b" | "aarch64" => &[],
        _ => {
            return Err(Error::with_detail(
                VIR_FROM_CPU,
                VIR_ERR_NO_SUPPORT,
                format!("'{arch}' architecture is not supported by CPU driver"),
            ))
        }
    };
    Ok(models.iter().map(|m| m.to_string()).collect())
}

/// The parts of a host `<cpu>` description a baseline keeps.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HostCpu {
    pub arch: String,
    pub model: Option<String>,
    pub vendor: Option<String>,
    pub features: Vec<String>,
}

impl HostCpu {
    pub fn parse(xml: &str) -> Result<HostCpu> {
        let doc = parse_root(xml, "CPU_definition", "cpu")?;
        let root = doc.root_element();
        let arch = child_text(root, "arch")
            .filter(|a| !a.is_empty())
            .ok_or_else(|| xml_error(VIR_FROM_CPU, "Missing CPU architecture"))?;
        Ok(HostCpu {
            arch: arch.to_string(),
            model: child_text(root, "model").map(str::to_string),
            vendor: child_text(root, "vendor").map(str::to_string),
            // features the host explicitly lacks take no part in a baseline
            features: root
                .children()
                .filter(|c| c.has_tag_name("feature") && c.attribute("policy") != Some("disable"))
                .filter_map(|c| c.attribute("name").map(str::to_string))
                .collect(),
        })
    }

    fn is_x86(&self) -> bool {
        self.arch == "x86_64" || self.arch == "i686"
    }

    /// A guest CPU definition asking for exactly this model; only the x86
    /// and POWER drivers forbid falling back to another model.
    pub fn format_guest(&self) -> String {
        let fallback = if self.is_x86() || self.arch.starts_with("ppc64") { "forbid" } else { "allow" };
        let mut w = XmlWriter::new();
        w.open("cpu", &[("mode", Some("custom")), ("match", Some("exact"))]);
        if let Some(m) = &self.model {
            w.text("model", &[("fallback", Some(fallback))], m);
        }
        w.opt_text("vendor", self.vendor.as_deref());
        for f in &self.features {
            w.empty("feature", &[("policy", Some("require")), ("name", Some(f))]);
        }
        w.close("cpu");
        w.finish()
    }
}

/// Where libvirt installs its CPU model database.
const CPU_MAP_DIR: &str = "/usr/share/libvirt/cpu_map";

/// The features an x86 CPU model includes, from libvirt's CPU map (when
/// installed).
fn x86_model_features(model: &str) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(format!("{CPU_MAP_DIR}/x86_{model}.xml")).ok()?;
    let doc = roxmltree::Document::parse(&text).ok()?;
    let m = doc.descendants().find(|n| n.has_tag_name("model") && n.attribute("name") == Some(model))?;
    Some(
        m.children()
            .filter(|c| c.has_tag_name("feature"))
            .filter_map(|c| c.attribute("name").map(str::to_string))
            .collect(),
    )
}

/// The CPU all the given ones can provide, when they share one model
/// (`None` when they do not: choosing among models needs the CPUID data
/// of libvirt's CPU map). The features all of them add to the model are
/// kept; `expand` lists the model's own features too.
pub fn baseline(cpus: &[HostCpu], expand: bool) -> Result<Option<HostCpu>> {
    let Some(first) = cpus.first() else {
        return Err(Error::with_detail(VIR_FROM_CPU, VIR_ERR_INVALID_ARG, "no CPUs given"));
    };
    for c in cpus {
        let model = c.model.as_deref().ok_or_else(|| xml_error(VIR_FROM_CPU, "Missing CPU model name"))?;
        if c.is_x86() && !X86_MODELS.contains(&model) {
            return Err(Error::internal(format!("Unknown CPU model {model}")).from_domain(VIR_FROM_CPU));
        }
    }
    let vendors: Vec<&String> = cpus.iter().filter_map(|c| c.vendor.as_ref()).collect();
    if vendors.windows(2).any(|w| w[0] != w[1]) {
        return Err(Error::with_detail(VIR_FROM_CPU, VIR_ERR_OPERATION_FAILED, "CPU vendors do not match"));
    }
    if cpus.iter().any(|c| c.model != first.model) {
        return Ok(None);
    }
    let mut out = first.clone();
    out.vendor = vendors.first().map(|v| v.to_string());
    out.features.retain(|f| cpus.iter().all(|c| c.features.contains(f)));
    let model = out.model.clone().unwrap_or_default();
    match (out.is_x86().then(|| x86_model_features(&model)).flatten(), expand) {
        (Some(own), true) => out.features.extend(own),
        (Some(own), false) => out.features.retain(|f| !own.contains(f)),
        (None, true) => return Ok(None),
        (None, false) => {}
    }
    out.features.sort();
    out.features.dedup();
    Ok(Some(out))
}
