//! What the guest shows and is driven by: `<graphics>`, `<video>`,
//! `<input>` and `<sound>`.

use super::super::props::*;
use super::super::tree::{ESpec, Elem};
use super::address::ADDRESS;
use super::ALIAS;
use crate::core::error::Result;
use roxmltree::Node;

pub const GRAPHICS_TYPES: &[&str] = &["sdl", "vnc", "rdp", "desktop", "spice", "egl-headless", "dbus"];

const ALL_ATTRS: Spec = &[
    ("type", Kind::Enum(GRAPHICS_TYPES)),
    ("socket", Kind::Str),
    ("display", Kind::Str),
    ("xauth", Kind::Str),
    ("fullscreen", Kind::Enum(YES_NO)),
    // checked by type in fix_graphics: VNC reports a bad port its own way
    ("port", Kind::Str),
    ("tlsPort", Kind::Int),
    ("autoport", Kind::Enum(YES_NO)),
    ("websocket", Kind::Int),
    ("replaceUser", Kind::Enum(YES_NO)),
    ("multiUser", Kind::Enum(YES_NO)),
    ("listen", Kind::Str),
    ("keymap", Kind::Str),
    ("defaultMode", Kind::Enum(&["any", "secure", "insecure"])),
    ("sharePolicy", Kind::Enum(&["allow-exclusive", "force-shared", "ignore"])),
    ("powerControl", Kind::Enum(YES_NO)),
    ("passwd", Kind::Str),
    ("passwdValidTo", Kind::Str),
    ("connected", Kind::Enum(&["default", "fail", "disconnect", "keep"])),
    ("address", Kind::Str),
    ("p2p", Kind::Enum(YES_NO)),
];

/// The attributes each graphics type formats, in its order.
fn order(kind: &str) -> &'static [&'static str] {
    match kind {
        "vnc" => &[
            "socket",
            "port",
            "autoport",
            "websocket",
            "listen",
            "keymap",
            "sharePolicy",
            "powerControl",
            "passwd",
            "passwdValidTo",
            "connected",
        ],
        "spice" => {
            &["port", "tlsPort", "autoport", "listen", "keymap", "defaultMode", "passwd", "passwdValidTo", "connected"]
        }
        "rdp" => &["port", "autoport", "replaceUser", "multiUser", "listen"],
        "sdl" => &["display", "xauth", "fullscreen"],
        "desktop" => &["display", "fullscreen"],
        "dbus" => &["address", "p2p"],
        _ => &[],
    }
}

const LISTEN_ATTRS: Spec = &[
    ("type", Kind::Enum(&["address", "network", "socket", "none"])),
    ("address", Kind::Str),
    ("network", Kind::Str),
    ("socket", Kind::Str),
];
const LISTEN: ESpec = ESpec::new("listen", LISTEN_ATTRS, &[]);

pub const GRAPHICS: ESpec = ESpec::new(
    "graphics",
    ALL_ATTRS,
    &[
        &LISTEN,
        &ESpec::new("channel", &[("name", Kind::Str), ("mode", Kind::Enum(&["any", "secure", "insecure"]))], &[]),
        &ESpec::new("image", &[("compression", Kind::Str)], &[]),
        &ESpec::new("jpeg", &[("compression", Kind::Str)], &[]),
        &ESpec::new("zlib", &[("compression", Kind::Str)], &[]),
        &ESpec::new("playback", &[("compression", Kind::Enum(ON_OFF))], &[]),
        &ESpec::new("streaming", &[("mode", Kind::Enum(&["filter", "all", "off"]))], &[]),
        &ESpec::new("mouse", &[("mode", Kind::Enum(&["server", "client"]))], &[]),
        &ESpec::new("clipboard", &[("copypaste", Kind::Enum(YES_NO))], &[]),
        &ESpec::new("filetransfer", &[("enable", Kind::Enum(YES_NO))], &[]),
        &ESpec::new("gl", &[("enable", Kind::Enum(YES_NO)), ("rendernode", Kind::Str)], &[]),
        &ESpec::new("audio", &[("id", Kind::UInt)], &[]),
    ],
)
.fix(fix_graphics);

