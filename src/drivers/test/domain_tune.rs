//! Tuning of the test driver's domains: vCPUs and pinning, memory, NUMA,
//! block I/O, interface bandwidth, perf events, scheduler, lifecycle
//! actions. Changes land in the definition the flags name, so they show
//! in the domain XML as with libvirt.

use super::domain::{for_defs, one_def, one_def_mut, with_obj};
use super::*;
use crate::conf::domain::devices::{disk, net};
use crate::conf::domain::general::MEM_UNLIMITED;
use crate::conf::domain::props::{self, format_bitmap, Kind};
use crate::conf::domain::tree::{ESpec, Elem};
use crate::conf::domain::DomainDef;
use crate::core::driver::DriverTable;
use crate::core::objects::Domain;
use crate::core::typed_params::{self as tp, TypedParam, TypedValue};

const LIVE: u32 = VIR_DOMAIN_AFFECT_LIVE as u32;
const CONFIG: u32 = VIR_DOMAIN_AFFECT_CONFIG as u32;
const STRING_OKAY: u32 = VIR_TYPED_PARAM_STRING_OKAY as u32;

fn test_err(code: i32, msg: impl AsRef<str>) -> Error {
    Error::with_detail(VIR_FROM_TEST, code, msg)
}

fn invalid_arg(msg: impl AsRef<str>) -> Error {
    test_err(VIR_ERR_INVALID_ARG, msg)
}

/// virTypedParamsValidate: known names of the right type, each once.
pub(super) fn validate(params: &[TypedParam], spec: &[(&str, i32)]) -> Result<()> {
    for (i, p) in params.iter().enumerate() {
        let Some((_, ty)) = spec.iter().find(|(n, _)| *n == p.field) else {
            return Err(Error::with_detail(
                VIR_FROM_NONE,
                VIR_ERR_ARGUMENT_UNSUPPORTED,
                format!("parameter '{}' not supported", p.field),
            ));
        };
        if p.value.type_code() != *ty {
            return Err(Error::invalid_arg(format!(
                "invalid type '{}' for parameter '{}', expected '{}'",
                p.value.type_name(),
                p.field,
                tp::type_name(*ty).unwrap_or("")
            )));
        }
        if params[..i].iter().any(|q| q.field == p.field) {
            return Err(Error::invalid_arg(format!("parameter '{}' occurs multiple times", p.field)));
        }
    }
    Ok(())
}

fn ull(params: &[TypedParam], name: &str) -> Option<u64> {
    params.iter().rev().find(|p| p.field == name).and_then(|p| match p.value {
        TypedValue::ULLong(v) => Some(v),
        _ => None,
    })
}

fn uint(params: &[TypedParam], name: &str) -> Option<u32> {
    params.iter().rev().find(|p| p.field == name).and_then(|p| match p.value {
        TypedValue::UInt(v) => Some(v),
        _ => None,
    })
}

// ---------------------------------------------------------------- vCPUs

fn set_vcpus_flags(d: &Domain, n: u32, flags: u32) -> Result<i32> {
    let max_flag = VIR_DOMAIN_VCPU_MAXIMUM as u32;
    if flags & max_flag != 0 && flags & CONFIG == 0 {
        return Err(Error::arg_error(
            "flags",
            "virDomainSetVcpusFlags",
            "Flag 'VIR_DOMAIN_AFFECT_CONFIG' is required by flag 'VIR_DOMAIN_VCPU_MAXIMUM'".into(),
        ));
    }
    if n == 0 {
        return Err(Error::arg_error(
            "nvcpus",
            "virDomainSetVcpusFlags",
            "nvcpus in virDomainSetVcpusFlags must not be zero".into(),
        ));
    }
    unsupported_flags(flags, LIVE | CONFIG | max_flag, "testDomainSetVcpusFlags")?;
    if n > 32 {
        return Err(invalid_arg(format!("requested cpu amount exceeds maximum supported amount ({n} > 32)")));
    }
    with_obj(d, |o| {
        let (live, config) = super::domain::pick_defs(o, flags)?;
        let too_many =
            |def: &DomainDef| invalid_arg(format!("requested cpu amount exceeds maximum ({n} > {})", def.vcpu.max));
        if live && o.def.vcpu.max < n {
            return Err(too_many(&o.def));
        }
        if config && flags & max_flag == 0 && o.persistent_def().vcpu.max < n {
            return Err(too_many(o.persistent_def()));
        }
        if live {
            o.def.vcpu.current = n;
        }
        if config {
            let p = o.persistent_def_mut();
            if flags & max_flag != 0 {
                p.vcpu.max = n;
                p.vcpu.current = p.vcpu.current.min(n);
            } else {
                p.vcpu.current = n;
            }
        }
        Ok(0)
    })
}

