//! The C side of the error model: the thread's last `virError`, the
//! per-connection copy, and the global and per-connection handlers.

use super::generated::types::*;
use super::handle::ConnectHandle;
use super::strings;
use crate::core::error::{domain_name, Error};
use crate::generated::consts::*;
use parking_lot::Mutex;
use std::cell::RefCell;
use std::os::raw::c_void;

thread_local! {
    static LAST: RefCell<Box<virError>> = RefCell::new(Box::new(empty()));
}

/// The global handler and its user data (stored as an address).
static GLOBAL_HANDLER: Mutex<(virErrorFunc, usize)> = Mutex::new((None, 0));

pub fn empty() -> virError {
    // SAFETY: virError is plain data; all-zero is libvirt's "no error".
    unsafe { std::mem::zeroed() }
}

/// Frees the strings of `e` and zeroes it (`virResetError`).
pub fn clear(e: &mut virError) {
    // SAFETY: the string fields are NULL or were allocated by strings::to_c.
    unsafe {
        strings::free(e.message);
        strings::free(e.str1);
        strings::free(e.str2);
        strings::free(e.str3);
    }
    *e = empty();
}

/// Deep-copies `from` into `to` (which must hold no strings of its own).
pub fn copy(from: &virError, to: &mut virError) {
    let dup = |p: *mut std::os::raw::c_char| {
        // SAFETY: p is NULL or a string this module allocated.
        match unsafe { strings::opt_str(p) } {
            Some(s) => strings::to_c(&s),
            None => std::ptr::null_mut(),
        }
    };
    *to = virError {
        code: from.code,
        domain: from.domain,
        message: dup(from.message),
        level: from.level,
        conn: std::ptr::null_mut(),
        dom: std::ptr::null_mut(),
        str1: dup(from.str1),
        str2: dup(from.str2),
        str3: dup(from.str3),
        int1: from.int1,
        int2: from.int2,
        net: std::ptr::null_mut(),
    };
}

fn fill(e: &Error, to: &mut virError) {
    let opt = |s: &Option<String>| s.as_deref().map(strings::to_c).unwrap_or(std::ptr::null_mut());
    *to = virError {
        code: e.code,
        domain: e.domain,
        message: strings::to_c(&e.message),
        level: e.level,
        conn: std::ptr::null_mut(),
        dom: std::ptr::null_mut(),
        str1: opt(&e.str1),
        str2: opt(&e.str2),
        str3: opt(&e.str3),
        int1: e.int1,
        int2: e.int2,
        net: std::ptr::null_mut(),
    };
}

pub fn set_last_error(e: &Error) {
    LAST.with(|l| {
        let mut l = l.borrow_mut();
        clear(&mut l);
        fill(e, &mut l);
    });
}

pub fn reset_last_error() {
    LAST.with(|l| {
        let mut l = l.borrow_mut();
        // the common case on every call: nothing to free
        let empty =
            l.code == VIR_ERR_OK && l.message.is_null() && l.str1.is_null() && l.str2.is_null() && l.str3.is_null();
        if !empty {
            clear(&mut l);
        }
    })
}

/// Runs `f` on the thread's error object.
pub fn with_last<R>(f: impl FnOnce(&mut virError) -> R) -> R {
    LAST.with(|l| f(&mut l.borrow_mut()))
}

pub fn set_global_handler(user: *mut c_void, handler: virErrorFunc) {
    *GLOBAL_HANDLER.lock() = (handler, user as usize);
}

/// Copies the thread's error to the connection and calls the connection's
/// handler, else the global one, else the default report on stderr.
pub fn dispatch(conn: *mut ConnectHandle) {
    let (mut handler, mut user) = *GLOBAL_HANDLER.lock();
    if !conn.is_null() {
        // SAFETY: `conn` passed its class check during this call and the
        // caller still holds its reference.
        let c = unsafe { &*conn };
        with_last(|e| {
            let mut slot = c.value.last_error.lock();
            clear(&mut slot);
            copy(e, &mut slot);
        });
        let (h, u) = *c.value.handler.lock();
        if h.is_some() {
            handler = h;
            user = u;
        }
    }
    let err: *mut virError = with_last(|e| e as *mut virError);
    match handler {
        // SAFETY: the handler was registered by the application for exactly
        // this call; the error object stays valid for its duration.
        Some(h) => unsafe { h(user as *mut c_void, err) },
        // SAFETY: err points at the thread's live error object.
        None => default_report(unsafe { &*err }),
    }
}

/// libvirt's default report: `libvirt: <domain> <level> : <message>`.
pub fn default_report(e: &virError) {
    if e.code == VIR_ERR_OK {
        return;
    }
    let lvl = match e.level {
        l if l == VIR_ERR_WARNING => "warning",
        l if l == VIR_ERR_ERROR => "error",
        _ => "",
    };
    // SAFETY: message is NULL or a string this module allocated.
    let msg = unsafe { strings::opt_str(e.message) }.unwrap_or_default();
    let dom = domain_name(e.domain);
    let text = if e.domain == VIR_FROM_XML && e.code == VIR_ERR_XML_DETAIL && e.int1 != 0 {
        format!("libvirt: {dom} {lvl} : line {}: {msg}", e.int1)
    } else if msg.ends_with('\n') {
        format!("libvirt: {dom} {lvl} : {msg}")
    } else {
        format!("libvirt: {dom} {lvl} : {msg}\n")
    };
    use std::io::Write;
    let _ = std::io::stderr().write_all(text.as_bytes());
}
