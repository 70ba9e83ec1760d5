//! Host CPU descriptions as `virConnectBaselineCPU` takes them, the guest
//! CPU it returns, and the baseline per CPU family (x86 in `cpu_x86`).

use super::cpu_models_data::{PPC64_MODELS, PPC64_VENDORS};
use super::cpu_x86;
use super::netdev::{missing_attr, nonneg_attr, unsupported, xml_error};
use super::storage_common::parse_u64;
use super::xml::{child, parse, XmlWriter};
use crate::core::error::{Error, Result};
use crate::generated::consts::*;

/// The CPU drivers, by the architectures they handle.
#[derive(Clone, Copy, PartialEq)]
enum Family {
    X86,
    Ppc64,
    Arm,
    S390,
}

/// The CPU driver of a known architecture.
fn family(arch: &str) -> Result<Family> {
    match arch {
        "i686" | "x86_64" => Ok(Family::X86),
        "ppc64" | "ppc64le" => Ok(Family::Ppc64),
        "armv6l" | "armv7l" | "armv7b" | "aarch64" => Ok(Family::Arm),
        "s390" | "s390x" => Ok(Family::S390),
        _ => Err(Error::with_detail(
            VIR_FROM_CPU,
            VIR_ERR_NO_SUPPORT,
            format!("'{arch}' architecture is not supported by CPU driver"),
        )),
    }
}

/// The CPU models known for `arch`: libvirt's errors for an unknown
/// architecture and for one no CPU driver handles.
pub fn model_names(arch: &str, unknown_from: i32) -> Result<Vec<String>> {
    if !super::arch::is_known(arch) {
        return Err(Error::with_detail(unknown_from, VIR_ERR_INVALID_ARG, format!("cannot find architecture {arch}")));
    }
    Ok(match family(arch)? {
        Family::X86 => cpu_x86::model_names().map(str::to_string).collect(),
        Family::Ppc64 => PPC64_MODELS.iter().map(|(m, _)| m.to_string()).collect(),
        Family::Arm | Family::S390 => Vec::new(),
    })
}

/// A host `<cpu>` description: a host's feature policies are ignored.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HostCpu {
    pub arch: String,
    pub model: String,
    pub vendor: Option<String>,
    pub features: Vec<String>,
}

impl HostCpu {
    pub fn parse(xml: &str) -> Result<HostCpu> {
        let doc = parse(xml, "CPU_definition")?;
        let root = doc.root_element();
        if !root.has_tag_name("cpu") {
            return Err(xml_error(VIR_FROM_CPU, "XML does not contain expected 'cpu' element"));
        }
        // an element's text is all the text inside it, untrimmed; empty is missing
        let text = |name: &str| {
            child(root, name)
                .map(|c| c.descendants().filter(|n| n.is_text()).filter_map(|n| n.text()).collect::<String>())
                .filter(|t| !t.is_empty())
        };
        if root.attribute("mode").is_some() {
            return Err(unsupported(VIR_FROM_CPU, "Attribute mode is only allowed for guest CPU"));
        }
        let arch = text("arch").ok_or_else(|| xml_error(VIR_FROM_CPU, "Missing CPU architecture"))?;
        if !super::arch::is_known(&arch) {
            return Err(unsupported(VIR_FROM_CPU, format!("Unknown architecture {arch}")));
        }
        let model = text("model").ok_or_else(|| xml_error(VIR_FROM_CPU, "Missing CPU model name"))?;
        if let Some(t) = child(root, "topology") {
            check_topology(t)?;
        }
        let mut features: Vec<String> = Vec::new();
        for f in root.children().filter(|c| c.has_tag_name("feature")) {
            let name = f
                .attribute("name")
                .filter(|n| !n.is_empty())
                .ok_or_else(|| xml_error(VIR_FROM_CPU, "Invalid CPU feature name"))?;
            if features.iter().any(|n| n == name) {
                return Err(xml_error(VIR_FROM_CPU, format!("CPU feature '{name}' specified more than once")));
            }
            features.push(name.to_string());
        }
        Ok(HostCpu { arch, model, vendor: text("vendor"), features })
    }
}

