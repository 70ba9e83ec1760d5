//! Object constructors libvirt exports in its private version node for its
//! own tools and tests (`virGetSecret`, ...). Test programs written for
//! libvirt use them to make handles of objects a driver cannot create (the
//! test driver has no secrets, network ports or filters); exporting them
//! lets the same programs run on this library.

use super::entry::run;
use super::generated::types::*;
use super::handle::*;
use super::marshal;
use crate::core::error::Result;
use crate::core::*;
use crate::generated::consts::VIR_FROM_NONE;
use std::os::raw::{c_char, c_int, c_uchar};

/// Runs a constructor: NULL with the error set when a handle is invalid.
fn construct<T>(api: &'static str, body: impl FnOnce() -> Result<*mut T>) -> *mut T {
    run(api, VIR_FROM_NONE, std::ptr::null_mut(), body)
}

unsafe fn name(p: *const c_char) -> String {
    // SAFETY: forwarded caller contract.
    unsafe { marshal::text(p) }.map(|s| s.into_owned()).unwrap_or_default()
}

unsafe fn uuid_or_zero(p: *const c_uchar) -> uuid::Uuid {
    // SAFETY: forwarded caller contract (16 bytes when non-NULL).
    if p.is_null() {
        [0; 16]
    } else {
        unsafe { marshal::uuid(p) }
    }
}

/// # Safety
/// `net` must be a network handle of this library; `uuid` NULL or 16 bytes.
#[no_mangle]
pub unsafe extern "C" fn virGetNetworkPort(net: virNetworkPtr, uuid: *const c_uchar) -> virNetworkPortPtr {
    construct("virGetNetworkPort", || {
        // SAFETY: the caller's contract.
        let (h, uuid) = unsafe { (NetworkHandle::check(net)?, uuid_or_zero(uuid)) };
        let port = NetworkPort { net: h.obj().clone(), uuid };
        Ok(NetworkPortHandle::new_with_parent(port, h.conn_handle(), Parent::Network(net)))
    })
}

/// # Safety
/// `conn` must be a connection handle; the strings NULL or C strings.
#[no_mangle]
pub unsafe extern "C" fn virGetSecret(
    conn: virConnectPtr,
    uuid: *const c_uchar,
    usage_type: c_int,
    usage_id: *const c_char,
) -> virSecretPtr {
    construct("virGetSecret", || {
        // SAFETY: the caller's contract.
        let (h, uuid, usage_id) = unsafe { (ConnectHandle::check(conn)?, uuid_or_zero(uuid), name(usage_id)) };
        Ok(SecretHandle::new_raw(Secret { conn: h.conn().clone(), uuid, usage_type, usage_id }, conn))
    })
}

/// # Safety
/// As for [`virGetSecret`].
#[no_mangle]
pub unsafe extern "C" fn virGetNWFilter(
    conn: virConnectPtr,
    name_p: *const c_char,
    uuid: *const c_uchar,
) -> virNWFilterPtr {
    construct("virGetNWFilter", || {
        // SAFETY: the caller's contract.
        let (h, name, uuid) = unsafe { (ConnectHandle::check(conn)?, name(name_p), uuid_or_zero(uuid)) };
        Ok(NWFilterHandle::new_raw(NWFilter { conn: h.conn().clone(), name, uuid }, conn))
    })
}

/// # Safety
/// As for [`virGetSecret`].
#[no_mangle]
pub unsafe extern "C" fn virGetNWFilterBinding(
    conn: virConnectPtr,
    portdev: *const c_char,
    filter: *const c_char,
) -> virNWFilterBindingPtr {
    construct("virGetNWFilterBinding", || {
        // SAFETY: the caller's contract.
        let (h, portdev, filter) = unsafe { (ConnectHandle::check(conn)?, name(portdev), name(filter)) };
        Ok(NWFilterBindingHandle::new_raw(NWFilterBinding { conn: h.conn().clone(), portdev, filter }, conn))
    })
}

/// # Safety
/// `domain` must be a domain handle; `name` NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn virGetDomainSnapshot(domain: virDomainPtr, name_p: *const c_char) -> virDomainSnapshotPtr {
    construct("virGetDomainSnapshot", || {
        // SAFETY: the caller's contract.
        let (h, name) = unsafe { (DomainHandle::check(domain)?, name(name_p)) };
        let snap = DomainSnapshot { domain: h.obj().clone(), name };
        Ok(DomainSnapshotHandle::new_with_parent(snap, h.conn_handle(), Parent::Domain(domain)))
    })
}

/// # Safety
/// As for [`virGetDomainSnapshot`].
#[no_mangle]
pub unsafe extern "C" fn virGetDomainCheckpoint(domain: virDomainPtr, name_p: *const c_char) -> virDomainCheckpointPtr {
    construct("virGetDomainCheckpoint", || {
        // SAFETY: the caller's contract.
        let (h, name) = unsafe { (DomainHandle::check(domain)?, name(name_p)) };
        let cp = DomainCheckpoint { domain: h.obj().clone(), name };
        Ok(DomainCheckpointHandle::new_with_parent(cp, h.conn_handle(), Parent::Domain(domain)))
    })
}
