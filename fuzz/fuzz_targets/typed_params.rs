//! Typed parameters built from strings. (see src/fuzzing.rs)
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| virt::fuzzing::typed_params(data));