fn listen_elem(parts: &[(&'static str, &str)]) -> Elem {
    let mut l = Elem::empty("listen");
    for (k, v) in parts {
        l.set(&LISTEN, k, *v);
    }
    l
}

fn fix_graphics(e: &mut Elem, n: Node) -> Result<()> {
    let kind = enum_attr_req(n, "type", GRAPHICS_TYPES)?;
    match attr(n, "port") {
        Some(p) if kind == "vnc" && p.parse::<i64>().is_err() => {
            return Err(internal(format!("cannot parse vnc port {p}")));
        }
        Some(_) => {
            let p = int_attr(n, "port")?.unwrap_or_default();
            e.set(&GRAPHICS, "port", p.to_string());
        }
        None => {}
    }
    let keep = order(&kind);
    e.attrs.0.retain(|(k, _)| *k == "type" || keep.contains(k));
    let uses_ports = matches!(kind.as_str(), "vnc" | "spice" | "rdp");
    if kind == "desktop" && e.attr("fullscreen") == Some("no") {
        e.attrs.remove("fullscreen");
    }
    if !uses_ports {
        e.kids.retain(|k| k.name != "listen");
        return Ok(());
    }
    let port: Option<i64> = e.attr("port").and_then(|p| p.parse().ok());
    let autoport = e.attr("autoport").map(|a| a == "yes");
    let first_listen = e.kid("listen").map(|l| {
        let kind = l.attr("type").unwrap_or("address").to_string();
        (kind, l.attr("socket").map(str::to_string))
    });
    if kind == "vnc" && first_listen.is_some() {
        // with <listen> children, the socket comes from the first of them
        match &first_listen {
            Some((k, Some(s))) if k == "socket" => e.set(&GRAPHICS, "socket", s.clone()),
            _ => e.attrs.remove("socket"),
        }
    }
    let socket = e.attr("socket").map(str::to_string);
    let no_port = first_listen.as_ref().is_some_and(|(k, _)| k == "none" || k == "socket");
    match kind.as_str() {
        "vnc" if socket.is_some() || no_port => {
            e.attrs.remove("port");
            e.attrs.remove("autoport");
        }
        "vnc" => {
            if port.unwrap_or(-1) == -1 || autoport == Some(true) {
                e.set(&GRAPHICS, "port", "-1");
                e.set(&GRAPHICS, "autoport", "yes");
            } else {
                if port == Some(0) {
                    e.attrs.remove("port");
                }
                e.set(&GRAPHICS, "autoport", "no");
            }
        }
        "spice" => {
            let tls = e.attr("tlsPort").and_then(|p| p.parse::<i64>().ok());
            if autoport == Some(true) {
                e.attrs.remove("port");
                e.attrs.remove("tlsPort");
            } else if port.unwrap_or(-1) > 0 || tls.unwrap_or(-1) > 0 {
                e.set(&GRAPHICS, "autoport", "no");
            }
        }
        _ => {
            if autoport == Some(true) || port.is_none() {
                e.set(&GRAPHICS, "port", "0");
                e.set(&GRAPHICS, "autoport", "yes");
            } else {
                e.attrs.remove("autoport");
            }
        }
    }
    let has_listens = e.kids.iter().any(|k| k.name == "listen");
    if !has_listens {
        let l = if let Some(s) = &socket {
            listen_elem(&[("type", "socket"), ("socket", s)])
        } else if let Some(a) = e.attr("listen").map(str::to_string) {
            listen_elem(&[("type", "address"), ("address", &a)])
        } else if kind == "spice" && e.attr("port").is_none() && e.attr("tlsPort").is_none() && autoport != Some(true) {
            listen_elem(&[("type", "none")])
        } else {
            listen_elem(&[("type", "address")])
        };
        e.insert_kid(&GRAPHICS, l);
    } else if let Some(first) = e.kids.iter().find(|k| k.name == "listen") {
        if first.attr("type") == Some("address") {
            if let Some(a) = first.attr("address").map(str::to_string) {
                e.set(&GRAPHICS, "listen", a);
            }
        }
    }
    Ok(())
}

/// The graphics element as written without the SECURE flag.
pub fn hide_secrets(e: &Elem) -> Elem {
    let mut c = e.clone();
    c.attrs.remove("passwd");
    c
}

pub const VIDEO_MODELS: &[&str] = &[
    "default",
    "vga",
    "cirrus",
    "vmvga",
    "xen",
    "vbox",
    "qxl",
    "parallels",
    "virtio",
    "gop",
    "none",
    "bochs",
    "ramfb",
];

const MODEL_ATTRS: Spec = &[
    ("type", Kind::Str),
    ("ram", Kind::UInt),
    ("vram", Kind::UInt),
    ("vram64", Kind::UInt),
    ("vgamem", Kind::UInt),
    ("heads", Kind::Str),
    ("primary", Kind::Enum(YES_NO)),
];
const VIDEO_MODEL: ESpec = ESpec::new(
    "model",
    MODEL_ATTRS,
    &[
        &ESpec::new(
            "acceleration",
            &[("accel3d", Kind::Enum(YES_NO)), ("accel2d", Kind::Enum(YES_NO)), ("rendernode", Kind::Str)],
            &[],
        ),
        &ESpec::new("resolution", &[("x", Kind::UInt), ("y", Kind::UInt)], &[]),
    ],
);
pub const VIDEO: ESpec = ESpec::new(
    "video",
    &[],
    &[&ESpec::new("driver", &[("name", Kind::Enum(&["qemu", "vhostuser"]))], &[]), &VIDEO_MODEL, &ALIAS, &ADDRESS],
)
.fix(fix_video);

fn default_vram(model: &str) -> Option<u32> {
    match model {
        "vga" | "cirrus" | "vmvga" | "bochs" => Some(16384),
        "xen" => Some(4096),
        "qxl" => Some(65536),
        _ => None,
    }
}

fn fix_video(e: &mut Elem, n: Node) -> Result<()> {
    let m = child(n, "model");
    let kind = m.and_then(|m| attr(m, "type")).unwrap_or("cirrus").to_string();
    if !VIDEO_MODELS.contains(&kind.as_str()) {
        return Err(unsupported(format!("unknown video model '{kind}'")));
    }
    if let Some(h) = m.and_then(|m| attr(m, "heads")) {
        if h.parse::<u32>().is_err() {
            return Err(internal(format!("cannot parse video heads '{h}'")));
        }
    }
    let mut model = e.kid("model").cloned().unwrap_or_else(|| Elem::empty("model"));
    model.set(&VIDEO_MODEL, "type", kind.clone());
    if kind != "none" {
        if let Some(def) = default_vram(&kind) {
            let v: u32 = model.attr("vram").and_then(|v| v.parse().ok()).unwrap_or(0);
            if v < def {
                model.set(&VIDEO_MODEL, "vram", def.to_string());
            }
        }
        if kind == "qxl" && model.attr("ram").is_none() {
            model.set(&VIDEO_MODEL, "ram", "65536");
        }
        if model.attr("heads").is_none() {
            model.set(&VIDEO_MODEL, "heads", "1");
        }
    }
    if !matches!(kind.as_str(), "virtio" | "vbox") {
        model.remove_kids("acceleration");
    }
    e.remove_kids("model");
    e.insert_kid(&VIDEO, model);
    Ok(())
}

/// A video device as libvirt adds one for graphics without any.
pub fn default_video() -> Elem {
    let mut model = Elem::empty("model");
    for (k, v) in [("type", "cirrus"), ("vram", "16384"), ("heads", "1")] {
        model.set(&VIDEO_MODEL, k, v);
    }
    let mut e = Elem::empty("video");
    e.insert_kid(&VIDEO, model);
    e
}

pub fn video_model(e: &Elem) -> &str {
    e.kid("model").and_then(|m| m.attr("type")).unwrap_or("")
}

/// Marks the first video device primary and no other.
pub fn set_primary(videos: &mut [Elem]) {
    for (i, v) in videos.iter_mut().enumerate() {
        if let Some(m) = v.kid_mut("model") {
            if i == 0 && m.attr("type") != Some("none") {
                m.set(&VIDEO_MODEL, "primary", "yes");
            } else {
                m.attrs.remove("primary");
            }
        }
    }
}

const INPUT_TYPES: &[&str] = &["mouse", "tablet", "keyboard", "passthrough", "evdev"];
const INPUT_BUSES: &[&str] = &["ps2", "usb", "xen", "parallels", "virtio", "none"];

pub const INPUT: ESpec = ESpec::new(
    "input",
    &[("type", Kind::Str), ("bus", Kind::Str), ("model", Kind::Str)],
    &[
        &ESpec::new(
            "source",
            &[
                ("evdev", Kind::Str),
                ("dev", Kind::Str),
                ("grab", Kind::Str),
                ("grabToggle", Kind::Str),
                ("repeat", Kind::Str),
            ],
            &[],
        ),
        &ESpec::new(
            "driver",
            &[("iommu", Kind::Enum(ON_OFF)), ("ats", Kind::Enum(ON_OFF)), ("packed", Kind::Enum(ON_OFF))],
            &[],
        ),
        &ALIAS,
        &ADDRESS,
    ],
)
.fix(fix_input);

fn fix_input(e: &mut Elem, n: Node) -> Result<()> {
    let kind = attr(n, "type").unwrap_or("");
    if !INPUT_TYPES.contains(&kind) {
        return Err(unsupported(format!("unknown input device type '{kind}'")));
    }
    match attr(n, "bus") {
        Some(b) if !INPUT_BUSES.contains(&b) => return Err(unsupported(format!("unknown input bus type '{b}'"))),
        Some(_) => {}
        None => {
            let bus = match kind {
                "mouse" | "keyboard" => "ps2",
                "tablet" => "usb",
                "passthrough" => "virtio",
                _ => "none",
            };
            if kind != "evdev" {
                e.set(&INPUT, "bus", bus);
            }
        }
    }
    Ok(())
}

pub const SOUND: ESpec = ESpec::new(
    "sound",
    &[("model", Kind::Enum(&["sb16", "es1370", "pcspk", "ac97", "ich6", "ich9", "usb", "ich7"]))],
    &[
        &ESpec::new("codec", &[("type", Kind::Enum(&["duplex", "micro", "output"]))], &[]),
        &ESpec::new("audio", &[("id", Kind::UInt)], &[]),
        &ALIAS,
        &ADDRESS,
    ],
)
.fix(fix_sound);

fn fix_sound(e: &mut Elem, n: Node) -> Result<()> {
    if e.attr("model").is_none() {
        return Err(missing_attr(n, "model"));
    }
    if let Some(id) = e.kid("audio").and_then(|a| a.attr("id")) {
        return Err(dom_err(format!("no audio device with ID {id}")));
    }
    Ok(())
}
