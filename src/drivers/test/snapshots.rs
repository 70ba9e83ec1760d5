//! The test driver's domain snapshots: creation (new or redefined),
//! listing with libvirt's filters, lookups, reverting (with the state
//! changes and lifecycle events libvirt produces) and deletion. The
//! snapshots live with their domain (`DomObj::moments`).

use super::domain::{with_obj, with_store};
use super::domain_state::DomObj;
use super::moments::{copy_def, exclusive_flags, flag, has, require_flag, MomentTree, Walk};
use super::*;
use crate::conf::snapshot::{Location, SnapshotDef, STATE_PAUSED, STATE_SHUTOFF};
use crate::core::driver::DriverTable;
use crate::core::objects::{Domain, DomainSnapshot};
use crate::core::uuid;

const CREATE_FLAGS: i32 = VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE
    | VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT
    | VIR_DOMAIN_SNAPSHOT_CREATE_HALT
    | VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE
    | VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC
    | VIR_DOMAIN_SNAPSHOT_CREATE_LIVE
    | VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE;

/// Every listing flag the test driver takes.
const LIST_FLAGS: u32 = 0x7ff;

fn no_snapshot(name: &str) -> Error {
    Error::with_detail(
        VIR_FROM_TEST,
        VIR_ERR_NO_DOMAIN_SNAPSHOT,
        format!("no domain snapshot with matching name '{name}'"),
    )
}

fn handle(d: &Domain, name: &str) -> DomainSnapshot {
    DomainSnapshot { domain: d.clone(), name: name.to_string() }
}

fn tree(o: &DomObj) -> &MomentTree<SnapshotDef> {
    &o.moments().snapshots
}

/// Runs `f` on the snapshot's domain once the snapshot is known to exist.
fn with_snap<T>(s: &DomainSnapshot, f: impl FnOnce(&mut DomObj) -> Result<T>) -> Result<T> {
    with_obj(&s.domain, |o| {
        if !tree(o).contains(&s.name) {
            return Err(no_snapshot(&s.name));
        }
        f(o)
    })
}

/// The listing flags as a walk and a filter on the definitions.
fn walk(flags: u32) -> (Walk, impl Fn(&SnapshotDef) -> bool) {
    let meta = flags & (VIR_DOMAIN_SNAPSHOT_LIST_METADATA | VIR_DOMAIN_SNAPSHOT_LIST_NO_METADATA) as u32;
    let w = Walk {
        roots_or_descendants: has(flags, VIR_DOMAIN_SNAPSHOT_LIST_ROOTS),
        leaves: has(flags, VIR_DOMAIN_SNAPSHOT_LIST_LEAVES),
        no_leaves: has(flags, VIR_DOMAIN_SNAPSHOT_LIST_NO_LEAVES),
        none: meta == VIR_DOMAIN_SNAPSHOT_LIST_NO_METADATA as u32,
    };
    let status_all = (VIR_DOMAIN_SNAPSHOT_LIST_INACTIVE
        | VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE
        | VIR_DOMAIN_SNAPSHOT_LIST_DISK_ONLY) as u32;
    let loc_all = (VIR_DOMAIN_SNAPSHOT_LIST_INTERNAL | VIR_DOMAIN_SNAPSHOT_LIST_EXTERNAL) as u32;
    let mut status = flags & status_all;
    if status == status_all {
        status = 0;
    }
    let mut loc = flags & loc_all;
    if loc == loc_all {
        loc = 0;
    }
    let keep = move |d: &SnapshotDef| {
        if status != 0 {
            let shutoff = d.state == STATE_SHUTOFF;
            let disk_only = d.state == crate::conf::snapshot::STATE_DISK_SNAPSHOT;
            if (shutoff && !has(status, VIR_DOMAIN_SNAPSHOT_LIST_INACTIVE))
                || (disk_only && !has(status, VIR_DOMAIN_SNAPSHOT_LIST_DISK_ONLY))
                || (!shutoff && !disk_only && !has(status, VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE))
            {
                return false;
            }
        }
        let external = d.is_external();
        (!has(loc, VIR_DOMAIN_SNAPSHOT_LIST_INTERNAL) || !external)
            && (!has(loc, VIR_DOMAIN_SNAPSHOT_LIST_EXTERNAL) || external)
    };
    (w, keep)
}

fn list_names(o: &DomObj, from: Option<&str>, flags: u32) -> Vec<String> {
    let (w, keep) = walk(flags);
    tree(o).list(from, w, keep)
}

