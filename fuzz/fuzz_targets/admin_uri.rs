//! Admin URIs. (see src/fuzzing.rs)
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| virt::fuzzing::admin_uri(data));
