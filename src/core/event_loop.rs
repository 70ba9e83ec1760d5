//! The event loop the library runs its callbacks from: file-handle
//! watches and timers (`virEvent*`).
//!
//! One loop implementation is active per process. It is either the
//! built-in [`DefaultLoop`] (`virEventRegisterDefaultImpl`, run one
//! iteration at a time by `virEventRunDefaultImpl`) or one the application
//! supplies (`virEventRegisterImpl`), seen here through [`EventImpl`].
//! Without one, adding a watch or a timer fails with -1 and no error, as
//! in libvirt.
//!
//! Semantics kept from libvirt: watch and timer ids are positive and
//! counted separately; a timer's frequency is in milliseconds, -1 disables
//! it and 0 makes it fire on every iteration; watches and timers may be
//! added, updated and removed from any thread (the loop is woken) and from
//! inside their own callbacks; a removed entry's free callback runs later,
//! from the loop, never inside the remove call.

use parking_lot::{Mutex, RwLock};
use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// `VIR_EVENT_HANDLE_*` bits.
pub const HANDLE_READABLE: i32 = 1;
pub const HANDLE_WRITABLE: i32 = 2;
pub const HANDLE_ERROR: i32 = 4;
pub const HANDLE_HANGUP: i32 = 8;

/// A watch's callback: `(watch, fd, events)`.
pub type HandleCallback = Arc<dyn Fn(i32, i32, i32) + Send + Sync>;
/// A timer's callback: `(timer)`.
pub type TimeoutCallback = Arc<dyn Fn(i32) + Send + Sync>;
/// What runs once an entry is gone (the `virFreeCallback` of C callers).
pub type FreeCallback = Box<dyn FnOnce() + Send + Sync>;

/// An event loop implementation.
pub trait EventImpl: Send + Sync {
    fn add_handle(&self, fd: i32, events: i32, cb: HandleCallback, ff: Option<FreeCallback>) -> i32;
    fn update_handle(&self, watch: i32, events: i32);
    fn remove_handle(&self, watch: i32) -> i32;
    fn add_timeout(&self, frequency: i32, cb: TimeoutCallback, ff: Option<FreeCallback>) -> i32;
    fn update_timeout(&self, timer: i32, frequency: i32);
    fn remove_timeout(&self, timer: i32) -> i32;
}

static IMPL: RwLock<Option<Arc<dyn EventImpl>>> = RwLock::new(None);

/// Installs the process's loop implementation (the last one wins).
pub fn register(imp: Arc<dyn EventImpl>) {
    *IMPL.write() = Some(imp);
}

/// Installs the built-in loop, once; later calls keep it.
pub fn register_default() {
    let imp: Arc<dyn EventImpl> = DefaultLoop::global().clone();
    let mut g = IMPL.write();
    let already = g.as_ref().is_some_and(|cur| Arc::ptr_eq(cur, &imp));
    if !already {
        *g = Some(imp);
    }
}

fn current() -> Option<Arc<dyn EventImpl>> {
    IMPL.read().clone()
}

/// Whether any implementation is installed.
pub fn is_registered() -> bool {
    IMPL.read().is_some()
}

pub fn add_handle(fd: i32, events: i32, cb: HandleCallback, ff: Option<FreeCallback>) -> i32 {
    current().map_or(-1, |i| i.add_handle(fd, events, cb, ff))
}

pub fn update_handle(watch: i32, events: i32) {
    if let Some(i) = current() {
        i.update_handle(watch, events)
    }
}

pub fn remove_handle(watch: i32) -> i32 {
    current().map_or(-1, |i| i.remove_handle(watch))
}

pub fn add_timeout(frequency: i32, cb: TimeoutCallback, ff: Option<FreeCallback>) -> i32 {
    current().map_or(-1, |i| i.add_timeout(frequency, cb, ff))
}

pub fn update_timeout(timer: i32, frequency: i32) {
    if let Some(i) = current() {
        i.update_timeout(timer, frequency)
    }
}

pub fn remove_timeout(timer: i32) -> i32 {
    current().map_or(-1, |i| i.remove_timeout(timer))
}

