//! libvirt-event.h and the event registration functions of every object
//! family: C callbacks wrapped into the safe core's loop and queue, and
//! events turned back into C calls with fresh object handles.

use crate::capi::generated::types::*;
use crate::capi::handle::*;
use crate::core::driver::CloseCallback;
use crate::core::error::{Error, Result};
use crate::core::event_loop::{self, DefaultLoop, EventImpl, FreeCallback, HandleCallback, TimeoutCallback};
use crate::core::events::{Callback, Deliver, Event, EventQueue, Family, Filter, Subject};
use crate::core::{Connect, Domain, Network, NodeDevice, Secret, StoragePool};
use crate::generated::consts::*;
use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_uint, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

/// An application pointer carried into closures run on the loop thread.
#[derive(Clone, Copy)]
struct Opaque(*mut c_void);
// SAFETY: the pointer is only handed back to the application's own
// callbacks, which libvirt's contract lets run on the event loop thread.
unsafe impl Send for Opaque {}
// SAFETY: as above; it is never dereferenced here.
unsafe impl Sync for Opaque {}

/// The application's free callback for `opaque`, as a core free callback.
fn free_of(ff: virFreeCallback, opaque: *mut c_void) -> Option<FreeCallback> {
    let f = ff?;
    let o = Opaque(opaque);
    Some(Box::new(move || {
        let o = o;
        // SAFETY: the application gave this free callback for this pointer.
        unsafe { f(o.0) }
    }))
}

/// Runs a callback of ours called from C without letting a panic cross.
fn guarded(f: impl FnOnce()) {
    let _ = catch_unwind(AssertUnwindSafe(f));
}

// ---------------------------------------------------------------------------
// The loop API

pub(crate) unsafe fn virEventRegisterDefaultImpl() -> Result<c_int> {
    event_loop::register_default();
    Ok(0)
}

pub(crate) unsafe fn virEventRunDefaultImpl() -> Result<c_int> {
    DefaultLoop::global().run_once();
    Ok(0)
}

pub(crate) unsafe fn virEventAddHandle(
    fd: c_int,
    events: c_int,
    cb: virEventHandleCallback,
    opaque: *mut c_void,
    ff: virFreeCallback,
) -> Result<c_int> {
    let o = Opaque(opaque);
    let call: HandleCallback = Arc::new(move |watch, fd, ev| {
        let o = o;
        if let Some(cb) = cb {
            // SAFETY: the application's callback with its own pointer.
            unsafe { cb(watch, fd, ev, o.0) }
        }
    });
    Ok(event_loop::add_handle(fd, events, call, free_of(ff, opaque)))
}

pub(crate) unsafe fn virEventUpdateHandle(watch: c_int, events: c_int) -> Result<()> {
    event_loop::update_handle(watch, events);
    Ok(())
}

pub(crate) unsafe fn virEventRemoveHandle(watch: c_int) -> Result<c_int> {
    Ok(event_loop::remove_handle(watch))
}

pub(crate) unsafe fn virEventAddTimeout(
    timeout: c_int,
    cb: virEventTimeoutCallback,
    opaque: *mut c_void,
    ff: virFreeCallback,
) -> Result<c_int> {
    let o = Opaque(opaque);
    let call: TimeoutCallback = Arc::new(move |timer| {
        let o = o;
        if let Some(cb) = cb {
            // SAFETY: the application's callback with its own pointer.
            unsafe { cb(timer, o.0) }
        }
    });
    Ok(event_loop::add_timeout(timeout, call, free_of(ff, opaque)))
}

pub(crate) unsafe fn virEventUpdateTimeout(timer: c_int, timeout: c_int) -> Result<()> {
    event_loop::update_timeout(timer, timeout);
    Ok(())
}

pub(crate) unsafe fn virEventRemoveTimeout(timer: c_int) -> Result<c_int> {
    Ok(event_loop::remove_timeout(timer))
}

/// An event loop the application supplies.
struct AppLoop {
    add_handle: virEventAddHandleFunc,
    update_handle: virEventUpdateHandleFunc,
    remove_handle: virEventRemoveHandleFunc,
    add_timeout: virEventAddTimeoutFunc,
    update_timeout: virEventUpdateTimeoutFunc,
    remove_timeout: virEventRemoveTimeoutFunc,
}

/// What the application's loop holds for one of our watches or timers.
struct Entry<C> {
    cb: C,
    ff: Option<FreeCallback>,
}

unsafe extern "C" fn app_handle_cb(watch: c_int, fd: c_int, events: c_int, opaque: *mut c_void) {
    // SAFETY: opaque is the Entry we gave the application's addHandle.
    let e = unsafe { &*(opaque as *const Entry<HandleCallback>) };
    guarded(|| (e.cb)(watch, fd, events));
}

unsafe extern "C" fn app_timeout_cb(timer: c_int, opaque: *mut c_void) {
    // SAFETY: opaque is the Entry we gave the application's addTimeout.
    let e = unsafe { &*(opaque as *const Entry<TimeoutCallback>) };
    guarded(|| (e.cb)(timer));
}

unsafe extern "C" fn app_free<C>(opaque: *mut c_void) {
    // SAFETY: the application's loop frees each Entry once, when done with it.
    let e = unsafe { Box::from_raw(opaque as *mut Entry<C>) };
    if let Some(ff) = e.ff {
        guarded(ff);
    }
}

