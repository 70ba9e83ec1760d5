//! Host interface XML (`<interface>` of the interface driver): ethernet,
//! bridge, bond and vlan interfaces with their protocols, as libvirt parses
//! and formats them.

use super::netdev::{invalid_attr, missing_attr, unknown_cause, xml_error};
use super::xml::{child, parse_root, XmlWriter};
use crate::core::error::{Error, Result};
use crate::generated::consts::*;
use roxmltree::Node;

fn err(msg: impl AsRef<str>) -> Error {
    xml_error(VIR_FROM_INTERFACE, msg)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IfaceType {
    Ethernet,
    Bridge,
    Bond,
    Vlan,
}

impl IfaceType {
    fn parse(s: &str) -> Option<IfaceType> {
        Some(match s {
            "ethernet" => IfaceType::Ethernet,
            "bridge" => IfaceType::Bridge,
            "bond" => IfaceType::Bond,
            "vlan" => IfaceType::Vlan,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            IfaceType::Ethernet => "ethernet",
            IfaceType::Bridge => "bridge",
            IfaceType::Bond => "bond",
            IfaceType::Vlan => "vlan",
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Protocol {
    pub family: String,
    pub autoconf: bool,
    /// `<dhcp>`, with its `peerdns` setting.
    pub dhcp: Option<Option<bool>>,
    pub ips: Vec<(String, Option<i64>)>,
    pub gateway: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum BondMonitor {
    Mii { freq: i64, downdelay: Option<i64>, updelay: Option<i64>, carrier: Option<String> },
    Arp { interval: i64, target: String, validate: Option<String> },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Ethernet,
    Bridge { stp: Option<bool>, delay: Option<String>, ifaces: Vec<InterfaceDef> },
    Bond { mode: Option<String>, monitor: Option<BondMonitor>, ifaces: Vec<InterfaceDef> },
    Vlan { tag: String, dev: String },
}

#[derive(Clone, Debug, PartialEq)]
pub struct InterfaceDef {
    pub kind: Kind,
    pub name: String,
    pub start_mode: Option<String>,
    pub mtu: u64,
    pub protocols: Vec<Protocol>,
    pub link: (Option<u64>, Option<String>),
    pub mac: Option<String>,
}

const LINK_STATES: [&str; 7] = ["unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up"];
const BOND_MODES: [&str; 7] =
    ["balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad", "balance-tlb", "balance-alb"];

fn int_attr(n: Node, name: &str) -> Result<Option<i64>> {
    match n.attribute(name) {
        None => Ok(None),
        Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| {
            xml_error(
                VIR_FROM_XML,
                format!(
                    "Invalid value for attribute '{name}' in element '{}': '{v}'. Expected integer value",
                    n.tag_name().name()
                ),
            )
        }),
    }
}

impl InterfaceDef {
    /// Parses an `<interface>` document (doc name `interface_definition`).
    pub fn parse(xml: &str) -> Result<InterfaceDef> {
        let doc = parse_root(xml, "interface_definition", "interface")?;
        InterfaceDef::from_node(doc.root_element(), None)
    }

    /// `parent` is the type of the interface this one is nested in.
    fn from_node(n: Node, parent: Option<IfaceType>) -> Result<InterfaceDef> {
        let t = n.attribute("type").ok_or_else(|| missing_attr("type", "interface"))?;
        let kind = IfaceType::parse(t).ok_or_else(|| invalid_attr("type", "interface", t))?;
        let allowed = match parent {
            None => true,
            Some(IfaceType::Bridge) => kind != IfaceType::Bridge,
            Some(_) => kind == IfaceType::Ethernet,
        };
        if !allowed {
            return Err(err(format!("interface has unsupported type '{}'", kind.name())));
        }
        let name = n.attribute("name").ok_or_else(|| err("interface has no name"))?.to_string();
        let top = parent.is_none();
        let start_mode = if top { parse_start(n)? } else { None };
        let mtu = if top { parse_mtu(n)? } else { 0 };
        let protocols = if top {
            n.children().filter(|c| c.has_tag_name("protocol")).map(parse_protocol).collect::<Result<Vec<_>>>()?
        } else {
            Vec::new()
        };
        // bridges have no link of their own in libvirt's interface XML
        let link = if kind == IfaceType::Bridge { (None, None) } else { parse_link(n)? };
        let mac = if kind == IfaceType::Ethernet {
            child(n, "mac").and_then(|m| m.attribute("address")).map(str::to_string)
        } else {
            None
        };
        let kind = match kind {
            IfaceType::Ethernet => Kind::Ethernet,
            IfaceType::Bridge => parse_bridge(n)?,
            IfaceType::Bond => parse_bond(n)?,
            IfaceType::Vlan => parse_vlan(n)?,
        };
        Ok(InterfaceDef { kind, name, start_mode, mtu, protocols, link, mac })
    }

    pub fn format(&self) -> String {
        let mut w = XmlWriter::new();
        self.format_into(&mut w);
        w.finish()
    }

    fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Ethernet => "ethernet",
            Kind::Bridge { .. } => "bridge",
            Kind::Bond { .. } => "bond",
            Kind::Vlan { .. } => "vlan",
        }
    }

    fn format_into(&self, w: &mut XmlWriter) {
        w.open("interface", &[("type", Some(self.type_name())), ("name", Some(&self.name))]);
        if let Some(m) = &self.start_mode {
            w.empty("start", &[("mode", Some(m))]);
        }
        if self.mtu > 0 {
            w.empty("mtu", &[("size", Some(&self.mtu.to_string()))]);
        }
        for p in &self.protocols {
            format_protocol(p, w);
        }
        let (speed, state) = (&self.link.0, &self.link.1);
        if speed.is_some() || state.is_some() {
            let speed = speed.map(|s| s.to_string());
            w.empty("link", &[("speed", speed.as_deref()), ("state", state.as_deref())]);
        }
        match &self.kind {
            Kind::Ethernet => {
                if let Some(m) = &self.mac {
                    // libvirt prints the address as given, unescaped
                    w.raw_lines(&format!("<mac address='{m}'/>"));
                }
            }
            Kind::Bridge { stp, delay, ifaces } => {
                let stp = stp.map(|s| if s { "on" } else { "off" });
                w.open("bridge", &[("stp", stp), ("delay", delay.as_deref())]);
                ifaces.iter().for_each(|i| i.format_into(w));
                w.close("bridge");
            }
            Kind::Bond { mode, monitor, ifaces } => {
                w.open("bond", &[("mode", mode.as_deref())]);
                format_monitor(monitor, w);
                ifaces.iter().for_each(|i| i.format_into(w));
                w.close("bond");
            }
            Kind::Vlan { tag, dev } => {
                w.open("vlan", &[("tag", Some(tag))]);
                w.empty("interface", &[("name", Some(dev))]);
                w.close("vlan");
            }
        }
        w.close("interface");
    }
}

fn parse_start(n: Node) -> Result<Option<String>> {
    match child(n, "start").and_then(|s| s.attribute("mode")) {
        None => Ok(None),
        Some(m) if ["none", "onboot", "hotplug"].contains(&m) => Ok(Some(m.to_string())),
        Some(m) => Err(err(format!("unknown interface startmode {m}"))),
    }
}

fn parse_mtu(n: Node) -> Result<u64> {
    match child(n, "mtu").and_then(|m| m.attribute("size")) {
        None => Ok(0),
        Some(s) => s.trim().parse::<u32>().map(u64::from).map_err(|_| unknown_cause()),
    }
}

fn parse_link(n: Node) -> Result<(Option<u64>, Option<String>)> {
    let Some(l) = child(n, "link") else {
        return Ok((None, None));
    };
    let speed = match l.attribute("speed") {
        None => None,
        Some(v) => Some(v.trim().parse::<u64>().map_err(|_| {
            xml_error(
                VIR_FROM_XML,
                format!(
                    "Invalid value for attribute 'speed' in element 'link': '{v}'. Expected non-negative integer value"
                ),
            )
        })?),
    };
    let state = match l.attribute("state") {
        None => None,
        Some(s) if LINK_STATES.contains(&s) => Some(s.to_string()),
        Some(s) => return Err(invalid_attr("state", "link", s)),
    };
    Ok((speed.filter(|s| *s > 0), state))
}

fn parse_protocol(p: Node) -> Result<Protocol> {
    let family = p.attribute("family").ok_or_else(|| err("protocol misses the family attribute"))?;
    if family != "ipv4" && family != "ipv6" {
        return Err(err(format!("unsupported protocol family '{family}'")));
    }
    let dhcp = match child(p, "dhcp") {
        None => None,
        Some(d) => Some(match d.attribute("peerdns") {
            None => None,
            Some("yes") => Some(true),
            Some("no") => Some(false),
            Some(v) => return Err(invalid_attr("peerdns", "dhcp", v)),
        }),
    };
    let mut ips = Vec::new();
    for ip in p.children().filter(|c| c.has_tag_name("ip")) {
        let prefix = int_attr(ip, "prefix")?;
        if let Some(a) = ip.attribute("address") {
            ips.push((a.to_string(), prefix));
        }
    }
    Ok(Protocol {
        family: family.to_string(),
        autoconf: family == "ipv6" && child(p, "autoconf").is_some(),
        dhcp,
        ips,
        gateway: child(p, "route").and_then(|r| r.attribute("gateway")).map(str::to_string),
    })
}

fn format_protocol(p: &Protocol, w: &mut XmlWriter) {
    w.open("protocol", &[("family", Some(&p.family))]);
    if p.autoconf {
        w.empty("autoconf", &[]);
    }
    if let Some(peerdns) = p.dhcp {
        w.empty("dhcp", &[("peerdns", peerdns.map(|v| if v { "yes" } else { "no" }))]);
    }
    for (addr, prefix) in &p.ips {
        let prefix = prefix.map(|p| p.to_string());
        w.empty("ip", &[("address", Some(addr)), ("prefix", prefix.as_deref())]);
    }
    if let Some(g) = &p.gateway {
        w.empty("route", &[("gateway", Some(g))]);
    }
    w.close("protocol");
}

fn nested(n: Node, parent: IfaceType) -> Result<Vec<InterfaceDef>> {
    n.children().filter(|c| c.has_tag_name("interface")).map(|c| InterfaceDef::from_node(c, Some(parent))).collect()
}

fn parse_bridge(n: Node) -> Result<Kind> {
    let b = child(n, "bridge").ok_or_else(|| err("bridge interface misses the bridge element"))?;
    // an unrecognised stp setting makes libvirt skip the delay too
    let (stp, delay) = match b.attribute("stp") {
        Some("on") => (Some(true), b.attribute("delay")),
        Some("off") => (Some(false), b.attribute("delay")),
        Some(_) => (None, None),
        None => (None, b.attribute("delay")),
    };
    Ok(Kind::Bridge { stp, delay: delay.map(str::to_string), ifaces: nested(b, IfaceType::Bridge)? })
}

fn parse_bond(n: Node) -> Result<Kind> {
    let b = child(n, "bond").ok_or_else(|| err("bond interface misses the bond element"))?;
    let mode = match b.attribute("mode") {
        None => None,
        Some(m) if BOND_MODES.contains(&m) => Some(m.to_string()),
        Some(m) => return Err(err(format!("unknown bonding mode {m}"))),
    };
    let ifaces = nested(b, IfaceType::Bond)?;
    let monitor = if let Some(m) = child(b, "miimon") {
        let num = |k: &str| m.attribute(k).map(|v| v.trim().parse::<i64>().ok());
        let freq = num("freq").flatten().ok_or_else(|| err("bond interface miimon freq missing or invalid"))?;
        let delay = |k: &str| match num(k) {
            None => Ok(None),
            Some(Some(v)) => Ok(Some(v)),
            Some(None) => Err(err(format!("bond interface miimon {k} invalid"))),
        };
        let (downdelay, updelay) = (delay("downdelay")?, delay("updelay")?);
        let carrier = match m.attribute("carrier") {
            None => None,
            Some(c) if c == "ioctl" || c == "netif" => Some(c.to_string()),
            Some(c) => return Err(err(format!("unknown mii bonding carrier {c}"))),
        };
        Some(BondMonitor::Mii { freq, downdelay, updelay, carrier })
    } else if let Some(a) = child(b, "arpmon") {
        let interval = a
            .attribute("interval")
            .and_then(|v| v.trim().parse::<i64>().ok())
            .ok_or_else(|| err("bond interface arpmon interval missing or invalid"))?;
        let target = a.attribute("target").ok_or_else(|| err("bond interface arpmon target missing"))?.to_string();
        let validate = match a.attribute("validate") {
            None => None,
            Some(v) if ["none", "active", "backup", "all"].contains(&v) => Some(v.to_string()),
            Some(v) => return Err(err(format!("unknown arp bonding validate {v}"))),
        };
        Some(BondMonitor::Arp { interval, target, validate })
    } else {
        None
    };
    Ok(Kind::Bond { mode, monitor, ifaces })
}

fn format_monitor(m: &Option<BondMonitor>, w: &mut XmlWriter) {
    let s = |v: &Option<i64>| v.map(|v| v.to_string());
    match m {
        None => {}
        Some(BondMonitor::Mii { freq, downdelay, updelay, carrier }) => {
            let (f, d, u) = (freq.to_string(), s(downdelay), s(updelay));
            w.empty(
                "miimon",
                &[
                    ("freq", Some(&f)),
                    ("downdelay", d.as_deref()),
                    ("updelay", u.as_deref()),
                    ("carrier", carrier.as_deref()),
                ],
            );
        }
        Some(BondMonitor::Arp { interval, target, validate }) => {
            let i = interval.to_string();
            w.empty("arpmon", &[("interval", Some(&i)), ("target", Some(target)), ("validate", validate.as_deref())]);
        }
    }
}

fn parse_vlan(n: Node) -> Result<Kind> {
    let v = child(n, "vlan").ok_or_else(|| err("vlan interface misses the vlan element"))?;
    let tag = v.attribute("tag").ok_or_else(|| err("vlan interface misses the tag attribute"))?;
    let dev = child(v, "interface")
        .and_then(|i| i.attribute("name"))
        .ok_or_else(|| err("vlan interface misses name attribute"))?;
    Ok(Kind::Vlan { tag: tag.to_string(), dev: dev.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_in_libvirt_order() {
        let d = InterfaceDef::parse(
            "<interface type='ethernet' name='eth1'><mac address='aa:bb:cc:dd:ee:ff'/>\
             <protocol family='ipv4'><route gateway='192.168.0.1'/><ip address='192.168.0.5' prefix='24'/></protocol>\
             <mtu size='1492'/><start mode='onboot'/></interface>",
        )
        .unwrap();
        assert_eq!(
            d.format(),
            "<interface type='ethernet' name='eth1'>\n  <start mode='onboot'/>\n  <mtu size='1492'/>\n  \
             <protocol family='ipv4'>\n    <ip address='192.168.0.5' prefix='24'/>\n    \
             <route gateway='192.168.0.1'/>\n  </protocol>\n  <mac address='aa:bb:cc:dd:ee:ff'/>\n</interface>\n"
        );
    }
}
