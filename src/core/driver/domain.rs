//! Domain entry points.

use crate::core::connect::Connect;
use crate::core::error::Result;
use crate::core::objects::Domain;
use crate::core::typed_params::TypedParam;
use crate::core::uuid::Uuid;

/// Which entry point stops a domain: the flagless `virDomainDestroy` or
/// `virDomainDestroyFlags` (a remote client treats them differently).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Destroy {
    Plain,
    Flags(u32),
}

impl Destroy {
    pub fn flags(self) -> u32 {
        match self {
            Destroy::Plain => 0,
            Destroy::Flags(f) => f,
        }
    }
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

/// `virDomainControlInfo`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ControlInfo {
    pub state: u32,
    pub details: u32,
    pub state_time: u64,
}

/// One `virVcpuInfo`, with the host CPUs the vCPU may run on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VcpuInfo {
    pub number: u32,
    pub state: i32,
    pub cpu_time: u64,
    pub cpu: i32,
    pub cpus: Vec<u32>,
}

/// `virDomainBlockInfo`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockInfo {
    pub capacity: u64,
    pub allocation: u64,
    pub physical: u64,
}

/// `virDomainBlockStatsStruct`: rd_req, rd_bytes, wr_req, wr_bytes, errs.
pub type BlockStats = [i64; 5];

/// `virDomainInterfaceStatsStruct`: rx bytes/packets/errs/drop, then tx.
pub type InterfaceStats = [i64; 8];

/// One `virDomainFSInfo`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FsInfo {
    pub mountpoint: String,
    pub name: String,
    pub fstype: String,
    pub dev_alias: Vec<String>,
}

/// One `virDomainInterface` and its addresses (type, address, prefix).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InterfaceAddrs {
    pub name: String,
    pub hwaddr: String,
    pub addrs: Vec<(i32, String, u32)>,
}

/// `virDomainGetCPUStats`' answer: the return value and the parameters
/// to store, each at its index in the caller's array.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CpuStats {
    pub ret: i32,
    pub params: Vec<(usize, TypedParam)>,
}

/// `virDomainJobInfo`: the job type, then its eleven counters in the
/// struct's order (time elapsed/remaining, data, memory, file totals).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JobInfo {
    pub kind: i32,
    pub counters: [u64; 11],
}

/// `virDomainBlockJobInfo`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockJobInfo {
    pub kind: i32,
    pub bandwidth: u64,
    pub cur: u64,
    pub end: u64,
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
        domain_destroy ["virDomainDestroy", "virDomainDestroyFlags"]: fn(&Domain, Destroy) -> Result<()>;
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
        domain_get_scheduler_type ["virDomainGetSchedulerType"]: fn(&Domain) -> Result<(String, i32)>;
        domain_get_time ["virDomainGetTime"]: fn(&Domain, u32) -> Result<(i64, u32)>;
        domain_get_control_info ["virDomainGetControlInfo"]: fn(&Domain, u32) -> Result<ControlInfo>;
        domain_get_vcpus ["virDomainGetVcpus"]: fn(&Domain, i32) -> Result<Vec<VcpuInfo>>;
        domain_get_vcpu_pin_info ["virDomainGetVcpuPinInfo"]: fn(&Domain, i32, u32) -> Result<Vec<Vec<u32>>>;
        domain_get_emulator_pin_info ["virDomainGetEmulatorPinInfo"]: fn(&Domain, u32) -> Result<Vec<u32>>;
        domain_memory_stats ["virDomainMemoryStats"]: fn(&Domain, u32, u32) -> Result<Vec<(i32, u64)>>;
        domain_block_stats ["virDomainBlockStats"]: fn(&Domain, &str) -> Result<BlockStats>;
        domain_interface_stats ["virDomainInterfaceStats"]: fn(&Domain, &str) -> Result<InterfaceStats>;
        domain_get_block_info ["virDomainGetBlockInfo"]: fn(&Domain, &str, u32) -> Result<BlockInfo>;
        domain_get_cpu_stats ["virDomainGetCPUStats"]: fn(&Domain, u32, i32, u32, u32) -> Result<CpuStats>;
        domain_get_fs_info ["virDomainGetFSInfo"]: fn(&Domain, u32) -> Result<Vec<FsInfo>>;
        domain_interface_addresses ["virDomainInterfaceAddresses"]: fn(&Domain, u32, u32) -> Result<Vec<InterfaceAddrs>>;
        domain_get_iothread_info ["virDomainGetIOThreadInfo"]: fn(&Domain, u32) -> Result<Vec<(u32, Vec<u32>)>>;
        domain_get_security_label ["virDomainGetSecurityLabel"]: fn(&Domain) -> Result<(String, i32)>;
        domain_get_disk_errors ["virDomainGetDiskErrors"]: fn(&Domain, u32) -> Result<Vec<(String, i32)>>;
        domain_memory_peek ["virDomainMemoryPeek"]: fn(&Domain, u64, usize, u32) -> Result<Vec<u8>>;
        domain_block_peek ["virDomainBlockPeek"]: fn(&Domain, &str, u64, usize, u32) -> Result<Vec<u8>>;
        domain_get_job_info ["virDomainGetJobInfo"]: fn(&Domain) -> Result<JobInfo>;
        domain_get_job_stats ["virDomainGetJobStats"]: fn(&Domain, u32) -> Result<(i32, Vec<TypedParam>)>;
        /// `None` when the disk has no block job.
        domain_get_block_job_info ["virDomainGetBlockJobInfo"]: fn(&Domain, &str, u32) -> Result<Option<BlockJobInfo>>;
        domain_get_guest_vcpus ["virDomainGetGuestVcpus"]: fn(&Domain, u32) -> Result<Vec<TypedParam>>;
        /// Each label and whether it is enforced.
        domain_get_security_label_list ["virDomainGetSecurityLabelList"]: fn(&Domain) -> Result<Vec<(String, i32)>>;
        connect_get_all_domain_stats ["virConnectGetAllDomainStats"]: fn(&Connect, u32, u32) -> Result<Vec<(Domain, Vec<TypedParam>)>>;
        domain_list_get_stats ["virDomainListGetStats"]: fn(&[Domain], u32, u32) -> Result<Vec<(Domain, Vec<TypedParam>)>>;
    }
}
