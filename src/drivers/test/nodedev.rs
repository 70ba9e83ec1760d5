//! The test driver's node devices: the host's system and SCSI hosts, and
//! virtual HBAs created on a vport-capable Fibre Channel host.

use super::{st, unsupported_flags};
use crate::conf::netdev::unknown_cause;
use crate::conf::nodedev::{builtin, Cap, FcHost, NodeDeviceDef, ParentFc, ScsiHostCap, SystemCap};
use crate::conf::schema::{self, Schema};
use crate::core::driver::DriverTable;
use crate::core::error::{Error, Result};
use crate::core::events::{Event, Subject};
use crate::core::{Connect, NodeDevice};
use crate::generated::consts::*;

/// The capability names `virConnectListAllNodeDevices` flags select, bit
/// by bit from `VIR_CONNECT_LIST_NODE_DEVICES_CAP_SYSTEM`.
const CAP_FLAGS: [&str; 22] = [
    "system",
    "pci",
    "usb_device",
    "usb_interface",
    "net",
    "scsi_host",
    "scsi_target",
    "scsi",
    "storage",
    "fc_host",
    "vports",
    "scsi_generic",
    "drm",
    "mdev_types",
    "mdev",
    "ccw",
    "css",
    "vdpa",
    "ap_card",
    "ap_queue",
    "ap_matrix",
    "vpd",
];

/// The device a new virtual HBA is copied from, and the name it gets.
const VPORT_TEMPLATE: &str = "scsi_host11";
const VPORT_NAME: &str = "scsi_host12";

pub struct DevObj {
    pub def: NodeDeviceDef,
    /// The device destroying this one checks for (the template's parent
    /// for created HBAs, as in libvirt's test driver).
    pub destroy_parent: Option<String>,
}

pub struct NodeDevState {
    pub devs: Vec<DevObj>,
}

fn scsi_host(name: &str, parent: &str, n: u32, fc: [&str; 3], vport_ops: bool) -> DevObj {
    let cap = ScsiHostCap {
        host: n,
        unique_id: Some(n as i32 - 1),
        fc: Some(FcHost { wwnn: fc[0].into(), wwpn: fc[1].into(), fabric_wwn: Some(fc[2].into()) }),
        vport_ops: vport_ops.then_some((0, 0)),
    };
    DevObj { def: builtin(name, Some(parent), vec![Cap::ScsiHost(cap)]), destroy_parent: Some(parent.into()) }
}

impl Default for NodeDevState {
    /// The default host's devices.
    fn default() -> NodeDevState {
        let system = SystemCap {
            product: None,
            hw_vendor: Some("Libvirt".into()),
            hw_version: Some("Test driver".into()),
            hw_serial: Some("123456".into()),
            hw_uuid: "11111111-2222-3333-4444-555555555555".into(),
            fw_vendor: Some("Libvirt".into()),
            fw_version: Some("Test Driver".into()),
            fw_release_date: Some("01/22/2007".into()),
        };
        NodeDevState {
            devs: vec![
                DevObj { def: builtin("computer", None, vec![Cap::System(system)]), destroy_parent: None },
                scsi_host(
                    "scsi_host1",
                    "computer",
                    1,
                    ["2000000012341234", "1000000012341234", "2000000043214321"],
                    true,
                ),
                scsi_host(
                    "scsi_host2",
                    "computer",
                    2,
                    ["2000000056785678", "1000000056785678", "2000000087658765"],
                    true,
                ),
                scsi_host(
                    "scsi_host11",
                    "scsi_host1",
                    11,
                    ["2000000034563456", "1000000034563456", "2000000043214321"],
                    false,
                ),
            ],
        }
    }
}

fn handle(c: &Connect, d: &NodeDeviceDef) -> NodeDevice {
    NodeDevice { conn: c.clone(), name: d.name.clone(), parent: None }
}

fn queue(c: &Connect, name: &str, event: i32) {
    let device = Subject { name: name.to_string(), uuid: [0; 16], id: -1 };
    st(c).events.queue(Event::NodeDeviceLifecycle { device, event, detail: 0 });
}

