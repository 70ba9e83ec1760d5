//! Events drivers raise for the callbacks applications register
//! (`virConnect*EventRegister*`). A driver owns one [`EventQueue`] per
//! host it serves and queues events there as its state changes; delivery
//! to the registered callbacks runs from the event loop
//! ([`super::event_loop`]).
//!
//! Behaviour kept from libvirt: callback ids are counted per host (shared
//! by every connection to it and by every object family) from 0; a queue
//! with no callback registered drops what drivers queue; the first
//! registration adds a disabled timer to the loop (failing when no loop is
//! registered) and the last deregistration removes it; queuing an event
//! arms the timer, which delivers the queued events in order, each to the
//! matching callbacks in registration order. A callback removed while
//! events are being delivered is skipped and freed once delivery ends;
//! otherwise its free callback runs before the deregistration returns.

use super::connect::Connect;
use super::error::{Error, Result};
use super::event_loop::{self, FreeCallback};
use super::typed_params::TypedParam;
use super::uuid::Uuid;
use crate::generated::consts::*;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Weak};

/// What an event is about: enough to hand a new object handle to a callback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    pub name: String,
    pub uuid: Uuid,
    /// A running domain's id, -1 otherwise (and for other objects).
    pub id: i32,
}

/// One end of a graphics connection (`virDomainEventGraphicsAddress`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphicsAddress {
    pub family: i32,
    pub node: String,
    pub service: String,
}

