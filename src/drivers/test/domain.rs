//! The test driver's domains: listing, lookup, definition and the
//! lifecycle (start, stop, pause), with libvirt's state reasons, errors
//! and lifecycle events. Tuning lives in `domain_tune`, the rest of the
//! domain calls in `domain_misc`.

use super::domain_state::{Added, DomObj, DomainStore, Ident};
use super::*;
use crate::conf::domain::devices::net;
use crate::conf::domain::DomainDef;
use crate::conf::schema::{self, Schema};
use crate::core::driver::{Destroy, DomainInfo, DomainTable, DriverTable};
use crate::core::objects::{DomId, Domain};
use crate::core::uuid::{self, Uuid};
use parking_lot::MutexGuard;
use std::collections::HashSet;

pub(super) fn store(c: &Connect) -> MutexGuard<'_, DomainStore> {
    st(c).domains.lock()
}

pub(super) fn handle(c: &Connect, o: &DomObj) -> Domain {
    Domain {
        conn: c.clone(),
        name: o.def.name.clone(),
        uuid: o.def.uuid,
        id: DomId::new(o.id),
        renamed: Default::default(),
    }
}

/// A handle from the store's identity table (lookups and listings).
fn handle_of(c: &Connect, i: &Ident) -> Domain {
    Domain {
        conn: c.clone(),
        name: i.name().to_string(),
        uuid: i.uuid,
        id: DomId::new(i.id),
        renamed: Default::default(),
    }
}

/// Lookups that find nothing.
fn not_found() -> Error {
    Error::new(VIR_FROM_TEST, VIR_ERR_NO_DOMAIN, None)
}

/// A handle whose domain is gone.
pub(super) fn missing(d: &Domain) -> Error {
    Error::with_detail(
        VIR_FROM_TEST,
        VIR_ERR_NO_DOMAIN,
        format!("no domain with matching uuid '{}' ({})", uuid::format(&d.uuid), d.name),
    )
}

/// Runs `f` on the handle's domain, keeping the store's indexes in step.
pub(super) fn with_obj<T>(d: &Domain, f: impl FnOnce(&mut DomObj) -> Result<T>) -> Result<T> {
    let mut s = store(&d.conn);
    s.update(&d.uuid, f).unwrap_or_else(|| Err(missing(d)))
}

/// Runs `f` with the whole store and the handle's domain UUID, once the
/// domain is known to exist.
pub(super) fn with_store<T>(d: &Domain, f: impl FnOnce(&mut DomainStore, Uuid) -> Result<T>) -> Result<T> {
    let mut s = store(&d.conn);
    if s.get(&d.uuid).is_none() {
        return Err(missing(d));
    }
    f(&mut s, d.uuid)
}

pub(super) fn not_running() -> Error {
    Error::with_detail(VIR_FROM_DOMAIN, VIR_ERR_OPERATION_INVALID, "domain is not running")
}

/// virDomainObjCheckActive.
pub(super) fn check_active(o: &DomObj) -> Result<()> {
    if o.active() {
        Ok(())
    } else {
        Err(not_running())
    }
}

fn test_internal(msg: String) -> Error {
    Error::internal(msg).from_domain(VIR_FROM_TEST)
}

/// Names interfaces without a host-side name "testnetN", the lowest N free.
pub(super) fn generate_ifnames(def: &mut DomainDef) {
    let nets = def.devices.list_mut("interface");
    let mut used: HashSet<String> = nets.iter().filter_map(|x| net::ifname(x).map(str::to_string)).collect();
    // the lowest free number only grows as names are handed out
    let mut n = 0;
    for x in nets.iter_mut() {
        if net::ifname(x).is_some() {
            continue;
        }
        while used.contains(&format!("testnet{n}")) {
            n += 1;
        }
        let name = format!("testnet{n}");
        net::set_ifname(x, &name);
        used.insert(name);
    }
}

/// Parses a definition as the test driver reads it.
pub(super) fn parse_def(xml: &str) -> Result<DomainDef> {
    let mut def = DomainDef::parse(xml)?;
    super::domain_ns::parse_text(xml)?;
    generate_ifnames(&mut def);
    Ok(def)
}

/// Fills the default host with its built-in running domain.
pub(super) fn load_default(s: &mut DomainStore, xml: &str) {
    let def = parse_def(xml).expect("built-in domain parses");
    let Ok((u, _)) = s.add(def, false, false) else { return };
    let id = s.take_id();
    s.update(&u, |o| {
        o.persistent = true;
        o.start(id, VIR_DOMAIN_RUNNING_BOOTED);
        o.set_state(VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_UNKNOWN);
    });
}

