//! virt-rs: libvirt's client library in Rust.
//!
//! Layers, top to bottom: `capi` (the C ABI, the only home of `extern "C"`),
//! `core` (the safe object, error and driver model), `conf` (XML documents),
//! `util` (host helpers) and `drivers` (one module per driver, each using
//! only `core`, `conf` and `util`). This file wires the drivers into the
//! registry; nothing below it knows which drivers exist.

#![warn(unsafe_op_in_unsafe_fn)]

pub mod conf;
pub mod core;
pub mod drivers;
pub mod fuzzing;
pub mod generated;
pub mod util;

mod capi;

use std::sync::Once;

/// The library version as libvirt encodes it (major * 1e6 + minor * 1e3 + micro).
pub const LIB_VERSION: u64 = 9_000_000;

static INIT: Once = Once::new();

/// Registers every driver; idempotent and cheap after the first call.
pub fn initialize() {
    INIT.call_once(|| {
        drivers::remote::register_explicit();
        drivers::test::register();
        drivers::remote::register_fallback();
    });
}
