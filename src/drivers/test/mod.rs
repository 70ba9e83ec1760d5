//! The `test` driver: an in-memory hypervisor for `test:///default` (a
//! built-in host shared by every open connection) and custom node files
//! (`test:///path/to/node.xml`, a host of its own for each connection).

mod checkpoints;
mod descriptors;
mod domain;
mod domain_misc;
mod domain_ns;
mod domain_query;
mod domain_state;
mod domain_tune;
mod events;
mod host;
mod interface;
mod moments;
mod network;
mod node_auth;
pub(crate) mod node_file;
mod nodedev;
mod snapshots;
mod state;
mod storage;
mod streams;

use crate::core::driver::{ConnectDriver, DriverTable, Open, OpenRequest};
use crate::core::error::{Error, Result};
use crate::core::Connect;
use crate::generated::consts::*;
use state::TestState;
use std::sync::{Arc, OnceLock};

static DRIVER: OnceLock<ConnectDriver> = OnceLock::new();

/// Registers the driver; each family module installs its entry points.
pub fn register() {
    let driver = DRIVER.get_or_init(|| {
        let mut table = DriverTable::EMPTY;
        host::install(&mut table);
        domain::install(&mut table);
        domain_tune::install(&mut table);
        domain_misc::install(&mut table);
        domain_query::install(&mut table);
        snapshots::install(&mut table);
        checkpoints::install(&mut table);
        network::install(&mut table);
        interface::install(&mut table);
        nodedev::install(&mut table);
        storage::install(&mut table);
        descriptors::install(&mut table);
        events::install(&mut table);
        streams::install(&mut table);
        ConnectDriver { name: "TEST", open, table }
    });
    crate::core::registry::register(driver);
}

fn open(req: &OpenRequest) -> Result<Open> {
    if req.uri.driver() != Some("test") || req.uri.server.is_some() {
        return Ok(Open::Declined);
    }
    match req.uri.path.as_deref() {
        None | Some("" | "/") => Err(Error::with_detail(
            VIR_FROM_TEST,
            VIR_ERR_INVALID_ARG,
            "testOpen: supply a path or use test:///default",
        )),
        Some("/default") => Ok(Open::Opened(Box::new(TestState::shared_default()))),
        Some(path) => Ok(Open::Opened(Box::new(Arc::new(node_file::open(path, req.auth)?)))),
    }
}

fn st(c: &Connect) -> &Arc<TestState> {
    c.private::<Arc<TestState>>().expect("test driver state")
}

/// virCheckFlags: an unknown flag fails with the driver function's name.
fn unsupported_flags(flags: u32, allowed: u32, api: &str) -> Result<()> {
    if flags & !allowed != 0 {
        let msg = format!("unsupported flags (0x{:x}) in function {api}", flags & !allowed);
        return Err(Error::arg_error("flags", api, msg).from_domain(VIR_FROM_TEST));
    }
    Ok(())
}
