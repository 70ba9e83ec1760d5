//! C handles: every `vir*Ptr` points at a `Handle<T>` whose first field is
//! a class magic, poisoned when the last reference goes. Child objects hold
//! a reference on their connection handle, so `virConnectClose` reports the
//! references that remain exactly as libvirt counts them.

use super::entry;
use super::generated::types::*;
use crate::core::error::{Error, Result};
use crate::core::*;
use crate::generated::consts::*;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

/// The magic a freed handle carries.
const POISON: u32 = 0xDEAD_BEEF;

/// What a handle class needs to know about itself.
pub trait HandleClass {
    const MAGIC: u32;
    /// `virErrorNumber` raised for a NULL or foreign handle.
    const INVALID: i32;
    /// `virErrorDomain` of that error.
    const FROM: i32;
    /// Whether a failure is also recorded on the object's connection
    /// (admin handles have no such slot).
    const HAS_ERROR_SLOT: bool = true;
    /// The connection handle the object belongs to (null for connections).
    fn owner(&self) -> *mut ConnectHandle;
    /// The connection, where the object has one.
    fn connection(&self) -> Option<&Connect> {
        let o = self.owner();
        // SAFETY: an object's owner is live while the object is.
        (!o.is_null()).then(|| unsafe { &(*o).value.conn })
    }
}

impl<T: HandleClass> Handle<T> {
    /// Refuses a write operation on a read-only connection.
    pub fn deny_readonly(&self) -> Result<()> {
        match self.value.connection() {
            Some(c) => c.check_writable(),
            None => Ok(()),
        }
    }
}

#[repr(C)]
pub struct Handle<T> {
    magic: AtomicU32,
    refs: AtomicUsize,
    pub value: T,
}

impl<T: HandleClass> Handle<T> {
    /// Wraps a value in a new handle with one reference; the value's owner
    /// connection gains a reference too.
    pub fn into_raw(value: T) -> *mut Handle<T> {
        let owner = value.owner();
        if !owner.is_null() {
            // SAFETY: a value's owner is a live connection handle (the caller holds it).
            unsafe { (*owner).refs.fetch_add(1, Ordering::AcqRel) };
        }
        Box::into_raw(Box::new(Handle { magic: AtomicU32::new(T::MAGIC), refs: AtomicUsize::new(1), value }))
    }

    /// Validates a handle from C: non-NULL and of this class.
    ///
    /// # Safety
    /// `ptr` must be NULL or point at memory that was a handle of this library.
    pub unsafe fn check<'a>(ptr: *mut Handle<T>) -> Result<&'a Handle<T>> {
        // SAFETY: forwarded contract.
        unsafe { Self::check_from(ptr, T::FROM) }
    }

    /// As [`Handle::check`], reporting a bad handle in error domain `from`
    /// (libvirt's choice varies by function; the spec records it).
    ///
    /// # Safety
    /// As for [`Handle::check`].
    pub unsafe fn check_from<'a>(ptr: *mut Handle<T>, from: i32) -> Result<&'a Handle<T>> {
        // SAFETY: per the contract, a non-NULL pointer reads a handle's magic field.
        if ptr.is_null() || unsafe { (*ptr).magic.load(Ordering::Acquire) } != T::MAGIC {
            return Err(Error::invalid_handle(from, T::INVALID));
        }
        // SAFETY: the magic matched, so this is a live handle of class T.
        let h = unsafe { &*ptr };
        if T::HAS_ERROR_SLOT {
            // a connection owns itself; any other object names its connection
            let owner = h.value.owner();
            entry::note_connection(if owner.is_null() { ptr.cast() } else { owner });
        }
        Ok(h)
    }

    /// Adds a reference (`vir*Ref`).
    pub fn add_ref(&self) {
        self.refs.fetch_add(1, Ordering::AcqRel);
    }

