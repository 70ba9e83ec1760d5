//! libvirt-host.h: opening and closing connections, and host queries.

use crate::capi::generated::types::*;
use crate::capi::handle::*;
use crate::capi::strings::{self, opt_str, to_c_checked};
use crate::core::driver::NodeInfo;
use crate::core::error::Result;
use crate::core::Connect;
use crate::driver_entry;
use crate::generated::consts::*;
use std::os::raw::{c_char, c_int, c_uint, c_ulong};

unsafe fn open(name: *const c_char, readonly: bool, flags: c_uint) -> Result<virConnectPtr> {
    // SAFETY: forwarded caller contract.
    unsafe { open_auth(name, readonly, flags, std::ptr::null()) }
}

unsafe fn open_auth(
    name: *const c_char,
    readonly: bool,
    flags: c_uint,
    auth: *const virConnectAuth,
) -> Result<virConnectPtr> {
    // SAFETY: name is NULL or a C string, as the API documents.
    let name = unsafe { opt_str(name) };
    // SAFETY: auth is NULL or the application's structure, alive during the call.
    let auth = unsafe { crate::capi::credentials::CallbackAuth::new(auth) };
    let auth = auth.as_ref().map(|a| a as &dyn crate::core::auth::Authenticator);
    let conn = Connect::open_auth(name.as_deref(), readonly, flags, auth)?;
    Ok(ConnectHandle::new_raw(conn))
}

pub(crate) unsafe fn virConnectOpen(name: *const c_char) -> Result<virConnectPtr> {
    // SAFETY: forwarded caller contract.
    unsafe { open(name, false, 0) }
}

pub(crate) unsafe fn virConnectOpenReadOnly(name: *const c_char) -> Result<virConnectPtr> {
    // SAFETY: forwarded caller contract.
    unsafe { open(name, true, VIR_CONNECT_RO as c_uint) }
}

pub(crate) unsafe fn virConnectOpenAuth(
    name: *const c_char,
    auth: virConnectAuthPtr,
    flags: c_uint,
) -> Result<virConnectPtr> {
    let readonly = flags & VIR_CONNECT_RO as c_uint != 0;
    // SAFETY: forwarded caller contract.
    unsafe { open_auth(name, readonly, flags, auth) }
}

pub(crate) unsafe fn conn<'a>(p: virConnectPtr) -> Result<&'a ConnectHandle> {
    // SAFETY: forwarded caller contract; check validates the class.
    unsafe { ConnectHandle::check(p) }
}

pub(crate) unsafe fn virConnectClose(c: virConnectPtr) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    unsafe { conn(c) }?;
    // Dropping the last reference drops the driver state, which closes it.
    // SAFETY: checked above; the caller gives up its reference.
    let left = unsafe { Handle::release(c) };
    // libvirt reports only whether references remain.
    Ok(c_int::from(left > 0))
}

pub(crate) unsafe fn virConnectRef(c: virConnectPtr) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    unsafe { conn(c) }?.add_ref();
    Ok(0)
}

pub(crate) unsafe fn virConnectGetType(c: virConnectPtr) -> Result<*const c_char> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { conn(c) }?;
    let name = match h.conn().table().host.connect_get_type {
        Some(f) => f(h.conn())?,
        None => h.conn().driver_name().to_string(),
    };
    Ok(static_str(&name))
}

/// Driver type names live for the whole process, as libvirt's do.
fn static_str(s: &str) -> *const c_char {
    use parking_lot::Mutex;
    static NAMES: Mutex<Vec<&'static std::ffi::CStr>> = Mutex::new(Vec::new());
    let mut names = NAMES.lock();
    if let Some(n) = names.iter().find(|n| n.to_bytes() == s.as_bytes()) {
        return n.as_ptr();
    }
    let leaked: &'static std::ffi::CStr = Box::leak(std::ffi::CString::new(s).unwrap_or_default().into_boxed_c_str());
    names.push(leaked);
    leaked.as_ptr()
}

