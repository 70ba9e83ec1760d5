//! Domain queries whose answers are C structures: the driver returns Rust
//! values (see `core::driver::domain`), these bodies fill the caller's
//! structures or allocate them (freed with the matching `*Free` calls).

use crate::capi::api::typed_params::{to_c_array, virTypedParamsFree, write_c_array};
use crate::capi::generated::types::*;
use crate::capi::handle::*;
use crate::capi::strings::{self, alloc_array, null_arg, to_c_checked};
use crate::core::error::{Error, Result};
use crate::core::Domain;
use crate::driver_entry;
use crate::generated::consts::*;
use std::os::raw::{c_char, c_int, c_uchar, c_uint, c_ulonglong, c_void};

unsafe fn dom<'a>(p: virDomainPtr) -> Result<&'a DomainHandle> {
    // SAFETY: forwarded caller contract; check validates the class.
    unsafe { DomainHandle::check(p) }
}

/// libvirt's argument error with the bare message.
fn arg(name: &str, api: &str, msg: &str) -> Error {
    Error::arg_error(name, api, msg.to_string())
}

/// VIR_EXCLUSIVE_FLAGS for the two `AFFECT_*` flags.
fn exclusive_affect(flags: c_uint, api: &str) -> Result<()> {
    let both = (VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG) as c_uint;
    if flags & both == both {
        return Err(arg(
            "flags",
            api,
            "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive",
        ));
    }
    Ok(())
}

/// Sets the bits of `cpus` in a zeroed map of `maplen` bytes.
///
/// # Safety
/// `map` must hold `maplen` writable bytes.
unsafe fn write_cpumap(cpus: &[u32], map: *mut c_uchar, maplen: usize) {
    // SAFETY: per the contract.
    unsafe { std::ptr::write_bytes(map, 0, maplen) };
    for c in cpus {
        let (byte, bit) = (*c as usize / 8, *c % 8);
        if byte < maplen {
            // SAFETY: byte < maplen.
            unsafe { *map.add(byte) |= 1 << bit };
        }
    }
}

/// A malloc'ed copy of `cpus` as a map long enough for the highest CPU.
fn cpumap_alloc(cpus: &[u32]) -> (*mut c_uchar, c_int) {
    let len = cpus.iter().max().map(|m| *m as usize / 8 + 1).unwrap_or(1);
    let p = alloc_array::<c_uchar>(len);
    if !p.is_null() {
        // SAFETY: p holds len bytes.
        unsafe { write_cpumap(cpus, p, len) };
    }
    (p, len as c_int)
}

pub(crate) unsafe fn virDomainGetSchedulerType(p: virDomainPtr, nparams: *mut c_int) -> Result<*mut c_char> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { dom(p) }?;
    let (kind, n) = driver_entry!(h.obj().conn, domain.domain_get_scheduler_type)(h.obj())?;
    if !nparams.is_null() {
        // SAFETY: non-NULL out pointer.
        unsafe { *nparams = n };
    }
    to_c_checked(&kind)
}

pub(crate) unsafe fn virDomainGetTime(
    p: virDomainPtr,
    seconds: *mut i64,
    nseconds: *mut c_uint,
    flags: c_uint,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { dom(p) }?;
    let (s, ns) = driver_entry!(h.obj().conn, domain.domain_get_time)(h.obj(), flags)?;
    // SAFETY: out pointers are NULL or valid.
    unsafe {
        if !seconds.is_null() {
            *seconds = s;
        }
        if !nseconds.is_null() {
            *nseconds = ns;
        }
    }
    Ok(0)
}

pub(crate) unsafe fn virDomainGetControlInfo(
    p: virDomainPtr,
    info: virDomainControlInfoPtr,
    flags: c_uint,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { dom(p) }?;
    let i = driver_entry!(h.obj().conn, domain.domain_get_control_info)(h.obj(), flags)?;
    // SAFETY: info checked non-NULL by the prologue.
    unsafe { *info = virDomainControlInfo { state: i.state, details: i.details, stateTime: i.state_time } };
    Ok(0)
}

