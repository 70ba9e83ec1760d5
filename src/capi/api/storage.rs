//! libvirt-storage.h functions filling C structures.

use crate::capi::generated::types::*;
use crate::capi::handle::*;
use crate::capi::strings::null_arg;
use crate::core::driver::StorageVolInfo;
use crate::core::error::Result;
use crate::driver_entry;
use std::os::raw::{c_int, c_uint};

pub(crate) unsafe fn virStoragePoolGetInfo(p: virStoragePoolPtr, info: virStoragePoolInfoPtr) -> Result<c_int> {
    // SAFETY: check validates the class of the caller's pointer.
    let h = unsafe { StoragePoolHandle::check(p) }?;
    if info.is_null() {
        return Err(null_arg("info", "virStoragePoolGetInfo"));
    }
    let i = driver_entry!(h.obj().conn, storage.storage_pool_get_info)(h.obj())?;
    // SAFETY: info is a non-NULL out pointer to a virStoragePoolInfo.
    unsafe {
        *info = virStoragePoolInfo {
            state: i.state,
            capacity: i.capacity,
            allocation: i.allocation,
            available: i.available,
        }
    };
    Ok(0)
}

unsafe fn fill_vol_info(info: virStorageVolInfoPtr, i: StorageVolInfo) {
    // SAFETY: the caller checked info is a non-NULL out pointer.
    unsafe { *info = virStorageVolInfo { r#type: i.kind, capacity: i.capacity, allocation: i.allocation } };
}

pub(crate) unsafe fn virStorageVolGetInfo(v: virStorageVolPtr, info: virStorageVolInfoPtr) -> Result<c_int> {
    // SAFETY: check validates the class of the caller's pointer.
    let h = unsafe { StorageVolHandle::check(v) }?;
    if info.is_null() {
        return Err(null_arg("info", "virStorageVolGetInfo"));
    }
    let i = driver_entry!(h.obj().conn, storage.storage_vol_get_info)(h.obj())?;
    // SAFETY: info is non-NULL.
    unsafe { fill_vol_info(info, i) };
    Ok(0)
}

pub(crate) unsafe fn virStorageVolGetInfoFlags(
    v: virStorageVolPtr,
    info: virStorageVolInfoPtr,
    flags: c_uint,
) -> Result<c_int> {
    // SAFETY: check validates the class of the caller's pointer.
    let h = unsafe { StorageVolHandle::check(v) }?;
    if info.is_null() {
        return Err(null_arg("info", "virStorageVolGetInfoFlags"));
    }
    let i = driver_entry!(h.obj().conn, storage.storage_vol_get_info_flags)(h.obj(), flags)?;
    // SAFETY: info is non-NULL.
    unsafe { fill_vol_info(info, i) };
    Ok(0)
}
