//! The objects a connection hands out. Like libvirt's public objects they
//! are light identities (name, UUID, id, ...); the state they name lives in
//! the connection's driver.

use super::connect::Connect;
use super::uuid::Uuid;
use std::any::Any;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;

/// A domain handle's id. Like libvirt's `virDomain.id` it changes in place
/// when the domain starts (the new id) or stops (-1) through that handle;
/// clones of one handle's object share it.
#[derive(Clone, Debug, Default)]
pub struct DomId(Arc<AtomicI32>);

impl DomId {
    pub fn new(id: i32) -> DomId {
        DomId(Arc::new(AtomicI32::new(id)))
    }

    pub fn get(&self) -> i32 {
        self.0.load(Ordering::Relaxed)
    }

    pub fn set(&self, id: i32) {
        self.0.store(id, Ordering::Relaxed)
    }
}

#[derive(Clone)]
pub struct Domain {
    pub conn: Connect,
    pub name: String,
    pub uuid: Uuid,
    /// Running domain id, or -1 when inactive.
    pub id: DomId,
    /// The name a driver gave the handle after a rename through it.
    pub renamed: Renamed,
}

/// A domain handle's new name: libvirt's remote client renames the handle
/// in place after `virDomainRename` (the in-process drivers do not); clones
/// of one handle's object share it.
#[derive(Clone, Debug, Default)]
pub struct Renamed(Arc<parking_lot::Mutex<Option<String>>>);

impl Renamed {
    pub fn set(&self, name: &str) {
        *self.0.lock() = Some(name.to_string());
    }
}

impl Domain {
    /// The handle's name as `virDomainGetName` reports it.
    pub fn current_name(&self) -> String {
        self.renamed.0.lock().clone().unwrap_or_else(|| self.name.clone())
    }
}

#[derive(Clone)]
pub struct Network {
    pub conn: Connect,
    pub name: String,
    pub uuid: Uuid,
}

#[derive(Clone)]
pub struct NetworkPort {
    pub net: Network,
    pub uuid: Uuid,
}

#[derive(Clone)]
pub struct StoragePool {
    pub conn: Connect,
    pub name: String,
    pub uuid: Uuid,
}

#[derive(Clone)]
pub struct StorageVol {
    pub conn: Connect,
    pub pool: String,
    pub name: String,
    pub key: String,
}

#[derive(Clone)]
pub struct Interface {
    pub conn: Connect,
    pub name: String,
    pub mac: String,
}

#[derive(Clone)]
pub struct NodeDevice {
    pub conn: Connect,
    pub name: String,
    /// The parent name the handle was made with, if any: libvirt caches it
    /// in the handle and `virNodeDeviceGetParent` answers it first.
    pub parent: Option<String>,
}

#[derive(Clone)]
pub struct Secret {
    pub conn: Connect,
    pub uuid: Uuid,
    pub usage_type: i32,
    pub usage_id: String,
}

#[derive(Clone)]
pub struct NWFilter {
    pub conn: Connect,
    pub name: String,
    pub uuid: Uuid,
}

#[derive(Clone)]
pub struct NWFilterBinding {
    pub conn: Connect,
    pub portdev: String,
    pub filter: String,
}

#[derive(Clone)]
pub struct DomainSnapshot {
    pub domain: Domain,
    pub name: String,
}

#[derive(Clone)]
pub struct DomainCheckpoint {
    pub domain: Domain,
    pub name: String,
}

/// A data stream; the driver that opens it attaches its own state.
#[derive(Clone)]
pub struct Stream {
    pub conn: Connect,
    pub flags: u32,
    pub state: Arc<parking_lot::Mutex<Option<Box<dyn Any + Send>>>>,
}

impl Stream {
    pub fn new(conn: Connect, flags: u32) -> Stream {
        Stream { conn, flags, state: Arc::new(parking_lot::Mutex::new(None)) }
    }
}
