//! Host-wide answers of the test driver: version, host name, node info.

use crate::core::driver::{DriverTable, HostTable, NodeInfo};

pub fn install(t: &mut DriverTable) {
    t.host = HostTable {
        connect_get_version: Some(|_| Ok(2)),
        connect_get_hostname: Some(|_| Ok(crate::util::host::hostname())),
        connect_get_max_vcpus: Some(|_, _| Ok(32)),
        connect_is_secure: Some(|_| Ok(true)),
        connect_is_encrypted: Some(|_| Ok(false)),
        connect_is_alive: Some(|_| Ok(true)),
        node_get_info: Some(|_| {
            Ok(NodeInfo {
                model: "i686".into(),
                memory_kib: 3_145_728,
                cpus: 16,
                mhz: 1400,
                nodes: 2,
                sockets: 2,
                cores: 2,
                threads: 2,
            })
        }),
        node_get_free_memory: Some(|_| Ok(3_145_728)),
        ..t.host
    };
}
