//! The C ABI. `generated/` holds one `extern "C"` entry point per public
//! function (tools/gen_api.py); each runs the recipe in `entry` and calls
//! the hand-written body in `api/`, or reports `VIR_ERR_NO_SUPPORT` where
//! no body exists yet.

pub mod admin_handle;
pub mod api;
pub mod auth;
pub mod credentials;
pub mod entry;
pub mod errors;
pub mod generated;
pub mod handle;
pub mod marshal;
pub mod private;
pub mod strings;
