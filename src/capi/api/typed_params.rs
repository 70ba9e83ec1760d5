//! libvirt-common.h: the virTypedParams* family, plus the conversions
//! between C `virTypedParameter` arrays and [`TypedParam`] lists that the
//! drivers' parameter and statistics calls use.
//!
//! The Add* functions grow the caller's array exactly like libvirt's
//! `VIR_RESIZE_N` (so `*maxparams` takes the same values), with libc
//! `realloc`, so that `virTypedParamsFree` or plain `free()` releases it.
//! Behaviour on bad input is libvirt 9.0.0's, as observed by
//! tests-c/typed_params_diff.c; where libvirt would crash (NULL array
//! pointers, negative counts) we report an invalid-argument error instead.

use crate::capi::errors::reset_last_error;
use crate::capi::generated::types::*;
use crate::capi::strings::null_arg;
use crate::core::error::{Error, Result, LEVEL_ERROR};
use crate::core::typed_params::{self as tp, TypedParam, TypedValue, FIELD_LENGTH};
use crate::generated::consts::*;
use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_longlong, c_uint, c_ulonglong};

const PARAM_SIZE: usize = std::mem::size_of::<virTypedParameter>();

fn no_memory() -> Error {
    Error::new(VIR_FROM_NONE, VIR_ERR_NO_MEMORY, None)
}

