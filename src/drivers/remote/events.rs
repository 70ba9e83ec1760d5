//! Events over the wire. Every family's callbacks of a connection share
//! one queue (one id counter, as libvirt's client has); the first callback
//! for an event id and object enables those events at the daemon (the
//! `*_EVENT_*_REGISTER_ANY` procedures), later ones share the daemon's
//! callback id, and the last one gone disables them. Event messages carry
//! that id: they are decoded here and queued for the callbacks sharing it.

use super::client::{Client, Program, QEMU, REMOTE};
use super::generated::proc;
use super::wire::{decode_failed, STRING_MAX};
use crate::core::error::{Error, Result};
use crate::core::events::{Event, EventQueue, Family, Filter, GraphicsAddress, Relay, Subject};
use crate::core::typed_params::{TypedParam, TypedValue};
use crate::generated::consts::*;
use crate::util::rpc::Header;
use crate::util::xdr::{Decoder, Encoder, XdrResult};
use std::sync::{Arc, Weak};

/// Enables and disables events at the daemon.
struct WireRelay {
    client: Weak<Client>,
}

fn client_gone() -> Error {
    Error::with_detail(VIR_FROM_RPC, VIR_ERR_INTERNAL_ERROR, "client socket is closed")
}

/// The program, register and deregister procedures of a family.
fn procedures(family: Family) -> (Program, i32, i32) {
    if family == Family::QemuMonitor {
        return (
            QEMU,
            proc::QEMU_CONNECT_DOMAIN_MONITOR_EVENT_REGISTER,
            proc::QEMU_CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER,
        );
    }
    let (register, deregister) = match family {
        Family::Domain => {
            (proc::CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, proc::CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY)
        }
        Family::Network => (proc::CONNECT_NETWORK_EVENT_REGISTER_ANY, proc::CONNECT_NETWORK_EVENT_DEREGISTER_ANY),
        Family::StoragePool => {
            (proc::CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY, proc::CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY)
        }
        Family::NodeDevice => {
            (proc::CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY, proc::CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY)
        }
        Family::Secret | Family::QemuMonitor => {
            (proc::CONNECT_SECRET_EVENT_REGISTER_ANY, proc::CONNECT_SECRET_EVENT_DEREGISTER_ANY)
        }
    };
    (REMOTE, register, deregister)
}

/// The optional object of a registration: the daemon filters on its UUID
/// (its name for node devices); the other fields only need to be valid.
fn encode_filter(e: &mut Encoder, family: Family, filter: &Filter) {
    let (uuid, name) = match filter {
        Filter::All => {
            e.bool(false);
            return;
        }
        Filter::Monitor { uuid, event, flags } => {
            e.optional(uuid.as_ref(), |e, u| {
                e.string("");
                e.fixed_opaque(u);
                e.i32(-1);
            });
            e.optional(event.as_deref(), |e, s| e.string(s));
            e.u32(*flags);
            return;
        }
        Filter::Uuid(u) => (*u, ""),
        Filter::Name(n) => ([0u8; 16], n.as_str()),
    };
    e.bool(true);
    match family {
        Family::Domain | Family::QemuMonitor => {
            e.string(name);
            e.fixed_opaque(&uuid);
            e.i32(-1);
        }
        Family::Network | Family::StoragePool => {
            e.string(name);
            e.fixed_opaque(&uuid);
        }
        Family::NodeDevice => e.string(name),
        Family::Secret => {
            e.fixed_opaque(&uuid);
            e.i32(0);
            e.string(name);
        }
    }
}

impl Relay for WireRelay {
    fn enable(&self, family: Family, event_id: i32, filter: &Filter) -> Result<i32> {
        let client = self.client.upgrade().ok_or_else(client_gone)?;
        let (prog, register, _) = procedures(family);
        // the events come between calls too: someone must read them
        client.listen(true);
        let r = client
            .call(prog, register, |e| {
                if family != Family::QemuMonitor {
                    e.i32(event_id);
                }
                encode_filter(e, family, filter);
            })
            .and_then(|r| Decoder::new(&r).i32().map_err(decode_failed));
        if r.is_err() {
            client.listen(false);
        }
        r
    }