const PIN: props::Spec = &[("vcpu", Kind::UInt), ("iothread", Kind::UInt), ("cpuset", Kind::Str)];

/// The CPUs a cpumap names (bit i of byte j is CPU 8j+i).
fn cpus_of(map: &[u8]) -> Vec<u32> {
    (0..map.len() * 8).filter(|i| map[i / 8] & (1 << (i % 8)) != 0).map(|i| i as u32).collect()
}

fn cputune_mut(def: &mut DomainDef) -> &mut Elem {
    def.cputune.get_or_insert_with(|| Box::new(Elem::empty("cputune")))
}

/// Pins a vCPU (`key`=vcpu), I/O thread or the emulator in `<cputune>`.
pub(super) fn set_pin(def: &mut DomainDef, name: &'static str, key: Option<(&'static str, u32)>, cpus: &[u32]) {
    let spec = ESpec::new(name, PIN, &[]);
    let mut pin = Elem::empty(name);
    if let Some((k, v)) = key {
        pin.set(&spec, k, v.to_string());
    }
    pin.set(&spec, "cpuset", format_bitmap(cpus));
    let tune = cputune_mut(def);
    let same = |k: &Elem| k.name == name && key.map(|(a, v)| k.attr(a) == Some(&v.to_string())).unwrap_or(true);
    if let Some(old) = tune.kids.iter_mut().find(|k| same(k)) {
        *old = pin;
        return;
    }
    tune.insert_kid(&crate::conf::domain::general::CPUTUNE, pin);
    if name == "vcpupin" {
        sort_vcpupins(tune);
    }
}

fn sort_vcpupins(tune: &mut Elem) {
    let key = |k: &Elem| k.attr("vcpu").and_then(|v| v.parse::<u32>().ok()).unwrap_or(0);
    let mut pins: Vec<Elem> = tune.kids.iter().filter(|k| k.name == "vcpupin").cloned().collect();
    pins.sort_by_key(key);
    let mut it = pins.into_iter();
    for k in tune.kids.iter_mut().filter(|k| k.name == "vcpupin") {
        *k = it.next().expect("same count");
    }
}

fn pin_vcpu(d: &Domain, vcpu: u32, map: &[u8], flags: u32) -> Result<i32> {
    unsupported_flags(flags, 0, "testDomainPinVcpuFlags")?;
    with_obj(d, |o| {
        if !o.active() {
            return Err(test_err(VIR_ERR_OPERATION_INVALID, "cannot pin vcpus on an inactive domain"));
        }
        if vcpu >= o.def.vcpu.current {
            return Err(invalid_arg(format!("requested vcpu '{vcpu}' is not present in the domain")));
        }
        set_pin(&mut o.def, "vcpupin", Some(("vcpu", vcpu)), &cpus_of(map));
        Ok(0)
    })
}

fn pin_emulator(d: &Domain, map: &[u8], flags: u32) -> Result<i32> {
    unsupported_flags(flags, LIVE | CONFIG, "testDomainPinEmulator")?;
    with_obj(d, |o| {
        let def = one_def_mut(o, flags)?;
        let cpus = cpus_of(map);
        if cpus.is_empty() {
            return Err(invalid_arg("Empty cpu list for pinning"));
        }
        set_pin(def, "emulatorpin", None, &cpus);
        Ok(0)
    })
}

// --------------------------------------------------------------- memory

fn get_memory_parameters(d: &Domain, flags: u32) -> Result<Vec<TypedParam>> {
    unsupported_flags(flags | STRING_OKAY, LIVE | CONFIG | STRING_OKAY, "testDomainGetMemoryParameters")?;
    with_obj(d, |o| {
        let m = &one_def(o, flags)?.memtune;
        let v = |x: Option<u64>| x.unwrap_or(MEM_UNLIMITED);
        Ok(vec![
            TypedParam::ullong("hard_limit", v(m.hard_limit))?,
            TypedParam::ullong("soft_limit", v(m.soft_limit))?,
            TypedParam::ullong("swap_hard_limit", v(m.swap_hard_limit))?,
        ])
    })
}

