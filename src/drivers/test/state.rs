//! The test driver's in-memory host.

use crate::core::error::{Error, Result};
use crate::core::events::EventQueue;
use crate::core::uuid::{self, Uuid};
use crate::generated::consts::*;
use parking_lot::Mutex;
use std::sync::{Arc, Weak};

pub struct DomState {
    pub name: String,
    pub uuid: Uuid,
    pub id: i32,
    pub state: (i32, i32),
    pub persistent: bool,
    pub autostart: bool,
    pub max_mem_kib: u64,
    pub cur_mem_kib: u64,
    pub vcpus: u32,
    pub os_type: String,
    /// The definition as given, until `conf/` formats domains itself.
    pub xml: String,
}

/// What names a domain: enough to hand out a [`crate::core::Domain`].
pub struct Ident {
    pub name: String,
    pub uuid: Uuid,
    pub id: i32,
}

impl DomState {
    pub fn ident(&self) -> Ident {
        Ident { name: self.name.clone(), uuid: self.uuid, id: self.id }
    }

    /// `virConnectListAllDomains` filter groups: a group with no bit set
    /// accepts everything.
    pub fn matches(&self, flags: u32) -> bool {
        let active = self.id >= 0;
        let group = |bits: &[(i32, bool)]| {
            let any = bits.iter().any(|(b, _)| flags & *b as u32 != 0);
            !any || bits.iter().any(|(b, ok)| flags & *b as u32 != 0 && *ok)
        };
        group(&[(VIR_CONNECT_LIST_DOMAINS_ACTIVE, active), (VIR_CONNECT_LIST_DOMAINS_INACTIVE, !active)])
            && group(&[
                (VIR_CONNECT_LIST_DOMAINS_PERSISTENT, self.persistent),
                (VIR_CONNECT_LIST_DOMAINS_TRANSIENT, !self.persistent),
            ])
            && group(&[
                (VIR_CONNECT_LIST_DOMAINS_RUNNING, self.state.0 == VIR_DOMAIN_RUNNING),
                (VIR_CONNECT_LIST_DOMAINS_PAUSED, self.state.0 == VIR_DOMAIN_PAUSED),
                (VIR_CONNECT_LIST_DOMAINS_SHUTOFF, self.state.0 == VIR_DOMAIN_SHUTOFF),
                (
                    VIR_CONNECT_LIST_DOMAINS_OTHER,
                    ![VIR_DOMAIN_RUNNING, VIR_DOMAIN_PAUSED, VIR_DOMAIN_SHUTOFF].contains(&self.state.0),
                ),
            ])
            && group(&[
                (VIR_CONNECT_LIST_DOMAINS_AUTOSTART, self.autostart),
                (VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART, !self.autostart),
            ])
    }

    pub fn format_xml(&self, inactive: bool) -> String {
        let id = if self.id >= 0 && !inactive { format!(" id='{}'", self.id) } else { String::new() };
        match self.xml.find("<domain") {
            Some(start) => {
                let body = &self.xml[start..];
                let head_end = body.find('>').unwrap_or(0);
                let head = &body[..head_end];
                let head = strip_attr(head, "id");
                format!("{head}{id}{}", &body[head_end..])
            }
            None => self.xml.clone(),
        }
    }
}

fn strip_attr(head: &str, attr: &str) -> String {
    let pat = format!(" {attr}='");
    match head.find(&pat) {
        Some(i) => {
            let rest = &head[i + pat.len()..];
            let end = rest.find('\'').map(|e| e + 1).unwrap_or(rest.len());
            format!("{}{}", &head[..i], &rest[end..])
        }
        None => head.to_string(),
    }
}

/// One test host. Each object family keeps its own state behind its own
/// lock; `events` is where state changes are announced.
#[allow(dead_code)] // families are filled in one by one
pub struct TestState {
    pub domains: Mutex<Vec<DomState>>,
    next_id: Mutex<i32>,
    pub networks: Mutex<super::network::NetworkState>,
    pub interfaces: Mutex<super::interface::InterfaceState>,
    pub nodedevs: Mutex<super::nodedev::NodeDevState>,
    pub storage: Mutex<super::storage::StorageState>,
    pub events: EventQueue,
}

static DEFAULT: Mutex<Weak<TestState>> = Mutex::new(Weak::new());

const DEFAULT_DOMAIN_XML: &str = "<domain type='test'>
  <name>test</name>
  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>
  <memory unit='KiB'>8388608</memory>
  <currentMemory unit='KiB'>2097152</currentMemory>
  <vcpu placement='static'>2</vcpu>
  <os>
    <type arch='i686'>hvm</type>
    <boot dev='hd'/>
  </os>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <source file='/guest/diskimage1'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
    </disk>
    <interface type='network'>
      <mac address='aa:bb:cc:dd:ee:ff'/>
      <source network='default'/>
      <target dev='testnet0'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
    </interface>
    <memballoon model='virtio'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
    </memballoon>
  </devices>
