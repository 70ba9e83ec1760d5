//! Small host utilities shared by the core and the drivers.
pub mod host;
pub mod memory;
pub mod random;
pub mod rpc;
pub mod wakeup;
pub mod xdr;