/// A limit as libvirt keeps it: "unlimited" is no limit at all.
fn limit(v: u64) -> Option<u64> {
    (v < MEM_UNLIMITED).then_some(v)
}

fn set_memory_parameters(d: &Domain, params: &[TypedParam], flags: u32) -> Result<i32> {
    unsupported_flags(flags, LIVE | CONFIG, "testDomainSetMemoryParameters")?;
    let u = tp::TYPE_ULLONG;
    validate(params, &[("hard_limit", u), ("soft_limit", u), ("swap_hard_limit", u)])?;
    with_obj(d, |o| {
        let (hard, soft, swap) = (ull(params, "hard_limit"), ull(params, "soft_limit"), ull(params, "swap_hard_limit"));
        // the check uses the running definition's values, as libvirt does
        if hard.is_some() || swap.is_some() {
            let cur = &o.def.memtune;
            let mem = hard.unwrap_or(cur.hard_limit.unwrap_or(MEM_UNLIMITED));
            let sw = swap.unwrap_or(cur.swap_hard_limit.unwrap_or(MEM_UNLIMITED));
            if mem > sw {
                return Err(invalid_arg(
                    "memory hard_limit tunable value must be lower than or equal to swap_hard_limit",
                ));
            }
        }
        let m = &mut one_def_mut(o, flags)?.memtune;
        if let Some(v) = soft {
            m.soft_limit = limit(v);
        }
        if let Some(v) = hard {
            m.hard_limit = limit(v);
        }
        if let Some(v) = swap {
            m.swap_hard_limit = limit(v);
        }
        Ok(0)
    })
}

fn set_memory_stats_period(d: &Domain, period: i32, flags: u32) -> Result<i32> {
    unsupported_flags(flags, LIVE | CONFIG, "testDomainSetMemoryStatsPeriod")?;
    with_obj(d, |o| {
        let def = one_def_mut(o, flags)?;
        let balloon =
            def.devices.list_mut("memballoon").iter_mut().find(|b| b.attr("model") != Some("none")).ok_or_else(
                || {
                    test_err(
                        VIR_ERR_INTERNAL_ERROR,
                        "No memory balloon device configured, can not set the collection period",
                    )
                },
            )?;
        balloon.remove_kids("stats");
        if period != 0 {
            let mut s = Elem::empty("stats");
            s.attrs.set(&[("period", Kind::Int)], "period", period.to_string());
            balloon.insert_kid(&crate::conf::domain::devices::misc::MEMBALLOON, s);
        }
        Ok(0)
    })
}

// ----------------------------------------------------------------- NUMA

const NUMA_MODES: &[&str] = &["strict", "preferred", "interleave", "restrictive"];

fn get_numa_parameters(d: &Domain, flags: u32) -> Result<Vec<TypedParam>> {
    unsupported_flags(flags | STRING_OKAY, LIVE | CONFIG | STRING_OKAY, "testDomainGetNumaParameters")?;
    with_obj(d, |o| {
        let n = one_def(o, flags)?.numatune.as_ref();
        let mode = n.and_then(|n| n.mode.as_deref()).and_then(|m| NUMA_MODES.iter().position(|x| *x == m)).unwrap_or(0);
        let nodeset = n.and_then(|n| n.nodeset.clone()).unwrap_or_default();
        Ok(vec![TypedParam::int("numa_mode", mode as i32)?, TypedParam::string("numa_nodeset", nodeset)?])
    })
}

fn set_numa_parameters(d: &Domain, params: &[TypedParam], flags: u32) -> Result<i32> {
    unsupported_flags(flags, LIVE | CONFIG, "testDomainSetNumaParameters")?;
    validate(params, &[("numa_mode", tp::TYPE_INT), ("numa_nodeset", tp::TYPE_STRING)])?;
    with_obj(d, |o| {
        let live = super::domain::pick_one(o, flags)?;
        let mut mode = None;
        let mut nodeset = None;
        for p in params {
            match (&*p.field, &p.value) {
                ("numa_mode", TypedValue::Int(m)) => {
                    if *m < 0 || *m as usize >= NUMA_MODES.len() {
                        return Err(invalid_arg(format!("unsupported numatune mode: '{m}'")));
                    }
                    mode = Some(NUMA_MODES[*m as usize]);
                }
                ("numa_nodeset", TypedValue::String(s)) => {
                    let set = props::parse_bitmap(s)?;
                    if set.is_empty() {
                        return Err(test_err(VIR_ERR_OPERATION_INVALID, format!("Invalid nodeset of 'numatune': {s}")));
                    }
                    nodeset = Some(format_bitmap(&set));
                }
                _ => {}
            }
        }
        let def = one_def_mut(o, flags)?;
        let current = def.numatune.as_ref().and_then(|n| n.mode.clone());
        if live && mode.is_some() && current.is_some() && current.as_deref() != mode {
            return Err(test_err(VIR_ERR_OPERATION_INVALID, "can't change numatune mode for running domain"));
        }
        let n = def.numatune.get_or_insert_with(Default::default);
        if let Some(m) = mode {
            n.mode = Some(m.to_string());
        }
        if let Some(s) = nodeset {
            n.nodeset = Some(s);
            n.placement = Some("static".into());
        }
        if n.mode.is_none() && (n.nodeset.is_some() || n.placement.is_some()) {
            n.mode = Some("strict".into());
        }
        Ok(0)
    })
}

