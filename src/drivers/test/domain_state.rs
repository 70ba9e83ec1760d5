//! The test host's domains: one object per domain (its running and
//! persistent definitions plus runtime state), indexed by UUID, name and
//! id so that lookups stay cheap with many domains.

use crate::conf::domain::{DomainDef, FormatOpts};
use crate::core::error::{Error, Result};
use crate::core::events::{Event, EventQueue, Subject};
use crate::core::uuid::{self, Uuid};
use crate::generated::consts::*;
use std::collections::{BTreeMap, HashMap};

/// One domain of the test host.
#[derive(Clone)]
pub struct DomObj {
    /// The running definition, or the only one of an inactive domain.
    pub def: DomainDef,
    /// The persistent definition kept aside while a persistent domain runs.
    pub new_def: Option<Box<DomainDef>>,
    /// The id the running definition carries (-1 when inactive).
    pub id: i32,
    pub state: i32,
    pub reason: i32,
    pub persistent: bool,
    pub autostart: bool,
    pub managed_save: bool,
    /// Guest filesystems frozen ("/" and "/boot").
    pub frozen: [bool; 2],
    /// Guest clock for virDomainGetTime/SetTime.
    pub time: (i64, u32),
    /// Snapshots and checkpoints (`snapshots.rs`, `checkpoints.rs`).
    pub moments: super::moments::DomMoments,
}

impl DomObj {
    pub fn new(def: DomainDef) -> DomObj {
        DomObj {
            def,
            new_def: None,
            id: -1,
            state: VIR_DOMAIN_SHUTOFF,
            reason: VIR_DOMAIN_SHUTOFF_UNKNOWN,
            persistent: false,
            autostart: false,
            managed_save: false,
            frozen: [false, false],
            time: (627_319_920, 0),
            moments: Default::default(),
        }
    }

    pub fn active(&self) -> bool {
        self.id != -1
    }

    pub fn name(&self) -> &str {
        &self.def.name
    }

    pub fn uuid(&self) -> Uuid {
        self.def.uuid
    }

    pub fn subject(&self) -> Subject {
        Subject { name: self.def.name.clone(), uuid: self.def.uuid, id: self.id }
    }

    /// The persistent definition: set aside while running, else the one.
    pub fn persistent_def(&self) -> &DomainDef {
        self.new_def.as_deref().unwrap_or(&self.def)
    }

    pub fn persistent_def_mut(&mut self) -> &mut DomainDef {
        match self.new_def {
            Some(ref mut d) => d,
            None => &mut self.def,
        }
    }

    pub fn set_state(&mut self, state: i32, reason: i32) {
        self.state = state;
        self.reason = reason;
    }

    /// Starts running: a new id, and the persistent definition set aside.
    pub fn start(&mut self, id: i32, reason: i32) {
        self.set_state(VIR_DOMAIN_RUNNING, reason);
        self.id = id;
        if self.persistent && self.new_def.is_none() {
            self.new_def = Some(Box::new(self.def.clone()));
        }
        self.managed_save = false;
    }

    /// Stops: the persistent definition becomes the current one again.
    pub fn stop(&mut self, reason: i32) {
        if let Some(d) = self.new_def.take() {
            self.def = *d;
            self.id = -1;
        }
        self.set_state(VIR_DOMAIN_SHUTOFF, reason);
    }

    pub fn format(&self, flags: u32) -> String {
        let inactive = flags & VIR_DOMAIN_XML_INACTIVE as u32 != 0;
        let def = if inactive { self.persistent_def() } else { &self.def };
        let id = (!inactive).then_some(self.id).filter(|i| *i >= 0);
        def.format(FormatOpts { id, secure: flags & VIR_DOMAIN_XML_SECURE as u32 != 0 })
    }
}

/// How a definition was added ([`DomainStore::add`]).
#[derive(Debug)]
pub enum Added {
    New,
    Replaced,
}

/// All domains of one host.
pub struct DomainStore {
    // boxed: the table stays small and lookups touch little memory
    objs: HashMap<Uuid, Box<DomObj>>,
    by_name: HashMap<String, Uuid>,
    by_id: BTreeMap<i32, Uuid>,
    next_id: i32,
    pub events: EventQueue,
}

fn failed(msg: String) -> Error {
    Error::with_detail(VIR_FROM_DOMAIN, VIR_ERR_OPERATION_FAILED, msg)
}

fn invalid(msg: String) -> Error {
    Error::with_detail(VIR_FROM_DOMAIN, VIR_ERR_OPERATION_INVALID, msg)
}

impl DomainStore {
    pub fn new(events: EventQueue) -> DomainStore {
        DomainStore { objs: HashMap::new(), by_name: HashMap::new(), by_id: BTreeMap::new(), next_id: 1, events }
    }

    pub fn iter(&self) -> impl Iterator<Item = &DomObj> {
        self.objs.values().map(|b| &**b)
    }