thread_local! {
    /// This thread runs the default loop's callbacks: changes it makes are
    /// seen before the loop sleeps again, without waking it.
    static IN_LOOP: Cell<bool> = const { Cell::new(false) };
}

/// Marks the current thread as inside the loop until dropped.
struct InLoop;

impl InLoop {
    fn enter() -> InLoop {
        IN_LOOP.with(|f| f.set(true));
        InLoop
    }
}

impl Drop for InLoop {
    fn drop(&mut self) {
        IN_LOOP.with(|f| f.set(false));
    }
}

struct Watch {
    id: i32,
    fd: i32,
    events: i32,
    cb: HandleCallback,
    ff: Option<FreeCallback>,
}

struct Timer {
    id: i32,
    frequency: i32,
    due: Instant,
    cb: TimeoutCallback,
    ff: Option<FreeCallback>,
}

#[derive(Default)]
struct LoopState {
    watches: Vec<Watch>,
    timers: Vec<Timer>,
    next_watch: i32,
    next_timer: i32,
    /// Free callbacks of removed entries, run by the next iteration.
    frees: Vec<FreeCallback>,
}

/// The built-in loop: `poll(2)` over the watched descriptors plus a wake-up
/// descriptor written whenever another thread changes the loop.
pub struct DefaultLoop {
    state: Mutex<LoopState>,
    wakeup: crate::util::wakeup::Wakeup,
}

impl DefaultLoop {
    /// The process's built-in loop.
    pub fn global() -> &'static Arc<DefaultLoop> {
        static LOOP: std::sync::OnceLock<Arc<DefaultLoop>> = std::sync::OnceLock::new();
        LOOP.get_or_init(|| Arc::new(DefaultLoop::new()))
    }

    pub fn new() -> DefaultLoop {
        DefaultLoop {
            state: Mutex::new(LoopState { next_watch: 1, next_timer: 1, ..Default::default() }),
            wakeup: crate::util::wakeup::Wakeup::new(),
        }
    }

    /// Runs one iteration: waits until a watch is ready, a timer is due, a
    /// free callback is pending or another thread wakes the loop, then runs
    /// what is ready. Callbacks run without the loop's lock held.
    pub fn run_once(&self) {
        let (mut fds, ids, wait) = self.prepare();
        let timeout_ms = wait.map_or(-1, |d| d.as_millis().min(i32::MAX as u128) as i32);
        crate::util::wakeup::poll(&mut fds, timeout_ms);
        if fds[0].revents != 0 {
            self.wakeup.drain();
        }
        let _inside = InLoop::enter();
        let mut dispatched = self.fire_timers();
        for (pfd, id) in fds.iter().skip(1).zip(ids) {
            if pfd.revents == 0 {
                continue;
            }
            // the watch may have been removed or changed since the poll began
            let found = {
                let st = self.state.lock();
                st.watches.iter().find(|w| w.id == id && w.events != 0).map(|w| (w.cb.clone(), w.fd, w.events))
            };
            if let Some((cb, fd, wanted)) = found {
                let ev = from_poll(pfd.revents) & (wanted | HANDLE_ERROR | HANDLE_HANGUP);
                if ev != 0 {
                    cb(id, fd, ev);
                    dispatched = true;
                }
            }
        }
        if !dispatched {
            let frees = std::mem::take(&mut self.state.lock().frees);
            frees.into_iter().for_each(|f| f());
        }
    }

    /// The descriptors to poll (the wake-up first), the watch id of each
    /// other one, and how long to wait.
    fn prepare(&self) -> (Vec<libc::pollfd>, Vec<i32>, Option<Duration>) {
        let st = self.state.lock();
        let mut fds = vec![libc::pollfd { fd: self.wakeup.fd(), events: libc::POLLIN, revents: 0 }];
        let mut ids = Vec::new();
        for w in st.watches.iter().filter(|w| w.events != 0) {
            fds.push(libc::pollfd { fd: w.fd, events: to_poll(w.events), revents: 0 });
            ids.push(w.id);
        }
        let now = Instant::now();
        let mut wait =
            st.timers.iter().filter(|t| t.frequency >= 0).map(|t| t.due.saturating_duration_since(now)).min();
        if !st.frees.is_empty() {
            wait = Some(Duration::ZERO);
        }
        (fds, ids, wait)
    }

    /// Fires every enabled timer that is due, each once; returns whether any fired.
    fn fire_timers(&self) -> bool {
        let now = Instant::now();
        let due: Vec<(i32, TimeoutCallback)> = {
            let mut st = self.state.lock();
            st.timers
                .iter_mut()
                .filter(|t| t.frequency >= 0 && t.due <= now)
                .map(|t| {
                    t.due = now + Duration::from_millis(t.frequency as u64);
                    (t.id, t.cb.clone())
                })
                .collect()
        };
        for (id, cb) in &due {
            // a callback run before may have removed or disabled this one
            let live = self.state.lock().timers.iter().any(|t| t.id == *id && t.frequency >= 0);
            if live {
                cb(*id);
            }
        }
        !due.is_empty()
    }

    fn changed(&self) {
        self.wakeup.wake();
    }
}