/// Starts an inactive domain; returns its new id.
pub(super) fn start(s: &mut DomainStore, u: &Uuid, reason: i32, detail: i32) -> i32 {
    let id = s.take_id();
    s.update(u, |o| o.start(id, reason));
    if let Some(o) = s.get(u) {
        s.emit(o, VIR_DOMAIN_EVENT_STARTED, detail);
    }
    id
}

/// Stops a domain: the handle's id goes, the event is queued and a
/// transient domain disappears.
pub(super) fn stop(s: &mut DomainStore, d: &Domain, reason: i32, detail: i32) {
    let u = d.uuid;
    s.update(&u, |o| o.stop(reason));
    d.id.set(-1);
    let Some(o) = s.get(&u) else { return };
    s.emit(o, VIR_DOMAIN_EVENT_STOPPED, detail);
    if !o.persistent {
        s.remove(&u);
    }
}

/// Where a shutdown or reboot leaves a domain, per its lifecycle action.
fn after_action(o: &mut DomObj, action: &str) {
    match action {
        "restart" | "rename-restart" => o.set_state(VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_BOOTED),
        _ => o.set_state(VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_SHUTDOWN),
    }
}

fn shutdown_like(d: &Domain, reboot: bool) -> Result<()> {
    with_store(d, |s, u| {
        let o = s.get_mut(&u).expect("checked");
        if reboot {
            check_active(o)?;
        } else if o.state == VIR_DOMAIN_SHUTOFF {
            return Err(test_internal(format!("domain '{}' not running", d.name)));
        }
        let action = if reboot { o.def.lifecycle.on_reboot } else { o.def.lifecycle.on_poweroff };
        after_action(o, action);
        if o.state == VIR_DOMAIN_SHUTOFF {
            stop(s, d, VIR_DOMAIN_SHUTOFF_SHUTDOWN, VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN);
        }
        Ok(())
    })
}

/// The `virConnectListAllDomains` filters.
fn matches(o: &DomObj, flags: u32) -> bool {
    let group = |bits: &[(i32, bool)]| {
        let any = bits.iter().any(|(b, _)| flags & *b as u32 != 0);
        !any || bits.iter().any(|(b, ok)| flags & *b as u32 != 0 && *ok)
    };
    let state = o.state;
    let snaps = o.moments().snapshots.len() > 0;
    let chks = o.moments().checkpoints.len() > 0;
    group(&[(VIR_CONNECT_LIST_DOMAINS_ACTIVE, o.active()), (VIR_CONNECT_LIST_DOMAINS_INACTIVE, !o.active())])
        && group(&[
            (VIR_CONNECT_LIST_DOMAINS_PERSISTENT, o.persistent),
            (VIR_CONNECT_LIST_DOMAINS_TRANSIENT, !o.persistent),
        ])
        && group(&[
            (VIR_CONNECT_LIST_DOMAINS_RUNNING, state == VIR_DOMAIN_RUNNING),
            (VIR_CONNECT_LIST_DOMAINS_PAUSED, state == VIR_DOMAIN_PAUSED),
            (VIR_CONNECT_LIST_DOMAINS_SHUTOFF, state == VIR_DOMAIN_SHUTOFF),
            (
                VIR_CONNECT_LIST_DOMAINS_OTHER,
                ![VIR_DOMAIN_RUNNING, VIR_DOMAIN_PAUSED, VIR_DOMAIN_SHUTOFF].contains(&state),
            ),
        ])
        && group(&[
            (VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE, o.managed_save),
            (VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE, !o.managed_save),
        ])
        && group(&[
            (VIR_CONNECT_LIST_DOMAINS_AUTOSTART, o.autostart),
            (VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART, !o.autostart),
        ])
        && group(&[(VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT, snaps), (VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT, !snaps)])
        && group(&[(VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT, chks), (VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT, !chks)])
}

fn define(c: &Connect, xml: &str, flags: u32) -> Result<Domain> {
    unsupported_flags(flags, VIR_DOMAIN_DEFINE_VALIDATE as u32, "testDomainDefineXMLFlags")?;
    schema::validate_if(flags, VIR_DOMAIN_DEFINE_VALIDATE as u32, Schema::Domain, xml)?;
    let def = parse_def(xml)?;
    let mut s = store(c);
    let (u, added) = s.add(def, false, false)?;
    s.update(&u, |o| o.persistent = true);
    let o = s.get(&u).expect("just added");
    let detail = match added {
        Added::New => VIR_DOMAIN_EVENT_DEFINED_ADDED,
        Added::Replaced => VIR_DOMAIN_EVENT_DEFINED_UPDATED,
    };
    s.emit(o, VIR_DOMAIN_EVENT_DEFINED, detail);
    Ok(handle(c, o))
}

