//! Strings and arrays across the boundary: borrowed C strings in, and
//! `malloc`ed copies out, which callers release with `free()`.

use crate::core::error::{Error, Result};
use std::ffi::CStr;
use std::os::raw::c_char;

/// Borrows an optional C string as UTF-8 (lossy for foreign bytes).
///
/// # Safety
/// `p` must be NULL or a NUL-terminated string valid for the call.
pub unsafe fn opt_str<'a>(p: *const c_char) -> Option<std::borrow::Cow<'a, str>> {
    if p.is_null() {
        None
    } else {
        // SAFETY: per the contract `p` is a valid NUL-terminated string.
        Some(unsafe { CStr::from_ptr(p) }.to_string_lossy())
    }
}

/// Borrows a required C string; NULL fails like libvirt's non-NULL check.
///
/// # Safety
/// As for [`opt_str`].
pub unsafe fn req_str<'a>(p: *const c_char, name: &str, api: &str) -> Result<std::borrow::Cow<'a, str>> {
    // SAFETY: forwarded contract.
    unsafe { opt_str(p) }.ok_or_else(|| null_arg(name, api))
}

/// libvirt's error for a NULL argument that must not be NULL.
pub fn null_arg(name: &str, api: &str) -> Error {
    Error::null_arg(name, api)
}

/// A `malloc`ed, NUL-terminated copy of `s` (NULL if allocation fails).
pub fn to_c(s: &str) -> *mut c_char {
    let bytes = s.as_bytes();
    // SAFETY: we allocate len+1 bytes and write exactly that many.
    unsafe {
        let p = libc::malloc(bytes.len() + 1) as *mut u8;
        if p.is_null() {
            return p.cast();
        }
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len());
        *p.add(bytes.len()) = 0;
        p.cast()
    }
}

/// A `malloc`ed copy of `s`, or an out-of-memory error.
pub fn to_c_checked(s: &str) -> Result<*mut c_char> {
    let p = to_c(s);
    if p.is_null() {
        Err(Error::new(0, crate::generated::consts::VIR_ERR_NO_MEMORY, None))
    } else {
        Ok(p)
    }
}

/// A `malloc`ed array of `n` zeroed elements (n may be 0: one dummy slot).
pub fn alloc_array<T>(n: usize) -> *mut T {
    // SAFETY: calloc with a non-zero count returns zeroed memory or NULL.
    unsafe { libc::calloc(n.max(1), std::mem::size_of::<T>().max(1)) as *mut T }
}

/// Frees what [`to_c`] or [`alloc_array`] returned.
///
/// # Safety
/// `p` must be NULL or come from this module's allocators.
pub unsafe fn free<T>(p: *mut T) {
    // SAFETY: per the contract `p` came from malloc/calloc.
    unsafe { libc::free(p.cast()) }
}

/// Copies `s` into a fixed C buffer, truncating and NUL-terminating.
pub fn copy_to_buf(s: &str, buf: &mut [c_char]) {
    let n = s.len().min(buf.len().saturating_sub(1));
    for (d, b) in buf.iter_mut().zip(s.as_bytes()[..n].iter()) {
        *d = *b as c_char;
    }
    if let Some(last) = buf.get_mut(n) {
        *last = 0;
    }
}