</domain>
";

impl TestState {
    /// The default host, shared by all connections open at the same time.
    pub fn shared_default() -> Arc<TestState> {
        let mut g = DEFAULT.lock();
        if let Some(s) = g.upgrade() {
            return s;
        }
        let s = Arc::new(TestState {
            domains: Mutex::new(Vec::new()),
            next_id: Mutex::new(1),
            networks: Default::default(),
            interfaces: Default::default(),
            nodedevs: Default::default(),
            storage: Default::default(),
            events: EventQueue::new(),
        });
        let d = s.define(DEFAULT_DOMAIN_XML, true).expect("built-in domain");
        debug_assert_eq!(d.id, 1);
        // the built-in domain is both running and defined
        s.domains.lock().iter_mut().for_each(|x| x.persistent = true);
        *g = Arc::downgrade(&s);
        s
    }

    pub fn next_id(&self) -> i32 {
        let mut n = self.next_id.lock();
        let id = *n;
        *n += 1;
        id
    }

    /// Adds or replaces a domain from XML; `start` makes it run (transient
    /// if new). Returns the identity of the resulting domain.
    pub fn define(&self, xml: &str, start: bool) -> Result<Ident> {
        let doc = roxmltree::Document::parse(xml).map_err(|e| {
            Error::with_detail(VIR_FROM_XML, VIR_ERR_XML_ERROR, format!("(domain_definition):{}: {}", e.pos().row, e))
        })?;
        let root = doc.root_element();
        if root.tag_name().name() != "domain" {
            return Err(Error::with_detail(
                VIR_FROM_DOMAIN,
                VIR_ERR_XML_ERROR,
                format!("unexpected root element <{}>, expecting <domain>", root.tag_name().name()),
            ));
        }
        let child = |n: &str| root.children().find(|c| c.has_tag_name(n));
        let text = |n: &str| child(n).and_then(|c| c.text()).map(|t| t.trim().to_string());
        let name = text("name").ok_or_else(|| Error::new(VIR_FROM_DOMAIN, VIR_ERR_NO_NAME, None))?;
        let uuid = match text("uuid") {
            Some(u) => uuid::parse(&u)
                .ok_or_else(|| Error::with_detail(VIR_FROM_DOMAIN, VIR_ERR_INTERNAL_ERROR, "malformed uuid element"))?,
            None => uuid::generate(),
        };
        let mem = text("memory").and_then(|m| m.parse::<u64>().ok()).unwrap_or(0);
        let cur = text("currentMemory").and_then(|m| m.parse::<u64>().ok()).unwrap_or(mem);
        let vcpus = text("vcpu").and_then(|m| m.parse::<u32>().ok()).unwrap_or(1);
        // the test driver reports full virtualization as "linux"
        let os_type =
            match child("os").and_then(|o| o.children().find(|c| c.has_tag_name("type"))).and_then(|t| t.text()) {
                Some(t) if t.trim() != "hvm" => t.trim().to_string(),
                _ => "linux".to_string(),
            };
        let mut doms = self.domains.lock();
        if let Some(existing) = doms.iter().find(|d| d.name == name && d.uuid != uuid) {
            return Err(Error::with_detail(
                VIR_FROM_TEST,
                VIR_ERR_OPERATION_FAILED,
                format!("domain '{}' is already defined with uuid {}", existing.name, uuid::format(&existing.uuid)),
            ));
        }
        let id = if start { self.next_id() } else { -1 };
        let new = DomState {
            name,
            uuid,
            id,
            state: if start { (VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_BOOTED) } else { (VIR_DOMAIN_SHUTOFF, 0) },
            persistent: !start,
            autostart: false,
            max_mem_kib: mem,
            cur_mem_kib: cur,
            vcpus,
            os_type,
            xml: xml.to_string(),
        };
        if let Some(slot) = doms.iter_mut().find(|d| d.uuid == uuid) {
            let keep = (slot.id, slot.state, slot.autostart);
            *slot = new;
            if !start {
                slot.id = keep.0;
                slot.state = keep.1;
                slot.autostart = keep.2;
                slot.persistent = true;
            }
            return Ok(slot.ident());
        }
        let ident = new.ident();
        doms.push(new);
        Ok(ident)
    }
}

/// A plausible, increasing CPU time for running test domains.
pub fn cpu_time() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
}