impl Default for DefaultLoop {
    fn default() -> Self {
        DefaultLoop::new()
    }
}

impl EventImpl for DefaultLoop {
    fn add_handle(&self, fd: i32, events: i32, cb: HandleCallback, ff: Option<FreeCallback>) -> i32 {
        let id = {
            let mut st = self.state.lock();
            let id = st.next_watch;
            st.next_watch += 1;
            st.watches.push(Watch { id, fd, events, cb, ff });
            id
        };
        self.changed();
        id
    }

    fn update_handle(&self, watch: i32, events: i32) {
        if let Some(w) = self.state.lock().watches.iter_mut().find(|w| w.id == watch) {
            w.events = events;
        }
        self.changed();
    }

    fn remove_handle(&self, watch: i32) -> i32 {
        let mut st = self.state.lock();
        let Some(i) = st.watches.iter().position(|w| w.id == watch) else {
            return -1;
        };
        let w = st.watches.remove(i);
        if let Some(ff) = w.ff {
            st.frees.push(ff);
        }
        drop(st);
        self.changed();
        0
    }

    fn add_timeout(&self, frequency: i32, cb: TimeoutCallback, ff: Option<FreeCallback>) -> i32 {
        let id = {
            let mut st = self.state.lock();
            let id = st.next_timer;
            st.next_timer += 1;
            let due = Instant::now() + Duration::from_millis(frequency.max(0) as u64);
            st.timers.push(Timer { id, frequency, due, cb, ff });
            id
        };
        self.changed();
        id
    }

    fn update_timeout(&self, timer: i32, frequency: i32) {
        if let Some(t) = self.state.lock().timers.iter_mut().find(|t| t.id == timer) {
            t.frequency = frequency;
            t.due = Instant::now() + Duration::from_millis(frequency.max(0) as u64);
        }
        // a disabled timer only makes a sleeping loop wake for nothing, and
        // the loop's own thread looks at the timers again before it sleeps
        if frequency >= 0 && !IN_LOOP.with(Cell::get) {
            self.changed();
        }
    }

    fn remove_timeout(&self, timer: i32) -> i32 {
        let mut st = self.state.lock();
        let Some(i) = st.timers.iter().position(|t| t.id == timer) else {
            return -1;
        };
        let t = st.timers.remove(i);
        if let Some(ff) = t.ff {
            st.frees.push(ff);
        }
        drop(st);
        self.changed();
        0
    }
}

fn to_poll(events: i32) -> libc::c_short {
    let mut p = 0;
    if events & HANDLE_READABLE != 0 {
        p |= libc::POLLIN;
    }
    if events & HANDLE_WRITABLE != 0 {
        p |= libc::POLLOUT;
    }
    if events & HANDLE_ERROR != 0 {
        p |= libc::POLLERR;
    }
    if events & HANDLE_HANGUP != 0 {
        p |= libc::POLLHUP;
    }
    p
}