/// A C string for messages: lossy UTF-8, "(null)" for NULL (as glib prints).
///
/// # Safety
/// `p` must be NULL or a NUL-terminated string.
unsafe fn text(p: *const c_char) -> String {
    if p.is_null() {
        "(null)".to_string()
    } else {
        // SAFETY: per the contract `p` is a NUL-terminated string.
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
}

/// The bytes of a parameter's field up to its NUL (at most the buffer).
fn field_bytes(p: &virTypedParameter) -> &[u8] {
    // SAFETY: `field` is an array of FIELD_LENGTH c_chars; u8 has the same layout.
    let all = unsafe { std::slice::from_raw_parts(p.field.as_ptr() as *const u8, p.field.len()) };
    let len = all.iter().position(|&b| b == 0).unwrap_or(all.len());
    &all[..len]
}

/// The field of a parameter as text (lossy).
#[allow(dead_code)] // for the drivers' parameter calls
pub fn field_text(p: &virTypedParameter) -> String {
    String::from_utf8_lossy(field_bytes(p)).into_owned()
}

/// `virStrcpyStatic(param->field, name)`: copies what fits (truncating like
/// `g_strlcpy`) and fails when the name is too long. A NULL name leaves the
/// field alone and succeeds, as glib's `g_strlcpy` does.
///
/// # Safety
/// `name` must be NULL or a NUL-terminated string.
unsafe fn set_field(slot: &mut virTypedParameter, name: *const c_char) -> Result<()> {
    if name.is_null() {
        return Ok(());
    }
    // SAFETY: per the contract `name` is a NUL-terminated string.
    let bytes = unsafe { CStr::from_ptr(name) }.to_bytes();
    let n = bytes.len().min(FIELD_LENGTH - 1);
    for (d, s) in slot.field.iter_mut().zip(&bytes[..n]) {
        *d = *s as c_char;
    }
    slot.field[n] = 0;
    if bytes.len() >= FIELD_LENGTH {
        // SAFETY: as above.
        return Err(tp::field_too_long(&unsafe { text(name) }));
    }
    Ok(())
}

/// `VIR_RESIZE_N(*params, *maxparams, *nparams, 1)`: makes room for one
/// more parameter and returns the zeroed slot at index `*nparams`.
///
/// # Safety
/// The pointers must be NULL or valid; `*params` must be NULL or a
/// malloc'ed array of `*maxparams` parameters.
unsafe fn grow(
    params: *mut virTypedParameterPtr,
    nparams: *mut c_int,
    maxparams: *mut c_int,
    api: &str,
) -> Result<*mut virTypedParameter> {
    if params.is_null() {
        return Err(null_arg("params", api));
    }
    if nparams.is_null() {
        return Err(null_arg("nparams", api));
    }
    if maxparams.is_null() {
        return Err(null_arg("maxparams", api));
    }
    // SAFETY: all three pointers were checked non-NULL and are the caller's.
    let (arr, n, max) = unsafe { (*params, *nparams, *maxparams) };
    let n = usize::try_from(n)
        .map_err(|_| Error::invalid_arg(format!("nparams in {api} must be greater than or equal to 0")))?;
    let mut max = usize::try_from(max)
        .map_err(|_| Error::invalid_arg(format!("maxparams in {api} must be greater than or equal to 0")))?;
    if arr.is_null() {
        max = 0;
    }
    let mut arr = arr;
    if n + 1 > max {
        let delta = (n + 1 - max).max(max / 2);
        let new = max + delta;
        if new > c_int::MAX as usize {
            return Err(no_memory());
        }
        let bytes = new.checked_mul(PARAM_SIZE).ok_or_else(no_memory)?;
        // SAFETY: `arr` is NULL or a malloc'ed block (caller contract);
        // realloc keeps the first `max` elements and we zero the rest.
        let grown = unsafe { libc::realloc(arr.cast(), bytes) } as *mut virTypedParameter;
        if grown.is_null() {
            return Err(no_memory());
        }
        // SAFETY: `grown` holds `new` elements; [max, new) is fresh memory.
        unsafe { std::ptr::write_bytes(grown.add(max), 0, delta) };
        arr = grown;
        max = new;
        // SAFETY: `params` is valid (checked above).
        unsafe { *params = arr };
    }
    // SAFETY: `maxparams` is valid; `max` fits in c_int (checked on growth,
    // or it came from the caller's own c_int).
    unsafe { *maxparams = max as c_int };
    // SAFETY: n < max, so the slot is inside the array.
    Ok(unsafe { arr.add(n) })
}

/// The common path of the Add* functions: grow, name the slot, then store
/// the value (made only once the name is known to fit, as libvirt does).
///
/// # Safety
/// As for [`grow`]; `name` NULL or a C string.
unsafe fn add(
    params: *mut virTypedParameterPtr,
    nparams: *mut c_int,
    maxparams: *mut c_int,
    name: *const c_char,
    api: &str,
    ty: c_int,
    value: impl FnOnce() -> Result<_virTypedParameter_value>,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let slot = unsafe { grow(params, nparams, maxparams, api) }?;
    // SAFETY: `slot` points into the caller's array.
    let slot = unsafe { &mut *slot };
    // SAFETY: forwarded caller contract for `name`.
    unsafe { set_field(slot, name) }?;
    slot.value = value()?;
    slot.r#type = ty;
    // SAFETY: `nparams` was checked non-NULL by grow.
    unsafe { *nparams += 1 };
    Ok(0)
}

/// One scalar `virTypedParamsAdd*` function.
macro_rules! scalar_adder {
    ($fn:ident, $cty:ty, $code:expr, |$v:ident| $union:expr) => {
        pub(crate) unsafe fn $fn(
            params: *mut virTypedParameterPtr,
            nparams: *mut c_int,
            maxparams: *mut c_int,
            name: *const c_char,
            $v: $cty,
        ) -> Result<c_int> {
            // SAFETY: forwarded caller contract.
            unsafe { add(params, nparams, maxparams, name, stringify!($fn), $code, || Ok($union)) }
        }
    };
}

scalar_adder!(virTypedParamsAddInt, c_int, tp::TYPE_INT, |value| _virTypedParameter_value { i: value });
scalar_adder!(virTypedParamsAddUInt, c_uint, tp::TYPE_UINT, |value| _virTypedParameter_value { ui: value });
scalar_adder!(virTypedParamsAddLLong, c_longlong, tp::TYPE_LLONG, |value| _virTypedParameter_value { l: value });
scalar_adder!(virTypedParamsAddULLong, c_ulonglong, tp::TYPE_ULLONG, |value| _virTypedParameter_value { ul: value });
scalar_adder!(virTypedParamsAddDouble, f64, tp::TYPE_DOUBLE, |value| _virTypedParameter_value { d: value });
scalar_adder!(virTypedParamsAddBoolean, c_int, tp::TYPE_BOOLEAN, |value| _virTypedParameter_value {
    b: c_char::from(value != 0)
});

/// A `malloc`ed copy of a C string (NULL for "": libvirt stores "").
///
/// # Safety
/// `value` must be NULL or a NUL-terminated string.
unsafe fn dup(value: *const c_char) -> Result<*mut c_char> {
    let src = if value.is_null() { c"".as_ptr() } else { value };
    // SAFETY: `src` is a NUL-terminated string.
    let p = unsafe { libc::strdup(src) };
    if p.is_null() {
        Err(no_memory())
    } else {
        Ok(p)
    }
}

/// `virTypedParamsAddString` without the error reset.
///
/// # Safety
/// As for [`grow`]; `name` and `value` NULL or C strings.
unsafe fn add_string(
    params: *mut virTypedParameterPtr,
    nparams: *mut c_int,
    maxparams: *mut c_int,
    name: *const c_char,
    value: *const c_char,
    api: &str,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract; `value` is NULL or a C string.
    unsafe {
        add(params, nparams, maxparams, name, api, tp::TYPE_STRING, || Ok(_virTypedParameter_value { s: dup(value)? }))
    }
}

pub(crate) unsafe fn virTypedParamsAddString(
    params: *mut virTypedParameterPtr,
    nparams: *mut c_int,
    maxparams: *mut c_int,
    name: *const c_char,
    value: *const c_char,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    unsafe { add_string(params, nparams, maxparams, name, value, "virTypedParamsAddString") }
}

pub(crate) unsafe fn virTypedParamsAddStringList(
    params: *mut virTypedParameterPtr,
    nparams: *mut c_int,
    maxparams: *mut c_int,
    name: *const c_char,
    values: *mut *const c_char,
) -> Result<c_int> {
    // libvirt: NULL list is success, an empty list returns -1 without
    // reporting (or resetting) any error; each element goes through
    // virTypedParamsAddString, which resets the last error.
    if values.is_null() {
        return Ok(0);
    }
    let mut rv = -1;
    let mut i = 0;
    loop {
        // SAFETY: `values` is a NULL-terminated array per the API contract.
        let v = unsafe { *values.add(i) };
        if v.is_null() {
            break;
        }
        reset_last_error();
        // SAFETY: forwarded caller contract.
        rv = unsafe { add_string(params, nparams, maxparams, name, v, "virTypedParamsAddString") }?;
        i += 1;
    }
    Ok(rv)
}

pub(crate) unsafe fn virTypedParamsAddFromString(
    params: *mut virTypedParameterPtr,
    nparams: *mut c_int,
    maxparams: *mut c_int,
    name: *const c_char,
    type_: c_int,
    value: *const c_char,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let slot = unsafe { grow(params, nparams, maxparams, "virTypedParamsAddFromString") }?;
    // SAFETY: `slot` points into the caller's array.
    let slot = unsafe { &mut *slot };
    if value.is_null() {
        // SAFETY: `name` is NULL or a C string.
        return Err(tp::null_value(&unsafe { text(name) }));
    }
    // SAFETY: forwarded caller contract for `name`.
    unsafe { set_field(slot, name) }?;
    slot.r#type = type_;
    let v = if type_ == tp::TYPE_STRING {
        // SAFETY: `value` is a non-NULL C string.
        _virTypedParameter_value { s: unsafe { dup(value) }? }
    } else {
        // SAFETY: `value` and `name` are C strings (name possibly NULL).
        let (val, nm) = unsafe { (text(value), text(name)) };
        value_to_c(&tp::parse_value(&nm, type_, &val)?)?
    };
    slot.value = v;
    // SAFETY: `nparams` was checked non-NULL by grow.
    unsafe { *nparams += 1 };
    Ok(0)
}

pub(crate) unsafe fn virTypedParamsClear(params: virTypedParameterPtr, nparams: c_int) -> Result<()> {
    if params.is_null() {
        return Ok(());
    }
    for i in 0..usize::try_from(nparams).unwrap_or(0) {
        // SAFETY: the caller's array holds `nparams` parameters.
        let p = unsafe { &mut *params.add(i) };
        if p.r#type == tp::TYPE_STRING {
            // SAFETY: string values are malloc'ed (by us or the caller) or NULL.
            unsafe {
                libc::free(p.value.s.cast());
                p.value.s = std::ptr::null_mut();
            }
        }
    }
    Ok(())
}

