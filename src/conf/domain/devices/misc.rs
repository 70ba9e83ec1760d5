//! The remaining device families, each a plain spec with its defaults:
//! host devices, filesystems, balloon, RNG, watchdog, panic, TPM, shared
//! memory, IOMMU, vsock, hubs, smartcards, redirected USB and leases.

use super::super::props::*;
use super::super::tree::{ESpec, Elem, Text};
use super::address::{self, ADDRESS};
use super::{net, ALIAS, BOOT};
use crate::core::error::Result;
use roxmltree::Node;

const TEXT: Text = Text::Str { trim: false };

const HOST_ADDR: Spec = &[
    ("domain", Kind::Str),
    ("bus", Kind::Str),
    ("slot", Kind::Str),
    ("function", Kind::Str),
    ("device", Kind::Str),
    ("target", Kind::Str),
    ("unit", Kind::Str),
    ("uuid", Kind::Str),
];
const HOST_SOURCE: ESpec = ESpec::new(
    "source",
    &[
        ("startupPolicy", Kind::Enum(&["mandatory", "requisite", "optional"])),
        ("protocol", Kind::Str),
        ("name", Kind::Str),
    ],
    &[
        &ESpec::new("vendor", &[("id", Kind::Str)], &[]),
        &ESpec::new("product", &[("id", Kind::Str)], &[]),
        &ESpec::new("adapter", &[("name", Kind::Str), ("type", Kind::Str)], &[]),
        &ESpec::new("address", HOST_ADDR, &[]).fix(fix_host_addr),
        &ESpec::text("block", &[], TEXT),
        &ESpec::text("char", &[], TEXT),
        &ESpec::text("interface", &[], TEXT),
    ],
);

fn fix_host_addr(e: &mut Elem, n: Node) -> Result<()> {
    if attr(n, "slot").is_some() || attr(n, "function").is_some() || attr(n, "domain").is_some() {
        let get = |k| uint_attr_any(n, k).map(|v| v.unwrap_or(0));
        let (d, b, s, f) = (get("domain")?, get("bus")?, get("slot")?, get("function")?);
        e.attrs = Attrs::default();
        for (k, v) in [
            ("domain", format!("0x{d:04x}")),
            ("bus", format!("0x{b:02x}")),
            ("slot", format!("0x{s:02x}")),
            ("function", format!("0x{f:x}")),
        ] {
            e.attrs.set(HOST_ADDR, k, v);
        }
    }
    Ok(())
}

pub const HOSTDEV: ESpec = ESpec::new(
    "hostdev",
    &[
        ("mode", Kind::Enum(&["subsystem", "capabilities"])),
        ("type", Kind::Str),
        ("managed", Kind::Enum(YES_NO)),
        ("sgio", Kind::Enum(&["filtered", "unfiltered"])),
        ("rawio", Kind::Enum(YES_NO)),
        ("model", Kind::Str),
        ("display", Kind::Enum(ON_OFF)),
    ],
    &[
        &ESpec::new("driver", &[("name", Kind::Str)], &[]),
        &HOST_SOURCE,
        &net::IP,
        &net::ROUTE,
        &BOOT,
        &ESpec::new("rom", &[("bar", Kind::Enum(ON_OFF)), ("file", Kind::Str), ("enabled", Kind::Enum(YES_NO))], &[]),
        &ESpec::new("readonly", &[], &[]),
        &ESpec::new("shareable", &[], &[]),
        &ALIAS,
        &ADDRESS,
    ],
)
.fix(fix_hostdev);

fn fix_hostdev(e: &mut Elem, n: Node) -> Result<()> {
    let mode = attr(n, "mode").unwrap_or("subsystem");
    e.set(&HOSTDEV, "mode", mode);
    let kind = attr(n, "type").unwrap_or("");
    let types: &[&str] =
        if mode == "subsystem" { &["usb", "pci", "scsi", "scsi_host", "mdev"] } else { &["storage", "misc", "net"] };
    if !types.contains(&kind) {
        return Err(unsupported(format!("unknown host device source address type '{kind}'")));
    }
    if mode == "subsystem" && e.attr("managed").is_none() {
        e.set(&HOSTDEV, "managed", "no");
    }
    let needs = match kind {
        "storage" => Some(("block", "storage")),
        "misc" => Some(("char", "character")),
        "net" => Some(("interface", "net")),
        _ => None,
    };
    if let Some((what, family)) = needs {
        if e.kid("source").and_then(|s| s.kid(what)).is_none() {
            return Err(dom_err(format!("Missing <{what}> element in hostdev {family} device")));
        }
    } else {
        e.remove_kids("ip");
        e.remove_kids("route");
        if let Some(src) = e.kid_mut("source") {
            src.kids.retain(|k| !matches!(k.name, "block" | "char" | "interface"));
        }
    }
    if kind == "scsi" && e.kid("address").is_none() {
        e.insert_kid(&HOSTDEV, address::drive(0, 0, 0, 0));
    }
    Ok(())
}

