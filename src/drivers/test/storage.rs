//! The test driver's storage pools and volumes.

use crate::core::driver::DriverTable;

/// The storage pools and volumes of one test host.
#[derive(Default)]
pub struct StorageState {}

pub fn install(_t: &mut DriverTable) {}