/// One event, with the numbers libvirt's callbacks receive.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// `VIR_DOMAIN_EVENT_ID_LIFECYCLE`: a `virDomainEventType` and its detail.
    DomainLifecycle { domain: Subject, event: i32, detail: i32 },
    /// `VIR_DOMAIN_EVENT_ID_REBOOT`.
    DomainReboot { domain: Subject },
    /// `VIR_DOMAIN_EVENT_ID_RTC_CHANGE`.
    DomainRtcChange { domain: Subject, utc_offset: i64 },
    /// `VIR_DOMAIN_EVENT_ID_WATCHDOG`.
    DomainWatchdog { domain: Subject, action: i32 },
    /// `VIR_DOMAIN_EVENT_ID_IO_ERROR` and, with a reason,
    /// `VIR_DOMAIN_EVENT_ID_IO_ERROR_REASON` (one driver event serves both).
    DomainIoError { domain: Subject, src_path: String, dev_alias: String, action: i32, reason: String },
    /// `VIR_DOMAIN_EVENT_ID_GRAPHICS`.
    DomainGraphics {
        domain: Subject,
        phase: i32,
        local: GraphicsAddress,
        remote: GraphicsAddress,
        auth_scheme: String,
        /// `(type, name)` pairs of the subject.
        identities: Vec<(String, String)>,
    },
    /// `VIR_DOMAIN_EVENT_ID_CONTROL_ERROR`.
    DomainControlError { domain: Subject },
    /// `VIR_DOMAIN_EVENT_ID_BLOCK_JOB` (`disk` is the path) and
    /// `VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2` (`disk` is the target).
    DomainBlockJob { domain: Subject, disk: String, job_type: i32, status: i32, by_target: bool },
    /// `VIR_DOMAIN_EVENT_ID_DISK_CHANGE`.
    DomainDiskChange {
        domain: Subject,
        old_src: Option<String>,
        new_src: Option<String>,
        dev_alias: String,
        reason: i32,
    },
    /// `VIR_DOMAIN_EVENT_ID_TRAY_CHANGE`.
    DomainTrayChange { domain: Subject, dev_alias: String, reason: i32 },
    /// `VIR_DOMAIN_EVENT_ID_PMWAKEUP`.
    DomainPmWakeup { domain: Subject, reason: i32 },
    /// `VIR_DOMAIN_EVENT_ID_PMSUSPEND`.
    DomainPmSuspend { domain: Subject, reason: i32 },
    /// `VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE`.
    DomainBalloonChange { domain: Subject, actual_kib: u64 },
    /// `VIR_DOMAIN_EVENT_ID_PMSUSPEND_DISK`.
    DomainPmSuspendDisk { domain: Subject, reason: i32 },
    /// `VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED`.
    DomainDeviceRemoved { domain: Subject, dev_alias: String },
    /// `VIR_DOMAIN_EVENT_ID_TUNABLE`.
    DomainTunable { domain: Subject, params: Vec<TypedParam> },
    /// `VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE`.
    DomainAgentLifecycle { domain: Subject, state: i32, reason: i32 },
    /// `VIR_DOMAIN_EVENT_ID_DEVICE_ADDED`.
    DomainDeviceAdded { domain: Subject, dev_alias: String },
    /// `VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION`.
    DomainMigrationIteration { domain: Subject, iteration: i32 },
    /// `VIR_DOMAIN_EVENT_ID_JOB_COMPLETED`.
    DomainJobCompleted { domain: Subject, params: Vec<TypedParam> },
    /// `VIR_DOMAIN_EVENT_ID_DEVICE_REMOVAL_FAILED`.
    DomainDeviceRemovalFailed { domain: Subject, dev_alias: String },
    /// `VIR_DOMAIN_EVENT_ID_METADATA_CHANGE`.
    DomainMetadataChange { domain: Subject, kind: i32, nsuri: Option<String> },
    /// `VIR_DOMAIN_EVENT_ID_BLOCK_THRESHOLD`.
    DomainBlockThreshold { domain: Subject, dev: String, path: Option<String>, threshold: u64, excess: u64 },
    /// `VIR_DOMAIN_EVENT_ID_MEMORY_FAILURE`.
    DomainMemoryFailure { domain: Subject, recipient: i32, action: i32, flags: u32 },
    /// `VIR_DOMAIN_EVENT_ID_MEMORY_DEVICE_SIZE_CHANGE`.
    DomainMemoryDeviceSizeChange { domain: Subject, alias: String, size_kib: u64 },
    /// `VIR_NETWORK_EVENT_ID_LIFECYCLE`.
    NetworkLifecycle { network: Subject, event: i32, detail: i32 },
    /// `VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE`.
    StoragePoolLifecycle { pool: Subject, event: i32, detail: i32 },
    /// `VIR_STORAGE_POOL_EVENT_ID_REFRESH`.
    StoragePoolRefresh { pool: Subject },
    /// `VIR_NODE_DEVICE_EVENT_ID_LIFECYCLE` (node devices have no UUID: zeroes).
    NodeDeviceLifecycle { device: Subject, event: i32, detail: i32 },
    /// `VIR_NODE_DEVICE_EVENT_ID_UPDATE`.
    NodeDeviceUpdate { device: Subject },
    /// `VIR_SECRET_EVENT_ID_LIFECYCLE`.
    SecretLifecycle { secret: Subject, event: i32, detail: i32 },
    /// `VIR_SECRET_EVENT_ID_VALUE_CHANGED`.
    SecretValueChanged { secret: Subject },
    /// A QEMU monitor event (libvirt-qemu): its name, when it happened and
    /// its details (JSON).
    QemuMonitor { domain: Subject, event: String, seconds: i64, micros: u32, details: Option<String> },
}

/// The object families events are registered for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Domain,
    Network,
    StoragePool,
    NodeDevice,
    Secret,
    /// QEMU monitor events (libvirt-qemu), one id.
    QemuMonitor,
}

impl Family {
    /// The number of event ids of the family (`VIR_*_EVENT_ID_LAST`).
    pub fn id_count(self) -> i32 {
        match self {
            Family::Domain => VIR_DOMAIN_EVENT_ID_LAST,
            Family::Network => VIR_NETWORK_EVENT_ID_LAST,
            Family::StoragePool => VIR_STORAGE_POOL_EVENT_ID_LAST,
            Family::NodeDevice => VIR_NODE_DEVICE_EVENT_ID_LAST,
            Family::Secret => VIR_SECRET_EVENT_ID_LAST,
            Family::QemuMonitor => 1,
        }
    }
}