pub const FILESYSTEM: ESpec = ESpec::new(
    "filesystem",
    &[
        ("type", Kind::Enum(&["mount", "block", "file", "template", "ram", "bind", "volume"])),
        ("accessmode", Kind::Enum(&["passthrough", "mapped", "squash"])),
        ("model", Kind::Str),
        ("multidevs", Kind::Str),
        ("fmode", Kind::Str),
        ("dmode", Kind::Str),
    ],
    &[
        &ESpec::new(
            "driver",
            &[("type", Kind::Str), ("format", Kind::Str), ("wrpolicy", Kind::Str), ("queue", Kind::UInt)],
            &[],
        ),
        &ESpec::new("binary", &[("path", Kind::Str), ("xattr", Kind::Enum(ON_OFF))], &[]),
        &ESpec::new(
            "source",
            &[
                ("dir", Kind::Str),
                ("file", Kind::Str),
                ("dev", Kind::Str),
                ("name", Kind::Str),
                ("usage", Kind::UInt),
                ("units", Kind::Str),
                ("socket", Kind::Str),
                ("pool", Kind::Str),
                ("volume", Kind::Str),
            ],
            &[],
        ),
        &ESpec::new("target", &[("dir", Kind::Str)], &[]),
        &ESpec::new("readonly", &[], &[]),
        &ESpec::text("space_hard_limit", &[("unit", Kind::Str)], Text::UInt),
        &ESpec::text("space_soft_limit", &[("unit", Kind::Str)], Text::UInt),
        &ALIAS,
        &ADDRESS,
    ],
)
.fix(fix_filesystem);

fn fix_filesystem(e: &mut Elem, _n: Node) -> Result<()> {
    if e.attr("type").is_none() {
        e.set(&FILESYSTEM, "type", "mount");
    }
    if e.attr("accessmode").is_none() {
        e.set(&FILESYSTEM, "accessmode", "passthrough");
    }
    if e.kid("target").and_then(|t| t.attr("dir")).is_none() {
        return Err(no_target());
    }
    Ok(())
}

fn no_target() -> crate::core::error::Error {
    crate::core::error::Error::new(
        crate::generated::consts::VIR_FROM_DOMAIN,
        crate::generated::consts::VIR_ERR_NO_TARGET,
        None,
    )
}

pub const MEMBALLOON: ESpec = ESpec::new(
    "memballoon",
    &[
        ("model", Kind::Enum(&["virtio", "xen", "none", "virtio-transitional", "virtio-non-transitional"])),
        ("autodeflate", Kind::Enum(ON_OFF)),
        ("freePageReporting", Kind::Enum(ON_OFF)),
    ],
    &[
        &ESpec::new("stats", &[("period", Kind::Int)], &[]),
        &ALIAS,
        &ADDRESS,
        &ESpec::new(
            "driver",
            &[("iommu", Kind::Enum(ON_OFF)), ("ats", Kind::Enum(ON_OFF)), ("packed", Kind::Enum(ON_OFF))],
            &[],
        ),
    ],
)
.fix(fix_required_model);

fn fix_required_model(e: &mut Elem, n: Node) -> Result<()> {
    if e.attr("model").is_none() {
        return Err(missing_attr(n, "model"));
    }
    Ok(())
}

const CHR_SOURCE: ESpec =
    ESpec::new("source", &[("mode", Kind::Str), ("path", Kind::Str), ("host", Kind::Str), ("service", Kind::Str)], &[]);
