//! Entry points that pass file descriptors or talk to one hypervisor's
//! private interfaces (libvirt-qemu, libvirt-lxc), plus secret values.

use crate::core::connect::Connect;
use crate::core::error::Result;
use crate::core::objects::{Domain, Secret};

driver_table! {
    /// Calls carrying file descriptors, hypervisor-specific calls and raw secret values.
    pub struct DescriptorTable {
        domain_create_with_files ["virDomainCreateWithFiles"]: fn(&Domain, &[i32], u32) -> Result<()>;
        domain_create_xml_with_files ["virDomainCreateXMLWithFiles"]: fn(&Connect, &str, &[i32], u32) -> Result<Domain>;
        domain_fd_associate ["virDomainFDAssociate"]: fn(&Domain, &str, &[i32], u32) -> Result<()>;
        domain_open_graphics ["virDomainOpenGraphics"]: fn(&Domain, u32, i32, u32) -> Result<()>;
        domain_open_graphics_fd ["virDomainOpenGraphicsFD"]: fn(&Domain, u32, u32) -> Result<i32>;
        domain_qemu_monitor_command ["virDomainQemuMonitorCommand"]: fn(&Domain, &str, u32) -> Result<String>;
        /// The reply and the descriptors the monitor handed back.
        domain_qemu_monitor_command_with_files ["virDomainQemuMonitorCommandWithFiles"]:
            fn(&Domain, &str, &[i32], u32) -> Result<(String, Vec<i32>)>;
        domain_qemu_attach ["virDomainQemuAttach"]: fn(&Connect, u32, u32) -> Result<Domain>;
        domain_lxc_open_namespace ["virDomainLxcOpenNamespace"]: fn(&Domain, u32) -> Result<Vec<i32>>;
        secret_get_value ["virSecretGetValue"]: fn(&Secret, u32) -> Result<Vec<u8>>;
    }
}
