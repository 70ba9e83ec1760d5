//! Event entry points: where a connection's events come from, and the
//! connection-level callbacks (close) a driver may serve.

use crate::core::connect::Connect;
use crate::core::error::Result;
use crate::core::events::EventQueue;

/// A close callback: called with a `virConnectCloseReason` when the
/// connection to the daemon goes away.
pub struct CloseCallback {
    /// The application's function, to find the callback again.
    pub key: usize,
    pub call: Box<dyn Fn(i32) + Send + Sync>,
    pub free: Option<crate::core::event_loop::FreeCallback>,
}

driver_table! {
    /// The event queue behind each event family of a connection; a family
    /// without an entry makes its registration fail with `VIR_ERR_NO_SUPPORT`.
    pub struct EventTable {
        domain_events ["virConnectDomainEventRegister", "virConnectDomainEventRegisterAny", "virConnectDomainEventDeregister", "virConnectDomainEventDeregisterAny"]: fn(&Connect) -> Result<EventQueue>;
        network_events ["virConnectNetworkEventRegisterAny", "virConnectNetworkEventDeregisterAny"]: fn(&Connect) -> Result<EventQueue>;
        storage_pool_events ["virConnectStoragePoolEventRegisterAny", "virConnectStoragePoolEventDeregisterAny"]: fn(&Connect) -> Result<EventQueue>;
        node_device_events ["virConnectNodeDeviceEventRegisterAny", "virConnectNodeDeviceEventDeregisterAny"]: fn(&Connect) -> Result<EventQueue>;
        secret_events ["virConnectSecretEventRegisterAny", "virConnectSecretEventDeregisterAny"]: fn(&Connect) -> Result<EventQueue>;
        qemu_monitor_events ["virConnectDomainQemuMonitorEventRegister", "virConnectDomainQemuMonitorEventDeregister"]: fn(&Connect) -> Result<EventQueue>;
        /// Without an entry, registering and unregistering close callbacks
        /// succeed and do nothing (libvirt's answer for local drivers).
        connect_register_close_callback ["virConnectRegisterCloseCallback"]: fn(&Connect, CloseCallback) -> Result<()>;
        connect_unregister_close_callback ["virConnectUnregisterCloseCallback"]: fn(&Connect, usize) -> Result<()>;
        /// Keepalive probes on the connection to a daemon.
        connect_set_keep_alive ["virConnectSetKeepAlive"]: fn(&Connect, i32, u32) -> Result<i32>;
    }
}
