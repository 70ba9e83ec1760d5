//! Small host utilities shared by the core and the drivers.
pub mod random;
pub mod host;
