//! Domain queries answered with C structures: control state, block and
//! interface counters, memory statistics, disk errors, I/O threads,
//! emulator pinning, file systems and interface addresses.

use super::call;
use super::client::REMOTE;
use super::domain_vcpus::cpus_of;
use super::generated::proc;
use super::wire::{decode_failed, Enc, STRING_MAX};
use crate::core::driver::{BlockInfo, ControlInfo, DriverTable, FsInfo, InterfaceAddrs};
use crate::core::error::Result;
use crate::core::objects::Domain;
use crate::util::xdr::{Decoder, XdrResult};

/// Bound of a CPU map in a reply (`REMOTE_CPUMAP_MAX`).
const CPUMAP_MAX: u32 = 2048;
/// Bound of `remote_domain_get_emulator_pin_info_ret`'s maps.
const CPUMAPS_MAX: u32 = 8_388_608;
/// Bound of the memory statistics (`REMOTE_DOMAIN_MEMORY_STATS_MAX`).
const MEMORY_STATS_MAX: u32 = 1024;
/// Bound of the disk errors (`REMOTE_DOMAIN_DISK_ERRORS_MAX`).
const DISK_ERRORS_MAX: u32 = 256;
/// Bounds of the file system and interface lists.
const FSINFO_MAX: u32 = 256;
const IFACES_MAX: u32 = 2048;
const IOTHREADS_MAX: u32 = 16384;

/// A domain call with the domain and flags as arguments.
fn dom_flags_call(dom: &Domain, procedure: i32, flags: u32) -> Result<Vec<u8>> {
    call(&dom.conn, REMOTE, procedure, |e| {
        dom.enc(e);
        e.u32(flags);
    })
}

/// A reply of `N` hypers.
fn hypers<const N: usize>(r: &[u8]) -> Result<[i64; N]> {
    let mut d = Decoder::new(r);
    let mut v = [0i64; N];
    for x in v.iter_mut() {
        *x = d.i64().map_err(decode_failed)?;
    }
    Ok(v)
}

fn fs_info(d: &mut Decoder) -> XdrResult<FsInfo> {
    Ok(FsInfo {
        mountpoint: d.string(STRING_MAX)?,
        name: d.string(STRING_MAX)?,
        fstype: d.string(STRING_MAX)?,
        dev_alias: d.array(FSINFO_MAX, 4, |d| d.string(STRING_MAX))?,
    })
}

fn iface_addrs(d: &mut Decoder) -> XdrResult<InterfaceAddrs> {
    Ok(InterfaceAddrs {
        name: d.string(STRING_MAX)?,
        hwaddr: d.optional(|d| d.string(STRING_MAX))?.unwrap_or_default(),
        addrs: d.array(IFACES_MAX, 12, |d| Ok((d.i32()?, d.string(STRING_MAX)?, d.u32()?)))?,
    })
}

pub fn install(t: &mut DriverTable) {
    t.domain.domain_get_control_info = Some(|dom, flags| {
        let r = dom_flags_call(dom, proc::DOMAIN_GET_CONTROL_INFO, flags)?;
        let mut d = Decoder::new(&r);
        let mut u = || d.u32().map_err(decode_failed);
        let (state, details) = (u()?, u()?);
        Ok(ControlInfo { state, details, state_time: d.u64().map_err(decode_failed)? })
    });
    t.domain.domain_get_block_info = Some(|dom, path, flags| {
        let r = call(&dom.conn, REMOTE, proc::DOMAIN_GET_BLOCK_INFO, |e| {
            dom.enc(e);
            path.enc(e);
            e.u32(flags);
        })?;
        let mut d = Decoder::new(&r);
        let mut u = || d.u64().map_err(decode_failed);
        let (allocation, capacity, physical) = (u()?, u()?, u()?);
        Ok(BlockInfo { capacity, allocation, physical })
    });
    t.domain.domain_block_stats = Some(|dom, path| {
        let r = call(&dom.conn, REMOTE, proc::DOMAIN_BLOCK_STATS, |e| {
            dom.enc(e);
            path.enc(e);
        })?;
        hypers::<5>(&r)
    });
    t.domain.domain_interface_stats = Some(|dom, dev| {
        let r = call(&dom.conn, REMOTE, proc::DOMAIN_INTERFACE_STATS, |e| {
            dom.enc(e);
            dev.enc(e);
        })?;
        hypers::<8>(&r)
    });
    t.domain.domain_memory_stats = Some(|dom, max, flags| {
        let r = call(&dom.conn, REMOTE, proc::DOMAIN_MEMORY_STATS, |e| {
            dom.enc(e);
            e.u32(max.min(MEMORY_STATS_MAX));
            e.u32(flags);
        })?;
        Decoder::new(&r).array(MEMORY_STATS_MAX, 12, |d| Ok((d.i32()?, d.u64()?))).map_err(decode_failed)
    });
    t.domain.domain_get_disk_errors = Some(|dom, flags| {
        let r = call(&dom.conn, REMOTE, proc::DOMAIN_GET_DISK_ERRORS, |e| {
            dom.enc(e);
            e.u32(DISK_ERRORS_MAX);
            e.u32(flags);
        })?;
        Decoder::new(&r).array(DISK_ERRORS_MAX, 8, |d| Ok((d.string(STRING_MAX)?, d.i32()?))).map_err(decode_failed)
    });
    t.domain.domain_get_iothread_info = Some(|dom, flags| {
        let r = dom_flags_call(dom, proc::DOMAIN_GET_IOTHREAD_INFO, flags)?;
        Decoder::new(&r)
            .array(IOTHREADS_MAX, 8, |d| Ok((d.u32()?, cpus_of(d.opaque(CPUMAP_MAX)?))))
            .map_err(decode_failed)
    });
    t.domain.domain_get_emulator_pin_info = Some(|dom, flags| {
        let r = call(&dom.conn, REMOTE, proc::DOMAIN_GET_EMULATOR_PIN_INFO, |e| {
            dom.enc(e);
            e.i32(CPUMAP_MAX as i32);
            e.u32(flags);
        })?;
        Ok(cpus_of(Decoder::new(&r).opaque(CPUMAPS_MAX).map_err(decode_failed)?))
    });
    t.domain.domain_get_fs_info = Some(|dom, flags| {
        let r = dom_flags_call(dom, proc::DOMAIN_GET_FSINFO, flags)?;
        Decoder::new(&r).array(FSINFO_MAX, 16, fs_info).map_err(decode_failed)
    });
    t.domain.domain_interface_addresses = Some(|dom, source, flags| {
        let r = call(&dom.conn, REMOTE, proc::DOMAIN_INTERFACE_ADDRESSES, |e| {
            dom.enc(e);
            e.u32(source);
            e.u32(flags);
        })?;
        Decoder::new(&r).array(IFACES_MAX, 12, iface_addrs).map_err(decode_failed)
    });
}