fn list_domain(d: &Domain, flags: u32, api: &str) -> Result<Vec<String>> {
    unsupported_flags(flags, LIST_FLAGS, api)?;
    with_obj(d, |o| Ok(list_names(o, None, flags)))
}

fn list_children(s: &DomainSnapshot, flags: u32, api: &str) -> Result<Vec<String>> {
    unsupported_flags(flags, LIST_FLAGS, api)?;
    with_snap(s, |o| Ok(list_names(o, Some(&s.name), flags)))
}

/// Fills in a new snapshot from the domain as the test driver does: the
/// domain's state, memory kept internally when running, and every disk
/// snapshotted internally (unless memory goes to a file).
fn prepare_new(o: &DomObj, def: &mut SnapshotDef) -> Result<()> {
    if def.disks.iter().any(|d| d.snapshot == Location::Manual) {
        return Err(Error::with_detail(
            VIR_FROM_TEST,
            VIR_ERR_OPERATION_UNSUPPORTED,
            "'manual' snapshot mode is not supported by the test driver",
        ));
    }
    def.moment.dom = Some(Box::new(copy_def(&o.def)));
    def.state = o.state;
    if def.memory == Location::External {
        def.align_disks(Location::External, false)
    } else {
        def.memory = if def.state == STATE_SHUTOFF { Location::No } else { Location::Internal };
        def.align_disks(Location::Internal, true)
    }
}

/// Checks a redefinition against the domain and the snapshot it replaces;
/// tells whether it replaces one.
fn prepare_redefine(o: &DomObj, def: &mut SnapshotDef) -> Result<bool> {
    let t = tree(o);
    t.check_cycles(&def.moment.name, def.moment.parent.as_deref())?;
    let invalid = |m: String| Error::with_detail(VIR_FROM_DOMAIN_SNAPSHOT, VIR_ERR_INVALID_ARG, m);
    if let Some(dom) = &def.moment.dom {
        if dom.uuid != o.def.uuid {
            return Err(invalid(format!(
                "definition for snapshot {} must use uuid {}",
                def.moment.name,
                uuid::format(&o.def.uuid)
            )));
        }
    }
    let other = t.get(&def.moment.name);
    if let Some(other) = other {
        if other.online() != def.online() {
            return Err(invalid(format!(
                "cannot change between online and offline snapshot state in snapshot {}",
                def.moment.name
            )));
        }
        let disk_only = |d: &SnapshotDef| d.state == crate::conf::snapshot::STATE_DISK_SNAPSHOT;
        if disk_only(other) != disk_only(def) {
            return Err(invalid(format!(
                "cannot change between disk only and full system in snapshot {}",
                def.moment.name
            )));
        }
        if def.moment.dom.is_none() {
            def.moment.dom = other.moment.dom.clone();
        }
    }
    let external = def.state == crate::conf::snapshot::STATE_DISK_SNAPSHOT || def.is_external();
    if external {
        def.align_disks(Location::External, false)?;
    } else {
        def.align_disks(Location::Internal, true)?;
    }
    Ok(other.is_some())
}

fn create_xml(d: &Domain, xml: &str, flags: u32) -> Result<DomainSnapshot> {
    let ds = ("virDomainSnapshotCreateXML", VIR_FROM_DOMAIN_SNAPSHOT);
    require_flag(flags, flag!(VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT), flag!(VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE), ds)?;
    exclusive_flags(
        flags,
        flag!(VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE),
        flag!(VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA),
        ds,
    )?;
    exclusive_flags(flags, flag!(VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE), flag!(VIR_DOMAIN_SNAPSHOT_CREATE_HALT), ds)?;
    unsupported_flags(flags, CREATE_FLAGS as u32, "testDomainSnapshotCreateXML")?;
    let redefine = has(flags, VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE);
    let update_current = !redefine || has(flags, VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT);
    with_store(d, |s, u| {
        let o = s.get(&u).expect("checked");
        if o.moments().checkpoints.len() > 0 {
            return Err(Error::with_detail(
                VIR_FROM_TEST,
                VIR_ERR_OPERATION_UNSUPPORTED,
                "cannot create snapshot while checkpoint exists",
            ));
        }
        let halt = has(flags, VIR_DOMAIN_SNAPSHOT_CREATE_HALT);
        if !o.persistent && halt {
            return Err(Error::with_detail(
                VIR_FROM_TEST,
                VIR_ERR_OPERATION_INVALID,
                "cannot halt after transient domain snapshot",
            ));
        }
        let mut def = SnapshotDef::parse(xml, redefine, has(flags, VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE))?;
        let replaces = if redefine {
            prepare_redefine(o, &mut def)?
        } else {
            prepare_new(o, &mut def)?;
            false
        };
        let name = def.moment.name.clone();
        let o = s.get_mut(&u).expect("checked");
        let t = &mut o.moments_mut().snapshots;
        if replaces {
            t.replace(def);
        } else {
            if !redefine {
                def.moment.parent = t.current().map(str::to_string);
            }
            t.insert(def)?;
        }
        if !redefine && halt && o.active() {
            halt_domain(s, d, &u);
        }
        let t = &mut s.get_mut(&u).expect("checked").moments_mut().snapshots;
        if update_current {
            t.set_current(Some(&name));
        }
        t.link_parent(&name);
        Ok(handle(d, &name))
    })
}

