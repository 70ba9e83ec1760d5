//! The parts of a domain definition most domains leave out, kept behind
//! one pointer that stays empty until one of them is set: a small
//! definition then costs a few hundred bytes instead of a kilobyte.
//! `DomainDef` dereferences to them, so `def.title` reads as a field.

use super::cpu::{Cpu, SecLabel};
use super::general::{IoThreads, MemTune, NumaTune};
use super::rawxml::RawElem;
use super::tree::{self, Elem};
use std::ops::{Deref, DerefMut};

#[derive(Clone, Debug, PartialEq)]
pub struct DomainExtras {
    pub genid: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub metadata: Vec<RawElem>,
    /// `<maxMemory>`: size in KiB and slots.
    pub max_memory: Option<(u64, u32)>,
    pub dump_core: Option<String>,
    pub blkiotune: Option<Box<Elem>>,
    pub memtune: MemTune,
    pub memory_backing: Option<Box<Elem>>,
    pub vcpus: Option<Box<Elem>>,
    pub iothreads: IoThreads,
    pub cputune: Option<Box<Elem>>,
    pub numatune: Option<Box<NumaTune>>,
    pub resource: Option<Box<Elem>>,
    pub sysinfo: Vec<Elem>,
    pub bootloader: Option<String>,
    pub bootloader_args: Option<String>,
    pub idmap: Option<Box<Elem>>,
    pub features: Option<Box<Elem>>,
    pub cpu: Option<Box<Cpu>>,
    pub pm: Option<Box<Elem>>,
    pub perf: Vec<(String, bool)>,
    pub seclabels: Vec<SecLabel>,
    pub keywrap: Option<Box<Elem>>,
    pub launch_security: Option<Box<Elem>>,
}

impl DomainExtras {
    /// None of the parts: what a definition without them reads.
    pub const NONE: DomainExtras = DomainExtras {
        genid: None,
        title: None,
        description: None,
        metadata: Vec::new(),
        max_memory: None,
        dump_core: None,
        blkiotune: None,
        memtune: MemTune { hard_limit: None, soft_limit: None, min_guarantee: None, swap_hard_limit: None },
        memory_backing: None,
        vcpus: None,
        iothreads: IoThreads { ids: Vec::new(), explicit: false, pools: Vec::new(), default_pool: None },
        cputune: None,
        numatune: None,
        resource: None,
        sysinfo: Vec::new(),
        bootloader: None,
        bootloader_args: None,
        idmap: None,
        features: None,
        cpu: None,
        pm: None,
        perf: Vec::new(),
        seclabels: Vec::new(),
        keywrap: None,
        launch_security: None,
    };

    fn shrink_to_fit(&mut self) {
        let boxed = [
            &mut self.blkiotune,
            &mut self.memory_backing,
            &mut self.vcpus,
            &mut self.cputune,
            &mut self.resource,
            &mut self.idmap,
            &mut self.features,
            &mut self.pm,
            &mut self.keywrap,
            &mut self.launch_security,
        ];
        boxed.into_iter().flatten().for_each(|e| e.shrink_to_fit());
        tree::shrink_elems(&mut self.sysinfo);
        self.metadata.shrink_to_fit();
        self.perf.shrink_to_fit();
        self.seclabels.shrink_to_fit();
        self.iothreads.ids.shrink_to_fit();
    }
}

static NONE: DomainExtras = DomainExtras::NONE;

/// A definition's [`DomainExtras`], allocated on the first write.
#[derive(Clone, Debug, Default)]
pub struct Extras(Option<Box<DomainExtras>>);

impl Extras {
    pub fn new(e: DomainExtras) -> Extras {
        let mut x = Extras(Some(Box::new(e)));
        x.shrink_to_fit();
        x
    }

    /// Gives back spare capacity, and the allocation itself when every
    /// part is empty again.
    pub fn shrink_to_fit(&mut self) {
        match self.0.as_deref_mut() {
            Some(e) if *e == NONE => self.0 = None,
            Some(e) => e.shrink_to_fit(),
            None => {}
        }
    }
}

impl Deref for Extras {
    type Target = DomainExtras;
    fn deref(&self) -> &DomainExtras {
        self.0.as_deref().unwrap_or(&NONE)
    }
}

impl DerefMut for Extras {
    fn deref_mut(&mut self) -> &mut DomainExtras {
        self.0.get_or_insert_with(|| Box::new(DomainExtras::NONE))
    }
}

impl PartialEq for Extras {
    fn eq(&self, other: &Extras) -> bool {
        **self == **other
    }
}