/// Hands an entry to the application's add function; on failure the entry
/// is dropped without running its free callback, as libvirt does.
fn add_entry<C>(cb: C, ff: Option<FreeCallback>, add: impl FnOnce(*mut c_void) -> c_int) -> c_int {
    let p = Box::into_raw(Box::new(Entry { cb, ff }));
    let id = add(p.cast());
    if id < 0 {
        // SAFETY: the application refused the entry, so it is still ours.
        let mut e = unsafe { Box::from_raw(p) };
        e.ff = None;
    }
    id
}

impl EventImpl for AppLoop {
    fn add_handle(&self, fd: i32, events: i32, cb: HandleCallback, ff: Option<FreeCallback>) -> i32 {
        let Some(add) = self.add_handle else { return -1 };
        add_entry(cb, ff, |p| {
            // SAFETY: the application's addHandle with our callbacks for our entry.
            unsafe { add(fd, events, Some(app_handle_cb), p, Some(app_free::<HandleCallback>)) }
        })
    }

    fn update_handle(&self, watch: i32, events: i32) {
        if let Some(f) = self.update_handle {
            // SAFETY: the application's own function.
            unsafe { f(watch, events) }
        }
    }

    fn remove_handle(&self, watch: i32) -> i32 {
        // SAFETY: the application's own function.
        self.remove_handle.map_or(-1, |f| unsafe { f(watch) })
    }

    fn add_timeout(&self, frequency: i32, cb: TimeoutCallback, ff: Option<FreeCallback>) -> i32 {
        let Some(add) = self.add_timeout else { return -1 };
        add_entry(cb, ff, |p| {
            // SAFETY: the application's addTimeout with our callbacks for our entry.
            unsafe { add(frequency, Some(app_timeout_cb), p, Some(app_free::<TimeoutCallback>)) }
        })
    }

    fn update_timeout(&self, timer: i32, frequency: i32) {
        if let Some(f) = self.update_timeout {
            // SAFETY: the application's own function.
            unsafe { f(timer, frequency) }
        }
    }

    fn remove_timeout(&self, timer: i32) -> i32 {
        // SAFETY: the application's own function.
        self.remove_timeout.map_or(-1, |f| unsafe { f(timer) })
    }
}

pub(crate) unsafe fn virEventRegisterImpl(
    addHandle: virEventAddHandleFunc,
    updateHandle: virEventUpdateHandleFunc,
    removeHandle: virEventRemoveHandleFunc,
    addTimeout: virEventAddTimeoutFunc,
    updateTimeout: virEventUpdateTimeoutFunc,
    removeTimeout: virEventRemoveTimeoutFunc,
) -> Result<()> {
    event_loop::register(Arc::new(AppLoop {
        add_handle: addHandle,
        update_handle: updateHandle,
        remove_handle: removeHandle,
        add_timeout: addTimeout,
        update_timeout: updateTimeout,
        remove_timeout: removeTimeout,
    }));
    Ok(())
}

// ---------------------------------------------------------------------------
// Registrations

/// A counted reference to the connection handle a callback was registered
/// on: registered callbacks keep their connection open, as in libvirt.
struct ConnRef(*mut ConnectHandle);

impl ConnRef {
    fn new(h: &ConnectHandle) -> ConnRef {
        h.add_ref();
        ConnRef(h as *const ConnectHandle as *mut ConnectHandle)
    }

    fn handle(&self) -> &ConnectHandle {
        // SAFETY: the reference taken in new() keeps the handle live.
        unsafe { &*self.0 }
    }
}

impl Drop for ConnRef {
    fn drop(&mut self) {
        // SAFETY: releases the reference taken in new().
        unsafe { Handle::release(self.0) };
    }
}

// SAFETY: connection handles are thread-safe and counted atomically.
unsafe impl Send for ConnRef {}
// SAFETY: as above.
unsafe impl Sync for ConnRef {}

/// A fresh object handle for the duration of one callback, as libvirt
/// passes (the callback takes its own reference to keep it).
fn with_handle<T: HandleClass>(h: *mut Handle<T>, f: impl FnOnce(*mut Handle<T>)) {
    f(h);
    // SAFETY: h was made above with one reference, which this gives up.
    unsafe { Handle::release(h) };
}

fn queue_of(conn: &Connect, family: Family) -> Result<EventQueue> {
    let t = &conn.table().events;
    let slot = match family {
        Family::Domain => t.domain_events,
        Family::Network => t.network_events,
        Family::StoragePool => t.storage_pool_events,
        Family::NodeDevice => t.node_device_events,
        Family::Secret => t.secret_events,
        Family::QemuMonitor => t.qemu_monitor_events,
    };
    slot.ok_or_else(Error::no_support)?(conn)
}

/// What the C registration functions have in common.
struct Registration {
    family: Family,
    event_id: c_int,
    legacy: bool,
    filter: Filter,
    key: usize,
    opaque: *mut c_void,
    freecb: virFreeCallback,
}

fn check_event_id(family: Family, event_id: c_int, api: &str) -> Result<()> {
    let last = family.id_count();
    if event_id < last {
        return Ok(());
    }
    let msg = match family {
        Family::Domain => format!("eventID must be less than {last}"),
        _ => format!("eventID in {api} must be less than {last}"),
    };
    Err(Error::arg_error("eventID", api, msg))
}

