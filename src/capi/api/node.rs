//! Host (node) queries whose results are C structures or caller-sized
//! arrays, node device parents and network DHCP leases.

use crate::capi::generated::types::*;
use crate::capi::handle::*;
use crate::capi::strings::{alloc_array, copy_to_buf, free, to_c};
use crate::core::driver::DhcpLease;
use crate::core::error::{Error, Result};
use crate::driver_entry;
use crate::generated::consts::*;
use std::os::raw::{c_char, c_int, c_uchar, c_uint, c_ulonglong};

/// An argument error as libvirt's host functions raise it (their error
/// domain is the domain configuration's).
fn arg(name: &str, api: &str, what: &str) -> Error {
    Error::arg_error(name, api, format!("{name} in {api} {what}")).from_domain(VIR_FROM_DOMAIN)
}

fn no_memory() -> Error {
    Error::new(VIR_FROM_NONE, VIR_ERR_NO_MEMORY, None)
}

unsafe fn conn<'a>(c: virConnectPtr) -> Result<&'a ConnectHandle> {
    // SAFETY: forwarded caller contract; check validates the class.
    unsafe { ConnectHandle::check_from(c, VIR_FROM_DOMAIN) }
}

pub(crate) unsafe fn virNodeGetCellsFreeMemory(
    c: virConnectPtr,
    freeMems: *mut c_ulonglong,
    startCell: c_int,
    maxCells: c_int,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { conn(c) }?;
    if freeMems.is_null() {
        return Err(arg("freeMems", "virNodeGetCellsFreeMemory", "must not be NULL"));
    }
    let cells = driver_entry!(h.conn(), host.node_get_cells_free_memory)(h.conn(), startCell, maxCells)?;
    let n = cells.len().min(maxCells.max(0) as usize);
    for (i, v) in cells.iter().take(n).enumerate() {
        // SAFETY: the caller provides maxCells slots and i < maxCells.
        unsafe { *freeMems.add(i) = *v };
    }
    Ok(n as c_int)
}

/// Writes named counters into a caller's `{field[80], value}` array with
/// the `nparams` in/out convention of the node stats calls.
///
/// # Safety
/// `nparams` must be valid; `params` must be NULL or hold `*nparams` slots.
unsafe fn stats_out(v: Vec<(String, u64)>, params: *mut virNodeCPUStats, nparams: *mut c_int) -> Result<c_int> {
    // SAFETY: checked non-NULL by the caller.
    let cap = unsafe { *nparams };
    if params.is_null() || cap == 0 {
        // SAFETY: as above.
        unsafe { *nparams = v.len() as c_int };
        return Ok(0);
    }
    let n = v.len().min(cap as usize);
    for (i, (name, value)) in v.iter().take(n).enumerate() {
        // SAFETY: i < *nparams slots the caller provides.
        let slot = unsafe { &mut *params.add(i) };
        copy_to_buf(name, &mut slot.field);
        slot.value = *value;
    }
    // SAFETY: as above.
    unsafe { *nparams = n as c_int };
    Ok(0)
}

pub(crate) unsafe fn virNodeGetCPUStats(
    c: virConnectPtr,
    cpuNum: c_int,
    params: virNodeCPUStatsPtr,
    nparams: *mut c_int,
    flags: c_uint,
) -> Result<c_int> {
    const API: &str = "virNodeGetCPUStats";
    // SAFETY: forwarded caller contract.
    let h = unsafe { conn(c) }?;
    // SAFETY: the prologue checked nparams non-NULL.
    if unsafe { *nparams } < 0 {
        return Err(arg("*nparams", API, "must be zero or greater"));
    }
    if cpuNum < -1 {
        return Err(arg("cpuNum", API, "only accepts -1 as a negative value"));
    }
    let v = driver_entry!(h.conn(), host.node_get_cpu_stats)(h.conn(), cpuNum, flags)?;
    // SAFETY: forwarded caller contract.
    unsafe { stats_out(v, params, nparams) }
}

