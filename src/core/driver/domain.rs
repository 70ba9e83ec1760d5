//! Domain entry points.

use crate::core::connect::Connect;
use crate::core::error::Result;
use crate::core::objects::Domain;
use crate::core::uuid::Uuid;

/// `virDomainInfo` as Rust values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DomainInfo {
    pub state: u8,
    pub max_mem_kib: u64,
    pub memory_kib: u64,
    pub nr_virt_cpu: u16,
    pub cpu_time_ns: u64,
}

driver_table! {
    /// Domain listing, lookup, definition, lifecycle and queries.
    pub struct DomainTable {
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
}
