//! Slots whose wire layout is not mechanical: answers the client computes
//! itself, replies of several members, and public functions that share one
//! slot but have a procedure each (the plain one is used when no flag is set).

use super::client::{close_all, Program, LXC, QEMU, REMOTE};
use super::generated::proc;
use super::wire::{decode_failed, Dec, Enc};
use super::{call, remote};
use crate::core::connect::Connect;
use crate::core::driver::{BlockJobInfo, Destroy, DomainInfo, DriverTable, JobInfo, NodeInfo};
use crate::core::error::{Error, Result};
use crate::core::migration::Feature;
use crate::core::objects::{Domain, StorageVol};
use crate::generated::consts::*;
use crate::util::xdr::{Decoder, Encoder};

/// Bound of `remote_connect_list_domains`' reply.
const DOMAIN_LIST_MAX: i32 = 16384;

fn is_secure(c: &Connect) -> Result<bool> {
    let r = call(c, REMOTE, proc::CONNECT_IS_SECURE, |_| {})?;
    Ok(Decoder::new(&r).i32().map_err(decode_failed)? != 0)
}

/// A domain call with flags: the plain procedure without flags, as the
/// flag-less public function would use.
fn dom_flags(d: &Domain, flags: u32, plain: i32, with_flags: i32) -> Result<()> {
    if flags == 0 {
        call(&d.conn, REMOTE, plain, |e| d.enc(e))?;
    } else {
        call(&d.conn, REMOTE, with_flags, |e| {
            d.enc(e);
            e.u32(flags);
        })?;
    }
    Ok(())
}

/// Starts a defined domain; the handle takes the new id. The plain call's
/// reply carries nothing, so (like libvirt's client) the id comes from a
/// lookup by UUID; the flagged call's reply carries the domain.
fn domain_create(d: &Domain, flags: u32) -> Result<()> {
    let started = if flags == 0 {
        call(&d.conn, REMOTE, proc::DOMAIN_CREATE, |e| d.enc(e))?;
        call(&d.conn, REMOTE, proc::DOMAIN_LOOKUP_BY_UUID, |e| d.uuid.enc(e))?
    } else {
        call(&d.conn, REMOTE, proc::DOMAIN_CREATE_WITH_FLAGS, |e| {
            d.enc(e);
            e.u32(flags);
        })?
    };
    d.id.set(super::reply::<Domain>(&d.conn, &started)?.id.get());
    Ok(())
}

fn node_info(c: &Connect) -> Result<NodeInfo> {
    let r = call(c, REMOTE, proc::NODE_GET_INFO, |_| {})?;
    let mut d = Decoder::new(&r);
    let x = |d: &mut Decoder| d.i32().map_err(decode_failed);
    // `char model[32]`: one XDR int per character
    let mut model = Vec::new();
    for _ in 0..32 {
        model.push(x(&mut d)? as u8);
    }
    let end = model.iter().position(|&b| b == 0).unwrap_or(model.len());
    Ok(NodeInfo {
        model: String::from_utf8_lossy(&model[..end]).into_owned(),
        memory_kib: d.u64().map_err(decode_failed)?,
        cpus: x(&mut d)? as u32,
        mhz: x(&mut d)? as u32,
        nodes: x(&mut d)? as u32,
        sockets: x(&mut d)? as u32,
        cores: x(&mut d)? as u32,
        threads: x(&mut d)? as u32,
    })
}

fn domain_info(dom: &Domain) -> Result<DomainInfo> {
    let r = call(&dom.conn, REMOTE, proc::DOMAIN_GET_INFO, |e| dom.enc(e))?;
    let mut d = Decoder::new(&r);
    Ok(DomainInfo {
        state: d.u32().map_err(decode_failed)? as u8,
        max_mem_kib: d.u64().map_err(decode_failed)?,
        memory_kib: d.u64().map_err(decode_failed)?,
        nr_virt_cpu: d.u32().map_err(decode_failed)? as u16,
        cpu_time_ns: d.u64().map_err(decode_failed)?,
    })
}

/// A call passing descriptors; the reply payload and the descriptors back.
fn call_fds(
    c: &Connect,
    prog: Program,
    procedure: i32,
    fds: &[i32],
    args: impl FnOnce(&mut Encoder),
) -> Result<(Vec<u8>, Vec<i32>)> {
    remote(c)?.client.call_with_fds(prog, procedure, fds, args)
}

/// A call passing descriptors whose reply carries none.
fn call_fds_in(
    c: &Connect,
    prog: Program,
    procedure: i32,
    fds: &[i32],
    args: impl FnOnce(&mut Encoder),
) -> Result<Vec<u8>> {
    let (payload, back) = call_fds(c, prog, procedure, fds, args)?;
    close_all(&back);
    Ok(payload)
}