/// Registers `r` on connection `c`; `deliver` turns an event into the C call.
fn register(
    c: &ConnectHandle,
    r: Registration,
    deliver: impl Fn(&ConnectHandle, &Event) + Send + Sync + 'static,
) -> Result<c_int> {
    let queue = queue_of(c.conn(), r.family)?;
    // the registration's reference goes at deregistration; a delivery
    // under way holds its own until it returns
    let slot = Arc::new(parking_lot::Mutex::new(Some(ConnRef::new(c))));
    let held = slot.clone();
    let deliver: Deliver = Box::new(move |ev| {
        let conn_ref = held.lock().as_ref().map(|r| ConnRef::new(r.handle()));
        if let Some(r) = conn_ref {
            deliver(r.handle(), ev);
        }
    });
    let detach: FreeCallback = Box::new(move || drop(slot.lock().take()));
    queue.register(Callback {
        detach: Some(detach),
        conn: c.conn().clone(),
        family: r.family,
        event_id: r.event_id,
        legacy: r.legacy,
        filter: r.filter,
        key: r.key,
        deliver,
        free: free_of(r.freecb, r.opaque),
    })
}

fn deregister(conn: virConnectPtr, family: Family, id: c_int) -> Result<c_int> {
    // SAFETY: the prologue validated the handle.
    let c = unsafe { ConnectHandle::check(conn) }?;
    queue_of(c.conn(), family)?.deregister_family(c.conn(), family, id)?;
    Ok(0)
}

/// The filter for an optional object handle, which must belong to `conn`.
unsafe fn filter_of<T: HandleClass>(
    conn: &ConnectHandle,
    obj: *mut Handle<T>,
    api: &str,
    key: impl Fn(&T) -> Filter,
) -> Result<Filter> {
    if obj.is_null() {
        return Ok(Filter::All);
    }
    // SAFETY: the caller's pointer, class-checked.
    let h = unsafe { Handle::check(obj) }?;
    match h.value.connection() {
        Some(oc) if oc.same(conn.conn()) => Ok(key(&h.value)),
        _ => Err(Error::arg_error("conn", api, format!("conn in {api} must match object connection"))),
    }
}

macro_rules! call_as {
    ($cb:expr, fn($($t:ty),* $(,)?) -> $r:ty, $($a:expr),* $(,)?) => {{
        // SAFETY: the application registered this function for this event
        // id, whose signature is the one named here.
        let f: unsafe extern "C" fn($($t),*) -> $r = unsafe { std::mem::transmute($cb) };
        // SAFETY: the arguments live for the duration of the call.
        unsafe { f($($a),*) }
    }};
    ($cb:expr, fn($($t:ty),* $(,)?), $($a:expr),* $(,)?) => {{
        // SAFETY: the application registered this function for this event
        // id, whose signature is the one named here.
        let f: unsafe extern "C" fn($($t),*) = unsafe { std::mem::transmute($cb) };
        // SAFETY: the arguments live for the duration of the call.
        unsafe { f($($a),*) }
    }};
}

fn cstr(s: &str) -> CString {
    CString::new(s.replace('\0', "")).unwrap_or_default()
}

fn opt_cstr(s: &Option<String>) -> Option<CString> {
    s.as_deref().map(cstr)
}

fn opt_ptr(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(std::ptr::null(), |c| c.as_ptr())
}

/// Calls a typed-parameter callback with a C copy of `params`.
fn with_params(params: &[crate::core::typed_params::TypedParam], f: impl FnOnce(virTypedParameterPtr, c_int)) {
    // SAFETY: builds a malloc'ed array we free below.
    let (arr, n) = unsafe { super::typed_params::to_c_array(params) };
    f(arr, n);
    // SAFETY: the array made above, with its n entries.
    let _ = unsafe { super::typed_params::virTypedParamsFree(arr, n) };
}

type DomCb = unsafe extern "C" fn(virConnectPtr, virDomainPtr, *mut c_void);