    fn disable(&self, family: Family, remote: i32) -> Result<()> {
        let client = self.client.upgrade().ok_or_else(client_gone)?;
        let (prog, _, deregister) = procedures(family);
        let r = client.call(prog, deregister, |e| e.i32(remote));
        client.listen(false);
        r.map(|_| ())
    }
}

/// The connection's event queue, fed by the daemon's event messages.
pub fn start(client: &Arc<Client>) -> EventQueue {
    let queue = EventQueue::relayed(Arc::new(WireRelay { client: Arc::downgrade(client) }));
    let q = queue.clone();
    client.set_handler(Arc::new(move |h: &Header, payload: &[u8]| {
        let decoded = match h.program {
            p if p == REMOTE.number => decode(h.procedure, &mut Decoder::new(payload)),
            p if p == QEMU.number && h.procedure == proc::QEMU_DOMAIN_MONITOR_EVENT => {
                decode_monitor(&mut Decoder::new(payload)).map(Some)
            }
            _ => return,
        };
        if let Ok(Some((remote, ev))) = decoded {
            q.queue_from(ev, remote);
        }
    }));
    queue
}

fn s(d: &mut Decoder) -> XdrResult<String> {
    d.string(STRING_MAX)
}

fn opt_s(d: &mut Decoder) -> XdrResult<Option<String>> {
    if d.bool()? {
        s(d).map(Some)
    } else {
        Ok(None)
    }
}

fn uuid(d: &mut Decoder) -> XdrResult<[u8; 16]> {
    let mut u = [0u8; 16];
    u.copy_from_slice(d.fixed_opaque(16)?);
    Ok(u)
}

fn domain(d: &mut Decoder) -> XdrResult<Subject> {
    Ok(Subject { name: s(d)?, uuid: uuid(d)?, id: d.i32()? })
}

fn named(d: &mut Decoder) -> XdrResult<Subject> {
    Ok(Subject { name: s(d)?, uuid: uuid(d)?, id: -1 })
}

fn device(d: &mut Decoder) -> XdrResult<Subject> {
    Ok(Subject { name: s(d)?, uuid: [0; 16], id: -1 })
}

fn secret(d: &mut Decoder) -> XdrResult<Subject> {
    let uuid = uuid(d)?;
    let _usage_type = d.i32()?;
    Ok(Subject { name: s(d)?, uuid, id: -1 })
}

fn address(d: &mut Decoder) -> XdrResult<GraphicsAddress> {
    Ok(GraphicsAddress { family: d.i32()?, node: s(d)?, service: s(d)? })
}

fn params(d: &mut Decoder) -> XdrResult<Vec<TypedParam>> {
    let n = d.count(crate::util::xdr::UNBOUNDED, 4)?;
    (0..n)
        .map(|_| {
            let field = s(d)?;
            let value = match d.i32()? {
                1 => TypedValue::Int(d.i32()?),
                2 => TypedValue::UInt(d.u32()?),
                3 => TypedValue::LLong(d.i64()?),
                4 => TypedValue::ULLong(d.u64()?),
                5 => TypedValue::Double(d.f64()?),
                6 => TypedValue::Boolean(d.i32()? != 0),
                7 => TypedValue::String(s(d)?),
                k => return Err(crate::util::xdr::XdrError(format!("unknown parameter type {k}"))),
            };
            Ok(TypedParam { field, value })
        })
        .collect()
}

/// A QEMU monitor event message: the daemon's callback id and the event.
fn decode_monitor(d: &mut Decoder) -> XdrResult<(i32, Event)> {
    let id = d.i32()?;
    let ev = Event::QemuMonitor {
        domain: domain(d)?,
        event: s(d)?,
        seconds: d.i64()?,
        micros: d.u32()?,
        details: opt_s(d)?,
    };
    Ok((id, ev))
}

