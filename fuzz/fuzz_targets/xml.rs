//! The XML layer every document goes through: parsing with libvirt-style
//! errors (the message builder indexes into the input by line and column).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = virt::conf::xml::parse_root(text, "domain_definition", "domain");
    }
});