    /// Drops a reference (`vir*Free`, `virConnectClose`); returns the count
    /// left. The last one poisons the magic and frees the handle.
    ///
    /// # Safety
    /// `ptr` must be a checked, live handle whose reference the caller owns.
    pub unsafe fn release(ptr: *mut Handle<T>) -> usize {
        // SAFETY: per the contract the handle is live.
        let h = unsafe { &*ptr };
        let left = h.refs.fetch_sub(1, Ordering::AcqRel) - 1;
        if left == 0 {
            h.magic.store(POISON, Ordering::Release);
            let owner = h.value.owner();
            // SAFETY: the count reached zero, so no one else holds this box.
            drop(unsafe { Box::from_raw(ptr) });
            if !owner.is_null() {
                // SAFETY: the child held a reference, so the owner is still live.
                unsafe { Handle::release(owner) };
            }
        }
        left
    }
}

/// A connection handle's contents: the connection plus the per-connection
/// error slot and error handler of the C API.
pub struct ConnState {
    pub conn: Connect,
    pub last_error: Mutex<Box<virError>>,
    pub handler: Mutex<(virErrorFunc, usize)>,
}

impl Drop for ConnState {
    fn drop(&mut self) {
        super::errors::clear(&mut self.last_error.lock());
    }
}

/// An object handle's contents: the core object, its connection handle,
/// and for snapshots, checkpoints and ports the handle they hang from.
pub struct Child<T> {
    pub obj: T,
    pub conn: *mut ConnectHandle,
    pub parent: Parent,
    /// C copies of strings handed out by accessors; they live as long as
    /// the handle, as libvirt's do.
    strings: Mutex<Vec<std::ffi::CString>>,
}

impl<T> Child<T> {
    /// A C string equal to `s` that stays valid while the handle lives.
    pub fn keep_str(&self, s: &str) -> *const std::os::raw::c_char {
        let mut kept = self.strings.lock();
        if let Some(k) = kept.iter().find(|k| k.to_bytes() == s.as_bytes()) {
            return k.as_ptr();
        }
        kept.push(std::ffi::CString::new(s.replace('\0', "")).unwrap_or_default());
        kept.last().map(|k| k.as_ptr()).unwrap_or(std::ptr::null())
    }
}

/// A counted reference to the handle an object hangs from (snapshots,
/// checkpoints and ports are made with one once their drivers exist).
#[allow(dead_code)]
#[derive(Clone, Copy)]
pub enum Parent {
    None,
    Domain(*mut DomainHandle),
    Network(*mut NetworkHandle),
}

impl<T> Drop for Child<T> {
    fn drop(&mut self) {
        // SAFETY: the parent reference was taken when this child was made.
        unsafe {
            match self.parent {
                Parent::None => {}
                Parent::Domain(d) => {
                    Handle::release(d);
                }
                Parent::Network(n) => {
                    Handle::release(n);
                }
            }
        }
    }
}

// SAFETY: the raw connection pointer is only a counted reference to a
// thread-safe handle; all shared state behind it is synchronised.
unsafe impl<T: Send> Send for Child<T> {}
// SAFETY: as above; the object itself is immutable once created.
unsafe impl<T: Sync> Sync for Child<T> {}

pub type ConnectHandle = Handle<ConnState>;

impl HandleClass for ConnState {
    const MAGIC: u32 = 0x7669_7201;
    const INVALID: i32 = VIR_ERR_INVALID_CONN;
    const FROM: i32 = VIR_FROM_NONE;
    fn owner(&self) -> *mut ConnectHandle {
        std::ptr::null_mut()
    }
    fn connection(&self) -> Option<&Connect> {
        Some(&self.conn)
    }
}

impl ConnectHandle {
    pub fn conn(&self) -> &Connect {
        &self.value.conn
    }

    pub fn new_raw(conn: Connect) -> *mut ConnectHandle {
        Handle::into_raw(ConnState {
            conn,
            // SAFETY: virError is plain data for which all-zero is the empty value.
            last_error: Mutex::new(Box::new(unsafe { std::mem::zeroed() })),
            handler: Mutex::new((None, 0)),
        })
    }
}

