//! Driver tables, in libvirt's manner: a driver is a set of optional entry
//! points. A missing entry makes the public call fail with
//! `VIR_ERR_NO_SUPPORT`, and the tables can be listed to report coverage.

use super::connect::Connect;
use super::error::Result;
use super::objects::*;
use super::uri::Uri;
use super::uuid::Uuid;
use std::any::Any;

/// What a driver answers to an open request.
pub enum Open {
    /// Not my URI: the registry tries the next driver.
    Declined,
    /// Accepted; the value is the connection's private driver state.
    Opened(Box<dyn Any + Send + Sync>),
}

/// Parameters of an open request.
pub struct OpenRequest<'a> {
    pub uri: &'a Uri,
    pub readonly: bool,
    pub flags: u32,
}

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

/// `virDomainInfo` as Rust values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DomainInfo {
    pub state: u8,
    pub max_mem_kib: u64,
    pub memory_kib: u64,
    pub nr_virt_cpu: u16,
    pub cpu_time_ns: u64,
}

macro_rules! driver_table {
    ($( $(#[$doc:meta])* $field:ident [$($api:literal),+] : fn($($arg:ty),*) -> $ret:ty; )*) => {
        /// The entry points of one connection driver.
        #[derive(Clone, Copy)]
        pub struct DriverTable {
            $( $(#[$doc])* pub $field: Option<fn($($arg),*) -> $ret>, )*
        }

        impl DriverTable {
            /// A table with no entry point.
            pub const EMPTY: DriverTable = DriverTable { $( $field: None, )* };

            /// Public functions this table serves.
            pub fn implemented(&self) -> Vec<&'static str> {
                let mut v = Vec::new();
                $( if self.$field.is_some() { v.extend_from_slice(&[$($api),+]); } )*
                v
            }

            /// Public functions any table can serve.
            pub fn dispatchable() -> Vec<&'static str> {
                vec![$($($api),+),*]
            }
        }
    };
}

driver_table! {
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

    connect_num_of_domains ["virConnectNumOfDomains"]: fn(&Connect) -> Result<i32>;
    connect_list_domains ["virConnectListDomains"]: fn(&Connect, i32) -> Result<Vec<i32>>;
    connect_num_of_defined_domains ["virConnectNumOfDefinedDomains"]: fn(&Connect) -> Result<i32>;
    connect_list_defined_domains ["virConnectListDefinedDomains"]: fn(&Connect, i32) -> Result<Vec<String>>;
    connect_list_all_domains ["virConnectListAllDomains"]: fn(&Connect, u32) -> Result<Vec<Domain>>;
    domain_lookup_by_id ["virDomainLookupByID"]: fn(&Connect, i32) -> Result<Domain>;
    domain_lookup_by_uuid ["virDomainLookupByUUID", "virDomainLookupByUUIDString"]: fn(&Connect, &Uuid) -> Result<Domain>;
    domain_lookup_by_name ["virDomainLookupByName"]: fn(&Connect, &str) -> Result<Domain>;
    domain_create_xml ["virDomainCreateXML", "virDomainCreateLinux"]: fn(&Connect, &str, u32) -> Result<Domain>;
    domain_define_xml ["virDomainDefineXML", "virDomainDefineXMLFlags"]: fn(&Connect, &str, u32) -> Result<Domain>;
    domain_undefine ["virDomainUndefine", "virDomainUndefineFlags"]: fn(&Domain, u32) -> Result<()>;
    domain_create ["virDomainCreate", "virDomainCreateWithFlags"]: fn(&Domain, u32) -> Result<()>;
    domain_destroy ["virDomainDestroy", "virDomainDestroyFlags"]: fn(&Domain, u32) -> Result<()>;
    domain_suspend ["virDomainSuspend"]: fn(&Domain) -> Result<()>;
    domain_resume ["virDomainResume"]: fn(&Domain) -> Result<()>;
    domain_shutdown ["virDomainShutdown", "virDomainShutdownFlags"]: fn(&Domain, u32) -> Result<()>;
    domain_reboot ["virDomainReboot"]: fn(&Domain, u32) -> Result<()>;
    domain_reset ["virDomainReset"]: fn(&Domain, u32) -> Result<()>;
    domain_get_info ["virDomainGetInfo"]: fn(&Domain) -> Result<DomainInfo>;
    domain_get_state ["virDomainGetState"]: fn(&Domain, u32) -> Result<(i32, i32)>;
    domain_get_xml_desc ["virDomainGetXMLDesc"]: fn(&Domain, u32) -> Result<String>;
    domain_get_os_type ["virDomainGetOSType"]: fn(&Domain) -> Result<String>;
    domain_get_max_memory ["virDomainGetMaxMemory"]: fn(&Domain) -> Result<u64>;
    domain_set_max_memory ["virDomainSetMaxMemory"]: fn(&Domain, u64) -> Result<()>;
    domain_set_memory ["virDomainSetMemory", "virDomainSetMemoryFlags"]: fn(&Domain, u64, u32) -> Result<()>;
    domain_get_autostart ["virDomainGetAutostart"]: fn(&Domain) -> Result<bool>;
    domain_set_autostart ["virDomainSetAutostart"]: fn(&Domain, bool) -> Result<()>;
    domain_is_active ["virDomainIsActive"]: fn(&Domain) -> Result<bool>;
    domain_is_persistent ["virDomainIsPersistent"]: fn(&Domain) -> Result<bool>;
    domain_is_updated ["virDomainIsUpdated"]: fn(&Domain) -> Result<bool>;
    domain_get_vcpus_flags ["virDomainGetVcpusFlags", "virDomainGetMaxVcpus"]: fn(&Domain, u32) -> Result<i32>;
    domain_get_hostname ["virDomainGetHostname"]: fn(&Domain, u32) -> Result<String>;
}

/// A connection driver: how it claims URIs, and what it serves.
pub struct ConnectDriver {
    /// The name `virConnectGetType` reports unless the table says otherwise.
    pub name: &'static str,
    /// Tries to open a connection for the request.
    pub open: fn(&OpenRequest) -> Result<Open>,
    pub table: DriverTable,
}
