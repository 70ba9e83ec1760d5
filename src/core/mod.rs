//! The safe core: object model, errors, typed parameters, URIs, the
//! client configuration and the driver registry. It knows no driver; the
//! crate root registers them at initialisation.

pub mod admin;
pub mod auth;
pub mod config;
pub mod connect;
pub mod driver;
pub mod error;
pub mod event_loop;
pub mod events;
pub mod migration;
pub mod objects;
pub mod registry;
pub mod stream;
pub mod typed_params;
pub mod uri;
pub mod uri_syntax;
pub mod uuid;

pub use connect::Connect;
pub use error::{Error, Result};
pub use objects::*;