/// An event message: the daemon's callback id and the event; `None` for
/// procedures that are not events of a callback.
fn decode(procedure: i32, d: &mut Decoder) -> XdrResult<Option<(i32, Event)>> {
    use Event::*;
    let id = d.i32()?;
    let ev = match procedure {
        proc::DOMAIN_EVENT_CALLBACK_LIFECYCLE => {
            DomainLifecycle { domain: domain(d)?, event: d.i32()?, detail: d.i32()? }
        }
        proc::DOMAIN_EVENT_CALLBACK_REBOOT => DomainReboot { domain: domain(d)? },
        proc::DOMAIN_EVENT_CALLBACK_RTC_CHANGE => DomainRtcChange { domain: domain(d)?, utc_offset: d.i64()? },
        proc::DOMAIN_EVENT_CALLBACK_WATCHDOG => DomainWatchdog { domain: domain(d)?, action: d.i32()? },
        proc::DOMAIN_EVENT_CALLBACK_IO_ERROR => DomainIoError {
            domain: domain(d)?,
            src_path: s(d)?,
            dev_alias: s(d)?,
            action: d.i32()?,
            reason: String::new(),
        },
        proc::DOMAIN_EVENT_CALLBACK_IO_ERROR_REASON => {
            DomainIoError { domain: domain(d)?, src_path: s(d)?, dev_alias: s(d)?, action: d.i32()?, reason: s(d)? }
        }
        proc::DOMAIN_EVENT_CALLBACK_GRAPHICS => {
            let domain = domain(d)?;
            let phase = d.i32()?;
            let local = address(d)?;
            let remote = address(d)?;
            let auth_scheme = s(d)?;
            let n = d.count(crate::util::xdr::UNBOUNDED, 8)?;
            let identities = (0..n).map(|_| Ok((s(d)?, s(d)?))).collect::<XdrResult<Vec<_>>>()?;
            DomainGraphics { domain, phase, local, remote, auth_scheme, identities }
        }
        proc::DOMAIN_EVENT_CALLBACK_CONTROL_ERROR => DomainControlError { domain: domain(d)? },
        proc::DOMAIN_EVENT_CALLBACK_BLOCK_JOB => {
            DomainBlockJob { domain: domain(d)?, disk: s(d)?, job_type: d.i32()?, status: d.i32()?, by_target: false }
        }
        proc::DOMAIN_EVENT_BLOCK_JOB_2 => {
            DomainBlockJob { domain: domain(d)?, disk: s(d)?, job_type: d.i32()?, status: d.i32()?, by_target: true }
        }
        proc::DOMAIN_EVENT_CALLBACK_DISK_CHANGE => DomainDiskChange {
            domain: domain(d)?,
            old_src: opt_s(d)?,
            new_src: opt_s(d)?,
            dev_alias: s(d)?,
            reason: d.i32()?,
        },
        proc::DOMAIN_EVENT_CALLBACK_TRAY_CHANGE => {
            DomainTrayChange { domain: domain(d)?, dev_alias: s(d)?, reason: d.i32()? }
        }
        proc::DOMAIN_EVENT_CALLBACK_PMWAKEUP => {
            let reason = d.i32()?;
            DomainPmWakeup { reason, domain: domain(d)? }
        }
        proc::DOMAIN_EVENT_CALLBACK_PMSUSPEND => {
            let reason = d.i32()?;
            DomainPmSuspend { reason, domain: domain(d)? }
        }
        proc::DOMAIN_EVENT_CALLBACK_PMSUSPEND_DISK => {
            let reason = d.i32()?;
            DomainPmSuspendDisk { reason, domain: domain(d)? }
        }
        proc::DOMAIN_EVENT_CALLBACK_BALLOON_CHANGE => DomainBalloonChange { domain: domain(d)?, actual_kib: d.u64()? },
        proc::DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED => DomainDeviceRemoved { domain: domain(d)?, dev_alias: s(d)? },
        proc::DOMAIN_EVENT_CALLBACK_TUNABLE => DomainTunable { domain: domain(d)?, params: params(d)? },
        proc::DOMAIN_EVENT_CALLBACK_AGENT_LIFECYCLE => {
            DomainAgentLifecycle { domain: domain(d)?, state: d.i32()?, reason: d.i32()? }
        }
        proc::DOMAIN_EVENT_CALLBACK_DEVICE_ADDED => DomainDeviceAdded { domain: domain(d)?, dev_alias: s(d)? },
        proc::DOMAIN_EVENT_CALLBACK_MIGRATION_ITERATION => {
            DomainMigrationIteration { domain: domain(d)?, iteration: d.i32()? }
        }
        proc::DOMAIN_EVENT_CALLBACK_JOB_COMPLETED => DomainJobCompleted { domain: domain(d)?, params: params(d)? },
        proc::DOMAIN_EVENT_CALLBACK_DEVICE_REMOVAL_FAILED => {
            DomainDeviceRemovalFailed { domain: domain(d)?, dev_alias: s(d)? }
        }
        proc::DOMAIN_EVENT_CALLBACK_METADATA_CHANGE => {
            DomainMetadataChange { domain: domain(d)?, kind: d.i32()?, nsuri: opt_s(d)? }
        }
        proc::DOMAIN_EVENT_BLOCK_THRESHOLD => DomainBlockThreshold {
            domain: domain(d)?,
            dev: s(d)?,
            path: opt_s(d)?,
            threshold: d.u64()?,
            excess: d.u64()?,
        },
        proc::DOMAIN_EVENT_MEMORY_FAILURE => {
            DomainMemoryFailure { domain: domain(d)?, recipient: d.i32()?, action: d.i32()?, flags: d.u32()? }
        }
        proc::DOMAIN_EVENT_MEMORY_DEVICE_SIZE_CHANGE => {
            DomainMemoryDeviceSizeChange { domain: domain(d)?, alias: s(d)?, size_kib: d.u64()? }
        }
        proc::NETWORK_EVENT_LIFECYCLE => NetworkLifecycle { network: named(d)?, event: d.i32()?, detail: d.i32()? },
        proc::STORAGE_POOL_EVENT_LIFECYCLE => {
            StoragePoolLifecycle { pool: named(d)?, event: d.i32()?, detail: d.i32()? }
        }
        proc::STORAGE_POOL_EVENT_REFRESH => StoragePoolRefresh { pool: named(d)? },
        proc::NODE_DEVICE_EVENT_LIFECYCLE => {
            NodeDeviceLifecycle { device: device(d)?, event: d.i32()?, detail: d.i32()? }
        }
        proc::NODE_DEVICE_EVENT_UPDATE => NodeDeviceUpdate { device: device(d)? },
        proc::SECRET_EVENT_LIFECYCLE => SecretLifecycle { secret: secret(d)?, event: d.i32()?, detail: d.i32()? },
        proc::SECRET_EVENT_VALUE_CHANGED => SecretValueChanged { secret: secret(d)? },
        _ => return Ok(None),
    };
    Ok(Some((id, ev)))
}

