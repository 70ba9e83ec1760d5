//! Storage queries answered with structures.

use super::call;
use super::client::REMOTE;
use super::generated::proc;
use super::wire::{decode_failed, Enc};
use crate::core::driver::{DriverTable, StoragePoolInfo, StorageVolInfo};
use crate::core::error::Result;
use crate::core::objects::StorageVol;
use crate::util::xdr::Decoder;

/// `remote_storage_vol_get_info_ret` and its flags variant.
fn vol_info(payload: &[u8]) -> Result<StorageVolInfo> {
    let mut d = Decoder::new(payload);
    Ok(StorageVolInfo {
        kind: d.i32().map_err(decode_failed)?,
        capacity: d.u64().map_err(decode_failed)?,
        allocation: d.u64().map_err(decode_failed)?,
    })
}

fn vol_info_flags(vol: &StorageVol, flags: u32) -> Result<StorageVolInfo> {
    let r = call(&vol.conn, REMOTE, proc::STORAGE_VOL_GET_INFO_FLAGS, |e| {
        vol.enc(e);
        e.u32(flags);
    })?;
    vol_info(&r)
}

pub fn install(t: &mut DriverTable) {
    t.storage.storage_pool_get_info = Some(|pool| {
        let r = call(&pool.conn, REMOTE, proc::STORAGE_POOL_GET_INFO, |e| pool.enc(e))?;
        let mut d = Decoder::new(&r);
        Ok(StoragePoolInfo {
            state: d.i32().map_err(decode_failed)?,
            capacity: d.u64().map_err(decode_failed)?,
            allocation: d.u64().map_err(decode_failed)?,
            available: d.u64().map_err(decode_failed)?,
        })
    });
    t.storage.storage_vol_get_info = Some(|vol| {
        let r = call(&vol.conn, REMOTE, proc::STORAGE_VOL_GET_INFO, |e| vol.enc(e))?;
        vol_info(&r)
    });
    t.storage.storage_vol_get_info_flags = Some(vol_info_flags);
}
