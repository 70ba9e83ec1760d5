//! Hand-written bodies of the public functions, one module per family.
#![allow(non_snake_case)]
//! A body has the C signature and returns `Result<ret>`; the generated shim
//! runs it through the recipe in `capi::entry`.

pub mod admin;
pub mod connect;
pub mod descriptors;
pub mod domain;
pub mod domain_jobs;
pub mod domain_query;
pub mod errors;
pub mod events;
pub mod library;
pub mod migration;
pub mod node;
pub mod objects;
pub mod storage;
pub mod stream;
pub mod typed_params;