fn no_device(name: &str) -> Error {
    Error::with_detail(VIR_FROM_TEST, VIR_ERR_NO_NODE_DEVICE, format!("no node device with matching name '{name}'"))
}

fn with_dev<T>(d: &NodeDevice, f: impl FnOnce(&DevObj) -> Result<T>) -> Result<T> {
    let s = st(&d.conn);
    let g = s.nodedevs.lock();
    f(g.devs.iter().find(|o| o.def.name == d.name).ok_or_else(|| no_device(&d.name))?)
}

fn names(c: &Connect, cap: Option<&str>) -> Vec<String> {
    let g = st(c).nodedevs.lock();
    g.devs.iter().filter(|o| cap.is_none_or(|cap| o.def.has_cap(cap))).map(|o| o.def.name.clone()).collect()
}

fn not_found(def: &NodeDeviceDef) -> Error {
    Error::internal(format!("Could not find parent device for '{}'", def.name)).from_domain(VIR_FROM_NODEDEV)
}

/// The vport-capable host a new HBA goes on: named, by its Fibre Channel
/// names or fabric, or else the first one there is.
fn find_parent<'a>(devs: &'a [DevObj], def: &NodeDeviceDef) -> Result<&'a DevObj> {
    let capable = |o: &&DevObj| o.def.has_cap("vports");
    let fc = |o: &DevObj| o.def.fc_host().ok().cloned();
    if let Some(name) = &def.parent {
        let p = devs.iter().find(|o| &o.def.name == name).ok_or_else(|| not_found(def))?;
        if !p.def.has_cap("vports") {
            return Err(Error::internal(format!("Parent device {name} is not capable of vport operations"))
                .from_domain(VIR_FROM_NODEDEV));
        }
        return Ok(p);
    }
    match &def.parent_fc {
        ParentFc::Wwns(wwnn, wwpn) => devs
            .iter()
            .filter(capable)
            .find(|o| fc(o).is_some_and(|f| &f.wwnn == wwnn && &f.wwpn == wwpn))
            .ok_or_else(|| not_found(def)),
        ParentFc::Fabric(fabric) => devs
            .iter()
            .filter(capable)
            .find(|o| fc(o).is_some_and(|f| f.fabric_wwn.as_ref() == Some(fabric)))
            .ok_or_else(|| not_found(def)),
        ParentFc::None => devs
            .iter()
            .find(capable)
            .ok_or_else(|| Error::internal("Could not find any vport capable device").from_domain(VIR_FROM_NODEDEV)),
    }
}

fn create(c: &Connect, xml: &str, flags: u32) -> Result<NodeDevice> {
    unsupported_flags(flags, VIR_NODE_DEVICE_CREATE_XML_VALIDATE as u32, "testNodeDeviceCreateXML")?;
    schema::validate_if(flags, VIR_NODE_DEVICE_CREATE_XML_VALIDATE as u32, Schema::NodeDev, xml)?;
    let def = NodeDeviceDef::parse_new(xml)?;
    let fc = def.fc_host()?.clone();
    let s = st(c);
    let mut g = s.nodedevs.lock();
    // the parent is checked, but the new device hangs where its template does
    find_parent(&g.devs, &def)?;
    let template = g.devs.iter().find(|o| o.def.name == VPORT_TEMPLATE).ok_or_else(unknown_cause)?;
    let mut new = template.def.clone();
    let destroy_parent = template.def.parent.clone();
    new.name = VPORT_NAME.to_string();
    if let Some(h) = new.scsi_host_mut() {
        if let Some(nfc) = h.fc.as_mut() {
            nfc.wwnn = fc.wwnn;
            nfc.wwpn = fc.wwpn;
        }
    }
    let obj = DevObj { def: new, destroy_parent };
    match g.devs.iter_mut().find(|o| o.def.name == VPORT_NAME) {
        Some(o) => *o = obj,
        None => g.devs.push(obj),
    }
    queue(c, VPORT_NAME, VIR_NODE_DEVICE_EVENT_CREATED);
    // the new handle remembers the parent as it was asked for
    Ok(NodeDevice { conn: c.clone(), name: VPORT_NAME.to_string(), parent: def.parent.clone() })
}

