//! The test driver's storage pools: the built-in `default-pool`, pool
//! definition and lifecycle, listing and lookups, and the events they
//! raise. Volumes are in `storage_vols.rs`, source discovery and conflict
//! checks in `storage_sources.rs`.

#[path = "storage_sources.rs"]
mod sources;
#[path = "storage_vols.rs"]
mod vols;

use super::st;
use crate::conf::schema::{self, Schema};
use crate::conf::storage_pool::{PoolDef, POOL_TYPES};
use crate::conf::storage_pool_source::Adapter;
use crate::conf::storage_vol::VolDef;
use crate::core::driver::{DriverTable, StoragePoolInfo};
use crate::core::error::{Error, Result};
use crate::core::events::{Event, Subject};
use crate::core::uuid::{self, Uuid};
use crate::core::{Connect, StoragePool};
use crate::generated::consts::*;

/// What the test driver reports for every pool's size.
const POOL_CAPACITY: u64 = 100 * 1024 * 1024 * 1024;

const DEFAULT_POOL_XML: &str = "<pool type='dir'>
  <name>default-pool</name>
  <uuid>dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566</uuid>
  <target>
    <path>/default-pool</path>
  </target>
</pool>";

/// One pool and its volumes.
pub struct PoolObj {
    pub def: PoolDef,
    pub active: bool,
    pub persistent: bool,
    pub autostart: bool,
    pub vols: Vec<VolDef>,
}

/// The storage pools and volumes of one test host.
pub struct StorageState {
    pub pools: Vec<PoolObj>,
    /// Whether the vHBA (`scsi_host12`) that creating an `fc_host` pool
    /// makes exists; destroying such a pool removes it.
    pub vport: bool,
}

impl Default for StorageState {
    fn default() -> StorageState {
        let mut def = PoolDef::parse(DEFAULT_POOL_XML).expect("built-in pool");
        set_defaults(&mut def);
        StorageState {
            pools: vec![PoolObj { def, active: true, persistent: true, autostart: false, vols: Vec::new() }],
            vport: false,
        }
    }
}

/// Sizes every new definition gets.
pub(super) fn set_defaults(def: &mut PoolDef) {
    def.capacity = POOL_CAPACITY;
    def.allocation = 0;
    def.available = POOL_CAPACITY;
}

impl PoolObj {
    fn subject(&self) -> Subject {
        Subject { name: self.def.name.clone(), uuid: self.def.uuid, id: -1 }
    }

    fn handle(&self, c: &Connect) -> StoragePool {
        StoragePool { conn: c.clone(), name: self.def.name.clone(), uuid: self.def.uuid }
    }

    fn check_active(&self) -> Result<()> {
        if self.active {
            Ok(())
        } else {
            Err(invalid_state(&self.def.name, "is not active"))
        }
    }

    fn check_inactive(&self) -> Result<()> {
        if self.active {
            Err(invalid_state(&self.def.name, "is active"))
        } else {
            Ok(())
        }
    }

    /// `virConnectListAllStoragePools` filter groups.
    fn matches(&self, flags: u32) -> bool {
        let group = |bits: &[(i32, bool)]| {
            let any = bits.iter().any(|(b, _)| flags & *b as u32 != 0);
            !any || bits.iter().any(|(b, ok)| flags & *b as u32 != 0 && *ok)
        };
        let type_mask = POOL_TYPES.iter().fold(0, |m, (_, t)| m | t.list_flag());
        group(&[
            (VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE, self.active),
            (VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE, !self.active),
        ]) && group(&[
            (VIR_CONNECT_LIST_STORAGE_POOLS_PERSISTENT, self.persistent),
            (VIR_CONNECT_LIST_STORAGE_POOLS_TRANSIENT, !self.persistent),
        ]) && group(&[
            (VIR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART, self.autostart()),
            (VIR_CONNECT_LIST_STORAGE_POOLS_NO_AUTOSTART, !self.autostart()),
        ]) && (flags & type_mask == 0 || flags & self.def.kind.list_flag() != 0)
    }

    fn autostart(&self) -> bool {
        self.persistent && self.autostart
    }

    /// Adds a volume's allocation to (or, negative, removes it from) the
    /// pool's usage.
    pub(super) fn account(&mut self, allocation: u64, add: bool) {
        let d = &mut self.def;
        d.allocation = if add { d.allocation.wrapping_add(allocation) } else { d.allocation.wrapping_sub(allocation) };
        d.available = d.capacity.wrapping_sub(d.allocation);
    }
}