pub(crate) unsafe fn virDomainGetVcpus(
    p: virDomainPtr,
    info: virVcpuInfoPtr,
    maxinfo: c_int,
    cpumaps: *mut c_uchar,
    maplen: c_int,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { dom(p) }?;
    let v = driver_entry!(h.obj().conn, domain.domain_get_vcpus)(h.obj(), maxinfo)?;
    for (i, x) in v.iter().enumerate() {
        // SAFETY: the caller's arrays hold maxinfo entries (of maplen bytes) and i < maxinfo.
        unsafe {
            *info.add(i) = virVcpuInfo { number: x.number, state: x.state, cpuTime: x.cpu_time, cpu: x.cpu };
            if !cpumaps.is_null() {
                write_cpumap(&x.cpus, cpumaps.add(i * maplen as usize), maplen as usize);
            }
        }
    }
    Ok(v.len() as c_int)
}

pub(crate) unsafe fn virDomainGetVcpuPinInfo(
    p: virDomainPtr,
    ncpumaps: c_int,
    cpumaps: *mut c_uchar,
    maplen: c_int,
    flags: c_uint,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { dom(p) }?;
    if cpumaps.is_null() {
        return Err(null_arg("cpumaps", "virDomainGetVcpuPinInfo"));
    }
    exclusive_affect(flags, "virDomainGetVcpuPinInfo")?;
    let v = driver_entry!(h.obj().conn, domain.domain_get_vcpu_pin_info)(h.obj(), ncpumaps, flags)?;
    for (i, cpus) in v.iter().enumerate() {
        // SAFETY: the caller's array holds ncpumaps maps of maplen bytes; i < ncpumaps.
        unsafe { write_cpumap(cpus, cpumaps.add(i * maplen as usize), maplen as usize) };
    }
    Ok(v.len() as c_int)
}

pub(crate) unsafe fn virDomainGetEmulatorPinInfo(
    p: virDomainPtr,
    cpumap: *mut c_uchar,
    maplen: c_int,
    flags: c_uint,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { dom(p) }?;
    exclusive_affect(flags, "virDomainGetEmulatorPinInfo")?;
    let cpus = driver_entry!(h.obj().conn, domain.domain_get_emulator_pin_info)(h.obj(), flags)?;
    // SAFETY: cpumap (checked non-NULL) holds maplen bytes.
    unsafe { write_cpumap(&cpus, cpumap, maplen as usize) };
    Ok(1)
}

pub(crate) unsafe fn virDomainMemoryStats(
    p: virDomainPtr,
    stats: virDomainMemoryStatPtr,
    nr_stats: c_uint,
    flags: c_uint,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { dom(p) }?;
    if stats.is_null() || nr_stats == 0 {
        return Ok(0);
    }
    let nr = nr_stats.min(VIR_DOMAIN_MEMORY_STAT_NR as c_uint);
    let v = driver_entry!(h.obj().conn, domain.domain_memory_stats)(h.obj(), nr, flags)?;
    for (i, (tag, val)) in v.iter().enumerate() {
        // SAFETY: the caller's array holds nr_stats entries and i < nr.
        unsafe { *stats.add(i) = virDomainMemoryStatStruct { tag: *tag, val: *val } };
    }
    Ok(v.len() as c_int)
}

/// Copies a statistics structure into a caller's buffer of `size` bytes
/// (older callers pass smaller, older layouts).
unsafe fn copy_sized<T: Copy>(value: &T, out: *mut T, size: usize, api: &str) -> Result<()> {
    if size > std::mem::size_of::<T>() {
        return Err(arg("size", api, &format!("size in {api} must not exceed {}", std::mem::size_of::<T>())));
    }
    // SAFETY: the caller's buffer holds `size` bytes, no more than T.
    unsafe { std::ptr::copy_nonoverlapping((value as *const T).cast::<u8>(), out.cast::<u8>(), size) };
    Ok(())
}

