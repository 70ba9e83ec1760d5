//! Storage source questions: which pool already uses a source (define and
//! create refuse a second pool on it) and source discovery
//! (`virConnectFindStoragePoolSources`), which the test driver answers
//! with canned results.

use super::check_flags;
use super::{storage_failed, PoolObj};
use crate::conf::storage_pool::{parse_source_spec, PoolDef, PoolType};
use crate::conf::storage_pool_source::{Adapter, PoolSource};
use crate::core::error::{Error, Result};
use crate::core::Connect;
use crate::generated::consts::*;

const LOGICAL_SOURCES: &str = "<sources>
  <source>
    <device path='/dev/sda20'/>
    <name>testvg1</name>
    <format type='lvm2'/>
  </source>
  <source>
    <device path='/dev/sda21'/>
    <name>testvg2</name>
    <format type='lvm2'/>
  </source>
</sources>
";

fn first_host(s: &PoolSource) -> Option<&str> {
    s.hosts.first().map(|h| h.name.as_str())
}

fn shares_device(a: &PoolSource, b: &PoolSource) -> bool {
    a.devices.iter().any(|d| b.devices.iter().any(|e| e.path == d.path))
}

fn same_adapter(a: &Option<Adapter>, b: &Option<Adapter>) -> bool {
    match (a, b) {
        (Some(Adapter::ScsiHost { name: Some(x), .. }), Some(Adapter::ScsiHost { name: Some(y), .. })) => x == y,
        (
            Some(Adapter::ScsiHost { parent_addr: Some(x), .. }),
            Some(Adapter::ScsiHost { parent_addr: Some(y), .. }),
        ) => x == y,
        (Some(Adapter::FcHost { wwnn: a1, wwpn: a2, .. }), Some(Adapter::FcHost { wwnn: b1, wwpn: b2, .. })) => {
            a1 == b1 && a2 == b2
        }
        _ => false,
    }
}

/// Whether two pools of the same type use the same storage.
fn same_source(a: &PoolDef, b: &PoolDef) -> bool {
    use PoolType::*;
    let (x, y) = (&a.source, &b.source);
    match a.kind {
        Dir => a.target_path == b.target_path,
        Netfs => first_host(x) == first_host(y) && x.dir == y.dir,
        Gluster => first_host(x) == first_host(y) && x.name == y.name && x.dir == y.dir,
        Rbd | Sheepdog => first_host(x) == first_host(y) && x.name == y.name,
        Vstorage => x.name == y.name,
        Fs | Disk | Logical | Zfs => shares_device(x, y),
        Iscsi | IscsiDirect => first_host(x) == first_host(y) && shares_device(x, y),
        Scsi => same_adapter(&x.adapter, &y.adapter),
        Mpath => false,
    }
}

/// Refuses a definition whose storage another pool (of another name)
/// already uses.
pub fn check_conflicts(pools: &[PoolObj], def: &PoolDef) -> Result<()> {
    match pools.iter().find(|p| p.def.name != def.name && p.def.kind == def.kind && same_source(&p.def, def)) {
        Some(p) => Err(storage_failed(format!("Storage source conflict with pool: '{}'", p.def.name))),
        None => Ok(()),
    }
}

/// `virConnectFindStoragePoolSources` on the test driver.
pub fn find_sources(_c: &Connect, kind: &str, spec: Option<&str>, flags: u32) -> Result<String> {
    check_flags(flags, 0, "testConnectFindStoragePoolSources")?;
    let unsupported = || {
        Error::with_detail(
            VIR_FROM_TEST,
            VIR_ERR_NO_SUPPORT,
            format!("pool type '{kind}' does not support source discovery"),
        )
    };
    let pool_type = PoolType::from_name(kind).ok_or_else(unsupported)?;
    if pool_type == PoolType::Dir {
        return Err(Error::with_detail(
            VIR_FROM_TEST,
            VIR_ERR_INTERNAL_ERROR,
            format!("unknown storage pool type {kind}"),
        ));
    }
    let source = spec.map(|s| parse_source_spec(s, pool_type)).transpose()?;
    match pool_type {
        PoolType::Logical => Ok(LOGICAL_SOURCES.to_string()),
        PoolType::Netfs => {
            let host = source.as_ref().and_then(first_host).ok_or_else(|| {
                Error::with_detail(VIR_FROM_TEST, VIR_ERR_INVALID_ARG, "hostname must be specified for netfs sources")
            })?;
            // the host name goes in verbatim, as libvirt's template does
            Ok(format!(
                "<sources>\n  <source>\n    <host name='{host}'/>\n    <dir path='/testshare'/>\n    \
                 <format type='nfs'/>\n  </source>\n</sources>\n"
            ))
        }
        _ => Err(unsupported()),
    }
}