pub(crate) unsafe fn virConnectGetVersion(c: virConnectPtr, hvVer: *mut c_ulong) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { conn(c) }?;
    if hvVer.is_null() {
        return Err(strings::null_arg("hvVer", "virConnectGetVersion"));
    }
    let v = driver_entry!(h.conn(), host.connect_get_version)(h.conn())?;
    // SAFETY: hvVer was checked non-NULL above.
    unsafe { *hvVer = v as c_ulong };
    Ok(0)
}

pub(crate) unsafe fn virConnectGetLibVersion(c: virConnectPtr, libVer: *mut c_ulong) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { conn(c) }?;
    if libVer.is_null() {
        return Err(strings::null_arg("libVer", "virConnectGetLibVersion"));
    }
    let v = match h.conn().table().host.connect_get_lib_version {
        Some(f) => f(h.conn())?,
        None => crate::LIB_VERSION,
    };
    // SAFETY: libVer was checked non-NULL above.
    unsafe { *libVer = v as c_ulong };
    Ok(0)
}

pub(crate) unsafe fn virConnectGetHostname(c: virConnectPtr) -> Result<*mut c_char> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { conn(c) }?;
    to_c_checked(&driver_entry!(h.conn(), host.connect_get_hostname)(h.conn())?)
}

pub(crate) unsafe fn virConnectGetURI(c: virConnectPtr) -> Result<*mut c_char> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { conn(c) }?;
    to_c_checked(&h.conn().uri().format())
}

pub(crate) unsafe fn virConnectGetSysinfo(c: virConnectPtr, flags: c_uint) -> Result<*mut c_char> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { conn(c) }?;
    to_c_checked(&driver_entry!(h.conn(), host.connect_get_sysinfo)(h.conn(), flags)?)
}

pub(crate) unsafe fn virConnectGetCapabilities(c: virConnectPtr) -> Result<*mut c_char> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { conn(c) }?;
    to_c_checked(&driver_entry!(h.conn(), host.connect_get_capabilities)(h.conn())?)
}

pub(crate) unsafe fn virConnectGetMaxVcpus(c: virConnectPtr, type_: *const c_char) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { conn(c) }?;
    // SAFETY: type is NULL or a C string.
    let t = unsafe { opt_str(type_) };
    driver_entry!(h.conn(), host.connect_get_max_vcpus)(h.conn(), t.as_deref())
}

fn flag(v: bool) -> c_int {
    v as c_int
}

pub(crate) unsafe fn virConnectIsSecure(c: virConnectPtr) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { conn(c) }?;
    Ok(flag(driver_entry!(h.conn(), host.connect_is_secure)(h.conn())?))
}

pub(crate) unsafe fn virConnectIsEncrypted(c: virConnectPtr) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { conn(c) }?;
    Ok(flag(driver_entry!(h.conn(), host.connect_is_encrypted)(h.conn())?))
}

pub(crate) unsafe fn virConnectIsAlive(c: virConnectPtr) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { conn(c) }?;
    Ok(flag(driver_entry!(h.conn(), host.connect_is_alive)(h.conn())?))
}

pub(crate) unsafe fn virNodeGetInfo(c: virConnectPtr, info: virNodeInfoPtr) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { conn(c) }?;
    if info.is_null() {
        return Err(strings::null_arg("info", "virNodeGetInfo"));
    }
    let n: NodeInfo = driver_entry!(h.conn(), host.node_get_info)(h.conn())?;
    // SAFETY: info is a non-NULL out pointer to a virNodeInfo.
    let dst = unsafe { &mut *info };
    strings::copy_to_buf(&n.model, &mut dst.model);
    dst.memory = n.memory_kib as c_ulong;
    dst.cpus = n.cpus;
    dst.mhz = n.mhz;
    dst.nodes = n.nodes;
    dst.sockets = n.sockets;
    dst.cores = n.cores;
    dst.threads = n.threads;
    Ok(0)
}

pub(crate) unsafe fn virNodeGetFreeMemory(c: virConnectPtr) -> Result<std::os::raw::c_ulonglong> {
    // SAFETY: forwarded caller contract.
    let h = unsafe { conn(c) }?;
    driver_entry!(h.conn(), host.node_get_free_memory)(h.conn())
}
