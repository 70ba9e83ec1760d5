//! The test driver's host interfaces, with change transactions.

use super::{st, unsupported_flags};
use crate::conf::interface::InterfaceDef;
use crate::conf::schema::{self, Schema};
use crate::core::driver::DriverTable;
use crate::core::error::{Error, Result};
use crate::core::{Connect, Interface};
use crate::generated::consts::*;

const DEFAULT_INTERFACE: &str = "<interface type='ethernet' name='eth1'>
  <start mode='onboot'/>
  <mac address='aa:bb:cc:dd:ee:ff'/>
  <mtu size='1492'/>
  <protocol family='ipv4'>
    <ip address='192.168.0.5' prefix='24'/>
    <route gateway='192.168.0.1'/>
  </protocol>
</interface>";

#[derive(Clone)]
pub struct IfaceObj {
    pub def: InterfaceDef,
    pub active: bool,
}

/// The interfaces of one test host, and the copy a running change
/// transaction returns to on rollback.
pub struct InterfaceState {
    pub ifaces: Vec<IfaceObj>,
    pub backup: Option<Vec<IfaceObj>>,
}

impl Default for InterfaceState {
    /// The default host's single interface, up.
    fn default() -> InterfaceState {
        let def = InterfaceDef::parse(DEFAULT_INTERFACE).expect("built-in interface");
        InterfaceState { ifaces: vec![IfaceObj { def, active: true }], backup: None }
    }
}

fn handle(c: &Connect, d: &InterfaceDef) -> Interface {
    Interface { conn: c.clone(), name: d.name.clone(), mac: d.mac.clone().unwrap_or_default() }
}

fn no_interface(what: &str, value: &str) -> Error {
    Error::with_detail(VIR_FROM_TEST, VIR_ERR_NO_INTERFACE, format!("no interface with matching {what} '{value}'"))
}

fn invalid(detail: Option<&str>) -> Error {
    Error::new(VIR_FROM_TEST, VIR_ERR_OPERATION_INVALID, detail)
}

fn with_iface<T>(i: &Interface, f: impl FnOnce(&mut InterfaceState, usize) -> Result<T>) -> Result<T> {
    let s = st(&i.conn);
    let mut g = s.interfaces.lock();
    let pos = g.ifaces.iter().position(|x| x.def.name == i.name).ok_or_else(|| no_interface("name", &i.name))?;
    f(&mut g, pos)
}

fn names(c: &Connect, active: bool) -> Vec<String> {
    st(c).interfaces.lock().ifaces.iter().filter(|o| o.active == active).map(|o| o.def.name.clone()).collect()
}

/// Starts (`up`) or stops an interface, refusing when it already is so.
fn set_active(i: &Interface, flags: u32, up: bool, api: &str) -> Result<i32> {
    unsupported_flags(flags, 0, api)?;
    with_iface(i, |g, p| {
        if g.ifaces[p].active == up {
            return Err(invalid(None));
        }
        g.ifaces[p].active = up;
        Ok(0)
    })
}

