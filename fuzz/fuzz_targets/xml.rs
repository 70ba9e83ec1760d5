//! The XML layer every document goes through. (see src/fuzzing.rs)
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| virt::fuzzing::xml(data));
