//! Node queries whose replies fill C structures or bounded arrays.

use super::call;
use super::client::REMOTE;
use super::generated::proc;
use super::wire::{decode_failed, Enc, STRING_MAX};
use crate::core::connect::Connect;
use crate::core::driver::{CpuMap, DriverTable, SecurityModel};
use crate::core::error::{Error, Result};
use crate::generated::consts::*;
use crate::util::xdr::{Decoder, XdrResult};

/// Bound of the node statistics arrays (`remote_node_get_*_stats_ret`).
const NODE_STATS_MAX: u32 = 16;
/// Bound of the per-cell arrays (`REMOTE_NODE_MAX_CELLS`).
const NODE_MAX_CELLS: u32 = 1024;
/// Bound of the CPU map (`REMOTE_CPUMAP_MAX`).
const CPUMAP_MAX: u32 = 2048;
/// Bound of the security model strings (`REMOTE_SECURITY_MODEL_MAX`,
/// `REMOTE_SECURITY_DOI_MAX`).
const SECURITY_TEXT_MAX: u32 = 257;

/// One `(field, value)` statistics list: the daemon first tells how many
/// fields it has (asked with none), then fills that many.
/// The CPU call sends the CPU number first, the memory call the count.
fn node_stats(c: &Connect, procedure: i32, num: i32, flags: u32) -> Result<Vec<(String, u64)>> {
    let ask = |n: i32| -> Result<(Vec<(String, u64)>, i32)> {
        let r = call(c, REMOTE, procedure, |e| {
            if procedure == proc::NODE_GET_MEMORY_STATS {
                e.i32(n);
                e.i32(num);
            } else {
                e.i32(num);
                e.i32(n);
            }
            e.u32(flags);
        })?;
        let mut d = Decoder::new(&r);
        let stats = d.array(NODE_STATS_MAX, 12, |d| Ok((d.string(STRING_MAX)?, d.u64()?))).map_err(decode_failed)?;
        Ok((stats, d.i32().map_err(decode_failed)?))
    };
    let (_, count) = ask(0)?;
    if count <= 0 {
        return Ok(Vec::new());
    }
    Ok(ask(count)?.0)
}

/// `char text<N>`: one XDR int per character, up to a NUL.
fn char_array(d: &mut Decoder, max: u32) -> XdrResult<String> {
    let n = d.count(max, 4)?;
    let mut text = Vec::with_capacity(n);
    for _ in 0..n {
        text.push(d.i32()? as u8);
    }
    let end = text.iter().position(|&b| b == 0).unwrap_or(text.len());
    Ok(String::from_utf8_lossy(&text[..end]).into_owned())
}

fn u64_list(r: &[u8], max: u32) -> Result<Vec<u64>> {
    Decoder::new(r).array(max, 8, |d| d.u64()).map_err(decode_failed)
}

fn too_many_cells(n: i64) -> Error {
    Error::with_detail(VIR_FROM_REMOTE, VIR_ERR_RPC, format!("too many NUMA cells: {n} > {NODE_MAX_CELLS}"))
}

pub fn install(t: &mut DriverTable) {
    t.host.node_get_cpu_stats = Some(|c, cpu, flags| node_stats(c, proc::NODE_GET_CPU_STATS, cpu, flags));
    t.host.node_get_memory_stats = Some(|c, cell, flags| node_stats(c, proc::NODE_GET_MEMORY_STATS, cell, flags));
    t.host.node_get_cpu_map = Some(|c, flags| {
        let r = call(c, REMOTE, proc::NODE_GET_CPU_MAP, |e| {
            e.i32(1);
            e.i32(1);
            e.u32(flags);
        })?;
        let mut d = Decoder::new(&r);
        let map = d.opaque(CPUMAP_MAX).map_err(decode_failed)?.to_vec();
        let online = d.u32().map_err(decode_failed)?;
        let cpus = d.i32().map_err(decode_failed)?;
        Ok(CpuMap { cpus: cpus as u32, map, online })
    });
    t.host.node_get_cells_free_memory = Some(|c, start, max| {
        if max > NODE_MAX_CELLS as i32 {
            return Err(too_many_cells(max as i64));
        }
        let r = call(c, REMOTE, proc::NODE_GET_CELLS_FREE_MEMORY, |e| {
            e.i32(start);
            e.i32(max);
        })?;
        u64_list(&r, NODE_MAX_CELLS)
    });
    t.host.node_get_free_pages = Some(|c, pages, start, count, flags| {
        let cells = pages.len() as i64 * count as i64;
        if cells > NODE_MAX_CELLS as i64 {
            return Err(too_many_cells(cells));
        }
        let r = call(c, REMOTE, proc::NODE_GET_FREE_PAGES, |e| {
            pages.enc(e);
            e.i32(start);
            e.u32(count);
            e.u32(flags);
        })?;
        u64_list(&r, NODE_MAX_CELLS)
    });
    t.host.node_get_security_model = Some(|c| {
        let r = call(c, REMOTE, proc::NODE_GET_SECURITY_MODEL, |_| {})?;
        let mut d = Decoder::new(&r);
        let model = char_array(&mut d, SECURITY_TEXT_MAX).map_err(decode_failed)?;
        let doi = char_array(&mut d, SECURITY_TEXT_MAX).map_err(decode_failed)?;
        Ok(SecurityModel { model, doi })
    });
}