/// Calls a domain callback registered for `event_id` with `ev`.
fn deliver_domain(c: &ConnectHandle, cb: DomCb, o: *mut c_void, event_id: c_int, ev: &Event) {
    use Event::*;
    let cp = c as *const ConnectHandle as virConnectPtr;
    let s = ev.subject();
    let d = DomainHandle::new_raw(
        Domain {
            conn: c.conn().clone(),
            name: s.name.clone(),
            uuid: s.uuid,
            id: crate::core::DomId::new(s.id),
            renamed: Default::default(),
        },
        cp,
    );
    with_handle(d, |d| match ev {
        DomainLifecycle { event, detail, .. } => {
            call_as!(
                cb,
                fn(virConnectPtr, virDomainPtr, c_int, c_int, *mut c_void) -> c_int,
                cp,
                d,
                *event,
                *detail,
                o
            );
        }
        DomainReboot { .. } | DomainControlError { .. } => cb_generic(cb, cp, d, o),
        DomainRtcChange { utc_offset, .. } => {
            call_as!(cb, fn(virConnectPtr, virDomainPtr, i64, *mut c_void), cp, d, *utc_offset, o)
        }
        DomainWatchdog { action, .. } => {
            call_as!(cb, fn(virConnectPtr, virDomainPtr, c_int, *mut c_void), cp, d, *action, o)
        }
        DomainIoError { src_path, dev_alias, action, reason, .. } => {
            let (sp, da, re) = (cstr(src_path), cstr(dev_alias), cstr(reason));
            if event_id == VIR_DOMAIN_EVENT_ID_IO_ERROR_REASON {
                call_as!(
                    cb,
                    fn(virConnectPtr, virDomainPtr, *const c_char, *const c_char, c_int, *const c_char, *mut c_void),
                    cp,
                    d,
                    sp.as_ptr(),
                    da.as_ptr(),
                    *action,
                    re.as_ptr(),
                    o
                )
            } else {
                call_as!(
                    cb,
                    fn(virConnectPtr, virDomainPtr, *const c_char, *const c_char, c_int, *mut c_void),
                    cp,
                    d,
                    sp.as_ptr(),
                    da.as_ptr(),
                    *action,
                    o
                )
            }
        }
        DomainGraphics { phase, local, remote, auth_scheme, identities, .. } => {
            let strs: Vec<CString> = [&local.node, &local.service, &remote.node, &remote.service, auth_scheme]
                .iter()
                .map(|s| cstr(s))
                .collect();
            let addr = |fam: i32, n: &CString, sv: &CString| virDomainEventGraphicsAddress {
                family: fam,
                node: n.as_ptr() as *mut c_char,
                service: sv.as_ptr() as *mut c_char,
            };
            let l = addr(local.family, &strs[0], &strs[1]);
            let r = addr(remote.family, &strs[2], &strs[3]);
            let ids: Vec<(CString, CString)> = identities.iter().map(|(t, n)| (cstr(t), cstr(n))).collect();
            let mut idents: Vec<virDomainEventGraphicsSubjectIdentity> = ids
                .iter()
                .map(|(t, n)| virDomainEventGraphicsSubjectIdentity {
                    r#type: t.as_ptr() as *mut c_char,
                    name: n.as_ptr() as *mut c_char,
                })
                .collect();
            let subj =
                virDomainEventGraphicsSubject { nidentity: idents.len() as c_int, identities: idents.as_mut_ptr() };
            call_as!(
                cb,
                fn(
                    virConnectPtr,
                    virDomainPtr,
                    c_int,
                    *const virDomainEventGraphicsAddress,
                    *const virDomainEventGraphicsAddress,
                    *const c_char,
                    *const virDomainEventGraphicsSubject,
                    *mut c_void,
                ),
                cp,
                d,
                *phase,
                &l,
                &r,
                strs[4].as_ptr(),
                &subj,
                o
            )
        }
        DomainBlockJob { disk, job_type, status, .. } => {
            let dk = cstr(disk);
            call_as!(
                cb,
                fn(virConnectPtr, virDomainPtr, *const c_char, c_int, c_int, *mut c_void),
                cp,
                d,
                dk.as_ptr(),
                *job_type,
                *status,
                o
            )
        }
        DomainDiskChange { old_src, new_src, dev_alias, reason, .. } => {
            let (a, b, da) = (opt_cstr(old_src), opt_cstr(new_src), cstr(dev_alias));
            call_as!(
                cb,
                fn(virConnectPtr, virDomainPtr, *const c_char, *const c_char, *const c_char, c_int, *mut c_void),
                cp,
                d,
                opt_ptr(&a),
                opt_ptr(&b),
                da.as_ptr(),
                *reason,
                o
            )
        }
        DomainTrayChange { dev_alias, reason, .. } => {
            let da = cstr(dev_alias);
            call_as!(
                cb,
                fn(virConnectPtr, virDomainPtr, *const c_char, c_int, *mut c_void),
                cp,
                d,
                da.as_ptr(),
                *reason,
                o
            )
        }
        DomainPmWakeup { reason, .. } | DomainPmSuspend { reason, .. } | DomainPmSuspendDisk { reason, .. } => {
            call_as!(cb, fn(virConnectPtr, virDomainPtr, c_int, *mut c_void), cp, d, *reason, o)
        }
        DomainBalloonChange { actual_kib, .. } => {
            call_as!(cb, fn(virConnectPtr, virDomainPtr, u64, *mut c_void), cp, d, *actual_kib, o)
        }
        DomainDeviceRemoved { dev_alias, .. }
        | DomainDeviceAdded { dev_alias, .. }
        | DomainDeviceRemovalFailed { dev_alias, .. } => {
            let da = cstr(dev_alias);
            call_as!(cb, fn(virConnectPtr, virDomainPtr, *const c_char, *mut c_void), cp, d, da.as_ptr(), o)
        }
        DomainTunable { params, .. } | DomainJobCompleted { params, .. } => with_params(params, |p, n| {
            call_as!(cb, fn(virConnectPtr, virDomainPtr, virTypedParameterPtr, c_int, *mut c_void), cp, d, p, n, o)
        }),
        DomainAgentLifecycle { state, reason, .. } => {
            call_as!(cb, fn(virConnectPtr, virDomainPtr, c_int, c_int, *mut c_void), cp, d, *state, *reason, o)
        }
        DomainMigrationIteration { iteration, .. } => {
            call_as!(cb, fn(virConnectPtr, virDomainPtr, c_int, *mut c_void), cp, d, *iteration, o)
        }
        DomainMetadataChange { kind, nsuri, .. } => {
            let ns = opt_cstr(nsuri);
            call_as!(
                cb,
                fn(virConnectPtr, virDomainPtr, c_int, *const c_char, *mut c_void),
                cp,
                d,
                *kind,
                opt_ptr(&ns),
                o
            )
        }
        DomainBlockThreshold { dev, path, threshold, excess, .. } => {
            let (dv, pa) = (cstr(dev), opt_cstr(path));
            call_as!(
                cb,
                fn(virConnectPtr, virDomainPtr, *const c_char, *const c_char, u64, u64, *mut c_void),
                cp,
                d,
                dv.as_ptr(),
                opt_ptr(&pa),
                *threshold,
                *excess,
                o
            )
        }
        DomainMemoryFailure { recipient, action, flags, .. } => call_as!(
            cb,
            fn(virConnectPtr, virDomainPtr, c_int, c_int, c_uint, *mut c_void),
            cp,
            d,
            *recipient,
            *action,
            *flags,
            o
        ),
        DomainMemoryDeviceSizeChange { alias, size_kib, .. } => {
            let al = cstr(alias);
            call_as!(
                cb,
                fn(virConnectPtr, virDomainPtr, *const c_char, u64, *mut c_void),
                cp,
                d,
                al.as_ptr(),
                *size_kib,
                o
            )
        }
        _ => {}
    });
}

