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

/// The XML documents of `conf/`: the first byte picks the document (for
/// snapshots and checkpoints its high bits pick redefinition and schema
/// checks or the domain-less form). What
/// parses is formatted and parsed again (which may fail: libvirt itself
/// formats some values it then refuses, e.g. a pool `<group>-2</group>`).
pub fn documents(data: &[u8]) {
    use crate::conf::*;
    let Some((&kind, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    fn round_trip<T>(text: &str, parse: impl Fn(&str) -> crate::core::Result<T>, format: impl Fn(&T) -> String) {
        if let Ok(def) = parse(text) {
            let _ = parse(&format(&def));
        }
    }
    match kind % 10 {
        7 => round_trip(text, domain::DomainDef::parse, |d| d.format(domain::FormatOpts { id: Some(1), secure: true })),
        0 => round_trip(text, network::NetworkDef::parse, network::NetworkDef::format),
        1 => round_trip(text, interface::InterfaceDef::parse, interface::InterfaceDef::format),
        2 => round_trip(text, nodedev::NodeDeviceDef::parse_new, nodedev::NodeDeviceDef::format),
        3 => round_trip(text, storage_pool::PoolDef::parse, storage_pool::PoolDef::format),
        4 => round_trip(
            text,
            |t| storage_vol::VolDef::parse(t, storage_pool::PoolType::Dir),
            storage_vol::VolDef::format,
        ),
        5 => round_trip(text, secret::SecretDef::parse, secret::SecretDef::format),
        8 => round_trip(
            text,
            |t| snapshot::SnapshotDef::parse(t, kind >= 128, kind & 64 != 0),
            |d| d.format("6695eb01-f6a4-8304-79aa-97f2502e193f", true),
        ),
        9 => round_trip(text, |t| checkpoint::CheckpointDef::parse(t, kind >= 128), |d| d.format(true, kind & 64 != 0)),
        _ => round_trip(text, nwfilter::FilterDef::parse, nwfilter::FilterDef::format),
    }
}

/// What the daemon sends: RPC frames read from a byte stream, and the
/// error structure a failed call carries.
pub fn rpc(data: &[u8]) {
    let mut stream = std::io::Cursor::new(data);
    while let Ok(Some(_message)) = crate::util::rpc::read_message(&mut stream) {}
    let _ = crate::util::rpc::error::WireError::decode(&mut crate::util::xdr::Decoder::new(data));
}

/// Custom node files of the test driver: the input up to the first NUL is
/// the node document, the rest is what every file it refers to reads as
/// (so a referenced document can be anything, the node file itself too).
pub fn node_file(data: &[u8]) {
    let (node, referenced) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    let node = String::from_utf8_lossy(node).into_owned();
    let referenced = referenced.map(|r| String::from_utf8_lossy(r).into_owned());
    let mut read = |path: &str| if path == "/fuzz/node.xml" { Some(node.clone()) } else { referenced.clone() };
    let _ = crate::drivers::test::node_file::load("/fuzz/node.xml", &mut read);
}

/// A fuzz target: any input must be handled without panicking.
pub type Target = fn(&[u8]);

/// Every target by name, for the regression replay.
pub const TARGETS: &[(&str, Target)] = &[
    ("uri", uri),
    ("admin_uri", admin_uri),
    ("typed_params", typed_params),
    ("xml", xml),
    ("documents", documents),
    ("rpc", rpc),
    ("node_file", node_file),
];
