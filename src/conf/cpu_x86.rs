//! x86 CPU models as sets of CPUID/MSR feature bits (the tables of
//! `cpu_models_data`): a CPU description becomes a bit set, several are
//! intersected, and the model describing the result with the fewest
//! extra or missing features is chosen.

use super::cpu_baseline::{FeaturePolicy, GuestCpu, HostCpu};
use super::cpu_models_data::{X86_FEATURES, X86_MODELS, X86_VENDORS, X86_WORDS};
use crate::core::error::{Error, Result};
use crate::generated::consts::*;

/// One x86 CPU model of the table.
pub struct X86Model {
    pub name: &'static str,
    /// Index into the vendor table.
    pub vendor: Option<u8>,
    /// Whether the model may describe a guest CPU computed from features.
    pub guest: bool,
    pub data: Bits,
    /// Features the model's definition drops: a CPU without them still
    /// names them as disabled.
    pub removed: &'static [u16],
}

/// A set of feature bits, word by word.
pub type Bits = [u32; X86_WORDS];

fn has(bits: &Bits, bit: u16) -> bool {
    bits[bit as usize / 32] & (1 << (bit % 32)) != 0
}

fn set(bits: &mut Bits, bit: u16) {
    bits[bit as usize / 32] |= 1 << (bit % 32);
}

fn minus(a: &Bits, b: &Bits) -> Bits {
    std::array::from_fn(|i| a[i] & !b[i])
}

/// The names of the features in `bits`, in the table's order.
fn feature_names(bits: Bits) -> impl Iterator<Item = &'static str> {
    X86_FEATURES.iter().filter(move |(_, bit)| has(&bits, *bit)).map(|(name, _)| *name)
}

fn cpu_error(code: i32, detail: String) -> Error {
    Error::with_detail(VIR_FROM_CPU, code, detail)
}

fn find_model(name: &str) -> Result<&'static X86Model> {
    X86_MODELS
        .iter()
        .find(|m| m.name == name)
        .ok_or_else(|| Error::internal(format!("Unknown CPU model {name}")).from_domain(VIR_FROM_CPU))
}

fn find_vendor(name: &str) -> Result<u8> {
    X86_VENDORS
        .iter()
        .position(|v| *v == name)
        .map(|i| i as u8)
        .ok_or_else(|| cpu_error(VIR_ERR_OPERATION_FAILED, format!("Unknown CPU vendor {name}")))
}

/// The model names in the table's order.
pub fn model_names() -> impl Iterator<Item = &'static str> {
    X86_MODELS.iter().map(|m| m.name)
}

/// The bits a host CPU description stands for: its model's features
/// plus every feature it lists (a host's feature policies mean nothing),
/// with the model it names.
fn host_bits(cpu: &HostCpu) -> Result<(&'static X86Model, Bits)> {
    let model = find_model(&cpu.model)?;
    let mut bits = model.data;
    for name in &cpu.features {
        let (_, bit) = X86_FEATURES
            .iter()
            .find(|(f, _)| f == name)
            .ok_or_else(|| Error::internal(format!("Unknown CPU feature {name}")).from_domain(VIR_FROM_CPU))?;
        set(&mut bits, *bit);
    }
    Ok((model, bits))
}

/// `bits` as `model` plus the features it adds and minus those it lacks.
fn describe(bits: &Bits, model: &X86Model) -> Vec<(FeaturePolicy, String)> {
    let extra = feature_names(minus(bits, &model.data)).map(|f| (FeaturePolicy::Require, f));
    let missing = feature_names(minus(&model.data, bits)).map(|f| (FeaturePolicy::Disable, f));
    let removed = model
        .removed
        .iter()
        .filter(|bit| !has(bits, **bit))
        .filter_map(|bit| X86_FEATURES.iter().find(|(_, b)| b == bit))
        .map(|(f, _)| (FeaturePolicy::Disable, *f));
    extra.chain(missing).chain(removed).map(|(p, f)| (p, f.to_string())).collect()
}

/// How costly a description is, and the part of that due to disabled
/// features: each disabled feature costs more than the previous one
/// (from 2 up), and the scan, which walks the list while shrinking its
/// end for every disabled feature met, leaves the last ones uncounted.
fn cost(features: &[(FeaturePolicy, String)]) -> (usize, usize) {
    let (mut end, mut disabled, mut penalty) = (features.len(), 0, 2);
    let mut i = 0;
    while i < end {
        if features[i].0 == FeaturePolicy::Disable {
            end -= 1;
            disabled += penalty;
            penalty += 1;
        }
        i += 1;
    }
    (end + disabled, disabled)
}

/// The model describing `bits` best: the `preferred` one when allowed,
/// else, newest first, the one of the lowest cost.
fn decode(bits: &Bits, vendor: Option<u8>, preferred: Option<&str>) -> Result<GuestCpu> {
    let mut best: Option<(&X86Model, Vec<(FeaturePolicy, String)>)> = None;
    for model in X86_MODELS.iter().rev() {
        if vendor.is_some() && model.vendor.is_some() && model.vendor != vendor {
            continue;
        }
        if !model.guest {
            continue;
        }
        let features = describe(bits, model);
        if preferred == Some(model.name) {
            best = Some((model, features));
            break;
        }
        if best.as_ref().is_none_or(|(_, current)| cost(&features) < cost(current)) {
            best = Some((model, features));
        }
    }
    let (model, features) =
        best.ok_or_else(|| Error::internal("Cannot find suitable CPU model for given data").from_domain(VIR_FROM_CPU))?;
    Ok(GuestCpu {
        model: model.name.to_string(),
        vendor: vendor.map(|v| X86_VENDORS[v as usize].to_string()),
        fallback_forbid: false,
        features,
    })
}

