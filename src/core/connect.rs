//! Connections: opening one by URI through the registry, and the handle
//! that every object of the connection shares.

use super::config;
use super::driver::{ConnectDriver, DriverTable, Open, OpenRequest};
use super::error::{Error, Result};
use super::registry;
use super::uri::Uri;
use crate::generated::consts::*;
use std::any::Any;
use std::sync::Arc;

#[derive(Clone)]
pub struct Connect(Arc<ConnectInner>);

pub struct ConnectInner {
    pub uri: Uri,
    pub readonly: bool,
    pub driver: &'static ConnectDriver,
    private: Box<dyn Any + Send + Sync>,
}

impl Connect {
    /// Opens a connection, resolving the name as libvirt does: an empty or
    /// missing name means `LIBVIRT_DEFAULT_URI`, then the config's
    /// `uri_default`; a name without ':' may be an alias.
    pub fn open(name: Option<&str>, readonly: bool, flags: u32) -> Result<Connect> {
        Connect::open_auth(name, readonly, flags, None)
    }

    /// Opens a connection, answering credential requests with `auth`.
    pub fn open_auth(
        name: Option<&str>,
        readonly: bool,
        flags: u32,
        auth: Option<&dyn super::auth::Authenticator>,
    ) -> Result<Connect> {
        let cfg = config::load();
        let mut name = name.filter(|n| !n.is_empty()).map(str::to_string);
        if name.is_none() {
            name = std::env::var("LIBVIRT_DEFAULT_URI").ok().filter(|s| !s.is_empty());
        }
        if name.is_none() {
            name = cfg.uri_default.clone();
        }
        let Some(mut name) = name else {
            return Err(Error::new(VIR_FROM_NONE, VIR_ERR_NO_CONNECT, None));
        };
        if std::env::var("LIBVIRT_AUTOCONNECT_NO_ALIASES").is_err() {
            if let Some(target) = config::resolve_alias(&cfg, &name) {
                name = target;
            }
        }
        let uri = Uri::parse(&name)?;
        if uri.scheme.is_none() {
            let msg = format!("URI '{name}' does not include a driver name");
            return Err(Error::with_detail(VIR_FROM_NONE, VIR_ERR_NO_CONNECT, msg));
        }
        let req = OpenRequest { uri: &uri, readonly, flags, auth };
        for driver in registry::drivers() {
            match (driver.open)(&req)? {
                Open::Declined => continue,
                Open::Opened(private) => {
                    return Ok(Connect(Arc::new(ConnectInner { uri, readonly, driver, private })));
                }
            }
        }
        Err(Error::with_detail(VIR_FROM_NONE, VIR_ERR_NO_CONNECT, &name))
    }

    pub fn table(&self) -> &'static DriverTable {
        &self.0.driver.table
    }

    pub fn uri(&self) -> &Uri {
        &self.0.uri
    }

    pub fn is_readonly(&self) -> bool {
        self.0.readonly
    }

    pub fn driver_name(&self) -> &'static str {
        self.0.driver.name
    }

    /// The driver's per-connection state.
    pub fn private<T: 'static>(&self) -> Option<&T> {
        self.0.private.downcast_ref::<T>()
    }

    /// Refuses a write operation on a read-only connection.
    pub fn check_writable(&self) -> Result<()> {
        if self.0.readonly {
            Err(Error::read_only())
        } else {
            Ok(())
        }
    }

    pub fn same(&self, other: &Connect) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// Fetches a driver entry point or fails with `VIR_ERR_NO_SUPPORT`.
#[macro_export]
macro_rules! driver_entry {
    ($conn:expr, $family:ident . $slot:ident) => {
        $conn.table().$family.$slot.ok_or_else($crate::core::error::Error::no_support)?
    };
}