impl Event {
    pub fn family(&self) -> Family {
        use Event::*;
        match self {
            NetworkLifecycle { .. } => Family::Network,
            StoragePoolLifecycle { .. } | StoragePoolRefresh { .. } => Family::StoragePool,
            NodeDeviceLifecycle { .. } | NodeDeviceUpdate { .. } => Family::NodeDevice,
            SecretLifecycle { .. } | SecretValueChanged { .. } => Family::Secret,
            QemuMonitor { .. } => Family::QemuMonitor,
            _ => Family::Domain,
        }
    }

    /// The object the event is about.
    pub fn subject(&self) -> &Subject {
        use Event::*;
        match self {
            DomainLifecycle { domain, .. }
            | DomainReboot { domain }
            | DomainRtcChange { domain, .. }
            | DomainWatchdog { domain, .. }
            | DomainIoError { domain, .. }
            | DomainGraphics { domain, .. }
            | DomainControlError { domain }
            | DomainBlockJob { domain, .. }
            | DomainDiskChange { domain, .. }
            | DomainTrayChange { domain, .. }
            | DomainPmWakeup { domain, .. }
            | DomainPmSuspend { domain, .. }
            | DomainBalloonChange { domain, .. }
            | DomainPmSuspendDisk { domain, .. }
            | DomainDeviceRemoved { domain, .. }
            | DomainTunable { domain, .. }
            | DomainAgentLifecycle { domain, .. }
            | DomainDeviceAdded { domain, .. }
            | DomainMigrationIteration { domain, .. }
            | DomainJobCompleted { domain, .. }
            | DomainDeviceRemovalFailed { domain, .. }
            | DomainMetadataChange { domain, .. }
            | DomainBlockThreshold { domain, .. }
            | DomainMemoryFailure { domain, .. }
            | DomainMemoryDeviceSizeChange { domain, .. }
            | QemuMonitor { domain, .. } => domain,
            NetworkLifecycle { network, .. } => network,
            StoragePoolLifecycle { pool, .. } | StoragePoolRefresh { pool } => pool,
            NodeDeviceLifecycle { device, .. } | NodeDeviceUpdate { device } => device,
            SecretLifecycle { secret, .. } | SecretValueChanged { secret } => secret,
        }
    }

