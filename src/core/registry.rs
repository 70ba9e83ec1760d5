//! The driver registry: drivers register at library initialisation, and a
//! connection open asks each in turn whether the URI is theirs.

use super::driver::ConnectDriver;
use parking_lot::RwLock;

static DRIVERS: RwLock<Vec<&'static ConnectDriver>> = RwLock::new(Vec::new());

/// Adds a driver; earlier registrations are asked first.
pub fn register(driver: &'static ConnectDriver) {
    let mut d = DRIVERS.write();
    if !d.iter().any(|x| std::ptr::eq(*x, driver)) {
        d.push(driver);
    }
}

/// The registered drivers, in the order they are asked.
pub fn drivers() -> Vec<&'static ConnectDriver> {
    DRIVERS.read().clone()
}