fn create_xml(c: &Connect, xml: &str, flags: u32) -> Result<Domain> {
    unsupported_flags(flags, VIR_DOMAIN_START_VALIDATE as u32, "testDomainCreateXML")?;
    schema::validate_if(flags, VIR_DOMAIN_START_VALIDATE as u32, Schema::Domain, xml)?;
    let def = parse_def(xml)?;
    let mut s = store(c);
    let (u, _) = s.add(def, true, true)?;
    start(&mut s, &u, VIR_DOMAIN_RUNNING_BOOTED, VIR_DOMAIN_EVENT_STARTED_BOOTED);
    let o = s.get(&u).expect("just started");
    Ok(handle(c, o))
}

fn undefine(d: &Domain, flags: u32) -> Result<()> {
    let allowed = VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA;
    unsupported_flags(flags, allowed as u32, "testDomainUndefineFlags")?;
    with_store(d, |s, u| {
        let o = s.get_mut(&u).expect("checked");
        if o.managed_save && flags & VIR_DOMAIN_UNDEFINE_MANAGED_SAVE as u32 == 0 {
            return Err(Error::with_detail(
                VIR_FROM_TEST,
                VIR_ERR_OPERATION_INVALID,
                "Refusing to undefine while domain managed save image exists",
            ));
        }
        let snapshots = o.moments().snapshots.len();
        if !o.active() && snapshots > 0 && flags & VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA as u32 == 0 {
            return Err(Error::with_detail(
                VIR_FROM_TEST,
                VIR_ERR_OPERATION_INVALID,
                format!("cannot delete inactive domain with {snapshots} snapshots"),
            ));
        }
        o.managed_save = false;
        let (subject, active) = (o.subject(), o.active());
        s.announce(subject, VIR_DOMAIN_EVENT_UNDEFINED, VIR_DOMAIN_EVENT_UNDEFINED_REMOVED);
        if active {
            s.update(&u, |o| o.persistent = false);
        } else {
            s.remove(&u);
        }
        Ok(())
    })
}

fn create(d: &Domain, flags: u32) -> Result<()> {
    unsupported_flags(flags, 0, "testDomainCreateWithFlags")?;
    with_store(d, |s, u| {
        let o = s.get(&u).expect("checked");
        if o.state != VIR_DOMAIN_SHUTOFF {
            return Err(test_internal(format!("Domain '{}' is already running", d.name)));
        }
        let id = start(s, &u, VIR_DOMAIN_RUNNING_BOOTED, VIR_DOMAIN_EVENT_STARTED_BOOTED);
        d.id.set(id);
        Ok(())
    })
}

fn destroy(d: &Domain, how: Destroy) -> Result<()> {
    unsupported_flags(how.flags(), VIR_DOMAIN_DESTROY_GRACEFUL as u32, "testDomainDestroyFlags")?;
    with_store(d, |s, u| {
        check_active(s.get(&u).expect("checked"))?;
        stop(s, d, VIR_DOMAIN_SHUTOFF_DESTROYED, VIR_DOMAIN_EVENT_STOPPED_DESTROYED);
        Ok(())
    })
}

fn suspend(d: &Domain) -> Result<()> {
    with_store(d, |s, u| {
        let o = s.get_mut(&u).expect("checked");
        if o.state == VIR_DOMAIN_SHUTOFF || o.state == VIR_DOMAIN_PAUSED {
            return Err(test_internal(format!("domain '{}' not running", d.name)));
        }
        o.set_state(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_USER);
        let subject = o.subject();
        s.announce(subject, VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_PAUSED);
        Ok(())
    })
}

fn resume(d: &Domain) -> Result<()> {
    with_store(d, |s, u| {
        let o = s.get_mut(&u).expect("checked");
        if o.state != VIR_DOMAIN_PAUSED {
            return Err(test_internal(format!("domain '{}' not paused", d.name)));
        }
        o.set_state(VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_UNPAUSED);
        let subject = o.subject();
        s.announce(subject, VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_UNPAUSED);
        Ok(())
    })
}

