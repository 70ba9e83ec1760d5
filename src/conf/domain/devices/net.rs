//! `<interface>`: network devices.

use super::super::props::*;
use super::super::tree::{ESpec, Elem, Text};
use super::address::ADDRESS;
use super::{ALIAS, BOOT};
use crate::core::error::{Error, Result};
use crate::generated::consts::*;
use roxmltree::Node;

/// A guest-side address and route (interfaces, capability host devices).
pub const IP: ESpec = ESpec::new(
    "ip",
    &[("address", Kind::Str), ("family", Kind::Str), ("prefix", Kind::UInt), ("peer", Kind::Str)],
    &[],
);
pub const ROUTE: ESpec = ESpec::new(
    "route",
    &[
        ("family", Kind::Str),
        ("address", Kind::Str),
        ("netmask", Kind::Str),
        ("prefix", Kind::UInt),
        ("gateway", Kind::Str),
        ("metric", Kind::UInt),
    ],
    &[],
);

pub const NET_TYPES: &[&str] = &[
    "user",
    "ethernet",
    "vhostuser",
    "server",
    "client",
    "mcast",
    "network",
    "bridge",
    "internal",
    "direct",
    "hostdev",
    "udp",
    "vdpa",
    "null",
    "vds",
];

const BW: Spec = &[("average", Kind::UInt), ("peak", Kind::UInt), ("burst", Kind::UInt), ("floor", Kind::UInt)];
const TARGET: Spec = &[("dev", Kind::Str), ("managed", Kind::Enum(YES_NO))];

pub const NET: ESpec = ESpec::new(
    "interface",
    &[("type", Kind::Enum(NET_TYPES)), ("trustGuestRxFilters", Kind::Enum(YES_NO))],
    &[
        &ESpec::new("mac", &[("address", Kind::Str), ("type", Kind::Str), ("check", Kind::Str)], &[]),
        &ESpec::new(
            "source",
            &[
                ("network", Kind::Str),
                ("portgroup", Kind::Str),
                ("portid", Kind::Str),
                ("bridge", Kind::Str),
                ("dev", Kind::Str),
                ("mode", Kind::Str),
                ("type", Kind::Str),
                ("path", Kind::Str),
                ("address", Kind::Str),
                ("port", Kind::Str),
            ],
            &[&ESpec::new("local", &[("address", Kind::Str), ("port", Kind::Str)], &[])],
        ),
        &ESpec::new(
            "vlan",
            &[("trunk", Kind::Enum(YES_NO))],
            &[&ESpec::new("tag", &[("id", Kind::UInt), ("nativeMode", Kind::Str)], &[])],
        ),
        &ESpec::new(
            "virtualport",
            &[("type", Kind::Str)],
            &[&ESpec::new(
                "parameters",
                &[
                    ("managerid", Kind::Str),
                    ("typeid", Kind::Str),
                    ("typeidversion", Kind::Str),
                    ("instanceid", Kind::Str),
                    ("interfaceid", Kind::Str),
                    ("profileid", Kind::Str),
                ],
                &[],
            )],
        ),
        &ESpec::new("bandwidth", &[], &[&ESpec::new("inbound", BW, &[]), &ESpec::new("outbound", BW, &[])]),
        &IP,
        &ROUTE,
        &ESpec::new("script", &[("path", Kind::Str)], &[]),
        &ESpec::new("downscript", &[("path", Kind::Str)], &[]),
        &ESpec::new("backenddomain", &[("name", Kind::Str)], &[]),
        &ESpec::new("target", TARGET, &[]),
        &ESpec::new("guest", &[("dev", Kind::Str), ("actual", Kind::Str)], &[]),
        &ESpec::new("model", &[("type", Kind::Str)], &[]),
        &ESpec::new(
            "driver",
            &[
                ("name", Kind::Enum(&["qemu", "vhost"])),
                ("txmode", Kind::Enum(&["iothread", "timer"])),
                ("ioeventfd", Kind::Enum(ON_OFF)),
                ("event_idx", Kind::Enum(ON_OFF)),
                ("queues", Kind::UInt),
                ("rx_queue_size", Kind::UInt),
                ("tx_queue_size", Kind::UInt),
                ("rss", Kind::Enum(ON_OFF)),
            ],
            &[
                &ESpec::new(
                    "host",
                    &[
                        ("csum", Kind::Enum(ON_OFF)),
                        ("gso", Kind::Enum(ON_OFF)),
                        ("tso4", Kind::Enum(ON_OFF)),
                        ("tso6", Kind::Enum(ON_OFF)),
                        ("ecn", Kind::Enum(ON_OFF)),
                        ("ufo", Kind::Enum(ON_OFF)),
                        ("mrg_rxbuf", Kind::Enum(ON_OFF)),
                    ],
                    &[],
                ),
                &ESpec::new(
                    "guest",
                    &[
                        ("csum", Kind::Enum(ON_OFF)),
                        ("tso4", Kind::Enum(ON_OFF)),
                        ("tso6", Kind::Enum(ON_OFF)),
                        ("ecn", Kind::Enum(ON_OFF)),
                        ("ufo", Kind::Enum(ON_OFF)),
                    ],
                    &[],
                ),
            ],
        ),
        &ESpec::new("backend", &[("tap", Kind::Str), ("vhost", Kind::Str)], &[]),
        &ESpec::new("tune", &[], &[&ESpec::text("sndbuf", &[], Text::UInt)]),
        &ESpec::new("teaming", &[("type", Kind::Enum(&["persistent", "transient"])), ("persistent", Kind::Str)], &[]),
        &ESpec::new("link", &[("state", Kind::Enum(&["up", "down"]))], &[]),
        &ESpec::new("mtu", &[("size", Kind::UInt)], &[]),
        &ESpec::new("coalesce", &[], &[&ESpec::new("rx", &[], &[&ESpec::new("frames", &[("max", Kind::UInt)], &[])])]),
        &ESpec::new(
            "filterref",
            &[("filter", Kind::Str)],
            &[&ESpec::new("parameter", &[("name", Kind::Str), ("value", Kind::Str)], &[])],
        ),
        &BOOT,
        &ESpec::new("rom", &[("bar", Kind::Enum(ON_OFF)), ("file", Kind::Str), ("enabled", Kind::Enum(YES_NO))], &[]),
        &ALIAS,
        &ADDRESS,
    ],
)
.fix(fix_net);

