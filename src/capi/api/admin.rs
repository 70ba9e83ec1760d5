//! libvirt-admin.h: the library-level calls and the admin connection's
//! calls on the daemon (connection, servers, clients). The handle checks
//! run in the generated prologue; each body checks its other arguments in
//! libvirt-admin's order and makes one admin call.

use crate::capi::admin_handle::CloseCallback;
use crate::capi::generated::types::*;
use crate::capi::handle::{AdmClientHandle, AdmConnectHandle, AdmServerHandle, Handle, HandleClass};
use crate::capi::{marshal, strings};
use crate::core::admin::protocol::Connection;
use crate::core::error::{Error, Result};
use crate::core::typed_params::TypedParam;
use crate::generated::consts::*;
use std::os::raw::{c_char, c_int, c_longlong, c_uint, c_ulonglong, c_void};

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

pub(crate) unsafe fn virAdmConnectOpen(name: *const c_char, flags: c_uint) -> Result<virAdmConnectPtr> {
    // SAFETY: forwarded caller contract.
    let name = unsafe { marshal::text(name) };
    Ok(AdmConnectHandle::new_raw(Connection::open(name.as_deref(), flags)?))
}

// ---- helpers -------------------------------------------------------------

/// The handle behind a pointer of this module's bodies.
fn checked<'a, T: HandleClass>(p: *mut Handle<T>) -> Result<&'a Handle<T>> {
    // SAFETY: the generated prologue checked `p` before the body ran; the
    // check is repeated, and only the body's own handle argument comes here.
    unsafe { Handle::check(p) }
}

/// Tells the close callback, once, that the daemon went away: a failed call
/// on a connection that is no longer alive.
fn after_call<T>(conn: &AdmConnectHandle, r: Result<T>) -> Result<T> {
    if r.is_err() && !conn.value.conn.is_alive() {
        let taken = conn.value.close_cb.lock().take();
        if let Some(cb) = taken {
            if let Some(f) = cb.cb {
                let ptr = conn as *const AdmConnectHandle as *mut AdmConnectHandle;
                // SAFETY: the caller's callback with its own data and a live handle.
                unsafe { f(ptr, VIR_CONNECT_CLOSE_REASON_EOF, cb.opaque as *mut c_void) };
            }
            cb.release();
        }
    }
    r
}

/// Runs an admin call on the connection a server belongs to.
fn on_server<T>(srv: &AdmServerHandle, call: impl FnOnce(&Connection, &str) -> Result<T>) -> Result<T> {
    // SAFETY: the server holds a reference on its connection handle.
    let conn = unsafe { &*srv.value.conn };
    after_call(conn, call(&conn.value.conn, srv.value.name()))
}

/// Runs an admin call on the connection a client's server belongs to.
fn on_client<T>(
    client: &AdmClientHandle,
    call: impl FnOnce(&Connection, &crate::core::admin::protocol::ClientRef) -> Result<T>,
) -> Result<T> {
    // SAFETY: the client holds a reference on its server handle.
    let srv = unsafe { &*client.value.srv };
    on_server(srv, |c, _| call(c, &client.value.client))
}

fn on_conn<T>(conn: &AdmConnectHandle, call: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
    after_call(conn, call(&conn.value.conn))
}

/// Hands parameters to the caller: into the array it passed (at most
/// `*nparams` of them) or a new one it frees.
///
/// # Safety
/// Both pointers must be valid; `*params`, when set, holds `*nparams` slots.
unsafe fn params_out(v: Vec<TypedParam>, params: *mut virTypedParameterPtr, nparams: *mut c_int) -> Result<c_int> {
    // SAFETY: valid pointers per the contract.
    let (have, cap) = unsafe { (*params, *nparams) };
    if have.is_null() {
        // SAFETY: as above.
        return unsafe { marshal::params_alloc(v, params, nparams) };
    }
    if v.len() > cap.max(0) as usize {
        return Err(Error::with_detail(
            VIR_FROM_NONE,
            VIR_ERR_RPC,
            format!("too many parameters '{}' for nparams '{}'", v.len(), cap),
        ));
    }
    // SAFETY: the caller's array holds `cap` slots.
    let n = unsafe { crate::capi::api::typed_params::write_c_array(&v, have, cap as usize) }?;
    // SAFETY: as above.
    unsafe { *nparams = n };
    Ok(0)
}

/// Checks the out-pointers of a parameter getter.
fn need_params_out(params: *mut virTypedParameterPtr, nparams: *mut c_int, api: &str) -> Result<()> {
    if params.is_null() {
        return Err(Error::null_arg("params", api));
    }
    if nparams.is_null() {
        return Err(Error::null_arg("nparams", api));
    }
    Ok(())
}