fn from_poll(revents: libc::c_short) -> i32 {
    let mut e = 0;
    if revents & libc::POLLIN != 0 {
        e |= HANDLE_READABLE;
    }
    if revents & libc::POLLOUT != 0 {
        e |= HANDLE_WRITABLE;
    }
    if revents & (libc::POLLERR | libc::POLLNVAL) != 0 {
        e |= HANDLE_ERROR;
    }
    if revents & libc::POLLHUP != 0 {
        e |= HANDLE_HANGUP;
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicI32, Ordering};

    #[test]
    fn timers_fire_by_frequency_and_free_later() {
        let l = DefaultLoop::new();
        let hits = Arc::new(AtomicI32::new(0));
        let freed = Arc::new(AtomicI32::new(0));
        let h = hits.clone();
        let f = freed.clone();
        let t = l.add_timeout(
            0,
            Arc::new(move |_| {
                h.fetch_add(1, Ordering::SeqCst);
            }),
            Some(Box::new(move || {
                f.fetch_add(1, Ordering::SeqCst);
            })),
        );
        assert_eq!(t, 1);
        l.run_once();
        l.run_once();
        assert_eq!(hits.load(Ordering::SeqCst), 2);
        l.update_timeout(t, -1);
        let disabled = l.add_timeout(5, Arc::new(|_| {}), None);
        assert_eq!(disabled, 2);
        l.run_once();
        assert_eq!(hits.load(Ordering::SeqCst), 2);
        assert_eq!(l.remove_timeout(t), 0);
        assert_eq!(l.remove_timeout(t), -1);
        assert_eq!(freed.load(Ordering::SeqCst), 0, "free callbacks are deferred");
        l.run_once();
        assert_eq!(freed.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn removal_from_inside_a_callback() {
        let l = Arc::new(DefaultLoop::new());
        let hits = Arc::new(AtomicI32::new(0));
        let (h, l2) = (hits.clone(), l.clone());
        l.add_timeout(
            0,
            Arc::new(move |id| {
                h.fetch_add(1, Ordering::SeqCst);
                assert_eq!(l2.remove_timeout(id), 0);
            }),
            None,
        );
        l.run_once();
        l.add_timeout(1, Arc::new(|_| {}), None);
        l.run_once();
        assert_eq!(hits.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_timer_enabled_from_another_thread_wakes_the_loop() {
        let l = Arc::new(DefaultLoop::new());
        let hits = Arc::new(AtomicI32::new(0));
        let h = hits.clone();
        let t = l.add_timeout(
            -1,
            Arc::new(move |_| {
                h.fetch_add(1, Ordering::SeqCst);
            }),
            None,
        );
        l.run_once(); // the addition's wake-up
        let l2 = l.clone();
        let other = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            l2.update_timeout(t, 0);
            l2.update_timeout(t, 0); // no second write needed
        });
        l.run_once(); // asleep with no timer enabled until the other thread's change
        other.join().unwrap();
        assert_eq!(hits.load(Ordering::SeqCst), 1);
        l.update_timeout(t, -1);
        l.add_timeout(0, Arc::new(|_| {}), None);
        l.run_once();
        assert_eq!(hits.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn watches_report_readiness_and_wake_from_other_threads() {
        use std::io::Write;
        use std::os::fd::AsRawFd;
        let l = Arc::new(DefaultLoop::new());
        let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
        let seen = Arc::new(AtomicI32::new(0));
        let s = seen.clone();
        let w =
            l.add_handle(a.as_raw_fd(), HANDLE_READABLE, Arc::new(move |_, _, ev| s.store(ev, Ordering::SeqCst)), None);
        assert_eq!(w, 1);
        let l2 = l.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            l2.add_timeout(-1, Arc::new(|_| {}), None);
        });
        l.run_once(); // woken by the other thread's change
        t.join().unwrap();
        assert_eq!(seen.load(Ordering::SeqCst), 0);
        b.write_all(b"x").unwrap();
        l.run_once();
        assert_eq!(seen.load(Ordering::SeqCst), HANDLE_READABLE);
        assert_eq!(l.remove_handle(w), 0);
    }
}