pub fn install(t: &mut DriverTable) {
    let a = &mut t.api;
    a.connect_num_of_interfaces = Some(|c| Ok(names(c, true).len() as i32));
    a.connect_list_interfaces = Some(|c| Ok(names(c, true)));
    a.connect_num_of_defined_interfaces = Some(|c| Ok(names(c, false).len() as i32));
    a.connect_list_defined_interfaces = Some(|c| Ok(names(c, false)));
    a.connect_list_all_interfaces = Some(|c, flags| {
        let (active, inactive) =
            (VIR_CONNECT_LIST_INTERFACES_ACTIVE as u32, VIR_CONNECT_LIST_INTERFACES_INACTIVE as u32);
        unsupported_flags(flags, active | inactive, "testConnectListAllInterfaces")?;
        let want = |o: &IfaceObj| {
            flags & (active | inactive) == 0
                || (flags & active != 0 && o.active)
                || (flags & inactive != 0 && !o.active)
        };
        Ok(st(c).interfaces.lock().ifaces.iter().filter(|o| want(o)).map(|o| handle(c, &o.def)).collect())
    });
    a.interface_lookup_by_name = Some(|c, name| {
        let g = st(c).interfaces.lock();
        g.ifaces
            .iter()
            .find(|o| o.def.name == name)
            .map(|o| handle(c, &o.def))
            .ok_or_else(|| no_interface("name", name))
    });
    a.interface_lookup_by_mac_string = Some(|c, mac| {
        let g = st(c).interfaces.lock();
        let found: Vec<&IfaceObj> =
            g.ifaces.iter().filter(|o| o.def.mac.as_deref().is_some_and(|m| m.eq_ignore_ascii_case(mac))).collect();
        match found.as_slice() {
            [] => Err(no_interface("mac", mac)),
            // the handle carries the address as the caller spelled it
            [one] => Ok(Interface { mac: mac.to_string(), ..handle(c, &one.def) }),
            _ => Err(Error::new(VIR_FROM_TEST, VIR_ERR_MULTIPLE_INTERFACES, None)),
        }
    });
    a.interface_define_xml = Some(|c, xml, flags| {
        unsupported_flags(flags, VIR_INTERFACE_DEFINE_VALIDATE as u32, "testInterfaceDefineXML")?;
        schema::validate_if(flags, VIR_INTERFACE_DEFINE_VALIDATE as u32, Schema::Interface, xml)?;
        let def = InterfaceDef::parse(xml)?;
        let s = st(c);
        let mut g = s.interfaces.lock();
        match g.ifaces.iter_mut().find(|o| o.def.name == def.name) {
            Some(o) => o.def = def.clone(),
            None => g.ifaces.push(IfaceObj { def: def.clone(), active: false }),
        }
        Ok(handle(c, &def))
    });
    a.interface_undefine = Some(|i| {
        with_iface(i, |g, p| {
            g.ifaces.remove(p);
            Ok(0)
        })
    });
    a.interface_create = Some(|i, flags| set_active(i, flags, true, "testInterfaceCreate"));
    a.interface_destroy = Some(|i, flags| set_active(i, flags, false, "testInterfaceDestroy"));
    a.interface_get_xml_desc = Some(|i, flags| {
        unsupported_flags(flags, 0, "testInterfaceGetXMLDesc")?;
        with_iface(i, |g, p| Ok(g.ifaces[p].def.format()))
    });
    a.interface_is_active = Some(|i| with_iface(i, |g, p| Ok(g.ifaces[p].active as i32)));
    a.interface_change_begin = Some(|c, flags| {
        unsupported_flags(flags, 0, "testInterfaceChangeBegin")?;
        let s = st(c);
        let mut g = s.interfaces.lock();
        if g.backup.is_some() {
            return Err(invalid(Some("there is another transaction running.")));
        }
        // the saved copy holds the definitions only: all interfaces come back down
        g.backup = Some(g.ifaces.iter().map(|o| IfaceObj { def: o.def.clone(), active: false }).collect());
        Ok(0)
    });
    a.interface_change_commit = Some(|c, flags| {
        unsupported_flags(flags, 0, "testInterfaceChangeCommit")?;
        let s = st(c);
        let mut g = s.interfaces.lock();
        g.backup.take().ok_or_else(|| invalid(Some("no transaction running, nothing to be committed.")))?;
        Ok(0)
    });
    a.interface_change_rollback = Some(|c, flags| {
        unsupported_flags(flags, 0, "testInterfaceChangeRollback")?;
        let s = st(c);
        let mut g = s.interfaces.lock();
        let saved = g.backup.take().ok_or_else(|| invalid(Some("no transaction running, nothing to rollback.")))?;
        g.ifaces = saved;
        Ok(0)
    });
}
