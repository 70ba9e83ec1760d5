//! The recipe every exported function runs through: initialise the
//! library, reset the thread's last error, run the body inside a panic
//! boundary, and on failure record the error, copy it to the connection and
//! call the error handlers, as libvirt's public API layer does.

use super::errors;
use super::handle::ConnectHandle;
use crate::core::error::Error;
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};

thread_local! {
    /// The connection handle the current call was made on, once checked.
    static CURRENT_CONN: Cell<*mut ConnectHandle> = const { Cell::new(std::ptr::null_mut()) };
}

/// Remembers the connection of a handle that passed its class check, so a
/// failure can be dispatched to that connection's error slot and handler.
pub fn note_connection(conn: *mut ConnectHandle) {
    CURRENT_CONN.with(|c| c.set(conn));
}

/// Runs a public function's body: `from` is the error domain of the module
/// the function belongs to, `fail` the value returned on failure.
pub fn run<T>(api: &'static str, from: i32, fail: T, body: impl FnOnce() -> Result<T, Error>) -> T {
    crate::initialize();
    errors::reset_last_error();
    CURRENT_CONN.with(|c| c.set(std::ptr::null_mut()));
    finish(api, from, fail, body)
}

/// Like [`run`], for the error-inspection functions, which must not reset
/// the last error they are asked about.
pub fn run_raw<T>(api: &'static str, from: i32, fail: T, body: impl FnOnce() -> Result<T, Error>) -> T {
    finish(api, from, fail, body)
}

fn finish<T>(api: &'static str, from: i32, fail: T, body: impl FnOnce() -> Result<T, Error>) -> T {
    let err = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(v)) => return v,
        Ok(Err(e)) => e.in_api(api, from),
        Err(_) => Error::internal(format!("unexpected failure in {api}")),
    };
    errors::set_last_error(&err);
    let conn = CURRENT_CONN.with(|c| c.replace(std::ptr::null_mut()));
    errors::dispatch(conn);
    fail
}