/// Stops a domain for a snapshot (halt or revert): it stays defined even
/// when transient, and the stop is announced.
fn halt_domain(s: &mut super::domain_state::DomainStore, d: &Domain, u: &crate::core::uuid::Uuid) {
    s.update(u, |o| {
        o.stop(VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT);
        o.id = -1;
    });
    d.id.set(-1);
    if let Some(o) = s.get(u) {
        s.emit(o, VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT);
    }
}

fn revert(snap: &DomainSnapshot, flags: u32) -> Result<i32> {
    let ds = ("virDomainRevertToSnapshot", VIR_FROM_DOMAIN_SNAPSHOT);
    exclusive_flags(flags, flag!(VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING), flag!(VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED), ds)?;
    let allowed =
        VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING | VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED | VIR_DOMAIN_SNAPSHOT_REVERT_FORCE;
    unsupported_flags(flags, allowed as u32, "testDomainRevertToSnapshot")?;
    let run = has(flags, VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING);
    let pause = has(flags, VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED);
    let d = &snap.domain;
    with_store(d, |s, u| {
        let o = s.get(&u).expect("checked");
        let def = tree(o).get(&snap.name).ok_or_else(|| no_snapshot(&snap.name))?.clone();
        if !o.persistent && !def.online() && !run && !pause {
            return Err(Error::with_detail(
                VIR_FROM_TEST,
                VIR_ERR_OPERATION_INVALID,
                "transient domain needs to request run or pause to revert to inactive snapshot",
            ));
        }
        let Some(config) = def.moment.dom.as_deref().map(|d| Box::new(copy_def(d))) else {
            if has(flags, VIR_DOMAIN_SNAPSHOT_REVERT_FORCE) {
                return Err(Error::internal("snapshot has no domain definition").from_domain(VIR_FROM_TEST));
            }
            return Err(Error::with_detail(
                VIR_FROM_TEST,
                VIR_ERR_SNAPSHOT_REVERT_RISKY,
                format!("snapshot '{}' lacks domain '{}' rollback info", snap.name, o.def.name),
            ));
        };
        s.update(&u, |o| o.moments_mut().snapshots.set_current(None));
        let active = s.get(&u).is_some_and(|o| o.active());
        if def.online() {
            if active {
                halt_domain(s, d, &u);
            }
            s.update(&u, |o| o.def = *config);
            let id = s.take_id();
            s.update(&u, |o| o.start(id, VIR_DOMAIN_RUNNING_FROM_SNAPSHOT));
            emit(s, &u, VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT);
            if !run && (def.state == STATE_PAUSED || pause) {
                s.update(&u, |o| o.set_state(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_FROM_SNAPSHOT));
                emit(s, &u, VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT);
            }
        } else {
            s.update(&u, |o| {
                if o.active() {
                    o.new_def = Some(config);
                } else {
                    o.def = *config;
                }
            });
            if active {
                halt_domain(s, d, &u);
            }
            if run || pause {
                emit(s, &u, VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT);
                if pause {
                    emit(s, &u, VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT);
                }
            }
        }
        s.update(&u, |o| o.moments_mut().snapshots.set_current(Some(&snap.name)));
        Ok(0)
    })
}

fn emit(s: &super::domain_state::DomainStore, u: &crate::core::uuid::Uuid, event: i32, detail: i32) {
    if let Some(o) = s.get(u) {
        s.emit(o, event, detail);
    }
}

