//! The test driver's events: every family but secrets and QEMU monitor
//! events is served from the host's queue, as libvirt's test driver does;
//! close callbacks are accepted and ignored (no entry).

use super::st;
use crate::core::driver::{DriverTable, EventTable};

pub fn install(t: &mut DriverTable) {
    t.events = EventTable {
        domain_events: Some(|c| Ok(st(c).events.clone())),
        network_events: Some(|c| Ok(st(c).events.clone())),
        storage_pool_events: Some(|c| Ok(st(c).events.clone())),
        node_device_events: Some(|c| Ok(st(c).events.clone())),
        ..t.events
    };
}