// ---------------------------------------------------------------- blkio

const BLKIO_DEVICE_PARAMS: &[(&str, &str)] = &[
    ("device_weight", "weight"),
    ("device_read_iops_sec", "read_iops_sec"),
    ("device_write_iops_sec", "write_iops_sec"),
    ("device_read_bytes_sec", "read_bytes_sec"),
    ("device_write_bytes_sec", "write_bytes_sec"),
];

fn get_blkio_parameters(d: &Domain, flags: u32) -> Result<Vec<TypedParam>> {
    unsupported_flags(flags | STRING_OKAY, LIVE | CONFIG | STRING_OKAY, "testDomainGetBlkioParameters")?;
    with_obj(d, |o| {
        let b = one_def(o, flags)?.blkiotune.as_ref();
        let weight = b.and_then(|b| b.kid("weight")).and_then(|w| w.text.as_deref()).and_then(|t| t.parse().ok());
        let mut out = vec![TypedParam::uint("weight", weight.unwrap_or(0))?];
        for (param, field) in BLKIO_DEVICE_PARAMS {
            let mut parts = Vec::new();
            for dev in b.iter().flat_map(|b| b.kids.iter()).filter(|k| k.name == "device") {
                let path = dev.kid("path").and_then(|p| p.text.as_deref()).unwrap_or("");
                if let Some(v) = dev.kid(field).and_then(|v| v.text.as_deref()).filter(|v| *v != "0") {
                    parts.push(format!("{path},{v}"));
                }
            }
            out.push(TypedParam::string(param, parts.join(","))?);
        }
        Ok(out)
    })
}

fn set_blkio_parameters(d: &Domain, params: &[TypedParam], flags: u32) -> Result<i32> {
    unsupported_flags(flags, LIVE | CONFIG, "testDomainSetBlkioParameters")?;
    let s = tp::TYPE_STRING;
    let mut spec = vec![("weight", tp::TYPE_UINT)];
    spec.extend(BLKIO_DEVICE_PARAMS.iter().map(|(p, _)| (*p, s)));
    validate(params, &spec)?;
    with_obj(d, |o| {
        let def = one_def_mut(o, flags)?;
        let tune = def.blkiotune.get_or_insert_with(|| Box::new(Elem::empty("blkiotune")));
        for p in params {
            match (&*p.field, &p.value) {
                ("weight", TypedValue::UInt(w)) => {
                    tune.remove_kids("weight");
                    let mut e = Elem::empty("weight");
                    e.text = Some(w.to_string());
                    tune.insert_kid(&crate::conf::domain::general::BLKIOTUNE, e);
                }
                (name, TypedValue::String(v)) => {
                    let field = BLKIO_DEVICE_PARAMS.iter().find(|(p, _)| *p == name).map(|(_, f)| *f).unwrap_or("");
                    set_blkio_devices(tune, field, v)?;
                }
                _ => {}
            }
        }
        Ok(0)
    })
}