/// Parses a MAC address as libvirt does; `None` when malformed.
pub fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() != 6 {
        return None;
    }
    let mut out = [0u8; 6];
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() || p.len() > 2 {
            return None;
        }
        out[i] = u8::from_str_radix(p, 16).ok()?;
    }
    Some(out)
}

pub fn format_mac(m: &[u8; 6]) -> String {
    m.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}

fn random_mac() -> String {
    let mut r = [0u8; 3];
    crate::util::random::fill(&mut r);
    format_mac(&[0x52, 0x54, 0x00, r[0], r[1], r[2]])
}

const GENERATED_PREFIXES: &[&str] = &["vnet", "macvtap", "macvlan"];
const VIRTIO_MODELS: &[&str] = &["virtio", "virtio-transitional", "virtio-non-transitional"];

fn fix_net(e: &mut Elem, n: Node) -> Result<()> {
    let kind = enum_attr_req(n, "type", NET_TYPES)?;
    let mac = match e.kid("mac").and_then(|m| m.attr("address")) {
        Some(a) => {
            let m = parse_mac(a).ok_or_else(|| dom_err(format!("unable to parse mac address '{a}'")))?;
            if m[0] & 1 == 1 {
                return Err(dom_err(format!("expected unicast mac address, found multicast '{a}'")));
            }
            format_mac(&m)
        }
        None => random_mac(),
    };
    let mac_spec = ESpec::new("mac", &[("address", Kind::Str), ("type", Kind::Str), ("check", Kind::Str)], &[]);
    match e.kid_mut("mac") {
        Some(m) => m.set(&mac_spec, "address", mac),
        None => {
            let mut m = Elem::empty("mac");
            m.set(&mac_spec, "address", mac);
            e.insert_kid(&NET, m);
        }
    }
    if kind == "network" && e.kid("source").and_then(|s| s.attr("network")).is_none() {
        return Err(dom_err("interface type='network' requires a 'source' element"));
    }
    if kind == "bridge" && e.kid("source").and_then(|s| s.attr("bridge")).is_none() {
        return Err(dom_err("Missing source bridge for interface type='bridge'"));
    }
    let floor = e.kid("bandwidth").and_then(|b| b.kid("inbound")).and_then(|i| i.attr("floor")).is_some();
    if floor && kind != "network" {
        return Err(Error::with_detail(
            VIR_FROM_NONE,
            VIR_ERR_CONFIG_UNSUPPORTED,
            "floor attribute is not supported for this config",
        ));
    }
    if let Some(t) = e.kid_mut("target") {
        if t.attr("dev").map(|d| GENERATED_PREFIXES.iter().any(|p| d.starts_with(p))).unwrap_or(false) {
            t.attrs.remove("dev");
        }
        if t.attrs.is_empty() {
            e.remove_kids("target");
        }
    }
    let ip_spec = ESpec::new(
        "ip",
        &[("address", Kind::Str), ("family", Kind::Str), ("prefix", Kind::UInt), ("peer", Kind::Str)],
        &[],
    );
    for ip in e.kids.iter_mut().filter(|k| k.name == "ip") {
        if ip.attr("family").is_none() {
            if let Some(a) = ip.attr("address") {
                let fam = if a.contains(':') { "ipv6" } else { "ipv4" };
                ip.set(&ip_spec, "family", fam);
            }
        }
    }
    let virtio = e.kid("model").and_then(|m| m.attr("type")).map(|t| VIRTIO_MODELS.contains(&t)).unwrap_or(false);
    if !virtio {
        e.remove_kids("driver");
    }
    Ok(())
}

pub fn ifname(e: &Elem) -> Option<&str> {
    e.kid("target").and_then(|t| t.attr("dev"))
}

/// Names the host side of an interface (`<target dev=...>`).
pub fn set_ifname(e: &mut Elem, name: &str) {
    let spec = ESpec::new("target", TARGET, &[]);
    match e.kid_mut("target") {
        Some(t) => t.set(&spec, "dev", name),
        None => {
            let mut t = Elem::empty("target");
            t.set(&spec, "dev", name);
            e.insert_kid(&NET, t);
        }
    }
}

pub fn mac(e: &Elem) -> &str {
    e.kid("mac").and_then(|m| m.attr("address")).unwrap_or("")
}