pub(crate) unsafe fn virNodeGetMemoryStats(
    c: virConnectPtr,
    cellNum: c_int,
    params: virNodeMemoryStatsPtr,
    nparams: *mut c_int,
    flags: c_uint,
) -> Result<c_int> {
    const API: &str = "virNodeGetMemoryStats";
    // SAFETY: forwarded caller contract.
    let h = unsafe { conn(c) }?;
    // SAFETY: the prologue checked nparams non-NULL.
    if unsafe { *nparams } < 0 {
        return Err(arg("*nparams", API, "must be zero or greater"));
    }
    if cellNum < -1 {
        return Err(arg("cellNum", API, "only accepts -1 as a negative value"));
    }
    let v = driver_entry!(h.conn(), host.node_get_memory_stats)(h.conn(), cellNum, flags)?;
    // SAFETY: virNodeMemoryStats has the layout of virNodeCPUStats.
    unsafe { stats_out(v, params.cast(), nparams) }
}

pub(crate) unsafe fn virNodeGetCPUMap(
    c: virConnectPtr,
    cpumap: *mut *mut c_uchar,
    online: *mut c_uint,
    flags: c_uint,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { conn(c) }?;
    let m = driver_entry!(h.conn(), host.node_get_cpu_map)(h.conn(), flags)?;
    if !cpumap.is_null() {
        let buf = alloc_array::<c_uchar>(m.map.len());
        if buf.is_null() {
            return Err(no_memory());
        }
        // SAFETY: buf holds map.len() bytes; cpumap is a valid out-pointer.
        unsafe {
            std::ptr::copy_nonoverlapping(m.map.as_ptr(), buf, m.map.len());
            *cpumap = buf;
        }
    }
    if !online.is_null() {
        // SAFETY: a non-NULL out-pointer from the caller.
        unsafe { *online = m.online };
    }
    Ok(m.cpus as c_int)
}

/// Checks the page arguments libvirt checks before asking the driver.
fn check_pages(
    api: &str,
    npages: c_uint,
    pages: bool,
    cell_count: c_uint,
    counts: bool,
    counts_name: &str,
) -> Result<()> {
    if npages == 0 {
        return Err(arg("npages", api, "must not be zero"));
    }
    if !pages {
        return Err(arg(if api == "virNodeAllocPages" { "pageSizes" } else { "pages" }, api, "must not be NULL"));
    }
    if !counts {
        return Err(arg(counts_name, api, "must not be NULL"));
    }
    if cell_count == 0 {
        return Err(arg("cellCount", api, "must not be zero"));
    }
    Ok(())
}

pub(crate) unsafe fn virNodeGetFreePages(
    c: virConnectPtr,
    npages: c_uint,
    pages: *mut c_uint,
    startCell: c_int,
    cellCount: c_uint,
    counts: *mut c_ulonglong,
    flags: c_uint,
) -> Result<c_int> {
    const API: &str = "virNodeGetFreePages";
    // SAFETY: forwarded caller contract.
    let h = unsafe { conn(c) }?;
    check_pages(API, npages, !pages.is_null(), cellCount, !counts.is_null(), "counts")?;
    // SAFETY: the caller passes npages page sizes.
    let sizes = unsafe { std::slice::from_raw_parts(pages, npages as usize) }.to_vec();
    let v = driver_entry!(h.conn(), host.node_get_free_pages)(h.conn(), &sizes, startCell, cellCount, flags)?;
    let room = npages as usize * cellCount as usize;
    for (i, x) in v.iter().take(room).enumerate() {
        // SAFETY: the caller provides npages * cellCount slots.
        unsafe { *counts.add(i) = *x };
    }
    Ok(0)
}