/// A `<topology>` must give positive numbers of sockets, cores and
/// threads (and of dies, when it gives them).
fn check_topology(t: roxmltree::Node) -> Result<()> {
    for (attr, required) in [("sockets", true), ("dies", false), ("cores", true), ("threads", true)] {
        let Some(v) = t.attribute(attr) else {
            if required {
                return Err(missing_attr(attr, "topology"));
            }
            continue;
        };
        match parse_u64(v).and_then(|n| u32::try_from(n).ok()) {
            None => return Err(nonneg_attr(attr, "topology", v)),
            Some(0) => {
                return Err(xml_error(
                    VIR_FROM_XML,
                    format!("Invalid value for attribute '{attr}' in element 'topology': Zero is not permitted"),
                ))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FeaturePolicy {
    Require,
    Disable,
}

/// The guest CPU definition a baseline answers.
#[derive(Clone, Debug, PartialEq)]
pub struct GuestCpu {
    pub model: String,
    pub vendor: Option<String>,
    /// Whether the model must not be replaced by a close one.
    pub fallback_forbid: bool,
    pub features: Vec<(FeaturePolicy, String)>,
}

impl GuestCpu {
    fn model_only(model: &str, fallback_forbid: bool) -> GuestCpu {
        GuestCpu { model: model.to_string(), vendor: None, fallback_forbid, features: Vec::new() }
    }

    pub fn format(&self) -> String {
        let mut w = XmlWriter::new();
        w.open("cpu", &[("mode", Some("custom")), ("match", Some("exact"))]);
        let fallback = if self.fallback_forbid { "forbid" } else { "allow" };
        w.text("model", &[("fallback", Some(fallback))], &self.model);
        w.opt_text("vendor", self.vendor.as_deref());
        for (policy, name) in &self.features {
            let policy = match policy {
                FeaturePolicy::Require => "require",
                FeaturePolicy::Disable => "disable",
            };
            w.empty("feature", &[("policy", Some(policy)), ("name", Some(name))]);
        }
        w.close("cpu");
        w.finish()
    }
}

fn operation_failed(detail: String) -> Error {
    Error::with_detail(VIR_FROM_CPU, VIR_ERR_OPERATION_FAILED, detail)
}

/// POWER CPUs have a baseline only when all name the same model; a
/// vendor given must be the model's.
fn ppc64_baseline(cpus: &[HostCpu]) -> Result<GuestCpu> {
    let name = cpus[0].model.as_str();
    let (model, vendor) = PPC64_MODELS
        .iter()
        .find(|(m, _)| *m == name)
        .ok_or_else(|| Error::internal(format!("Unknown CPU model {name}")).from_domain(VIR_FROM_CPU))?;
    for cpu in cpus {
        if cpu.model != *model {
            return Err(operation_failed("CPUs are incompatible".into()));
        }
        let Some(given) = cpu.vendor.as_deref() else { continue };
        if !PPC64_VENDORS.contains(&given) {
            return Err(operation_failed(format!("Unknown CPU vendor {given}")));
        }
        let own = PPC64_VENDORS[*vendor as usize];
        if own != given {
            return Err(operation_failed(format!("CPU vendor {own} of model {model} differs from vendor {given}")));
        }
    }
    Ok(GuestCpu::model_only(model, true))
}

/// The CPU all of `cpus` can provide, computed by the CPU driver of the
/// first one's architecture; `expand` lists the model's features too.
pub fn baseline(cpus: &[HostCpu], expand: bool) -> Result<GuestCpu> {
    let Some(first) = cpus.first() else {
        return Err(Error::with_detail(VIR_FROM_CPU, VIR_ERR_INVALID_ARG, "no CPUs given"));
    };
    let family = family(&first.arch)?;
    let mut cpu = match family {
        Family::X86 => cpu_x86::baseline(cpus)?,
        Family::Ppc64 => ppc64_baseline(cpus)?,
        Family::Arm => GuestCpu::model_only(&first.model, false),
        Family::S390 => {
            return Err(Error::with_detail(
                VIR_FROM_CPU,
                VIR_ERR_NO_SUPPORT,
                format!("cannot compute baseline CPU of {} architecture", first.arch),
            ))
        }
    };
    if expand && family == Family::X86 {
        cpu_x86::expand(&mut cpu)?;
    }
    Ok(cpu)
}