pub(crate) unsafe fn virDomainBlockStats(
    p: virDomainPtr,
    disk: *const c_char,
    stats: virDomainBlockStatsPtr,
    size: usize,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { dom(p) }?;
    // SAFETY: disk checked non-NULL by the prologue.
    let path = unsafe { strings::opt_str(disk) }.unwrap_or_default();
    let s = driver_entry!(h.obj().conn, domain.domain_block_stats)(h.obj(), &path)?;
    let v = virDomainBlockStatsStruct { rd_req: s[0], rd_bytes: s[1], wr_req: s[2], wr_bytes: s[3], errs: s[4] };
    // SAFETY: stats checked non-NULL; size bytes are writable.
    unsafe { copy_sized(&v, stats, size, "virDomainBlockStats") }?;
    Ok(0)
}

pub(crate) unsafe fn virDomainInterfaceStats(
    p: virDomainPtr,
    device: *const c_char,
    stats: virDomainInterfaceStatsPtr,
    size: usize,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { dom(p) }?;
    // SAFETY: device checked non-NULL by the prologue.
    let dev = unsafe { strings::opt_str(device) }.unwrap_or_default();
    let s = driver_entry!(h.obj().conn, domain.domain_interface_stats)(h.obj(), &dev)?;
    let v = virDomainInterfaceStatsStruct {
        rx_bytes: s[0],
        rx_packets: s[1],
        rx_errs: s[2],
        rx_drop: s[3],
        tx_bytes: s[4],
        tx_packets: s[5],
        tx_errs: s[6],
        tx_drop: s[7],
    };
    // SAFETY: stats checked non-NULL; size bytes are writable.
    unsafe { copy_sized(&v, stats, size, "virDomainInterfaceStats") }?;
    Ok(0)
}

pub(crate) unsafe fn virDomainGetBlockInfo(
    p: virDomainPtr,
    disk: *const c_char,
    info: virDomainBlockInfoPtr,
    flags: c_uint,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { dom(p) }?;
    // SAFETY: disk checked non-NULL by the prologue.
    let path = unsafe { strings::opt_str(disk) }.unwrap_or_default();
    let i = driver_entry!(h.obj().conn, domain.domain_get_block_info)(h.obj(), &path, flags)?;
    // SAFETY: info checked non-NULL by the prologue.
    unsafe { *info = virDomainBlockInfo { capacity: i.capacity, allocation: i.allocation, physical: i.physical } };
    Ok(0)
}

pub(crate) unsafe fn virDomainGetCPUStats(
    p: virDomainPtr,
    params: virTypedParameterPtr,
    nparams: c_uint,
    start_cpu: c_int,
    ncpus: c_uint,
    flags: c_uint,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { dom(p) }?;
    let api = "virDomainGetCPUStats";
    if start_cpu == -1 {
        if ncpus != 1 {
            return Err(arg("start_cpu", api, "ncpus must be 1 when start_cpu is -1"));
        }
    } else if start_cpu < 0 {
        return Err(Error::negative_arg("start_cpu", api));
    }
    if (nparams == 0) != params.is_null() {
        return Err(arg("params", api, "params must be non-NULL iff nparams is positive"));
    }
    if nparams as u64 * ncpus as u64 > i32::MAX as u64 {
        return Err(arg("nparams", api, &format!("input too large: {nparams} * {ncpus}")));
    }
    let r = driver_entry!(h.obj().conn, domain.domain_get_cpu_stats)(h.obj(), nparams, start_cpu, ncpus, flags)?;
    let cap = (nparams * ncpus.max(1)) as usize;
    for (idx, param) in &r.params {
        if *idx < cap {
            // SAFETY: the caller's array holds nparams * ncpus parameters.
            unsafe { write_c_array(std::slice::from_ref(param), params.add(*idx), 1) }?;
        }
    }
    Ok(r.ret)
}

