//! Connection URIs and the client configuration file: any input parses or
//! fails cleanly, and a parsed URI formats without panicking.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(u) = virt::core::uri::Uri::parse(text) {
            let _ = u.format();
            let _ = u.driver();
            let _ = u.transport();
        }
        let cfg = virt::core::config::parse(text);
        let _ = virt::core::config::resolve_alias(&cfg, text);
    }
});
