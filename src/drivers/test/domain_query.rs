//! The test driver's answers to queries whose results are C structures
//! (statistics, vCPU and I/O thread placement, guest filesystems and
//! addresses, ...): fixed or clock-derived numbers, as libvirt's.

use super::domain::{check_active, handle, one_def, store, with_obj};
use super::domain_state::DomObj;
use super::*;
use crate::conf::domain::devices::{disk, net};
use crate::conf::domain::props::parse_bitmap;
use crate::conf::domain::DomainDef;
use crate::core::driver::{BlockInfo, ControlInfo, CpuStats, DriverTable, FsInfo, InterfaceAddrs, VcpuInfo};
use crate::core::objects::Domain;
use crate::core::typed_params::TypedParam;

/// Host CPUs of the test node (nodes * sockets * cores * threads).
const HOST_CPUS: u32 = 16;
/// What the test driver counts as total CPU time.
const TOTAL_CPUTIME: u64 = 48_772_617_035;

fn test_err(code: i32, msg: impl AsRef<str>) -> Error {
    Error::with_detail(VIR_FROM_TEST, code, msg)
}

/// Microseconds since the epoch: the test driver's source of "activity".
fn now_us() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0)
}

fn all_host_cpus() -> Vec<u32> {
    (0..HOST_CPUS).collect()
}

/// The CPUs this machine has online (for I/O threads nobody pinned).
fn machine_cpus() -> Vec<u32> {
    std::fs::read_to_string("/sys/devices/system/cpu/online")
        .ok()
        .and_then(|s| parse_bitmap(s.trim()).ok())
        .unwrap_or_else(|| vec![0])
}

/// The CPUs a pin element of `<cputune>` names.
fn pinned(def: &DomainDef, name: &str, key: Option<(&str, u32)>) -> Option<Vec<u32>> {
    let t = def.cputune.as_ref()?;
    let pin = t
        .kids
        .iter()
        .find(|k| k.name == name && key.map(|(a, v)| k.attr(a) == Some(v.to_string().as_str())).unwrap_or(true))?;
    parse_bitmap(pin.attr("cpuset")?).ok()
}

/// The domain-wide CPU set (`<vcpu cpuset=...>`).
fn def_cpuset(def: &DomainDef) -> Option<Vec<u32>> {
    def.vcpu.cpuset.as_deref().and_then(|c| parse_bitmap(c).ok())
}

fn vcpu_cpus(def: &DomainDef, i: u32) -> Vec<u32> {
    pinned(def, "vcpupin", Some(("vcpu", i))).or_else(|| def_cpuset(def)).unwrap_or_else(all_host_cpus)
}

fn get_vcpus(d: &Domain, maxinfo: i32) -> Result<Vec<VcpuInfo>> {
    with_obj(d, |o| {
        if !o.active() {
            return Err(test_err(VIR_ERR_OPERATION_INVALID, "cannot list vcpus for an inactive domain"));
        }
        let n = (maxinfo.max(0) as u32).min(o.def.vcpu.current);
        let t = now_us();
        Ok((0..n)
            .map(|i| {
                let cpus = vcpu_cpus(&o.def, i);
                VcpuInfo {
                    number: i,
                    state: VIR_VCPU_RUNNING,
                    cpu_time: (t / 10) as u64,
                    cpu: cpus.last().map(|c| *c as i32).unwrap_or(-1),
                    cpus,
                }
            })
            .collect())
    })
}

fn control_info(o: &DomObj) -> ControlInfo {
    let s = o.time.0;
    match s {
        1..=9_999 => ControlInfo { state: VIR_DOMAIN_CONTROL_JOB as u32, details: 0, state_time: s as u64 },
        10_000..=29_999 => {
            ControlInfo { state: VIR_DOMAIN_CONTROL_OCCUPIED as u32, details: 0, state_time: (s - 10_000) as u64 }
        }
        30_000..=59_999 => ControlInfo {
            state: VIR_DOMAIN_CONTROL_ERROR as u32,
            details: (s % 4) as u32,
            state_time: (s - 30_000) as u64,
        },
        _ => ControlInfo::default(),
    }
}

