//! The `test` driver: an in-memory hypervisor for `test:///default` (a
//! built-in host shared by every open connection) and, later, custom node
//! files. This first cut serves the default host's domains; the XML layer
//! it needs grows in `conf/`.

mod descriptors;
mod domain;
mod host;
mod interface;
mod network;
mod nodedev;
mod state;
mod storage;

use crate::core::driver::{ConnectDriver, DriverTable, Open, OpenRequest};
use crate::core::error::{Error, Result};
use crate::core::uuid::Uuid;
use crate::core::{Connect, Domain};
use crate::generated::consts::*;
use state::{DomState, Ident, TestState};
use std::sync::{Arc, OnceLock};

static DRIVER: OnceLock<ConnectDriver> = OnceLock::new();

/// Registers the driver; each family module installs its entry points.
pub fn register() {
    let driver = DRIVER.get_or_init(|| {
        let mut table = DriverTable::EMPTY;
        host::install(&mut table);
        domain::install(&mut table);
        network::install(&mut table);
        interface::install(&mut table);
        nodedev::install(&mut table);
        storage::install(&mut table);
        descriptors::install(&mut table);
        ConnectDriver { name: "TEST", open, table }
    });
    crate::core::registry::register(driver);
}

fn open(req: &OpenRequest) -> Result<Open> {
    if req.uri.driver() != Some("test") || req.uri.server.is_some() {
        return Ok(Open::Declined);
    }
    match req.uri.path.as_deref() {
        Some("/default") => Ok(Open::Opened(Box::new(TestState::shared_default()))),
        Some(p) if p.starts_with('/') => Err(Error::with_detail(
            VIR_FROM_TEST,
            VIR_ERR_NO_SUPPORT,
            format!("custom node files are not supported yet: {p}"),
        )),
        _ => Err(Error::with_detail(
            VIR_FROM_TEST,
            VIR_ERR_INVALID_ARG,
            "testOpen: supply a path or use test:///default",
        )),
    }
}

fn st(c: &Connect) -> &Arc<TestState> {
    c.private::<Arc<TestState>>().expect("test driver state")
}

fn no_domain() -> Error {
    Error::new(VIR_FROM_TEST, VIR_ERR_NO_DOMAIN, None)
}

fn unsupported_flags(flags: u32, allowed: u32, api: &str) -> Result<()> {
    if flags & !allowed != 0 {
        return Err(Error::with_detail(
            VIR_FROM_TEST,
            VIR_ERR_INVALID_ARG,
            format!("unsupported flags (0x{:x}) in function {api}", flags & !allowed),
        ));
    }
    Ok(())
}

fn handle(c: &Connect, d: Ident) -> Domain {
    Domain { conn: c.clone(), name: d.name, uuid: d.uuid, id: d.id }
}

fn with_dom<T>(d: &Domain, f: impl FnOnce(&mut DomState) -> Result<T>) -> Result<T> {
    let s = st(&d.conn);
    let mut g = s.domains.lock();
    let dom = g.iter_mut().find(|x| x.uuid == d.uuid).ok_or_else(no_domain)?;
    f(dom)
}

fn not_running() -> Error {
    Error::with_detail(VIR_FROM_TEST, VIR_ERR_OPERATION_INVALID, "domain is not running")
}