pub(crate) unsafe fn virTypedParamsFree(params: virTypedParameterPtr, nparams: c_int) -> Result<()> {
    // SAFETY: forwarded caller contract.
    unsafe { virTypedParamsClear(params, nparams) }?;
    // SAFETY: the array is NULL or malloc'ed per the API contract.
    unsafe { libc::free(params.cast()) };
    Ok(())
}

/// `virTypedParamsGet`: the first parameter named `name`, or NULL.
///
/// # Safety
/// `params` NULL or an array of `nparams` parameters; `name` NULL or a C string.
unsafe fn find(params: virTypedParameterPtr, nparams: c_int, name: *const c_char) -> virTypedParameterPtr {
    if params.is_null() || name.is_null() {
        return std::ptr::null_mut();
    }
    // SAFETY: `name` is a NUL-terminated string.
    let want = unsafe { CStr::from_ptr(name) }.to_bytes();
    for i in 0..usize::try_from(nparams).unwrap_or(0) {
        // SAFETY: the caller's array holds `nparams` parameters.
        let p = unsafe { params.add(i) };
        // SAFETY: `p` is inside the array.
        if field_bytes(unsafe { &*p }) == want {
            return p;
        }
    }
    std::ptr::null_mut()
}

/// Finds `name` and checks its type: `None` when absent.
///
/// # Safety
/// As for [`find`].
unsafe fn find_typed<'a>(
    params: virTypedParameterPtr,
    nparams: c_int,
    name: *const c_char,
    want: c_int,
) -> Result<Option<&'a virTypedParameter>> {
    // SAFETY: forwarded caller contract.
    let p = unsafe { find(params, nparams, name) };
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: `p` points into the caller's array.
    let p = unsafe { &*p };
    if p.r#type != want {
        // SAFETY: `name` is a non-NULL C string (find succeeded).
        return Err(tp::type_mismatch(&unsafe { text(name) }, want, p.r#type));
    }
    Ok(Some(p))
}