fn has_balloon(def: &DomainDef) -> bool {
    def.devices.list("memballoon").iter().any(|b| b.attr("model") != Some("none"))
}

fn memory_stats(d: &Domain, nr: u32, flags: u32) -> Result<Vec<(i32, u64)>> {
    unsupported_flags(flags, 0, "testDomainMemoryStats")?;
    with_obj(d, |o| {
        check_active(o)?;
        if !has_balloon(&o.def) {
            return Ok(Vec::new());
        }
        let cur = o.def.current_memory as i32 as i64 as u64;
        let all = [
            (VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON, cur),
            (VIR_DOMAIN_MEMORY_STAT_SWAP_IN, 0),
            (VIR_DOMAIN_MEMORY_STAT_SWAP_OUT, 0),
            (VIR_DOMAIN_MEMORY_STAT_MAJOR_FAULT, 0),
            (VIR_DOMAIN_MEMORY_STAT_MINOR_FAULT, 0),
            (VIR_DOMAIN_MEMORY_STAT_UNUSED, cur / 2),
            (VIR_DOMAIN_MEMORY_STAT_AVAILABLE, cur),
            (VIR_DOMAIN_MEMORY_STAT_USABLE, cur / 2),
            (VIR_DOMAIN_MEMORY_STAT_LAST_UPDATE, 627_319_920),
            (VIR_DOMAIN_MEMORY_STAT_DISK_CACHES, cur / 8),
            (VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGALLOC, 0),
            (VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGFAIL, 0),
            (VIR_DOMAIN_MEMORY_STAT_RSS, cur / 2),
        ];
        Ok(all.into_iter().take(nr as usize).collect())
    })
}

fn disk_known(def: &DomainDef, path: &str) -> bool {
    def.devices
        .list("disk")
        .iter()
        .any(|dk| disk::target_dev(dk) == path || disk::source_label(dk).as_deref() == Some(path))
}

fn block_stats(d: &Domain, path: &str) -> Result<[i64; 5]> {
    if path.is_empty() {
        return Err(test_err(VIR_ERR_OPERATION_UNSUPPORTED, "summary statistics are not supported yet"));
    }
    with_obj(d, |o| {
        check_active(o)?;
        if !disk_known(&o.def, path) {
            return Err(test_err(VIR_ERR_INVALID_ARG, format!("invalid path: {path}")));
        }
        let t = now_us();
        Ok([t / 10, t / 20, t / 30, t / 40, t / 2_000_000])
    })
}

fn interface_stats(d: &Domain, device: &str) -> Result<[i64; 8]> {
    with_obj(d, |o| {
        check_active(o)?;
        super::domain_tune::find_net(&mut o.def, device)?;
        let t = now_us();
        Ok([t / 10, t / 100, t / 1_000_000, t / 2_000_000, t / 20, t / 110, t / 3_000_000, t / 4_000_000])
    })
}

fn block_info(d: &Domain, path: &str, flags: u32) -> Result<BlockInfo> {
    unsupported_flags(flags, 0, "testDomainGetBlockInfo")?;
    with_obj(d, |o| {
        let dk = o
            .def
            .devices
            .list("disk")
            .iter()
            .find(|dk| disk::target_dev(dk) == path || disk::source_label(dk).as_deref() == Some(path))
            .ok_or_else(|| test_err(VIR_ERR_INVALID_ARG, format!("invalid path {path} not assigned to domain")))?;
        if disk::source_label(dk).is_none() {
            return Err(test_err(
                VIR_ERR_INVALID_ARG,
                format!("disk '{path}' does not currently have a source assigned"),
            ));
        }
        Ok(BlockInfo { capacity: 1_099_506_450_432, allocation: 1_099_511_627_776, physical: 1_099_511_627_776 })
    })
}