    /// Whether a callback registered for `event_id` of the event's family
    /// receives this event.
    pub fn serves(&self, event_id: i32) -> bool {
        use Event::*;
        let ids: &[i32] = match self {
            DomainLifecycle { .. } => &[VIR_DOMAIN_EVENT_ID_LIFECYCLE],
            DomainReboot { .. } => &[VIR_DOMAIN_EVENT_ID_REBOOT],
            DomainRtcChange { .. } => &[VIR_DOMAIN_EVENT_ID_RTC_CHANGE],
            DomainWatchdog { .. } => &[VIR_DOMAIN_EVENT_ID_WATCHDOG],
            DomainIoError { .. } => &[VIR_DOMAIN_EVENT_ID_IO_ERROR, VIR_DOMAIN_EVENT_ID_IO_ERROR_REASON],
            DomainGraphics { .. } => &[VIR_DOMAIN_EVENT_ID_GRAPHICS],
            DomainControlError { .. } => &[VIR_DOMAIN_EVENT_ID_CONTROL_ERROR],
            DomainBlockJob { by_target: false, .. } => &[VIR_DOMAIN_EVENT_ID_BLOCK_JOB],
            DomainBlockJob { by_target: true, .. } => &[VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2],
            DomainDiskChange { .. } => &[VIR_DOMAIN_EVENT_ID_DISK_CHANGE],
            DomainTrayChange { .. } => &[VIR_DOMAIN_EVENT_ID_TRAY_CHANGE],
            DomainPmWakeup { .. } => &[VIR_DOMAIN_EVENT_ID_PMWAKEUP],
            DomainPmSuspend { .. } => &[VIR_DOMAIN_EVENT_ID_PMSUSPEND],
            DomainBalloonChange { .. } => &[VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE],
            DomainPmSuspendDisk { .. } => &[VIR_DOMAIN_EVENT_ID_PMSUSPEND_DISK],
            DomainDeviceRemoved { .. } => &[VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED],
            DomainTunable { .. } => &[VIR_DOMAIN_EVENT_ID_TUNABLE],
            DomainAgentLifecycle { .. } => &[VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE],
            DomainDeviceAdded { .. } => &[VIR_DOMAIN_EVENT_ID_DEVICE_ADDED],
            DomainMigrationIteration { .. } => &[VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION],
            DomainJobCompleted { .. } => &[VIR_DOMAIN_EVENT_ID_JOB_COMPLETED],
            DomainDeviceRemovalFailed { .. } => &[VIR_DOMAIN_EVENT_ID_DEVICE_REMOVAL_FAILED],
            DomainMetadataChange { .. } => &[VIR_DOMAIN_EVENT_ID_METADATA_CHANGE],
            DomainBlockThreshold { .. } => &[VIR_DOMAIN_EVENT_ID_BLOCK_THRESHOLD],
            DomainMemoryFailure { .. } => &[VIR_DOMAIN_EVENT_ID_MEMORY_FAILURE],
            DomainMemoryDeviceSizeChange { .. } => &[VIR_DOMAIN_EVENT_ID_MEMORY_DEVICE_SIZE_CHANGE],
            NetworkLifecycle { .. } => &[VIR_NETWORK_EVENT_ID_LIFECYCLE],
            StoragePoolLifecycle { .. } => &[VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE],
            StoragePoolRefresh { .. } => &[VIR_STORAGE_POOL_EVENT_ID_REFRESH],
            NodeDeviceLifecycle { .. } => &[VIR_NODE_DEVICE_EVENT_ID_LIFECYCLE],
            NodeDeviceUpdate { .. } => &[VIR_NODE_DEVICE_EVENT_ID_UPDATE],
            SecretLifecycle { .. } => &[VIR_SECRET_EVENT_ID_LIFECYCLE],
            SecretValueChanged { .. } => &[VIR_SECRET_EVENT_ID_VALUE_CHANGED],
            QemuMonitor { .. } => &[0],
        };
        ids.contains(&event_id)
    }
}

/// Which objects a callback hears about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Filter {
    All,
    /// One object, by UUID (domains, networks, pools, secrets).
    Uuid(Uuid),
    /// One node device, by name.
    Name(String),
    /// QEMU monitor events: one domain or all, and the event names the
    /// producer matches (`VIR_CONNECT_DOMAIN_QEMU_MONITOR_EVENT_REGISTER_*`
    /// flags); only the domain is checked here.
    Monitor {
        uuid: Option<Uuid>,
        event: Option<String>,
        flags: u32,
    },
}

impl Filter {
    fn accepts(&self, s: &Subject) -> bool {
        match self {
            Filter::All => true,
            Filter::Uuid(u) => &s.uuid == u,
            Filter::Name(n) => &s.name == n,
            Filter::Monitor { uuid, .. } => uuid.is_none_or(|u| s.uuid == u),
        }
    }
}

/// Delivers one event to the application.
pub type Deliver = Box<dyn Fn(&Event) + Send + Sync>;

/// A callback to register.
pub struct Callback {
    /// The connection it was registered on.
    pub conn: Connect,
    pub family: Family,
    pub event_id: i32,
    /// Registered through `virConnectDomainEventRegister` (no id returned,
    /// found again by its function).
    pub legacy: bool,
    pub filter: Filter,
    /// The application's function, to refuse registering it twice.
    pub key: usize,
    pub deliver: Deliver,
    /// Runs when the callback is gone (the application's free callback).
    pub free: Option<FreeCallback>,
    /// Runs as soon as the callback is deregistered, even while a dispatch
    /// still holds it until its batch ends (lets go of the connection).
    pub detach: Option<FreeCallback>,
}

