//! The test driver's domains.

use super::*;
use crate::core::driver::{DomainInfo, DomainTable, DriverTable};

pub fn install(t: &mut DriverTable) {
    t.domain = DomainTable {
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
        ..t.domain
    };
}