fn cpu_stats(d: &Domain, nparams: u32, start_cpu: i32, ncpus: u32, flags: u32) -> Result<CpuStats> {
    let flags = flags | VIR_TYPED_PARAM_STRING_OKAY as u32;
    unsupported_flags(flags, VIR_TYPED_PARAM_STRING_OKAY as u32, "testDomainGetCPUStats")?;
    with_obj(d, |o| {
        check_active(o)?;
        let mut out = CpuStats::default();
        if start_cpu == -1 {
            if nparams == 0 {
                out.ret = 3;
                return Ok(out);
            }
            let all = [("cpu_time", TOTAL_CPUTIME), ("user_time", 5_540_000_000), ("system_time", 6_460_000_000)];
            for (i, (k, v)) in all.iter().enumerate().take(nparams as usize) {
                out.params.push((i, TypedParam::ullong(k, *v)?));
            }
            out.ret = nparams.min(3) as i32;
            return Ok(out);
        }
        let total: u32 = 2;
        if nparams == 0 && ncpus != 0 {
            out.ret = 2;
            return Ok(out);
        }
        if ncpus == 0 {
            out.ret = total as i32;
            return Ok(out);
        }
        if start_cpu as u32 >= total {
            return Err(test_err(
                VIR_ERR_INVALID_ARG,
                format!("start_cpu {start_cpu} larger than maximum of {}", total - 1),
            ));
        }
        let per = TOTAL_CPUTIME / total as u64;
        let need = total.min(start_cpu as u32 + ncpus);
        for i in start_cpu as u32..need {
            let idx = ((i - start_cpu as u32) * nparams) as usize;
            out.params.push((idx, TypedParam::ullong("cpu_time", per + i as u64)?));
        }
        out.ret = 1;
        if nparams > 1 {
            for i in start_cpu as u32..need {
                let idx = ((i - start_cpu as u32) * nparams + 1) as usize;
                out.params.push((idx, TypedParam::ullong("vcpu_time", (per + i as u64).wrapping_sub(1_234_567_890))?));
            }
            out.ret = 2;
        }
        Ok(out)
    })
}

fn fs_info(d: &Domain, flags: u32) -> Result<Vec<FsInfo>> {
    unsupported_flags(flags, 0, "testDomainGetFSInfo")?;
    with_obj(d, |o| {
        check_active(o)?;
        let first = o.def.devices.list("disk").iter().find(|dk| dk.attr("device") == Some("disk"));
        let Some(dk) = first else { return Ok(Vec::new()) };
        let name = disk::target_dev(dk).to_string();
        Ok(["/", "/boot"]
            .iter()
            .enumerate()
            .map(|(i, m)| FsInfo {
                mountpoint: m.to_string(),
                name: format!("{name}{}", i + 1),
                fstype: "ext4".into(),
                dev_alias: vec![name.clone()],
            })
            .collect())
    })
}

/// The default network's first DHCP address (192.168.122.2/24).
const DEFAULT_NET_START: [u8; 4] = [192, 168, 122, 2];

fn interface_addresses(d: &Domain, source: u32, flags: u32) -> Result<Vec<InterfaceAddrs>> {
    unsupported_flags(flags, 0, "testDomainInterfaceAddresses")?;
    if source >= VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LAST as u32 {
        return Err(test_err(VIR_ERR_ARGUMENT_UNSUPPORTED, format!("Unknown IP address data source {source}")));
    }
    with_obj(d, |o| {
        check_active(o)?;
        let mut out = Vec::new();
        for (i, n) in o.def.devices.list("interface").iter().enumerate() {
            let addr = if n.attr("type") == Some("network") {
                let network = n.kid("source").and_then(|s| s.attr("network")).unwrap_or("");
                if network != "default" {
                    return Err(Error::with_detail(
                        VIR_FROM_TEST,
                        VIR_ERR_NO_NETWORK,
                        format!("no network with matching name '{network}'"),
                    ));
                }
                let offset = 20 * (o.id as u32 - 1) + i as u32 + 1;
                let base = u32::from_be_bytes(DEFAULT_NET_START) + offset;
                (VIR_IP_ADDR_TYPE_IPV4, std::net::Ipv4Addr::from(base).to_string(), 24)
            } else {
                (VIR_IP_ADDR_TYPE_IPV4, format!("192.168.0.{}", 1 + i), 24)
            };
            out.push(InterfaceAddrs {
                name: net::ifname(n).unwrap_or("").to_string(),
                hwaddr: net::mac(n).to_string(),
                addrs: vec![addr],
            });
        }
        Ok(out)
    })
}

