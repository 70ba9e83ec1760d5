//! Driver tables, in libvirt's manner: a driver is a set of optional entry
//! points. A missing entry makes the public call fail with
//! `VIR_ERR_NO_SUPPORT`, and the tables can be listed to report coverage.

use super::error::Result;
use super::uri::Uri;
use std::any::Any;

/// What a driver answers to an open request.
pub enum Open {
    /// Not my URI: the registry tries the next driver.
    Declined,
    /// Accepted; the value is the connection's private driver state.
    Opened(Box<dyn Any + Send + Sync>),
}

/// Parameters of an open request.
pub struct OpenRequest<'a> {
    pub uri: &'a Uri,
    pub readonly: bool,
    pub flags: u32,
    /// The application's credential callback (`virConnectOpenAuth`).
    pub auth: Option<&'a dyn crate::core::auth::Authenticator>,
}

macro_rules! driver_table {
    ($(#[$sdoc:meta])* pub struct $name:ident {
        $( $(#[$doc:meta])* $field:ident [$($api:literal),+] : fn($($arg:ty),*) -> $ret:ty; )*
    }) => {
        $(#[$sdoc])*
        #[derive(Clone, Copy)]
        pub struct $name {
            $( $(#[$doc])* pub $field: Option<fn($($arg),*) -> $ret>, )*
        }

        impl $name {
            /// A table with no entry point.
            pub const EMPTY: $name = $name { $( $field: None, )* };

            /// Public functions this table serves.
            pub fn implemented(&self, into: &mut Vec<&'static str>) {
                $( if self.$field.is_some() { into.extend_from_slice(&[$($api),+]); } )*
            }

            /// Public functions any table of this family can serve.
            pub fn dispatchable(into: &mut Vec<&'static str>) {
                $( into.extend_from_slice(&[$($api),+]); )*
            }
        }
    };
}

#[rustfmt::skip]
mod api_table;
mod descriptors;
mod domain;
mod events;
mod host;
mod migration;
mod storage;

pub use api_table::*;
pub use descriptors::*;
pub use domain::*;
pub use events::*;
pub use host::*;
pub use migration::*;
pub use storage::*;

/// Declares the driver's complete table from its per-family tables.
macro_rules! driver_families {
    ($( $field:ident : $ty:ident ),* $(,)?) => {
        /// Every entry point of one connection driver, by object family.
        #[derive(Clone, Copy)]
        pub struct DriverTable {
            $( pub $field: $ty, )*
        }

        impl DriverTable {
            /// A table with no entry point.
            pub const EMPTY: DriverTable = DriverTable { $( $field: $ty::EMPTY, )* };

            /// Public functions this table serves.
            pub fn implemented(&self) -> Vec<&'static str> {
                let mut v = Vec::new();
                $( self.$field.implemented(&mut v); )*
                v
            }

            /// Public functions any table can serve.
            pub fn dispatchable() -> Vec<&'static str> {
                let mut v = Vec::new();
                $( $ty::dispatchable(&mut v); )*
                v
            }
        }
    };
}

driver_families! {
    host: HostTable,
    domain: DomainTable,
    events: EventTable,
    api: ApiTable,
    migration: MigrationTable,
    descriptors: DescriptorTable,
    storage: StorageTable,
}

/// A connection driver: how it claims URIs, and what it serves.
pub struct ConnectDriver {
    /// The name `virConnectGetType` reports unless the table says otherwise.
    pub name: &'static str,
    /// Tries to open a connection for the request.
    pub open: fn(&OpenRequest) -> Result<Open>,
    pub table: DriverTable,
}