/// Which definition a LIVE/CONFIG/CURRENT request names, as
/// virDomainObjGetOneDefState decides; `true` for the running one.
pub(super) fn pick_one(o: &DomObj, flags: u32) -> Result<bool> {
    let (live, config) = (VIR_DOMAIN_AFFECT_LIVE as u32, VIR_DOMAIN_AFFECT_CONFIG as u32);
    if flags & live != 0 && flags & config != 0 {
        return Err(exclusive_flags());
    }
    let use_live = if flags & (live | config) == 0 { o.active() } else { flags & live != 0 };
    check_impact(o, use_live, !use_live)?;
    Ok(use_live)
}

pub(super) fn exclusive_flags() -> Error {
    Error::arg_error(
        "flags",
        "",
        "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive".into(),
    )
    .from_domain(VIR_FROM_DOMAIN)
}

fn check_impact(o: &DomObj, live: bool, config: bool) -> Result<()> {
    if live && !o.active() {
        return Err(not_running());
    }
    if config && !o.persistent {
        return Err(Error::with_detail(
            VIR_FROM_DOMAIN,
            VIR_ERR_OPERATION_INVALID,
            "transient domains do not have any persistent config",
        ));
    }
    Ok(())
}

/// The definitions a LIVE/CONFIG request affects (virDomainObjGetDefs):
/// whether the running one and whether the persistent one.
pub(super) fn pick_defs(o: &DomObj, flags: u32) -> Result<(bool, bool)> {
    let (live, config) = (VIR_DOMAIN_AFFECT_LIVE as u32, VIR_DOMAIN_AFFECT_CONFIG as u32);
    let f = if flags & (live | config) == 0 {
        if o.active() {
            live
        } else {
            config
        }
    } else {
        flags
    };
    check_impact(o, f & live != 0, f & config != 0)?;
    Ok((f & live != 0, f & config != 0))
}

/// The definition [`pick_one`] chose, for reading.
pub(super) fn one_def(o: &DomObj, flags: u32) -> Result<&DomainDef> {
    Ok(if pick_one(o, flags)? { &o.def } else { o.persistent_def() })
}

/// The definition [`pick_one`] chose, for changing.
pub(super) fn one_def_mut(o: &mut DomObj, flags: u32) -> Result<&mut DomainDef> {
    Ok(if pick_one(o, flags)? { &mut o.def } else { o.persistent_def_mut() })
}

/// Applies `f` to each definition a LIVE/CONFIG request affects.
pub(super) fn for_defs(o: &mut DomObj, flags: u32, mut f: impl FnMut(&mut DomainDef) -> Result<()>) -> Result<()> {
    let (live, config) = pick_defs(o, flags)?;
    if live {
        f(&mut o.def)?;
    }
    if config {
        f(o.persistent_def_mut())?;
    }
    Ok(())
}

fn list_all(c: &Connect, flags: u32) -> Result<Vec<Domain>> {
    unsupported_flags(flags, 0xffff, "testConnectListAllDomains")?;
    // without filter flags a listing reads only the identity table
    let s = store(c);
    Ok(s.entries().filter(|(_, o)| flags == 0 || matches(o, flags)).map(|(i, _)| handle_of(c, i)).collect())
}

fn get_info(d: &Domain) -> Result<DomainInfo> {
    with_obj(d, |o| {
        Ok(DomainInfo {
            state: o.state as u8,
            max_mem_kib: o.def.memory,
            memory_kib: o.def.current_memory,
            nr_virt_cpu: o.def.vcpu.current as u16,
            cpu_time_ns: state::cpu_time(),
        })
    })
}

fn get_vcpus_flags(d: &Domain, flags: u32) -> Result<i32> {
    let allowed = VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_VCPU_MAXIMUM;
    unsupported_flags(flags, allowed as u32, "testDomainGetVcpusFlags")?;
    with_obj(d, |o| {
        let def = one_def(o, flags)?;
        Ok(if flags & VIR_DOMAIN_VCPU_MAXIMUM as u32 != 0 { def.vcpu.max } else { def.vcpu.current } as i32)
    })
}