/// Applies a "path,value,path,value" list to the `<device>` entries.
fn set_blkio_devices(tune: &mut Elem, field: &'static str, list: &str) -> Result<()> {
    let items: Vec<&str> = if list.is_empty() { vec![] } else { list.split(',').collect() };
    if !items.len().is_multiple_of(2) {
        return Err(Error::with_detail(
            VIR_FROM_DOMAIN,
            VIR_ERR_INVALID_ARG,
            format!("unable to parse blkio device '{field}' '{list}'"),
        ));
    }
    for pair in items.chunks(2) {
        let (path, val) = (pair[0], pair[1]);
        let text = |name: &'static str, t: &str| {
            let mut e = Elem::empty(name);
            e.text = Some(t.to_string());
            e
        };
        let dev_spec = &crate::conf::domain::general::BLKIO_DEVICE;
        let existing = tune
            .kids
            .iter_mut()
            .find(|k| k.name == "device" && k.kid("path").and_then(|p| p.text.as_deref()) == Some(path));
        match existing {
            Some(dev) => {
                dev.remove_kids(field);
                dev.insert_kid(dev_spec, text(field, val));
            }
            None => {
                let mut dev = Elem::empty("device");
                dev.kids.push(text("path", path));
                dev.insert_kid(dev_spec, text(field, val));
                tune.insert_kid(&crate::conf::domain::general::BLKIOTUNE, dev);
            }
        }
    }
    Ok(())
}

// ------------------------------------------------------------ bandwidth

/// virDomainNetFind: an interface by MAC address or host-side name.
pub(super) fn find_net<'a>(def: &'a mut DomainDef, device: &str) -> Result<&'a mut Elem> {
    let nets = def.devices.list_mut("interface");
    let by_mac = net::parse_mac(device).map(|m| net::format_mac(&m));
    let pos = match &by_mac {
        Some(mac) => {
            let hits: Vec<usize> = (0..nets.len()).filter(|i| net::mac(&nets[*i]) == mac).collect();
            if hits.len() > 1 {
                return Err(Error::with_detail(
                    VIR_FROM_DOMAIN,
                    VIR_ERR_OPERATION_FAILED,
                    format!("multiple devices matching MAC address {device} found"),
                ));
            }
            hits.first().copied()
        }
        None => nets.iter().position(|n| net::ifname(n) == Some(device)),
    };
    match pos {
        Some(i) => Ok(&mut nets[i]),
        None => Err(Error::with_detail(
            VIR_FROM_DOMAIN,
            VIR_ERR_INVALID_ARG,
            format!("'{device}' is not a known interface"),
        )),
    }
}

const BW_SPEC: ESpec =
    ESpec::new("bandwidth", &[], &[&ESpec::new("inbound", &[], &[]), &ESpec::new("outbound", &[], &[])]);

const BW_IN: &[&str] = &["average", "peak", "burst", "floor"];
const BW_OUT: &[&str] = &["average", "peak", "burst"];

fn get_interface_parameters(d: &Domain, device: Option<&str>, flags: u32) -> Result<Vec<TypedParam>> {
    unsupported_flags(flags | STRING_OKAY, LIVE | CONFIG | STRING_OKAY, "testDomainGetInterfaceParameters")?;
    with_obj(d, |o| {
        let live = super::domain::pick_one(o, flags)?;
        let def = if live { &mut o.def } else { o.persistent_def_mut() };
        let n = find_net(def, device.unwrap_or(""))?;
        let bw = n.kid("bandwidth");
        let val = |dir: &str, k: &str| -> u32 {
            bw.and_then(|b| b.kid(dir)).and_then(|x| x.attr(k)).and_then(|v| v.parse().ok()).unwrap_or(0)
        };
        let mut out = Vec::new();
        for k in BW_IN {
            out.push(TypedParam::uint(&format!("inbound.{k}"), val("inbound", k))?);
        }
        for k in BW_OUT {
            out.push(TypedParam::uint(&format!("outbound.{k}"), val("outbound", k))?);
        }
        Ok(out)
    })
}

