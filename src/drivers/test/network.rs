//! The test driver's networks. Ports and DHCP leases are not served by
//! libvirt's test driver, so their slots stay empty.

use super::{st, unsupported_flags};
use crate::conf::network::NetworkDef;
use crate::conf::network_update;
use crate::conf::schema::{self, Schema};
use crate::core::driver::DriverTable;
use crate::core::error::{Error, Result};
use crate::core::events::{Event, Subject};
use crate::core::uuid::{self, Uuid};
use crate::core::{Connect, Network};
use crate::generated::consts::*;

const DEFAULT_NETWORK: &str = "<network>
  <name>default</name>
  <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>
  <forward mode='nat'/>
  <bridge name='virbr0' stp='on' delay='0'/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>";

/// One network: the definition in force, and the persistent one waiting
/// for the next stop when it was redefined while running.
pub struct NetObj {
    pub def: NetworkDef,
    pub new_def: Option<NetworkDef>,
    pub active: bool,
    pub persistent: bool,
    pub autostart: bool,
}

impl NetObj {
    fn matches(&self, flags: u32) -> bool {
        let group = |bits: &[(i32, bool)]| {
            let any = bits.iter().any(|(b, _)| flags & *b as u32 != 0);
            !any || bits.iter().any(|(b, ok)| flags & *b as u32 != 0 && *ok)
        };
        group(&[(VIR_CONNECT_LIST_NETWORKS_ACTIVE, self.active), (VIR_CONNECT_LIST_NETWORKS_INACTIVE, !self.active)])
            && group(&[
                (VIR_CONNECT_LIST_NETWORKS_PERSISTENT, self.persistent),
                (VIR_CONNECT_LIST_NETWORKS_TRANSIENT, !self.persistent),
            ])
            && group(&[
                (VIR_CONNECT_LIST_NETWORKS_AUTOSTART, self.autostart),
                (VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART, !self.autostart),
            ])
    }

    /// The persistent definition (which updates with AFFECT_CONFIG edit).
    fn persistent_def(&mut self) -> &mut NetworkDef {
        if self.active {
            let def = &self.def;
            self.new_def.get_or_insert_with(|| def.clone())
        } else {
            &mut self.def
        }
    }
}

/// The networks of one test host.
pub struct NetworkState {
    pub nets: Vec<NetObj>,
}

impl Default for NetworkState {
    /// The default host's single network, running.
    fn default() -> NetworkState {
        let def = NetworkDef::parse(DEFAULT_NETWORK).expect("built-in network");
        NetworkState { nets: vec![NetObj { def, new_def: None, active: true, persistent: true, autostart: false }] }
    }
}

fn handle(c: &Connect, d: &NetworkDef) -> Network {
    Network { conn: c.clone(), name: d.name.clone(), uuid: d.uuid }
}

fn subject(d: &NetworkDef) -> Subject {
    Subject { name: d.name.clone(), uuid: d.uuid, id: -1 }
}

fn queue(c: &Connect, d: &NetworkDef, event: i32) {
    st(c).events.queue(Event::NetworkLifecycle { network: subject(d), event, detail: 0 });
}

fn no_network(what: &str, value: &str) -> Error {
    Error::with_detail(VIR_FROM_TEST, VIR_ERR_NO_NETWORK, format!("no network with matching {what} '{value}'"))
}

fn invalid(msg: String) -> Error {
    Error::with_detail(VIR_FROM_TEST, VIR_ERR_OPERATION_INVALID, msg)
}

/// Where the network a handle names is (looked up by name, as libvirt's
/// test driver does).
fn position(nets: &[NetObj], n: &Network) -> Result<usize> {
    nets.iter().position(|x| x.def.name == n.name).ok_or_else(|| no_network("name", &n.name))
}

/// Runs `f` on the network a handle names.
fn with_net<T>(n: &Network, f: impl FnOnce(&mut NetObj) -> Result<T>) -> Result<T> {
    let s = st(&n.conn);
    let mut g = s.networks.lock();
    let i = position(&g.nets, n)?;
    f(&mut g.nets[i])
}

/// As [`with_net`], finding the network by UUID (the calls of libvirt's
/// test driver that do so report a missing network by UUID).
fn with_net_by_uuid<T>(n: &Network, f: impl FnOnce(&mut NetObj) -> Result<T>) -> Result<T> {
    let s = st(&n.conn);
    let mut g = s.networks.lock();
    let obj =
        g.nets.iter_mut().find(|x| x.def.uuid == n.uuid).ok_or_else(|| no_network("uuid", &uuid::format(&n.uuid)))?;
    f(obj)
}

