//! Per-CPU domain queries: virtual CPU placement and pinning, per-CPU
//! statistics, and memory peeking. The daemon sizes its CPU maps by the
//! map length it is sent; the slots return CPU lists, so the client asks
//! for the widest maps the protocol allows for the number of maps.

use super::call;
use super::client::REMOTE;
use super::generated::proc;
use super::wire::{decode_failed, Dec, Enc};
use crate::core::driver::{CpuStats, DriverTable, VcpuInfo};
use crate::core::error::{Error, Result};
use crate::core::objects::Domain;
use crate::core::typed_params::TypedParam;
use crate::generated::consts::*;
use crate::util::xdr::Decoder;

/// Bounds of one CPU map and of all maps of a reply (`REMOTE_CPUMAP_MAX`,
/// `REMOTE_CPUMAPS_MAX`), and of the vCPU list (`REMOTE_VCPUINFO_MAX`).
const CPUMAP_MAX: i32 = 2048;
const CPUMAPS_MAX: u32 = 8_388_608;
const VCPUINFO_MAX: u32 = 16384;
/// Bound of `remote_domain_memory_peek_ret`'s buffer.
const MEMORY_PEEK_BUFFER_MAX: usize = 4_194_304;

/// The widest map length such that `count` maps fit in one reply.
fn map_len(count: i32) -> i32 {
    (CPUMAPS_MAX as i32 / count.max(1)).clamp(1, CPUMAP_MAX)
}

/// The CPUs set in a map, lowest first.
pub(super) fn cpus_of(map: &[u8]) -> Vec<u32> {
    (0..map.len() as u32 * 8).filter(|i| map[*i as usize / 8] & (1 << (i % 8)) != 0).collect()
}

/// Map `i` of a flat run of maps `len` bytes long.
fn nth_map(maps: &[u8], i: usize, len: usize) -> Vec<u32> {
    maps.get(i * len..(i + 1) * len).map(cpus_of).unwrap_or_default()
}

fn vcpus(dom: &Domain, maxinfo: i32) -> Result<Vec<VcpuInfo>> {
    let len = map_len(maxinfo);
    let r = call(&dom.conn, REMOTE, proc::DOMAIN_GET_VCPUS, |e| {
        dom.enc(e);
        e.i32(maxinfo);
        e.i32(len);
    })?;
    let mut d = Decoder::new(&r);
    let infos = d.array(VCPUINFO_MAX, 24, |d| Ok((d.u32()?, d.i32()?, d.u64()?, d.i32()?))).map_err(decode_failed)?;
    let maps = d.opaque(CPUMAPS_MAX).map_err(decode_failed)?;
    Ok(infos
        .into_iter()
        .enumerate()
        .map(|(i, (number, state, cpu_time, cpu))| VcpuInfo {
            number,
            state,
            cpu_time,
            cpu,
            cpus: nth_map(maps, i, len as usize),
        })
        .collect())
}

fn vcpu_pin_info(dom: &Domain, ncpumaps: i32, flags: u32) -> Result<Vec<Vec<u32>>> {
    let len = map_len(ncpumaps);
    let r = call(&dom.conn, REMOTE, proc::DOMAIN_GET_VCPU_PIN_INFO, |e| {
        dom.enc(e);
        e.i32(ncpumaps);
        e.i32(len);
        e.u32(flags);
    })?;
    let mut d = Decoder::new(&r);
    let maps = d.opaque(CPUMAPS_MAX).map_err(decode_failed)?;
    let num = d.i32().map_err(decode_failed)?;
    Ok((0..num.max(0) as usize).map(|i| nth_map(maps, i, len as usize)).collect())
}

/// The daemon drops the empty slots of the sparse per-CPU array: each CPU's
/// parameters come as a run of the reply's count, put back at the CPU's
/// place (`nparams` slots per CPU) for the caller.
fn cpu_stats(dom: &Domain, nparams: u32, start: i32, ncpus: u32, flags: u32) -> Result<CpuStats> {
    let c = &dom.conn;
    let r = call(c, REMOTE, proc::DOMAIN_GET_CPU_STATS, |e| {
        dom.enc(e);
        e.u32(nparams);
        e.i32(start);
        e.u32(ncpus);
        e.u32(flags | VIR_TYPED_PARAM_STRING_OKAY as u32);
    })?;
    let mut d = Decoder::new(&r);
    let params = Vec::<TypedParam>::dec(&mut d, c)?;
    let stride = d.i32().map_err(decode_failed)?;
    let mut out = CpuStats { ret: stride, params: Vec::new() };
    if nparams == 0 || stride <= 0 {
        return Ok(out);
    }
    for (cpu, run) in params.chunks(stride as usize).enumerate() {
        for (j, p) in run.iter().enumerate() {
            out.params.push((cpu * nparams as usize + j, p.clone()));
        }
    }
    Ok(out)
}

fn memory_peek(dom: &Domain, offset: u64, size: usize, flags: u32) -> Result<Vec<u8>> {
    if size > MEMORY_PEEK_BUFFER_MAX {
        return Err(Error::with_detail(
            VIR_FROM_REMOTE,
            VIR_ERR_RPC,
            format!("memory peek request too large for remote protocol, {size} > {MEMORY_PEEK_BUFFER_MAX}"),
        ));
    }
    let r = call(&dom.conn, REMOTE, proc::DOMAIN_MEMORY_PEEK, |e| {
        dom.enc(e);
        e.u64(offset);
        e.u32(size as u32);
        e.u32(flags);
    })?;
    let buf = Decoder::new(&r).opaque(MEMORY_PEEK_BUFFER_MAX as u32).map_err(decode_failed)?.to_vec();
    if buf.len() != size {
        return Err(Error::with_detail(VIR_FROM_REMOTE, VIR_ERR_RPC, "returned buffer is not same size as requested"));
    }
    Ok(buf)
}

pub fn install(t: &mut DriverTable) {
    t.domain.domain_get_vcpus = Some(vcpus);
    t.domain.domain_get_vcpu_pin_info = Some(vcpu_pin_info);
    t.domain.domain_get_cpu_stats = Some(cpu_stats);
    t.domain.domain_memory_peek = Some(memory_peek);
}