/// virDomainSetMemoryFlags and its older forms.
fn set_memory(d: &Domain, memory: u64, flags: u32) -> Result<()> {
    let allowed = VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_MEM_MAXIMUM;
    unsupported_flags(flags, allowed as u32, "testDomainSetMemoryFlags")?;
    with_obj(d, |o| {
        let live = pick_one(o, flags)?;
        let def = one_def_mut(o, flags)?;
        if flags & VIR_DOMAIN_MEM_MAXIMUM as u32 != 0 {
            let invalid = |m: &str| Error::with_detail(VIR_FROM_TEST, VIR_ERR_OPERATION_INVALID, m);
            if live {
                return Err(invalid("cannot resize the maximum memory on an active domain"));
            }
            if def.cpu.as_ref().map(|c| !c.cells.is_empty()).unwrap_or(false) {
                return Err(invalid(
                    "initial memory size of a domain with NUMA nodes cannot be modified with this API",
                ));
            }
            if let Some((max, _)) = def.max_memory {
                if max > 0 && max < memory {
                    return Err(invalid("cannot set initial memory size greater than the maximum memory size"));
                }
            }
            def.memory = memory;
            def.current_memory = def.current_memory.min(memory);
        } else {
            if memory > def.memory {
                return Err(Error::with_detail(
                    VIR_FROM_TEST,
                    VIR_ERR_INVALID_ARG,
                    "cannot set memory higher than max memory",
                ));
            }
            def.current_memory = memory;
        }
        Ok(())
    })
}

pub fn install(t: &mut DriverTable) {
    t.domain = DomainTable {
        connect_num_of_domains: Some(|c| Ok(store(c).active_ids().count() as i32)),
        connect_list_domains: Some(|c, max| Ok(store(c).active_ids().take(max.max(0) as usize).collect())),
        connect_num_of_defined_domains: Some(|c| Ok(store(c).iter().filter(|o| !o.active()).count() as i32)),
        connect_list_defined_domains: Some(|c, max| {
            let s = store(c);
            let mut names: Vec<String> = s.iter().filter(|o| !o.active()).map(|o| o.def.name.clone()).collect();
            names.sort();
            names.truncate(max.max(0) as usize);
            Ok(names)
        }),
        connect_list_all_domains: Some(list_all),
        domain_lookup_by_id: Some(|c, id| store(c).ident_by_id(id).map(|i| handle_of(c, i)).ok_or_else(not_found)),
        domain_lookup_by_name: Some(|c, name| {
            store(c).ident_by_name(name).map(|i| handle_of(c, i)).ok_or_else(not_found)
        }),
        domain_lookup_by_uuid: Some(|c, u: &Uuid| store(c).ident(u).map(|i| handle_of(c, i)).ok_or_else(not_found)),
        domain_define_xml: Some(define),
        domain_create_xml: Some(create_xml),
        domain_undefine: Some(undefine),
        domain_create: Some(create),
        domain_destroy: Some(destroy),
        domain_suspend: Some(suspend),
        domain_resume: Some(resume),
        domain_shutdown: Some(|d, flags| {
            unsupported_flags(flags, 0, "testDomainShutdownFlags")?;
            shutdown_like(d, false)
        }),
        domain_reboot: Some(|d, flags| {
            unsupported_flags(flags, 0x1f, "testDomainReboot")?;
            shutdown_like(d, true)
        }),
        domain_reset: Some(|d, flags| {
            unsupported_flags(flags, 0, "testDomainReset")?;
            with_obj(d, |o| check_active(o))
        }),
        domain_get_info: Some(get_info),
        domain_get_state: Some(|d, flags| {
            unsupported_flags(flags, 0, "testDomainGetState")?;
            with_obj(d, |o| Ok((o.state, o.reason)))
        }),
        domain_get_xml_desc: Some(|d, flags| {
            unsupported_flags(flags, 0xf, "testDomainGetXMLDesc")?;
            with_obj(d, |o| Ok(o.format(flags)))
        }),
        // the test driver answers without looking the domain up
        domain_get_os_type: Some(|_| Ok("linux".to_string())),
        domain_get_max_memory: Some(|d| with_obj(d, |o| Ok(o.def.memory))),
        domain_set_max_memory: Some(|d, m| set_memory(d, m, VIR_DOMAIN_MEM_MAXIMUM as u32)),
        domain_set_memory: Some(set_memory),
        domain_get_autostart: Some(|d| with_obj(d, |o| Ok(o.autostart))),
        domain_set_autostart: Some(|d, v| {
            with_obj(d, |o| {
                o.autostart = v;
                Ok(())
            })
        }),
        domain_is_active: Some(|d| with_obj(d, |o| Ok(o.active()))),
        domain_is_persistent: Some(|d| with_obj(d, |o| Ok(o.persistent))),
        domain_is_updated: Some(|_| Ok(false)),
        domain_get_vcpus_flags: Some(get_vcpus_flags),
        domain_get_hostname: Some(|d, flags| {
            unsupported_flags(flags, 0, "testDomainGetHostname")?;
            with_obj(d, |o| {
                check_active(o)?;
                Ok(format!("{}host", d.name))
            })
        }),
        ..t.domain
    };
}
