//! Custom node files of the test driver, with the documents they refer to
//! (see src/fuzzing.rs)
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| virt::fuzzing::node_file(data));
