//! Domain calls whose replies carry several members or records: scheduler
//! type, guest time, the bulk statistics of several domains, and calls
//! whose handle bookkeeping differs from the generated glue.

use super::call;
use super::client::REMOTE;
use super::generated::proc;
use super::wire::{decode_failed, Dec, Enc};
use crate::core::connect::Connect;
use crate::core::driver::DriverTable;
use crate::core::error::Result;
use crate::core::objects::Domain;
use crate::core::typed_params::TypedParam;
use crate::util::xdr::Decoder;

/// One statistics record per domain.
type StatsRecords = Vec<(Domain, Vec<TypedParam>)>;

/// `remote_connect_get_all_domain_stats`: all domains when `doms` is empty.
fn all_stats(c: &Connect, doms: &[Domain], stats: u32, flags: u32) -> Result<StatsRecords> {
    let r = call(c, REMOTE, proc::CONNECT_GET_ALL_DOMAIN_STATS, |e| {
        doms.enc(e);
        e.u32(stats);
        e.u32(flags);
    })?;
    let mut d = Decoder::new(&r);
    let n = d.count(crate::util::xdr::UNBOUNDED, 4).map_err(decode_failed)?;
    (0..n).map(|_| Ok((Domain::dec(&mut d, c)?, Vec::<TypedParam>::dec(&mut d, c)?))).collect()
}

pub fn install(t: &mut DriverTable) {
    t.domain.domain_get_scheduler_type = Some(|dom| {
        let c = &dom.conn;
        let r = call(c, REMOTE, proc::DOMAIN_GET_SCHEDULER_TYPE, |e| dom.enc(e))?;
        let mut d = Decoder::new(&r);
        Ok((String::dec(&mut d, c)?, i32::dec(&mut d, c)?))
    });
    t.domain.domain_get_time = Some(|dom, flags| {
        let r = call(&dom.conn, REMOTE, proc::DOMAIN_GET_TIME, |e| {
            dom.enc(e);
            e.u32(flags);
        })?;
        let mut d = Decoder::new(&r);
        Ok((d.i64().map_err(decode_failed)?, d.u32().map_err(decode_failed)?))
    });
    t.domain.connect_get_all_domain_stats = Some(|c, stats, flags| all_stats(c, &[], stats, flags));
    t.domain.domain_list_get_stats = Some(|doms, stats, flags| match doms.first() {
        Some(first) => all_stats(&first.conn, doms, stats, flags),
        None => Ok(Vec::new()),
    });
    // as libvirt's client does, the plain save calls (not virDomainSaveFlags)
    // make the handle forget the id of the domain they stopped
    t.api.domain_save = Some(|d, path| {
        call(&d.conn, REMOTE, proc::DOMAIN_SAVE, |e| {
            d.enc(e);
            path.enc(e);
        })?;
        d.id.set(-1);
        Ok(0)
    });
    t.api.domain_managed_save = Some(|d, flags| {
        call(&d.conn, REMOTE, proc::DOMAIN_MANAGED_SAVE, |e| {
            d.enc(e);
            e.u32(flags);
        })?;
        d.id.set(-1);
        Ok(0)
    });
    // libvirt's client sends the flagged procedure for virDomainSetMemoryFlags
    // whatever the flags; virDomainSetMemory reaches the slot as "live", the
    // meaning the daemon gives its own procedure
    t.domain.domain_set_memory = Some(|d, mem, f| {
        if f == crate::generated::consts::VIR_DOMAIN_AFFECT_LIVE as u32 {
            call(&d.conn, REMOTE, proc::DOMAIN_SET_MEMORY, |e| {
                d.enc(e);
                e.u64(mem);
            })?;
        } else {
            call(&d.conn, REMOTE, proc::DOMAIN_SET_MEMORY_FLAGS, |e| {
                d.enc(e);
                e.u64(mem);
                e.u32(f);
            })?;
        }
        Ok(())
    });
}
