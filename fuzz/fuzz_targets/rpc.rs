//! RPC frames and errors as a daemon could send them (see src/fuzzing.rs)
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| virt::fuzzing::rpc(data));