/// The parameters of a setter, checked as libvirt-admin does.
///
/// # Safety
/// `params` must be NULL or hold `nparams` parameters.
unsafe fn params_in(params: virTypedParameterPtr, nparams: c_int, api: &str) -> Result<Vec<TypedParam>> {
    if params.is_null() {
        return Err(Error::null_arg("params", api));
    }
    if nparams < 0 {
        return Err(Error::negative_arg("nparams", api));
    }
    // SAFETY: forwarded contract.
    unsafe { marshal::params_in(params, nparams) }
}

/// A `malloc`ed, NULL-terminated array of new handles, or just the count
/// when the caller passed no array.
///
/// # Safety
/// `out` must be NULL or valid for writing.
unsafe fn handles_out<T, H>(items: Vec<T>, out: *mut *mut *mut H, make: impl Fn(T) -> *mut H) -> Result<c_int> {
    let n = items.len();
    if !out.is_null() {
        let arr = strings::alloc_array::<*mut H>(n + 1);
        if arr.is_null() {
            return Err(Error::new(VIR_FROM_NONE, VIR_ERR_NO_MEMORY, None));
        }
        for (i, it) in items.into_iter().enumerate() {
            // SAFETY: i < n + 1 slots.
            unsafe { *arr.add(i) = make(it) };
        }
        // SAFETY: valid out-pointer per the contract.
        unsafe { *out = arr };
    }
    Ok(n as c_int)
}

/// A C string the caller frees, or NULL.
fn opt_out(s: Option<String>, out: *mut *mut c_char) -> Result<()> {
    if out.is_null() {
        return Ok(());
    }
    let p = match s {
        Some(s) => strings::to_c_checked(&s)?,
        None => std::ptr::null_mut(),
    };
    // SAFETY: non-NULL out-pointer from the caller.
    unsafe { *out = p };
    Ok(())
}

// ---- connection ----------------------------------------------------------

pub(crate) unsafe fn virAdmConnectClose(conn: virAdmConnectPtr) -> Result<c_int> {
    if conn.is_null() {
        return Ok(0);
    }
    // SAFETY: checked by the prologue; the caller gives up its reference.
    Ok((unsafe { Handle::release(conn) } > 0) as c_int)
}

pub(crate) unsafe fn virAdmConnectRef(conn: virAdmConnectPtr) -> Result<c_int> {
    checked(conn)?.add_ref();
    Ok(0)
}

pub(crate) unsafe fn virAdmConnectIsAlive(conn: virAdmConnectPtr) -> Result<c_int> {
    if conn.is_null() {
        return Ok(0);
    }
    Ok(checked(conn)?.value.conn.is_alive() as c_int)
}

pub(crate) unsafe fn virAdmConnectGetURI(conn: virAdmConnectPtr) -> Result<*mut c_char> {
    strings::to_c_checked(checked(conn)?.value.conn.uri())
}

pub(crate) unsafe fn virAdmConnectGetLibVersion(conn: virAdmConnectPtr, lib_ver: *mut c_ulonglong) -> Result<c_int> {
    let h = checked(conn)?;
    if lib_ver.is_null() {
        // libvirt-admin records this one without reporting it to the handlers
        let e = Error::null_arg("libVer", "virAdmConnectGetLibVersion")
            .in_api("virAdmConnectGetLibVersion", VIR_FROM_ADMIN);
        crate::capi::errors::set_last_error(&e);
        return Ok(-1);
    }
    let v = on_conn(h, |c| c.lib_version())?;
    // SAFETY: non-NULL out-pointer from the caller.
    unsafe { *lib_ver = v };
    Ok(0)
}

pub(crate) unsafe fn virAdmConnectListServers(
    conn: virAdmConnectPtr,
    servers: *mut *mut virAdmServerPtr,
    flags: c_uint,
) -> Result<c_int> {
    let h = checked(conn)?;
    let (names, count) = on_conn(h, |c| c.list_servers(!servers.is_null(), flags))?;
    if servers.is_null() {
        return Ok(count as c_int);
    }
    // SAFETY: `servers` is a valid out-pointer.
    unsafe { handles_out(names, servers, |n| AdmServerHandle::new_raw(h, &n)) }
}

pub(crate) unsafe fn virAdmConnectLookupServer(
    conn: virAdmConnectPtr,
    name: *const c_char,
    flags: c_uint,
) -> Result<virAdmServerPtr> {
    let h = checked(conn)?;
    // SAFETY: forwarded caller contract.
    let name = unsafe { strings::req_str(name, "name", "virAdmConnectLookupServer") }?;
    let found = on_conn(h, |c| c.lookup_server(&name, flags))?;
    Ok(AdmServerHandle::new_raw(h, &found))
}