/// The x86 CPU every one of `cpus` can provide.
pub fn baseline(cpus: &[HostCpu]) -> Result<GuestCpu> {
    let (_, mut bits) = host_bits(&cpus[0])?;
    let mut vendor = cpus[0].vendor.as_deref().map(find_vendor).transpose()?;
    let mut show_vendor = vendor.is_some();
    // a model all of them name is kept when it fits at all
    let common_name = cpus.iter().all(|c| c.model == cpus[0].model).then_some(cpus[0].model.as_str());
    for cpu in &cpus[1..] {
        let (model, other) = host_bits(cpu)?;
        let model_vendor = model.vendor.map(|v| X86_VENDORS[v as usize]);
        if let (Some(given), Some(own)) = (cpu.vendor.as_deref(), model_vendor) {
            if given != own {
                return Err(cpu_error(
                    VIR_ERR_OPERATION_FAILED,
                    format!("CPU vendor {own} of model {} differs from vendor {given}", model.name),
                ));
            }
        }
        show_vendor &= cpu.vendor.is_some();
        if let Some(name) = cpu.vendor.as_deref().or(model_vendor) {
            match vendor {
                None => vendor = Some(find_vendor(name)?),
                Some(v) if X86_VENDORS[v as usize] != name => {
                    return Err(cpu_error(VIR_ERR_OPERATION_FAILED, "CPU vendors do not match".into()))
                }
                Some(_) => {}
            }
        }
        bits = std::array::from_fn(|i| bits[i] & other[i]);
    }
    if bits.iter().all(|w| *w == 0) {
        return Err(cpu_error(VIR_ERR_OPERATION_FAILED, "CPUs are incompatible".into()));
    }
    let mut cpu = decode(&bits, vendor, common_name)?;
    cpu.fallback_forbid = common_name == Some(cpu.model.as_str());
    if !show_vendor {
        cpu.vendor = None;
    }
    Ok(cpu)
}

/// `cpu` with its model's features listed too, sorted by name.
pub fn expand(cpu: &mut GuestCpu) -> Result<()> {
    let model = find_model(&cpu.model)?;
    let mut all: Vec<(FeaturePolicy, String)> =
        feature_names(model.data).map(|f| (FeaturePolicy::Require, f.to_string())).collect();
    for (policy, name) in cpu.features.drain(..) {
        match all.iter_mut().find(|(_, f)| *f == name) {
            Some(entry) => entry.0 = policy,
            None => all.push((policy, name)),
        }
    }
    all.sort_by(|a, b| a.1.cmp(&b.1));
    cpu.features = all;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(model: &str, vendor: Option<&str>, features: &[&str]) -> HostCpu {
        HostCpu {
            arch: "x86_64".into(),
            model: model.into(),
            vendor: vendor.map(str::to_string),
            features: features.iter().map(|f| f.to_string()).collect(),
        }
    }

    fn list(required: usize, disabled: usize) -> Vec<(FeaturePolicy, String)> {
        let r = (0..required).map(|i| (FeaturePolicy::Require, format!("r{i}")));
        r.chain((0..disabled).map(|i| (FeaturePolicy::Disable, format!("d{i}")))).collect()
    }

    #[test]
    fn disabled_features_cost_more_but_the_last_ones_go_uncounted() {
        assert_eq!(cost(&list(3, 0)), (3, 0));
        assert_eq!(cost(&list(0, 1)), (2, 2));
        // three disabled: the scan stops after two, which cost 2 + 3
        assert_eq!(cost(&list(0, 3)), (6, 5));
        assert_eq!(cost(&list(6, 1)), (8, 2));
    }

    #[test]
    fn different_models_fall_back_to_their_common_one() {
        let cpu = baseline(&[host("Haswell", Some("Intel"), &[]), host("Nehalem", Some("Intel"), &[])]).unwrap();
        assert_eq!((cpu.model.as_str(), cpu.vendor.as_deref(), cpu.fallback_forbid), ("Nehalem", Some("Intel"), false));
        assert!(cpu.features.is_empty());
    }

    #[test]
    fn a_shared_model_keeps_the_common_extra_features() {
        let cpu =
            baseline(&[host("Haswell", None, &["vmx", "svm"]), host("Haswell", Some("Intel"), &["svm"])]).unwrap();
        assert_eq!((cpu.model.as_str(), cpu.vendor, cpu.fallback_forbid), ("Haswell", None, true));
        assert_eq!(cpu.features, vec![(FeaturePolicy::Require, "svm".to_string())]);
    }

    #[test]
    fn vendors_must_agree() {
        let err = baseline(&[host("Haswell", Some("Intel"), &[]), host("Opteron_G4", None, &[])]).unwrap_err();
        assert!(err.message.contains("CPU vendors do not match"), "{}", err.message);
        assert!(baseline(&[host("Haswell", Some("Bogus"), &[])]).is_err());
        assert!(baseline(&[host("Haswell", None, &["bogus"])]).is_err());
    }

    #[test]
    fn expanding_lists_the_model_features_by_name() {
        let mut cpu = baseline(&[host("Opteron_G3", Some("AMD"), &[])]).unwrap();
        expand(&mut cpu).unwrap();
        let names: Vec<&str> = cpu.features.iter().map(|(_, n)| n.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        assert!(cpu.features.contains(&(FeaturePolicy::Disable, "monitor".to_string())));
    }
}