fn delete(snap: &DomainSnapshot, flags: u32) -> Result<i32> {
    let ds = ("virDomainSnapshotDelete", VIR_FROM_DOMAIN_SNAPSHOT);
    exclusive_flags(
        flags,
        flag!(VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN),
        flag!(VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY),
        ds,
    )?;
    let allowed = VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN | VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY;
    unsupported_flags(flags, allowed as u32, "testDomainSnapshotDelete")?;
    with_snap(snap, |o| {
        o.moments_mut().snapshots.delete(
            &snap.name,
            has(flags, VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN),
            has(flags, VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY),
        );
        Ok(0)
    })
}

fn get_xml_desc(snap: &DomainSnapshot, flags: u32) -> Result<String> {
    unsupported_flags(flags, VIR_DOMAIN_SNAPSHOT_XML_SECURE as u32, "testDomainSnapshotGetXMLDesc")?;
    with_snap(snap, |o| {
        let def = tree(o).get(&snap.name).expect("checked");
        Ok(def.format(&uuid::format(&snap.domain.uuid), flags != 0))
    })
}

pub fn install(t: &mut DriverTable) {
    let a = &mut t.api;
    a.domain_snapshot_create_xml = Some(create_xml);
    a.domain_snapshot_num = Some(|d, flags| Ok(list_domain(d, flags, "testDomainSnapshotNum")?.len() as i32));
    a.domain_snapshot_list_names = Some(|d, flags| list_domain(d, flags, "testDomainSnapshotListNames"));
    a.domain_list_all_snapshots = Some(|d, flags| {
        Ok(list_domain(d, flags, "testDomainListAllSnapshots")?.iter().map(|n| handle(d, n)).collect())
    });
    a.domain_snapshot_num_children =
        Some(|s, flags| Ok(list_children(s, flags, "testDomainSnapshotNumChildren")?.len() as i32));
    a.domain_snapshot_list_children_names =
        Some(|s, flags| list_children(s, flags, "testDomainSnapshotListChildrenNames"));
    a.domain_snapshot_list_all_children = Some(|s, flags| {
        Ok(list_children(s, flags, "testDomainSnapshotListAllChildren")?.iter().map(|n| handle(&s.domain, n)).collect())
    });
    a.domain_snapshot_lookup_by_name = Some(|d, name, flags| {
        unsupported_flags(flags, 0, "testDomainSnapshotLookupByName")?;
        with_obj(d, |o| if tree(o).contains(name) { Ok(handle(d, name)) } else { Err(no_snapshot(name)) })
    });
    a.domain_has_current_snapshot = Some(|d, flags| {
        unsupported_flags(flags, 0, "testDomainHasCurrentSnapshot")?;
        with_obj(d, |o| Ok(tree(o).current().is_some() as i32))
    });
    a.domain_snapshot_current = Some(|d, flags| {
        unsupported_flags(flags, 0, "testDomainSnapshotCurrent")?;
        with_obj(d, |o| match tree(o).current() {
            Some(c) => Ok(handle(d, c)),
            None => Err(Error::with_detail(
                VIR_FROM_TEST,
                VIR_ERR_NO_DOMAIN_SNAPSHOT,
                "the domain does not have a current snapshot",
            )),
        })
    });
    a.domain_snapshot_get_parent = Some(|s, flags| {
        unsupported_flags(flags, 0, "testDomainSnapshotGetParent")?;
        with_snap(s, |o| match tree(o).get(&s.name).and_then(|d| d.moment.parent.clone()) {
            Some(p) => Ok(handle(&s.domain, &p)),
            None => Err(Error::with_detail(
                VIR_FROM_TEST,
                VIR_ERR_NO_DOMAIN_SNAPSHOT,
                format!("snapshot '{}' does not have a parent", s.name),
            )),
        })
    });
    a.domain_snapshot_get_xml_desc = Some(get_xml_desc);
    a.domain_snapshot_is_current = Some(|s, flags| {
        unsupported_flags(flags, 0, "testDomainSnapshotIsCurrent")?;
        with_snap(s, |o| Ok((tree(o).current() == Some(s.name.as_str())) as i32))
    });
    a.domain_snapshot_has_metadata = Some(|s, flags| {
        unsupported_flags(flags, 0, "testDomainSnapshotHasMetadata")?;
        with_snap(s, |_| Ok(1))
    });
    a.domain_revert_to_snapshot = Some(revert);
    a.domain_snapshot_delete = Some(delete);
}
