//! The `test` driver: an in-memory hypervisor for `test:///default` (a
//! built-in host shared by every open connection) and, later, custom node
//! files. This first cut serves the default host's domains; the XML layer
//! it needs grows in `conf/`.

mod state;

use crate::core::driver::{
    ConnectDriver, DomainInfo, DomainTable, DriverTable, HostTable, NodeInfo, Open, OpenRequest,
};
use crate::core::error::{Error, Result};
use crate::core::uuid::Uuid;
use crate::core::{Connect, Domain};
use crate::generated::consts::*;
use state::{DomState, Ident, TestState};
use std::sync::Arc;

static DRIVER: ConnectDriver = ConnectDriver { name: "TEST", open, table: TABLE };

pub fn register() {
    crate::core::registry::register(&DRIVER);
}

fn open(req: &OpenRequest) -> Result<Open> {
    if req.uri.driver() != Some("test") || req.uri.server.is_some() {
        return Ok(Open::Declined);
    }
    match req.uri.path.as_deref() {
        Some("/default") => Ok(Open::Opened(Box::new(TestState::shared_default()))),
        Some(p) if p.starts_with('/') => Err(Error::with_detail(
            VIR_FROM_TEST,
            VIR_ERR_NO_SUPPORT,
            format!("custom node files are not supported yet: {p}"),
        )),
        _ => Err(Error::with_detail(
            VIR_FROM_TEST,
            VIR_ERR_INVALID_ARG,
            "testOpen: supply a path or use test:///default",
        )),
    }
}

fn st(c: &Connect) -> &Arc<TestState> {
    c.private::<Arc<TestState>>().expect("test driver state")
}

fn no_domain() -> Error {
    Error::new(VIR_FROM_TEST, VIR_ERR_NO_DOMAIN, None)
}

fn unsupported_flags(flags: u32, allowed: u32, api: &str) -> Result<()> {
    if flags & !allowed != 0 {
        return Err(Error::with_detail(
            VIR_FROM_TEST,
            VIR_ERR_INVALID_ARG,
            format!("unsupported flags (0x{:x}) in function {api}", flags & !allowed),
        ));
    }
    Ok(())
}

fn handle(c: &Connect, d: Ident) -> Domain {
    Domain { conn: c.clone(), name: d.name, uuid: d.uuid, id: d.id }
}

fn with_dom<T>(d: &Domain, f: impl FnOnce(&mut DomState) -> Result<T>) -> Result<T> {
    let s = st(&d.conn);
    let mut g = s.domains.lock();
    let dom = g.iter_mut().find(|x| x.uuid == d.uuid).ok_or_else(no_domain)?;
    f(dom)
}

fn not_running() -> Error {
    Error::with_detail(VIR_FROM_TEST, VIR_ERR_OPERATION_INVALID, "domain is not running")
}