/// Refuses flags outside `allowed` with the test driver's message.
pub fn check_flags(flags: u32, allowed: u32, api: &str) -> Result<()> {
    if flags & !allowed == 0 {
        return Ok(());
    }
    let text = format!("unsupported flags (0x{:x}) in function {api}", flags & !allowed);
    let mut e = Error::with_detail(VIR_FROM_TEST, VIR_ERR_INVALID_ARG, &text);
    e.message = text;
    Err(e)
}

fn invalid_state(name: &str, what: &str) -> Error {
    Error::with_detail(VIR_FROM_TEST, VIR_ERR_OPERATION_INVALID, format!("storage pool '{name}' {what}"))
}

fn no_pool(what: &str, value: &str) -> Error {
    Error::with_detail(
        VIR_FROM_TEST,
        VIR_ERR_NO_STORAGE_POOL,
        format!("no storage pool with matching {what} '{value}'"),
    )
}

fn storage_failed(detail: String) -> Error {
    Error::with_detail(VIR_FROM_STORAGE, VIR_ERR_OPERATION_FAILED, detail)
}

/// Runs `f` on the pool named `name`.
fn with_pool<T>(c: &Connect, name: &str, f: impl FnOnce(&mut PoolObj) -> Result<T>) -> Result<T> {
    let s = st(c);
    let mut g = s.storage.lock();
    let p = g.pools.iter_mut().find(|p| p.def.name == name).ok_or_else(|| no_pool("name", name))?;
    f(p)
}

/// Runs `f` on the pool with `p`'s UUID (the lookups a few calls make).
fn with_pool_uuid<T>(p: &StoragePool, f: impl FnOnce(&mut PoolObj) -> Result<T>) -> Result<T> {
    let s = st(&p.conn);
    let mut g = s.storage.lock();
    let o = g.pools.iter_mut().find(|o| o.def.uuid == p.uuid).ok_or_else(|| no_pool("uuid", &uuid::format(&p.uuid)))?;
    f(o)
}

fn queue(c: &Connect, p: &PoolObj, event: i32) {
    st(c).events.queue(Event::StoragePoolLifecycle { pool: p.subject(), event, detail: 0 });
}

/// Where a new definition goes: the index of the pool it updates (same
/// name and UUID), or `None` for a new pool; libvirt's errors otherwise.
pub(super) fn place(pools: &[PoolObj], def: &PoolDef, live: bool) -> Result<Option<usize>> {
    sources::check_conflicts(pools, def)?;
    if let Some(i) = pools.iter().position(|p| p.def.uuid == def.uuid) {
        let p = &pools[i];
        if p.def.name != def.name {
            return Err(storage_failed(format!(
                "pool '{}' is already defined with uuid {}",
                p.def.name,
                uuid::format(&p.def.uuid)
            )));
        }
        if live && p.active {
            return Err(Error::with_detail(
                VIR_FROM_STORAGE,
                VIR_ERR_OPERATION_INVALID,
                format!("pool is already active as '{}'", p.def.name),
            ));
        }
        return Ok(Some(i));
    }
    match pools.iter().find(|p| p.def.name == def.name) {
        Some(p) => {
            Err(storage_failed(format!("pool '{}' already exists with uuid {}", p.def.name, uuid::format(&p.def.uuid))))
        }
        None => Ok(None),
    }
}

/// Adds a parsed definition, or updates the pool it names, as define
/// (`live` false) or create (`live` true) does.
fn add_def(c: &Connect, mut def: PoolDef, live: bool) -> Result<StoragePool> {
    let s = st(c);
    let mut g = s.storage.lock();
    let slot = place(&g.pools, &def, live)?;
    set_defaults(&mut def);
    if live && is_fc_host(&def) {
        // creating an fc_host pool makes its vHBA
        g.vport = true;
    }
    let i = match slot {
        Some(i) => {
            let p = &mut g.pools[i];
            if live {
                p.def = def;
                p.active = true;
                p.persistent = false;
            } else {
                if p.active {
                    // the new definition waits for a restart the test driver never applies
                    set_defaults(&mut p.def);
                } else {
                    p.def = def;
                }
                p.persistent = true;
            }
            i
        }
        None => {
            g.pools.push(PoolObj { def, active: live, persistent: !live, autostart: false, vols: Vec::new() });
            g.pools.len() - 1
        }
    };
    let p = &g.pools[i];
    queue(c, p, if live { VIR_STORAGE_POOL_EVENT_STARTED } else { VIR_STORAGE_POOL_EVENT_DEFINED });
    Ok(p.handle(c))
}

