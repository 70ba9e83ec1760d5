//! Handles of the admin library: a connection, a server of the daemon
//! (holding a reference on its connection) and a client of a server
//! (holding a reference on its server), counted as libvirt-admin counts
//! them. Admin errors stay in the thread's last error: no handle here has
//! a connection error slot.

use super::generated::types::*;
use super::handle::{Handle, HandleClass};
use crate::core::admin::protocol::{ClientRef, Connection};
use crate::generated::consts::*;
use parking_lot::Mutex;
use std::ffi::CString;
use std::os::raw::{c_char, c_void};

/// A registered close callback and its data.
pub struct CloseCallback {
    pub cb: virAdmConnectCloseFunc,
    pub opaque: usize,
    pub freecb: virFreeCallback,
}

impl CloseCallback {
    /// Lets the caller free its data.
    pub fn release(self) {
        if let Some(f) = self.freecb {
            // SAFETY: the caller's free function with the data it registered.
            unsafe { f(self.opaque as *mut c_void) };
        }
    }
}

pub struct AdmConnState {
    pub conn: Connection,
    pub close_cb: Mutex<Option<CloseCallback>>,
}

impl Drop for AdmConnState {
    fn drop(&mut self) {
        if let Err(e) = self.conn.close() {
            // libvirt-admin records a failed goodbye without reporting it
            super::errors::set_last_error(&e.in_api("virAdmConnectClose", VIR_FROM_ADMIN));
        }
        if let Some(cb) = self.close_cb.lock().take() {
            cb.release();
        }
    }
}

pub struct AdmServerState {
    pub conn: *mut AdmConnectHandle,
    pub name: CString,
}

impl AdmServerState {
    pub fn name(&self) -> &str {
        self.name.to_str().unwrap_or("")
    }
}

impl Drop for AdmServerState {
    fn drop(&mut self) {
        // SAFETY: the reference taken when the server handle was made.
        unsafe { Handle::release(self.conn) };
    }
}

pub struct AdmClientState {
    pub srv: *mut AdmServerHandle,
    pub client: ClientRef,
}

impl Drop for AdmClientState {
    fn drop(&mut self) {
        // SAFETY: the reference taken when the client handle was made.
        unsafe { Handle::release(self.srv) };
    }
}

// SAFETY: the raw pointers are counted references to thread-safe handles.
unsafe impl Send for AdmServerState {}
// SAFETY: as above; the state is immutable once made.
unsafe impl Sync for AdmServerState {}
// SAFETY: as above.
unsafe impl Send for AdmClientState {}
// SAFETY: as above.
unsafe impl Sync for AdmClientState {}

macro_rules! admin_class {
    ($alias:ident, $state:ty, $magic:expr) => {
        pub type $alias = Handle<$state>;

        impl HandleClass for $state {
            const MAGIC: u32 = $magic;
            // libvirt-admin calls every bad handle a bad connection
            const INVALID: i32 = VIR_ERR_INVALID_CONN;
            const FROM: i32 = VIR_FROM_ADMIN;
            const HAS_ERROR_SLOT: bool = false;
            fn owner(&self) -> *mut super::handle::ConnectHandle {
                std::ptr::null_mut()
            }
        }
    };
}

admin_class!(AdmConnectHandle, AdmConnState, 0x7669_7281);
admin_class!(AdmServerHandle, AdmServerState, 0x7669_7282);
admin_class!(AdmClientHandle, AdmClientState, 0x7669_7283);

impl AdmConnectHandle {
    pub fn new_raw(conn: Connection) -> *mut AdmConnectHandle {
        Handle::into_raw(AdmConnState { conn, close_cb: Mutex::new(None) })
    }
}

impl AdmServerHandle {
    /// A server handle of connection `conn`, which gains a reference.
    pub fn new_raw(conn: &AdmConnectHandle, name: &str) -> *mut AdmServerHandle {
        conn.add_ref();
        let conn = conn as *const AdmConnectHandle as *mut AdmConnectHandle;
        Handle::into_raw(AdmServerState { conn, name: CString::new(name.replace('\0', "")).unwrap_or_default() })
    }

    pub fn name_ptr(&self) -> *const c_char {
        self.value.name.as_ptr()
    }
}

impl AdmClientHandle {
    /// A client handle of server `srv`, which gains a reference.
    pub fn new_raw(srv: &AdmServerHandle, client: ClientRef) -> *mut AdmClientHandle {
        srv.add_ref();
        let srv = srv as *const AdmServerHandle as *mut AdmServerHandle;
        Handle::into_raw(AdmClientState { srv, client })
    }
}