fn install_descriptors(t: &mut DriverTable) {
    t.descriptors.domain_create_xml_with_files = Some(|c, xml, fds, flags| {
        let r = call_fds_in(c, REMOTE, proc::DOMAIN_CREATE_XML_WITH_FILES, fds, |e| {
            xml.enc(e);
            e.u32(flags);
        })?;
        super::reply::<Domain>(c, &r)
    });
    t.descriptors.domain_create_with_files = Some(|d, fds, flags| {
        call_fds_in(&d.conn, REMOTE, proc::DOMAIN_CREATE_WITH_FILES, fds, |e| {
            d.enc(e);
            e.u32(flags);
        })?;
        Ok(())
    });
    t.descriptors.domain_fd_associate = Some(|d, name, fds, flags| {
        call_fds_in(&d.conn, REMOTE, proc::DOMAIN_FD_ASSOCIATE, fds, |e| {
            d.enc(e);
            name.enc(e);
            e.u32(flags);
        })?;
        Ok(())
    });
    t.descriptors.domain_open_graphics = Some(|d, idx, fd, flags| {
        call_fds_in(&d.conn, REMOTE, proc::DOMAIN_OPEN_GRAPHICS, &[fd], |e| {
            d.enc(e);
            e.u32(idx);
            e.u32(flags);
        })?;
        Ok(())
    });
    t.descriptors.domain_open_graphics_fd = Some(|d, idx, flags| {
        let (_, fds) = call_fds(&d.conn, REMOTE, proc::DOMAIN_OPEN_GRAPHICS_FD, &[], |e| {
            d.enc(e);
            e.u32(idx);
            e.u32(flags);
        })?;
        match fds.as_slice() {
            [fd] => Ok(*fd),
            _ => {
                close_all(&fds);
                Err(Error::with_detail(VIR_FROM_REMOTE, VIR_ERR_INTERNAL_ERROR, "no file descriptor received"))
            }
        }
    });
    t.descriptors.domain_lxc_open_namespace = Some(|d, flags| {
        let (_, fds) = call_fds(&d.conn, LXC, proc::LXC_DOMAIN_OPEN_NAMESPACE, &[], |e| {
            d.enc(e);
            e.u32(flags);
        })?;
        Ok(fds)
    });
    t.descriptors.domain_qemu_monitor_command_with_files = Some(|d, cmd, fds, flags| {
        let (r, back) = call_fds(&d.conn, QEMU, proc::QEMU_DOMAIN_MONITOR_COMMAND_WITH_FILES, fds, |e| {
            d.enc(e);
            cmd.enc(e);
            e.u32(flags);
        })?;
        match super::reply::<String>(&d.conn, &r) {
            Ok(s) => Ok((s, back)),
            Err(e) => {
                close_all(&back);
                Err(e)
            }
        }
    });
}

/// `VIR_DRV_FEATURE_*` numbers the daemon is asked about.
const FEATURE_MIGRATION_P2P: i32 = 4;
const FEATURE_MIGRATION_DIRECT: i32 = 5;
const FEATURE_PROGRAM_KEEPALIVE: i32 = 10;
const FEATURE_MIGRATION_OFFLINE: i32 = 12;
const FEATURE_MIGRATION_PARAMS: i32 = 13;

/// Whether the application registered an event loop (virEventRegister*Impl).
/// The library has no event loop yet, so never; the pinger (client.rs) is
/// ready for when it does.
fn event_loop_registered() -> bool {
    crate::core::event_loop::is_registered()
}

fn supports_feature(c: &Connect, feature: i32) -> Result<bool> {
    let r = call(c, REMOTE, proc::CONNECT_SUPPORTS_FEATURE, |e| e.i32(feature))?;
    Ok(Decoder::new(&r).i32().map_err(decode_failed)? != 0)
}