pub(crate) unsafe fn virAdmConnectGetLoggingOutputs(
    conn: virAdmConnectPtr,
    outputs: *mut *mut c_char,
    flags: c_uint,
) -> Result<c_int> {
    let (s, n) = on_conn(checked(conn)?, |c| c.logging_outputs(flags))?;
    opt_out(Some(s), outputs)?;
    Ok(n as c_int)
}

pub(crate) unsafe fn virAdmConnectGetLoggingFilters(
    conn: virAdmConnectPtr,
    filters: *mut *mut c_char,
    flags: c_uint,
) -> Result<c_int> {
    let (s, n) = on_conn(checked(conn)?, |c| c.logging_filters(flags))?;
    opt_out(s, filters)?;
    Ok(n as c_int)
}

pub(crate) unsafe fn virAdmConnectSetLoggingOutputs(
    conn: virAdmConnectPtr,
    outputs: *const c_char,
    flags: c_uint,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let outputs = unsafe { strings::opt_str(outputs) };
    on_conn(checked(conn)?, |c| c.set_logging_outputs(outputs.as_deref(), flags))?;
    Ok(0)
}

pub(crate) unsafe fn virAdmConnectSetLoggingFilters(
    conn: virAdmConnectPtr,
    filters: *const c_char,
    flags: c_uint,
) -> Result<c_int> {
    // SAFETY: forwarded caller contract.
    let filters = unsafe { strings::opt_str(filters) };
    on_conn(checked(conn)?, |c| c.set_logging_filters(filters.as_deref(), flags))?;
    Ok(0)
}

pub(crate) unsafe fn virAdmConnectSetDaemonTimeout(
    conn: virAdmConnectPtr,
    timeout: c_uint,
    flags: c_uint,
) -> Result<c_int> {
    on_conn(checked(conn)?, |c| c.set_daemon_timeout(timeout, flags))?;
    Ok(0)
}

pub(crate) unsafe fn virAdmConnectRegisterCloseCallback(
    conn: virAdmConnectPtr,
    cb: virAdmConnectCloseFunc,
    opaque: *mut c_void,
    freecb: virFreeCallback,
) -> Result<c_int> {
    let h = checked(conn)?;
    if cb.is_none() {
        return Err(Error::null_arg("cb", "virAdmConnectRegisterCloseCallback"));
    }
    let mut slot = h.value.close_cb.lock();
    if slot.is_some() {
        return Err(Error::with_detail(
            VIR_FROM_ADMIN,
            VIR_ERR_OPERATION_INVALID,
            "A close callback is already registered",
        ));
    }
    *slot = Some(CloseCallback { cb, opaque: opaque as usize, freecb });
    Ok(0)
}

pub(crate) unsafe fn virAdmConnectUnregisterCloseCallback(
    conn: virAdmConnectPtr,
    cb: virAdmConnectCloseFunc,
) -> Result<c_int> {
    let h = checked(conn)?;
    let Some(cb) = cb else {
        return Err(Error::null_arg("cb", "virAdmConnectUnregisterCloseCallback"));
    };
    let mut slot = h.value.close_cb.lock();
    let same = slot.as_ref().and_then(|r| r.cb).map(|f| f as usize) == Some(cb as usize);
    if !same {
        return Err(Error::with_detail(VIR_FROM_NONE, VIR_ERR_OPERATION_INVALID, "A different callback was requested"));
    }
    if let Some(r) = slot.take() {
        drop(slot);
        r.release();
    }
    Ok(0)
}

// ---- servers -------------------------------------------------------------

pub(crate) unsafe fn virAdmServerFree(srv: virAdmServerPtr) -> Result<c_int> {
    if !srv.is_null() {
        // SAFETY: checked by the prologue; the caller gives up its reference.
        unsafe { Handle::release(srv) };
    }
    Ok(0)
}

pub(crate) unsafe fn virAdmServerGetName(srv: virAdmServerPtr) -> Result<*const c_char> {
    Ok(checked(srv)?.name_ptr())
}

pub(crate) unsafe fn virAdmServerGetThreadPoolParameters(
    srv: virAdmServerPtr,
    params: *mut virTypedParameterPtr,
    nparams: *mut c_int,
    flags: c_uint,
) -> Result<c_int> {
    let h = checked(srv)?;
    need_params_out(params, nparams, "virAdmServerGetThreadPoolParameters")?;
    let v = on_server(h, |c, s| c.threadpool_parameters(s, flags))?;
    // SAFETY: checked out-pointers.
    unsafe { params_out(v, params, nparams) }
}

