//! XML documents (domain, network, storage, ...): models, parsers and
//! formatters shared by the drivers, one module per document.

pub mod domain;
pub mod xml;