fn cb_generic(cb: DomCb, c: virConnectPtr, d: virDomainPtr, o: *mut c_void) {
    // SAFETY: the application's callback, with live handles.
    unsafe { cb(c, d, o) }
}

/// Calls the callback of another family: generic `(conn, obj, opaque)` or
/// lifecycle `(conn, obj, event, detail, opaque)`.
fn deliver_object<P>(
    cp: virConnectPtr,
    obj: *mut P,
    cb: unsafe extern "C" fn(virConnectPtr, *mut P, *mut c_void),
    o: *mut c_void,
    ev: &Event,
) {
    use Event::*;
    match ev {
        NetworkLifecycle { event, detail, .. }
        | StoragePoolLifecycle { event, detail, .. }
        | NodeDeviceLifecycle { event, detail, .. }
        | SecretLifecycle { event, detail, .. } => {
            call_as!(cb, fn(virConnectPtr, *mut P, c_int, c_int, *mut c_void), cp, obj, *event, *detail, o)
        }
        // SAFETY: the application's callback, with live handles.
        _ => unsafe { cb(cp, obj, o) },
    }
}

fn new_object(c: &ConnectHandle, family: Family, s: &Subject) -> Option<ObjectHandle> {
    let conn = c.conn().clone();
    let cp = c as *const ConnectHandle as *mut ConnectHandle;
    Some(match family {
        Family::Network => {
            ObjectHandle::Network(NetworkHandle::new_raw(Network { conn, name: s.name.clone(), uuid: s.uuid }, cp))
        }
        Family::StoragePool => {
            ObjectHandle::Pool(StoragePoolHandle::new_raw(StoragePool { conn, name: s.name.clone(), uuid: s.uuid }, cp))
        }
        Family::NodeDevice => {
            ObjectHandle::Device(NodeDeviceHandle::new_raw(NodeDevice { conn, name: s.name.clone(), parent: None }, cp))
        }
        Family::Secret => ObjectHandle::Secret(SecretHandle::new_raw(
            Secret { conn, uuid: s.uuid, usage_type: 0, usage_id: s.name.clone() },
            cp,
        )),
        Family::Domain | Family::QemuMonitor => return None,
    })
}

enum ObjectHandle {
    Network(*mut NetworkHandle),
    Pool(*mut StoragePoolHandle),
    Device(*mut NodeDeviceHandle),
    Secret(*mut SecretHandle),
}

macro_rules! object_registration {
    ($fn:ident, $family:expr, $ptr:ty, $handle:ty, $cbty:ty, $api:literal, |$o:ident| $filter:expr) => {
        pub(crate) unsafe fn $fn(
            conn: virConnectPtr,
            obj: $ptr,
            eventID: c_int,
            cb: $cbty,
            opaque: *mut c_void,
            freecb: virFreeCallback,
        ) -> Result<c_int> {
            // SAFETY: the prologue validated the handle.
            let c = unsafe { ConnectHandle::check(conn) }?;
            // SAFETY: the caller's pointer, checked by filter_of.
            let filter = unsafe { filter_of::<Child<_>>(c, obj as *mut $handle, $api, |$o| $filter) }?;
            check_event_id($family, eventID, $api)?;
            let Some(f) = cb else { return Err(Error::null_arg("cb", $api)) };
            let r = Registration {
                family: $family,
                event_id: eventID,
                legacy: false,
                filter,
                key: f as usize,
                opaque,
                freecb,
            };
            let o = Opaque(opaque);
            register(c, r, move |c, ev| {
                let o = o;
                let cp = c as *const ConnectHandle as virConnectPtr;
                match new_object(c, $family, ev.subject()) {
                    Some(ObjectHandle::Network(h)) => with_handle(h, |h| call_obj(cp, h, f as usize, o.0, ev)),
                    Some(ObjectHandle::Pool(h)) => with_handle(h, |h| call_obj(cp, h, f as usize, o.0, ev)),
                    Some(ObjectHandle::Device(h)) => with_handle(h, |h| call_obj(cp, h, f as usize, o.0, ev)),
                    Some(ObjectHandle::Secret(h)) => with_handle(h, |h| call_obj(cp, h, f as usize, o.0, ev)),
                    None => {}
                }
            })
        }
    };
}

fn call_obj<P>(cp: virConnectPtr, obj: *mut P, f: usize, o: *mut c_void, ev: &Event) {
    // SAFETY: f is the application's generic callback for this family,
    // taking this family's handle type.
    let cb: unsafe extern "C" fn(virConnectPtr, *mut P, *mut c_void) = unsafe { std::mem::transmute(f) };
    deliver_object(cp, obj, cb, o, ev)
}

object_registration!(
    virConnectNetworkEventRegisterAny,
    Family::Network,
    virNetworkPtr,
    NetworkHandle,
    virConnectNetworkEventGenericCallback,
    "virConnectNetworkEventRegisterAny",
    |o| Filter::Uuid(o.obj.uuid)
);
object_registration!(
    virConnectStoragePoolEventRegisterAny,
    Family::StoragePool,
    virStoragePoolPtr,
    StoragePoolHandle,
    virConnectStoragePoolEventGenericCallback,
    "virConnectStoragePoolEventRegisterAny",
    |o| Filter::Uuid(o.obj.uuid)
);
object_registration!(
    virConnectNodeDeviceEventRegisterAny,
    Family::NodeDevice,
    virNodeDevicePtr,
    NodeDeviceHandle,
    virConnectNodeDeviceEventGenericCallback,
    "virConnectNodeDeviceEventRegisterAny",
    |o| Filter::Name(o.obj.name.clone())
);
object_registration!(
    virConnectSecretEventRegisterAny,
    Family::Secret,
    virSecretPtr,
    SecretHandle,
    virConnectSecretEventGenericCallback,
    "virConnectSecretEventRegisterAny",
    |o| Filter::Uuid(o.obj.uuid)
);

