//! Conversions the generated dispatch code uses between C arguments and the
//! Rust values the driver tables take and give back: the calling
//! conventions of libvirt's API (name lists, `ListAll` arrays, typed
//! parameter arrays filled in place or allocated, scalar out-pointers)
//! written once here instead of in each function.

use super::api::typed_params::{from_c_array, to_c_array, write_c_array};
use super::generated::types::*;
use super::handle::{Handle, HandleClass};
use super::strings::{alloc_array, to_c, to_c_checked};
use crate::core::error::{Error, Result};
use crate::core::typed_params::TypedParam;
use crate::core::uuid::Uuid;
use crate::core::Connect;
use crate::generated::consts::VIR_ERR_NO_MEMORY;
use std::borrow::Cow;
use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_uchar};

impl<T: HandleClass> Handle<T> {
    /// The connection whose driver serves calls on this handle.
    pub fn driver_conn(&self) -> Result<&Connect> {
        self.value.connection().ok_or_else(Error::no_support)
    }
}

fn no_memory() -> Error {
    Error::new(0, VIR_ERR_NO_MEMORY, None)
}

/// A C string argument the driver may see as absent.
///
/// # Safety
/// `p` must be NULL or a NUL-terminated string valid for the call.
pub unsafe fn text<'a>(p: *const c_char) -> Option<Cow<'a, str>> {
    // SAFETY: forwarded contract.
    unsafe { super::strings::opt_str(p) }
}

/// A raw `VIR_UUID_BUFLEN`-byte UUID argument (checked non-NULL before).
///
/// # Safety
/// `p` must point at 16 readable bytes.
pub unsafe fn uuid(p: *const c_uchar) -> Uuid {
    let mut raw = [0u8; 16];
    // SAFETY: per the contract `p` holds 16 bytes.
    unsafe { std::ptr::copy_nonoverlapping(p, raw.as_mut_ptr(), 16) };
    raw
}

/// A UUID given as text (checked non-NULL before); libvirt's error for a
/// malformed one.
///
/// # Safety
/// `p` must be a NUL-terminated string.
pub unsafe fn uuid_text(p: *const c_char, arg: &str, api: &str) -> Result<Uuid> {
    // SAFETY: forwarded contract.
    let s = unsafe { text(p) }.unwrap_or_default();
    crate::core::uuid::parse(&s)
        .ok_or_else(|| Error::arg_error(arg, api, format!("{arg} in {api} must be a valid UUID")))
}

/// An input array of C strings with its count.
///
/// # Safety
/// `p` must be NULL or hold `n` readable string pointers.
pub unsafe fn strings(p: *const *const c_char, n: i64, arg: &str, api: &str) -> Result<Vec<String>> {
    if n < 0 {
        return Err(Error::negative_arg(arg, api));
    }
    if n > 0 && p.is_null() {
        return Err(Error::null_arg(arg, api));
    }
    (0..n as usize)
        .map(|i| {
            // SAFETY: i < n, within the caller's array.
            let s = unsafe { *p.add(i) };
            if s.is_null() {
                return Err(Error::null_arg(arg, api));
            }
            // SAFETY: a non-NULL element is a C string.
            Ok(unsafe { CStr::from_ptr(s) }.to_string_lossy().into_owned())
        })
        .collect()
}

/// An input typed-parameter array, validated as libvirt's Set* calls do.
///
/// # Safety
/// `p` must be NULL or hold `n` parameters.
pub unsafe fn params_in(p: virTypedParameterPtr, n: c_int) -> Result<Vec<TypedParam>> {
    // SAFETY: forwarded contract.
    unsafe { from_c_array(p, n) }
}

