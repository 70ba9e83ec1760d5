//! Host-wide answers of the test driver: version, host name, node info,
//! capabilities, NUMA cells, CPU statistics and map, free pages, security
//! model, sysinfo and CPU models.

use super::{st, unsupported_flags};
use crate::conf::capabilities::{Capabilities, Cell, CellCpu, Guest};
use crate::conf::cpu_baseline::{self, HostCpu};
use crate::core::driver::{CpuMap, DriverTable, HostTable, NodeInfo, SecurityModel};
use crate::core::error::{Error, Result};
use crate::generated::consts::*;

const SYSINFO: &str = "<sysinfo type='smbios'>
  <bios>
    <entry name='vendor'>LENOVO</entry>
    <entry name='version'>G4ETA1WW (2.61 )</entry>
    <entry name='date'>05/07/2014</entry>
    <entry name='release'>2.61</entry>
  </bios>
</sysinfo>
";

/// Memory (KiB) of the two NUMA cells; the first is also what is free.
const CELL_MEMORY: [u64; 2] = [2_097_152, 4_194_304];
const CPUS_PER_CELL: u32 = 8;

/// What a host says about itself: the default host's node info and NUMA
/// cells, or a custom node file's `<cpu>` and `<memory>` (without cells).
#[derive(Clone, Debug)]
pub struct HostInfo {
    pub node: NodeInfo,
    pub numa: bool,
}

impl Default for HostInfo {
    fn default() -> HostInfo {
        HostInfo {
            node: NodeInfo {
                model: "i686".into(),
                memory_kib: 3_145_728,
                cpus: 16,
                mhz: 1400,
                nodes: 2,
                sockets: 2,
                cores: 2,
                threads: 2,
            },
            numa: true,
        }
    }
}

fn capabilities(host: &HostInfo) -> Capabilities {
    let features = vec!["pae".to_string(), "nonpae".to_string()];
    let cells = CELL_MEMORY[..if host.numa { CELL_MEMORY.len() } else { 0 }]
        .iter()
        .enumerate()
        .map(|(i, mem)| {
            let i = i as u32;
            // each cell reports its free memory in pages of a different base size
            let base = if i == 0 { 4 } else { 8 };
            Cell {
                id: i,
                memory_kib: *mem,
                pages: vec![(base, 524_288), (2048, 0), (1_048_576, 0)],
                cpus: (0..CPUS_PER_CELL)
                    .map(|c| {
                        let id = i * CPUS_PER_CELL + c;
                        CellCpu { id, socket_id: i, die_id: 0, core_id: c, siblings: id.to_string() }
                    })
                    .collect(),
            }
        })
        .collect();
    let guest = |os: &str| Guest {
        os_type: os.to_string(),
        arch: "i686".to_string(),
        wordsize: 32,
        emulator: Some("/usr/bin/test-hv".to_string()),
        domain_types: vec!["test".to_string()],
        features: features.clone(),
    };
    Capabilities {
        arch: "i686".to_string(),
        cpu_features: features.clone(),
        page_sizes: vec![4, 8, 2048, 1_048_576],
        iommu: false,
        cells,
        secmodels: vec![("testSecurity".to_string(), String::new())],
        guests: vec![guest("hvm"), guest("xen")],
    }
}

fn cells_free_memory(host: &HostInfo, start: i32, max: i32) -> Result<Vec<u64>> {
    let start = start.max(0) as usize;
    if !host.numa || start >= CELL_MEMORY.len() {
        return Err(Error::with_detail(VIR_FROM_TEST, VIR_ERR_INVALID_ARG, "Range exceeds available cells"));
    }
    Ok(CELL_MEMORY[start..].iter().take(max.max(0) as usize).copied().collect())
}

/// The test driver's free page counts: a fixed sequence, cell after cell.
fn free_pages(pages: &[u32], cells: u32) -> Vec<u64> {
    let mut x: u64 = 6;
    (0..pages.len() * cells as usize)
        .map(|_| {
            x = x * 2 + 7;
            x
        })
        .collect()
}

fn baseline(cpus: &[String], flags: u32) -> Result<String> {
    let expand = VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES as u32;
    unsupported_flags(flags, expand, "testConnectBaselineCPU")?;
    let parsed = cpus.iter().map(|x| HostCpu::parse(x)).collect::<Result<Vec<_>>>()?;
    Ok(cpu_baseline::baseline(&parsed, flags & expand != 0)?.format())
}

pub fn install(t: &mut DriverTable) {
    t.host = HostTable {
        connect_get_version: Some(|_| Ok(2)),
        connect_get_hostname: Some(|_| Ok(crate::util::host::hostname())),
        connect_get_max_vcpus: Some(|_, _| Ok(32)),
        connect_is_secure: Some(|_| Ok(true)),
        connect_is_encrypted: Some(|_| Ok(false)),
        connect_is_alive: Some(|_| Ok(true)),
        connect_get_capabilities: Some(|c| Ok(capabilities(&st(c).host).format())),
        connect_get_sysinfo: Some(|_, flags| {
            unsupported_flags(flags, 0, "testConnectGetSysinfo")?;
            Ok(SYSINFO.to_string())
        }),
        node_get_info: Some(|c| Ok(st(c).host.node.clone())),
        node_get_free_memory: Some(|c| Ok(if st(c).host.numa { 3_145_728 } else { 0 })),
        node_get_cells_free_memory: Some(|c, start, max| cells_free_memory(&st(c).host, start, max)),
        node_get_cpu_stats: Some(|_, _cpu, flags| {
            unsupported_flags(flags, 0, "testNodeGetCPUStats")?;
            Ok(vec![
                ("user".into(), 9_797_400_000),
                ("kernel".into(), 34_678_723_400_000),
                ("idle".into(), 87_264_900_000),
                ("iowait".into(), 763_600_000),
            ])
        }),
        node_get_cpu_map: Some(|_, flags| {
            unsupported_flags(flags, 0, "testNodeGetCPUMap")?;
            Ok(CpuMap { cpus: 8, map: vec![0x15], online: 3 })
        }),
        node_get_free_pages: Some(|_, pages, _start, cells, flags| {
            unsupported_flags(flags, 0, "testNodeGetFreePages")?;
            Ok(free_pages(pages, cells))
        }),
        node_get_security_model: Some(|_| Ok(SecurityModel { model: "testSecurity".into(), doi: String::new() })),
        ..t.host
    };
    t.api.connect_get_cpu_model_names = Some(|_, arch, flags| {
        unsupported_flags(flags, 0, "testConnectGetCPUModelNames")?;
        cpu_baseline::model_names(arch, VIR_FROM_TEST)
    });
    t.api.connect_baseline_cpu = Some(|_, cpus, flags| baseline(cpus, flags));
}