/// Destroys a virtual HBA. Like libvirt's test driver, a device that is
/// no HBA or whose parent is gone is left alone without failing the call.
fn destroy(d: &NodeDevice) -> Result<i32> {
    let s = st(&d.conn);
    let mut g = s.nodedevs.lock();
    let i = g.devs.iter().position(|o| o.def.name == d.name).ok_or_else(|| no_device(&d.name))?;
    if g.devs[i].def.fc_host().is_err() {
        return Ok(0);
    }
    let parent = g.devs[i].destroy_parent.clone().unwrap_or_default();
    if !g.devs.iter().any(|o| o.def.name == parent) {
        return Ok(0);
    }
    g.devs.remove(i);
    queue(&d.conn, &d.name, VIR_NODE_DEVICE_EVENT_DELETED);
    Ok(0)
}

pub fn install(t: &mut DriverTable) {
    let a = &mut t.api;
    a.node_num_of_devices = Some(|c, cap, flags| {
        unsupported_flags(flags, 0, "testNodeNumOfDevices")?;
        Ok(names(c, cap).len() as i32)
    });
    a.node_list_devices = Some(|c, cap, flags| {
        unsupported_flags(flags, 0, "testNodeListDevices")?;
        Ok(names(c, cap))
    });
    a.connect_list_all_node_devices = Some(|c, flags| {
        let all = (1u32 << CAP_FLAGS.len()) - 1;
        unsupported_flags(flags, all, "testConnectListAllNodeDevices")?;
        let wanted: Vec<&str> =
            CAP_FLAGS.iter().enumerate().filter(|(i, _)| flags & (1 << i) != 0).map(|(_, n)| *n).collect();
        let g = st(c).nodedevs.lock();
        Ok(g.devs
            .iter()
            .filter(|o| wanted.is_empty() || wanted.iter().any(|cap| o.def.has_cap(cap)))
            .map(|o| handle(c, &o.def))
            .collect())
    });
    a.node_device_lookup_by_name = Some(|c, name| {
        let g = st(c).nodedevs.lock();
        g.devs.iter().find(|o| o.def.name == name).map(|o| handle(c, &o.def)).ok_or_else(|| no_device(name))
    });
    a.node_device_get_xml_desc = Some(|d, flags| {
        unsupported_flags(flags, 0, "testNodeDeviceGetXMLDesc")?;
        with_dev(d, |o| Ok(o.def.format()))
    });
    a.node_device_num_of_caps = Some(|d| with_dev(d, |o| Ok(o.def.caps.len() as i32)));
    a.node_device_list_caps = Some(|d| with_dev(d, |o| Ok(o.def.caps.iter().map(|c| c.name().to_string()).collect())));
    a.node_device_create_xml = Some(create);
    a.node_device_destroy = Some(destroy);
    t.host.node_device_get_parent = Some(|d| {
        with_dev(d, |o| {
            o.def.parent.clone().ok_or_else(|| Error::internal("no parent for this device").from_domain(VIR_FROM_TEST))
        })
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queues_created_and_deleted_for_virtual_hbas() {
        crate::initialize();
        let c = Connect::open(Some("test:///default"), false, 0).unwrap();
        st(&c).events.record();
        let xml = "<device><parent>scsi_host1</parent><capability type='scsi_host'><capability type='fc_host'>\
                   <wwnn>2000000012345678</wwnn><wwpn>1000000012345678</wwpn></capability></capability></device>";
        let d = create(&c, xml, 0).unwrap();
        destroy(&d).unwrap();
        let seen: Vec<i32> = st(&c)
            .events
            .drain()
            .into_iter()
            .filter_map(|e| match e {
                Event::NodeDeviceLifecycle { device, event, .. } if device.name == VPORT_NAME => Some(event),
                _ => None,
            })
            .collect();
        assert_eq!(seen, vec![VIR_NODE_DEVICE_EVENT_CREATED, VIR_NODE_DEVICE_EVENT_DELETED]);
    }
}