/// The `Get*Parameters` convention: with `*nparams == 0` the caller asks how
/// many parameters there are; otherwise up to `*nparams` are written and
/// `*nparams` becomes the number written.
///
/// # Safety
/// `nparams` must be valid; `params` must hold `*nparams` slots when non-zero.
pub unsafe fn params_fill(
    v: Vec<TypedParam>,
    params: virTypedParameterPtr,
    nparams: *mut c_int,
    api: &str,
) -> Result<c_int> {
    // SAFETY: checked non-NULL by the prologue.
    let cap = unsafe { *nparams };
    if cap < 0 {
        return Err(Error::negative_arg("nparams", api));
    }
    if cap == 0 {
        // SAFETY: as above.
        unsafe { *nparams = v.len() as c_int };
        return Ok(0);
    }
    if params.is_null() {
        return Err(Error::null_arg("params", api));
    }
    // SAFETY: the caller provides `cap` slots.
    let n = unsafe { write_c_array(&v, params, cap as usize) }?;
    // SAFETY: as above.
    unsafe { *nparams = n };
    Ok(0)
}

/// The allocating convention: a new array the caller frees with
/// `virTypedParamsFree`.
///
/// # Safety
/// Both pointers must be valid for writing (checked non-NULL before).
pub unsafe fn params_alloc(
    v: Vec<TypedParam>,
    params: *mut virTypedParameterPtr,
    nparams: *mut c_int,
) -> Result<c_int> {
    // SAFETY: builds a malloc'ed array for the caller.
    let (arr, n) = unsafe { to_c_array(&v) };
    if arr.is_null() && !v.is_empty() {
        return Err(no_memory());
    }
    // SAFETY: valid out-pointers per the contract.
    unsafe {
        *params = arr;
        *nparams = n;
    }
    Ok(0)
}

/// The `virConnectList*` name convention: up to `max` `malloc`ed names
/// written to `names`; the count written is returned.
///
/// # Safety
/// `names` must hold `max` slots when `max > 0`.
pub unsafe fn names_out(v: Vec<String>, names: *mut *mut c_char, max: c_int, api: &str) -> Result<c_int> {
    if max < 0 {
        return Err(Error::negative_arg("maxnames", api));
    }
    if max > 0 && names.is_null() {
        return Err(Error::null_arg("names", api));
    }
    let n = v.len().min(max as usize);
    for (i, s) in v.iter().take(n).enumerate() {
        let p = to_c(s);
        if p.is_null() {
            for j in 0..i {
                // SAFETY: slots before i were filled by us with malloc'ed copies.
                unsafe { libc::free((*names.add(j)).cast()) };
            }
            return Err(no_memory());
        }
        // SAFETY: i < max slots.
        unsafe { *names.add(i) = p };
    }
    Ok(n as c_int)
}

/// The `ListAll` convention: a NULL-terminated `malloc`ed array of new
/// handles when `out` is non-NULL; the count is returned either way.
///
/// # Safety
/// `out` must be NULL or valid for writing.
pub unsafe fn objects_out<O, H>(v: Vec<O>, out: *mut *mut *mut H, wrap: impl Fn(O) -> *mut H) -> Result<c_int> {
    let n = c_int::try_from(v.len()).map_err(|_| no_memory())?;
    if out.is_null() {
        return Ok(n);
    }
    let arr = alloc_array::<*mut H>(v.len() + 1);
    if arr.is_null() {
        return Err(no_memory());
    }
    for (i, o) in v.into_iter().enumerate() {
        // SAFETY: the array has len+1 zeroed slots.
        unsafe { *arr.add(i) = wrap(o) };
    }
    // SAFETY: valid out-pointer per the contract.
    unsafe { *out = arr };
    Ok(n)
}

/// A single scalar result written through an out-pointer (checked before).
///
/// # Safety
/// `p` must be valid for writing.
pub unsafe fn scalar_out<T>(v: T, p: *mut T) -> Result<c_int> {
    // SAFETY: per the contract.
    unsafe { *p = v };
    Ok(0)
}

/// A string result the caller frees.
pub fn string_out(s: String) -> Result<*mut c_char> {
    to_c_checked(&s)
}

/// A list of strings returned through a `char ***` the caller frees.
///
/// # Safety
/// `out` must be valid for writing.
pub unsafe fn string_list_out(v: Vec<String>, out: *mut *mut *mut c_char) -> Result<c_int> {
    // SAFETY: forwarded contract; each element is a malloc'ed copy.
    unsafe { objects_out(v, out, |s| to_c(&s)) }
}
