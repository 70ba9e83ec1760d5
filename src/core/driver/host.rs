//! Connection and host entry points.

use crate::core::connect::Connect;
use crate::core::error::Result;
use crate::core::objects::{Network, NodeDevice};

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

/// `virNodeGetCPUMap`'s answer: CPUs present, one bit per online CPU.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CpuMap {
    pub cpus: u32,
    pub map: Vec<u8>,
    pub online: u32,
}

/// `virSecurityModel` as Rust values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecurityModel {
    pub model: String,
    pub doi: String,
}

/// One `virNetworkDHCPLease`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DhcpLease {
    pub iface: String,
    pub expiry_time: i64,
    pub kind: i32,
    pub mac: Option<String>,
    pub iaid: Option<String>,
    pub ipaddr: String,
    pub prefix: u32,
    pub hostname: Option<String>,
    pub clientid: Option<String>,
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
        /// Free memory of cells `start..start+max` (fewer when the host has fewer).
        node_get_cells_free_memory ["virNodeGetCellsFreeMemory"]: fn(&Connect, i32, i32) -> Result<Vec<u64>>;
        /// Named CPU time counters of one CPU (or all, -1).
        node_get_cpu_stats ["virNodeGetCPUStats"]: fn(&Connect, i32, u32) -> Result<Vec<(String, u64)>>;
        /// Named memory counters of one cell (or all, -1).
        node_get_memory_stats ["virNodeGetMemoryStats"]: fn(&Connect, i32, u32) -> Result<Vec<(String, u64)>>;
        node_get_cpu_map ["virNodeGetCPUMap"]: fn(&Connect, u32) -> Result<CpuMap>;
        /// Free pages of each size in `pages` for each cell, cell by cell.
        node_get_free_pages ["virNodeGetFreePages"]: fn(&Connect, &[u32], i32, u32, u32) -> Result<Vec<u64>>;
        /// Page sizes, counts, start cell, cell count, flags: pages allocated.
        node_alloc_pages ["virNodeAllocPages"]: fn(&Connect, &[u32], &[u64], i32, u32, u32) -> Result<i32>;
        node_get_security_model ["virNodeGetSecurityModel"]: fn(&Connect) -> Result<SecurityModel>;
        node_device_get_parent ["virNodeDeviceGetParent"]: fn(&NodeDevice) -> Result<String>;
        network_get_dhcp_leases ["virNetworkGetDHCPLeases"]: fn(&Network, Option<&str>, u32) -> Result<Vec<DhcpLease>>;
    }
}