pub(crate) unsafe fn virTypedParamsGet(
    params: virTypedParameterPtr,
    nparams: c_int,
    name: *const c_char,
) -> Result<virTypedParameterPtr> {
    // SAFETY: forwarded caller contract.
    Ok(unsafe { find(params, nparams, name) })
}

macro_rules! getter {
    ($fn:ident, $ty:ty, $code:expr, |$p:ident| $read:expr) => {
        pub(crate) unsafe fn $fn(
            params: virTypedParameterPtr,
            nparams: c_int,
            name: *const c_char,
            value: *mut $ty,
        ) -> Result<c_int> {
            // SAFETY: forwarded caller contract.
            match unsafe { find_typed(params, nparams, name, $code) }? {
                None => Ok(0),
                Some($p) => {
                    if !value.is_null() {
                        // SAFETY: the union member matches the checked type;
                        // `value` is the caller's non-NULL out-pointer.
                        unsafe { *value = $read };
                    }
                    Ok(1)
                }
            }
        }
    };
}

getter!(virTypedParamsGetInt, c_int, tp::TYPE_INT, |p| p.value.i);
getter!(virTypedParamsGetUInt, c_uint, tp::TYPE_UINT, |p| p.value.ui);
getter!(virTypedParamsGetLLong, c_longlong, tp::TYPE_LLONG, |p| p.value.l);
getter!(virTypedParamsGetULLong, c_ulonglong, tp::TYPE_ULLONG, |p| p.value.ul);
getter!(virTypedParamsGetDouble, f64, tp::TYPE_DOUBLE, |p| p.value.d);
getter!(virTypedParamsGetBoolean, c_int, tp::TYPE_BOOLEAN, |p| c_int::from(p.value.b != 0));
getter!(virTypedParamsGetString, *const c_char, tp::TYPE_STRING, |p| p.value.s as *const c_char);

// ---------------------------------------------------------------------
// Conversions for drivers.

/// The C union for a value; strings become `malloc`ed copies (cut at an
/// interior NUL, which C cannot represent).
fn value_to_c(v: &TypedValue) -> Result<_virTypedParameter_value> {
    Ok(match v {
        TypedValue::Int(i) => _virTypedParameter_value { i: *i },
        TypedValue::UInt(ui) => _virTypedParameter_value { ui: *ui },
        TypedValue::LLong(l) => _virTypedParameter_value { l: *l },
        TypedValue::ULLong(ul) => _virTypedParameter_value { ul: *ul },
        TypedValue::Double(d) => _virTypedParameter_value { d: *d },
        TypedValue::Boolean(b) => _virTypedParameter_value { b: c_char::from(*b) },
        TypedValue::String(s) => {
            let s = s.split('\0').next().unwrap_or("");
            _virTypedParameter_value { s: crate::capi::strings::to_c_checked(s)? }
        }
    })
}