const TABLE: DriverTable = DriverTable {
    host: HostTable {
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
        ..HostTable::EMPTY
    },
    domain: DomainTable {
        connect_num_of_domains: Some(|c| Ok(st(c).domains.lock().iter().filter(|d| d.id >= 0).count() as i32)),
        connect_list_domains: Some(|c, max| {
            Ok(st(c).domains.lock().iter().filter(|d| d.id >= 0).map(|d| d.id).take(max as usize).collect())
        }),
        connect_num_of_defined_domains: Some(|c| Ok(st(c).domains.lock().iter().filter(|d| d.id < 0).count() as i32)),
        connect_list_defined_domains: Some(|c, max| {
            Ok(st(c).domains.lock().iter().filter(|d| d.id < 0).map(|d| d.name.clone()).take(max as usize).collect())
        }),
        connect_list_all_domains: Some(|c, flags| {
            unsupported_flags(flags, 0x3fff, "testConnectListAllDomains")?;
            Ok(st(c).domains.lock().iter().filter(|d| d.matches(flags)).map(|d| handle(c, d.ident())).collect())
        }),
        domain_lookup_by_id: Some(|c, id| {
            st(c)
                .domains
                .lock()
                .iter()
                .find(|d| d.id == id && id >= 0)
                .map(|d| handle(c, d.ident()))
                .ok_or_else(no_domain)
        }),
        domain_lookup_by_name: Some(|c, name| {
            st(c).domains.lock().iter().find(|d| d.name == name).map(|d| handle(c, d.ident())).ok_or_else(no_domain)
        }),
        domain_lookup_by_uuid: Some(|c, u: &Uuid| {
            st(c).domains.lock().iter().find(|d| &d.uuid == u).map(|d| handle(c, d.ident())).ok_or_else(no_domain)
        }),
        domain_define_xml: Some(|c, xml, flags| {
            unsupported_flags(flags, VIR_DOMAIN_DEFINE_VALIDATE as u32, "testDomainDefineXMLFlags")?;
            Ok(handle(c, st(c).define(xml, false)?))
        }),
        domain_create_xml: Some(|c, xml, flags| {
            unsupported_flags(
                flags,
                VIR_DOMAIN_START_VALIDATE as u32 | VIR_DOMAIN_START_PAUSED as u32,
                "testDomainCreateXML",
            )?;
            Ok(handle(c, st(c).define(xml, true)?))
        }),
        domain_undefine: Some(|d, flags| {
            unsupported_flags(flags, 0x7f, "testDomainUndefineFlags")?;
            let s = st(&d.conn);
            let mut g = s.domains.lock();
            let i = g.iter().position(|x| x.uuid == d.uuid).ok_or_else(no_domain)?;
            if g[i].id >= 0 {
                g[i].persistent = false;
            } else {
                g.remove(i);
            }
            Ok(())
        }),
        domain_create: Some(|d, flags| {
            unsupported_flags(flags, 0, "testDomainCreateWithFlags")?;
            let s = st(&d.conn);
            let id = s.next_id();
            with_dom(d, |x| {
                if x.id >= 0 {
                    return Err(Error::with_detail(
                        VIR_FROM_TEST,
                        VIR_ERR_OPERATION_INVALID,
                        "Domain is already running",
                    ));
                }
                x.id = id;
                x.state = (VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_BOOTED);
                Ok(())
            })
        }),
        domain_destroy: Some(|d, flags| {
            unsupported_flags(flags, 0, "testDomainDestroyFlags")?;
            let s = st(&d.conn);
            let mut g = s.domains.lock();
            let i = g.iter().position(|x| x.uuid == d.uuid).ok_or_else(no_domain)?;
            if g[i].id < 0 {
                return Err(not_running());
            }
            g[i].id = -1;
            g[i].state = (VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_DESTROYED);
            if !g[i].persistent {
                g.remove(i);
            }
            Ok(())
        }),
        domain_suspend: Some(|d| {
            with_dom(d, |x| {
                if x.id < 0 {
                    return Err(not_running());
                }
                if x.state.0 != VIR_DOMAIN_RUNNING {
                    return Err(Error::internal(format!("domain '{}' not running", x.name)).from_domain(VIR_FROM_TEST));
                }
                x.state = (VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_USER);
                Ok(())
            })
        }),
        domain_resume: Some(|d| {
            with_dom(d, |x| {
                if x.state.0 != VIR_DOMAIN_PAUSED {
                    return Err(Error::internal(format!("domain '{}' not paused", x.name)).from_domain(VIR_FROM_TEST));
                }
                x.state = (VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_UNPAUSED);
                Ok(())
            })
        }),
        domain_get_info: Some(|d| {
            with_dom(d, |x| {
                Ok(DomainInfo {
                    state: x.state.0 as u8,
                    max_mem_kib: x.max_mem_kib,
                    memory_kib: x.cur_mem_kib,
                    nr_virt_cpu: x.vcpus as u16,
                    cpu_time_ns: if x.id >= 0 { state::cpu_time() } else { 0 },
                })
            })
        }),
        domain_get_state: Some(|d, flags| {
            unsupported_flags(flags, 0, "testDomainGetState")?;
            with_dom(d, |x| Ok(x.state))
        }),
        domain_get_xml_desc: Some(|d, flags| {
            unsupported_flags(flags, 0xf, "testDomainGetXMLDesc")?;
            with_dom(d, |x| Ok(x.format_xml(flags & VIR_DOMAIN_XML_INACTIVE as u32 != 0)))
        }),
        domain_get_os_type: Some(|d| with_dom(d, |x| Ok(x.os_type.clone()))),
        domain_get_max_memory: Some(|d| with_dom(d, |x| Ok(x.max_mem_kib))),
        domain_get_autostart: Some(|d| with_dom(d, |x| Ok(x.autostart))),
        domain_set_autostart: Some(|d, v| {
            with_dom(d, |x| {
                x.autostart = v;
                Ok(())
            })
        }),
        domain_is_active: Some(|d| with_dom(d, |x| Ok(x.id >= 0))),
        domain_is_persistent: Some(|d| with_dom(d, |x| Ok(x.persistent))),
        domain_is_updated: Some(|d| with_dom(d, |_| Ok(false))),
        domain_get_vcpus_flags: Some(|d, flags| {
            unsupported_flags(
                flags,
                0xf | VIR_DOMAIN_VCPU_GUEST as u32 | VIR_DOMAIN_VCPU_HOTPLUGGABLE as u32,
                "testDomainGetVcpusFlags",
            )?;
            with_dom(d, |x| Ok(x.vcpus as i32))
        }),
        domain_get_hostname: Some(|d, _| with_dom(d, |x| Ok(format!("{}host", x.name)))),
        ..DomainTable::EMPTY
    },
    ..DriverTable::EMPTY
};
