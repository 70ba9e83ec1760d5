//! Events drivers raise for the callbacks applications register
//! (`virConnect*EventRegister*`). A driver owns one [`EventQueue`] per
//! host it serves and queues events there as its state changes; delivery
//! to the registered callbacks runs from the event loop.
//!
//! This is the interface drivers code against; the loop, the registrations
//! and the delivery grow behind it.

use super::uuid::Uuid;
use parking_lot::Mutex;
use std::sync::Arc;

/// What an event is about: enough to hand a new object handle to a callback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    pub name: String,
    pub uuid: Uuid,
    /// A running domain's id, -1 otherwise (and for other objects).
    pub id: i32,
}

/// One event, with the numbers libvirt's callbacks receive.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// `VIR_DOMAIN_EVENT_ID_LIFECYCLE`: a `virDomainEventType` and its detail.
    DomainLifecycle { domain: Subject, event: i32, detail: i32 },
    /// `VIR_NETWORK_EVENT_ID_LIFECYCLE`.
    NetworkLifecycle { network: Subject, event: i32, detail: i32 },
    /// `VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE`.
    StoragePoolLifecycle { pool: Subject, event: i32, detail: i32 },
    /// `VIR_STORAGE_POOL_EVENT_ID_REFRESH`.
    StoragePoolRefresh { pool: Subject },
    /// `VIR_NODE_DEVICE_EVENT_ID_LIFECYCLE` (node devices have no UUID: zeroes).
    NodeDeviceLifecycle { device: Subject, event: i32, detail: i32 },
    /// `VIR_NODE_DEVICE_EVENT_ID_UPDATE`.
    NodeDeviceUpdate { device: Subject },
    /// `VIR_SECRET_EVENT_ID_LIFECYCLE`.
    SecretLifecycle { secret: Subject, event: i32, detail: i32 },
    /// `VIR_SECRET_EVENT_ID_VALUE_CHANGED`.
    SecretValueChanged { secret: Subject },
}

/// A driver's queue of events for one host; clones share the queue.
#[derive(Clone, Default)]
pub struct EventQueue {
    pending: Arc<Mutex<Vec<Event>>>,
}

impl EventQueue {
    pub fn new() -> EventQueue {
        EventQueue::default()
    }

    /// Queues an event for delivery.
    pub fn queue(&self, event: Event) {
        self.pending.lock().push(event);
    }

    /// Takes the events queued so far, oldest first.
    pub fn drain(&self) -> Vec<Event> {
        std::mem::take(&mut *self.pending.lock())
    }
}