/// Fills one C parameter from `p` (field truncated to fit; strings malloc'ed).
#[allow(dead_code)] // for the drivers' parameter calls
fn fill(slot: &mut virTypedParameter, p: &TypedParam) -> Result<()> {
    let value = value_to_c(&p.value)?;
    crate::capi::strings::copy_to_buf(p.field.split('\0').next().unwrap_or(""), &mut slot.field);
    slot.r#type = p.value.type_code();
    slot.value = value;
    Ok(())
}

/// A `malloc`ed C array holding `params` (strings are `malloc`ed copies),
/// for APIs that return a newly allocated array; the caller releases it
/// with `virTypedParamsFree`. Returns `(NULL, 0)` if memory runs out.
///
/// # Safety
/// None beyond handing the result to C code that frees it with
/// `virTypedParamsFree` (or `virTypedParamsClear` + `free`).
#[allow(dead_code)] // for the drivers' parameter calls
pub unsafe fn to_c_array(params: &[TypedParam]) -> (*mut virTypedParameter, c_int) {
    let Ok(n) = c_int::try_from(params.len()) else {
        return (std::ptr::null_mut(), 0);
    };
    let arr = crate::capi::strings::alloc_array::<virTypedParameter>(params.len());
    if arr.is_null() {
        return (arr, 0);
    }
    // SAFETY: `arr` holds params.len() zeroed parameters (at least one slot).
    let written = unsafe { write_c_array(params, arr, params.len()) };
    if written.is_err() {
        // SAFETY: `arr` holds n parameters, zeroed where not yet filled.
        unsafe {
            let _ = virTypedParamsFree(arr, n);
        }
        return (std::ptr::null_mut(), 0);
    }
    (arr, n)
}

/// Writes up to `cap` parameters into a caller-provided array (the
/// `virDomainGet*Parameters` convention) and returns how many were
/// written. Earlier contents of the slots are overwritten, not freed.
///
/// # Safety
/// `dst` must point to at least `cap` writable parameters.
#[allow(dead_code)] // for the drivers' parameter calls
pub unsafe fn write_c_array(params: &[TypedParam], dst: *mut virTypedParameter, cap: usize) -> Result<c_int> {
    let n = params.len().min(cap);
    for (i, p) in params.iter().take(n).enumerate() {
        // SAFETY: i < cap and `dst` holds `cap` parameters.
        let slot = unsafe { &mut *dst.add(i) };
        if let Err(e) = fill(slot, p) {
            // SAFETY: the first `i` slots were filled by us.
            unsafe {
                let _ = virTypedParamsClear(dst, i as c_int);
            }
            return Err(e);
        }
    }
    Ok(n as c_int)
}

/// libvirt's `virReportInvalidArg(params, ...)` from
/// `virTypedParameterValidateSet`: the message is the bare text.
#[allow(dead_code)] // for the drivers' parameter calls
fn invalid_params(message: String) -> Error {
    Error {
        code: VIR_ERR_INVALID_ARG,
        domain: VIR_FROM_NONE,
        message,
        level: LEVEL_ERROR,
        str1: Some("virTypedParameterValidateSet".to_string()),
        str2: Some("params".to_string()),
        str3: None,
        int1: 0,
        int2: 0,
        needs_api_name: false,
    }
}