fn set_interface_parameters(d: &Domain, device: Option<&str>, params: &[TypedParam], flags: u32) -> Result<i32> {
    unsupported_flags(flags, LIVE | CONFIG, "testDomainSetInterfaceParameters")?;
    let names: Vec<String> =
        BW_IN.iter().map(|k| format!("inbound.{k}")).chain(BW_OUT.iter().map(|k| format!("outbound.{k}"))).collect();
    let spec: Vec<(&str, i32)> = names.iter().map(|n| (n.as_str(), tp::TYPE_UINT)).collect();
    validate(params, &spec)?;
    with_obj(d, |o| {
        let def = one_def_mut(o, flags)?;
        let n = find_net(def, device.unwrap_or(""))?;
        let rate = |dir: &str, keys: &[&'static str]| -> (Vec<(&'static str, u32)>, bool) {
            let mut vals = Vec::new();
            let mut specified = false;
            for k in keys {
                if let Some(v) = uint(params, &format!("{dir}.{k}")) {
                    vals.push((*k, v));
                    if *k == "average" || *k == "floor" {
                        specified = true;
                    }
                }
            }
            (vals, specified)
        };
        let (inb, in_spec) = rate("inbound", BW_IN);
        let (outb, out_spec) = rate("outbound", BW_OUT);
        let mk = |name: &'static str, vals: &[(&'static str, u32)]| -> Option<Elem> {
            let get = |k: &str| vals.iter().find(|(n, _)| *n == k).map(|(_, v)| *v).unwrap_or(0);
            if get("average") == 0 && get("floor") == 0 {
                return None;
            }
            let spec: props::Spec =
                &[("average", Kind::UInt), ("peak", Kind::UInt), ("burst", Kind::UInt), ("floor", Kind::UInt)];
            let mut e = Elem::empty(name);
            for (k, v) in vals.iter().filter(|(_, v)| *v != 0) {
                e.attrs.set(spec, k, v.to_string());
            }
            Some(e)
        };
        let new_in = mk("inbound", &inb);
        let new_out = mk("outbound", &outb);
        let mut bw = n.kid("bandwidth").cloned().unwrap_or_else(|| Elem::empty("bandwidth"));
        if new_in.is_some() || in_spec {
            bw.remove_kids("inbound");
        }
        if new_out.is_some() || out_spec {
            bw.remove_kids("outbound");
        }
        for e in [new_in, new_out].into_iter().flatten() {
            bw.insert_kid(&BW_SPEC, e);
        }
        n.remove_kids("bandwidth");
        if !bw.kids.is_empty() {
            n.insert_kid(&net::NET, bw);
        }
        Ok(0)
    })
}

// ------------------------------------------------------------- iotune

const IOTUNE_FIELDS: &[&str] = &[
    "total_bytes_sec",
    "read_bytes_sec",
    "write_bytes_sec",
    "total_iops_sec",
    "read_iops_sec",
    "write_iops_sec",
    "total_bytes_sec_max",
    "read_bytes_sec_max",
    "write_bytes_sec_max",
    "total_iops_sec_max",
    "read_iops_sec_max",
    "write_iops_sec_max",
    "size_iops_sec",
    "group_name",
    "total_bytes_sec_max_length",
    "read_bytes_sec_max_length",
    "write_bytes_sec_max_length",
    "total_iops_sec_max_length",
    "read_iops_sec_max_length",
    "write_iops_sec_max_length",
];

/// virDomainDiskByName: a disk by target name or source path.
pub(super) fn find_disk<'a>(def: &'a mut DomainDef, path: &str) -> Option<&'a mut Elem> {
    def.devices
        .list_mut("disk")
        .iter_mut()
        .find(|dk| disk::target_dev(dk) == path || disk::source_label(dk).as_deref() == Some(path))
}

fn iotune_value(dk: &Elem, name: &str) -> Option<String> {
    dk.kid("iotune").and_then(|t| t.kid(name)).and_then(|v| v.text.clone())
}

fn get_block_io_tune(d: &Domain, path: Option<&str>, flags: u32) -> Result<Vec<TypedParam>> {
    let path = path.ok_or_else(|| Error::null_arg("disk", "virDomainGetBlockIoTune"))?;
    unsupported_flags(flags | STRING_OKAY, LIVE | CONFIG | STRING_OKAY, "testDomainGetBlockIoTune")?;
    let flags = flags & !STRING_OKAY;
    with_obj(d, |o| {
        let live = super::domain::pick_one(o, flags)?;
        let def = if live { &mut o.def } else { o.persistent_def_mut() };
        let dk = find_disk(def, path)
            .ok_or_else(|| invalid_arg(format!("disk '{path}' was not found in the domain config")))?;
        IOTUNE_FIELDS
            .iter()
            .map(|f| {
                let v = iotune_value(dk, f);
                if *f == "group_name" {
                    TypedParam::string(f, v.unwrap_or_default())
                } else {
                    TypedParam::ullong(f, v.and_then(|v| v.parse().ok()).unwrap_or(0))
                }
            })
            .collect()
    })
}

