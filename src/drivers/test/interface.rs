//! The test driver's host interfaces (and interface change transactions).

use crate::core::driver::DriverTable;

/// The host interfaces (and interface change transactions) of one test host.
#[derive(Default)]
pub struct InterfaceState {}

pub fn install(_t: &mut DriverTable) {}