pub(crate) unsafe fn virConnectDomainEventRegisterAny(
    conn: virConnectPtr,
    dom: virDomainPtr,
    eventID: c_int,
    cb: virConnectDomainEventGenericCallback,
    opaque: *mut c_void,
    freecb: virFreeCallback,
) -> Result<c_int> {
    const API: &str = "virConnectDomainEventRegisterAny";
    // SAFETY: the prologue validated the handle.
    let c = unsafe { ConnectHandle::check(conn) }?;
    // SAFETY: the caller's pointer, checked by filter_of.
    let filter = unsafe { filter_of(c, dom, API, |d| Filter::Uuid(d.obj.uuid)) }?;
    check_event_id(Family::Domain, eventID, API)?;
    let Some(f) = cb else { return Err(Error::null_arg("cb", API)) };
    let r = Registration {
        family: Family::Domain,
        event_id: eventID,
        legacy: false,
        filter,
        key: f as usize,
        opaque,
        freecb,
    };
    let o = Opaque(opaque);
    register(c, r, move |c, ev| {
        let o = o;
        deliver_domain(c, f, o.0, eventID, ev)
    })
}

pub(crate) unsafe fn virConnectDomainEventRegister(
    conn: virConnectPtr,
    cb: virConnectDomainEventCallback,
    opaque: *mut c_void,
    freecb: virFreeCallback,
) -> Result<c_int> {
    // SAFETY: the prologue validated the handle.
    let c = unsafe { ConnectHandle::check(conn) }?;
    let Some(f) = cb else { return Err(Error::null_arg("cb", "virConnectDomainEventRegister")) };
    let r = Registration {
        family: Family::Domain,
        event_id: VIR_DOMAIN_EVENT_ID_LIFECYCLE,
        legacy: true,
        filter: Filter::All,
        key: f as usize,
        opaque,
        freecb,
    };
    let o = Opaque(opaque);
    // SAFETY: a lifecycle callback is called as one below; the generic type only carries it.
    let g: DomCb = unsafe { std::mem::transmute(f) };
    register(c, r, move |c, ev| {
        let o = o;
        deliver_domain(c, g, o.0, VIR_DOMAIN_EVENT_ID_LIFECYCLE, ev)
    })?;
    Ok(0)
}

pub(crate) unsafe fn virConnectDomainEventDeregister(
    conn: virConnectPtr,
    cb: virConnectDomainEventCallback,
) -> Result<c_int> {
    // SAFETY: the prologue validated the handle.
    let c = unsafe { ConnectHandle::check(conn) }?;
    let Some(f) = cb else { return Err(Error::null_arg("cb", "virConnectDomainEventDeregister")) };
    queue_of(c.conn(), Family::Domain)?.deregister_legacy(c.conn(), f as usize)?;
    Ok(0)
}

pub(crate) unsafe fn virConnectDomainEventDeregisterAny(conn: virConnectPtr, callbackID: c_int) -> Result<c_int> {
    deregister(conn, Family::Domain, callbackID)
}

pub(crate) unsafe fn virConnectNetworkEventDeregisterAny(conn: virConnectPtr, callbackID: c_int) -> Result<c_int> {
    deregister(conn, Family::Network, callbackID)
}

pub(crate) unsafe fn virConnectStoragePoolEventDeregisterAny(conn: virConnectPtr, callbackID: c_int) -> Result<c_int> {
    deregister(conn, Family::StoragePool, callbackID)
}

pub(crate) unsafe fn virConnectNodeDeviceEventDeregisterAny(conn: virConnectPtr, callbackID: c_int) -> Result<c_int> {
    deregister(conn, Family::NodeDevice, callbackID)
}

pub(crate) unsafe fn virConnectSecretEventDeregisterAny(conn: virConnectPtr, callbackID: c_int) -> Result<c_int> {
    deregister(conn, Family::Secret, callbackID)
}

// ---------------------------------------------------------------------------
// QEMU monitor events (libvirt-qemu)

pub(crate) unsafe fn virConnectDomainQemuMonitorEventRegister(
    conn: virConnectPtr,
    dom: virDomainPtr,
    event: *const c_char,
    cb: virConnectDomainQemuMonitorEventCallback,
    opaque: *mut c_void,
    freecb: virFreeCallback,
    flags: c_uint,
) -> Result<c_int> {
    const API: &str = "virConnectDomainQemuMonitorEventRegister";
    // SAFETY: the prologue validated the handle.
    let c = unsafe { ConnectHandle::check(conn) }?;
    // SAFETY: the caller's pointer, checked by filter_of.
    let uuid = match unsafe { filter_of(c, dom, API, |d| Filter::Uuid(d.obj.uuid)) }? {
        Filter::Uuid(u) => Some(u),
        _ => None,
    };
    let Some(f) = cb else { return Err(Error::null_arg("cb", API)) };
    // SAFETY: a NUL-terminated string or NULL, as the C API documents.
    let event = unsafe { crate::capi::marshal::text(event) }.map(|s| s.into_owned());
    let r = Registration {
        family: Family::QemuMonitor,
        event_id: 0,
        legacy: false,
        filter: Filter::Monitor { uuid, event, flags },
        key: f as usize,
        opaque,
        freecb,
    };
    let o = Opaque(opaque);
    register(c, r, move |c, ev| {
        let o = o;
        let Event::QemuMonitor { domain: s, event, seconds, micros, details } = ev else { return };
        let cp = c as *const ConnectHandle as virConnectPtr;
        let d = DomainHandle::new_raw(
            Domain {
                conn: c.conn().clone(),
                name: s.name.clone(),
                uuid: s.uuid,
                id: crate::core::DomId::new(s.id),
                renamed: Default::default(),
            },
            cp,
        );
        let (name, details) = (cstr(event), opt_cstr(details));
        // SAFETY: the application's callback with arguments that live for the call.
        with_handle(d, |d| unsafe { f(cp, d, name.as_ptr(), *seconds, *micros, opt_ptr(&details), o.0) });
    })
}

