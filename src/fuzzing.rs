//! Entry points for the fuzz targets (fuzz/, `cargo fuzz`) and for the
//! regression test that replays the inputs they once crashed on
//! (tests/fuzz_regressions.rs): one function per target, so both run the
//! same code. Each must return normally for any input.

/// Connection URIs and the client configuration file.
pub fn uri(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(u) = crate::core::uri::Uri::parse(text) {
            let _ = u.format();
            let _ = u.driver();
            let _ = u.transport();
        }
        let cfg = crate::core::config::parse(text);
        let _ = crate::core::config::resolve_alias(&cfg, text);
    }
}

/// Admin URIs, resolved to a socket path or refused.
pub fn admin_uri(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::core::admin::socket_path(text);
    }
}

/// Typed parameters from strings: the first byte picks the type, the rest
/// is the field and the value separated by a NUL.
pub fn typed_params(data: &[u8]) {
    let Some((&kind, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let (field, value) = text.split_once('\0').unwrap_or((text, ""));
    let _ = crate::core::typed_params::TypedParam::from_string(field, i32::from(kind % 9), value);
}

/// The XML layer every document goes through.
pub fn xml(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::conf::xml::parse_root(text, "domain_definition", "domain");
    }
}

/// A fuzz target: any input must be handled without panicking.
pub type Target = fn(&[u8]);

/// Every target by name, for the regression replay.
pub const TARGETS: &[(&str, Target)] =
    &[("uri", uri), ("admin_uri", admin_uri), ("typed_params", typed_params), ("xml", xml)];