pub(crate) unsafe fn virNodeAllocPages(
    c: virConnectPtr,
    npages: c_uint,
    pageSizes: *mut c_uint,
    pageCounts: *mut c_ulonglong,
    startCell: c_int,
    cellCount: c_uint,
    flags: c_uint,
) -> Result<c_int> {
    const API: &str = "virNodeAllocPages";
    // SAFETY: forwarded caller contract.
    let h = unsafe { conn(c) }?;
    h.deny_readonly()?;
    check_pages(API, npages, !pageSizes.is_null(), cellCount.max(1), !pageCounts.is_null(), "pageCounts")?;
    // SAFETY: the caller passes npages sizes and counts.
    let (sizes, counts) = unsafe {
        (
            std::slice::from_raw_parts(pageSizes, npages as usize).to_vec(),
            std::slice::from_raw_parts(pageCounts, npages as usize).to_vec(),
        )
    };
    driver_entry!(h.conn(), host.node_alloc_pages)(h.conn(), &sizes, &counts, startCell, cellCount, flags)
}

pub(crate) unsafe fn virNodeGetSecurityModel(c: virConnectPtr, secmodel: virSecurityModelPtr) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { conn(c) }?;
    // SAFETY: the prologue checked secmodel non-NULL; all-zero is its empty value.
    let out = unsafe {
        std::ptr::write_bytes(secmodel, 0, 1);
        &mut *secmodel
    };
    let m = driver_entry!(h.conn(), host.node_get_security_model)(h.conn())?;
    copy_to_buf(&m.model, &mut out.model);
    copy_to_buf(&m.doi, &mut out.doi);
    Ok(0)
}

pub(crate) unsafe fn virNodeDeviceGetParent(dev: virNodeDevicePtr) -> Result<*const c_char> {
    // SAFETY: forwarded caller contract; check validates the class.
    let h = unsafe { NodeDeviceHandle::check(dev) }?;
    let parent = match &h.obj().parent {
        Some(p) => p.clone(),
        None => driver_entry!(h.driver_conn()?, host.node_device_get_parent)(h.obj())?,
    };
    Ok(h.value.keep_str(&parent))
}

/// A malloc'ed C copy of an optional string (NULL for none).
fn opt_c(s: &Option<String>) -> *mut c_char {
    s.as_deref().map(to_c).unwrap_or(std::ptr::null_mut())
}

fn lease_to_c(l: &DhcpLease) -> virNetworkDHCPLeasePtr {
    let p = alloc_array::<virNetworkDHCPLease>(1);
    if p.is_null() {
        return p;
    }
    // SAFETY: p is a zeroed, writable virNetworkDHCPLease.
    let out = unsafe { &mut *p };
    out.iface = to_c(&l.iface);
    out.expirytime = l.expiry_time;
    out.r#type = l.kind;
    out.mac = opt_c(&l.mac);
    out.iaid = opt_c(&l.iaid);
    out.ipaddr = to_c(&l.ipaddr);
    out.prefix = l.prefix;
    out.hostname = opt_c(&l.hostname);
    out.clientid = opt_c(&l.clientid);
    p
}

pub(crate) unsafe fn virNetworkGetDHCPLeases(
    network: virNetworkPtr,
    mac: *const c_char,
    leases: *mut *mut virNetworkDHCPLeasePtr,
    flags: c_uint,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract; check validates the class.
    let h = unsafe { NetworkHandle::check(network) }?;
    // SAFETY: mac is NULL or a C string.
    let mac = unsafe { crate::capi::strings::opt_str(mac) };
    let v = driver_entry!(h.driver_conn()?, host.network_get_dhcp_leases)(h.obj(), mac.as_deref(), flags)?;
    // SAFETY: leases is NULL or a valid out-pointer; each element is a new lease.
    unsafe { crate::capi::marshal::objects_out(v, leases, |l| lease_to_c(&l)) }
}

pub(crate) unsafe fn virNetworkDHCPLeaseFree(lease: virNetworkDHCPLeasePtr) -> Result<()> {
    if lease.is_null() {
        return Ok(());
    }
    // SAFETY: a lease handed out by virNetworkGetDHCPLeases: malloc'ed struct and strings.
    unsafe {
        let l = &mut *lease;
        for s in [l.iface, l.mac, l.iaid, l.ipaddr, l.hostname, l.clientid] {
            free(s);
        }
        free(lease);
    }
    Ok(())
}
