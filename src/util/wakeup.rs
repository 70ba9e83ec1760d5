//! Waking a thread blocked in `poll(2)`: an eventfd another thread writes.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};

/// A descriptor that becomes readable when [`Wakeup::wake`] is called.
pub struct Wakeup {
    fd: OwnedFd,
    /// A wake-up is written and not drained yet: more wakes need no write.
    pending: AtomicBool,
}

impl Wakeup {
    pub fn new() -> Wakeup {
        // SAFETY: eventfd takes no pointers; a negative result is checked.
        let raw = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        assert!(raw >= 0, "eventfd: {}", std::io::Error::last_os_error());
        // SAFETY: raw is a fresh descriptor nothing else owns.
        Wakeup { fd: unsafe { OwnedFd::from_raw_fd(raw) }, pending: AtomicBool::new(false) }
    }

    pub fn fd(&self) -> i32 {
        self.fd.as_raw_fd()
    }

    /// Makes the descriptor readable (one write until the next drain).
    pub fn wake(&self) {
        if self.pending.swap(true, Ordering::SeqCst) {
            return;
        }
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a live u64 to our own eventfd.
        unsafe { libc::write(self.fd(), (&one as *const u64).cast(), 8) };
    }

    /// Consumes pending wake-ups. The waiting thread drains before it
    /// looks at what changed, so a wake that skipped its write was made
    /// before that look.
    pub fn drain(&self) {
        self.pending.store(false, Ordering::SeqCst);
        let mut v: u64 = 0;
        // SAFETY: reads at most 8 bytes into a live u64 from our own eventfd.
        unsafe { libc::read(self.fd(), (&mut v as *mut u64).cast(), 8) };
    }
}

impl Default for Wakeup {
    fn default() -> Self {
        Wakeup::new()
    }
}

/// `poll(2)` over `fds`, retried on EINTR; returns the number ready or -1.
pub fn poll(fds: &mut [libc::pollfd], timeout_ms: i32) -> i32 {
    loop {
        // SAFETY: fds is a live, correctly sized array of pollfd.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) };
        if n >= 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn readable(w: &Wakeup) -> bool {
        let mut fds = [libc::pollfd { fd: w.fd(), events: libc::POLLIN, revents: 0 }];
        poll(&mut fds, 0) == 1
    }

    #[test]
    fn wakes_before_a_drain_make_one_write() {
        let w = Wakeup::new();
        w.wake();
        w.wake();
        let mut v: u64 = 0;
        // SAFETY: reads 8 bytes into a live u64 from the test's eventfd.
        assert_eq!(unsafe { libc::read(w.fd(), (&mut v as *mut u64).cast(), 8) }, 8);
        assert_eq!(v, 1);
        w.drain();
        assert!(!readable(&w));
        w.wake();
        assert!(readable(&w));
        w.drain();
        assert!(!readable(&w));
    }
}