/// Reads a caller's C array into [`TypedParam`]s with the checks libvirt's
/// public Set* APIs run (`virTypedParameterValidateSet`): every field must
/// be NUL-terminated within `VIR_TYPED_PARAM_FIELD_LENGTH` and no string
/// value may be NULL. A type code outside the enum is an internal error
/// ("unexpected type N for field F"). Strings are read as lossy UTF-8.
///
/// # Safety
/// `ptr` must be NULL or point to `n` readable parameters.
#[allow(dead_code)] // for the drivers' parameter calls
pub unsafe fn from_c_array(ptr: *const virTypedParameter, n: c_int) -> Result<Vec<TypedParam>> {
    let count = usize::try_from(n).map_err(|_| Error::invalid_arg("nparams must be greater than or equal to 0"))?;
    if count == 0 {
        return Ok(Vec::new());
    }
    if ptr.is_null() {
        return Err(Error::invalid_arg("params must not be NULL"));
    }
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        // SAFETY: `ptr` holds `n` parameters and i < n.
        let p = unsafe { &*ptr.add(i) };
        let field = field_text(p);
        if field_bytes(p).len() == FIELD_LENGTH {
            return Err(invalid_params(format!("string parameter name '{field}' too long")));
        }
        // SAFETY: the union member read matches the stored type code.
        let value = unsafe {
            match p.r#type {
                tp::TYPE_INT => TypedValue::Int(p.value.i),
                tp::TYPE_UINT => TypedValue::UInt(p.value.ui),
                tp::TYPE_LLONG => TypedValue::LLong(p.value.l),
                tp::TYPE_ULLONG => TypedValue::ULLong(p.value.ul),
                tp::TYPE_DOUBLE => TypedValue::Double(p.value.d),
                tp::TYPE_BOOLEAN => TypedValue::Boolean(p.value.b != 0),
                tp::TYPE_STRING => {
                    if p.value.s.is_null() {
                        return Err(invalid_params(format!("NULL string parameter '{field}'")));
                    }
                    TypedValue::String(CStr::from_ptr(p.value.s).to_string_lossy().into_owned())
                }
                t => return Err(Error::internal(format!("unexpected type {t} for field {field}"))),
            }
        };
        out.push(TypedParam { field, value });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_through_c() {
        let ps = vec![
            TypedParam::int("i", -3).unwrap(),
            TypedParam::uint("u", 3).unwrap(),
            TypedParam::llong("l", -1 << 40).unwrap(),
            TypedParam::ullong("ul", 1 << 63).unwrap(),
            TypedParam::double("d", 2.5).unwrap(),
            TypedParam::boolean("b", true).unwrap(),
            TypedParam::string("s", "text").unwrap(),
        ];
        // SAFETY: the array is freed below with virTypedParamsFree.
        unsafe {
            let (arr, n) = to_c_array(&ps);
            assert_eq!(n, 7);
            let back = from_c_array(arr, n).unwrap();
            assert_eq!(back, ps);
            let mut v: c_int = 0;
            assert_eq!(virTypedParamsGetInt(arr, n, c"i".as_ptr(), &mut v).unwrap(), 1);
            assert_eq!(v, -3);
            assert!(virTypedParamsGetInt(arr, n, c"u".as_ptr(), &mut v).is_err());
            virTypedParamsFree(arr, n).unwrap();
        }
    }

    #[test]
    fn add_grows_like_libvirt() {
        let mut p: virTypedParameterPtr = std::ptr::null_mut();
        let (mut n, mut max) = (0, 0);
        let mut seen = Vec::new();
        for i in 0..10 {
            let name = std::ffi::CString::new(format!("p{i}")).unwrap();
            // SAFETY: p/n/max describe a malloc'ed array we own.
            unsafe { virTypedParamsAddInt(&mut p, &mut n, &mut max, name.as_ptr(), i) }.unwrap();
            seen.push(max);
        }
        assert_eq!(seen, vec![1, 2, 3, 4, 6, 6, 9, 9, 9, 13]);
        // SAFETY: as above.
        unsafe {
            virTypedParamsAddString(&mut p, &mut n, &mut max, c"s".as_ptr(), std::ptr::null()).unwrap();
            let mut s: *const c_char = std::ptr::null();
            assert_eq!(virTypedParamsGetString(p, n, c"s".as_ptr(), &mut s).unwrap(), 1);
            assert_eq!(CStr::from_ptr(s).to_bytes(), b"");
            virTypedParamsFree(p, n).unwrap();
        }
    }

    #[test]
    fn validation_of_incoming_arrays() {
        // SAFETY: a zeroed parameter is a valid int parameter.
        let mut p: virTypedParameter = unsafe { std::mem::zeroed() };
        p.field = [b'x' as c_char; 80];
        p.r#type = tp::TYPE_INT;
        // SAFETY: one readable parameter.
        let e = unsafe { from_c_array(&p, 1) }.unwrap_err();
        assert_eq!(e.message, format!("string parameter name '{}' too long", "x".repeat(80)));
        p.field[3] = 0;
        p.r#type = tp::TYPE_STRING;
        // SAFETY: as above; the string pointer is NULL.
        let e = unsafe { from_c_array(&p, 1) }.unwrap_err();
        assert_eq!(e.message, "NULL string parameter 'xxx'");
        p.r#type = 42;
        // SAFETY: as above.
        assert!(unsafe { from_c_array(&p, 1) }.is_err());
    }
}
