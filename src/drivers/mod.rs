//! One module per driver. A driver may use `core`, `conf` and `util`, never
//! another driver (tests/driver_independence.rs enforces it).
pub mod remote;
pub mod test;
