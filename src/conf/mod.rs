//! XML documents (domain, network, storage, ...): models, parsers and
//! formatters shared by the drivers, one module per document.

pub mod arch;
pub mod capabilities;
pub mod checkpoint;
pub mod cpu_baseline;
#[rustfmt::skip]
mod cpu_models_data;
pub mod cpu_x86;
pub mod domain;
pub mod interface;
pub mod moment;
pub mod netdev;
pub mod network;
pub mod network_update;
pub mod nodedev;
pub mod nwfilter;
pub mod nwfilter_binding;
pub mod nwfilter_values;
pub mod schema;
pub mod secret;
pub mod snapshot;
pub mod storage_common;
pub mod storage_pool;
pub mod storage_pool_source;
pub mod storage_vol;
pub mod xml;
