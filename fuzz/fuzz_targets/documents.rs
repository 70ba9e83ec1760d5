//! The XML documents of conf/, parsed and re-formatted (see src/fuzzing.rs)
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| virt::fuzzing::documents(data));