pub(crate) unsafe fn virAdmServerSetThreadPoolParameters(
    srv: virAdmServerPtr,
    params: virTypedParameterPtr,
    nparams: c_int,
    flags: c_uint,
) -> Result<c_int> {
    let h = checked(srv)?;
    // SAFETY: forwarded caller contract.
    let v = unsafe { params_in(params, nparams, "virAdmServerSetThreadPoolParameters") }?;
    on_server(h, |c, s| c.set_threadpool_parameters(s, &v, flags))?;
    Ok(0)
}

pub(crate) unsafe fn virAdmServerGetClientLimits(
    srv: virAdmServerPtr,
    params: *mut virTypedParameterPtr,
    nparams: *mut c_int,
    flags: c_uint,
) -> Result<c_int> {
    let h = checked(srv)?;
    need_params_out(params, nparams, "virAdmServerGetClientLimits")?;
    let v = on_server(h, |c, s| c.client_limits(s, flags))?;
    // SAFETY: checked out-pointers.
    unsafe { params_out(v, params, nparams) }
}

pub(crate) unsafe fn virAdmServerSetClientLimits(
    srv: virAdmServerPtr,
    params: virTypedParameterPtr,
    nparams: c_int,
    flags: c_uint,
) -> Result<c_int> {
    let h = checked(srv)?;
    // SAFETY: forwarded caller contract.
    let v = unsafe { params_in(params, nparams, "virAdmServerSetClientLimits") }?;
    on_server(h, |c, s| c.set_client_limits(s, &v, flags))?;
    Ok(0)
}

pub(crate) unsafe fn virAdmServerUpdateTlsFiles(srv: virAdmServerPtr, flags: c_uint) -> Result<c_int> {
    on_server(checked(srv)?, |c, s| c.update_tls_files(s, flags))?;
    Ok(0)
}

pub(crate) unsafe fn virAdmServerListClients(
    srv: virAdmServerPtr,
    clients: *mut *mut virAdmClientPtr,
    flags: c_uint,
) -> Result<c_int> {
    let h = checked(srv)?;
    let (found, count) = on_server(h, |c, s| c.list_clients(s, !clients.is_null(), flags))?;
    if clients.is_null() {
        return Ok(count as c_int);
    }
    // SAFETY: `clients` is a valid out-pointer.
    unsafe { handles_out(found, clients, |c| AdmClientHandle::new_raw(h, c)) }
}

pub(crate) unsafe fn virAdmServerLookupClient(
    srv: virAdmServerPtr,
    id: c_ulonglong,
    flags: c_uint,
) -> Result<virAdmClientPtr> {
    let h = checked(srv)?;
    let found = on_server(h, |c, s| c.lookup_client(s, id, flags))?;
    Ok(AdmClientHandle::new_raw(h, found))
}

// ---- clients -------------------------------------------------------------

pub(crate) unsafe fn virAdmClientFree(client: virAdmClientPtr) -> Result<c_int> {
    if !client.is_null() {
        // SAFETY: checked by the prologue; the caller gives up its reference.
        unsafe { Handle::release(client) };
    }
    Ok(0)
}

pub(crate) unsafe fn virAdmClientGetID(client: virAdmClientPtr) -> Result<c_ulonglong> {
    Ok(checked(client)?.value.client.id)
}

pub(crate) unsafe fn virAdmClientGetTimestamp(client: virAdmClientPtr) -> Result<c_longlong> {
    Ok(checked(client)?.value.client.timestamp)
}

pub(crate) unsafe fn virAdmClientGetTransport(client: virAdmClientPtr) -> Result<c_int> {
    Ok(checked(client)?.value.client.transport as c_int)
}

pub(crate) unsafe fn virAdmClientGetInfo(
    client: virAdmClientPtr,
    params: *mut virTypedParameterPtr,
    nparams: *mut c_int,
    flags: c_uint,
) -> Result<c_int> {
    let h = checked(client)?;
    need_params_out(params, nparams, "virAdmClientGetInfo")?;
    let v = on_client(h, |c, r| c.client_info(r, flags))?;
    // SAFETY: checked out-pointers.
    unsafe { params_out(v, params, nparams) }
}

pub(crate) unsafe fn virAdmClientClose(client: virAdmClientPtr, flags: c_uint) -> Result<c_int> {
    on_client(checked(client)?, |c, r| c.client_close(r, flags))?;
    Ok(0)
}