struct Registered {
    id: i32,
    cb: Callback,
    free: Mutex<Option<FreeCallback>>,
    detach: Mutex<Option<FreeCallback>>,
    deleted: AtomicBool,
    /// The id a [`Relay`] got for the callback's events, -1 without one.
    remote: AtomicI32,
}

impl Registered {
    fn live(&self) -> bool {
        !self.deleted.load(Ordering::Acquire)
    }

    fn remote(&self) -> i32 {
        self.remote.load(Ordering::Acquire)
    }

    /// Whether events enabled for `other` also serve this callback (QEMU
    /// monitor callbacks are enabled one by one).
    fn same_events(&self, other: &Callback) -> bool {
        other.family != Family::QemuMonitor
            && self.cb.family == other.family
            && self.cb.event_id == other.event_id
            && self.cb.filter == other.filter
    }
}

/// Where a queue's events come from when another party produces them (a
/// daemon): the first callback for an event id and filter enables them
/// there, the last one gone disables them. Events arriving from there are
/// queued with [`EventQueue::queue_from`] and reach the callbacks that
/// share the id `enable` returned.
pub trait Relay: Send + Sync {
    /// Asks for the events of `event_id` about the objects `filter` names;
    /// the id those events will carry.
    fn enable(&self, family: Family, event_id: i32, filter: &Filter) -> Result<i32>;
    /// Stops the events enabled under `remote`.
    fn disable(&self, family: Family, remote: i32) -> Result<()>;
}

#[derive(Default)]
struct State {
    /// Events and the relay id they came with (-1: every callback).
    pending: Vec<(Event, i32)>,
    callbacks: Vec<Arc<Registered>>,
    next_id: i32,
    /// The loop timer that delivers queued events, -1 when none.
    timer: i32,
    /// The timer is enabled for the events queued since the last flush:
    /// later events of the same batch need not touch the loop.
    armed: bool,
    /// Counts registrations, so that a flush sees a callback registered
    /// during its batch without copying the list for every event.
    generation: u64,
    dispatching: bool,
    /// Keep events for [`EventQueue::drain`] even without a callback.
    recording: bool,
}

/// Queued events beyond which a producer yields once per event.
const BEHIND: usize = 256;

/// A driver's queue of events for one host; clones share the queue.
#[derive(Clone)]
pub struct EventQueue {
    state: Arc<Mutex<State>>,
    relay: Option<Arc<dyn Relay>>,
}

impl Default for EventQueue {
    fn default() -> Self {
        EventQueue { state: Arc::new(Mutex::new(State { timer: -1, ..Default::default() })), relay: None }
    }
}

/// Runs the free callbacks of removed registrations, then lets them go
/// (which drops their hold on the connection).
fn release(gone: Vec<Arc<Registered>>) {
    for r in gone {
        let free = r.free.lock().take();
        if let Some(f) = free {
            f();
        }
    }
}

impl EventQueue {
    pub fn new() -> EventQueue {
        EventQueue::default()
    }

    /// A queue whose events are produced through `relay`.
    pub fn relayed(relay: Arc<dyn Relay>) -> EventQueue {
        EventQueue { relay: Some(relay), ..EventQueue::default() }
    }

    /// Queues an event for delivery; without any callback registered the
    /// event is dropped.
    pub fn queue(&self, event: Event) {
        self.queue_from(event, -1)
    }

    /// Queues an event that came through the relay under id `remote`: it
    /// reaches only the callbacks registered under that id.
    pub fn queue_from(&self, event: Event, remote: i32) {
        let timer = {
            let mut st = self.state.lock();
            if st.recording {
                st.pending.push((event, remote));
                return;
            }
            if st.timer < 0 {
                return;
            }
            st.pending.push((event, remote));
            if std::mem::replace(&mut st.armed, true) {
                if st.pending.len() > BEHIND {
                    drop(st);
                    // the loop is behind: give it the processor rather
                    // than let the queue grow without bound (never waits)
                    std::thread::yield_now();
                }
                return;
            }
            st.timer
        };
        event_loop::update_timeout(timer, 0);
    }