pub(crate) unsafe fn virDomainGetFSInfo(
    p: virDomainPtr,
    info: *mut *mut virDomainFSInfoPtr,
    flags: c_uint,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { dom(p) }?;
    // SAFETY: info checked non-NULL by the prologue.
    unsafe { *info = std::ptr::null_mut() };
    let v = driver_entry!(h.obj().conn, domain.domain_get_fs_info)(h.obj(), flags)?;
    if v.is_empty() {
        return Ok(0);
    }
    let arr = alloc_array::<virDomainFSInfoPtr>(v.len());
    for (i, f) in v.iter().enumerate() {
        let e = alloc_array::<virDomainFSInfo>(1);
        let aliases = alloc_array::<*mut c_char>(f.dev_alias.len());
        for (j, a) in f.dev_alias.iter().enumerate() {
            // SAFETY: aliases holds dev_alias.len() slots.
            unsafe { *aliases.add(j) = strings::to_c(a) };
        }
        // SAFETY: e is a fresh zeroed struct, arr holds v.len() slots.
        unsafe {
            *e = virDomainFSInfo {
                mountpoint: strings::to_c(&f.mountpoint),
                name: strings::to_c(&f.name),
                fstype: strings::to_c(&f.fstype),
                ndevAlias: f.dev_alias.len(),
                devAlias: aliases,
            };
            *arr.add(i) = e;
        }
    }
    // SAFETY: non-NULL out pointer.
    unsafe { *info = arr };
    Ok(v.len() as c_int)
}

pub(crate) unsafe fn virDomainFSInfoFree(info: virDomainFSInfoPtr) -> Result<()> {
    if info.is_null() {
        return Ok(());
    }
    // SAFETY: info came from virDomainGetFSInfo's allocators.
    unsafe {
        let i = &*info;
        for j in 0..i.ndevAlias {
            strings::free(*i.devAlias.add(j));
        }
        strings::free(i.devAlias);
        strings::free(i.mountpoint);
        strings::free(i.name);
        strings::free(i.fstype);
        strings::free(info);
    }
    Ok(())
}