fn set_block_io_tune(d: &Domain, path: &str, params: &[TypedParam], flags: u32) -> Result<i32> {
    unsupported_flags(flags, LIVE | CONFIG, "testDomainSetBlockIoTune")?;
    let spec: Vec<(&str, i32)> = IOTUNE_FIELDS
        .iter()
        .map(|f| (*f, if *f == "group_name" { tp::TYPE_STRING } else { tp::TYPE_ULLONG }))
        .collect();
    validate(params, &spec)?;
    with_obj(d, |o| {
        let def = one_def_mut(o, flags)?;
        let dk = find_disk(def, path)
            .ok_or_else(|| invalid_arg(format!("missing persistent configuration for disk '{path}'")))?;
        let mut info: Vec<(&str, String)> =
            IOTUNE_FIELDS.iter().map(|f| (*f, iotune_value(dk, f).unwrap_or_default())).collect();
        for p in params {
            let v = match &p.value {
                TypedValue::ULLong(v) => {
                    if *v > 1_000_000_000_000_000 {
                        return Err(test_err(
                            VIR_ERR_ARGUMENT_UNSUPPORTED,
                            "block I/O throttle limit value must be no more than 1000000000000000",
                        ));
                    }
                    v.to_string()
                }
                TypedValue::String(s) => s.clone(),
                _ => continue,
            };
            if let Some(slot) = info.iter_mut().find(|(f, _)| *f == p.field) {
                slot.1 = v;
            }
        }
        let num =
            |f: &str| -> u64 { info.iter().find(|(n, _)| *n == f).and_then(|(_, v)| v.parse().ok()).unwrap_or(0) };
        for (kind, sfx) in [("bytes_sec", ""), ("iops_sec", ""), ("bytes_sec", "_max"), ("iops_sec", "_max")] {
            let t = num(&format!("total_{kind}{sfx}"));
            if t != 0 && (num(&format!("read_{kind}{sfx}")) != 0 || num(&format!("write_{kind}{sfx}")) != 0) {
                return Err(invalid_arg(format!("total and read/write of {kind}{sfx} cannot be set at the same time")));
            }
        }
        for f in [
            "total_bytes_sec",
            "read_bytes_sec",
            "write_bytes_sec",
            "total_iops_sec",
            "read_iops_sec",
            "write_iops_sec",
        ] {
            if num(f) > num(&format!("{f}_max")) {
                return Err(invalid_arg(format!("{f} cannot be set higher than {f}_max ")));
            }
        }
        let mut tune = Elem::empty("iotune");
        for (f, v) in &info {
            let zero = v.is_empty() || (*f != "group_name" && v == "0");
            if !zero {
                let mut e = Elem::empty(IOTUNE_FIELDS.iter().find(|x| *x == f).copied().unwrap_or("x"));
                e.text = Some(v.clone());
                tune.kids.push(e);
            }
        }
        dk.remove_kids("iotune");
        if !tune.kids.is_empty() {
            dk.insert_kid(&disk::DISK, tune);
        }
        Ok(0)
    })
}

// -------------------------------------------------- perf and scheduler

fn get_perf_events(d: &Domain, flags: u32) -> Result<Vec<TypedParam>> {
    unsupported_flags(flags | STRING_OKAY, LIVE | CONFIG | STRING_OKAY, "testDomainGetPerfEvents")?;
    with_obj(d, |o| {
        let def = one_def(o, flags)?;
        crate::conf::domain::os::PERF_EVENTS
            .iter()
            .map(|e| {
                let on = def.perf.iter().any(|(n, v)| n == e && *v);
                TypedParam::boolean(e, on)
            })
            .collect()
    })
}

fn set_perf_events(d: &Domain, params: &[TypedParam], flags: u32) -> Result<i32> {
    unsupported_flags(flags, LIVE | CONFIG, "testDomainSetPerfEvents")?;
    let spec: Vec<(&str, i32)> = crate::conf::domain::os::PERF_EVENTS.iter().map(|e| (*e, tp::TYPE_BOOLEAN)).collect();
    validate(params, &spec)?;
    with_obj(d, |o| {
        let def = one_def_mut(o, flags)?;
        for p in params {
            if let TypedValue::Boolean(b) = p.value {
                match def.perf.iter_mut().find(|(n, _)| *n == p.field) {
                    Some(slot) => slot.1 = b,
                    None => def.perf.push((p.field.clone(), b)),
                }
            }
        }
        let order = crate::conf::domain::os::PERF_EVENTS;
        def.perf.sort_by_key(|(n, _)| order.iter().position(|e| e == n));
        Ok(0)
    })
}