    /// Running domains in id order.
    pub fn active_ids(&self) -> impl Iterator<Item = i32> + '_ {
        self.by_id.keys().copied()
    }

    pub fn get(&self, u: &Uuid) -> Option<&DomObj> {
        self.objs.get(u).map(|b| &**b)
    }

    pub fn get_mut(&mut self, u: &Uuid) -> Option<&mut DomObj> {
        self.objs.get_mut(u).map(|b| &mut **b)
    }

    pub fn by_name(&self, name: &str) -> Option<&DomObj> {
        self.by_name.get(name).and_then(|u| self.get(u))
    }

    pub fn by_id(&self, id: i32) -> Option<&DomObj> {
        self.by_id.get(&id).and_then(|u| self.get(u))
    }

    pub fn take_id(&mut self) -> i32 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Keeps the id index in step after `f` changes a domain.
    pub fn update<T>(&mut self, u: &Uuid, f: impl FnOnce(&mut DomObj) -> T) -> Option<T> {
        let obj = self.objs.get_mut(u)?;
        let old_id = obj.id;
        let r = f(obj);
        let new_id = obj.id;
        if old_id != new_id {
            if old_id >= 0 {
                self.by_id.remove(&old_id);
            }
            if new_id >= 0 {
                self.by_id.insert(new_id, *u);
            }
        }
        Some(r)
    }

    pub fn remove(&mut self, u: &Uuid) -> Option<Box<DomObj>> {
        let obj = self.objs.remove(u)?;
        self.by_name.remove(obj.name());
        if obj.id >= 0 {
            self.by_id.remove(&obj.id);
        }
        Some(obj)
    }

    /// Renames a domain in the name index.
    pub fn rename(&mut self, u: &Uuid, new_name: &str) {
        if let Some(obj) = self.objs.get_mut(u) {
            self.by_name.remove(&obj.def.name);
            obj.def.name = new_name.to_string();
            if let Some(n) = obj.new_def.as_mut() {
                n.name = new_name.to_string();
            }
            self.by_name.insert(new_name.to_string(), *u);
        }
    }

    /// Adds a definition as libvirt's domain list does: a new domain, or
    /// the definition of the domain with the same UUID and name. `live`
    /// makes it the running definition (creation); `check_live` refuses a
    /// domain already running or starting.
    pub fn add(&mut self, def: DomainDef, live: bool, check_live: bool) -> Result<(Uuid, Added)> {
        let u = def.uuid;
        if let Some(vm) = self.objs.get_mut(&u) {
            if vm.def.name != def.name {
                return Err(failed(format!(
                    "domain '{}' is already defined with uuid {}",
                    vm.def.name,
                    uuid::format(&u)
                )));
            }
            if check_live {
                if vm.active() {
                    return Err(invalid(format!("domain '{}' is already active", vm.def.name)));
                }
                if !vm.persistent {
                    return Err(invalid(format!("domain '{}' is already being started", vm.def.name)));
                }
            }
            let replaced;
            if vm.active() {
                replaced = vm.new_def.is_some();
                vm.new_def = Some(Box::new(def));
            } else if live {
                if vm.new_def.is_none() {
                    vm.new_def = Some(Box::new(std::mem::replace(&mut vm.def, def)));
                } else {
                    vm.def = def;
                }
                replaced = true;
            } else {
                vm.def = def;
                replaced = true;
            }
            return Ok((u, if replaced { Added::Replaced } else { Added::New }));
        }
        if let Some(other) = self.by_name(&def.name) {
            return Err(failed(format!(
                "domain '{}' already exists with uuid {}",
                def.name,
                uuid::format(&other.uuid())
            )));
        }
        self.by_name.insert(def.name.clone(), u);
        self.objs.insert(u, Box::new(DomObj::new(def)));
        Ok((u, Added::New))
    }

    pub fn emit(&self, obj: &DomObj, event: i32, detail: i32) {
        self.events.queue(Event::DomainLifecycle { domain: obj.subject(), event, detail });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(name: &str, n: u8) -> DomainDef {
        let xml = format!(
            "<domain type='test'><name>{name}</name><uuid>11111111-2222-3333-4444-5555555555{n:02x}</uuid>\
             <memory>1024</memory><os><type>hvm</type></os></domain>"
        );
        DomainDef::parse(&xml).unwrap()
    }

    #[test]
    fn indexes_follow_adds_starts_and_removals() {
        let mut s = DomainStore::new(EventQueue::new());
        let (u, _) = s.add(def("a", 1), false, false).unwrap();
        assert!(s.by_name("a").is_some() && s.by_id(1).is_none());
        let id = s.take_id();
        s.update(&u, |o| {
            o.persistent = true;
            o.start(id, VIR_DOMAIN_RUNNING_BOOTED)
        });
        assert_eq!(s.by_id(id).map(|o| o.name().to_string()), Some("a".into()));
        s.update(&u, |o| o.stop(VIR_DOMAIN_SHUTOFF_DESTROYED));
        assert!(s.active_ids().next().is_none());
        let e = s.add(def("a", 2), false, false).unwrap_err();
        assert_eq!(e.code, VIR_ERR_OPERATION_FAILED);
        s.rename(&u, "b");
        assert!(s.by_name("a").is_none() && s.by_name("b").is_some());
        s.remove(&u);
        assert!(s.by_name("b").is_none() && s.get(&u).is_none());
    }

    #[test]
    fn a_running_persistent_domain_keeps_its_config_aside() {
        let mut s = DomainStore::new(EventQueue::new());
        let (u, _) = s.add(def("a", 1), false, false).unwrap();
        s.update(&u, |o| {
            o.persistent = true;
            o.start(7, VIR_DOMAIN_RUNNING_BOOTED);
            o.def.current_memory = 512;
        });
        let o = s.get(&u).unwrap();
        assert_eq!((o.def.current_memory, o.persistent_def().current_memory), (512, 1024));
        assert!(o.format(0).starts_with("<domain type='test' id='7'>"));
        assert!(!o.format(VIR_DOMAIN_XML_INACTIVE as u32).contains("id="));
    }
}