    /// Keeps every queued event for [`EventQueue::drain`] instead of
    /// delivering it (drivers' unit tests check what they queue).
    pub fn record(&self) {
        self.state.lock().recording = true;
    }

    /// Takes the events queued so far, oldest first.
    pub fn drain(&self) -> Vec<Event> {
        std::mem::take(&mut self.state.lock().pending).into_iter().map(|(e, _)| e).collect()
    }

    /// Registers a callback; returns its id. With a relay, the first
    /// callback for its events enables them there.
    pub fn register(&self, cb: Callback) -> Result<i32> {
        let (id, reg, enable) = self.register_local(cb)?;
        let Some(relay) = self.relay.as_ref().filter(|_| enable) else { return Ok(id) };
        match relay.enable(reg.cb.family, reg.cb.event_id, &reg.cb.filter) {
            Ok(remote) => {
                reg.remote.store(remote, Ordering::Release);
                Ok(id)
            }
            Err(e) => {
                // forgotten without running the application's free callback
                reg.free.lock().take();
                self.remove(|r| r.id == id);
                Err(e)
            }
        }
    }

    /// The local half of [`EventQueue::register`]: the new id, the
    /// registration, and whether its events must be enabled at the relay.
    fn register_local(&self, mut cb: Callback) -> Result<(i32, Arc<Registered>, bool)> {
        let mut st = self.state.lock();
        let duplicate = st.callbacks.iter().any(|r| {
            r.live()
                && r.cb.conn.same(&cb.conn)
                && r.cb.key == cb.key
                && r.cb.family == cb.family
                && r.cb.event_id == cb.event_id
                && r.cb.legacy == cb.legacy
                && (cb.legacy || r.cb.filter == cb.filter)
        });
        if st.timer < 0 {
            let weak = Arc::downgrade(&self.state);
            let timer = event_loop::add_timeout(-1, Arc::new(move |_| flush(&weak)), None);
            if timer < 0 {
                return Err(Error::internal("could not initialize domain event timer"));
            }
            st.timer = timer;
        }
        if duplicate {
            return Err(Error::invalid_arg("event callback already tracked"));
        }
        let shared = st.callbacks.iter().find(|r| r.live() && r.same_events(&cb)).map(|r| r.remote());
        let id = st.next_id;
        st.next_id += 1;
        let free = Mutex::new(cb.free.take());
        let detach = Mutex::new(cb.detach.take());
        let remote = AtomicI32::new(shared.unwrap_or(-1));
        let reg = Arc::new(Registered { id, cb, free, detach, deleted: AtomicBool::new(false), remote });
        st.callbacks.push(reg.clone());
        st.generation += 1;
        Ok((id, reg, shared.is_none()))
    }

    /// Removes the callback with id `id` registered on `conn`.
    pub fn deregister(&self, conn: &Connect, id: i32) -> Result<()> {
        let gone = self.remove(|r| r.id == id && r.cb.conn.same(conn));
        let (family, remote) =
            gone.ok_or_else(|| Error::invalid_arg(format!("could not find event callback {id} for deletion")))?;
        self.disable(family, remote)
    }

    /// [`EventQueue::deregister`] through a family's deregistration: with a
    /// relay, the callback is found whatever its family, and its events
    /// are disabled through `family` (the relay's answer tells).
    pub fn deregister_family(&self, conn: &Connect, family: Family, id: i32) -> Result<()> {
        if self.relay.is_none() {
            return self.deregister(conn, id);
        }
        let gone = self.remove(|r| r.id == id && r.cb.conn.same(conn));
        let (_, remote) = gone.ok_or_else(|| Error::invalid_arg(format!("event callback id {id} not registered")))?;
        self.disable(family, remote)
    }

