//! The test driver's node devices.

use crate::core::driver::DriverTable;

/// The node devices of one test host.
#[derive(Default)]
pub struct NodeDevState {}

pub fn install(_t: &mut DriverTable) {}
