//! What every object handle answers without asking its driver: references,
//! names, UUIDs and the handles it belongs to.

use crate::capi::generated::types::*;
use crate::capi::handle::*;
use crate::capi::strings::{self, copy_to_buf};
use crate::core::error::Result;
use crate::core::uuid;
use crate::generated::consts::VIR_UUID_STRING_BUFLEN;
use std::os::raw::{c_char, c_int, c_uchar, c_uint};

/// `vir*Ref` and `vir*Free` for one handle class.
macro_rules! ref_free {
    ($handle:ty, $ptr:ty, $ref_fn:ident, $free_fn:ident) => {
        pub(crate) unsafe fn $ref_fn(p: $ptr) -> Result<c_int> {
            // SAFETY: check validates the class of the caller's pointer.
            unsafe { <$handle>::check(p) }?.add_ref();
            Ok(0)
        }

        pub(crate) unsafe fn $free_fn(p: $ptr) -> Result<c_int> {
            // SAFETY: check validates the pointer; the caller gives up its reference.
            unsafe {
                <$handle>::check(p)?;
                Handle::release(p);
            }
            Ok(0)
        }
    };
}

ref_free!(DomainHandle, virDomainPtr, virDomainRef, virDomainFree);
ref_free!(NetworkHandle, virNetworkPtr, virNetworkRef, virNetworkFree);
ref_free!(NetworkPortHandle, virNetworkPortPtr, virNetworkPortRef, virNetworkPortFree);
ref_free!(StoragePoolHandle, virStoragePoolPtr, virStoragePoolRef, virStoragePoolFree);
ref_free!(StorageVolHandle, virStorageVolPtr, virStorageVolRef, virStorageVolFree);
ref_free!(InterfaceHandle, virInterfacePtr, virInterfaceRef, virInterfaceFree);
ref_free!(NodeDeviceHandle, virNodeDevicePtr, virNodeDeviceRef, virNodeDeviceFree);
ref_free!(SecretHandle, virSecretPtr, virSecretRef, virSecretFree);
ref_free!(NWFilterHandle, virNWFilterPtr, virNWFilterRef, virNWFilterFree);
ref_free!(NWFilterBindingHandle, virNWFilterBindingPtr, virNWFilterBindingRef, virNWFilterBindingFree);
ref_free!(DomainSnapshotHandle, virDomainSnapshotPtr, virDomainSnapshotRef, virDomainSnapshotFree);
ref_free!(DomainCheckpointHandle, virDomainCheckpointPtr, virDomainCheckpointRef, virDomainCheckpointFree);
ref_free!(StreamHandle, virStreamPtr, virStreamRef, virStreamFree);

/// A string accessor returning a pointer that lives as long as the handle.
macro_rules! name_of {
    ($handle:ty, $ptr:ty, $fn:ident, |$o:ident| $field:expr) => {
        pub(crate) unsafe fn $fn(p: $ptr) -> Result<*const c_char> {
            // SAFETY: check validates the class of the caller's pointer.
            let h = unsafe { <$handle>::check(p) }?;
            let $o = &h.value.obj;
            Ok(h.value.keep_str($field))
        }
    };
}

name_of!(DomainHandle, virDomainPtr, virDomainGetName, |o| &o.current_name());
name_of!(NetworkHandle, virNetworkPtr, virNetworkGetName, |o| &o.name);
name_of!(StoragePoolHandle, virStoragePoolPtr, virStoragePoolGetName, |o| &o.name);
name_of!(StorageVolHandle, virStorageVolPtr, virStorageVolGetName, |o| &o.name);
name_of!(StorageVolHandle, virStorageVolPtr, virStorageVolGetKey, |o| &o.key);
name_of!(InterfaceHandle, virInterfacePtr, virInterfaceGetName, |o| &o.name);
name_of!(InterfaceHandle, virInterfacePtr, virInterfaceGetMACString, |o| &o.mac);
name_of!(NodeDeviceHandle, virNodeDevicePtr, virNodeDeviceGetName, |o| &o.name);
name_of!(SecretHandle, virSecretPtr, virSecretGetUsageID, |o| &o.usage_id);
name_of!(NWFilterHandle, virNWFilterPtr, virNWFilterGetName, |o| &o.name);
name_of!(NWFilterBindingHandle, virNWFilterBindingPtr, virNWFilterBindingGetPortDev, |o| &o.portdev);
name_of!(NWFilterBindingHandle, virNWFilterBindingPtr, virNWFilterBindingGetFilterName, |o| &o.filter);
name_of!(DomainSnapshotHandle, virDomainSnapshotPtr, virDomainSnapshotGetName, |o| &o.name);
name_of!(DomainCheckpointHandle, virDomainCheckpointPtr, virDomainCheckpointGetName, |o| &o.name);