    /// Removes the legacy domain callback `key` registered on `conn`.
    pub fn deregister_legacy(&self, conn: &Connect, key: usize) -> Result<()> {
        let gone = self.remove(|r| r.cb.legacy && r.cb.key == key && r.cb.conn.same(conn));
        let (family, remote) =
            gone.ok_or_else(|| Error::invalid_arg(format!("event callback function {key:#x} not registered")))?;
        self.disable(family, remote)
    }

    /// The number of live callbacks (for tests and diagnostics).
    pub fn callback_count(&self) -> usize {
        self.state.lock().callbacks.iter().filter(|r| r.live()).count()
    }

    /// Disables at the relay the events under `remote` (-1: nothing to do).
    fn disable(&self, family: Family, remote: i32) -> Result<()> {
        match &self.relay {
            Some(relay) if remote >= 0 => relay.disable(family, remote),
            _ => Ok(()),
        }
    }

    /// Removes the first live callback `matches` accepts: its family, and
    /// the relay id to disable when it was the last one sharing it (-1).
    fn remove(&self, matches: impl Fn(&Registered) -> bool) -> Option<(Family, i32)> {
        let mut st = self.state.lock();
        let i = st.callbacks.iter().position(|r| r.live() && matches(r))?;
        let target = st.callbacks[i].clone();
        let last = !st.callbacks.iter().any(|r| r.live() && r.id != target.id && r.same_events(&target.cb));
        let mut gone = Vec::new();
        if st.dispatching {
            st.callbacks[i].deleted.store(true, Ordering::Release);
        } else {
            gone.push(st.callbacks.remove(i));
        }
        let detach = target.detach.lock().take();
        let timer = self.retire_timer(&mut st);
        drop(st);
        if let Some(d) = detach {
            d();
        }
        if timer >= 0 {
            event_loop::remove_timeout(timer);
        }
        release(gone);
        Some((target.cb.family, if last { target.remote() } else { -1 }))
    }

    /// When no live callback is left: forgets the timer (returned for removal
    /// outside the lock) and the events still queued.
    fn retire_timer(&self, st: &mut State) -> i32 {
        if st.timer < 0 || st.callbacks.iter().any(|r| r.live()) {
            return -1;
        }
        st.pending.clear();
        st.armed = false;
        std::mem::replace(&mut st.timer, -1)
    }
}

