//! XML documents (domain, network, storage, ...): parsers and formatters
//! shared by the drivers.
