//! Character devices: `<serial>`, `<parallel>`, `<console>`, `<channel>`,
//! and the console a serial port doubles as.

use super::super::props::*;
use super::super::tree::{ESpec, Elem};
use super::address::ADDRESS;
use super::ALIAS;
use crate::core::error::Result;
use roxmltree::Node;

pub const SOURCE_TYPES: &[&str] = &[
    "null",
    "vc",
    "pty",
    "dev",
    "file",
    "pipe",
    "stdio",
    "udp",
    "tcp",
    "unix",
    "spicevmc",
    "spiceport",
    "nmdm",
    "qemu-vdagent",
    "dbus",
];

const SOURCE_ATTRS: Spec = &[
    ("mode", Kind::Str),
    ("path", Kind::Str),
    ("append", Kind::Enum(ON_OFF)),
    ("host", Kind::Str),
    ("service", Kind::Str),
    ("tls", Kind::Enum(YES_NO)),
    ("channel", Kind::Str),
    ("master", Kind::Str),
    ("slave", Kind::Str),
];
const SOURCE: ESpec = ESpec::new(
    "source",
    SOURCE_ATTRS,
    &[&ESpec::new("reconnect", &[("enabled", Kind::Enum(YES_NO)), ("timeout", Kind::UInt)], &[])],
);
const TARGET_ATTRS: Spec =
    &[("type", Kind::Str), ("name", Kind::Str), ("address", Kind::Str), ("port", Kind::Str), ("state", Kind::Str)];
const TARGET: ESpec = ESpec::new("target", TARGET_ATTRS, &[&ESpec::new("model", &[("name", Kind::Str)], &[])]);
const KIDS: &[&ESpec] = &[
    &SOURCE,
    &ESpec::new("protocol", &[("type", Kind::Enum(&["raw", "telnet", "telnets", "tls"]))], &[]),
    &ESpec::new("log", &[("file", Kind::Str), ("append", Kind::Enum(ON_OFF))], &[]),
    &TARGET,
    &ALIAS,
    &ADDRESS,
];
const ATTRS: Spec = &[("type", Kind::Str)];

pub const SERIAL: ESpec = ESpec::new("serial", ATTRS, KIDS).fix(fix_chr);
pub const PARALLEL: ESpec = ESpec::new("parallel", ATTRS, KIDS).fix(fix_chr);
pub const CONSOLE: ESpec = ESpec::new("console", ATTRS, KIDS).fix(fix_chr);
pub const CHANNEL: ESpec = ESpec::new("channel", ATTRS, KIDS).fix(fix_chr);

fn source_keys(kind: &str) -> &'static [&'static str] {
    match kind {
        "file" => &["path", "append"],
        "dev" | "pipe" => &["path"],
        "unix" => &["mode", "path"],
        "tcp" | "udp" => &["mode", "host", "service", "tls"],
        "spiceport" => &["channel"],
        "nmdm" => &["master", "slave"],
        _ => &[],
    }
}

fn fix_chr(e: &mut Elem, n: Node) -> Result<()> {
    let kind = match attr(n, "type") {
        None => "pty".to_string(),
        Some(t) if SOURCE_TYPES.contains(&t) => t.to_string(),
        Some(t) => return Err(unsupported(format!("unknown type presented to host for character device: {t}"))),
    };
    e.set(&SERIAL, "type", kind.clone());
    let keep = source_keys(&kind);
    let mut sources: Vec<Elem> = Vec::new();
    for mut s in e.kids.iter().filter(|k| k.name == "source").cloned() {
        s.attrs.0.retain(|(k, _)| keep.contains(k));
        if kind != "unix" {
            s.remove_kids("reconnect");
        }
        if matches!(kind.as_str(), "tcp" | "udp" | "unix") && s.attr("mode").is_none() {
            s.set(&SOURCE, "mode", "connect");
        }
        if !s.attrs.is_empty() || !s.kids.is_empty() {
            sources.push(s);
        }
    }
    if kind == "udp" {
        // the bind side first, then the connect side
        sources.sort_by_key(|s| s.attr("mode") != Some("bind"));
    } else {
        sources.truncate(1);
    }
    e.remove_kids("source");
    for s in sources {
        e.insert_kid(&SERIAL, s);
    }
    if kind == "tcp" && e.kid("protocol").is_none() {
        let mut p = Elem::empty("protocol");
        p.attrs.set(&[("type", Kind::Str)], "type", "raw");
        e.insert_kid(&SERIAL, p);
    } else if kind != "tcp" {
        e.remove_kids("protocol");
    }
    let is_channel = e.name == "channel";
    let target_type = e.kid("target").and_then(|t| t.attr("type")).map(str::to_string);
    if kind == "spicevmc" && !(is_channel && target_type.as_deref() == Some("virtio")) {
        return Err(unsupported("spicevmc device type only supports virtio"));
    }
    if is_channel {
        match target_type.as_deref() {
            Some("guestfwd" | "virtio" | "xen") => {}
            Some(t) => return Err(unsupported(format!("unknown target type '{t}' specified for character device"))),
            None => return Err(dom_err("target type must be specified for channel device")),
        }
        if let Some(t) = e.kid_mut("target") {
            t.attrs.remove("state");
            if target_type.as_deref() == Some("virtio") {
                t.attrs.remove("port");
            }
        }
    }
    Ok(())
}

pub fn target_type(e: &Elem) -> Option<&str> {
    e.kid("target").and_then(|t| t.attr("type"))
}

pub fn port(e: &Elem) -> Option<i64> {
    e.kid("target").and_then(|t| t.attr("port")).and_then(|p| p.parse().ok())
}

/// Sets a target attribute, creating `<target>` when needed.
pub fn set_target(e: &mut Elem, name: &'static str, v: impl Into<String>) {
    match e.kid_mut("target") {
        Some(t) => t.set(&TARGET, name, v),
        None => {
            let mut t = Elem::empty("target");
            t.set(&TARGET, name, v);
            e.insert_kid(&SERIAL, t);
        }
    }
}

/// Numbers ports written without one: one more than the highest so far.
pub fn assign_ports(list: &mut [Elem]) {
    let mut max: i64 = -1;
    for c in list.iter_mut() {
        match port(c) {
            Some(p) => max = max.max(p),
            None => {
                max += 1;
                set_target(c, "port", max.to_string());
            }
        }
    }
}

/// The console an HVM guest's first serial port doubles as: a copy of the
/// serial device with a serial-console target.
pub fn console_of_serial(serial: &Elem) -> Elem {
    let mut c = serial.clone();
    c.name = "console";
    let port = port(serial).unwrap_or(0);
    c.remove_kids("target");
    c.remove_kids("alias");
    c.remove_kids("address");
    set_target(&mut c, "type", "serial");
    set_target(&mut c, "port", port.to_string());
    c
}

/// A serial port made from a console written without one.
pub fn serial_of_console(console: &Elem) -> Elem {
    let mut s = console.clone();
    s.name = "serial";
    s.remove_kids("target");
    set_target(&mut s, "port", port(console).unwrap_or(0).to_string());
    s
}