const RNG_BACKEND: ESpec = ESpec {
    text: TEXT,
    ..ESpec::new(
        "backend",
        &[("model", Kind::Str), ("type", Kind::Str)],
        &[&CHR_SOURCE, &ESpec::new("protocol", &[("type", Kind::Str)], &[])],
    )
};
pub const RNG: ESpec = ESpec::new(
    "rng",
    &[("model", Kind::Enum(&["virtio", "virtio-transitional", "virtio-non-transitional"]))],
    &[&ESpec::new("rate", &[("bytes", Kind::UInt), ("period", Kind::UInt)], &[]), &RNG_BACKEND, &ALIAS, &ADDRESS],
)
.fix(fix_rng);

fn fix_rng(e: &mut Elem, n: Node) -> Result<()> {
    if e.attr("model").is_none() {
        return Err(missing_attr(n, "model"));
    }
    let b = child(n, "backend");
    let model = b.and_then(|b| attr(b, "model")).unwrap_or("");
    if !["random", "egd", "builtin"].contains(&model) {
        return Err(unsupported(format!("unknown RNG backend model '{model}'")));
    }
    if let Some(be) = e.kid_mut("backend") {
        if model != "random" {
            be.text = None;
        }
        if model == "egd" && be.attr("type") == Some("tcp") && be.kid("protocol").is_none() {
            let mut p = Elem::empty("protocol");
            p.attrs.set(&[("type", Kind::Str)], "type", "raw");
            be.insert_kid(&RNG_BACKEND, p);
        }
        if let Some(s) = be.kid_mut("source") {
            if s.attr("mode").is_none() {
                s.attrs.set(CHR_SOURCE.attrs, "mode", "connect");
            }
        }
    }
    Ok(())
}

pub const WATCHDOG: ESpec =
    ESpec::new("watchdog", &[("model", Kind::Str), ("action", Kind::Str)], &[&ALIAS, &ADDRESS]).fix(fix_watchdog);

fn fix_watchdog(e: &mut Elem, n: Node) -> Result<()> {
    let model = attr(n, "model").unwrap_or("");
    if !["i6300esb", "ib700", "diag288", "itco"].contains(&model) {
        return Err(unsupported(format!("unknown watchdog model '{model}'")));
    }
    match attr(n, "action") {
        None => e.set(&WATCHDOG, "action", "reset"),
        Some(a) if ["reset", "shutdown", "poweroff", "pause", "none", "dump", "inject-nmi"].contains(&a) => {}
        Some(a) => return Err(unsupported(format!("unknown watchdog action '{a}'"))),
    }
    Ok(())
}

pub const PANIC: ESpec = ESpec::new(
    "panic",
    &[("model", Kind::Enum(&["default", "isa", "pseries", "hyperv", "s390", "pvpanic"]))],
    &[&ALIAS, &ADDRESS],
);

pub const TPM: ESpec = ESpec::new(
    "tpm",
    &[("model", Kind::Enum(&["tpm-tis", "tpm-crb", "tpm-spapr", "spapr-tpm-proxy"]))],
    &[
        &ESpec::new(
            "backend",
            &[
                ("type", Kind::Enum(&["passthrough", "emulator", "external"])),
                ("version", Kind::Enum(&["default", "1.2", "2.0"])),
                ("persistent_state", Kind::Enum(YES_NO)),
            ],
            &[
                &ESpec::new("device", &[("path", Kind::Str)], &[]),
                &ESpec::new("encryption", &[("secret", Kind::Str)], &[]),
                &ESpec::new("source", &[("type", Kind::Str), ("mode", Kind::Str), ("path", Kind::Str)], &[]),
                &PCR_BANKS,
            ],
        )
        .fix(fix_tpm_backend),
        &ALIAS,
        &ADDRESS,
    ],
);

const PCR_BANK_NAMES: &[&str] = &["sha1", "sha256", "sha384", "sha512"];
const PCR_BANKS: ESpec = ESpec::new(
    "active_pcr_banks",
    &[],
    &[
        &ESpec::new("sha1", &[], &[]),
        &ESpec::new("sha256", &[], &[]),
        &ESpec::new("sha384", &[], &[]),
        &ESpec::new("sha512", &[], &[]),
    ],
);