pub(crate) unsafe fn virDomainInterfaceAddresses(
    p: virDomainPtr,
    ifaces: *mut *mut virDomainInterfacePtr,
    source: c_uint,
    flags: c_uint,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { dom(p) }?;
    // SAFETY: ifaces checked non-NULL by the prologue.
    unsafe { *ifaces = std::ptr::null_mut() };
    let v = driver_entry!(h.obj().conn, domain.domain_interface_addresses)(h.obj(), source, flags)?;
    let arr = alloc_array::<virDomainInterfacePtr>(v.len());
    for (i, f) in v.iter().enumerate() {
        let addrs = alloc_array::<virDomainIPAddress>(f.addrs.len());
        for (j, (kind, a, prefix)) in f.addrs.iter().enumerate() {
            // SAFETY: addrs holds f.addrs.len() slots.
            unsafe { *addrs.add(j) = virDomainIPAddress { r#type: *kind, addr: strings::to_c(a), prefix: *prefix } };
        }
        let e = alloc_array::<virDomainInterface>(1);
        // SAFETY: fresh allocations; arr holds v.len() slots.
        unsafe {
            *e = virDomainInterface {
                name: strings::to_c(&f.name),
                hwaddr: strings::to_c(&f.hwaddr),
                naddrs: f.addrs.len() as c_uint,
                addrs,
            };
            *arr.add(i) = e;
        }
    }
    // SAFETY: non-NULL out pointer.
    unsafe { *ifaces = arr };
    Ok(v.len() as c_int)
}

pub(crate) unsafe fn virDomainInterfaceFree(iface: virDomainInterfacePtr) -> Result<()> {
    if iface.is_null() {
        return Ok(());
    }
    // SAFETY: iface came from virDomainInterfaceAddresses' allocators.
    unsafe {
        let i = &*iface;
        for j in 0..i.naddrs as usize {
            strings::free((*i.addrs.add(j)).addr);
        }
        strings::free(i.addrs);
        strings::free(i.name);
        strings::free(i.hwaddr);
        strings::free(iface);
    }
    Ok(())
}

pub(crate) unsafe fn virDomainGetIOThreadInfo(
    p: virDomainPtr,
    info: *mut *mut virDomainIOThreadInfoPtr,
    flags: c_uint,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { dom(p) }?;
    // SAFETY: info checked non-NULL by the prologue.
    unsafe { *info = std::ptr::null_mut() };
    exclusive_affect(flags, "virDomainGetIOThreadInfo")?;
    let v = driver_entry!(h.obj().conn, domain.domain_get_iothread_info)(h.obj(), flags)?;
    if v.is_empty() {
        return Ok(0);
    }
    let arr = alloc_array::<virDomainIOThreadInfoPtr>(v.len());
    for (i, (id, cpus)) in v.iter().enumerate() {
        let (map, len) = cpumap_alloc(cpus);
        let e = alloc_array::<virDomainIOThreadInfo>(1);
        // SAFETY: fresh allocations; arr holds v.len() slots.
        unsafe {
            *e = virDomainIOThreadInfo { iothread_id: *id, cpumap: map, cpumaplen: len };
            *arr.add(i) = e;
        }
    }
    // SAFETY: non-NULL out pointer.
    unsafe { *info = arr };
    Ok(v.len() as c_int)
}

pub(crate) unsafe fn virDomainIOThreadInfoFree(info: virDomainIOThreadInfoPtr) -> Result<()> {
    if info.is_null() {
        return Ok(());
    }
    // SAFETY: info came from virDomainGetIOThreadInfo's allocators.
    unsafe {
        strings::free((*info).cpumap);
        strings::free(info);
    }
    Ok(())
}

pub(crate) unsafe fn virDomainGetSecurityLabel(p: virDomainPtr, seclabel: virSecurityLabelPtr) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { dom(p) }?;
    // SAFETY: seclabel checked non-NULL by the prologue; all-zero is its empty value.
    unsafe { std::ptr::write_bytes(seclabel, 0, 1) };
    let (label, enforcing) = driver_entry!(h.obj().conn, domain.domain_get_security_label)(h.obj())?;
    // SAFETY: as above.
    let l = unsafe { &mut *seclabel };
    strings::copy_to_buf(&label, &mut l.label);
    l.enforcing = enforcing;
    Ok(0)
}

pub(crate) unsafe fn virDomainGetDiskErrors(
    p: virDomainPtr,
    errors: virDomainDiskErrorPtr,
    maxerrors: c_uint,
    flags: c_uint,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { dom(p) }?;
    if errors.is_null() && maxerrors > 0 {
        return Err(null_arg("errors", "virDomainGetDiskErrors"));
    }
    let v = driver_entry!(h.obj().conn, domain.domain_get_disk_errors)(h.obj(), flags)?;
    if errors.is_null() {
        return Ok(v.len() as c_int);
    }
    let n = v.len().min(maxerrors as usize);
    for (i, (disk, err)) in v.iter().take(n).enumerate() {
        // SAFETY: the caller's array holds maxerrors entries and i < n <= maxerrors.
        unsafe { *errors.add(i) = virDomainDiskError { disk: strings::to_c(disk), error: *err } };
    }
    Ok(n as c_int)
}

pub(crate) unsafe fn virDomainMemoryPeek(
    p: virDomainPtr,
    start: c_ulonglong,
    size: usize,
    buffer: *mut c_void,
    flags: c_uint,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { dom(p) }?;
    let api = "virDomainMemoryPeek";
    let both = (VIR_MEMORY_VIRTUAL | VIR_MEMORY_PHYSICAL) as c_uint;
    if flags & both == both {
        return Err(arg("flags", api, "Flags 'VIR_MEMORY_VIRTUAL' and 'VIR_MEMORY_PHYSICAL' are mutually exclusive"));
    }
    if size > 0 && buffer.is_null() {
        return Err(null_arg("buffer", api));
    }
    let bytes = driver_entry!(h.obj().conn, domain.domain_memory_peek)(h.obj(), start, size, flags)?;
    let n = bytes.len().min(size);
    // SAFETY: buffer holds size bytes and n <= size.
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), buffer.cast::<u8>(), n) };
    Ok(0)
}