fn get_scheduler_parameters_flags(d: &Domain, flags: u32) -> Result<Vec<TypedParam>> {
    unsupported_flags(flags, 0, "testDomainGetSchedulerParametersFlags")?;
    with_obj(d, |_| Ok(vec![TypedParam::uint("weight", 50)?]))
}

fn set_scheduler_parameters_flags(d: &Domain, params: &[TypedParam], flags: u32) -> Result<i32> {
    unsupported_flags(flags, 0, "testDomainSetSchedulerParametersFlags")?;
    validate(params, &[("weight", tp::TYPE_UINT)])?;
    with_obj(d, |_| Ok(0))
}

// ------------------------------------------------------------ lifecycle

const LIFECYCLE_ACTIONS: &[&str] =
    &["destroy", "restart", "rename-restart", "preserve", "coredump-destroy", "coredump-restart"];

fn set_lifecycle_action(d: &Domain, kind: u32, action: u32, flags: u32) -> Result<i32> {
    if kind > 2 {
        return Err(Error::invalid_arg(format!("invalid lifecycle type '{kind}'")).from_domain(VIR_FROM_DOMAIN));
    }
    let Some(act) = LIFECYCLE_ACTIONS.get(action as usize) else {
        return Err(Error::invalid_arg(format!("invalid lifecycle action '{action}'")).from_domain(VIR_FROM_DOMAIN));
    };
    unsupported_flags(flags, LIVE | CONFIG, "testDomainSetLifecycleAction")?;
    let event = ["poweroff", "reboot", "crash"][kind as usize];
    if kind != 2 && act.starts_with("coredump") {
        return Err(Error::with_detail(
            VIR_FROM_DOMAIN,
            VIR_ERR_CONFIG_UNSUPPORTED,
            format!("Lifecycle event '{event}' doesn't support '{act}' action"),
        ));
    }
    with_obj(d, |o| {
        for_defs(o, flags, |def| {
            let l = &mut def.lifecycle;
            let slot = match kind {
                0 => &mut l.on_poweroff,
                1 => &mut l.on_reboot,
                _ => &mut l.on_crash,
            };
            *slot = act;
            Ok(())
        })?;
        Ok(0)
    })
}

pub fn install(t: &mut DriverTable) {
    let a = &mut t.api;
    a.domain_set_vcpus_flags = Some(set_vcpus_flags);
    a.domain_set_vcpus = Some(|d, n| set_vcpus_flags(d, n, LIVE));
    a.domain_pin_vcpu = Some(|d, v, m| pin_vcpu(d, v, m, 0));
    a.domain_pin_vcpu_flags = Some(pin_vcpu);
    a.domain_pin_emulator = Some(pin_emulator);
    a.domain_get_memory_parameters = Some(get_memory_parameters);
    a.domain_set_memory_parameters = Some(set_memory_parameters);
    a.domain_set_memory_stats_period = Some(set_memory_stats_period);
    a.domain_get_numa_parameters = Some(get_numa_parameters);
    a.domain_set_numa_parameters = Some(set_numa_parameters);
    a.domain_get_blkio_parameters = Some(get_blkio_parameters);
    a.domain_set_blkio_parameters = Some(set_blkio_parameters);
    a.domain_get_interface_parameters = Some(get_interface_parameters);
    a.domain_set_interface_parameters = Some(set_interface_parameters);
    a.domain_get_block_io_tune = Some(get_block_io_tune);
    a.domain_set_block_io_tune = Some(set_block_io_tune);
    a.domain_get_perf_events = Some(get_perf_events);
    a.domain_set_perf_events = Some(set_perf_events);
    a.domain_get_scheduler_parameters = Some(|d| get_scheduler_parameters_flags(d, 0));
    // the library asks for string parameters on the driver's behalf
    a.domain_get_scheduler_parameters_flags = Some(|d, flags| get_scheduler_parameters_flags(d, flags | STRING_OKAY));
    a.domain_set_scheduler_parameters = Some(|d, p| set_scheduler_parameters_flags(d, p, 0));
    a.domain_set_scheduler_parameters_flags = Some(set_scheduler_parameters_flags);
    a.domain_set_lifecycle_action = Some(set_lifecycle_action);
    a.domain_get_launch_security_info = Some(|d, flags| {
        unsupported_flags(flags | STRING_OKAY, 0, "testDomainGetLaunchSecurityInfo")?;
        with_obj(d, |_| Ok(Vec::new()))
    });
}