/// Finds where a definition goes: an existing network with the same
/// name and UUID, nothing, or libvirt's clash errors.
pub(super) fn find_slot(nets: &[NetObj], def: &NetworkDef) -> Result<Option<usize>> {
    if let Some((i, o)) = nets.iter().enumerate().find(|(_, o)| o.def.uuid == def.uuid) {
        if o.def.name != def.name {
            return Err(Error::with_detail(
                VIR_FROM_NETWORK,
                VIR_ERR_OPERATION_FAILED,
                format!("network '{}' is already defined with uuid {}", o.def.name, uuid::format(&o.def.uuid)),
            ));
        }
        return Ok(Some(i));
    }
    if let Some(o) = nets.iter().find(|o| o.def.name == def.name) {
        return Err(Error::with_detail(
            VIR_FROM_NETWORK,
            VIR_ERR_OPERATION_FAILED,
            format!("network '{}' already exists with uuid {}", o.def.name, uuid::format(&o.def.uuid)),
        ));
    }
    Ok(None)
}

fn define(c: &Connect, xml: &str, flags: u32) -> Result<Network> {
    unsupported_flags(flags, VIR_NETWORK_DEFINE_VALIDATE as u32, "testNetworkDefineXMLFlags")?;
    schema::validate_if(flags, VIR_NETWORK_DEFINE_VALIDATE as u32, Schema::Network, xml)?;
    let def = NetworkDef::parse(xml)?;
    let s = st(c);
    let mut g = s.networks.lock();
    match find_slot(&g.nets, &def)? {
        Some(i) => {
            let o = &mut g.nets[i];
            o.persistent = true;
            if o.active {
                o.new_def = Some(def.clone());
            } else {
                o.def = def.clone();
            }
        }
        None => {
            g.nets.push(NetObj { def: def.clone(), new_def: None, active: false, persistent: true, autostart: false })
        }
    }
    queue(c, &def, VIR_NETWORK_EVENT_DEFINED);
    Ok(handle(c, &def))
}

fn create_xml(c: &Connect, xml: &str, flags: u32) -> Result<Network> {
    unsupported_flags(flags, VIR_NETWORK_CREATE_VALIDATE as u32, "testNetworkCreateXMLFlags")?;
    schema::validate_if(flags, VIR_NETWORK_CREATE_VALIDATE as u32, Schema::Network, xml)?;
    let def = NetworkDef::parse(xml)?;
    let s = st(c);
    let mut g = s.networks.lock();
    match find_slot(&g.nets, &def)? {
        Some(i) => {
            let o = &mut g.nets[i];
            if o.active {
                return Err(Error::with_detail(
                    VIR_FROM_NETWORK,
                    VIR_ERR_OPERATION_INVALID,
                    format!("network is already active as '{}'", o.def.name),
                ));
            }
            let old = std::mem::replace(&mut o.def, def.clone());
            if o.persistent {
                o.new_def = Some(old);
            }
            o.active = true;
        }
        None => {
            g.nets.push(NetObj { def: def.clone(), new_def: None, active: true, persistent: false, autostart: false })
        }
    }
    queue(c, &def, VIR_NETWORK_EVENT_STARTED);
    Ok(handle(c, &def))
}

fn names(c: &Connect, active: bool) -> Vec<String> {
    st(c).networks.lock().nets.iter().filter(|o| o.active == active).map(|o| o.def.name.clone()).collect()
}

fn update(n: &Network, command: u32, section: u32, index: i32, xml: &str, flags: u32) -> Result<i32> {
    let (live, config) = (VIR_NETWORK_UPDATE_AFFECT_LIVE as u32, VIR_NETWORK_UPDATE_AFFECT_CONFIG as u32);
    unsupported_flags(flags, live | config, "testNetworkUpdate")?;
    with_net_by_uuid(n, |o| {
        let (mut live_too, mut config_too) = (flags & live != 0, flags & config != 0);
        if !live_too && !config_too {
            if o.active {
                live_too = true;
            } else {
                config_too = true;
            }
        }
        if live_too && !o.active {
            return Err(Error::with_detail(VIR_FROM_NETWORK, VIR_ERR_OPERATION_INVALID, "network is not running"));
        }
        if config_too && !o.persistent {
            return Err(Error::with_detail(
                VIR_FROM_NETWORK,
                VIR_ERR_OPERATION_INVALID,
                "cannot change persistent config of a transient network",
            ));
        }
        if config_too && o.persistent {
            let mut def = o.persistent_def().clone();
            network_update::apply(&mut def, command, section, index, xml)?;
            *o.persistent_def() = def;
        }
        if live_too {
            network_update::apply(&mut o.def, command, section, index, xml)?;
        }
        Ok(0)
    })
}