pub fn install(t: &mut DriverTable) {
    install_descriptors(t);
    install_domain_queries(t);
    t.migration.connect_supports_feature = Some(|c, f| {
        supports_feature(
            c,
            match f {
                Feature::Offline => FEATURE_MIGRATION_OFFLINE,
                Feature::PeerToPeer => FEATURE_MIGRATION_P2P,
                Feature::Direct => FEATURE_MIGRATION_DIRECT,
                Feature::Params => FEATURE_MIGRATION_PARAMS,
            },
        )
    });
    // libvirt pings only from an application's event loop: without one it
    // refuses; 1 when the daemon cannot do keepalive
    t.events.connect_set_keep_alive = Some(|c, interval, count| {
        if !event_loop_registered() {
            return Err(Error::with_detail(
                VIR_FROM_REMOTE,
                VIR_ERR_INTERNAL_ERROR,
                "the caller doesn't support keepalive protocol; perhaps it's missing event loop implementation",
            ));
        }
        if !supports_feature(c, FEATURE_PROGRAM_KEEPALIVE)? {
            return Ok(1);
        }
        remote(c)?.client.set_keepalive(interval, count);
        Ok(0)
    });
    t.api.storage_vol_create_xml_from = Some(|pool, xml, clone, flags| {
        let clone = clone.ok_or_else(|| Error::invalid_arg("clonevol must not be NULL"))?;
        let r = call(&pool.conn, REMOTE, proc::STORAGE_VOL_CREATE_XML_FROM, |e| {
            pool.enc(e);
            xml.enc(e);
            clone.enc(e);
            e.u32(flags);
        })?;
        super::reply::<StorageVol>(&pool.conn, &r)
    });
    // asked once, as libvirt's client does (it still answers once the
    // daemon is gone)
    t.host.connect_get_type = Some(|c| {
        let r = remote(c)?;
        if let Some(t) = r.kind.get() {
            return Ok(t.clone());
        }
        let reply = call(c, REMOTE, proc::CONNECT_GET_TYPE, |_| {})?;
        let kind = super::reply::<String>(c, &reply)?;
        Ok(r.kind.get_or_init(|| kind).clone())
    });
    t.host.connect_is_alive = Some(|c| Ok(remote(c)?.client.is_alive()));
    // the transport must be secure too (UNIX sockets, TLS and SSH are)
    t.host.connect_is_secure = Some(|c| Ok(is_secure(c)? && remote(c)?.secure_link()));
    // encrypted only when the transport encrypts
    t.host.connect_is_encrypted = Some(|c| {
        let secure = is_secure(c)?;
        Ok(secure && remote(c)?.encrypted())
    });
    t.host.node_get_info = Some(node_info);
    t.domain.domain_get_info = Some(domain_info);
    t.domain.domain_get_state = Some(|dom, flags| {
        let r = call(&dom.conn, REMOTE, proc::DOMAIN_GET_STATE, |e| {
            dom.enc(e);
            e.u32(flags);
        })?;
        let mut d = Decoder::new(&r);
        Ok((d.i32().map_err(decode_failed)?, d.i32().map_err(decode_failed)?))
    });
    t.domain.connect_list_domains = Some(|c, max| {
        let r = call(c, REMOTE, proc::CONNECT_LIST_DOMAINS, |e| e.i32(max.clamp(0, DOMAIN_LIST_MAX)))?;
        super::reply::<Vec<i32>>(c, &r)
    });
    t.domain.domain_undefine = Some(|d, f| dom_flags(d, f, proc::DOMAIN_UNDEFINE, proc::DOMAIN_UNDEFINE_FLAGS));
    t.domain.domain_destroy = Some(|d, how| {
        match how {
            // as libvirt's client does, only the flagless call makes the
            // handle forget the id of the stopped domain
            Destroy::Plain => {
                call(&d.conn, REMOTE, proc::DOMAIN_DESTROY, |e| d.enc(e))?;
                d.id.set(-1);
            }
            Destroy::Flags(f) => {
                call(&d.conn, REMOTE, proc::DOMAIN_DESTROY_FLAGS, |e| {
                    d.enc(e);
                    e.u32(f);
                })?;
            }
        }
        Ok(())
    });
    t.domain.domain_shutdown = Some(|d, f| dom_flags(d, f, proc::DOMAIN_SHUTDOWN, proc::DOMAIN_SHUTDOWN_FLAGS));
    t.api.domain_rename = Some(|d, name, f| {
        let r = call(&d.conn, REMOTE, proc::DOMAIN_RENAME, |e| {
            d.enc(e);
            Some(name).enc(e);
            e.u32(f);
        })?;
        let rc = super::reply::<i32>(&d.conn, &r)?;
        // as libvirt's client does, the handle takes the new name
        d.renamed.set(name);
        Ok(rc)
    });
    t.domain.domain_create = Some(domain_create);
    t.domain.domain_define_xml = Some(|c, xml, f| {
        let r = if f == 0 {
            call(c, REMOTE, proc::DOMAIN_DEFINE_XML, |e| xml.enc(e))?
        } else {
            call(c, REMOTE, proc::DOMAIN_DEFINE_XML_FLAGS, |e| {
                xml.enc(e);
                e.u32(f);
            })?
        };
        super::reply::<Domain>(c, &r)
    });
}

