//! placeholder
use crate::core::driver::DriverTable;

pub fn install(_t: &mut DriverTable) {}
