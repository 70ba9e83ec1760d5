//! The test host's domains: one object per domain (its running and
//! persistent definitions plus runtime state), indexed by UUID, name and
//! id so that lookups stay cheap with many domains.

use super::moments::DomMoments;
use crate::conf::domain::{DomainDef, FormatOpts};
use crate::core::error::{Error, Result};
use crate::core::events::{Event, EventQueue, Subject};
use crate::core::uuid::{self, Uuid};
use crate::generated::consts::*;
use crate::util::memory;
use std::collections::BTreeMap;

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
    /// Snapshots and checkpoints (`snapshots.rs`, `checkpoints.rs`),
    /// made on first use: most domains never have any.
    moments: Option<Box<DomMoments>>,
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
            moments: None,
        }
    }

    pub fn moments(&self) -> &DomMoments {
        static NONE: DomMoments = DomMoments::NONE;
        self.moments.as_deref().unwrap_or(&NONE)
    }

    pub fn moments_mut(&mut self) -> &mut DomMoments {
        self.moments.get_or_insert_with(Default::default)
    }

    pub fn active(&self) -> bool {
        self.id != -1
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

/// A domain's name stored inline when short, so that the name index and
/// the identity table need no separate allocation to compare or copy it.
#[derive(Clone)]
enum Name {
    Inline(u8, [u8; INLINE_NAME]),
    Heap(Box<str>),
}

const INLINE_NAME: usize = 30;

impl Name {
    fn new(s: &str) -> Name {
        if s.len() <= INLINE_NAME {
            let mut b = [0u8; INLINE_NAME];
            b[..s.len()].copy_from_slice(s.as_bytes());
            Name::Inline(s.len() as u8, b)
        } else {
            Name::Heap(s.into())
        }
    }

    fn as_str(&self) -> &str {
        match self {
            // built from a &str cut at its own length, so always UTF-8
            Name::Inline(n, b) => std::str::from_utf8(&b[..*n as usize]).unwrap_or_default(),
            Name::Heap(s) => s,
        }
    }
}

/// What a lookup or a listing hands out (name, UUID, id), kept apart from
/// the large definitions: those calls never touch a definition.
#[derive(Clone)]
pub struct Ident {
    pub uuid: Uuid,
    pub id: i32,
    name: Name,
}

impl Ident {
    pub fn name(&self) -> &str {
        self.name.as_str()
    }
}

impl Default for Ident {
    fn default() -> Ident {
        Ident { uuid: [0; 16], id: -1, name: Name::Inline(0, [0; INLINE_NAME]) }
    }
}

// one cache line per identity in the dense table
#[repr(align(64))]
struct Slot {
    ident: Ident,
}

const EMPTY: u32 = u32::MAX;

/// One bucket of an [`Index`]: the slot number, 32 bits of the key's hash
/// (which also place it) and a copy of the domain's identity, all in one
/// cache line, so that a lookup by name or UUID reads a single line of
/// memory however many domains there are.
#[repr(align(64))]
#[derive(Clone)]
struct Bucket<T> {
    item: T,
    slot: u32,
    tag: u32,
}

/// A hash index of slot numbers: open addressing with linear probing, at
/// most 7/8 full, back-shift removal (no tombstones). The high load keeps
/// the table of a 100k-domain host at 8 MiB, small enough to stay in the
/// last-level cache, which matters more here than the longer probe runs
/// (neighbouring buckets, so mostly the same or the next cache line).
struct Index<T> {
    /// The buckets, from `skip` on (see [`memory::filled`]).
    buf: Vec<Bucket<T>>,
    skip: usize,
    len: usize,
}

impl<T> Default for Index<T> {
    fn default() -> Self {
        Index { buf: Vec::new(), skip: 0, len: 0 }
    }
}

impl<T: Clone + Default> Index<T> {
    fn buckets(&self) -> &[Bucket<T>] {
        &self.buf[self.skip..]
    }

    fn buckets_mut(&mut self) -> &mut [Bucket<T>] {
        &mut self.buf[self.skip..]
    }

    fn mask(&self) -> usize {
        self.buckets().len().wrapping_sub(1)
    }

    /// The bucket whose hash is `h` and whose item `is` accepts.
    fn find(&self, h: u32, is: impl Fn(&T) -> bool) -> Option<&Bucket<T>> {
        let (buckets, mask) = (self.buckets(), self.mask());
        if buckets.is_empty() {
            return None;
        }
        let mut b = h as usize & mask;
        loop {
            let bucket = &buckets[b];
            if bucket.slot == EMPTY {
                return None;
            }
            if bucket.tag == h && is(&bucket.item) {
                return Some(bucket);
            }
            b = (b + 1) & mask;
        }
    }

    /// Adds a slot whose key is not in the index yet.
    fn insert(&mut self, h: u32, slot: u32, item: T) {
        let size = self.buckets().len();
        if (self.len + 1) * 8 > size * 7 {
            let empty = Bucket { item: T::default(), slot: EMPTY, tag: 0 };
            let (buf, skip) = memory::filled((size * 2).max(16), empty);
            let old = std::mem::replace(self, Index { buf, skip, len: self.len });
            for b in old.buf.into_iter().skip(old.skip).filter(|b| b.slot != EMPTY) {
                self.place(b);
            }
        }
        self.place(Bucket { item, slot, tag: h });
        self.len += 1;
    }

    fn place(&mut self, bucket: Bucket<T>) {
        let mask = self.mask();
        let buckets = self.buckets_mut();
        let mut b = bucket.tag as usize & mask;
        while buckets[b].slot != EMPTY {
            b = (b + 1) & mask;
        }
        buckets[b] = bucket;
    }

    fn position(&self, h: u32, slot: u32) -> Option<usize> {
        let (buckets, mask) = (self.buckets(), self.mask());
        let mut b = h as usize & mask;
        loop {
            match buckets.get(b)?.slot {
                EMPTY => return None,
                s if s == slot => return Some(b),
                _ => b = (b + 1) & mask,
            }
        }
    }

    /// The item of slot number `slot` (hash `h`), to change it in place.
    fn item_mut(&mut self, h: u32, slot: u32) -> Option<&mut T> {
        let b = self.position(h, slot)?;
        Some(&mut self.buckets_mut()[b].item)
    }

    /// Removes slot number `slot` (hash `h`), shifting back the entries
    /// that probed past it so that no tombstone is needed.
    fn remove(&mut self, h: u32, slot: u32) {
        let Some(mut hole) = self.position(h, slot) else { return };
        let mask = self.mask();
        let buckets = self.buckets_mut();
        let mut k = hole;
        loop {
            k = (k + 1) & mask;
            if buckets[k].slot == EMPTY {
                break;
            }
            let home = buckets[k].tag as usize & mask;
            // the entry may fill the hole if the hole lies on its probe path
            if (k.wrapping_sub(home) & mask) >= (k.wrapping_sub(hole) & mask) {
                // the removed bucket moves along and is emptied at the end
                buckets.swap(hole, k);
                hole = k;
            }
        }
        buckets[hole] = Bucket { item: T::default(), slot: EMPTY, tag: 0 };
        self.len -= 1;
    }

    /// Renumbers a slot (the table moved it).
    fn renumber(&mut self, h: u32, from: u32, to: u32) {
        if let Some(b) = self.position(h, from) {
            self.buckets_mut()[b].slot = to;
        }
    }
}

/// All domains of one host: a dense table of identities and, in the same
/// order, a dense table of objects (listings walk these), indexed by UUID,
/// name and running id. The UUID and name indexes keep their own copy of
/// each identity, so a lookup that only builds a handle reads one bucket.
pub struct DomainStore {
    slots: Vec<Slot>,
    objs: Vec<DomObj>,
    hasher: std::collections::hash_map::RandomState,
    by_uuid: Index<Ident>,
    by_name: Index<Ident>,
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
        DomainStore {
            slots: Vec::new(),
            objs: Vec::new(),
            hasher: Default::default(),
            by_uuid: Index::default(),
            by_name: Index::default(),
            by_id: BTreeMap::new(),
            next_id: 1,
            events,
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &DomObj> {
        self.objs.iter()
    }

    /// Every domain's identity with its object (read only when needed).
    pub fn entries(&self) -> impl Iterator<Item = (&Ident, &DomObj)> {
        self.slots.iter().map(|s| &s.ident).zip(&self.objs)
    }

    /// Running domains in id order.
    pub fn active_ids(&self) -> impl Iterator<Item = i32> + '_ {
        self.by_id.keys().copied()
    }

    fn hash(&self, key: &[u8]) -> u32 {
        use std::hash::BuildHasher;
        self.hasher.hash_one(key) as u32
    }

    fn bucket_uuid(&self, u: &Uuid) -> Option<&Bucket<Ident>> {
        self.by_uuid.find(self.hash(u), |i| i.uuid == *u)
    }

    fn bucket_name(&self, name: &str) -> Option<&Bucket<Ident>> {
        self.by_name.find(self.hash(name.as_bytes()), |i| i.name() == name)
    }

    fn find_uuid(&self, u: &Uuid) -> Option<usize> {
        self.bucket_uuid(u).map(|b| b.slot as usize)
    }

    fn find_name(&self, name: &str) -> Option<usize> {
        self.bucket_name(name).map(|b| b.slot as usize)
    }

    pub fn get(&self, u: &Uuid) -> Option<&DomObj> {
        self.find_uuid(u).map(|i| &self.objs[i])
    }

    pub fn get_mut(&mut self, u: &Uuid) -> Option<&mut DomObj> {
        let i = self.find_uuid(u)?;
        Some(&mut self.objs[i])
    }

    pub fn by_name(&self, name: &str) -> Option<&DomObj> {
        self.find_name(name).map(|i| &self.objs[i])
    }

    pub fn ident(&self, u: &Uuid) -> Option<&Ident> {
        self.bucket_uuid(u).map(|b| &b.item)
    }

    pub fn ident_by_name(&self, name: &str) -> Option<&Ident> {
        self.bucket_name(name).map(|b| &b.item)
    }

    pub fn ident_by_id(&self, id: i32) -> Option<&Ident> {
        self.by_id.get(&id).and_then(|u| self.ident(u))
    }

    pub fn take_id(&mut self) -> i32 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Keeps the id index in step after `f` changes a domain.
    pub fn update<T>(&mut self, u: &Uuid, f: impl FnOnce(&mut DomObj) -> T) -> Option<T> {
        let i = self.find_uuid(u)?;
        let obj = &mut self.objs[i];
        let old_id = obj.id;
        let r = f(obj);
        let new_id = obj.id;
        if old_id != new_id {
            self.slots[i].ident.id = new_id;
            let (hu, hn) = (self.hash(u), self.hash(self.slots[i].ident.name().as_bytes()));
            for (index, h) in [(&mut self.by_uuid, hu), (&mut self.by_name, hn)] {
                if let Some(copy) = index.item_mut(h, i as u32) {
                    copy.id = new_id;
                }
            }
            if old_id >= 0 {
                self.by_id.remove(&old_id);
            }
            if new_id >= 0 {
                self.by_id.insert(new_id, *u);
            }
        }
        Some(r)
    }

    pub fn remove(&mut self, u: &Uuid) -> Option<DomObj> {
        let i = self.find_uuid(u)?;
        let (hu, hn) = (self.hash(u), self.hash(self.slots[i].ident.name().as_bytes()));
        self.by_uuid.remove(hu, i as u32);
        self.by_name.remove(hn, i as u32);
        self.slots.swap_remove(i);
        let obj = self.objs.swap_remove(i);
        if obj.id >= 0 {
            self.by_id.remove(&obj.id);
        }
        if let Some(moved) = self.slots.get(i) {
            // the last slot took the removed one's place
            let (hu, hn) = (self.hash(&moved.ident.uuid), self.hash(moved.ident.name().as_bytes()));
            let last = self.slots.len() as u32;
            self.by_uuid.renumber(hu, last, i as u32);
            self.by_name.renumber(hn, last, i as u32);
        }
        Some(obj)
    }

    /// Renames a domain in the name index.
    pub fn rename(&mut self, u: &Uuid, new_name: &str) {
        let Some(i) = self.find_uuid(u) else { return };
        let (old, new) = (self.hash(self.slots[i].ident.name().as_bytes()), self.hash(new_name.as_bytes()));
        self.by_name.remove(old, i as u32);
        let obj = &mut self.objs[i];
        obj.def.name = new_name.to_string();
        if let Some(n) = obj.new_def.as_mut() {
            n.name = new_name.to_string();
        }
        let name = Name::new(new_name);
        if let Some(copy) = self.by_uuid.item_mut(self.hash(u), i as u32) {
            copy.name = name.clone();
        }
        self.slots[i].ident.name = name;
        self.by_name.insert(new, i as u32, self.slots[i].ident.clone());
    }

    /// Adds a definition as libvirt's domain list does: a new domain, or
    /// the definition of the domain with the same UUID and name. `live`
    /// makes it the running definition (creation); `check_live` refuses a
    /// domain already running or starting.
    pub fn add(&mut self, mut def: DomainDef, live: bool, check_live: bool) -> Result<(Uuid, Added)> {
        def.shrink_to_fit();
        let u = def.uuid;
        if let Some(vm) = self.get_mut(&u) {
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
        if let Some(other) = self.ident_by_name(&def.name) {
            return Err(failed(format!(
                "domain '{}' already exists with uuid {}",
                def.name,
                uuid::format(&other.uuid)
            )));
        }
        let i = self.slots.len() as u32;
        let ident = Ident { uuid: u, id: -1, name: Name::new(&def.name) };
        let (hu, hn) = (self.hash(&u), self.hash(def.name.as_bytes()));
        self.by_name.insert(hn, i, ident.clone());
        self.by_uuid.insert(hu, i, ident.clone());
        memory::reserve_one(&mut self.slots);
        memory::reserve_one(&mut self.objs);
        self.slots.push(Slot { ident });
        self.objs.push(DomObj::new(def));
        Ok((u, Added::New))
    }

    pub fn emit(&self, obj: &DomObj, event: i32, detail: i32) {
        self.announce(obj.subject(), event, detail);
    }

    /// Queues a lifecycle event about `domain`.
    pub fn announce(&self, domain: Subject, event: i32, detail: i32) {
        self.events.queue(Event::DomainLifecycle { domain, event, detail });
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
    fn the_index_agrees_with_a_map_through_inserts_and_removals() {
        let mut idx = Index::<u32>::default();
        let mut live: Vec<(u32, u32)> = Vec::new();
        // few distinct hashes: long probe runs, wrapping and back shifts
        let hash = |k: u32| k.wrapping_mul(2_654_435_761) >> 26;
        for k in 0..2000u32 {
            idx.insert(hash(k), k, k);
            live.push((hash(k), k));
            if k % 3 == 0 {
                let (h, s) = live.swap_remove((k as usize * 7) % live.len());
                idx.remove(h, s);
            }
        }
        assert_eq!(idx.len, live.len());
        for &(h, s) in &live {
            assert_eq!(idx.find(h, |x| *x == s).map(|b| b.slot), Some(s));
        }
        assert!(idx.find(hash(1), |_| false).is_none());
    }

    #[test]
    fn a_large_index_finds_every_key_after_removals() {
        let mut idx = Index::<u32>::default();
        let hash = |k: u32| k.wrapping_mul(2_654_435_761);
        let n = memory::HUGE_FROM as u32 * 2;
        (0..n).for_each(|k| idx.insert(hash(k), k, k));
        (0..n).step_by(5).for_each(|k| idx.remove(hash(k), k));
        for k in 0..n {
            assert_eq!(idx.find(hash(k), |x| *x == k).map(|b| b.slot), (k % 5 != 0).then_some(k));
        }
    }

    #[test]
    fn removal_keeps_the_other_domains_reachable() {
        let mut s = DomainStore::new(EventQueue::new());
        let long = "a-domain-name-longer-than-the-inline-buffer";
        let names = ["d1", "d2", long];
        let us: Vec<Uuid> = (0..3).map(|n| s.add(def(names[n], n as u8), false, false).unwrap().0).collect();
        s.remove(&us[0]);
        for n in 1..3 {
            assert_eq!(s.ident(&us[n]).map(|i| i.name().to_string()), Some(names[n].to_string()));
            assert_eq!(s.by_name(names[n]).map(|o| o.def.uuid), Some(us[n]));
        }
        assert!(s.ident_by_name("d1").is_none() && s.iter().count() == 2);
    }

    #[test]
    fn indexes_follow_adds_starts_and_removals() {
        let mut s = DomainStore::new(EventQueue::new());
        let (u, _) = s.add(def("a", 1), false, false).unwrap();
        assert!(s.by_name("a").is_some() && s.ident_by_id(1).is_none());
        let id = s.take_id();
        s.update(&u, |o| {
            o.persistent = true;
            o.start(id, VIR_DOMAIN_RUNNING_BOOTED)
        });
        assert_eq!(s.ident_by_id(id).map(|i| i.name().to_string()), Some("a".into()));
        // the indexes' copies of the identity follow the id
        assert_eq!((s.ident(&u).map(|i| i.id), s.ident_by_name("a").map(|i| i.id)), (Some(id), Some(id)));
        s.update(&u, |o| o.stop(VIR_DOMAIN_SHUTOFF_DESTROYED));
        assert!(s.active_ids().next().is_none());
        let e = s.add(def("a", 2), false, false).unwrap_err();
        assert_eq!(e.code, VIR_ERR_OPERATION_FAILED);
        s.rename(&u, "b");
        assert!(s.by_name("a").is_none() && s.by_name("b").is_some());
        assert_eq!(s.ident(&u).map(|i| (i.name().to_string(), i.id)), Some(("b".into(), -1)));
        assert_eq!(s.ident_by_name("b").map(|i| i.uuid), Some(u));
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