/// The PCR banks an emulated TPM 2.0 starts with (other backends have none).
fn fix_tpm_backend(e: &mut Elem, n: Node) -> Result<()> {
    let Some(banks) = child(n, "active_pcr_banks") else { return Ok(()) };
    if e.attr("type") != Some("emulator") {
        e.remove_kids("active_pcr_banks");
        return Ok(());
    }
    if let Some(bad) = banks.children().filter(|c| c.is_element()).find(|c| !PCR_BANK_NAMES.contains(&elem_name(*c))) {
        return Err(unsupported(format!("Unsupported PCR banks '{}'", elem_name(bad))));
    }
    if e.attr("version") != Some("2.0") {
        return Err(dom_err("<active_pcr_banks/> requires TPM version '2.0'"));
    }
    if e.kid("active_pcr_banks").is_some_and(|b| b.kids.is_empty()) {
        e.remove_kids("active_pcr_banks");
    }
    Ok(())
}

pub const SHMEM: ESpec = ESpec::new(
    "shmem",
    &[("name", Kind::Str), ("role", Kind::Enum(&["master", "peer"]))],
    &[
        &ESpec::new("model", &[("type", Kind::Str)], &[]),
        &ESpec::text("size", &[("unit", Kind::Str)], Text::UInt),
        &ESpec::new("server", &[("path", Kind::Str)], &[]),
        &ESpec::new("msi", &[("vectors", Kind::UInt), ("ioeventfd", Kind::Enum(ON_OFF))], &[]),
        &ALIAS,
        &ADDRESS,
    ],
);

pub const IOMMU: ESpec = ESpec::new(
    "iommu",
    &[("model", Kind::Enum(&["intel", "smmuv3", "virtio"]))],
    &[
        &ESpec::new(
            "driver",
            &[
                ("intremap", Kind::Enum(ON_OFF)),
                ("caching_mode", Kind::Enum(ON_OFF)),
                ("eim", Kind::Enum(ON_OFF)),
                ("iotlb", Kind::Enum(ON_OFF)),
                ("aw_bits", Kind::UInt),
            ],
            &[],
        ),
        &ALIAS,
        &ADDRESS,
    ],
);

pub const VSOCK: ESpec = ESpec::new(
    "vsock",
    &[("model", Kind::Str)],
    &[&ESpec::new("cid", &[("auto", Kind::Enum(YES_NO)), ("address", Kind::UInt)], &[]), &ALIAS, &ADDRESS],
);

pub const HUB: ESpec = ESpec::new("hub", &[("type", Kind::Enum(&["usb"]))], &[&ALIAS, &ADDRESS]);

pub const SMARTCARD: ESpec = ESpec::new(
    "smartcard",
    &[("mode", Kind::Enum(&["host", "host-certificates", "passthrough"])), ("type", Kind::Str)],
    &[
        &ESpec::text("certificate", &[], TEXT),
        &ESpec::text("database", &[], TEXT),
        &ESpec::new(
            "source",
            &[("mode", Kind::Str), ("path", Kind::Str), ("host", Kind::Str), ("service", Kind::Str)],
            &[],
        ),
        &ESpec::new("protocol", &[("type", Kind::Str)], &[]),
        &ALIAS,
        &ADDRESS,
    ],
);

const REDIR_PROTOCOL: ESpec = ESpec::new("protocol", &[("type", Kind::Str)], &[]);
pub const REDIRDEV: ESpec = ESpec::block(
    "redirdev",
    &[("bus", Kind::Str), ("type", Kind::Str)],
    &[
        &ESpec::new(
            "source",
            &[("mode", Kind::Str), ("host", Kind::Str), ("service", Kind::Str), ("path", Kind::Str)],
            &[],
        ),
        &REDIR_PROTOCOL,
        &BOOT,
        &ALIAS,
        &ADDRESS,
    ],
)
.fix(fix_redirdev);

fn fix_redirdev(e: &mut Elem, _n: Node) -> Result<()> {
    match e.attr("bus") {
        None => e.set(&REDIRDEV, "bus", "usb"),
        Some("usb") => {}
        Some(b) => return Err(unsupported(format!("unknown redirdev bus '{b}'"))),
    }
    if e.attr("type") == Some("tcp") && e.kid("protocol").is_none() {
        let mut p = Elem::empty("protocol");
        p.set(&REDIR_PROTOCOL, "type", "raw");
        e.insert_kid(&REDIRDEV, p);
    }
    Ok(())
}

pub const LEASE: ESpec = ESpec::new(
    "lease",
    &[],
    &[
        &ESpec::text("lockspace", &[], TEXT),
        &ESpec::text("key", &[], TEXT),
        &ESpec::new("target", &[("path", Kind::Str), ("offset", Kind::UInt)], &[]),
    ],
);
