//! The test driver's storage volumes: created, cloned and deleted in
//! memory, their paths derived from the pool's target.

use super::check_flags;
use super::{with_pool, with_pool_uuid, PoolObj};
use crate::conf::schema::{self, Schema};
use crate::conf::storage_vol::VolDef;
use crate::core::driver::{DriverTable, StorageVolInfo};
use crate::core::error::{Error, Result};
use crate::core::{Connect, StorageVol};
use crate::drivers::test::st;
use crate::generated::consts::*;

fn no_vol(what: &str, value: &str) -> Error {
    Error::with_detail(VIR_FROM_TEST, VIR_ERR_NO_STORAGE_VOL, format!("no storage vol with matching {what} '{value}'"))
}

fn handle(c: &Connect, pool: &PoolObj, v: &VolDef) -> StorageVol {
    StorageVol { conn: c.clone(), pool: pool.def.name.clone(), name: v.name.clone(), key: v.key.clone() }
}

/// Runs `f` on the active pool named `pool`.
fn with_active<T>(c: &Connect, pool: &str, f: impl FnOnce(&mut PoolObj) -> Result<T>) -> Result<T> {
    with_pool(c, pool, |p| {
        p.check_active()?;
        f(p)
    })
}

/// Runs `f` on volume `v` (its pool must be active).
fn with_vol<T>(v: &StorageVol, f: impl FnOnce(&PoolObj, &VolDef) -> Result<T>) -> Result<T> {
    with_active(&v.conn, &v.pool, |p| {
        let vol = p.vols.iter().find(|x| x.name == v.name).ok_or_else(|| no_vol("name", &v.name))?;
        f(p, vol)
    })
}

/// Finds a volume of any active pool.
fn find(c: &Connect, what: &str, value: &str, pick: fn(&VolDef) -> &str) -> Result<StorageVol> {
    let s = st(c);
    let g = s.storage.lock();
    g.pools
        .iter()
        .filter(|p| p.active)
        .find_map(|p| p.vols.iter().find(|v| pick(v) == value).map(|v| handle(c, p, v)))
        .ok_or_else(|| no_vol(what, value))
}

/// Creates a volume from `xml` in `pool`; a clone source, when given, must
/// be a volume of the same pool.
fn create(c: &Connect, pool: &str, xml: &str, clone_of: Option<&str>, flags: u32) -> Result<StorageVol> {
    with_active(c, pool, |p| {
        // the volume parser validates a well-formed document, then refuses the flag it was handed
        schema::validate_if(flags, VIR_STORAGE_VOL_CREATE_VALIDATE as u32, Schema::StorageVol, xml)?;
        if schema::well_formed(xml) {
            check_flags(flags, 0, "virStorageVolDefParseXML").map_err(|e| e.from_domain(VIR_FROM_STORAGE))?;
        }
        let mut def = VolDef::parse(xml, p.def.kind)?;
        if p.vols.iter().any(|v| v.name == def.name) {
            return Err(Error::with_detail(VIR_FROM_TEST, VIR_ERR_OPERATION_FAILED, "storage vol already exists"));
        }
        if let Some(src) = clone_of {
            if !p.vols.iter().any(|v| v.name == src) {
                return Err(no_vol("name", src));
            }
        }
        if p.def.allocation.saturating_add(def.allocation) > p.def.capacity {
            return Err(Error::with_detail(
                VIR_FROM_TEST,
                VIR_ERR_INTERNAL_ERROR,
                format!("Not enough free space in pool for volume '{}'", def.name),
            ));
        }
        let base = p.def.target_path.as_deref().unwrap_or("(null)");
        def.target.path = format!("{base}/{}", def.name);
        def.key = def.target.path.clone();
        p.account(def.allocation, true);
        let h = handle(c, p, &def);
        p.vols.push(def);
        Ok(h)
    })
}

pub fn install(t: &mut DriverTable) {
    let a = &mut t.api;
    a.storage_pool_num_of_volumes = Some(|p| with_active(&p.conn, &p.name, |o| Ok(o.vols.len() as i32)));
    a.storage_pool_list_volumes =
        Some(|p| with_active(&p.conn, &p.name, |o| Ok(o.vols.iter().map(|v| v.name.clone()).collect())));
    a.storage_pool_list_all_volumes = Some(|p, flags| {
        check_flags(flags, 0, "testStoragePoolListAllVolumes")?;
        with_pool_uuid(p, |o| {
            if !o.active {
                return Err(Error::with_detail(VIR_FROM_TEST, VIR_ERR_OPERATION_INVALID, "storage pool is not active"));
            }
            Ok(o.vols.iter().map(|v| handle(&p.conn, o, v)).collect())
        })
    });
    a.storage_pool_lookup_by_volume = Some(|v| with_pool(&v.conn, &v.pool, |o| Ok(o.handle(&v.conn))));
    a.storage_vol_lookup_by_name = Some(|p, name| {
        with_active(&p.conn, &p.name, |o| {
            let v = o.vols.iter().find(|v| v.name == name).ok_or_else(|| no_vol("name", name))?;
            Ok(handle(&p.conn, o, v))
        })
    });
    a.storage_vol_lookup_by_key = Some(|c, key| find(c, "key", key, |v| &v.key));
    a.storage_vol_lookup_by_path = Some(|c, path| find(c, "path", path, |v| &v.target.path));
    a.storage_vol_create_xml = Some(|p, xml, flags| {
        check_flags(flags, VIR_STORAGE_VOL_CREATE_VALIDATE as u32, "testStorageVolCreateXML")?;
        create(&p.conn, &p.name, xml, None, flags)
    });
    a.storage_vol_create_xml_from = Some(|p, xml, src, flags| {
        check_flags(flags, VIR_STORAGE_VOL_CREATE_VALIDATE as u32, "testStorageVolCreateXMLFrom")?;
        let src = src.ok_or_else(|| Error::invalid_handle(VIR_FROM_STORAGE, VIR_ERR_INVALID_STORAGE_VOL))?;
        create(&p.conn, &p.name, xml, Some(&src.name), flags)
    });
    a.storage_vol_delete = Some(|v, flags| {
        check_flags(flags, 0, "testStorageVolDelete")?;
        with_active(&v.conn, &v.pool, |p| {
            let i = p.vols.iter().position(|x| x.name == v.name).ok_or_else(|| no_vol("name", &v.name))?;
            let gone = p.vols.remove(i);
            p.account(gone.allocation, false);
            Ok(0)
        })
    });
    a.storage_vol_get_xml_desc = Some(|v, flags| {
        check_flags(flags, 0, "testStorageVolGetXMLDesc")?;
        with_vol(v, |_, d| Ok(d.format()))
    });
    a.storage_vol_get_path = Some(|v| with_vol(v, |_, d| Ok(d.target.path.clone())));
    t.storage.storage_vol_get_info = Some(|v| {
        with_vol(v, |p, d| {
            Ok(StorageVolInfo { kind: p.def.kind.vol_type(), capacity: d.capacity, allocation: d.allocation })
        })
    });
}