/// Bound of `remote_domain_block_peek_ret`'s buffer.
const BLOCK_PEEK_BUFFER_MAX: usize = 4_194_304;

/// `remote_domain_get_security_label_ret`: the label (`char label<>`, one
/// XDR int per character) and whether it is enforced.
fn security_label(d: &mut Decoder) -> crate::util::xdr::XdrResult<(String, i32)> {
    let n = d.count(4097, 4)?;
    let mut label = Vec::with_capacity(n);
    for _ in 0..n {
        label.push(d.i32()? as u8);
    }
    let end = label.iter().position(|&b| b == 0).unwrap_or(label.len());
    Ok((String::from_utf8_lossy(&label[..end]).into_owned(), d.i32()?))
}

/// Domain queries whose replies fill C structures or buffers.
fn install_domain_queries(t: &mut DriverTable) {
    t.domain.domain_get_security_label = Some(|dom| {
        let r = call(&dom.conn, REMOTE, proc::DOMAIN_GET_SECURITY_LABEL, |e| dom.enc(e))?;
        security_label(&mut Decoder::new(&r)).map_err(decode_failed)
    });
    t.domain.domain_get_job_info = Some(|dom| {
        let r = call(&dom.conn, REMOTE, proc::DOMAIN_GET_JOB_INFO, |e| dom.enc(e))?;
        let mut d = Decoder::new(&r);
        let kind = d.i32().map_err(decode_failed)?;
        let mut counters = [0u64; 11];
        for c in counters.iter_mut() {
            *c = d.u64().map_err(decode_failed)?;
        }
        Ok(JobInfo { kind, counters })
    });
    t.domain.domain_get_job_stats = Some(|dom, flags| {
        let c = &dom.conn;
        let r = call(c, REMOTE, proc::DOMAIN_GET_JOB_STATS, |e| {
            dom.enc(e);
            e.u32(flags);
        })?;
        let mut d = Decoder::new(&r);
        let kind = d.i32().map_err(decode_failed)?;
        Ok((kind, Dec::dec(&mut d, c)?))
    });
    t.domain.domain_get_block_job_info = Some(|dom, disk, flags| {
        let r = call(&dom.conn, REMOTE, proc::DOMAIN_GET_BLOCK_JOB_INFO, |e| {
            dom.enc(e);
            disk.enc(e);
            e.u32(flags);
        })?;
        let mut d = Decoder::new(&r);
        let found = d.i32().map_err(decode_failed)?;
        let kind = d.i32().map_err(decode_failed)?;
        let mut u = || d.u64().map_err(decode_failed);
        let info = BlockJobInfo { kind, bandwidth: u()?, cur: u()?, end: u()? };
        Ok((found != 0).then_some(info))
    });
    t.domain.domain_get_guest_vcpus = Some(|dom, flags| {
        let c = &dom.conn;
        let r = call(c, REMOTE, proc::DOMAIN_GET_GUEST_VCPUS, |e| {
            dom.enc(e);
            e.u32(flags);
        })?;
        super::reply(c, &r)
    });
    t.domain.domain_get_security_label_list = Some(|dom| {
        let r = call(&dom.conn, REMOTE, proc::DOMAIN_GET_SECURITY_LABEL_LIST, |e| dom.enc(e))?;
        let mut d = Decoder::new(&r);
        let labels = d.array(64, 8, security_label).map_err(decode_failed)?;
        // the daemon reports a failed listing as a count, with no error
        if d.i32().map_err(decode_failed)? < 0 {
            return Err(Error::unknown_cause());
        }
        Ok(labels)
    });
    t.domain.domain_block_peek = Some(|dom, disk, offset, size, flags| {
        if size > BLOCK_PEEK_BUFFER_MAX {
            return Err(Error::with_detail(
                VIR_FROM_REMOTE,
                VIR_ERR_RPC,
                format!("block peek request too large for remote protocol, {size} > {BLOCK_PEEK_BUFFER_MAX}"),
            ));
        }
        let r = call(&dom.conn, REMOTE, proc::DOMAIN_BLOCK_PEEK, |e| {
            dom.enc(e);
            disk.enc(e);
            e.u64(offset);
            e.u32(size as u32);
            e.u32(flags);
        })?;
        let buf = Decoder::new(&r).opaque(BLOCK_PEEK_BUFFER_MAX as u32).map_err(decode_failed)?.to_vec();
        if buf.len() != size {
            return Err(Error::with_detail(
                VIR_FROM_REMOTE,
                VIR_ERR_RPC,
                "returned buffer is not same size as requested",
            ));
        }
        Ok(buf)
    });
}