pub fn install(t: &mut DriverTable) {
    let a = &mut t.api;
    a.connect_num_of_networks = Some(|c| Ok(names(c, true).len() as i32));
    a.connect_list_networks = Some(|c| Ok(names(c, true)));
    a.connect_num_of_defined_networks = Some(|c| Ok(names(c, false).len() as i32));
    a.connect_list_defined_networks = Some(|c| Ok(names(c, false)));
    a.connect_list_all_networks = Some(|c, flags| {
        unsupported_flags(flags, 0x3f, "testConnectListAllNetworks")?;
        Ok(st(c).networks.lock().nets.iter().filter(|o| o.matches(flags)).map(|o| handle(c, &o.def)).collect())
    });
    a.network_lookup_by_name = Some(|c, name| {
        let g = st(c).networks.lock();
        g.nets.iter().find(|o| o.def.name == name).map(|o| handle(c, &o.def)).ok_or_else(|| no_network("name", name))
    });
    a.network_lookup_by_uuid = Some(|c, u: &Uuid| {
        let g = st(c).networks.lock();
        g.nets
            .iter()
            .find(|o| &o.def.uuid == u)
            .map(|o| handle(c, &o.def))
            .ok_or_else(|| no_network("uuid", &uuid::format(u)))
    });
    a.network_define_xml = Some(|c, xml| define(c, xml, 0));
    a.network_define_xml_flags = Some(define);
    a.network_create_xml = Some(|c, xml| create_xml(c, xml, 0));
    a.network_create_xml_flags = Some(create_xml);
    a.network_create = Some(|n| {
        with_net(n, |o| {
            if o.active {
                return Err(invalid(format!("Network '{}' is already running", o.def.name)));
            }
            o.active = true;
            queue(&n.conn, &o.def, VIR_NETWORK_EVENT_STARTED);
            Ok(0)
        })
    });
    a.network_destroy = Some(|n| {
        let s = st(&n.conn);
        let mut g = s.networks.lock();
        let i = position(&g.nets, n)?;
        let o = &mut g.nets[i];
        o.active = false;
        queue(&n.conn, &o.def, VIR_NETWORK_EVENT_STOPPED);
        if !o.persistent {
            g.nets.remove(i);
        }
        Ok(0)
    });
    a.network_undefine = Some(|n| {
        let s = st(&n.conn);
        let mut g = s.networks.lock();
        let i = position(&g.nets, n)?;
        if g.nets[i].active {
            return Err(invalid(format!("Network '{}' is still running", g.nets[i].def.name)));
        }
        let o = g.nets.remove(i);
        queue(&n.conn, &o.def, VIR_NETWORK_EVENT_UNDEFINED);
        Ok(0)
    });
    a.network_get_xml_desc = Some(|n, flags| {
        unsupported_flags(flags, 0, "testNetworkGetXMLDesc")?;
        with_net(n, |o| Ok(o.def.format()))
    });
    a.network_get_bridge_name = Some(|n| {
        with_net(n, |o| {
            o.def.bridge_name().map(str::to_string).ok_or_else(|| {
                Error::internal(format!("network '{}' does not have a bridge name.", o.def.name))
                    .from_domain(VIR_FROM_TEST)
            })
        })
    });
    a.network_get_autostart = Some(|n| with_net(n, |o| Ok(o.autostart as i32)));
    a.network_set_autostart = Some(|n, v| {
        with_net(n, |o| {
            o.autostart = v != 0;
            Ok(0)
        })
    });
    a.network_is_active = Some(|n| with_net_by_uuid(n, |o| Ok(o.active as i32)));
    a.network_is_persistent = Some(|n| with_net_by_uuid(n, |o| Ok(o.persistent as i32)));
    a.network_update = Some(update);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lifecycle events queued for one network, in order (other tests
    /// share the default host, so only this network's events are kept).
    fn events_of(c: &Connect, name: &str) -> Vec<i32> {
        st(c)
            .events
            .drain()
            .into_iter()
            .filter_map(|e| match e {
                Event::NetworkLifecycle { network, event, .. } if network.name == name => Some(event),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn queues_lifecycle_events_as_libvirt_does() {
        crate::initialize();
        let c = Connect::open(Some("test:///default"), false, 0).unwrap();
        st(&c).events.record();
        let a = c.table().api;
        let xml = "<network><name>vrs-ev</name><uuid>5a1c0000-0000-4000-8000-0000000000ee</uuid></network>";
        let n = (a.network_define_xml.unwrap())(&c, xml).unwrap();
        (a.network_define_xml.unwrap())(&c, xml).unwrap();
        (a.network_create.unwrap())(&n).unwrap();
        (a.network_update.unwrap())(&n, 3, 9, -1, "<portgroup name='p'/>", 0).unwrap();
        (a.network_destroy.unwrap())(&n).unwrap();
        (a.network_destroy.unwrap())(&n).unwrap();
        (a.network_set_autostart.unwrap())(&n, 1).unwrap();
        (a.network_undefine.unwrap())(&n).unwrap();
        let t = (a.network_create_xml.unwrap())(&c, xml).unwrap();
        (a.network_destroy.unwrap())(&t).unwrap();
        use crate::generated::consts::{
            VIR_NETWORK_EVENT_DEFINED as D, VIR_NETWORK_EVENT_STARTED as S, VIR_NETWORK_EVENT_STOPPED as P,
            VIR_NETWORK_EVENT_UNDEFINED as U,
        };
        assert_eq!(events_of(&c, "vrs-ev"), vec![D, D, S, P, P, U, S, P]);
    }
}