/// The timer's work: delivers what is queued, in order.
fn flush(state: &Weak<Mutex<State>>) {
    let Some(state) = state.upgrade() else { return };
    // disarmed before the batch is taken: an event queued meanwhile either
    // is in the batch or arms the timer again
    let timer = state.lock().timer;
    if timer >= 0 {
        event_loop::update_timeout(timer, -1);
    }
    let (events, mut callbacks, mut generation) = {
        let mut st = state.lock();
        st.dispatching = true;
        st.armed = false;
        (std::mem::take(&mut st.pending), st.callbacks.clone(), st.generation)
    };
    for (ev, remote) in &events {
        {
            let st = state.lock();
            if st.generation != generation {
                (callbacks, generation) = (st.callbacks.clone(), st.generation);
            }
        }
        for r in &callbacks {
            let routed = *remote < 0 || r.remote() == *remote;
            if routed
                && r.live()
                && r.cb.family == ev.family()
                && r.cb.filter.accepts(ev.subject())
                && ev.serves(r.cb.event_id)
            {
                (r.cb.deliver)(ev);
            }
        }
    }
    let (gone, timer) = {
        let mut st = state.lock();
        st.dispatching = false;
        let (gone, kept) = std::mem::take(&mut st.callbacks).into_iter().partition(|r| !r.live());
        st.callbacks = kept;
        let q = EventQueue { state: state.clone(), relay: None };
        let t = q.retire_timer(&mut st);
        (gone, t)
    };
    if timer >= 0 {
        event_loop::remove_timeout(timer);
    }
    release(gone);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(name: &str) -> Subject {
        Subject { name: name.into(), uuid: [name.as_bytes()[0]; 16], id: -1 }
    }

    #[test]
    fn events_without_callbacks_are_dropped() {
        let q = EventQueue::new();
        q.queue(Event::DomainReboot { domain: subject("a") });
        assert!(q.drain().is_empty());
    }

    #[test]
    fn serves_maps_ids() {
        let e = Event::DomainIoError {
            domain: subject("a"),
            src_path: String::new(),
            dev_alias: String::new(),
            action: 0,
            reason: String::new(),
        };
        assert!(e.serves(VIR_DOMAIN_EVENT_ID_IO_ERROR) && e.serves(VIR_DOMAIN_EVENT_ID_IO_ERROR_REASON));
        assert!(!e.serves(VIR_DOMAIN_EVENT_ID_LIFECYCLE));
        assert_eq!(Event::NodeDeviceUpdate { device: subject("d") }.family(), Family::NodeDevice);
        assert!(Filter::Name("d".into()).accepts(&subject("d")));
        assert!(!Filter::Uuid([9; 16]).accepts(&subject("d")));
    }

    #[test]
    fn delivery_in_order_with_removal_during_dispatch() {
        use std::sync::atomic::AtomicUsize;
        crate::initialize();
        event_loop::register_default();
        let conn = Connect::open(Some("test:///default"), false, 0).unwrap();
        let q = EventQueue::new();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let freed = Arc::new(AtomicUsize::new(0));
        let add = |key: usize, filter: Filter| {
            let (seen, freed, q2, c2) = (seen.clone(), freed.clone(), q.clone(), conn.clone());
            q.register(Callback {
                detach: None,
                conn: conn.clone(),
                family: Family::Domain,
                event_id: VIR_DOMAIN_EVENT_ID_REBOOT,
                legacy: false,
                filter,
                key,
                deliver: Box::new(move |ev| {
                    seen.lock().push((key, ev.subject().name.clone()));
                    // the first callback removes the second one mid-dispatch
                    if key == 1 {
                        let _ = q2.deregister(&c2, 1);
                    }
                }),
                free: Some(Box::new(move || {
                    freed.fetch_add(1, Ordering::SeqCst);
                })),
            })
        };
        assert_eq!(add(1, Filter::All).unwrap(), 0);
        assert_eq!(add(2, Filter::All).unwrap(), 1);
        assert_eq!(add(3, Filter::Uuid(subject("b").uuid)).unwrap(), 2);
        let dup = add(3, Filter::Uuid(subject("b").uuid)).unwrap_err();
        assert_eq!(dup.message, "invalid argument: event callback already tracked");
        q.queue(Event::DomainReboot { domain: subject("a") });
        q.queue(Event::DomainReboot { domain: subject("b") });
        q.queue(Event::DomainLifecycle { domain: subject("b"), event: 0, detail: 0 });
        for _ in 0..200 {
            if seen.lock().len() >= 3 && freed.load(Ordering::SeqCst) >= 1 {
                break;
            }
            // a short timer keeps this thread from blocking when another
            // test's thread ran the iteration that delivered
            let t = event_loop::add_timeout(5, Arc::new(|_| {}), None);
            event_loop::DefaultLoop::global().run_once();
            event_loop::remove_timeout(t);
        }
        let want = vec![(1, "a".to_string()), (1, "b".to_string()), (3, "b".to_string())];
        assert_eq!(*seen.lock(), want);
        assert_eq!(freed.load(Ordering::SeqCst), 1, "freed once delivery ended");
        let e = q.deregister(&conn, 1).unwrap_err();
        assert_eq!(e.message, "invalid argument: could not find event callback 1 for deletion");
        q.deregister(&conn, 0).unwrap();
        q.deregister(&conn, 2).unwrap();
        assert_eq!(freed.load(Ordering::SeqCst), 3);
        assert_eq!(q.callback_count(), 0);
        q.queue(Event::DomainReboot { domain: subject("a") });
        assert!(q.drain().is_empty(), "no timer, no queue");
    }
}
