//! The test driver's in-memory host.

use super::domain_state::DomainStore;
use crate::core::events::EventQueue;
use parking_lot::Mutex;
use std::sync::{Arc, Weak};

/// One test host. Each object family keeps its own state behind its own
/// lock; `events` is where state changes are announced.
#[allow(dead_code)] // families are filled in one by one
pub struct TestState {
    pub domains: Mutex<DomainStore>,
    pub networks: Mutex<super::network::NetworkState>,
    pub interfaces: Mutex<super::interface::InterfaceState>,
    pub nodedevs: Mutex<super::nodedev::NodeDevState>,
    pub storage: Mutex<super::storage::StorageState>,
    pub events: EventQueue,
    pub host: super::host::HostInfo,
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
        let events = EventQueue::new();
        let s = Arc::new(TestState {
            domains: Mutex::new(DomainStore::new(events.clone())),
            networks: Default::default(),
            interfaces: Default::default(),
            nodedevs: Default::default(),
            storage: Default::default(),
            events,
            host: Default::default(),
        });
        super::domain::load_default(&mut s.domains.lock(), DEFAULT_DOMAIN_XML);
        *g = Arc::downgrade(&s);
        s
    }
}

/// A plausible, increasing CPU time for running test domains.
pub fn cpu_time() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
}