/// A NULL-terminated array of malloc'ed records, each holding a new
/// domain handle and its parameters.
unsafe fn stats_out(
    v: Vec<(Domain, Vec<crate::core::typed_params::TypedParam>)>,
    conn: *mut ConnectHandle,
    out: *mut *mut virDomainStatsRecordPtr,
) -> Result<c_int> {
    let arr = alloc_array::<virDomainStatsRecordPtr>(v.len() + 1);
    let n = v.len();
    for (i, (d, params)) in v.into_iter().enumerate() {
        // SAFETY: to_c_array builds a fresh array the record owns.
        let (ps, np) = unsafe { to_c_array(&params) };
        let rec = alloc_array::<virDomainStatsRecord>(1);
        // SAFETY: fresh allocations; arr holds n + 1 slots.
        unsafe {
            *rec = virDomainStatsRecord { dom: DomainHandle::new_raw(d, conn), params: ps, nparams: np };
            *arr.add(i) = rec;
        }
    }
    // SAFETY: non-NULL out pointer.
    unsafe { *out = arr };
    Ok(n as c_int)
}

pub(crate) unsafe fn virConnectGetAllDomainStats(
    c: virConnectPtr,
    stats: c_uint,
    ret: *mut *mut virDomainStatsRecordPtr,
    flags: c_uint,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { crate::capi::api::connect::conn(c) }?;
    // SAFETY: ret checked non-NULL by the prologue.
    unsafe { *ret = std::ptr::null_mut() };
    let v = driver_entry!(h.conn(), domain.connect_get_all_domain_stats)(h.conn(), stats, flags)?;
    // SAFETY: c is the live connection handle; ret is valid.
    unsafe { stats_out(v, c, ret) }
}

pub(crate) unsafe fn virDomainListGetStats(
    doms: *mut virDomainPtr,
    stats: c_uint,
    ret: *mut *mut virDomainStatsRecordPtr,
    flags: c_uint,
) -> Result<c_int> {
    let api = "virDomainListGetStats";
    // SAFETY: doms and ret checked non-NULL by the prologue.
    unsafe { *ret = std::ptr::null_mut() };
    let mut list = Vec::new();
    let mut conn: *mut ConnectHandle = std::ptr::null_mut();
    let mut i = 0;
    loop {
        // SAFETY: doms is a NULL-terminated array of domain handles.
        let p = unsafe { *doms.add(i) };
        if p.is_null() {
            break;
        }
        // SAFETY: as above; check validates each handle.
        let h = unsafe { dom(p) }?;
        if conn.is_null() {
            conn = h.conn_handle();
        } else if conn != h.conn_handle() {
            return Err(arg("doms", api, "domains in 'doms' array must belong to a single connection"));
        }
        list.push(h.obj().clone());
        i += 1;
    }
    let Some(first) = list.first() else {
        return Err(arg("doms", api, "doms array in virDomainListGetStats must contain at least one domain"));
    };
    let v = driver_entry!(first.conn, domain.domain_list_get_stats)(&list, stats, flags)?;
    // SAFETY: conn is the domains' live connection handle; ret is valid.
    unsafe { stats_out(v, conn, ret) }
}

pub(crate) unsafe fn virDomainStatsRecordListFree(stats: *mut virDomainStatsRecordPtr) -> Result<()> {
    if stats.is_null() {
        return Ok(());
    }
    let mut i = 0;
    loop {
        // SAFETY: a NULL-terminated array from stats_out.
        let rec = unsafe { *stats.add(i) };
        if rec.is_null() {
            break;
        }
        // SAFETY: each record owns a handle reference and a parameter array.
        unsafe {
            if !(*rec).dom.is_null() {
                Handle::release((*rec).dom);
            }
            let _ = virTypedParamsFree((*rec).params, (*rec).nparams);
            strings::free(rec);
        }
        i += 1;
    }
    // SAFETY: the array came from alloc_array.
    unsafe { strings::free(stats) };
    Ok(())
}