/// Every family's callbacks go to the connection's queue.
pub fn install(t: &mut crate::core::driver::DriverTable) {
    fn queue(c: &crate::core::connect::Connect) -> Result<EventQueue> {
        Ok(super::remote(c)?.events.clone())
    }
    t.events.domain_events = Some(queue);
    t.events.network_events = Some(queue);
    t.events.storage_pool_events = Some(queue);
    t.events.node_device_events = Some(queue);
    t.events.secret_events = Some(queue);
    t.events.qemu_monitor_events = Some(queue);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_and_pool_messages_decode() {
        let mut e = Encoder::new();
        e.i32(7);
        e.string("vm");
        e.fixed_opaque(&[3u8; 16]);
        e.i32(4);
        e.i32(2);
        e.i32(1);
        let b = e.into_vec();
        let (id, ev) = decode(proc::DOMAIN_EVENT_CALLBACK_LIFECYCLE, &mut Decoder::new(&b)).unwrap().unwrap();
        assert_eq!(id, 7);
        let want = Subject { name: "vm".into(), uuid: [3; 16], id: 4 };
        assert_eq!(ev, Event::DomainLifecycle { domain: want, event: 2, detail: 1 });
        let mut e = Encoder::new();
        e.i32(1);
        e.string("p");
        e.fixed_opaque(&[1u8; 16]);
        let b = e.into_vec();
        let (_, ev) = decode(proc::STORAGE_POOL_EVENT_REFRESH, &mut Decoder::new(&b)).unwrap().unwrap();
        assert_eq!(ev.family(), Family::StoragePool);
        assert!(decode(proc::CONNECT_OPEN, &mut Decoder::new(&b)).unwrap().is_none());
    }
}