fn iothread_info(d: &Domain, flags: u32) -> Result<Vec<(u32, Vec<u32>)>> {
    let allowed = VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG;
    unsupported_flags(flags, allowed as u32, "testDomainGetIOThreadInfo")?;
    with_obj(d, |o| {
        let def = one_def(o, flags)?;
        Ok(def
            .iothreads
            .ids
            .iter()
            .map(|id| (*id, pinned(def, "iothreadpin", Some(("iothread", *id))).unwrap_or_else(machine_cpus)))
            .collect())
    })
}

/// The "state" group of domain statistics, for domains the flags select.
fn state_stats(o: &DomObj, stats: u32) -> Result<Vec<TypedParam>> {
    if stats != 0 && stats & VIR_DOMAIN_STATS_STATE as u32 == 0 {
        return Ok(Vec::new());
    }
    Ok(vec![TypedParam::int("state.state", o.state)?, TypedParam::int("state.reason", o.reason)?])
}

fn stats_selected(o: &DomObj, flags: u32) -> bool {
    let group = |bits: &[(u32, bool)]| {
        let any = bits.iter().any(|(b, _)| flags & *b != 0);
        !any || bits.iter().any(|(b, ok)| flags & *b != 0 && *ok)
    };
    let st = o.state;
    group(&[
        (VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE, o.active()),
        (VIR_CONNECT_GET_ALL_DOMAINS_STATS_INACTIVE, !o.active()),
    ]) && group(&[
        (VIR_CONNECT_GET_ALL_DOMAINS_STATS_PERSISTENT, o.persistent),
        (VIR_CONNECT_GET_ALL_DOMAINS_STATS_TRANSIENT, !o.persistent),
    ]) && group(&[
        (VIR_CONNECT_GET_ALL_DOMAINS_STATS_RUNNING, st == VIR_DOMAIN_RUNNING),
        (VIR_CONNECT_GET_ALL_DOMAINS_STATS_PAUSED, st == VIR_DOMAIN_PAUSED),
        (VIR_CONNECT_GET_ALL_DOMAINS_STATS_SHUTOFF, st == VIR_DOMAIN_SHUTOFF),
        (
            VIR_CONNECT_GET_ALL_DOMAINS_STATS_OTHER,
            ![VIR_DOMAIN_RUNNING, VIR_DOMAIN_PAUSED, VIR_DOMAIN_SHUTOFF].contains(&st),
        ),
    ])
}

fn check_stats(stats: u32, flags: u32) -> Result<()> {
    let unsupported = stats & !(VIR_DOMAIN_STATS_STATE as u32);
    if flags & VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS != 0 && unsupported != 0 {
        return Err(Error::with_detail(
            VIR_FROM_TEST,
            VIR_ERR_ARGUMENT_UNSUPPORTED,
            format!("Stats types bits 0x{unsupported:x} are not supported by this daemon"),
        ));
    }
    Ok(())
}

fn all_domain_stats(c: &Connect, stats: u32, flags: u32) -> Result<Vec<(Domain, Vec<TypedParam>)>> {
    check_stats(stats, flags)?;
    let s = store(c);
    let mut out = Vec::new();
    for o in s.iter().filter(|o| stats_selected(o, flags)) {
        out.push((handle(c, o), state_stats(o, stats)?));
    }
    Ok(out)
}

