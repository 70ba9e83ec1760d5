//! Connection URIs and the client configuration file. (see src/fuzzing.rs)
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| virt::fuzzing::uri(data));
