//! virterror.h: reading, copying and resetting errors, and error handlers.

use crate::capi::errors::{self as e, with_last};
use crate::capi::generated::types::*;
use crate::capi::handle::*;
use crate::core::error::Result;
use crate::generated::consts::*;
use std::os::raw::{c_char, c_int, c_void};

pub(crate) unsafe fn virGetLastError() -> Result<virErrorPtr> {
    Ok(with_last(|l| if l.code == VIR_ERR_OK { std::ptr::null_mut() } else { l as *mut virError }))
}

pub(crate) unsafe fn virGetLastErrorCode() -> Result<c_int> {
    Ok(with_last(|l| l.code))
}

pub(crate) unsafe fn virGetLastErrorDomain() -> Result<c_int> {
    Ok(with_last(|l| l.domain))
}

pub(crate) unsafe fn virGetLastErrorMessage() -> Result<*const c_char> {
    Ok(with_last(|l| {
        if l.code == VIR_ERR_OK {
            c"no error".as_ptr()
        } else if l.message.is_null() {
            c"unknown error".as_ptr()
        } else {
            l.message as *const c_char
        }
    }))
}

pub(crate) unsafe fn virCopyLastError(to: virErrorPtr) -> Result<c_int> {
    if to.is_null() {
        return Ok(-1);
    }
    // SAFETY: the caller passes a writable virError; it may hold garbage.
    let to = unsafe { &mut *to };
    with_last(|l| e::copy(l, to));
    Ok(to.code)
}

pub(crate) unsafe fn virSaveLastError() -> Result<virErrorPtr> {
    let p = crate::capi::strings::alloc_array::<virError>(1);
    if !p.is_null() {
        // SAFETY: p is a fresh zeroed allocation of one virError.
        with_last(|l| e::copy(l, unsafe { &mut *p }));
    }
    Ok(p)
}

pub(crate) unsafe fn virResetLastError() -> Result<()> {
    e::reset_last_error();
    Ok(())
}

pub(crate) unsafe fn virResetError(err: virErrorPtr) -> Result<()> {
    if !err.is_null() {
        // SAFETY: the caller passes an error object it owns.
        e::clear(unsafe { &mut *err });
    }
    Ok(())
}

pub(crate) unsafe fn virFreeError(err: virErrorPtr) -> Result<()> {
    if !err.is_null() {
        // SAFETY: err came from virSaveLastError (malloc) per the API contract.
        unsafe {
            e::clear(&mut *err);
            crate::capi::strings::free(err);
        }
    }
    Ok(())
}

pub(crate) unsafe fn virConnGetLastError(conn: virConnectPtr) -> Result<virErrorPtr> {
    if conn.is_null() {
        return Ok(std::ptr::null_mut());
    }
    // SAFETY: non-NULL connection pointers come from virConnectOpen*.
    let c = unsafe { &*conn };
    // The connection's own slot, even when it holds no error.
    let mut slot = c.value.last_error.lock();
    Ok(&mut **slot as *mut virError)
}

pub(crate) unsafe fn virConnCopyLastError(conn: virConnectPtr, to: virErrorPtr) -> Result<c_int> {
    if to.is_null() {
        return Ok(-1);
    }
    // SAFETY: the caller passes a writable virError.
    let to = unsafe { &mut *to };
    *to = e::empty();
    if conn.is_null() {
        return Ok(-1);
    }
    // SAFETY: non-NULL connection pointers come from virConnectOpen*.
    let c = unsafe { &*conn };
    e::copy(&c.value.last_error.lock(), to);
    Ok(to.code)
}

pub(crate) unsafe fn virConnResetLastError(conn: virConnectPtr) -> Result<()> {
    if !conn.is_null() {
        // SAFETY: non-NULL connection pointers come from virConnectOpen*.
        let c = unsafe { &*conn };
        e::clear(&mut c.value.last_error.lock());
    }
    Ok(())
}

pub(crate) unsafe fn virSetErrorFunc(userData: *mut c_void, handler: virErrorFunc) -> Result<()> {
    e::set_global_handler(userData, handler);
    Ok(())
}

pub(crate) unsafe fn virConnSetErrorFunc(
    conn: virConnectPtr,
    userData: *mut c_void,
    handler: virErrorFunc,
) -> Result<()> {
    if !conn.is_null() {
        // SAFETY: non-NULL connection pointers come from virConnectOpen*.
        let c: &ConnectHandle = unsafe { &*conn };
        *c.value.handler.lock() = (handler, userData as usize);
    }
    Ok(())
}

pub(crate) unsafe fn virDefaultErrorFunc(err: virErrorPtr) -> Result<()> {
    if !err.is_null() {
        // SAFETY: the caller passes a valid error object.
        e::default_report(unsafe { &*err });
    }
    Ok(())
}