fn list_get_stats(doms: &[Domain], stats: u32, flags: u32) -> Result<Vec<(Domain, Vec<TypedParam>)>> {
    check_stats(stats, flags)?;
    let Some(first) = doms.first() else { return Ok(Vec::new()) };
    let s = store(&first.conn);
    let mut out = Vec::new();
    for d in doms {
        if let Some(o) = s.get(&d.uuid).filter(|o| stats_selected(o, flags)) {
            out.push((handle(&d.conn, o), state_stats(o, stats)?));
        }
    }
    Ok(out)
}

pub fn install(t: &mut DriverTable) {
    let dt = &mut t.domain;
    dt.domain_get_scheduler_type = Some(|_| Ok(("fair".into(), 1)));
    dt.domain_get_time = Some(|d, flags| {
        unsupported_flags(flags, 0, "testDomainGetTime")?;
        with_obj(d, |o| {
            if o.state != VIR_DOMAIN_RUNNING {
                return Err(test_err(VIR_ERR_OPERATION_INVALID, "domain is not running"));
            }
            Ok(o.time)
        })
    });
    dt.domain_get_control_info = Some(|d, flags| {
        unsupported_flags(flags, 0, "testDomainGetControlInfo")?;
        with_obj(d, |o| {
            check_active(o)?;
            Ok(control_info(o))
        })
    });
    dt.domain_get_vcpus = Some(get_vcpus);
    dt.domain_get_vcpu_pin_info = Some(|d, ncpumaps, flags| {
        with_obj(d, |o| {
            let def = one_def(o, flags)?;
            Ok((0..def.vcpu.max.min(ncpumaps.max(0) as u32)).map(|i| vcpu_cpus(def, i)).collect())
        })
    });
    dt.domain_get_emulator_pin_info = Some(|d, flags| {
        let allowed = VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG;
        unsupported_flags(flags, allowed as u32, "testDomainGetEmulatorPinInfo")?;
        with_obj(d, |o| {
            let def = one_def(o, flags)?;
            Ok(pinned(def, "emulatorpin", None).or_else(|| def_cpuset(def)).unwrap_or_else(all_host_cpus))
        })
    });
    dt.domain_memory_stats = Some(memory_stats);
    dt.domain_block_stats = Some(block_stats);
    dt.domain_interface_stats = Some(interface_stats);
    dt.domain_get_block_info = Some(block_info);
    dt.domain_get_cpu_stats = Some(cpu_stats);
    dt.domain_get_fs_info = Some(fs_info);
    dt.domain_interface_addresses = Some(interface_addresses);
    dt.domain_get_iothread_info = Some(iothread_info);
    dt.domain_get_security_label =
        Some(|d| with_obj(d, |o| Ok(if o.active() { ("libvirt-test".to_string(), 1) } else { (String::new(), 0) })));
    dt.domain_get_disk_errors = Some(|d, flags| {
        unsupported_flags(flags, 0, "testDomainGetDiskErrors")?;
        with_obj(d, |o| {
            check_active(o)?;
            let n = VIR_DOMAIN_DISK_ERROR_LAST - 1;
            Ok(o.def
                .devices
                .list("disk")
                .iter()
                .enumerate()
                .map(|(i, dk)| (disk::target_dev(dk).to_string(), (i as i32 % n) + 1))
                .collect())
        })
    });
    dt.domain_memory_peek = Some(|d, start, size, flags| {
        let (v, p) = (VIR_MEMORY_VIRTUAL as u32, VIR_MEMORY_PHYSICAL as u32);
        unsupported_flags(flags, v | p, "testDomainMemoryPeek")?;
        if flags != v && flags != p {
            return Err(test_err(
                VIR_ERR_INVALID_ARG,
                "flags parameter must be VIR_MEMORY_VIRTUAL or VIR_MEMORY_PHYSICAL",
            ));
        }
        with_obj(d, |o| {
            check_active(o)?;
            Ok((0..size).map(|i| (start as u8).wrapping_add(i as u8)).collect())
        })
    });
    dt.connect_get_all_domain_stats = Some(all_domain_stats);
    dt.domain_list_get_stats = Some(list_get_stats);
}