fn is_fc_host(def: &PoolDef) -> bool {
    matches!(def.source.adapter, Some(Adapter::FcHost { .. }))
}

fn names(c: &Connect, active: bool) -> Vec<String> {
    st(c).storage.lock().pools.iter().filter(|p| p.active == active).map(|p| p.def.name.clone()).collect()
}

/// A pool state change: `check` validates the state, `apply` changes it,
/// then `event` is queued.
fn transition(
    p: &StoragePool,
    check: fn(&PoolObj) -> Result<()>,
    apply: fn(&mut PoolObj),
    event: Option<i32>,
) -> Result<i32> {
    with_pool(&p.conn, &p.name, |o| {
        check(o)?;
        apply(o);
        if let Some(e) = event {
            queue(&p.conn, o, e);
        }
        Ok(0)
    })
}

pub fn install(t: &mut DriverTable) {
    let a = &mut t.api;
    a.connect_num_of_storage_pools = Some(|c| Ok(names(c, true).len() as i32));
    a.connect_list_storage_pools = Some(|c| Ok(names(c, true)));
    a.connect_num_of_defined_storage_pools = Some(|c| Ok(names(c, false).len() as i32));
    a.connect_list_defined_storage_pools = Some(|c| Ok(names(c, false)));
    a.connect_list_all_storage_pools = Some(|c, flags| {
        check_flags(flags, 0xfffff, "testConnectListAllStoragePools")?;
        Ok(st(c).storage.lock().pools.iter().filter(|p| p.matches(flags)).map(|p| p.handle(c)).collect())
    });
    a.storage_pool_lookup_by_name = Some(|c, name| with_pool(c, name, |p| Ok(p.handle(c))));
    a.storage_pool_lookup_by_uuid = Some(|c, u: &Uuid| {
        let s = st(c);
        let g = s.storage.lock();
        g.pools.iter().find(|p| &p.def.uuid == u).map(|p| p.handle(c)).ok_or_else(|| no_pool("uuid", &uuid::format(u)))
    });
    a.storage_pool_define_xml = Some(|c, xml, flags| {
        check_flags(flags, VIR_STORAGE_POOL_DEFINE_VALIDATE as u32, "testStoragePoolDefineXML")?;
        schema::validate_if(flags, VIR_STORAGE_POOL_DEFINE_VALIDATE as u32, Schema::StoragePool, xml)?;
        add_def(c, PoolDef::parse(xml)?, false)
    });
    a.storage_pool_create_xml = Some(|c, xml, flags| {
        check_flags(flags, 0, "testStoragePoolCreateXML")?;
        add_def(c, PoolDef::parse(xml)?, true)
    });
    a.storage_pool_build = Some(|p, flags| {
        check_flags(flags, 0, "testStoragePoolBuild")?;
        transition(p, PoolObj::check_inactive, |_| {}, Some(VIR_STORAGE_POOL_EVENT_CREATED))
    });
    a.storage_pool_create = Some(|p, flags| {
        check_flags(flags, 0, "testStoragePoolCreate")?;
        transition(p, PoolObj::check_inactive, |o| o.active = true, Some(VIR_STORAGE_POOL_EVENT_STARTED))
    });
    a.storage_pool_delete = Some(|p, flags| {
        check_flags(flags, 0, "testStoragePoolDelete")?;
        transition(p, PoolObj::check_inactive, |_| {}, Some(VIR_STORAGE_POOL_EVENT_DELETED))
    });
    a.storage_pool_refresh = Some(|p, flags| {
        check_flags(flags, 0, "testStoragePoolRefresh")?;
        with_pool(&p.conn, &p.name, |o| {
            o.check_active()?;
            st(&p.conn).events.queue(Event::StoragePoolRefresh { pool: o.subject() });
            Ok(0)
        })
    });
    a.storage_pool_destroy = Some(|p| {
        let s = st(&p.conn);
        let mut g = s.storage.lock();
        let i = g.pools.iter().position(|o| o.def.name == p.name).ok_or_else(|| no_pool("name", &p.name))?;
        g.pools[i].check_active()?;
        g.pools[i].active = false;
        if is_fc_host(&g.pools[i].def) {
            // the vHBA the pool's creation made goes away with it
            if !std::mem::take(&mut g.vport) {
                return Err(Error::with_detail(
                    VIR_FROM_TEST,
                    VIR_ERR_NO_NODE_DEVICE,
                    "no node device with matching name 'scsi_host12'",
                ));
            }
        }
        queue(&p.conn, &g.pools[i], VIR_STORAGE_POOL_EVENT_STOPPED);
        if !g.pools[i].persistent {
            g.pools.remove(i);
        }
        Ok(0)
    });
    a.storage_pool_undefine = Some(|p| {
        let s = st(&p.conn);
        let mut g = s.storage.lock();
        let i = g.pools.iter().position(|o| o.def.name == p.name).ok_or_else(|| no_pool("name", &p.name))?;
        g.pools[i].check_inactive()?;
        queue(&p.conn, &g.pools[i], VIR_STORAGE_POOL_EVENT_UNDEFINED);
        g.pools.remove(i);
        Ok(0)
    });
    a.storage_pool_get_xml_desc = Some(|p, flags| {
        check_flags(flags, 0, "testStoragePoolGetXMLDesc")?;
        with_pool(&p.conn, &p.name, |o| Ok(o.def.format()))
    });
    a.storage_pool_get_autostart = Some(|p| with_pool(&p.conn, &p.name, |o| Ok(o.autostart() as i32)));
    a.storage_pool_set_autostart = Some(|p, on| {
        with_pool(&p.conn, &p.name, |o| {
            if !o.persistent {
                return Err(Error::with_detail(VIR_FROM_TEST, VIR_ERR_INVALID_ARG, "pool has no config file"));
            }
            o.autostart = on != 0;
            Ok(0)
        })
    });
    a.storage_pool_is_active = Some(|p| with_pool_uuid(p, |o| Ok(o.active as i32)));
    a.storage_pool_is_persistent = Some(|p| with_pool_uuid(p, |o| Ok(o.persistent as i32)));
    a.connect_find_storage_pool_sources = Some(sources::find_sources);
    t.storage.storage_pool_get_info = Some(|p| {
        with_pool(&p.conn, &p.name, |o| {
            Ok(StoragePoolInfo {
                state: if o.active { VIR_STORAGE_POOL_RUNNING } else { VIR_STORAGE_POOL_INACTIVE },
                capacity: o.def.capacity,
                allocation: o.def.allocation,
                available: o.def.available,
            })
        })
    });
    vols::install(t);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool_events(c: &Connect, name: &str) -> Vec<(i32, i32)> {
        st(c)
            .events
            .drain()
            .into_iter()
            .filter_map(|e| match e {
                Event::StoragePoolLifecycle { pool, event, .. } if pool.name == name => Some((0, event)),
                Event::StoragePoolRefresh { pool } if pool.name == name => Some((1, 0)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn pool_lifecycle_queues_libvirts_events() {
        crate::initialize();
        let c = Connect::open(Some("test:///default"), false, 0).unwrap();
        st(&c).events.record();
        let api = &c.table().api;
        let xml = "<pool type='dir'><name>vrs-unit-events</name><target><path>/vrs-unit</path></target></pool>";
        let p = api.storage_pool_define_xml.unwrap()(&c, xml, 0).unwrap();
        api.storage_pool_build.unwrap()(&p, 0).unwrap();
        api.storage_pool_create.unwrap()(&p, 0).unwrap();
        api.storage_pool_refresh.unwrap()(&p, 0).unwrap();
        assert!(api.storage_pool_undefine.unwrap()(&p).is_err());
        api.storage_pool_destroy.unwrap()(&p).unwrap();
        api.storage_pool_delete.unwrap()(&p, 0).unwrap();
        api.storage_pool_undefine.unwrap()(&p).unwrap();
        use crate::generated::consts::*;
        assert_eq!(
            pool_events(&c, "vrs-unit-events"),
            vec![
                (0, VIR_STORAGE_POOL_EVENT_DEFINED),
                (0, VIR_STORAGE_POOL_EVENT_CREATED),
                (0, VIR_STORAGE_POOL_EVENT_STARTED),
                (1, 0),
                (0, VIR_STORAGE_POOL_EVENT_STOPPED),
                (0, VIR_STORAGE_POOL_EVENT_DELETED),
                (0, VIR_STORAGE_POOL_EVENT_UNDEFINED),
            ]
        );
    }
}