/// `Get*UUID` (16 raw bytes) and `Get*UUIDString` for one handle class.
macro_rules! uuid_of {
    ($handle:ty, $ptr:ty, $raw:ident, $string:ident, |$o:ident| $field:expr) => {
        pub(crate) unsafe fn $raw(p: $ptr, uuid: *mut c_uchar) -> Result<c_int> {
            // SAFETY: check validates the class of the caller's pointer.
            let h = unsafe { <$handle>::check(p) }?;
            if uuid.is_null() {
                return Err(strings::null_arg("uuid", stringify!($raw)));
            }
            let $o = &h.value.obj;
            // SAFETY: the caller passes a VIR_UUID_BUFLEN (16) byte buffer.
            unsafe { std::ptr::copy_nonoverlapping($field.as_ptr(), uuid, 16) };
            Ok(0)
        }

        pub(crate) unsafe fn $string(p: $ptr, buf: *mut c_char) -> Result<c_int> {
            // SAFETY: check validates the class of the caller's pointer.
            let h = unsafe { <$handle>::check(p) }?;
            if buf.is_null() {
                return Err(strings::null_arg("buf", stringify!($string)));
            }
            let $o = &h.value.obj;
            // SAFETY: the caller passes a VIR_UUID_STRING_BUFLEN byte buffer.
            let dst = unsafe { std::slice::from_raw_parts_mut(buf, VIR_UUID_STRING_BUFLEN as usize) };
            copy_to_buf(&uuid::format($field), dst);
            Ok(0)
        }
    };
}

uuid_of!(DomainHandle, virDomainPtr, virDomainGetUUID, virDomainGetUUIDString, |o| &o.uuid);
uuid_of!(NetworkHandle, virNetworkPtr, virNetworkGetUUID, virNetworkGetUUIDString, |o| &o.uuid);
uuid_of!(NetworkPortHandle, virNetworkPortPtr, virNetworkPortGetUUID, virNetworkPortGetUUIDString, |o| &o.uuid);
uuid_of!(StoragePoolHandle, virStoragePoolPtr, virStoragePoolGetUUID, virStoragePoolGetUUIDString, |o| &o.uuid);
uuid_of!(SecretHandle, virSecretPtr, virSecretGetUUID, virSecretGetUUIDString, |o| &o.uuid);
uuid_of!(NWFilterHandle, virNWFilterPtr, virNWFilterGetUUID, virNWFilterGetUUIDString, |o| &o.uuid);

pub(crate) unsafe fn virDomainGetID(p: virDomainPtr) -> Result<c_uint> {
    // SAFETY: check validates the class of the caller's pointer.
    let h = unsafe { DomainHandle::check(p) }?;
    Ok(h.obj().id.get() as c_uint)
}

pub(crate) unsafe fn virSecretGetUsageType(p: virSecretPtr) -> Result<c_int> {
    // SAFETY: check validates the class of the caller's pointer.
    Ok(unsafe { SecretHandle::check(p) }?.obj().usage_type)
}

/// `*GetConnect`: the connection handle, without a new reference.
macro_rules! connect_of {
    ($handle:ty, $ptr:ty, $fn:ident) => {
        pub(crate) unsafe fn $fn(p: $ptr) -> Result<virConnectPtr> {
            // SAFETY: check validates the class of the caller's pointer.
            Ok(unsafe { <$handle>::check(p) }?.conn_handle())
        }
    };
}

connect_of!(DomainHandle, virDomainPtr, virDomainGetConnect);
connect_of!(NetworkHandle, virNetworkPtr, virNetworkGetConnect);
connect_of!(StoragePoolHandle, virStoragePoolPtr, virStoragePoolGetConnect);
connect_of!(StorageVolHandle, virStorageVolPtr, virStorageVolGetConnect);
connect_of!(InterfaceHandle, virInterfacePtr, virInterfaceGetConnect);
connect_of!(SecretHandle, virSecretPtr, virSecretGetConnect);
connect_of!(DomainSnapshotHandle, virDomainSnapshotPtr, virDomainSnapshotGetConnect);
connect_of!(DomainCheckpointHandle, virDomainCheckpointPtr, virDomainCheckpointGetConnect);

/// Parent accessors: the handle the object hangs from, without a new reference.
macro_rules! parent_of {
    ($handle:ty, $ptr:ty, $fn:ident, $variant:ident, $ret:ty) => {
        pub(crate) unsafe fn $fn(p: $ptr) -> Result<$ret> {
            // SAFETY: check validates the class of the caller's pointer.
            let h = unsafe { <$handle>::check(p) }?;
            match h.value.parent {
                Parent::$variant(d) => Ok(d),
                _ => Err(crate::core::error::Error::internal("object has no parent")),
            }
        }
    };
}

parent_of!(DomainSnapshotHandle, virDomainSnapshotPtr, virDomainSnapshotGetDomain, Domain, virDomainPtr);
parent_of!(DomainCheckpointHandle, virDomainCheckpointPtr, virDomainCheckpointGetDomain, Domain, virDomainPtr);
parent_of!(NetworkPortHandle, virNetworkPortPtr, virNetworkPortGetNetwork, Network, virNetworkPtr);
