//! Library-wide calls: initialisation and version.

use crate::core::error::Result;
use std::os::raw::{c_char, c_int, c_ulong};

pub(crate) unsafe fn virInitialize() -> Result<c_int> {
    crate::initialize();
    Ok(0)
}

pub(crate) unsafe fn virGetVersion(libVer: *mut c_ulong, type_: *const c_char, typeVer: *mut c_ulong) -> Result<c_int> {
    if libVer.is_null() {
        // libvirt fails here without saying why
        return Err(crate::core::error::Error::unknown_cause());
    }
    // SAFETY: libVer is a non-NULL out pointer supplied by the caller.
    unsafe { *libVer = crate::LIB_VERSION as c_ulong };
    if !typeVer.is_null() {
        // SAFETY: as above, for the optional typeVer.
        unsafe { *typeVer = crate::LIB_VERSION as c_ulong };
    }
    let _ = type_;
    Ok(0)
}
