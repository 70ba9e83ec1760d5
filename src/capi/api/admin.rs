//! libvirt-admin.h: the library-level calls. Opening a connection finds
//! and connects the daemon's admin socket; the admin protocol itself is not
//! spoken yet, so an open that reaches a daemon fails as unsupported.

use crate::capi::generated::types::*;
use crate::capi::marshal;
use crate::core::error::{Error, Result};
use std::os::raw::{c_char, c_int, c_uint, c_ulonglong};

pub(crate) unsafe fn virAdmGetVersion(lib_ver: *mut c_ulonglong) -> Result<c_int> {
    if lib_ver.is_null() {
        // libvirt fails here without saying why
        return Err(Error::unknown_cause());
    }
    // SAFETY: non-NULL out-pointer from the caller.
    unsafe { *lib_ver = crate::LIB_VERSION };
    Ok(0)
}

pub(crate) unsafe fn virAdmInitialize() -> Result<c_int> {
    crate::initialize();
    Ok(0)
}

pub(crate) unsafe fn virAdmConnectOpen(name: *const c_char, _flags: c_uint) -> Result<virAdmConnectPtr> {
    // SAFETY: forwarded caller contract.
    let name = unsafe { marshal::text(name) };
    let _socket = crate::core::admin::open(name.as_deref())?;
    Err(Error::no_support())
}
