//! Connection and host entry points.

use crate::core::connect::Connect;
use crate::core::error::Result;

/// `virNodeInfo` as Rust values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeInfo {
    pub model: String,
    pub memory_kib: u64,
    pub cpus: u32,
    pub mhz: u32,
    pub nodes: u32,
    pub sockets: u32,
    pub cores: u32,
    pub threads: u32,
}

driver_table! {
    /// Connection-wide and host (node) entry points.
    pub struct HostTable {
        connect_get_type ["virConnectGetType"]: fn(&Connect) -> Result<String>;
        connect_get_version ["virConnectGetVersion"]: fn(&Connect) -> Result<u64>;
        connect_get_lib_version ["virConnectGetLibVersion"]: fn(&Connect) -> Result<u64>;
        connect_get_hostname ["virConnectGetHostname"]: fn(&Connect) -> Result<String>;
        connect_get_sysinfo ["virConnectGetSysinfo"]: fn(&Connect, u32) -> Result<String>;
        connect_get_capabilities ["virConnectGetCapabilities"]: fn(&Connect) -> Result<String>;
        connect_get_max_vcpus ["virConnectGetMaxVcpus"]: fn(&Connect, Option<&str>) -> Result<i32>;
        connect_is_secure ["virConnectIsSecure"]: fn(&Connect) -> Result<bool>;
        connect_is_encrypted ["virConnectIsEncrypted"]: fn(&Connect) -> Result<bool>;
        connect_is_alive ["virConnectIsAlive"]: fn(&Connect) -> Result<bool>;
        node_get_info ["virNodeGetInfo"]: fn(&Connect) -> Result<NodeInfo>;
        node_get_free_memory ["virNodeGetFreeMemory"]: fn(&Connect) -> Result<u64>;
    }
}