pub(crate) unsafe fn virConnectDomainQemuMonitorEventDeregister(
    conn: virConnectPtr,
    callbackID: c_int,
) -> Result<c_int> {
    deregister(conn, Family::QemuMonitor, callbackID)
}

// ---------------------------------------------------------------------------
// Close callbacks and keepalive

pub(crate) unsafe fn virConnectRegisterCloseCallback(
    conn: virConnectPtr,
    cb: virConnectCloseFunc,
    opaque: *mut c_void,
    freecb: virFreeCallback,
) -> Result<c_int> {
    // SAFETY: the prologue validated the handle.
    let c = unsafe { ConnectHandle::check(conn) }?;
    let Some(f) = cb else { return Err(Error::null_arg("cb", "virConnectRegisterCloseCallback")) };
    let Some(register) = c.conn().table().events.connect_register_close_callback else {
        return Ok(0);
    };
    let conn_ref = ConnRef::new(c);
    let o = Opaque(opaque);
    let call = Box::new(move |reason| {
        let o = o;
        let cp = conn_ref.handle() as *const ConnectHandle as virConnectPtr;
        // SAFETY: the application's close callback with its own pointer.
        unsafe { f(cp, reason, o.0) }
    });
    register(c.conn(), CloseCallback { key: f as usize, call, free: free_of(freecb, opaque) })?;
    Ok(0)
}

pub(crate) unsafe fn virConnectUnregisterCloseCallback(conn: virConnectPtr, cb: virConnectCloseFunc) -> Result<c_int> {
    // SAFETY: the prologue validated the handle.
    let c = unsafe { ConnectHandle::check(conn) }?;
    let Some(f) = cb else { return Err(Error::null_arg("cb", "virConnectUnregisterCloseCallback")) };
    if let Some(unregister) = c.conn().table().events.connect_unregister_close_callback {
        unregister(c.conn(), f as usize)?;
    }
    Ok(0)
}