macro_rules! child_class {
    ($alias:ident, $obj:ty, $magic:expr, $invalid:ident, $from:ident) => {
        pub type $alias = Handle<Child<$obj>>;

        impl HandleClass for Child<$obj> {
            const MAGIC: u32 = $magic;
            const INVALID: i32 = $invalid;
            const FROM: i32 = $from;
            fn owner(&self) -> *mut ConnectHandle {
                self.conn
            }
        }

        #[allow(dead_code)]
        impl $alias {
            /// A new handle for `obj`, belonging to connection handle `conn`.
            pub fn new_raw(obj: $obj, conn: *mut ConnectHandle) -> *mut $alias {
                Handle::into_raw(Child { obj, conn, parent: Parent::None, strings: Mutex::new(Vec::new()) })
            }

            /// A new handle hanging from `parent`, which gains a reference.
            pub fn new_with_parent(obj: $obj, conn: *mut ConnectHandle, parent: Parent) -> *mut $alias {
                // SAFETY: the parent is a live handle held by the caller.
                unsafe {
                    match parent {
                        Parent::Domain(d) => (*d).add_ref(),
                        Parent::Network(n) => (*n).add_ref(),
                        Parent::None => {}
                    }
                }
                Handle::into_raw(Child { obj, conn, parent, strings: Mutex::new(Vec::new()) })
            }

            pub fn obj(&self) -> &$obj {
                &self.value.obj
            }

            pub fn conn_handle(&self) -> *mut ConnectHandle {
                self.value.conn
            }
        }
    };
}

child_class!(DomainHandle, Domain, 0x7669_7202, VIR_ERR_INVALID_DOMAIN, VIR_FROM_DOM);
child_class!(NetworkHandle, Network, 0x7669_7203, VIR_ERR_INVALID_NETWORK, VIR_FROM_NETWORK);
child_class!(NetworkPortHandle, NetworkPort, 0x7669_7204, VIR_ERR_INVALID_NETWORK_PORT, VIR_FROM_NETWORK);
child_class!(StoragePoolHandle, StoragePool, 0x7669_7205, VIR_ERR_INVALID_STORAGE_POOL, VIR_FROM_STORAGE);
child_class!(StorageVolHandle, StorageVol, 0x7669_7206, VIR_ERR_INVALID_STORAGE_VOL, VIR_FROM_STORAGE);
child_class!(InterfaceHandle, Interface, 0x7669_7207, VIR_ERR_INVALID_INTERFACE, VIR_FROM_INTERFACE);
child_class!(NodeDeviceHandle, NodeDevice, 0x7669_7208, VIR_ERR_INVALID_NODE_DEVICE, VIR_FROM_NODEDEV);
child_class!(SecretHandle, Secret, 0x7669_7209, VIR_ERR_INVALID_SECRET, VIR_FROM_SECRET);
child_class!(NWFilterHandle, NWFilter, 0x7669_720a, VIR_ERR_INVALID_NWFILTER, VIR_FROM_NWFILTER);
child_class!(NWFilterBindingHandle, NWFilterBinding, 0x7669_720b, VIR_ERR_INVALID_NWFILTER_BINDING, VIR_FROM_NWFILTER);
child_class!(
    DomainSnapshotHandle,
    DomainSnapshot,
    0x7669_720c,
    VIR_ERR_INVALID_DOMAIN_SNAPSHOT,
    VIR_FROM_DOMAIN_SNAPSHOT
);
child_class!(
    DomainCheckpointHandle,
    DomainCheckpoint,
    0x7669_720d,
    VIR_ERR_INVALID_DOMAIN_CHECKPOINT,
    VIR_FROM_DOMAIN_CHECKPOINT
);
child_class!(StreamHandle, Stream, 0x7669_720e, VIR_ERR_INVALID_STREAM, VIR_FROM_STREAMS);

pub use super::admin_handle::{AdmClientHandle, AdmConnectHandle, AdmServerHandle};