pub(crate) unsafe fn virConnectSetKeepAlive(conn: virConnectPtr, interval: c_int, count: c_uint) -> Result<c_int> {
    // SAFETY: the prologue validated the handle.
    let c = unsafe { ConnectHandle::check(conn) }?;
    match c.conn().table().events.connect_set_keep_alive {
        Some(f) => f(c.conn(), interval, count),
        // libvirt reports this one from its domain module
        None => Err(Error::no_support().from_domain(VIR_FROM_DOMAIN)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::events::GraphicsAddress;
    use crate::core::typed_params::TypedParam;
    use parking_lot::Mutex;

    static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());

    fn name(d: virDomainPtr) -> String {
        // SAFETY: a live domain handle passed to a callback.
        unsafe { DomainHandle::check(d) }.map(|h| h.obj().name.clone()).unwrap_or_default()
    }

    fn text(p: *const c_char) -> String {
        // SAFETY: a NUL-terminated string passed to a callback, or NULL.
        unsafe { crate::capi::strings::opt_str(p) }.map(|s| s.into_owned()).unwrap_or_else(|| "NULL".into())
    }

    unsafe extern "C" fn lifecycle(
        _c: virConnectPtr,
        d: virDomainPtr,
        ev: c_int,
        det: c_int,
        _o: *mut c_void,
    ) -> c_int {
        SEEN.lock().push(format!("lifecycle {} {ev} {det}", name(d)));
        0
    }

    unsafe extern "C" fn rtc(_c: virConnectPtr, d: virDomainPtr, off: i64, _o: *mut c_void) {
        SEEN.lock().push(format!("rtc {} {off}", name(d)));
    }

    unsafe extern "C" fn io_reason(
        _c: virConnectPtr,
        d: virDomainPtr,
        src: *const c_char,
        alias: *const c_char,
        action: c_int,
        reason: *const c_char,
        _o: *mut c_void,
    ) {
        SEEN.lock().push(format!("io {} {} {} {action} {}", name(d), text(src), text(alias), text(reason)));
    }

    unsafe extern "C" fn graphics(
        _c: virConnectPtr,
        d: virDomainPtr,
        phase: c_int,
        local: *const virDomainEventGraphicsAddress,
        _remote: *const virDomainEventGraphicsAddress,
        scheme: *const c_char,
        subject: *const virDomainEventGraphicsSubject,
        _o: *mut c_void,
    ) {
        // SAFETY: live structures for the duration of the callback.
        let (l, s) = unsafe { (&*local, &*subject) };
        // SAFETY: the subject holds nidentity entries.
        let id0 = unsafe { &*s.identities };
        SEEN.lock().push(format!(
            "graphics {} {phase} {} {} {} {}={}",
            name(d),
            text(l.node),
            text(scheme),
            s.nidentity,
            text(id0.r#type),
            text(id0.name)
        ));
    }

    unsafe extern "C" fn tunable(
        _c: virConnectPtr,
        d: virDomainPtr,
        p: virTypedParameterPtr,
        n: c_int,
        _o: *mut c_void,
    ) {
        // SAFETY: n parameters at p for the duration of the callback.
        let params = unsafe { super::super::typed_params::from_c_array(p, n) }.unwrap_or_default();
        SEEN.lock().push(format!("tunable {} {} {}", name(d), n, params[0].field));
    }

    unsafe extern "C" fn nodedev(_c: virConnectPtr, dev: virNodeDevicePtr, _o: *mut c_void) {
        // SAFETY: a live node device handle.
        let n = unsafe { NodeDeviceHandle::check(dev) }.map(|h| h.obj().name.clone()).unwrap_or_default();
        SEEN.lock().push(format!("nodedev update {n}"));
    }

    fn subject(name: &str) -> Subject {
        Subject { name: name.into(), uuid: [0xe7; 16], id: 7 }
    }

    #[test]
    fn events_reach_c_callbacks_with_their_signatures() {
        crate::initialize();
        event_loop::register_default();
        // SAFETY: the bodies are called as the generated shims call them.
        unsafe {
            let conn = super::super::connect::virConnectOpen(c"test:///default".as_ptr()).unwrap();
            let h = ConnectHandle::check(conn).unwrap();
            let cast =
                |f: usize| -> virConnectDomainEventGenericCallback { Some(std::mem::transmute::<usize, DomCb>(f)) };
            let ids = [
                virConnectDomainEventRegisterAny(
                    conn,
                    std::ptr::null_mut(),
                    0,
                    cast(lifecycle as *const () as usize),
                    std::ptr::null_mut(),
                    None,
                ),
                virConnectDomainEventRegisterAny(
                    conn,
                    std::ptr::null_mut(),
                    VIR_DOMAIN_EVENT_ID_RTC_CHANGE,
                    cast(rtc as *const () as usize),
                    std::ptr::null_mut(),
                    None,
                ),
                virConnectDomainEventRegisterAny(
                    conn,
                    std::ptr::null_mut(),
                    VIR_DOMAIN_EVENT_ID_IO_ERROR_REASON,
                    cast(io_reason as *const () as usize),
                    std::ptr::null_mut(),
                    None,
                ),
                virConnectDomainEventRegisterAny(
                    conn,
                    std::ptr::null_mut(),
                    VIR_DOMAIN_EVENT_ID_GRAPHICS,
                    cast(graphics as *const () as usize),
                    std::ptr::null_mut(),
                    None,
                ),
                virConnectDomainEventRegisterAny(
                    conn,
                    std::ptr::null_mut(),
                    VIR_DOMAIN_EVENT_ID_TUNABLE,
                    cast(tunable as *const () as usize),
                    std::ptr::null_mut(),
                    None,
                ),
                virConnectNodeDeviceEventRegisterAny(
                    conn,
                    std::ptr::null_mut(),
                    VIR_NODE_DEVICE_EVENT_ID_UPDATE,
                    Some(nodedev),
                    std::ptr::null_mut(),
                    None,
                ),
            ]
            .map(|r| r.unwrap());
            let q = queue_of(h.conn(), Family::Domain).unwrap();
            let d = subject("vrs-ev-unit");
            q.queue(Event::DomainLifecycle { domain: d.clone(), event: 3, detail: 1 });
            q.queue(Event::DomainRtcChange { domain: d.clone(), utc_offset: -42 });
            q.queue(Event::DomainIoError {
                domain: d.clone(),
                src_path: "/img".into(),
                dev_alias: "vda".into(),
                action: 2,
                reason: "enospc".into(),
            });
            let addr = |n: &str| GraphicsAddress { family: 0, node: n.into(), service: "5900".into() };
            q.queue(Event::DomainGraphics {
                domain: d.clone(),
                phase: 1,
                local: addr("127.0.0.1"),
                remote: addr("10.0.0.1"),
                auth_scheme: "vnc".into(),
                identities: vec![("x509dname".into(), "CN=me".into())],
            });
            q.queue(Event::DomainTunable {
                domain: d.clone(),
                params: vec![TypedParam::uint("cputune.vcpu_quota", 5).unwrap()],
            });
            q.queue(Event::NodeDeviceUpdate { device: Subject { name: "vrs-dev".into(), uuid: [0; 16], id: -1 } });
            for _ in 0..200 {
                if SEEN.lock().iter().filter(|s| s.contains("vrs-")).count() >= 6 {
                    break;
                }
                let t = event_loop::add_timeout(5, Arc::new(|_| {}), None);
                DefaultLoop::global().run_once();
                event_loop::remove_timeout(t);
            }
            let seen: Vec<String> = SEEN.lock().iter().filter(|s| s.contains("vrs-")).cloned().collect();
            assert_eq!(
                seen,
                [
                    "lifecycle vrs-ev-unit 3 1",
                    "rtc vrs-ev-unit -42",
                    "io vrs-ev-unit /img vda 2 enospc",
                    "graphics vrs-ev-unit 1 127.0.0.1 vnc 1 x509dname=CN=me",
                    "tunable vrs-ev-unit 1 cputune.vcpu_quota",
                    "nodedev update vrs-dev",
                ]
            );
            for id in ids {
                virConnectDomainEventDeregisterAny(conn, id).unwrap();
            }
            assert_eq!(super::super::connect::virConnectClose(conn).unwrap(), 0);
        }
    }
}
